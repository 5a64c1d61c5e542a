/* test_partial.c — partial evaluation (policy/partial.c): answers for
 * hand-written policy sets with context.args (and context.pii) unknown,
 * and a soundness property checked against the concrete authorizer on
 * random policy sets and every argument value of a small domain. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

typedef struct fixture {
  lr_entities *es;
  lr_arena *a;
  lr_request req;
} fixture;

static fixture f;
static lr_arena *work; /* policies and decisions (f.a, or one per round) */

static const lr_uid *uid(const char *type, const char *id) {
  return lr_uid_new(f.a, lr_str_c(type), lr_str_c(id));
}

/* Evaluates a constant Cedar expression (records, sets, literals). */
static lr_value value_of(const char *src) {
  lr_source *s = LR_NEW(f.a, lr_source);
  s->name = "<value>";
  s->text = lr_arena_strdup(f.a, src);
  s->len = strlen(src);
  lr_diags d = {0};
  lr_expr *e;
  cr_assert_eq(lr_parse_expr(f.a, s, &d, &e), LR_OK, "parse %s", src);
  lr_diags_free(&d);
  lr_eval_env env = {NULL, &f.req, NULL, f.a};
  lr_eval_error err;
  lr_value v;
  cr_assert_eq(lr_eval_expr(&env, e, &v, &err), LR_OK, "eval %s", src);
  return v;
}

static void setup(void) {
  f.es = lr_entities_new();
  f.a = lr_entities_arena(f.es);
  const lr_uid *admin = uid("Role", "admin"), *server = uid("Server", "up");
  f.req.principal = uid("User", "alice");
  f.req.action = uid("Action", "tools/call");
  f.req.resource = uid("Tool", "t");
  cr_assert_eq(lr_entities_add(f.es, f.req.principal, value_of("{dept: \"eng\"}"), &admin, 1,
                               lr_value_empty_record()),
               LR_OK);
  cr_assert_eq(lr_entities_add(f.es, f.req.resource, value_of("{risk: 2}"), &server, 1,
                               lr_value_empty_record()),
               LR_OK);
  cr_assert_eq(lr_entities_finish(f.es, NULL), LR_OK);
  f.req.context = value_of("{k: 1, session: \"s1\", mcp: {method: \"tools/call\"}}");
  work = f.a;
}
static void teardown(void) { lr_entities_release(f.es); }
TestSuite(partial, .init = setup, .fini = teardown);

static lr_str k_args = {"args", 4}, k_pii = {"pii", 3}, k_mcp[2] = {{"mcp", 3}, {"id", 2}};
static const lr_attr_path unknowns[] = {{&k_args, 1}, {&k_pii, 1}, {k_mcp, 2}};
#define NUNKNOWN (sizeof unknowns / sizeof unknowns[0])

static size_t parse(const char *text, lr_policy_inst **insts) {
  lr_source *s = LR_NEW(work, lr_source);
  s->name = "<test>";
  s->text = lr_arena_strdup(work, text);
  s->len = strlen(text);
  lr_diags d = {0};
  lr_policy_list l;
  lr_status st = lr_parse_policies(work, s, 0, &d, &l);
  if (st != LR_OK) {
    lr_buf b = {0};
    lr_diags_render(&d, &b);
    cr_log_error("%s", b.p);
    lr_buf_free(&b);
  }
  cr_assert_eq(st, LR_OK, "%s", text);
  lr_diags_free(&d);
  return lr_policy_insts_static(work, &l, insts);
}

static const char *answer_name(lr_partial_answer a) {
  return a == LR_PARTIAL_ALLOW ? "ALLOW" : a == LR_PARTIAL_MAYBE ? "MAYBE" : "DENY";
}

/* "ALLOW policy0", "MAYBE", "DENY policy1", ... */
static const char *partial_flags(const char *text, unsigned flags) {
  lr_policy_inst *insts;
  size_t n = parse(text, &insts);
  lr_partial_plan *plan = lr_partial_prepare(work, insts, n, unknowns, NUNKNOWN);
  lr_partial_decision d;
  lr_partial_answer a = lr_authorize_maybe(work, plan, f.es, &f.req, flags, &d);
  cr_assert_eq(a, d.answer);
  return lr_arena_sprintf(work, "%s%s%s", answer_name(a), d.policy_id ? " " : "",
                          d.policy_id ? d.policy_id : "");
}
static const char *partial(const char *text) { return partial_flags(text, 0); }

