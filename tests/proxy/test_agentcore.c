/*
 * test_agentcore.c — the agentcore profile (proxy/agentcore.c): policies in
 * AgentCore Policy's documented style (tests/proxy/agentcore/refund.cedar)
 * evaluated by larch's authorizer on requests the profile builds from a
 * caller, a gateway, a target, a tool and JSON-RPC arguments.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "agentcore.h"

#define GW "arn:aws:bedrock-agentcore:us-west-2:123456789012:gateway/refund-gateway"

static lr_arena *A;
static lr_policy_set set;

static void setup(void) {
  A = lr_arena_new(0);
  memset(&set, 0, sizeof set);
  lr_diags d = {0};
  lr_status st =
      lr_policy_set_add_file(A, &set, LR_SOURCE_DIR "/tests/proxy/agentcore/refund.cedar", 0, &d);
  lr_buf b = {0};
  lr_diags_render(&d, &b);
  cr_assert_eq(st, LR_OK, "%.*s", (int)b.len, b.p);
  lr_buf_free(&b);
  lr_diags_free(&d);
}
static void teardown(void) { lr_arena_free(A); }
TestSuite(agentcore, .init = setup, .fini = teardown);

/* Decides a tools/call of `name` (an MCP tool name "<target>___<tool>") with
 * the given arguments (JSON text, or NULL) for an OAuth caller with claims
 * (JSON text). Returns "allow policyX,..." / "deny ..." / "!error". */
static const char *decide(const char *claims, const char *name, const char *args,
                          const char *input_schema, bool iam) {
  lr_agentcore_caller who = {.auth = iam ? LR_AGENTCORE_IAM : LR_AGENTCORE_OAUTH};
  json_t *cj = NULL;
  if (iam) {
    who.id = lr_str_c(claims);
  } else {
    cj = json_loads(claims, 0, NULL);
    cr_assert(cj);
    who.id = lr_str_c(json_string_value(json_object_get(cj, "sub")));
    who.claims = cj;
  }
  lr_agentcore_call call = {.gateway = LR_STR(GW), .args = -1};
  cr_assert(lr_agentcore_split_tool(lr_str_c(name), &call.target, &call.tool), "%s", name);
  lr_jfast_doc doc;
  if (args) {
    const char *body = lr_arena_sprintf(
        A,
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
        "\"arguments\":%s}}",
        name, args);
    cr_assert_eq(lr_jfast_parse(A, body, strlen(body), &doc, NULL), LR_OK);
    int32_t params = lr_jfast_get(&doc, 0, LR_STR("params"));
    call.doc = &doc;
    call.args = lr_jfast_get(&doc, (uint32_t)params, LR_STR("arguments"));
  }
  json_t *sj = input_schema ? json_loads(input_schema, 0, NULL) : NULL;
  if (sj) {
    lr_diags d = {0};
    cr_assert_eq(lr_jtype_compile(A, sj, sj, "schema", "", &d, &call.input), LR_OK);
    lr_diags_free(&d);
  }
  lr_request req;
  lr_entities *es;
  lr_jfast_err err;
  lr_status st = lr_agentcore_map(A, NULL, &who, &call, &req, &es, &err);
  json_decref(cj);
  json_decref(sj);
  if (st != LR_OK) return lr_arena_sprintf(A, "!%s: %s", err.path, err.msg);
  lr_decision dec;
  lr_authorize(A, set.insts, set.ninsts, es, &req, &dec);
  lr_buf b = {0};
  lr_buf_puts(&b, dec.allow ? "allow" : "deny");
  for (size_t i = 0; i < dec.nreasons; i++) {
    const lr_policy_inst *in = NULL;
    for (size_t k = 0; k < set.ninsts; k++)
      if (!strcmp(set.insts[k].id, dec.reasons[i])) in = &set.insts[k];
    cr_assert(in);
    lr_buf_putc(&b, i ? ',' : ' ');
    lr_buf_puts(&b, dec.reasons[i]);
  }
  const char *s = lr_arena_strndup(A, b.p, b.len);
  lr_buf_free(&b);
  lr_entities_release(es);
  return s;
}

#define AGENT                                                                                      \
  "{\"sub\": \"u-1\", \"username\": \"refund-agent\", \"scope\": \"openid refund:write\"}"
#define EXPECT(got, want)                                                                          \
  do {                                                                                             \
    const char *g_ = (got);                                                                        \
    cr_expect_str_eq(g_, want, "got %s want %s", g_, want);                                        \
  } while (0)

/* policy ids are policy0.. in file order: refund-small = policy0, orders-read
 * = policy1, payments = policy2, iam-account = policy3, suspended = policy4,
 * delete-admins-only = policy5, admin-all = policy6 */

