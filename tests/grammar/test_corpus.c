/*
 * test_corpus.c — every policy of Cedar's integration suite parses, and the
 * formatter round-trips on all of them: format, re-parse, same AST dump,
 * formatting again gives the same text. Covers the 22 hand-written tests
 * (../shared/conformance/cedar/tests) and the 7,809 generated corpus tests,
 * which ctest unpacks into the build directory first (fixture
 * grammar_corpus_unpack).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grammar.h"

/* Parses, formats and re-parses one file; returns 0 or logs and returns 1. */
static int roundtrip(const char *path, size_t *npolicies) {
  lr_buf text = {0}, d1 = {0}, d2 = {0}, f1 = {0}, f2 = {0}, msg = {0};
  int bad = 1;
  cr_assert_eq(lr_buf_read_file(&text, path), LR_OK, "cannot read %s", path);
  lr_buf_reserve(&text, 0);
  lr_source src = {path, text.p, text.len};
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_policy_list l1, l2;
  if (lr_parse_policies(a, &src, 0, &d, &l1) != LR_OK) {
    lr_diags_render(&d, &msg);
    cr_log_error("%s does not parse:\n%s", path, msg.p);
    goto done;
  }
  *npolicies += l1.n;
  lr_ast_dump_policies(&l1, 0, &d1);
  lr_fmt_policies(&l1, &f1);
  lr_source fsrc = {"<formatted>", f1.p ? f1.p : "", f1.len};
  if (lr_parse_policies(a, &fsrc, 0, &d, &l2) != LR_OK) {
    lr_diags_render(&d, &msg);
    cr_log_error("%s: formatted text does not parse:\n%s\n%s", path, f1.p, msg.p);
    goto done;
  }
  lr_ast_dump_policies(&l2, 0, &d2);
  lr_fmt_policies(&l2, &f2);
  if (d1.len != d2.len || (d1.len && memcmp(d1.p, d2.p, d1.len) != 0)) {
    cr_log_error("%s: formatting changed the AST\n%s\n%s", path, d1.p, d2.p);
    goto done;
  }
  if (f1.len != f2.len || (f1.len && memcmp(f1.p, f2.p, f1.len) != 0)) {
    cr_log_error("%s: formatting is not idempotent", path);
    goto done;
  }
  bad = 0;
done:
  lr_buf_free(&text), lr_buf_free(&d1), lr_buf_free(&d2), lr_buf_free(&f1), lr_buf_free(&f2);
  lr_buf_free(&msg);
  lr_diags_free(&d);
  lr_arena_free(a);
  return bad;
}

/* Round-trips every PREFIX*.cedar directly in dir; returns the number of
 * files. */
static size_t each_file(const char *dir, const char *prefix, size_t *bad, size_t *npolicies) {
  DIR *d = opendir(dir);
  cr_assert(d, "cannot open %s", dir);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 6, ".cedar") != 0) continue;
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    *bad += (size_t)roundtrip(path, npolicies);
    n++;
  }
  closedir(d);
  return n;
}

Test(corpus, hand_written_tests_parse_and_roundtrip) {
  static const char *const dirs[] = {"decimal", "example_use_cases", "ip", "multi"};
  size_t files = 0, bad = 0, policies = 0;
  for (size_t i = 0; i < 4; i++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/conformance/cedar/tests/%s", LR_SHARED_DIR, dirs[i]);
    files += each_file(dir, "", &bad, &policies);
  }
  cr_assert_eq(files, 22);
  cr_assert_eq(bad, 0);
  cr_assert_geq(policies, 22);
}

Test(corpus, generated_corpus_parses_and_roundtrips) {
  size_t bad = 0, policies = 0;
  size_t files = each_file(LR_GRAMMAR_CORPUS_DIR "/corpus-tests", "", &bad, &policies);
  cr_assert_eq(files, 7809, "expected the 7,809 corpus tests, found %zu", files);
  cr_assert_eq(bad, 0, "%zu corpus files failed", bad);
  cr_assert_eq(policies, 7809, "exactly one policy per corpus test");
}

Test(corpus, golden_ok_files_roundtrip) {
  size_t bad = 0, policies = 0;
  size_t files = each_file(LR_SOURCE_DIR "/tests/grammar/golden", "ok_", &bad, &policies);
  cr_assert_geq(files, 4);
  cr_assert_eq(bad, 0);
  cr_assert_geq(policies, 10);
}
