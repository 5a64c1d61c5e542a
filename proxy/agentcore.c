/*
 * agentcore.c — the `agentcore` mapping profile (agentcore.h).
 */
#include "agentcore.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool lr_agentcore_split_tool(lr_str name, lr_str *target, lr_str *tool) {
  static const size_t sep = sizeof LR_AGENTCORE_SEP - 1;
  for (size_t i = 0; i + sep <= name.n; i++)
    if (memcmp(name.p + i, LR_AGENTCORE_SEP, sep) == 0) {
      if (i == 0 || i + sep == name.n) return false;
      *target = lr_str_make(name.p, i);
      *tool = lr_str_make(name.p + i + sep, name.n - i - sep);
      return true;
    }
  return false;
}

/* A plain JSON value (not Cedar's JSON format: no __entity/__extn escapes)
 * as a Cedar value; *skip when it has no Cedar form (null, a real that is
 * not a decimal). */
static lr_status plain_value(lr_arena *a, const json_t *j, int depth, lr_value *out, bool *skip) {
  *skip = false;
  if (depth > LR_JFAST_MAX_DEPTH) return LR_ERR;
  switch (json_typeof(j)) {
  case JSON_STRING:
    *out = lr_value_string(a, lr_str_make(json_string_value(j), json_string_length(j)));
    return LR_OK;
  case JSON_INTEGER: *out = lr_value_long((int64_t)json_integer_value(j)); return LR_OK;
  case JSON_REAL: {
    char txt[64];
    int64_t scaled;
    snprintf(txt, sizeof txt, "%.4f", json_real_value(j));
    if (strtod(txt, NULL) != json_real_value(j) || lr_decimal_parse(lr_str_c(txt), &scaled, NULL))
      *skip = true;
    else
      *out = lr_value_decimal(scaled);
    return LR_OK;
  }
  case JSON_TRUE:
  case JSON_FALSE: *out = lr_value_bool(json_is_true(j)); return LR_OK;
  case JSON_NULL: *skip = true; return LR_OK;
  case JSON_ARRAY: {
    size_t n = json_array_size(j), k = 0;
    lr_value *vs = LR_NEW_N(a, lr_value, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
      bool sk;
      if (plain_value(a, json_array_get(j, i), depth + 1, &vs[k], &sk) != LR_OK) return LR_ERR;
      k += !sk;
    }
    *out = lr_value_set(a, vs, k);
    return LR_OK;
  }
  case JSON_OBJECT: {
    lr_field *fs = LR_NEW_N(a, lr_field, json_object_size(j) + 1);
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v) {
      bool sk;
      if (plain_value(a, v, depth + 1, &fs[k].value, &sk) != LR_OK) return LR_ERR;
      if (sk) continue;
      fs[k++].key = lr_str_dup(a, lr_str_c(key));
    }
    return lr_value_record(a, fs, k, out, NULL);
  }
  }
  return LR_ERR;
}

lr_status lr_agentcore_claims_tags(lr_arena *a, const json_t *claims, lr_value *out) {
  bool skip;
  if (!claims) {
    *out = lr_value_empty_record();
    return LR_OK;
  }
  if (!json_is_object(claims)) return LR_ERR;
  return plain_value(a, claims, 0, out, &skip);
}

static const lr_uid *action_uid(lr_arena *a, const char *id) {
  return lr_uid_new(a, LR_STR("AgentCore::Action"), lr_str_c(id));
}

/* Adds uid with parents unless es already holds it. */
static void add_entity(lr_entities *es, const lr_uid *uid, lr_value attrs,
                       const lr_uid *const *parents, size_t n) {
  if (!lr_entities_get(es, uid))
    lr_entities_add(es, uid, attrs, parents, n, lr_value_empty_record());
}

const lr_uid *lr_agentcore_add_action(lr_entities *es, lr_str target, lr_str tool) {
  lr_arena *ea = lr_entities_arena(es);
  const lr_uid *mcp = action_uid(ea, "Mcp");
  const lr_uid *calltool = action_uid(ea, "CallTool");
  const lr_uid *group = lr_uid_new(ea, LR_STR("AgentCore::Action"), target);
  char *id = lr_arena_sprintf(ea, "%.*s" LR_AGENTCORE_SEP "%.*s", (int)target.n, target.p,
                              (int)tool.n, tool.p);
  const lr_uid *act = action_uid(ea, id);
  add_entity(es, mcp, lr_value_empty_record(), NULL, 0);
  add_entity(es, calltool, lr_value_empty_record(), &mcp, 1);
  add_entity(es, group, lr_value_empty_record(), &calltool, 1);
  const lr_uid *parents[2] = {group, calltool};
  add_entity(es, act, lr_value_empty_record(), parents, 2);
  return act;
}

lr_status lr_agentcore_map(lr_arena *a, lr_entities *base, const lr_agentcore_caller *who,
                           const lr_agentcore_call *call, lr_request *req, lr_entities **es_out,
                           lr_jfast_err *err) {
  *es_out = NULL;
  /* context.input first: nothing to undo when the arguments are refused */
  lr_value input = lr_value_empty_record();
  if (call->doc && call->args >= 0) {
    const lr_jfast_tok *t = &call->doc->toks[call->args];
    if (t->kind != LR_JFAST_OBJECT && t->kind != LR_JFAST_NULL) {
      *err = (lr_jfast_err){t->start, "params.arguments", "tool arguments must be an object"};
      return LR_ERR;
    }
    if (t->kind == LR_JFAST_OBJECT &&
        lr_jtype_value(a, call->input, call->doc, (uint32_t)call->args, "params.arguments", &input,
                       err) != LR_OK)
      return LR_ERR;
  }
  lr_field ctx = {LR_STR("input"), input};
  lr_value context;
  if (lr_value_record(a, &ctx, 1, &context, NULL) != LR_OK) return LR_ERR;

  lr_entities *es = base ? lr_entities_new_overlay(base) : lr_entities_new();
  lr_arena *ea = lr_entities_arena(es);
  bool iam = who->auth == LR_AGENTCORE_IAM;
  const lr_uid *principal = lr_uid_new(
      ea, iam ? LR_STR("AgentCore::IamEntity") : LR_STR("AgentCore::OAuthUser"), who->id);
  lr_value tags = lr_value_empty_record(), attrs;
  if (!iam && lr_agentcore_claims_tags(ea, who->claims, &tags) != LR_OK) {
    lr_entities_release(es);
    *err = (lr_jfast_err){0, "", "JWT claims are not an object"};
    return LR_ERR;
  }
  lr_field id = {LR_STR("id"), lr_value_string(ea, who->id)};
  lr_value_record(ea, &id, 1, &attrs, NULL);
  lr_entities_add(es, principal, attrs, NULL, 0, tags);
  const lr_uid *gateway = lr_uid_new(ea, LR_STR("AgentCore::Gateway"), call->gateway);
  add_entity(es, gateway, lr_value_empty_record(), NULL, 0);
  const lr_uid *action = lr_agentcore_add_action(es, call->target, call->tool);
  if (lr_entities_finish(es, NULL) != LR_OK) {
    lr_entities_release(es);
    *err = (lr_jfast_err){0, "", "cycle in the entity hierarchy"};
    return LR_ERR;
  }
  *req = (lr_request){
      .principal = principal, .action = action, .resource = gateway, .context = context};
  *es_out = es;
  return LR_OK;
}
