/*
 * test_schema_corpus.c — every schema of Cedar's integration tests
 * (../shared/conformance/cedar) loads: the sample-data schemas and the
 * .cedarschema of all 7,809 corpus tests (unpacked into the build directory
 * at test time). The JSON forms of the sample-data schemas (written by hand
 * in tests/grammar/data/schema) dump exactly like their text forms, and every
 * loaded schema survives lr_schema_to_json → JSON loader with the same dump.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <sys/stat.h>

#include "schema_util.h"

#define CEDAR_DIR LR_SHARED_DIR "/conformance/cedar"
#define UNPACK_DIR LR_BINARY_DIR "/schema-corpus"

static size_t roundtrips;

/* Emits s as JSON, loads that back, and compares both dumps (attribute names
 * and ids holding NUL bytes included: the loader works around jansson's
 * refusal of NUL in object keys). */
static void check_json_roundtrip(const lr_schema *s, const char *path, lr_buf *dump) {
  lr_buf js = {0}, again = {0};
  lr_schema_to_json(s, &js);
  lr_source src;
  lr_schema *t = schema_run(&src, "roundtrip.json", js.p, js.len, &again);
  roundtrips++;
  cr_expect_not_null(t, "%s: JSON form does not load:\n%s\n%s", path, again.p, js.p);
  if (t) {
    lr_buf_putc(dump, 0);
    lr_buf_putc(&again, 0);
    dump->len--;
    cr_expect_str_eq(again.p, dump->p, "%s: JSON round trip differs", path);
  }
  lr_schema_free(t);
  lr_buf_free(&js);
  lr_buf_free(&again);
}

static char *dump_file(const char *path, bool *ok) {
  lr_buf in = {0}, out = {0};
  cr_assert_eq(lr_buf_read_file(&in, path), LR_OK, "cannot read %s", path);
  lr_source src;
  lr_schema *s = schema_run(&src, path, in.p, in.len, &out);
  *ok = s != NULL;
  if (s) check_json_roundtrip(s, path, &out);
  lr_schema_free(s);
  lr_buf_free(&in);
  lr_buf_putc(&out, 0);
  return out.p;
}

Test(schema_corpus, sample_data_text_and_json_agree) {
  static const char *const pairs[][2] = {
      {"sandbox_a/schema.cedarschema", "sandbox_a.json"},
      {"sandbox_b/schema.cedarschema", "sandbox_b.json"},
      {"sandbox_b/schema_exts.cedarschema", "sandbox_b_exts.json"},
  };
  for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
    char tp[1024], jp[1024];
    snprintf(tp, sizeof tp, "%s/sample-data/%s", CEDAR_DIR, pairs[i][0]);
    snprintf(jp, sizeof jp, "%s/tests/grammar/data/schema/%s", LR_SOURCE_DIR, pairs[i][1]);
    bool ok1, ok2;
    char *a = dump_file(tp, &ok1), *b = dump_file(jp, &ok2);
    cr_assert(ok1, "%s", a);
    cr_assert(ok2, "%s", b);
    cr_assert(strlen(a) > 200);
    cr_assert_str_eq(a, b, "%s vs %s", pairs[i][0], pairs[i][1]);
    free(a);
    free(b);
  }
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(schema_corpus, every_corpus_schema_loads, .timeout = 300) {
  struct stat st;
  char marker[1024];
  snprintf(marker, sizeof marker, "%s/.unpacked", UNPACK_DIR);
  if (stat(marker, &st) != 0) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s' && tar xzf '%s/corpus-tests.tar.gz' -C '%s' --wildcards '*.cedarschema' && touch '%s'", UNPACK_DIR,
             CEDAR_DIR, UNPACK_DIR, marker);
    cr_assert_eq(system(cmd), 0, "cannot unpack the corpus");
  }
  const char *dirp = UNPACK_DIR "/corpus-tests";
  DIR *dir = opendir(dirp);
  cr_assert_not_null(dir);
  size_t cap = 8192, n = 0;
  char **names = lr_xmalloc(cap * sizeof *names);
  for (struct dirent *e; (e = readdir(dir));) {
    size_t len = strlen(e->d_name);
    if (len > 12 && !strcmp(e->d_name + len - 12, ".cedarschema")) {
      if (n == cap) names = lr_xrealloc(names, (cap *= 2) * sizeof *names);
      names[n++] = lr_xstrdup(e->d_name);
    }
  }
  closedir(dir);
  qsort(names, n, sizeof *names, cmp_names);
  size_t loaded = 0;
  for (size_t i = 0; i < n; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dirp, names[i]);
    bool ok;
    char *out = dump_file(path, &ok);
    cr_expect(ok, "%s", out);
    /* A loaded schema dumps at least one declaration. */
    cr_expect(!ok || strlen(out) > 0, "%s: empty dump", names[i]);
    loaded += ok;
    free(out);
    free(names[i]);
  }
  free(names);
  fprintf(stderr, "cedar corpus schemas: %zu/%zu loaded; JSON round trips: %zu\n", loaded, n,
          roundtrips);
  cr_assert_eq(n, 7809);
  cr_assert_eq(loaded, n);
  cr_assert_eq(roundtrips, n);
}
