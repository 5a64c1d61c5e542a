/*
 * fuzz_json.c — libFuzzer target for larch's Cedar JSON formats
 * (policy/json_*.c, policy/link.c): the same bytes are read as an entities
 * document (without and with a schema), as a context, as a request line and
 * as template links. Besides memory and UB errors (ASan + UBSan) it checks
 * that every refusal carries a diagnostic and every acceptance none.
 *
 *   make fuzz && build-fuzz/tests/fuzz/fuzz_json tests/fuzz/seeds/json
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "schema.h"

static const char schema_text[] =
    "entity Group;\n"
    "entity Color enum [\"red\", \"green\"];\n"
    "entity User in [Group, Color] = { name: String, age?: Long, boss?: User, ip?: ipaddr,\n"
    "  score?: decimal, when?: datetime, wait?: duration, nick?: Set<String>,\n"
    "  rec?: { a: Long, b?: Set<User> } } tags Long;\n"
    "action view appliesTo { principal: [User], resource: [User, Color],\n"
    "  context: { level: Long, ip?: ipaddr, who?: User } };\n"
    "action edit in [view];\n";

static const char policies[] = "permit (principal == ?principal, action, resource in ?resource);\n"
                               "permit (principal, action, resource);\n";

static void check(lr_status st, const lr_diags *d) {
  if ((st == LR_OK) != (d->errors == 0)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static lr_schema *schema;
  static lr_source schema_src = {"fuzz.cedarschema", schema_text, sizeof schema_text - 1};
  if (!schema) {
    lr_diags d = {0};
    schema = lr_schema_load(&schema_src, LR_SCHEMA_TEXT, &d);
    lr_diags_free(&d);
    if (!schema) abort();
  }
  const char *text = (const char *)data;
  for (int with_schema = 0; with_schema < 2; with_schema++) {
    lr_diags d = {0};
    lr_entities *es =
        lr_entities_from_json(text, size, "fuzz.json", with_schema ? schema : NULL, &d);
    check(es ? LR_OK : LR_ERR, &d);
    lr_entities_release(es);
    lr_diags_free(&d);
  }

  lr_diags d = {0};
  json_t *j = lr_json_parse(text, size, "fuzz.json", &d);
  lr_arena *a = lr_arena_new(0);
  if (j) {
    for (int with_schema = 0; with_schema < 2; with_schema++) {
      const lr_schema *s = with_schema ? schema : NULL;
      lr_diags d2 = {0};
      lr_value v;
      lr_request req;
      const lr_uid *view = lr_uid_new(a, LR_STR("Action"), LR_STR("view"));
      check(lr_context_from_json(a, j, s, view, "ctx", &d2, &v), &d2);
      lr_diags_free(&d2);
      check(lr_request_from_json(a, j, s, "req", &d2, &req), &d2);
      lr_diags_free(&d2);
    }
  }
  lr_policy_set set = {0};
  lr_source psrc = {"p.cedar", policies, sizeof policies - 1};
  lr_diags d3 = {0};
  if (lr_policy_set_add_source(a, &set, &psrc, 0, &d3) != LR_OK) abort();
  check(lr_policy_set_link_json(a, &set, text, size, "links.json", &d3), &d3);
  lr_diags_free(&d3);
  json_decref(j);
  lr_arena_free(a);
  lr_diags_free(&d);
  return 0;
}
