/*
 * cmd_explain.c — `larch explain`: one request, the decision, and for every
 * policy whether it applied and what decided that (policy/explain.c), with
 * file:line:col and the source text of the deciding part.
 *
 *   larch explain --policies P [--entities E] [--schema S]
 *                 (--principal U --action U --resource U [--context JSON]
 *                  | --request-json JSON)
 *
 * Output (stable, golden-tested): the decision, the determining policies,
 * the erroring ones, then one block per policy in policy order:
 *
 *   DENY
 *   determining: refunds-over-1000-need-manager (policy14)
 *   errors: none
 *
 *   policy14 forbid @id("refunds-over-1000-need-manager") rules/refunds.cedar:24:1
 *     APPLIES, determining: every part holds
 *   policy0 permit @id("discovery") rules/default.cedar:13:1
 *     does not apply: action scope does not match
 *       at rules/default.cedar:16:3: action in [Action::"initialize", ...]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_files.h"
#include "cmd_load.h"

typedef struct options {
  const char *policies, *entities, *schema, *links;
  const char *principal, *action, *resource, *context, *request_json;
} options;

/* Which file each policy came from: policies [first, first + n) of the set. */
typedef struct file_range {
  const lr_source *src;
  size_t first, n;
} file_range;

typedef struct loader {
  lr_cli_loaded *L;
  lr_diags *d;
  file_range *files;
  size_t nfiles;
  int failed;
} loader;

static void usage(FILE *out) {
  fprintf(out,
          "usage: larch explain --policies P [--entities E] [--schema S] [--links L]\n"
          "                     --principal U --action U --resource U [--context JSON]\n"
          "       larch explain --policies P [--entities E] [--schema S] [--links L]\n"
          "                     --request-json JSON\n\n"
          "Decides one request like `larch authorize` and explains every policy: whether it\n"
          "applied, and which part decided that — the principal, action or resource scope\n"
          "that did not match, or the condition (narrowed through &&, || and ! to the\n"
          "sub-expression that forced it) that did not hold, with file:line:col and its\n"
          "source text; for a policy whose evaluation failed, the error. --request-json is\n"
          "{\"principal\": uid, \"action\": uid, \"resource\": uid, \"context\": {...}} as in\n"
          "`larch authorize --requests`. Exit status 0 allow, 2 deny, 1 input error.\n");
}

static void on_policy_file(const char *file, void *arg) {
  loader *ld = arg;
  size_t len;
  char *text = lr_cli_read_file(ld->L, file, &len);
  if (!text) {
    ld->failed = 1;
    return;
  }
  lr_source *src = lr_arena_alloc(ld->L->arena, sizeof *src);
  *src = (lr_source){lr_arena_strdup(ld->L->arena, file), text, len};
  size_t before = ld->L->set.npolicies;
  if (lr_policy_set_add_source(ld->L->arena, &ld->L->set, src, 0, ld->d) != LR_OK) {
    ld->failed = 1;
    return;
  }
  ld->files = lr_xrealloc(ld->files, (ld->nfiles + 1) * sizeof *ld->files);
  ld->files[ld->nfiles++] = (file_range){src, before, ld->L->set.npolicies - before};
}

static const lr_source *source_of(const loader *ld, const lr_policy *p) {
  for (size_t f = 0; f < ld->nfiles; f++)
    for (size_t i = ld->files[f].first; i < ld->files[f].first + ld->files[f].n; i++)
      if (ld->L->set.policies[i] == p) return ld->files[f].src;
  return NULL;
}

/* "file:line:col" of off in src. */
static void put_pos(lr_buf *out, const lr_source *src, size_t off) {
  uint32_t line = 0, col = 0;
  if (!src) {
    lr_buf_puts(out, "?");
    return;
  }
  lr_source_position(src, off, &line, &col);
  lr_buf_printf(out, "%s:%u:%u", src->name, line, col);
}

