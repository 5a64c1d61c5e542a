/*
 * test_golden.c — golden files for the Cedar front end: for every
 * tests/grammar/golden/NAME.cedar, the exact rendered diagnostics (when the
 * file has errors) or the AST dump with spans plus the formatted text (when it
 * parses) must equal NAME.out. Files whose name contains "strict" are parsed
 * in strict Cedar mode. Set LR_GOLDEN_UPDATE=1 to rewrite the .out files
 * (then review the diff).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grammar.h"

#define GOLDEN_DIR LR_SOURCE_DIR "/tests/grammar/golden"

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

/* Produces the golden text for one input file. */
static void render(const char *name, const lr_buf *text, lr_buf *out) {
  char shown[512];
  snprintf(shown, sizeof shown, "golden/%s", name);
  lr_source src = {shown, text->p, text->len};
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_policy_list l;
  unsigned flags = strstr(name, "strict") ? LR_PARSE_STRICT_CEDAR : 0;
  if (lr_parse_policies_opts(a, &src, 0, flags, &d, &l) == LR_OK) {
    lr_buf_puts(out, "== ast ==\n");
    lr_ast_dump_policies(&l, LR_DUMP_SPANS, out);
    lr_buf_puts(out, "== fmt ==\n");
    lr_fmt_policies(&l, out);
  } else {
    lr_buf_printf(out, "== %zu error%s ==\n", d.errors, d.errors == 1 ? "" : "s");
    lr_diags_render(&d, out);
  }
  lr_diags_free(&d);
  lr_arena_free(a);
}

Test(golden, every_file_matches) {
  DIR *dir = opendir(GOLDEN_DIR);
  cr_assert(dir, "cannot open %s", GOLDEN_DIR);
  char *names[512];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(dir)) && n < 512) {
    size_t len = strlen(e->d_name);
    if (len > 6 && strcmp(e->d_name + len - 6, ".cedar") == 0) names[n++] = strdup(e->d_name);
  }
  closedir(dir);
  qsort(names, n, sizeof *names, cmp);
  cr_assert_geq(n, 50, "golden cases missing");
  int update = getenv("LR_GOLDEN_UPDATE") != NULL, failures = 0;
  for (size_t i = 0; i < n; i++) {
    char path[1024], outp[1024];
    snprintf(path, sizeof path, "%s/%s", GOLDEN_DIR, names[i]);
    snprintf(outp, sizeof outp, "%.*s.out", (int)(strlen(path) - 6), path);
    lr_buf text = {0}, got = {0}, want = {0};
    cr_assert_eq(lr_buf_read_file(&text, path), LR_OK);
    render(names[i], &text, &got);
    if (update) {
      FILE *f = fopen(outp, "wb");
      cr_assert(f);
      fwrite(got.p, 1, got.len, f);
      fclose(f);
    } else if (lr_buf_read_file(&want, outp) != LR_OK) {
      cr_log_error("%s: missing %s", names[i], outp);
      failures++;
    } else if (want.len != got.len || memcmp(want.p, got.p, got.len) != 0) {
      cr_log_error("%s: output differs\n--- want\n%s--- got\n%s", names[i], want.p, got.p);
      failures++;
    }
    /* a case named after a code must report that code */
    if (names[i][0] == 'E') {
      char code[6];
      memcpy(code, names[i], 5);
      code[5] = 0;
      char tag[8];
      snprintf(tag, sizeof tag, "[%s]", code);
      cr_expect(strstr(got.p, tag) != NULL, "%s: code %s not reported", names[i], code);
    }
    lr_buf_free(&text);
    lr_buf_free(&got);
    lr_buf_free(&want);
    free(names[i]);
  }
  cr_assert_eq(failures, 0, "%d golden file(s) differ", failures);
}
