/*
 * runner.h — internals of the Cedar conformance runner (tests/conformance).
 *
 * main.c walks the suites and prints the figures, corpus.c finds and
 * unpacks the test files, harness.c runs one integration-test JSON file
 * through larch (policies, schema, schema-based entities and context,
 * authorizer) and compares every request with Cedar's expected answer.
 */
#ifndef LARCH_CONFORMANCE_RUNNER_H
#define LARCH_CONFORMANCE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "base.h"

typedef struct file_list {
  char **items;
  size_t n;
} file_list;

/* Appends the sorted *.json test files of dir (skipping *.entities.json when
 * corpus). Returns LR_ERR when dir cannot be read. */
lr_status list_test_files(const char *dir, bool corpus, file_list *out);
void file_list_free(file_list *l);

/* Unpacks tarball under <work_dir>/corpus unless a complete unpack newer
 * than the tarball is already there; root receives <work_dir>/corpus (the
 * folder holding corpus-tests/, which the test paths are relative to). */
lr_status unpack_corpus(const char *tarball, const char *work_dir, char *root, size_t root_cap);

/* Figures for one suite. */
typedef struct tally {
  size_t tests, requests, agree, skipped;
  size_t validate_true, validate_false; /* shouldValidate, reported only */
  size_t compiled_same;                 /* requests where lr_cset_authorize == lr_authorize */
} tally;

typedef struct runner {
  size_t mismatch_cap;     /* print at most this many mismatches */
  size_t mismatches_shown; /* printed so far */
  size_t mismatches;       /* total */
  bool verbose;
  /* Test of the runner itself: alter every compiled answer (flip allow), so
   * the comparison with the interpreter must report mismatches. */
  bool perturb_compiled;
} runner;

/* Runs every request of the test file at path (its data paths are relative
 * to root) and adds to t; prints mismatches through r. */
void run_test_file(runner *r, tally *t, const char *root, const char *path);

/* Reports one disagreeing request (printed while under the cap). */
void report_mismatch(runner *r, const char *test, const char *request, const char *expected,
                     const char *got);

#endif /* LARCH_CONFORMANCE_RUNNER_H */
