/* test_obligation.c — guard/obligation.c: `with` records of mask/limit
 * policies evaluated into obligations, errors naming the policy, canonical
 * keys, session lineage, style merging, and load-time checks with
 * file:line:col. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "guard.h"

static lr_arena *A;
static void setup(void) { A = lr_arena_new(0); }
static void teardown(void) { lr_arena_free(A); }
TestSuite(obligation, .init = setup, .fini = teardown);

static lr_policy_list parse(const char *text, lr_diags *d) {
  lr_source *s = LR_NEW(A, lr_source);
  s->name = "t.cedar";
  s->text = lr_arena_strdup(A, text);
  s->len = strlen(text);
  lr_policy_list l;
  cr_assert_eq(lr_parse_policies(A, s, 0, d, &l), LR_OK);
  return l;
}

static void same_str(const char *a, const char *b) {
  cr_assert((a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0), "'%s' vs '%s'", a ? a : "",
            b ? b : "");
}

/* The prepared path (lr_obligation_prepare) gave exactly the full one. */
static void same_obligations(const lr_obligations *x, const lr_obligations *y) {
  cr_assert_eq(x->nmasks, y->nmasks);
  for (size_t i = 0; i < x->nmasks; i++) {
    const lr_mask_obligation *a = &x->masks[i], *b = &y->masks[i];
    same_str(a->policy, b->policy);
    same_str(a->name, b->name);
    cr_assert(a->types == b->types && a->on == b->on && a->style == b->style);
  }
  cr_assert_eq(x->nlimits, y->nlimits);
  for (size_t i = 0; i < x->nlimits; i++) {
    const lr_limit_obligation *a = &x->limits[i], *b = &y->limits[i];
    same_str(a->policy, b->policy);
    same_str(a->name, b->name);
    cr_assert(a->max == b->max && a->per_ns == b->per_ns && a->per_session == b->per_session &&
              a->burst == b->burst && a->shadow == b->shadow && lr_str_eq(a->key, b->key));
    cr_assert(lr_str_eq(a->rule, b->rule) && a->rule_hash == b->rule_hash &&
              a->rule_hash == lr_map_hash(a->rule));
  }
}

/* Authorizes principal/action/resource with a JSON context against text
 * and evaluates the obligations, unprepared and prepared (both must agree
 * exactly). Returns the status; *err on error. */
static lr_status run(const char *text, const char *principal, const char *ctx_json,
                     lr_obligations *o, const char **err) {
  lr_diags d = {0};
  lr_policy_list l = parse(text, &d);
  lr_diags_free(&d);
  lr_policy_inst *insts;
  size_t n = lr_policy_insts_static(A, &l, &insts);
  json_error_t je;
  json_t *j = json_loads(ctx_json, 0, &je);
  cr_assert(j);
  lr_request req = {lr_uid_new(A, LR_STR("User"), lr_str_c(principal)),
                    lr_uid_new(A, LR_STR("Action"), LR_STR("tools/call")),
                    lr_uid_new(A, LR_STR("Tool"), LR_STR("search")), lr_value_empty_record()};
  lr_diags cd = {0};
  cr_assert_eq(lr_context_from_json(A, j, NULL, req.action, "ctx", &cd, &req.context), LR_OK);
  json_decref(j);
  lr_diags_free(&cd);
  lr_decision dec;
  lr_authorize(A, insts, n, NULL, &req, &dec);
  lr_eval_env env = {NULL, &req, NULL, A};
  *err = NULL;
  lr_status st = lr_obligations_eval(NULL, &env, &dec, LR_STR(""), o, err);
  lr_obligation_prep *prep = lr_obligation_prepare((const lr_policy *const *)l.items, l.n);
  lr_obligations po;
  const char *perr = NULL;
  cr_assert_eq(lr_obligations_eval(prep, &env, &dec, LR_STR(""), &po, &perr), st);
  same_str(*err, perr);
  same_obligations(o, &po);
  lr_obligation_prep_free(prep);
  return st;
}

