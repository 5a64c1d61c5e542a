/*
 * test_schema_golden.c — golden files for the schema front end. Every
 * tests/grammar/golden/schema/NAME.cedarschema or NAME.json is loaded; its
 * rendered diagnostics (err_*) or its dump (ok_*) must equal NAME.out byte
 * for byte. Set LR_UPDATE_GOLDEN=1 to rewrite the .out files after an
 * intended change (and review the diff).
 */
#include <criterion/criterion.h>
#include <dirent.h>

#include "schema_util.h"

#define GOLDEN_DIR LR_SOURCE_DIR "/tests/grammar/golden/schema"

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(schema_golden, all) {
  DIR *dir = opendir(GOLDEN_DIR);
  cr_assert_not_null(dir, "cannot open %s", GOLDEN_DIR);
  char *names[512];
  size_t n = 0;
  for (struct dirent *e; (e = readdir(dir)) && n < 512;) {
    size_t len = strlen(e->d_name);
    if ((len > 12 && !strcmp(e->d_name + len - 12, ".cedarschema")) ||
        (len > 5 && !strcmp(e->d_name + len - 5, ".json")))
      names[n++] = lr_xstrdup(e->d_name);
  }
  closedir(dir);
  qsort(names, n, sizeof *names, cmp_names);
  cr_assert_gt(n, 20, "expected the golden cases, found %zu", n);
  bool update = getenv("LR_UPDATE_GOLDEN") != NULL;
  size_t errs = 0, oks = 0;
  for (size_t i = 0; i < n; i++) {
    char path[1024], outp[1024];
    snprintf(path, sizeof path, "%s/%s", GOLDEN_DIR, names[i]);
    snprintf(outp, sizeof outp, "%s/%.*s.out", GOLDEN_DIR, (int)(strrchr(names[i], '.') - names[i]),
             names[i]);
    lr_buf in = {0}, want = {0}, got = {0};
    cr_assert_eq(lr_buf_read_file(&in, path), LR_OK);
    lr_source src;
    lr_schema *s = schema_run(&src, names[i], in.p, in.len, &got);
    bool is_err = strncmp(names[i], "err_", 4) == 0;
    cr_expect_eq(s == NULL, is_err, "%s: %s", names[i], is_err ? "loaded" : "did not load");
    errs += is_err;
    oks += !is_err;
    lr_schema_free(s);
    if (update) {
      FILE *f = fopen(outp, "w");
      cr_assert_not_null(f);
      fwrite(got.p ? got.p : "", 1, got.len, f);
      fclose(f);
    } else {
      cr_assert_eq(lr_buf_read_file(&want, outp), LR_OK, "missing %s", outp);
      cr_expect_str_eq(got.p ? got.p : "", want.p ? want.p : "", "%s differs:\n%s", names[i],
                       got.p ? got.p : "");
    }
    lr_buf_free(&in);
    lr_buf_free(&want);
    lr_buf_free(&got);
    free(names[i]);
  }
  cr_log_info("schema golden: %zu error cases, %zu dumps", errs, oks);
}

/* The text and JSON forms of the same schema dump identically. */
Test(schema_golden, text_and_json_agree) {
  lr_buf a = {0}, b = {0};
  cr_assert_eq(lr_buf_read_file(&a, GOLDEN_DIR "/ok_text_all.out"), LR_OK);
  cr_assert_eq(lr_buf_read_file(&b, GOLDEN_DIR "/ok_json_all.out"), LR_OK);
  cr_assert_gt(a.len, 100);
  cr_assert_str_eq(a.p, b.p);
  lr_buf_free(&a);
  lr_buf_free(&b);
}