/* Widens [*off, *end) over the parentheses around it that the span leaves
 * unbalanced (an operand's span stops inside "(a && b)"). */
static void balance(const lr_source *src, size_t *off, size_t *end) {
  int depth = 0, need_open = 0;
  for (size_t i = *off; i < *end; i++) {
    if (src->text[i] == '(') depth++;
    if (src->text[i] == ')' && --depth < 0) need_open++, depth = 0;
  }
  for (size_t i = *off; need_open > 0 && i > 0; i--) {
    char c = src->text[i - 1];
    if (c == '(')
      need_open--, *off = i - 1;
    else if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      break;
  }
  for (size_t i = *end; depth > 0 && i < src->len; i++) {
    char c = src->text[i];
    if (c == ')')
      depth--, *end = i + 1;
    else if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      break;
  }
}

/* The source text of [off, end), whitespace runs (and comments' line
 * breaks) folded to one space, cut at 160 bytes. */
static void put_text(lr_buf *out, const lr_source *src, size_t off, size_t end) {
  if (!src || end > src->len || off >= end) return;
  balance(src, &off, &end);
  bool space = false;
  size_t n = 0;
  for (size_t i = off; i < end; i++) {
    char c = src->text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && n) lr_buf_puts(out, " "), n++;
    space = false;
    if (n >= 160) {
      lr_buf_puts(out, "...");
      return;
    }
    lr_buf_append(out, &c, 1), n++;
  }
}

static const char *effect_name(lr_effect e) {
  switch (e) {
  case LR_EFFECT_PERMIT: return "permit";
  case LR_EFFECT_FORBID: return "forbid";
  case LR_EFFECT_MASK: return "mask";
  case LR_EFFECT_LIMIT: return "limit";
  }
  return "?";
}

static void put_name(lr_buf *out, const lr_policy_inst *inst) {
  const lr_annotation *id = lr_policy_annotation(inst->ast, "id");
  if (id && id->has_value) {
    lr_buf_append(out, id->value.p, id->value.n);
    lr_buf_printf(out, " (%s)", inst->id);
  } else {
    lr_buf_puts(out, inst->id);
  }
}

static void explain_policy(lr_buf *out, const loader *ld, const lr_explain *x,
                           const lr_eval_env *env0) {
  const lr_policy *p = x->inst->ast;
  const lr_source *src = source_of(ld, p);
  lr_buf_printf(out, "%s %s", x->inst->id, effect_name(p->effect));
  const lr_annotation *id = lr_policy_annotation(p, "id");
  if (id && id->has_value) {
    lr_buf_puts(out, " @id(");
    lr_buf_json_str(out, id->value.p, id->value.n);
    lr_buf_puts(out, ")");
  }
  lr_buf_puts(out, " ");
  put_pos(out, src, p->off);
  lr_buf_puts(out, "\n");
  if (x->inst->slot_principal || x->inst->slot_resource) {
    lr_buf_printf(out, "  link of template %s:", p->id);
    if (x->inst->slot_principal) {
      lr_buf_puts(out, " ?principal = ");
      lr_uid_print(x->inst->slot_principal, out);
    }
    if (x->inst->slot_resource) {
      lr_buf_puts(out, x->inst->slot_principal ? ", ?resource = " : " ?resource = ");
      lr_uid_print(x->inst->slot_resource, out);
    }
    lr_buf_puts(out, "\n");
  }
  static const char *const scope_names[] = {"", "principal", "action", "resource"};
  if (x->result == LR_POLICY_SATISFIED) {
    lr_buf_printf(out, "  APPLIES%s: %s\n", x->determining ? ", determining" : "",
                  p->effect == LR_EFFECT_MASK || p->effect == LR_EFFECT_LIMIT
                      ? "every part holds (a guardrail: no part in the decision)"
                      : "every part holds");
    lr_eval_env env = *env0;
    env.inst = x->inst;
    for (size_t i = 0; i < p->nconds; i++) {
      const lr_condition *c = &p->conds[i];
      const char *v = c->is_when ? "true" : "false";
      size_t off, end;
      bool nv = lr_explain_narrow(&env, c->expr, c->is_when, &off, &end);
      lr_buf_printf(out, "    %s is %s", c->is_when ? "when" : "unless", v);
      lr_buf_puts(out, "\n      at ");
      put_pos(out, src, off);
      lr_buf_puts(out, ": ");
      put_text(out, src, off, end);
      lr_buf_printf(out, " is %s\n", nv ? "true" : "false");
    }
    return;
  }
  const char *tail = "";
  if (x->result == LR_POLICY_ERROR) {
    lr_buf_puts(out, "  ERROR (skipped): ");
    lr_buf_puts(out, x->message ? x->message : "evaluation failed");
  } else if (x->part == LR_EXPLAIN_CONDITION) {
    const lr_condition *c = &p->conds[x->cond];
    lr_buf_printf(out, "  does not apply: the %s condition is %s", c->is_when ? "when" : "unless",
                  c->is_when ? "false" : "true");
    tail = x->value ? " is true" : " is false";
  } else {
    lr_buf_printf(out, "  does not apply: the %s scope does not match",
                  x->part <= LR_EXPLAIN_RESOURCE ? scope_names[x->part] : "policy");
  }
  size_t off = x->off, end = x->end;
  if (src && end <= src->len) balance(src, &off, &end);
  lr_buf_puts(out, "\n    at ");
  put_pos(out, src, off);
  lr_buf_puts(out, ": ");
  put_text(out, src, off, end);
  lr_buf_printf(out, "%s\n", tail);
}

