/*
 * fuzz_compile.c — libFuzzer target holding the compiled policy sets
 * (policy/compile*.c) to the interpreter: every input that loads as
 * policies is compiled as it is (up to SCAN_MAX, 7 policies: the scan) and
 * with 13 filler policies after it (always the scope index), each
 * set unbound and bound to the store (lr_cset_bind), and every one decides
 * a fixed list of requests over the store and over an overlay that shadows
 * a store entry; any difference from lr_authorize (decision, reasons,
 * errors with their messages, guards) aborts.
 *
 *   make fuzz && build-fuzz/tests/fuzz/fuzz_compile tests/fuzz/seeds/policy \
 *     -dict=tests/fuzz/policy.dict
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const char ENTITIES[] =
    "[{\"uid\": {\"type\": \"User\", \"id\": \"alice\"}, \"attrs\": {\"age\": 30, \"name\": "
    "\"alice\", \"roles\": [\"admin\", \"dev\"], \"addr\": {\"city\": \"Paris\"}}, \"parents\": "
    "[{\"type\": \"Group\", \"id\": \"g1\"}], \"tags\": {\"level\": 3, \"dept\": \"eng\"}},"
    "{\"uid\": {\"type\": \"User\", \"id\": \"bob\"}, \"attrs\": {\"age\": 17}, \"parents\": "
    "[{\"type\": \"Group\", \"id\": \"g2\"}, {\"type\": \"Role\", \"id\": \"r1\"}]},"
    "{\"uid\": {\"type\": \"Group\", \"id\": \"g1\"}, \"attrs\": {}, \"parents\": "
    "[{\"type\": \"Group\", \"id\": \"g2\"}]},"
    "{\"uid\": {\"type\": \"Group\", \"id\": \"g2\"}, \"attrs\": {}, \"parents\": []},"
    "{\"uid\": {\"type\": \"Photo\", \"id\": \"p\"}, \"attrs\": {\"owner\": {\"__entity\": "
    "{\"type\": \"User\", \"id\": \"alice\"}}, \"size\": 5}, \"parents\": [{\"type\": "
    "\"Album\", \"id\": \"a\"}]},"
    "{\"uid\": {\"type\": \"Album\", \"id\": \"a\"}, \"attrs\": {}, \"parents\": []},"
    "{\"uid\": {\"type\": \"Action\", \"id\": \"view\"}, \"attrs\": {}, \"parents\": "
    "[{\"type\": \"Action\", \"id\": \"read\"}]},"
    "{\"uid\": {\"type\": \"Action\", \"id\": \"read\"}, \"attrs\": {}, \"parents\": []}]";

static const char *const CONTEXTS[] = {
    "{}",
    "{\"n\": 5, \"s\": \"hi\", \"set\": [1, 2, 3], \"rec\": {\"a\": {\"b\": true}}}",
    "{\"n\": 11, \"s\": \"/tmp/x\", \"set\": [\"EMAIL\"], \"time\": {\"hour\": 9}}",
};

static const char *const UIDS[][2] = {
    {"User", "alice"}, {"User", "bob"},  {"User", "zed"},   {"Group", "g1"},
    {"Action", "view"}, {"Action", "read"}, {"Action", "edit"}, {"Photo", "p"},
    {"Album", "a"},    {"Photo", "q"},
};

#define NUIDS (sizeof UIDS / sizeof *UIDS)
#define NCTX (sizeof CONTEXTS / sizeof *CONTEXTS)

/* Built once: the store, the overlay, the uids and each context read for
 * each uid as the action. */
static lr_entities *store, *overlay;
static lr_arena *fixed;
static const lr_uid *uids[NUIDS];
static lr_value contexts[NCTX][NUIDS];

static void init(void) {
  fixed = lr_arena_new(0);
  for (size_t i = 0; i < NUIDS; i++)
    uids[i] = lr_uid_new(fixed, lr_str_c(UIDS[i][0]), lr_str_c(UIDS[i][1]));
  for (size_t k = 0; k < NCTX; k++)
    for (size_t i = 0; i < NUIDS; i++) {
      json_t *j = json_loads(CONTEXTS[k], 0, NULL);
      lr_diags d = {0};
      if (!j || lr_context_from_json(fixed, j, NULL, uids[i], "ctx", &d, &contexts[k][i]) != LR_OK)
        abort();
      json_decref(j);
      lr_diags_free(&d);
    }
  lr_diags d = {0};
  store = lr_entities_from_json(ENTITIES, sizeof ENTITIES - 1, "fuzz", NULL, &d);
  if (!store) abort();
  lr_diags_free(&d);
  /* alice again, in Role::"r1" only and without attributes */
  overlay = lr_entities_new_overlay(store);
  const lr_uid *r1 = lr_uid_new(fixed, lr_str_c("Role"), lr_str_c("r1"));
  if (lr_entities_add(overlay, uids[0], lr_value_empty_record(), &r1, 1,
                      lr_value_empty_record()) != LR_OK ||
      lr_entities_finish(overlay, NULL) != LR_OK)
    abort();
}

static void check(const lr_policy_set *set, const lr_cset *c, const char *how, lr_arena *a) {
  static const size_t reqs[][3] = {{0, 4, 7}, {1, 5, 8}, {2, 6, 9}, {0, 5, 7}, {3, 4, 7}};
  const lr_entities *stores[2] = {store, overlay};
  for (size_t q = 0; q < sizeof reqs / sizeof *reqs; q++)
    for (size_t k = 0; k < NCTX; k++)
      for (int s = 0; s < 2; s++) {
        lr_request req = {uids[reqs[q][0]], uids[reqs[q][1]], uids[reqs[q][2]],
                          contexts[k][reqs[q][1]]};
        lr_decision di, dc;
        lr_authorize(a, set->insts, set->ninsts, stores[s], &req, &di);
        lr_cset_authorize(c, a, stores[s], &req, &dc);
        lr_buf why = {0};
        if (!lr_decision_same(&di, &dc, &why)) {
          fprintf(stderr, "fuzz_compile: %s set, request %zu, context %zu, store %d: %s\n", how,
                  q, k, s, why.p);
          abort();
        }
        lr_buf_free(&why);
      }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!store) init();
  lr_arena *a = lr_arena_new(0);
  lr_source *src = LR_NEW(a, lr_source);
  char *text = lr_arena_alloc(a, size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  *src = (lr_source){"fuzz", text, size};
  lr_policy_set set = {0};
  lr_diags d = {0};
  if (lr_policy_set_add_source(a, &set, src, 0, &d) == LR_OK && set.ninsts) {
    for (int round = 0; round < 2; round++) {
      if (round == 1) { /* past the scan limit whatever the input: the index */
        lr_buf f = {0};
        for (int i = 0; i < 13; i++)
          lr_buf_printf(&f, "permit(principal == User::\"filler%d\", action, resource);\n", i);
        lr_source *fs = LR_NEW(a, lr_source);
        *fs = (lr_source){"fill", lr_arena_strdup(a, f.p), f.len};
        lr_buf_free(&f);
        if (lr_policy_set_add_source(a, &set, fs, 0, &d) != LR_OK) break;
      }
      lr_cset *plain = lr_cset_compile(&set, NULL), *bound = lr_cset_compile(&set, NULL);
      lr_cset_bind(bound, store);
      check(&set, plain, round ? "with fillers" : "as loaded", a);
      check(&set, bound, round ? "with fillers, bound" : "as loaded, bound", a);
      lr_cset_unref(plain);
      lr_cset_unref(bound);
    }
  }
  lr_diags_free(&d);
  lr_arena_free(a);
  return 0;
}
