/*
 * cmd_test.c — `larch test PATH...`: policy tests. Each *.test.json names
 * policies, entities and a list of requests with the decision (and
 * optionally the determining policies) each must get; the format is in
 * usage() below and in rules/README.md.
 *
 * Decisions are Cedar's, with larch serve's default error rule on top
 * (a forbid whose evaluation errors denies) unless the file says
 * "on_error": "cedar". Exit status: 0 when every case passed, 1 when a case
 * failed or a file could not be loaded, 2 on usage errors.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_files.h"
#include "cmd_load.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: larch test [--verbose] PATH...\n\n"
          "Runs policy tests: every *.test.json below each folder PATH (recursively, in\n"
          "name order), or the file PATH itself. A test file is a JSON object:\n\n"
          "  {\"policies\": [\"a.cedar\", ...],  files or folders, relative to the test file;\n"
          "                                   default: every *.cedar below its folder\n"
          "   \"entities\": \"entities.json\",   Cedar JSON entities: a file name, or the\n"
          "                                   array inline (optional)\n"
          "   \"schema\": \"s.cedarschema\",     optional; entities and context are then\n"
          "                                   parsed and requests validated with it\n"
          "   \"on_error\": \"deny\",            \"deny\" (default, as larch serve): a forbid\n"
          "                                   that errors denies; \"cedar\": Cedar's decision\n"
          "   \"defaults\": {...},             optional: keys every case starts from (a\n"
          "                                   case's own keys win; \"context\" is merged\n"
          "                                   one level deep, null removes a key)\n"
          "   \"cases\": [{\"name\": \"...\",\n"
          "              \"principal\": uid, \"action\": uid, \"resource\": uid,\n"
          "              \"context\": {...},  optional, Cedar JSON (default {})\n"
          "              \"expect\": \"allow\" | \"deny\",\n"
          "              \"reasons\": [...],  optional: the determining policies, each by\n"
          "                                 its @id annotation, or policyN when it has none\n"
          "                                 (order does not matter)\n"
          "              \"errors\": [...]    optional: the policies whose evaluation errored,\n"
          "                                 named the same way\n"
          "             }, ...]}\n\n"
          "A uid is \"Type::\\\"id\\\"\" or {\"type\": \"Type\", \"id\": \"id\"}. When a forbid\n"
          "errors under on_error \"deny\" and Cedar would allow, the decision is deny and\n"
          "the reasons are the erroring forbids.\n\n"
          "options:\n"
          "  -v, --verbose  print passing cases too\n"
          "  -h, --help     this text\n\n"
          "Prints one FAIL line per failing case (file, case name, expected and got:\n"
          "decision, reasons, errors), then 'N passed, M failed'. Exit status 0 when\n"
          "every case passed, 1 when a case failed or a file could not be loaded\n"
          "(diagnostics with file:line:col), 2 on usage errors.\n");
}

typedef struct run_ctx {
  bool verbose;
  size_t files, passed, failed, broken;
  int io_error;
} run_ctx;

/* The name a policy is reported by: its @id annotation, else its id. */
static const char *policy_label(lr_arena *a, const lr_policy_set *set, const char *id) {
  for (size_t i = 0; i < set->ninsts; i++) {
    if (strcmp(set->insts[i].id, id) != 0) continue;
    const lr_annotation *ann = lr_policy_annotation(set->insts[i].ast, "id");
    if (ann && ann->has_value) return lr_arena_strndup(a, ann->value.p, ann->value.n);
    break;
  }
  return id;
}

static bool is_forbid(const lr_policy_set *set, const char *id) {
  for (size_t i = 0; i < set->ninsts; i++)
    if (strcmp(set->insts[i].id, id) == 0) return set->insts[i].ast->effect == LR_EFFECT_FORBID;
  return false;
}