static int parse_options(int argc, char **argv, options *o) {
  static const struct {
    const char *name;
    size_t off;
  } rows[] = {{"--policies", offsetof(options, policies)},
              {"--entities", offsetof(options, entities)},
              {"--schema", offsetof(options, schema)},
              {"--links", offsetof(options, links)},
              {"--templates-links", offsetof(options, links)},
              {"--principal", offsetof(options, principal)},
              {"--action", offsetof(options, action)},
              {"--resource", offsetof(options, resource)},
              {"--context", offsetof(options, context)},
              {"--request-json", offsetof(options, request_json)}};
  for (int i = 1; i < argc; i++) {
    size_t k = 0;
    while (k < sizeof rows / sizeof rows[0] && strcmp(argv[i], rows[k].name) != 0) k++;
    if (k == sizeof rows / sizeof rows[0] || i + 1 >= argc) {
      fprintf(stderr, "larch explain: %s '%s' (see larch explain --help)\n",
              k == sizeof rows / sizeof rows[0] ? "unknown argument" : "missing value for",
              argv[i]);
      return -1;
    }
    *(const char **)((char *)o + rows[k].off) = argv[++i];
  }
  bool single = o->principal || o->action || o->resource || o->context;
  if (!o->policies || (o->request_json ? single : !(o->principal && o->action && o->resource))) {
    fprintf(stderr, "larch explain: need --policies and either --principal/--action/--resource "
                    "or --request-json (see larch explain --help)\n");
    return -1;
  }
  return 0;
}

/* Builds the request from the options; 0, or 1 after printing why. */
static int build_request(const options *o, lr_cli_loaded *L, lr_diags *d, lr_request *req) {
  lr_arena *a = L->arena;
  if (o->request_json) {
    json_t *j = lr_json_parse(o->request_json, strlen(o->request_json), "--request-json", d);
    lr_status st = j ? lr_request_from_json(a, j, L->schema, "--request-json", d, req) : LR_ERR;
    json_decref(j);
    if (st != LR_OK) lr_cli_print_diags(d);
    return st == LR_OK ? 0 : 1;
  }
  return lr_cli_request(L, o->principal, o->action, o->resource, o->context,
                        o->context ? strlen(o->context) : 0, "--context", d, req);
}