/* The outcome mask of the single policy in text, as "SAT|NOT|ERR". */
static const char *mask(const char *text) {
  lr_policy_inst *insts;
  size_t n = parse(text, &insts);
  cr_assert_eq(n, 1);
  lr_partial_plan *plan = lr_partial_prepare(work, insts, n, unknowns, NUNKNOWN);
  unsigned m = lr_eval_policy_partial(work, plan, 0, f.es, &f.req);
  return lr_arena_sprintf(work, "%s%s%s", m & LR_PARTIAL_SAT ? "S" : "",
                          m & LR_PARTIAL_NOT_SAT ? "N" : "", m & LR_PARTIAL_ERR ? "E" : "");
}

#define P(cond) "permit(principal, action, resource) when { " cond " };"
#define F(cond) "forbid(principal, action, resource) when { " cond " };"

Test(partial, no_unknowns_is_concrete) {
  cr_expect_str_eq(partial(""), "DENY");
  cr_expect_str_eq(partial("permit(principal, action, resource);"), "ALLOW policy0");
  cr_expect_str_eq(partial("permit(principal == User::\"bob\", action, resource);"), "DENY");
  cr_expect_str_eq(partial("permit(principal in Role::\"admin\", action, resource "
                           "in Server::\"up\") when { resource.risk < 3 && context.k == 1 };"),
                   "ALLOW policy0");
  cr_expect_str_eq(partial(P("true") F("principal.dept == \"eng\"")), "DENY policy1");
  cr_expect_str_eq(partial(P("context.session == \"s2\"")), "DENY");
}

Test(partial, unknown_args_is_maybe) {
  cr_expect_str_eq(partial(P("context.args.n > 3")), "MAYBE");
  cr_expect_str_eq(partial(P("context.args has path && context.args.path like \"/tmp/*\"")),
                   "MAYBE");
  cr_expect_str_eq(partial(P("context.pii.isEmpty()")), "MAYBE");
  cr_expect_str_eq(partial(P("context.mcp.id == 3")), "MAYBE");
  cr_expect_str_eq(partial(P("context has args")), "MAYBE");
  /* a known path beside the unknown ones stays known */
  cr_expect_str_eq(partial(P("context.mcp.method == \"tools/list\"")), "DENY");
  cr_expect_str_eq(partial(P("context.mcp.method == \"tools/call\"")), "ALLOW policy0");
  /* the scope is decided first: args never matter for another principal */
  cr_expect_str_eq(partial("permit(principal == User::\"bob\", action, resource) when "
                           "{ context.args.n > 3 };"),
                   "DENY");
}

Test(partial, short_circuit) {
  cr_expect_str_eq(mask(P("false && context.args.x")), "N");
  cr_expect_str_eq(mask(P("context.args.x && false")), "NE");
  cr_expect_str_eq(mask(P("true || context.args.x")), "S");
  cr_expect_str_eq(mask(P("context.args.x || true")), "SE");
  cr_expect_str_eq(mask(P("true && context.args.x")), "SNE");
  cr_expect_str_eq(mask(P("if context.k == 1 then true else context.args.x")), "S");
  cr_expect_str_eq(mask(P("if context.args.x then 1 else 2")), "E"); /* never a bool */
  cr_expect_str_eq(mask(P("!(context.args.x == 1)")), "SNE");        /* reading x may fail */
  cr_expect_str_eq(mask(P("context == {}")), "SN");                  /* == itself never errors */
  cr_expect_str_eq(mask(P("context.args.x + 1")), "E");
  cr_expect_str_eq(mask(P("(1 + \"a\") == context.args.x")), "E"); /* definite error first */
  cr_expect_str_eq(mask(P("[context.args.x, 1 + \"a\"].isEmpty()")), "E");
  cr_expect_str_eq(mask(P("principal is User in context.args.g")), "SNE");
  cr_expect_str_eq(mask(P("principal is Group in context.args.g")), "N");
  cr_expect_str_eq(mask("permit(principal, action, resource) when { context.args.x } "
                        "unless { true };"),
                   "NE");
  cr_expect_str_eq(mask("permit(principal, action, resource) when { context.args.x && false } "
                        "when { context.args.y };"),
                   "NE");
}

