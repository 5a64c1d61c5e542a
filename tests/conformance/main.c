/*
 * main.c — the Cedar conformance runner: runs Cedar's own integration tests
 * (../shared/conformance/cedar: 22 hand-written tests and the generated
 * corpus) through larch and prints
 *
 *   cedar conformance: N/M requests
 *
 * for the hand-written tests, the corpus and in total. Every disagreeing
 * request is listed (test file, request description, expected vs got) up to
 * a cap. Every request is decided twice, by the interpreter (lr_authorize)
 * and by the compiled set (lr_cset_authorize); any difference between the
 * two answers is a mismatch too. Exit status 0 only when every request agrees or is skipped with a
 * written reason (see harness.c). Validation agreement (shouldValidate) is
 * reported separately and is "not measured" until larch has a strict
 * validator.
 *
 * usage: cedar_conformance CEDAR_DIR WORK_DIR [--cap N] [--only hand|corpus]
 *        [--perturb-compiled] [--root DIR FILE.json...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

static const char *hand_suites[] = {"decimal", "example_use_cases", "ip", "multi"};

void report_mismatch(runner *r, const char *test, const char *request, const char *expected,
                     const char *got) {
  r->mismatches++;
  if (r->mismatches_shown >= r->mismatch_cap) return;
  r->mismatches_shown++;
  printf("MISMATCH %s: \"%s\"\n  expected: %s\n  got:      %s\n", test, request, expected, got);
}

static void print_tally(const char *name, const tally *t) {
  printf("cedar conformance (%s): %zu/%zu requests", name, t->agree, t->requests);
  if (t->skipped) printf(" (%zu skipped with a reason)", t->skipped);
  printf(", %zu tests; compiled path identical to the interpreter on %zu\n", t->tests,
         t->compiled_same);
}

static void add(tally *sum, const tally *t) {
  sum->tests += t->tests, sum->requests += t->requests, sum->agree += t->agree;
  sum->skipped += t->skipped, sum->validate_true += t->validate_true;
  sum->validate_false += t->validate_false;
  sum->compiled_same += t->compiled_same;
}

static void run_hand_written(runner *r, const char *cedar_dir, tally *t) {
  for (size_t s = 0; s < sizeof hand_suites / sizeof *hand_suites; s++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/%s", cedar_dir, hand_suites[s]);
    file_list files = {0};
    if (list_test_files(dir, false, &files) != LR_OK) {
      printf("cannot read %s\n", dir);
      t->requests++; /* makes the run fail */
      continue;
    }
    for (size_t i = 0; i < files.n; i++) run_test_file(r, t, cedar_dir, files.items[i]);
    file_list_free(&files);
  }
}

static void run_corpus(runner *r, const char *cedar_dir, const char *work_dir, tally *t) {
  char tarball[4096], root[4096], dir[4200];
  snprintf(tarball, sizeof tarball, "%s/corpus-tests.tar.gz", cedar_dir);
  if (unpack_corpus(tarball, work_dir, root, sizeof root) != LR_OK) {
    printf("cannot unpack %s into %s/corpus\n", tarball, work_dir);
    t->requests++;
    return;
  }
  snprintf(dir, sizeof dir, "%s/corpus-tests", root);
  file_list files = {0};
  if (list_test_files(dir, true, &files) != LR_OK) {
    printf("cannot read %s\n", dir);
    t->requests++;
    return;
  }
  for (size_t i = 0; i < files.n; i++) run_test_file(r, t, root, files.items[i]);
  file_list_free(&files);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr,
            "usage: %s CEDAR_DIR WORK_DIR [--cap N] [--only hand|corpus] [--perturb-compiled] "
            "[--root DIR FILE.json...]\n",
            argv[0]);
    return 1;
  }
  const char *cedar_dir = argv[1], *work_dir = argv[2], *only = NULL, *root = NULL;
  runner r = {.mismatch_cap = 50};
  int first_file = argc;
  for (int i = 3; i < argc; i++) {
    if (strcmp(argv[i], "--cap") == 0 && i + 1 < argc)
      r.mismatch_cap = strtoul(argv[++i], 0, 10);
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
      only = argv[++i];
    else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
      root = argv[++i];
    else if (strcmp(argv[i], "--perturb-compiled") == 0)
      r.perturb_compiled = true;
    else if (strcmp(argv[i], "-v") == 0)
      r.verbose = true;
    else {
      first_file = i;
      break;
    }
  }
  if (first_file < argc) { /* selected files, for diagnosing */
    tally t = {0};
    for (int i = first_file; i < argc; i++) run_test_file(&r, &t, root ? root : cedar_dir, argv[i]);
    print_tally("selected", &t);
    return t.agree + t.skipped == t.requests ? 0 : 1;
  }
  tally hand = {0}, corpus = {0}, total = {0};
  if (!only || strcmp(only, "hand") == 0) run_hand_written(&r, cedar_dir, &hand);
  if (!only || strcmp(only, "corpus") == 0) run_corpus(&r, cedar_dir, work_dir, &corpus);
  add(&total, &hand);
  add(&total, &corpus);
  if (r.mismatches > r.mismatches_shown)
    printf("... and %zu more mismatches\n", r.mismatches - r.mismatches_shown);
  print_tally("hand-written", &hand);
  print_tally("corpus", &corpus);
  printf("cedar conformance: %zu/%zu requests\n", total.agree, total.requests);
  printf("cedar validation (shouldValidate): not measured — larch has no strict validator yet "
         "(%zu tests expect valid, %zu expect invalid)\n",
         total.validate_true, total.validate_false);
  return total.agree + total.skipped == total.requests ? 0 : 1;
}