Test(obligation, mask_fields_and_defaults) {
  lr_obligations o;
  const char *err;
  cr_assert_eq(run("permit(principal, action, resource);\n"
                   "@id(\"m1\") mask (principal, action, resource) "
                   "with { types: [\"EMAIL\", \"CREDIT_CARD\"], on: \"response\", style: "
                   "\"partial\" };\n"
                   "mask (principal, action, resource) with { types: [\"US_SSN\"] };",
                   "alice", "{}", &o, &err),
               LR_OK, "%s", err);
  cr_assert_eq(o.nmasks, 2);
  cr_assert_eq(o.nlimits, 0);
  cr_expect_str_eq(o.masks[0].name, "m1");
  cr_expect_str_eq(o.masks[0].policy, "policy1");
  cr_expect_eq(o.masks[0].types, LR_PII_BIT(LR_PII_EMAIL) | LR_PII_BIT(LR_PII_CREDIT_CARD));
  cr_expect_eq(o.masks[0].on, LR_MASK_ON_RESPONSE);
  cr_expect_eq(o.masks[0].style, LR_PII_STYLE_PARTIAL);
  cr_expect_eq(o.masks[1].on, LR_MASK_ON_BOTH);
  cr_expect_eq(o.masks[1].style, LR_PII_STYLE_LABEL);
  cr_expect_str_eq(o.masks[1].name, "policy2");
}

Test(obligation, mask_styles_merge) {
  lr_obligations o;
  const char *err;
  cr_assert_eq(run("mask (principal, action, resource) with { types: [\"EMAIL\", \"PHONE\"], "
                   "on: \"request\", style: \"partial\" };\n"
                   "mask (principal, action, resource) with { types: [\"EMAIL\"], style: "
                   "\"hash\" };\n"
                   "mask (principal, action, resource) with { types: [\"IBAN\"], on: "
                   "\"response\" };",
                   "alice", "{}", &o, &err),
               LR_OK, "%s", err);
  int st[LR_PII__COUNT];
  uint32_t req = lr_obligations_mask_styles(&o, LR_MASK_ON_REQUEST, st);
  cr_expect_eq(req, LR_PII_BIT(LR_PII_EMAIL) | LR_PII_BIT(LR_PII_PHONE));
  cr_expect_eq(st[LR_PII_EMAIL], LR_PII_STYLE_HASH); /* hash beats partial */
  cr_expect_eq(st[LR_PII_PHONE], LR_PII_STYLE_PARTIAL);
  cr_expect_eq(st[LR_PII_IBAN], LR_PII_STYLE_NONE);
  uint32_t resp = lr_obligations_mask_styles(&o, LR_MASK_ON_RESPONSE, st);
  cr_expect_eq(resp, LR_PII_BIT(LR_PII_EMAIL) | LR_PII_BIT(LR_PII_IBAN));
  cr_expect_eq(st[LR_PII_IBAN], LR_PII_STYLE_LABEL);
  cr_expect_eq(st[LR_PII_PHONE], LR_PII_STYLE_NONE);
}

Test(obligation, limit_fields) {
  lr_obligations o;
  const char *err;
  cr_assert_eq(run("permit(principal, action, resource);\n"
                   "@id(\"ip-flood\") limit (principal, action, resource) "
                   "with { max: 100, per: duration(\"1m\"), key: context.client.ip, burst: 10 };\n"
                   "@shadow limit (principal, action, resource) with { max: 5, per: "
                   "duration(\"1s\") };",
                   "alice", "{\"client\": {\"ip\": \"10.0.0.1\"}}", &o, &err),
               LR_OK, "%s", err);
  cr_assert_eq(o.nlimits, 2);
  const lr_limit_obligation *l = &o.limits[0];
  cr_expect_str_eq(l->name, "ip-flood");
  cr_expect_eq(l->max, 100);
  cr_expect_eq(l->per_ns, 60000000000LL);
  cr_expect_eq(l->burst, 10);
  cr_expect_not(l->per_session);
  cr_expect_not(l->shadow);
  cr_expect_str_eq(l->key.p, "\"10.0.0.1\"");
  l = &o.limits[1];
  cr_expect(l->shadow);
  cr_expect_eq(l->burst, 5);                     /* default: max */
  cr_expect_str_eq(l->key.p, "User::\"alice\""); /* default key: principal */
}

