/*
 * test_link.c — policy sets and template links (policy/link.c): ids as
 * Cedar gives them, link checks, linked policies decided under their newId.
 */
#include "json_test_util.h"

static const char *policies = "permit (principal == ?principal, action, resource in ?resource);\n"
                              "forbid (principal, action, resource) when { resource has secret };\n"
                              "permit (principal is User, action, resource == ?resource);\n";

static lr_status load(lr_arena *a, lr_policy_set *set, lr_source *src, lr_diags *d) {
  *src = (lr_source){"p.cedar", policies, strlen(policies)};
  *set = (lr_policy_set){0};
  return lr_policy_set_add_source(a, set, src, 0, d);
}

static char *link(lr_arena *a, lr_policy_set *set, const char *json) {
  lr_diags d = {0};
  lr_status st = lr_policy_set_link_json(a, set, json, strlen(json), "links.json", &d);
  char *m = test_messages(&d);
  cr_expect_eq(st == LR_OK, m[0] == '\0', "%s", m);
  lr_diags_free(&d);
  return m;
}

Test(link, ids_and_links) {
  lr_arena *a = lr_arena_new(0);
  lr_policy_set set;
  lr_source src;
  lr_diags d = {0};
  cr_assert_eq(load(a, &set, &src, &d), LR_OK);
  cr_expect_eq(set.npolicies, 3);
  cr_expect_eq(set.ninsts, 1); /* templates are not evaluated */
  cr_expect_str_eq(set.insts[0].id, "policy1");
  char *m = link(a, &set,
                 "[{\"templateId\": \"policy0\", \"newId\": \"alice-docs\", \"values\": "
                 "{\"?principal\": {\"type\": \"User\", \"id\": \"alice\"}, \"?resource\": "
                 "\"Folder::\\\"docs\\\"\"}}]");
  cr_expect_str_eq(m, "");
  free(m);
  cr_assert_eq(set.ninsts, 2);
  cr_expect_str_eq(set.insts[1].id, "alice-docs");

  const char *ents = "[{\"uid\": {\"type\": \"Doc\", \"id\": \"d\"}, \"attrs\": {}, "
                     "\"parents\": [{\"type\": \"Folder\", \"id\": \"docs\"}]}]";
  lr_entities *es = lr_entities_from_json(ents, strlen(ents), "e.json", NULL, &d);
  cr_assert_not_null(es);
  lr_request req = {lr_uid_new(a, LR_STR("User"), LR_STR("alice")),
                    lr_uid_new(a, LR_STR("Action"), LR_STR("view")),
                    lr_uid_new(a, LR_STR("Doc"), LR_STR("d")), lr_value_empty_record()};
  lr_decision dec;
  lr_authorize(a, set.insts, set.ninsts, es, &req, &dec);
  cr_expect(dec.allow);
  cr_assert_eq(dec.nreasons, 1);
  cr_expect_str_eq(dec.reasons[0], "alice-docs");
  req.principal = lr_uid_new(a, LR_STR("User"), LR_STR("bob"));
  lr_authorize(a, set.insts, set.ninsts, es, &req, &dec);
  cr_expect(!dec.allow);
  lr_entities_release(es);
  lr_diags_free(&d);
  lr_arena_free(a);
}

Test(link, link_errors) {
  lr_arena *a = lr_arena_new(0);
  lr_policy_set set;
  lr_source src;
  lr_diags d = {0};
  cr_assert_eq(load(a, &set, &src, &d), LR_OK);
  char *m = link(a, &set, "[{\"templateId\": \"policy7\", \"newId\": \"x\", \"values\": {}}]");
  cr_expect_str_eq(m, "links.json: [0]: no template with id \"policy7\"\n");
  free(m);
  m = link(a, &set, "[{\"templateId\": \"policy1\", \"newId\": \"x\", \"values\": {}}]");
  cr_expect_str_eq(m, "links.json: [0]: \"policy1\" is a static policy, not a template\n");
  free(m);
  m = link(a, &set,
           "[{\"templateId\": \"policy2\", \"newId\": \"policy0\", \"values\": {\"?resource\": "
           "\"Doc::\\\"d\\\"\"}}]");
  cr_expect_str_eq(m, "links.json: [0]: the id \"policy0\" is already used\n");
  free(m);
  m = link(a, &set,
           "[{\"templateId\": \"policy2\", \"newId\": \"l\", \"values\": {\"?principal\": "
           "\"User::\\\"a\\\"\", \"?resource\": \"Doc::\\\"d\\\"\"}}]");
  cr_expect_str_eq(m, "links.json: [0]: template \"policy2\" has no ?principal slot\n");
  free(m);
  m = link(a, &set, "[{\"templateId\": \"policy2\", \"newId\": \"l\", \"values\": {}}]");
  cr_expect_str_eq(m, "links.json: [0]: template \"policy2\" needs a value for ?resource\n");
  free(m);
  m = link(a, &set,
           "[{\"templateId\": \"policy2\", \"newId\": \"l\", \"values\": {\"?resource\": 5}}]");
  cr_expect_str_eq(m, "links.json: [0].values[\"?resource\"]: expected an entity reference "
                      "({\"type\": ..., \"id\": ...} or {\"__entity\": {...}}), got a long\n");
  free(m);
  lr_diags_free(&d);
  lr_arena_free(a);
}