Test(partial, forbids) {
  /* a forbid that args may avoid does not hide the tool */
  cr_expect_str_eq(partial("permit(principal, action, resource);" F("context.args.n > 3")),
                   "MAYBE");
  /* one that holds whatever the args are does */
  cr_expect_str_eq(partial("permit(principal, action, resource);" F(
                       "context.args.n > 3 || principal in Role::\"admin\"")),
                   "MAYBE"); /* args.n may error first */
  cr_expect_str_eq(partial("permit(principal, action, resource);" F(
                       "principal in Role::\"admin\" || context.args.n > 3")),
                   "DENY policy1");
  /* a forbid that can only error: Cedar skips it, fail-closed denies */
  const char *erring = "permit(principal, action, resource);" F("context.args.n + 1");
  cr_expect_str_eq(partial_flags(erring, 0), "ALLOW policy0");
  cr_expect_str_eq(partial_flags(erring, LR_PARTIAL_FORBID_ERROR_DENIES), "DENY policy1");
  /* a forbid that is true or errors also denies under fail-closed */
  const char *true_or_err = "permit(principal, action, resource);" F("context.args.n == 1 || true");
  cr_expect_str_eq(partial_flags(true_or_err, 0), "MAYBE");
  cr_expect_str_eq(partial_flags(true_or_err, LR_PARTIAL_FORBID_ERROR_DENIES), "DENY policy1");
  /* a permit that can only error never counts */
  cr_expect_str_eq(partial(P("context.args.n + 1")), "DENY");
  /* mask/limit guardrails take no part */
  cr_expect_str_eq(partial("mask(principal, action, resource) with { types: [\"EMAIL\"] };"),
                   "DENY");
}

/* ---- soundness against the concrete authorizer -------------------------- */

typedef struct rng {
  uint64_t s;
} rng;
static unsigned pick(rng *r, unsigned n) {
  r->s ^= r->s << 13, r->s ^= r->s >> 7, r->s ^= r->s << 17;
  return (unsigned)(r->s % n);
}

static void gen_bool(rng *r, lr_buf *b, int depth) {
  static const char *const atoms[] = {
      "context.args.a == 1",
      "context.args.a < 1",
      "context.args has a",
      "context.args.b",
      "context.k == 1",
      "context.k == 2",
      "principal == User::\"alice\"",
      "principal in Role::\"admin\"",
      "true",
      "false",
      "context.args.a + 1 > 1",
      "[0, 2].contains(context.args.a)",
      "context.pii.contains(\"EMAIL\")",
      "context.args.a like \"x*\"",
      "context.args.a",
      "context has args",
      "resource.risk > context.args.a",
  };
  unsigned k = depth > 2 ? 0 : pick(r, 8);
  switch (k) {
  case 1:
  case 2:
    lr_buf_putc(b, '(');
    gen_bool(r, b, depth + 1);
    lr_buf_puts(b, k == 1 ? " && " : " || ");
    gen_bool(r, b, depth + 1);
    lr_buf_putc(b, ')');
    break;
  case 3:
    lr_buf_puts(b, "!(");
    gen_bool(r, b, depth + 1);
    lr_buf_putc(b, ')');
    break;
  case 4:
    lr_buf_puts(b, "(if ");
    gen_bool(r, b, depth + 1);
    lr_buf_puts(b, " then ");
    gen_bool(r, b, depth + 1);
    lr_buf_puts(b, " else ");
    gen_bool(r, b, depth + 1);
    lr_buf_putc(b, ')');
    break;
  default: lr_buf_puts(b, atoms[pick(r, sizeof atoms / sizeof atoms[0])]); break;
  }
}

static void gen_policies(rng *r, lr_buf *b) {
  unsigned n = 1 + pick(r, 4);
  for (unsigned i = 0; i < n; i++) {
    static const char *const principals[] = {
        "principal", "principal", "principal == User::\"alice\"", "principal == User::\"bob\""};
    lr_buf_printf(b, "%s(%s, action, resource)", pick(r, 5) < 3 ? "permit" : "forbid",
                  principals[pick(r, 4)]);
    unsigned nc = pick(r, 3);
    for (unsigned c = 0; c < nc; c++) {
      lr_buf_puts(b, pick(r, 4) ? " when { " : " unless { ");
      gen_bool(r, b, 0);
      lr_buf_puts(b, " }");
    }
    lr_buf_puts(b, ";\n");
  }
}