static int cmp_str(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* A list of policy names, sorted (they are compared as sets). */
typedef struct name_list {
  const char **v;
  size_t n;
} name_list;

static void list_sort(name_list *l) {
  if (l->n > 1) qsort(l->v, l->n, sizeof *l->v, cmp_str);
}

static void list_print(lr_buf *out, const name_list *l) {
  lr_buf_putc(out, '[');
  for (size_t i = 0; i < l->n; i++) lr_buf_printf(out, "%s%s", i ? ", " : "", l->v[i]);
  lr_buf_putc(out, ']');
}

static bool list_equal(const name_list *x, const name_list *y) {
  if (x->n != y->n) return false;
  for (size_t i = 0; i < x->n; i++)
    if (strcmp(x->v[i], y->v[i]) != 0) return false;
  return true;
}

/* An expected name list from a JSON array of strings; false (with *why) on
 * a wrong shape. */
static bool list_from_json(lr_arena *a, const json_t *j, name_list *out, const char **why) {
  if (!json_is_array(j)) {
    *why = "must be an array of policy names";
    return false;
  }
  out->n = json_array_size(j);
  out->v = lr_arena_alloc(a, (out->n ? out->n : 1) * sizeof *out->v);
  for (size_t i = 0; i < out->n; i++) {
    const json_t *s = json_array_get(j, i);
    if (!json_is_string(s)) {
      *why = "must be an array of policy names";
      return false;
    }
    out->v[i] = json_string_value(s);
  }
  list_sort(out);
  return true;
}

/* What a case got, with policies named by label. */
typedef struct outcome {
  bool allow;
  name_list reasons, errors;
  lr_buf error_text; /* "label: message; ..." */
} outcome;

static void decide(lr_cli_loaded *L, const lr_cset *cs, bool on_error_deny, const lr_request *req,
                   outcome *o) {
  lr_arena *a = L->arena;
  lr_decision dec;
  lr_cset_authorize(cs, a, L->entities, req, &dec);
  o->allow = dec.allow;
  o->errors.n = dec.nerrors;
  o->errors.v = lr_arena_alloc(a, (dec.nerrors ? dec.nerrors : 1) * sizeof *o->errors.v);
  name_list erring_forbids = {lr_arena_alloc(a, (dec.nerrors ? dec.nerrors : 1) * sizeof(char *)),
                              0};
  for (size_t i = 0; i < dec.nerrors; i++) {
    const char *label = policy_label(a, &L->set, dec.errors[i].policy_id);
    o->errors.v[i] = label;
    lr_buf_printf(&o->error_text, "%s%s: %s", i ? "; " : "", label, dec.errors[i].message);
    if (is_forbid(&L->set, dec.errors[i].policy_id)) erring_forbids.v[erring_forbids.n++] = label;
  }
  if (on_error_deny && erring_forbids.n && dec.allow) {
    o->allow = false;
    o->reasons = erring_forbids;
  } else {
    o->reasons.n = dec.nreasons;
    o->reasons.v = lr_arena_alloc(a, (dec.nreasons ? dec.nreasons : 1) * sizeof *o->reasons.v);
    for (size_t i = 0; i < dec.nreasons; i++)
      o->reasons.v[i] = policy_label(a, &L->set, dec.reasons[i]);
  }
  list_sort(&o->reasons);
  list_sort(&o->errors);
}

/* The request of case jc with the file's "defaults" under it: keys of the
 * case win, and "context" records are merged one level deep (a null in the
 * case's context removes that key). New ref. */
static json_t *with_defaults(const json_t *defaults, const json_t *jc) {
  json_t *req = defaults ? json_copy((json_t *)defaults) : json_object();
  const json_t *dctx = json_object_get(req, "context"), *cctx = json_object_get(jc, "context");
  json_t *ctx = json_is_object(dctx) && json_is_object(cctx) ? json_copy((json_t *)dctx) : NULL;
  if (ctx) {
    const char *key;
    json_t *v;
    json_object_update(ctx, (json_t *)cctx);
    void *tmp;
    json_object_foreach_safe(ctx, tmp, key, v) {
      if (json_is_null(v)) json_object_del(ctx, key); /* null removes a default */
    }
  }
  json_object_update(req, (json_t *)jc);
  if (ctx) json_object_set_new(req, "context", ctx);
  return req;
}

/* Runs case i of a loaded test file; returns true when it passed. Problems
 * with the case itself are printed as failures. */
static bool run_case(run_ctx *c, lr_cli_loaded *L, const lr_cset *cs, bool on_error_deny,
                     const char *file, const json_t *defaults, const json_t *jc, size_t i) {
  lr_arena *a = L->arena;
  char where[512], fallback[32];
  snprintf(fallback, sizeof fallback, "cases[%zu]", i);
  const char *name = json_string_value(json_object_get(jc, "name"));
  if (!name) name = fallback;
  snprintf(where, sizeof where, "%s: %s", file, fallback);
  const char *why = NULL;
  const char *expect = json_string_value(json_object_get(jc, "expect"));
  name_list want_reasons = {0}, want_errors = {0};
  const json_t *jr = json_object_get(jc, "reasons"), *je = json_object_get(jc, "errors");
  if (!json_is_object(jc))
    why = "a case must be an object";
  else if (!expect || (strcmp(expect, "allow") != 0 && strcmp(expect, "deny") != 0))
    why = "\"expect\" must be \"allow\" or \"deny\"";
  else if (jr && !list_from_json(a, jr, &want_reasons, &why))
    why = "\"reasons\" must be an array of policy names";
  else if (je && !list_from_json(a, je, &want_errors, &why))
    why = "\"errors\" must be an array of policy names";
  if (why) {
    printf("FAIL %s: %s: invalid case: %s\n", file, name, why);
    return false;
  }
  lr_diags d = {0};
  lr_request req;
  json_t *jreq = with_defaults(defaults, jc);
  lr_status st = lr_request_from_json(a, jreq, L->schema, where, &d, &req);
  json_decref(jreq);
  if (st != LR_OK) {
    printf("FAIL %s: %s: invalid request:", file, name);
    for (size_t k = 0; k < d.n; k++) printf("%s %s", k ? ";" : "", d.items[k].msg);
    printf("\n");
    lr_diags_free(&d);
    return false;
  }
  lr_diags_free(&d);
  outcome got = {0};
  decide(L, cs, on_error_deny, &req, &got);
  bool want_allow = strcmp(expect, "allow") == 0;
  bool ok = got.allow == want_allow && (!jr || list_equal(&want_reasons, &got.reasons)) &&
            (!je || list_equal(&want_errors, &got.errors));
  if (!ok || c->verbose) {
    lr_buf line = {0};
    lr_buf_printf(&line, "%s %s: %s: expected %s", ok ? "ok  " : "FAIL", file, name, expect);
    if (jr) lr_buf_puts(&line, " reasons "), list_print(&line, &want_reasons);
    if (je) lr_buf_puts(&line, " errors "), list_print(&line, &want_errors);
    lr_buf_printf(&line, ", got %s reasons ", got.allow ? "allow" : "deny");
    list_print(&line, &got.reasons);
    lr_buf_puts(&line, " errors [");
    if (got.error_text.len) lr_buf_puts(&line, got.error_text.p);
    lr_buf_puts(&line, "]\n");
    fputs(line.p, stdout);
    lr_buf_free(&line);
  }
  lr_buf_free(&got.error_text);
  return ok;
}

/* The folder part of path ("." when none), in a. */
static const char *folder_of(lr_arena *a, const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? lr_arena_strndup(a, path, (size_t)(slash - path) + (slash == path)) : ".";
}

static const char *join_path(lr_arena *a, const char *dir, const char *name) {
  if (name[0] == '/') return name;
  size_t len = strlen(dir) + strlen(name) + 2;
  char *p = lr_arena_alloc(a, len);
  snprintf(p, len, "%s/%s", dir, name);
  return p;
}

/* Loads what the test file doc names into L; 0, or 1 with diagnostics in d
 * or a message printed. */
static int load_test_file(lr_cli_loaded *L, const char *file, const json_t *doc, lr_diags *d,
                          bool *on_error_deny) {
  lr_arena *a = L->arena;
  const char *dir = folder_of(a, file);
  const json_t *js = json_object_get(doc, "schema"), *jp = json_object_get(doc, "policies");
  const json_t *je = json_object_get(doc, "entities"), *jo = json_object_get(doc, "on_error");
  const char *bad = NULL;
  if (!json_is_object(doc))
    bad = "a test file must be a JSON object";
  else if (!json_is_array(json_object_get(doc, "cases")))
    bad = "\"cases\" must be an array";
  else if (js && !json_is_string(js))
    bad = "\"schema\" must be a file name";
  else if (json_object_get(doc, "defaults") && !json_is_object(json_object_get(doc, "defaults")))
    bad = "\"defaults\" must be an object";
  else if (jp && !json_is_array(jp))
    bad = "\"policies\" must be an array of file names";
  else if (je && !json_is_string(je) && !json_is_array(je))
    bad = "\"entities\" must be a file name or an array of entities";
  else if (jo && !(json_is_string(jo) && (strcmp(json_string_value(jo), "deny") == 0 ||
                                          strcmp(json_string_value(jo), "cedar") == 0)))
    bad = "\"on_error\" must be \"deny\" or \"cedar\"";
  if (bad) {
    fprintf(stderr, "%s: %s\n", file, bad);
    return 1;
  }
  *on_error_deny = !jo || strcmp(json_string_value(jo), "deny") == 0;
  if (js && lr_cli_load_schema(L, join_path(a, dir, json_string_value(js)), d) != 0) return 1;
  if (!jp) {
    if (lr_cli_load_policies(L, dir, d) != 0) return 1;
  } else {
    for (size_t i = 0; i < json_array_size(jp); i++) {
      const char *p = json_string_value(json_array_get(jp, i));
      if (!p) {
        fprintf(stderr, "%s: policies[%zu]: must be a file name\n", file, i);
        return 1;
      }
      if (lr_cli_load_policies(L, join_path(a, dir, p), d) != 0) return 1;
    }
  }
  if (je && json_is_array(je)) {
    L->entities = lr_entities_from_json_value(je, file, L->schema, d);
    return L->entities ? 0 : 1;
  }
  size_t len = 0;
  const char *ents = NULL, *ents_path = je ? join_path(a, dir, json_string_value(je)) : NULL;
  if (ents_path && !(ents = lr_cli_read_file(L, ents_path, &len))) return 1;
  return lr_cli_load_entities(L, ents, len, ents_path, d);
}

static void run_file(const char *file, void *arg) {
  run_ctx *c = arg;
  c->files++;
  lr_cli_loaded L = {0};
  lr_cli_load_begin(&L, "larch test");
  lr_diags d = {0};
  size_t len = 0;
  const char *text = lr_cli_read_file(&L, file, &len);
  json_t *doc = text ? lr_json_parse(text, len, file, &d) : NULL;
  bool on_error_deny = true;
  if (!doc || load_test_file(&L, file, doc, &d, &on_error_deny) != 0) {
    printf("FAIL %s: not loaded\n", file);
    fflush(stdout);
    lr_cli_print_diags(&d);
    c->broken++;
  } else {
    const json_t *cases = json_object_get(doc, "cases");
    lr_cset *cs = lr_cset_compile(&L.set, &d); /* decided as larch serve decides */
    lr_cset_bind(cs, L.entities);
    for (size_t i = 0; i < json_array_size(cases); i++) {
      if (run_case(c, &L, cs, on_error_deny, file, json_object_get(doc, "defaults"),
                   json_array_get(cases, i), i))
        c->passed++;
      else
        c->failed++;
    }
    lr_cset_unref(cs);
  }
  json_decref(doc);
  lr_diags_free(&d);
  lr_cli_unload(&L);
}

int lr_cmd_test(int argc, char **argv) {
  if (lr_cli_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  run_ctx c = {0};
  int npaths = 0; /* the paths are moved to argv[1..npaths] */
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--verbose") == 0 || strcmp(arg, "-v") == 0) {
      c.verbose = true;
      continue;
    }
    if (arg[0] == '-' && arg[1]) {
      fprintf(stderr, "larch test: unknown option '%s' (see larch test --help)\n", arg);
      return 2;
    }
    argv[++npaths] = argv[i];
  }
  if (npaths == 0) {
    usage(stderr);
    return 2;
  }
  for (int i = 1; i <= npaths; i++)
    if (lr_cli_walk(argv[i], ".test.json", run_file, &c) != 0) c.io_error = 1;
  if (c.files == 0 && !c.io_error) {
    fprintf(stderr, "larch test: no *.test.json files found\n");
    return 1;
  }
  printf("%zu passed, %zu failed", c.passed, c.failed);
  if (c.broken) printf(", %zu file%s not loaded", c.broken, c.broken == 1 ? "" : "s");
  printf(" (%zu test file%s)\n", c.files, c.files == 1 ? "" : "s");
  return c.failed || c.broken || c.io_error ? 1 : 0;
}