int lr_cmd_explain(int argc, char **argv) {
  if (lr_cli_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  options o = {0};
  if (parse_options(argc, argv, &o) != 0) return 1;
  lr_cli_loaded L = {0};
  lr_cli_load_begin(&L, "larch explain");
  lr_diags d = {0};
  loader ld = {.L = &L, .d = &d};
  int status = 1;
  if (o.schema && lr_cli_load_schema(&L, o.schema, &d) != 0) goto out;
  if (lr_cli_walk(o.policies, ".cedar", on_policy_file, &ld) != 0 || ld.failed) goto out;
  size_t len = 0;
  if (o.links) { /* template links, as in larch authorize */
    char *text = lr_cli_read_file(&L, o.links, &len);
    if (!text || lr_policy_set_link_json(L.arena, &L.set, text, len, o.links, &d) != LR_OK)
      goto out;
  }
  char *ents = NULL;
  if (o.entities && !(ents = lr_cli_read_file(&L, o.entities, &len))) goto out;
  if (lr_cli_load_entities(&L, ents, len, o.entities, &d) != 0) goto out;
  lr_request req = {0};
  if (build_request(&o, &L, &d, &req) != 0) goto done;
  lr_decision dec;
  lr_explain *xs = lr_arena_alloc(L.arena, (L.set.ninsts + 1) * sizeof *xs);
  lr_explain_policies(L.arena, L.set.insts, L.set.ninsts, L.entities, &req, &dec, xs);
  lr_eval_env env = {.entities = L.entities, .req = &req, .arena = L.arena};
  lr_buf out = {0};
  lr_buf_printf(&out, "%s\ndetermining:", dec.allow ? "ALLOW" : "DENY");
  for (size_t i = 0, k = 0; i < L.set.ninsts; i++)
    if (xs[i].determining) {
      lr_buf_puts(&out, k++ ? ", " : " ");
      put_name(&out, &L.set.insts[i]);
    }
  if (dec.nreasons == 0) lr_buf_puts(&out, dec.allow ? " none" : " none (default deny)");
  lr_buf_printf(&out, "\nerrors: %s\n\n", dec.nerrors ? "" : "none");
  if (dec.nerrors) {
    out.len -= 2; /* "errors: " then the list */
    for (size_t i = 0, k = 0; i < L.set.ninsts; i++)
      if (xs[i].result == LR_POLICY_ERROR) {
        lr_buf_puts(&out, k++ ? ", " : "");
        put_name(&out, &L.set.insts[i]);
      }
    lr_buf_puts(&out, "\n\n");
  }
  bool forbid_errored = false;
  for (size_t i = 0; i < L.set.ninsts; i++)
    forbid_errored |=
        xs[i].result == LR_POLICY_ERROR && xs[i].inst->ast->effect == LR_EFFECT_FORBID;
  if (dec.allow && forbid_errored) {
    out.len--; /* before the blank line */
    lr_buf_puts(&out, "note: Cedar allows, but larch serve denies: a forbid errored (DESIGN §4; "
                      "--on-error cedar keeps Cedar's decision)\n\n");
  }
  /* Policies that applied first (determining ones leading), then errors,
   * then the rest, each group in policy order. */
  for (int pass = 0; pass < 4; pass++)
    for (size_t i = 0; i < L.set.ninsts; i++) {
      const lr_explain *x = &xs[i];
      int group = x->result == LR_POLICY_SATISFIED ? (x->determining ? 0 : 1)
                  : x->result == LR_POLICY_ERROR   ? 2
                                                   : 3;
      if (group == pass) explain_policy(&out, &ld, x, &env);
    }
  fputs(out.p, stdout);
  lr_buf_free(&out);
  status = dec.allow ? 0 : 2;
  goto done;
out:
  lr_cli_print_diags(&d);
done:
  lr_diags_free(&d);
  free(ld.files);
  lr_cli_unload(&L);
  return status;
}