Test(agentcore, refund_amount_condition) {
  EXPECT(decide(AGENT, "RefundTool___process_refund",
                "{\"orderId\": \"12345\", \"amount\": 450, \"reason\": \"Defective product\"}",
                NULL, false),
         "allow policy0");
  EXPECT(decide(AGENT, "RefundTool___process_refund", "{\"orderId\": \"1\", \"amount\": 600}", NULL,
                false),
         "deny");
  /* another user, or no username claim at all */
  EXPECT(decide("{\"sub\": \"u-2\", \"username\": \"intern\"}", "RefundTool___process_refund",
                "{\"amount\": 1}", NULL, false),
         "deny");
  EXPECT(
      decide("{\"sub\": \"u-3\"}", "RefundTool___process_refund", "{\"amount\": 1}", NULL, false),
      "deny");
  /* a missing argument makes the condition error: the permit is skipped */
  EXPECT(decide(AGENT, "RefundTool___process_refund", "{}", NULL, false), "deny");
}

Test(agentcore, action_groups_and_hierarchy) {
  EXPECT(decide(AGENT, "OrderTool___get_order", "{\"orderId\": \"9\"}", NULL, false),
         "allow policy1");
  EXPECT(decide("{\"sub\": \"u-2\", \"scope\": \"openid\"}", "OrderTool___get_order", "{}", NULL,
                false),
         "deny");
  /* admins: every action is in Mcp (through CallTool) */
  EXPECT(decide("{\"sub\": \"root\", \"role\": \"admin\"}", "AdminAPI___delete_resource",
                "{\"id\": \"x\"}", NULL, false),
         "allow policy6");
  EXPECT(decide("{\"sub\": \"ops\", \"role\": \"operator\"}", "AdminAPI___delete_resource",
                "{\"id\": \"x\"}", NULL, false),
         "deny policy5");
}

Test(agentcore, forbid_suspended_user) {
  EXPECT(decide("{\"sub\": \"s\", \"username\": \"suspended-user\", \"role\": \"admin\"}",
                "OrderTool___get_order", "{}", NULL, false),
         "deny policy4");
}

Test(agentcore, iam_principal) {
  EXPECT(decide("arn:aws:iam::111122223333:role/agent", "OrderTool___get_order", "{}", NULL, true),
         "allow policy3");
  EXPECT(decide("arn:aws:iam::444455556666:role/agent", "OrderTool___get_order", "{}", NULL, true),
         "deny");
  /* the IAM caller has no tags: the admins-only forbid applies */
  EXPECT(decide("arn:aws:iam::111122223333:role/agent", "AdminAPI___delete_resource", "{}", NULL,
                true),
         "deny policy5");
}

#define PAYMENT_SCHEMA                                                                             \
  "{\"type\": \"object\", \"properties\": {\"amount\": {\"type\": \"number\"},"                    \
  " \"paymentMethod\": {\"type\": \"string\"}, \"country\": {\"type\": \"string\"}}}"

Test(agentcore, numbers_typed_by_the_input_schema) {
  /* number → decimal even when written as an integer */
  EXPECT(decide(AGENT, "PaymentAPI___process_payment",
                "{\"amount\": 50, \"paymentMethod\": \"credit-card\", \"country\": \"CA\"}",
                PAYMENT_SCHEMA, false),
         "allow policy2");
  EXPECT(decide(AGENT, "PaymentAPI___process_payment",
                "{\"amount\": 99.99, \"paymentMethod\": \"credit-card\", \"country\": \"US\"}",
                PAYMENT_SCHEMA, false),
         "allow policy2");
  EXPECT(decide(AGENT, "PaymentAPI___process_payment",
                "{\"amount\": 100, \"paymentMethod\": \"credit-card\", \"country\": \"US\"}",
                PAYMENT_SCHEMA, false),
         "deny");
  EXPECT(decide(AGENT, "PaymentAPI___process_payment",
                "{\"amount\": 5, \"paymentMethod\": \"credit-card\", \"country\": \"FR\"}",
                PAYMENT_SCHEMA, false),
         "deny");
  /* without the schema 50 is a Long: lessThanOrEqual errors, the permit is skipped */
  EXPECT(decide(AGENT, "PaymentAPI___process_payment",
                "{\"amount\": 50, \"paymentMethod\": \"credit-card\", \"country\": \"CA\"}", NULL,
                false),
         "deny");
  EXPECT(decide(AGENT, "PaymentAPI___process_payment",
                "{\"amount\": 1.23456, \"paymentMethod\": \"credit-card\"}", PAYMENT_SCHEMA, false),
         "!params.arguments.amount: too many digits after the decimal (at most 4 are supported)");
  EXPECT(decide(AGENT, "PaymentAPI___process_payment", "[1]", NULL, false),
         "!params.arguments: tool arguments must be an object");
}