Test(obligation, keys_are_canonical) {
  /* Records and sets written in different orders give one key. */
  lr_obligations o1, o2;
  const char *err;
  cr_assert_eq(run("limit (principal, action, resource) with { max: 1, per: duration(\"1s\"), "
                   "key: {b: [3, 1, 2], a: principal} };",
                   "alice", "{}", &o1, &err),
               LR_OK);
  cr_assert_eq(run("limit (principal, action, resource) with { max: 1, per: duration(\"1s\"), "
                   "key: {a: principal, b: [2, 3, 1, 1]} };",
                   "alice", "{}", &o2, &err),
               LR_OK);
  cr_expect_str_eq(o1.limits[0].key.p, o2.limits[0].key.p);
  cr_expect_str_eq(o1.limits[0].key.p, "{\"a\": User::\"alice\", \"b\": [1, 2, 3]}");
  /* Different principals, different keys. */
  cr_assert_eq(run("limit (principal, action, resource) with { max: 1, per: duration(\"1s\"), "
                   "key: {a: principal, b: [2, 3, 1, 1]} };",
                   "bob", "{}", &o2, &err),
               LR_OK);
  cr_expect_str_neq(o1.limits[0].key.p, o2.limits[0].key.p);
}

Test(obligation, long_keys_hashed) {
  char big[3000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  lr_value v = lr_value_string(A, lr_str_c(big));
  lr_str k = lr_obligation_key(A, v);
  cr_expect_eq(k.n, 65);
  cr_expect_eq(k.p[0], '#');
  big[5] = 'y';
  lr_str k2 = lr_obligation_key(A, lr_value_string(A, lr_str_c(big)));
  cr_expect_str_neq(k.p, k2.p);
}

Test(obligation, session_quota_keyed_by_lineage) {
  /* Two different presented session ids of one principal: one key. */
  const char *pol = "limit (principal, action, resource) with { max: 100, per: \"session\", "
                    "key: context.session };";
  lr_obligations o1, o2, o3;
  const char *err;
  cr_assert_eq(run(pol, "alice", "{\"session\": \"s-1\"}", &o1, &err), LR_OK, "%s", err);
  cr_assert_eq(run(pol, "alice", "{\"session\": \"s-2\"}", &o2, &err), LR_OK, "%s", err);
  cr_assert_eq(run(pol, "bob", "{\"session\": \"s-1\"}", &o3, &err), LR_OK, "%s", err);
  cr_expect(o1.limits[0].per_session);
  cr_expect_eq(o1.limits[0].per_ns, LR_LIMIT_PER_FOREVER);
  cr_expect_str_eq(o1.limits[0].key.p, o2.limits[0].key.p);
  cr_expect_str_neq(o1.limits[0].key.p, o3.limits[0].key.p);
  cr_expect(strstr(o1.limits[0].key.p, "s-1") == NULL);
  /* Lineage of anonymous callers includes their address. */
  lr_str a1 = lr_obligation_lineage(A, lr_uid_new(A, LR_STR("Anonymous"), LR_STR("anonymous")),
                                    LR_STR("10.0.0.1"));
  lr_str a2 = lr_obligation_lineage(A, lr_uid_new(A, LR_STR("Anonymous"), LR_STR("anonymous")),
                                    LR_STR("10.0.0.2"));
  cr_expect_str_eq(a1.p, "Anonymous::\"anonymous\"@10.0.0.1");
  cr_expect_str_neq(a1.p, a2.p);
  lr_str u = lr_obligation_lineage(A, lr_uid_new(A, LR_STR("User"), LR_STR("al")), LR_STR("x"));
  cr_expect_str_eq(u.p, "User::\"al\"");
}

static void expect_error(const char *pol, const char *ctx, const char *needle) {
  lr_obligations o;
  const char *err = NULL;
  cr_expect_eq(run(pol, "alice", ctx, &o, &err), LR_ERR, "accepted: %s", pol);
  cr_expect(err && strstr(err, needle), "error '%s' lacks '%s'", err ? err : "(null)", needle);
  cr_expect_eq(o.nmasks + o.nlimits, 0);
}

Test(obligation, bad_records_fail_closed) {
  expect_error("mask (principal, action, resource) with { types: [\"EMAILS\"] };", "{}",
               "policy0: with.types: unknown PII type");
  expect_error("@id(\"x\") mask (principal, action, resource) with { types: [\"EMAIL\"], on: "
               "\"sideways\" };",
               "{}", "policy0 (@id \"x\"): with.on");
  expect_error("mask (principal, action, resource) with { types: [\"EMAIL\"], style: \"blur\" };",
               "{}", "with.style");
  expect_error("mask (principal, action, resource) with { types: [] };", "{}", "empty set");
  expect_error("mask (principal, action, resource) with { on: \"both\" };", "{}",
               "missing field `types`");
  expect_error("mask (principal, action, resource) with { types: [\"EMAIL\"], colour: 1 };", "{}",
               "unknown field");
  expect_error("limit (principal, action, resource) with { max: -1, per: duration(\"1s\") };", "{}",
               "with.max: must be between");
  expect_error("limit (principal, action, resource) with { max: \"x\", per: duration(\"1s\") };",
               "{}", "with.max: expected a long");
  expect_error("limit (principal, action, resource) with { max: 1, per: \"1m\" };", "{}",
               "with.per: expected a duration");
  expect_error("limit (principal, action, resource) with { max: 1, per: duration(\"-1s\") };", "{}",
               "at least 1ms");
  expect_error("limit (principal, action, resource) with { max: 1 };", "{}", "missing field `per`");
  expect_error("limit (principal, action, resource) with { per: duration(\"1s\") };", "{}",
               "missing field `max`");
  expect_error("limit (principal, action, resource) with { max: 1, per: duration(\"1s\"), "
               "burst: 0 };",
               "{}", "with.burst");
  /* A field computed from the request is validated per request. */
  expect_error("limit (principal, action, resource) with { max: context.n, per: "
               "duration(\"1s\") };",
               "{\"n\": \"many\"}", "with.max: expected a long");
  /* Evaluation errors name the field, never the value. */
  expect_error("limit (principal, action, resource) with { max: 1, per: duration(\"1s\"), key: "
               "context.nope };",
               "{}", "with.key");
  /* A guard whose condition errors is an error too. */
  expect_error("mask (principal, action, resource) when { context.nope == 1 } with { types: "
               "[\"EMAIL\"] };",
               "{}", "policy0: guardrail condition failed");
}

Test(obligation, values_from_the_request) {
  lr_obligations o;
  const char *err;
  cr_assert_eq(run("limit (principal, action, resource) with { max: context.n, per: "
                   "duration(\"1h\"), key: [principal, resource] };",
                   "alice", "{\"n\": 7}", &o, &err),
               LR_OK, "%s", err);
  cr_expect_eq(o.limits[0].max, 7);
  cr_expect_str_eq(o.limits[0].key.p, "[Tool::\"search\", User::\"alice\"]");
}

/* Load-time: renders the diagnostics of lr_obligation_check. */
static const char *check(const char *text) {
  lr_diags d = {0};
  lr_policy_list l = parse(text, &d);
  lr_obligation_check(&l, &d);
  lr_buf b = {0};
  lr_diags_render_short(&d, &b);
  const char *r = lr_arena_strdup(A, b.p ? b.p : "");
  lr_buf_free(&b);
  lr_diags_free(&d);
  return r;
}

Test(obligation, load_time_checks) {
  cr_expect_str_eq(check("limit (principal, action, resource) with { max: 100, per: "
                         "duration(\"1m\"), key: context.client.ip };"),
                   "");
  cr_expect_str_eq(check("limit (principal, action, resource) with { max: context.n, per: "
                         "\"session\" };"),
                   "");
  const char *r = check("permit(principal, action, resource);\n"
                        "limit (principal, action, resource)\n"
                        "with { max: \"x\", per: duration(\"1m\") };");
  cr_expect(strstr(r, "t.cedar:3:13: error[G0001]: policy1: with.max: expected a long"), "%s", r);
  cr_expect(!strstr(strstr(r, "G0001") + 1, "G0001"), "one error only: %s", r);
  r = check("mask (principal, action, resource) with { types: [\"EMAIL\", \"SSN\"] };");
  cr_expect(strstr(r, "t.cedar:1:50: error[G0001]: policy0: with.types: unknown PII type"), "%s",
            r);
  r = check("mask (principal, action, resource) with { types: context.t, tint: 1 };");
  cr_expect(strstr(r, "with.tint: unknown field"), "%s", r);
  r = check("limit (principal, action, resource) with { key: principal };");
  cr_expect(strstr(r, "missing field `max`"), "%s", r);
  r = check("limit (principal, action, resource) with { max: 5, per: duration(\"0ms\") };");
  cr_expect(strstr(r, "with.per: the period must be at least 1ms"), "%s", r);
}

Test(obligation, prepared_once_per_policy) {
  lr_diags d = {0};
  lr_policy_list l = parse("permit(principal, action, resource);\n"
                           "mask (principal, action, resource) with { types: [\"EMAIL\"] };\n"
                           "limit (principal, action, resource) with { max: context.n, per: "
                           "duration(\"1m\") };\n"
                           "limit (principal, action, resource) with { max: -1, per: "
                           "duration(\"1m\") };",
                           &d);
  lr_diags_free(&d);
  lr_obligation_prep *prep = lr_obligation_prepare((const lr_policy *const *)l.items, l.n);
  /* the permit is not a guard; the bad constant keeps the full path */
  cr_expect_eq(lr_obligation_prep_count(prep), 2);
  lr_obligation_prep_free(prep);
  cr_expect_eq(lr_obligation_prep_count(NULL), 0);
}

/* The key of the Cedar expression `text` (principal and resource are
 * User::"alice") must be `want`: canonical Cedar text, or "#" and the
 * SHA-256 of it in hex when that is longer than LR_LIMIT_KEY_MAX. */
static void key_is(const char *text, const char *want) {
  lr_source *s = LR_NEW(A, lr_source);
  s->name = "k";
  s->text = lr_arena_strdup(A, text);
  s->len = strlen(text);
  lr_diags d = {0};
  lr_expr *e;
  if (lr_parse_expr(A, s, &d, &e) != LR_OK)
    cr_assert_fail("%.40s: %s", text, d.n ? d.items[0].msg : "?");
  lr_diags_free(&d);
  const lr_uid *u = lr_uid_new(A, LR_STR("User"), LR_STR("alice"));
  lr_request req = {u, u, u, lr_value_empty_record()};
  lr_eval_env env = {NULL, &req, NULL, A};
  lr_value v;
  lr_eval_error er;
  cr_assert_eq(lr_eval_expr(&env, e, &v, &er), LR_OK, "%s", text);
  lr_str k = lr_obligation_key(A, v);
  cr_expect(lr_str_eq(k, lr_str_c(want)), "%.60s: '%.80s', want '%.80s'", text, k.p, want);
  cr_expect_eq(k.p[k.n], 0, "%.60s: not NUL-terminated", text);
}

Test(obligation, keys_are_cedar_text) {
  key_is("principal", "User::\"alice\"");
  key_is("\"10.1.2.3\"", "\"10.1.2.3\"");
  key_is("\"\"", "\"\"");
  key_is("\"with \\\"quote\\\" and \\\\ and \\n\"", "\"with \\\"quote\\\" and \\\\ and \\n\"");
  key_is("\"nul \\0 del \\u{7f}\"", "\"nul \\0 del \\u{7f}\"");
  key_is("\"caf\\u{e9}\"", "\"caf\xc3\xa9\"");
  key_is("-9223372036854775807 - 1", "-9223372036854775808");
  key_is("9223372036854775807", "9223372036854775807");
  key_is("0", "0");
  key_is("true", "true");
  key_is("[principal, resource]", "[User::\"alice\"]");
  key_is("[3, 1, 2, 1]", "[1, 2, 3]");
  key_is("[]", "[]");
  key_is("{}", "{}");
  key_is("{b: [3, 1], a: principal}", "{\"a\": User::\"alice\", \"b\": [1, 3]}");
  key_is("{\"odd key\": 1, \"qu\\\"ote\": 2}", "{\"odd key\": 1, \"qu\\\"ote\": 2}");
  key_is("User::\"a\\\"b\"", "User::\"a\\\"b\"");
  key_is("Ns::Deep::Type::\"x\"", "Ns::Deep::Type::\"x\"");
  key_is("[decimal(\"1.5\"), 1]", "[1, decimal(\"1.5000\")]");
  key_is("ip(\"127.0.0.1\")", "ip(\"127.0.0.1/32\")");
  key_is("[ip(\"::1\"), principal]", "[User::\"alice\", ip(\"::1/128\")]");
  key_is("ip(\"1:0:0:2:0:0:0:3\")", "ip(\"1:0:0:2::3/128\")");
  key_is("{a: datetime(\"2024-01-01\"), b: duration(\"1h\")}",
         "{\"a\": datetime(\"2024-01-01T00:00:00.000Z\"), \"b\": duration(\"1h\")}");
  /* 1,021 bytes of text: kept; 1,025: hashed (digests from Python's hashlib) */
  char big[1100], want[1100];
  memset(big, 'x', sizeof big);
  big[0] = '"', big[1020] = '"', big[1021] = 0;
  memcpy(want, big, sizeof want);
  key_is(big, want);
  big[1020] = big[1021] = 'x', big[1024] = '"', big[1025] = 0;
  key_is(big, "#bd752ecad52fb02540c855864234ec6479fba3cb8278ebe0e97b612c6b326600");
  char set[sizeof big + 16];
  snprintf(set, sizeof set, "[%s, \"y\"]", big);
  key_is(set, "#bab7c9f85fa49c4b293ba531b204f3dd5d15230457fea3d67cc314dc389603c0");
}

/* A limiter is one per rule identity: instances of one limit template
 * (linked under their own ids) count apart unless an @id names them alike;
 * the prepared identity must follow the instance's name. */
Test(obligation, rule_identity_per_linked_instance) {
  lr_diags d = {0};
  lr_policy_list l = parse("limit (principal == ?principal, action, resource) with { max: 5, "
                           "per: duration(\"1m\") };\n"
                           "@id(\"shared\") limit (principal == ?principal, action, resource) "
                           "with { max: 5, per: duration(\"1m\") };",
                           &d);
  lr_diags_free(&d);
  const lr_uid *u = lr_uid_new(A, LR_STR("User"), LR_STR("alice"));
  lr_policy_inst in[4] = {{"link1", l.items[0], u, NULL},
                          {"link2", l.items[0], u, NULL},
                          {"link3", l.items[1], u, NULL},
                          {"link4", l.items[1], u, NULL}};
  const lr_policy_inst *gs[4] = {&in[0], &in[1], &in[2], &in[3]};
  lr_decision dec = {0};
  dec.guards = gs, dec.nguards = 4;
  lr_request req = {u, u, u, lr_value_empty_record()};
  lr_eval_env env = {NULL, &req, NULL, A};
  lr_obligation_prep *prep = lr_obligation_prepare((const lr_policy *const *)l.items, l.n);
  cr_assert_eq(lr_obligation_prep_count(prep), 2);
  lr_obligations full, pr;
  const char *err = NULL;
  cr_assert_eq(lr_obligations_eval(NULL, &env, &dec, LR_STR(""), &full, &err), LR_OK);
  cr_assert_eq(lr_obligations_eval(prep, &env, &dec, LR_STR(""), &pr, &err), LR_OK);
  same_obligations(&full, &pr);
  const lr_limit_obligation *x = pr.limits;
  same_str(x[0].name, "link1");
  cr_expect(!lr_str_eq(x[0].rule, x[1].rule), "two unnamed links share a limiter");
  cr_expect(lr_str_eq(x[2].rule, x[3].rule), "links named alike count apart");
  lr_obligation_prep_free(prep);
}
