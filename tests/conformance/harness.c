/*
 * harness.c — one Cedar integration test through larch, as Cedar's own
 * harness runs it (cedar-testing/src/integration_testing.rs): policies
 * parsed as strict Cedar, the schema, entities parsed WITH the schema
 * (action entities from the schema), and for each request the uids, the
 * context parsed with the schema for its action, request validation when
 * "validateRequest" (default true), then the authorizer. A request agrees
 * when the decision, the set of determining policies and the set of
 * erroring policies all equal Cedar's, and the compiled policy set
 * (lr_cset_authorize) gives exactly the interpreter's answer (decision,
 * reasons and errors in order, messages, guards).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "runner.h"
#include "schema.h"

/* Tests larch skips, each with the Cedar feature it would need. Empty: every
 * test runs. Match on the test file's base name. */
static const struct {
  const char *file, *reason;
} skips[] = {
    {NULL, NULL},
};

static const char *skip_reason(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  for (size_t i = 0; skips[i].file; i++)
    if (strcmp(skips[i].file, base) == 0) return skips[i].reason;
  return NULL;
}

static char *read_text(lr_arena *a, const char *root, const char *rel, size_t *len,
                       char **path_out) {
  char *path = lr_arena_sprintf(a, "%s/%s", root, rel);
  *path_out = path;
  lr_buf b = {0};
  if (lr_buf_read_file(&b, path) != LR_OK) {
    lr_buf_free(&b);
    return NULL;
  }
  char *s = lr_arena_strndup(a, b.p ? b.p : "", b.len);
  *len = b.len;
  lr_buf_free(&b);
  return s;
}