Test(agentcore, request_shape) {
  lr_agentcore_caller who = {.auth = LR_AGENTCORE_OAUTH, .id = LR_STR("u-1")};
  json_t *claims = json_pack("{s:s, s:s, s:i, s:f, s:f, s:[s,s], s:n, s:b}", "sub", "u-1", "role",
                             "admin", "exp", 1700000000, "ratio", 0.25, "pi", 3.14159, "groups",
                             "a", "b", "nothing", "mfa", 1);
  who.claims = claims;
  lr_agentcore_call call = {.gateway = LR_STR(GW), .target = LR_STR("T"), .tool = LR_STR("t")};
  call.args = -1;
  lr_request req;
  lr_entities *es;
  lr_jfast_err err;
  cr_assert_eq(lr_agentcore_map(A, NULL, &who, &call, &req, &es, &err), LR_OK);
  lr_buf b = {0};
  lr_uid_print(req.principal, &b);
  lr_buf_putc(&b, ' ');
  lr_uid_print(req.action, &b);
  lr_buf_putc(&b, ' ');
  lr_uid_print(req.resource, &b);
  lr_buf_putc(&b, ' ');
  lr_value_print(req.context, &b);
  lr_buf_putc(&b, ' ');
  const lr_entity *pe = lr_entities_get(es, req.principal);
  cr_assert(pe);
  lr_value_print(lr_entity_attrs(pe), &b);
  lr_buf_putc(&b, ' ');
  lr_value_print(lr_entity_tags(pe), &b);
  lr_buf_putc(&b, 0);
  cr_expect_str_eq(b.p, "AgentCore::OAuthUser::\"u-1\" AgentCore::Action::\"T___t\" "
                        "AgentCore::Gateway::\"" GW "\" {\"input\": {}} {\"id\": \"u-1\"} "
                        "{\"exp\": 1700000000, \"groups\": [\"a\", \"b\"], \"mfa\": true, "
                        "\"ratio\": decimal(\"0.2500\"), \"role\": \"admin\", \"sub\": \"u-1\"}");
  const lr_uid *const *anc;
  size_t n = lr_entity_ancestors(lr_entities_get(es, req.action), &anc);
  lr_buf_clear(&b);
  for (size_t i = 0; i < n; i++) {
    lr_uid_print(anc[i], &b);
    lr_buf_putc(&b, ';');
  }
  lr_buf_putc(&b, 0);
  cr_expect_str_eq(b.p, "AgentCore::Action::\"CallTool\";AgentCore::Action::\"Mcp\";"
                        "AgentCore::Action::\"T\";");
  lr_buf_free(&b);
  lr_entities_release(es);
  json_decref(claims);
}

Test(agentcore, split_tool) {
  lr_str t, u;
  cr_expect(lr_agentcore_split_tool(LR_STR("RefundTool___process_refund"), &t, &u));
  cr_expect(lr_str_eq(t, LR_STR("RefundTool")) && lr_str_eq(u, LR_STR("process_refund")));
  cr_expect(lr_agentcore_split_tool(LR_STR("a___b___c"), &t, &u));
  cr_expect(lr_str_eq(t, LR_STR("a")) && lr_str_eq(u, LR_STR("b___c")));
  cr_expect(!lr_agentcore_split_tool(LR_STR("plain_tool"), &t, &u));
  cr_expect(!lr_agentcore_split_tool(LR_STR("___x"), &t, &u));
  cr_expect(!lr_agentcore_split_tool(LR_STR("x___"), &t, &u));
}

Test(agentcore, overlay_over_base_entities) {
  /* the base store's entities stay visible; the profile's are added on top */
  lr_entities *base = lr_entities_new();
  const lr_uid *g = lr_uid_new(lr_entities_arena(base), LR_STR("AgentCore::Gateway"), LR_STR(GW));
  lr_field f = {LR_STR("env"), lr_value_string(lr_entities_arena(base), LR_STR("prod"))};
  lr_value attrs;
  lr_value_record(lr_entities_arena(base), &f, 1, &attrs, NULL);
  cr_assert_eq(lr_entities_add(base, g, attrs, NULL, 0, lr_value_empty_record()), LR_OK);
  cr_assert_eq(lr_entities_finish(base, NULL), LR_OK);
  lr_agentcore_caller who = {.auth = LR_AGENTCORE_IAM, .id = LR_STR("arn:aws:iam::1:user/x")};
  lr_agentcore_call call = {
      .gateway = LR_STR(GW), .target = LR_STR("T"), .tool = LR_STR("t"), .args = -1};
  lr_request req;
  lr_entities *es;
  lr_jfast_err err;
  cr_assert_eq(lr_agentcore_map(A, base, &who, &call, &req, &es, &err), LR_OK);
  const lr_entity *ge = lr_entities_get(es, req.resource);
  cr_assert(ge);
  cr_expect(lr_value_record_get(lr_entity_attrs(ge), LR_STR("env")));
  cr_expect(
      lr_entities_in(es, req.action, lr_uid_new(A, LR_STR("AgentCore::Action"), LR_STR("Mcp"))));
  lr_entities_release(es);
  lr_entities_release(base);
}