/* Concrete contexts: args.a in {absent, -1, 0, 1, 2, "x"}, args.b in
 * {absent, true, false, 0}, pii in {[], ["EMAIL"]}, plus args absent. */
static size_t all_contexts(lr_value *out) {
  static const char *const as[] = {NULL, "-1", "0", "1", "2", "\"x\""};
  static const char *const bs[] = {NULL, "true", "false", "0"};
  static const char *const piis[] = {"[]", "[\"EMAIL\"]"};
  size_t n = 0;
  for (size_t i = 0; i < 6; i++)
    for (size_t j = 0; j < 4; j++)
      for (size_t k = 0; k < 2; k++) {
        lr_buf b = {0};
        lr_buf_printf(
            &b, "{k: 1, session: \"s1\", mcp: {method: \"tools/call\", id: 7}, pii: %s, args: {",
            piis[k]);
        if (as[i]) lr_buf_printf(&b, "a: %s%s", as[i], bs[j] ? ", " : "");
        if (bs[j]) lr_buf_printf(&b, "b: %s", bs[j]);
        lr_buf_puts(&b, "}}");
        out[n++] = value_of(b.p);
        lr_buf_free(&b);
      }
  out[n++] = value_of("{k: 1, session: \"s1\", mcp: {method: \"tools/call\"}, pii: []}");
  return n;
}

static bool concrete_allows(const lr_policy_inst *insts, size_t n, lr_value ctx, bool fail_closed) {
  lr_request req = f.req;
  req.context = ctx;
  lr_decision d;
  lr_authorize(work, insts, n, f.es, &req, &d);
  if (!d.allow || !fail_closed) return d.allow;
  for (size_t e = 0; e < d.nerrors; e++)
    for (size_t i = 0; i < n; i++)
      if (insts[i].ast->effect == LR_EFFECT_FORBID && !strcmp(insts[i].id, d.errors[e].policy_id))
        return false;
  return true;
}

Test(partial, sound_against_concrete, .timeout = 60) {
  rng r = {0x9e3779b97f4a7c15ull};
  lr_value ctxs[64];
  size_t nctx = all_contexts(ctxs);
  cr_assert_eq(nctx, 49);
  unsigned counts[3] = {0}, exact = 0;
  const unsigned rounds = 3000;
  for (unsigned round = 0; round < rounds; round++) {
    work = lr_arena_new(0);
    lr_buf text = {0};
    gen_policies(&r, &text);
    lr_policy_inst *insts;
    size_t n = parse(text.p, &insts);
    lr_partial_plan *plan = lr_partial_prepare(work, insts, n, unknowns, NUNKNOWN);
    for (int fc = 0; fc < 2; fc++) {
      lr_partial_answer a = lr_authorize_maybe(work, plan, f.es, &f.req,
                                               fc ? LR_PARTIAL_FORBID_ERROR_DENIES : 0, NULL);
      counts[a]++;
      size_t allowed = 0;
      for (size_t c = 0; c < nctx; c++) {
        bool allow = concrete_allows(insts, n, ctxs[c], fc);
        allowed += allow;
        if (allow)
          cr_assert_neq(a, LR_PARTIAL_DENY, "DENY but context %zu is allowed (fail_closed %d):\n%s",
                        c, fc, text.p);
        else
          cr_assert_neq(a, LR_PARTIAL_ALLOW,
                        "ALLOW but context %zu is denied (fail_closed %d):\n%s", c, fc, text.p);
      }
      /* how often the answer is as precise as the sample can show */
      exact += (a == LR_PARTIAL_DENY && allowed == 0) ||
               (a == LR_PARTIAL_ALLOW && allowed == nctx) ||
               (a == LR_PARTIAL_MAYBE && allowed > 0 && allowed < nctx);
    }
    lr_buf_free(&text);
    lr_arena_free(work);
  }
  work = f.a;
  cr_log_info("partial answers: DENY %u MAYBE %u ALLOW %u, exact %u/%u", counts[0], counts[1],
              counts[2], exact, 2 * rounds);
  /* the generator must exercise every answer, and the analysis must not
   * degrade to "always MAYBE" */
  cr_expect_gt(counts[LR_PARTIAL_DENY], rounds / 10);
  cr_expect_gt(counts[LR_PARTIAL_MAYBE], rounds / 10);
  cr_expect_gt(counts[LR_PARTIAL_ALLOW], rounds / 20);
  cr_expect_gt(exact, 2 * rounds * 8 / 10);
}