/* "allow [policy0, policy2] errors [policy1]" with sorted ids. */
static int cmp_cstr(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void sort_ids(const char **ids, size_t n) {
  if (n > 1) qsort(ids, n, sizeof *ids, cmp_cstr);
}

static void describe(lr_buf *out, bool allow, const char **reasons, size_t nr, const char **errors,
                     size_t ne) {
  lr_buf_printf(out, "%s reasons [", allow ? "allow" : "deny");
  for (size_t i = 0; i < nr; i++) lr_buf_printf(out, "%s%s", i ? ", " : "", reasons[i]);
  lr_buf_puts(out, "] errors [");
  for (size_t i = 0; i < ne; i++) lr_buf_printf(out, "%s%s", i ? ", " : "", errors[i]);
  lr_buf_puts(out, "]");
}

/* Expected ids from a JSON array of strings (deduplicated by sort). */
static size_t json_ids(lr_arena *a, const json_t *arr, const char ***out) {
  size_t n = json_array_size(arr);
  const char **ids = LR_NEW_N(a, const char *, n ? n : 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const char *s = json_string_value(json_array_get(arr, i));
    if (s) ids[k++] = s;
  }
  sort_ids(ids, k);
  size_t u = 0;
  for (size_t i = 0; i < k; i++)
    if (u == 0 || strcmp(ids[u - 1], ids[i]) != 0) ids[u++] = ids[i];
  *out = ids;
  return u;
}

static bool same_ids(const char **x, size_t nx, const char **y, size_t ny) {
  if (nx != ny) return false;
  for (size_t i = 0; i < nx; i++)
    if (strcmp(x[i], y[i]) != 0) return false;
  return true;
}

typedef struct test_env {
  lr_arena *a;
  lr_schema *schema;
  lr_source schema_src;
  lr_policy_set set;
  lr_entities *entities;
  lr_cset *cset;
} test_env;

/* Loads policies, schema and entities; on failure fills why. */
static lr_status load_env(test_env *e, const char *root, const json_t *test, lr_buf *why) {
  const char *pol = json_string_value(json_object_get(test, "policies"));
  const char *ent = json_string_value(json_object_get(test, "entities"));
  const char *sch = json_string_value(json_object_get(test, "schema"));
  if (!pol || !ent || !sch) {
    lr_buf_puts(why, "test JSON lacks policies/entities/schema");
    return LR_ERR;
  }
  lr_diags d = {0};
  size_t len;
  char *path;
  lr_status st = LR_ERR;
  char *text = read_text(e->a, root, sch, &len, &path);
  if (!text) {
    lr_buf_printf(why, "%s: cannot read: %s", path, strerror(errno));
    goto done;
  }
  e->schema_src = (lr_source){path, text, len};
  e->schema = lr_schema_load(&e->schema_src, lr_schema_format_of(path), &d);
  if (!e->schema) goto diags;
  path = lr_arena_sprintf(e->a, "%s/%s", root, pol);
  if (lr_policy_set_add_file(e->a, &e->set, path, LR_PARSE_STRICT_CEDAR, &d) != LR_OK) goto diags;
  text = read_text(e->a, root, ent, &len, &path);
  if (!text) {
    lr_buf_printf(why, "%s: cannot read: %s", path, strerror(errno));
    goto done;
  }
  e->entities = lr_entities_from_json(text, len, ent, e->schema, &d);
  if (!e->entities) goto diags;
  e->cset = lr_cset_compile(&e->set, NULL);
  st = LR_OK;
  goto done;
diags:
  lr_diags_render_short(&d, why);
done:
  lr_diags_free(&d);
  return st;
}

/* Runs one request; returns true when larch agrees with Cedar. got receives
 * larch's answer (or why it could not answer). */
static bool run_request(runner *r, tally *t, test_env *e, lr_arena *ra, const json_t *rq,
                        const char *test_name, lr_buf *got) {
  lr_diags d = {0};
  lr_request req = {0};
  const lr_uid **slots[3] = {&req.principal, &req.action, &req.resource};
  static const char *const roles[3] = {"principal", "action", "resource"};
  bool ok = true;
  for (int i = 0; i < 3 && ok; i++)
    ok = lr_json_uid(ra, json_object_get(rq, roles[i]), false, test_name, roles[i], &d, slots[i]) ==
         LR_OK;
  if (ok)
    ok = lr_context_from_json(ra, json_object_get(rq, "context"), e->schema, req.action, test_name,
                              &d, &req.context) == LR_OK;
  const json_t *vr = json_object_get(rq, "validateRequest");
  if (ok && (!vr || json_is_true(vr)))
    ok = lr_request_validate(e->schema, &req, test_name, &d) == LR_OK;
  if (!ok) {
    lr_buf_puts(got, "request rejected: ");
    lr_diags_render_short(&d, got);
    lr_diags_free(&d);
    return false;
  }
  lr_decision dec;
  lr_authorize(ra, e->set.insts, e->set.ninsts, e->entities, &req, &dec);
  lr_decision cdec;
  lr_cset_authorize(e->cset, ra, e->entities, &req, &cdec);
  if (r->perturb_compiled) cdec.allow = !cdec.allow;
  lr_buf why = {0};
  bool same = lr_decision_same(&dec, &cdec, &why);
  lr_buf_free(&why);
  if (same) t->compiled_same++;
  const char **reasons = LR_NEW_N(ra, const char *, dec.nreasons + 1);
  const char **errors = LR_NEW_N(ra, const char *, dec.nerrors + 1);
  for (size_t i = 0; i < dec.nreasons; i++) reasons[i] = dec.reasons[i];
  for (size_t i = 0; i < dec.nerrors; i++) errors[i] = dec.errors[i].policy_id;
  sort_ids(reasons, dec.nreasons);
  sort_ids(errors, dec.nerrors);
  const char **xr, **xe;
  size_t nxr = json_ids(ra, json_object_get(rq, "reason"), &xr);
  size_t nxe = json_ids(ra, json_object_get(rq, "errors"), &xe);
  const char *xd = json_string_value(json_object_get(rq, "decision"));
  bool xallow = xd && strcmp(xd, "allow") == 0;
  bool agree = same && xallow == dec.allow && same_ids(reasons, dec.nreasons, xr, nxr) &&
               same_ids(errors, dec.nerrors, xe, nxe);
  describe(got, dec.allow, reasons, dec.nreasons, errors, dec.nerrors);
  if (!same) {
    lr_buf_puts(got, "\n            compiled path differs from the interpreter: ");
    lr_decision_same(&dec, &cdec, got);
  }
  for (size_t i = 0; !agree && i < dec.nerrors; i++)
    lr_buf_printf(got, "\n            %s: %s", dec.errors[i].policy_id, dec.errors[i].message);
  lr_diags_free(&d);
  return agree;
}

static void expected_text(lr_arena *a, const json_t *rq, lr_buf *out) {
  const char **xr, **xe;
  size_t nxr = json_ids(a, json_object_get(rq, "reason"), &xr);
  size_t nxe = json_ids(a, json_object_get(rq, "errors"), &xe);
  const char *xd = json_string_value(json_object_get(rq, "decision"));
  describe(out, xd && strcmp(xd, "allow") == 0, xr, nxr, xe, nxe);
}

void run_test_file(runner *r, tally *t, const char *root, const char *path) {
  lr_buf text = {0};
  lr_diags d = {0};
  json_t *test = NULL;
  if (lr_buf_read_file(&text, path) == LR_OK) test = lr_json_parse(text.p, text.len, path, &d);
  lr_buf_free(&text);
  t->tests++;
  if (!test) {
    lr_buf why = {0};
    lr_diags_render_short(&d, &why);
    t->requests++;
    report_mismatch(r, path, "(whole test)", "a readable test", why.p ? why.p : "cannot read");
    lr_buf_free(&why);
    lr_diags_free(&d);
    return;
  }
  const json_t *reqs = json_object_get(test, "requests");
  size_t nreq = json_array_size(reqs);
  const json_t *sv = json_object_get(test, "shouldValidate");
  if (json_is_true(sv))
    t->validate_true++;
  else
    t->validate_false++;
  t->requests += nreq;
  const char *why_skip = skip_reason(path);
  if (why_skip) {
    t->skipped += nreq;
    if (r->verbose) printf("SKIP %s: %s\n", path, why_skip);
    json_decref(test);
    return;
  }
  test_env e = {.a = lr_arena_new(0)};
  lr_buf why = {0};
  if (load_env(&e, root, test, &why) != LR_OK) {
    for (size_t i = 0; i < nreq; i++) {
      const char *desc = json_string_value(json_object_get(json_array_get(reqs, i), "description"));
      report_mismatch(r, path, desc ? desc : "?", "test data to load", why.p ? why.p : "error");
    }
  } else {
    lr_arena *ra = lr_arena_new(0);
    for (size_t i = 0; i < nreq; i++) {
      const json_t *rq = json_array_get(reqs, i);
      lr_buf got = {0}, want = {0};
      if (run_request(r, t, &e, ra, rq, path, &got)) {
        t->agree++;
      } else {
        expected_text(ra, rq, &want);
        const char *desc = json_string_value(json_object_get(rq, "description"));
        report_mismatch(r, path, desc ? desc : "?", want.p, got.p ? got.p : "");
      }
      lr_buf_free(&got);
      lr_buf_free(&want);
      lr_arena_reset(ra);
    }
    lr_arena_free(ra);
  }
  lr_buf_free(&why);
  lr_entities_release(e.entities);
  lr_cset_unref(e.cset);
  lr_schema_free(e.schema);
  lr_arena_free(e.a);
  json_decref(test);
}
