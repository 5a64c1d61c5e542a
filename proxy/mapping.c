/*
 * mapping.c — HTTP/MCP request → Cedar request (DESIGN §3; see mapping.h).
 */
#include "mapping.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "guard.h"
#include "openapi.h"
#include "rest.h"

/* Type::"id" straight into the arena when the id needs no escaping
 * (printable ASCII without " and \\), else through lr_uid_print. */
const char *lr_mapping_uid_text(lr_arena *a, const lr_uid *u) {
  bool plain = true;
  for (size_t i = 0; i < u->id.n && plain; i++) {
    unsigned char c = (unsigned char)u->id.p[i];
    plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  }
  if (plain) {
    char *s = lr_arena_alloc(a, u->type.n + u->id.n + 6);
    memcpy(s, u->type.p, u->type.n);
    memcpy(s + u->type.n, "::\"", 3);
    memcpy(s + u->type.n + 3, u->id.p, u->id.n);
    memcpy(s + u->type.n + 3 + u->id.n, "\"", 2);
    return s;
  }
  lr_buf b = {0};
  lr_uid_print(u, &b);
  const char *s = lr_arena_strndup(a, b.p ? b.p : "", b.len);
  lr_buf_free(&b);
  return s;
}

/* ---- context.time ------------------------------------------------------------ */

/* The UTC offset of the process time zone is looked up once per quarter
 * hour per thread (zone rules change offsets at most at quarter hours), so
 * the hot path does no localtime_r (which takes glibc's tz lock). */
static _Thread_local int64_t tz_bucket = INT64_MIN;
static _Thread_local long tz_offset_s;

static long utc_offset(int64_t secs) {
  int64_t bucket = secs / 900;
  if (bucket != tz_bucket) {
    time_t t = (time_t)secs;
    struct tm tm;
    localtime_r(&t, &tm);
    tz_offset_s = tm.tm_gmtoff;
    tz_bucket = bucket;
  }
  return tz_offset_s;
}

lr_value lr_mapping_time(lr_arena *a, int64_t wall_ms) {
  int64_t secs = wall_ms >= 0 ? wall_ms / 1000 : (wall_ms - 999) / 1000;
  int64_t local = secs + utc_offset(secs);
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t sod = local - days * 86400;
  /* 1970-01-01 was a Thursday (ISO weekday 4). */
  int64_t wd = ((days % 7) + 7 + 3) % 7 + 1;
  lr_field f[3] = {
      {LR_STR("now"), lr_value_datetime(wall_ms)},
      {LR_STR("hour"), lr_value_long(sod / 3600)},
      {LR_STR("weekday"), lr_value_long(wd)},
  };
  lr_value v;
  lr_value_record(a, f, 3, &v, NULL);
  return v;
}

/* ---- shared context fields ----------------------------------------------------- */

/* Headers never shown to policies: credentials (they would end up in
 * decision logs and error texts). */
static bool secret_header(lr_str name) {
  return lr_http_ieq(name, "authorization") || lr_http_ieq(name, "proxy-authorization") ||
         lr_http_ieq(name, "cookie") || lr_http_ieq(name, "x-api-key");
}

static lr_value headers_record(lr_arena *a, const lr_http_head *h) {
  lr_field *f = LR_NEW_N(a, lr_field, h->nheaders + 1);
  size_t n = 0;
  for (size_t i = 0; i < h->nheaders; i++) {
    lr_str name = h->headers[i].name, val = h->headers[i].value;
    if (secret_header(name)) continue;
    char *low = lr_arena_strndup(a, name.p, name.n);
    for (size_t k = 0; k < name.n; k++)
      if (low[k] >= 'A' && low[k] <= 'Z') low[k] = (char)(low[k] + 32);
    lr_str key = {low, name.n};
    size_t j = 0;
    while (j < n && !lr_str_eq(f[j].key, key)) j++;
    if (j < n) { /* a repeated header: values joined as RFC 9110 §5.3 allows */
      char *joined = lr_arena_sprintf(a, "%s, %.*s", f[j].value.u.s, (int)val.n, val.p);
      f[j].value = lr_value_string_borrow(lr_str_c(joined));
      continue;
    }
    f[n].key = key;
    f[n++].value = lr_value_string(a, val);
  }
  lr_value v = lr_value_empty_record();
  lr_value_record(a, f, n, &v, NULL);
  return v;
}

static lr_value pii_set(lr_arena *a, uint32_t found) {
  lr_value items[LR_PII__COUNT];
  size_t n = 0;
  for (int t = 0; t < LR_PII__COUNT; t++)
    if (found & LR_PII_BIT(t))
      items[n++] = lr_value_string_borrow(lr_str_c(lr_pii_type_name((lr_pii_type)t)));
  return n ? lr_value_set(a, items, n) : lr_value_empty_set();
}

void lr_mapping_common_init(const lr_mapping_env *env, lr_mapping_common *out) {
  lr_arena *a = env->a;
  lr_ipaddr ip;
  lr_value ipv = lr_ipaddr_parse(env->client_ip, &ip, NULL) == LR_OK
                     ? lr_value_ipaddr(a, &ip)
                     : lr_value_string(a, env->client_ip);
  lr_field client[2] = {{LR_STR("ip"), ipv}, {LR_STR("port"), lr_value_long(env->client_port)}};
  const lr_http_head *h = env->head;
  lr_field http[4] = {
      {LR_STR("method"), lr_value_string(a, h->method_name)},
      {LR_STR("path"), lr_value_string(a, env->path.p ? env->path : h->path)},
      {LR_STR("host"), lr_value_string(a, h->host)},
      {LR_STR("headers"), env->headers ? headers_record(a, h) : lr_value_empty_record()},
  };
  lr_value cv, hv;
  lr_value_record(a, client, 2, &cv, NULL);
  lr_value_record(a, http, 4, &hv, NULL);
  out->f[0] = (lr_field){LR_STR("client"), cv};
  out->f[1] = (lr_field){LR_STR("http"), hv};
  out->f[2] = (lr_field){LR_STR("pii"), pii_set(a, env->pii)};
  out->f[3] = (lr_field){LR_STR("session"), lr_value_string(a, env->session)};
  out->f[4] = (lr_field){LR_STR("time"), lr_mapping_time(a, env->wall_ms)};
}

/* ---- requests -------------------------------------------------------------------- */

static lr_status value_at(lr_arena *a, const lr_jfast_doc *d, int32_t t, const char *path,
                          lr_value *out, const char **why) {
  if (t < 0) {
    *out = lr_value_empty_record();
    return LR_OK;
  }
  lr_jfast_err err = {0};
  if (d->toks[t].kind == LR_JFAST_NULL) {
    *out = lr_value_empty_record();
    return LR_OK;
  }
  if (lr_jfast_value(a, d, (uint32_t)t, path, out, &err) != LR_OK) {
    *why = lr_arena_sprintf(a, "%s: %s", err.path && *err.path ? err.path : path, err.msg);
    return LR_ERR;
  }
  return LR_OK;
}

static lr_status finish(const lr_mapping_env *env, const lr_mapping_common *common, lr_value args,
                        const lr_field *mcp, lr_mapped *out) {
  lr_field f[7];
  memcpy(f, common->f, sizeof common->f);
  f[5] = (lr_field){LR_STR("args"), args};
  size_t n = 6;
  if (mcp) f[n++] = *mcp;
  return lr_value_record(env->a, f, n, &out->req.context, NULL);
}

/* A string member of params (e.g. "name", "uri"); {NULL, 0} if absent or
 * not a string. */
static lr_str param_string(lr_arena *a, const lr_jfast_doc *d, const lr_jfast_rpc *m,
                           const char *key) {
  if (m->params < 0) return (lr_str){NULL, 0};
  int32_t t = lr_jfast_get(d, (uint32_t)m->params, lr_str_c(key));
  if (t < 0 || d->toks[t].kind != LR_JFAST_STRING) return (lr_str){NULL, 0};
  return lr_jfast_string(a, d, (uint32_t)t);
}

lr_status lr_mapping_mcp(const lr_mapping_env *env, const lr_mapping_common *common,
                         const lr_jfast_doc *d, const lr_jfast_rpc *m, lr_mapped *out,
                         const char **why) {
  lr_arena *a = env->a;
  lr_str method = m->method_str;
  out->server = lr_uid_new(a, LR_STR("Server"), env->server);
  out->req.action = lr_uid_new(a, LR_STR("Action"), method);
  int32_t args_tok = m->params;
  const char *args_path = "params";
  if (lr_str_eq_c(method, "tools/call")) {
    lr_str name = param_string(a, d, m, "name");
    if (!name.p) {
      *why = "params.name: tools/call needs the tool name as a string";
      return LR_ERR;
    }
    out->req.resource = lr_uid_new(a, LR_STR("Tool"), name);
    args_tok = m->arguments, args_path = "params.arguments";
  } else if (lr_str_eq_c(method, "resources/read") || lr_str_eq_c(method, "resources/subscribe") ||
             lr_str_eq_c(method, "resources/unsubscribe")) {
    lr_str uri = param_string(a, d, m, "uri");
    if (!uri.p) {
      *why = "params.uri: a resource method needs the uri as a string";
      return LR_ERR;
    }
    out->req.resource = lr_uid_new(a, LR_STR("Resource"), uri);
  } else if (lr_str_eq_c(method, "prompts/get")) {
    lr_str name = param_string(a, d, m, "name");
    if (!name.p) {
      *why = "params.name: prompts/get needs the prompt name as a string";
      return LR_ERR;
    }
    out->req.resource = lr_uid_new(a, LR_STR("Prompt"), name);
  } else {
    out->req.resource = out->server;
  }
  lr_value args, id = {0};
  if (value_at(a, d, args_tok, args_path, &args, why) != LR_OK) return LR_ERR;
  lr_field mf[3];
  size_t nm = 0;
  mf[nm++] = (lr_field){LR_STR("method"), lr_value_string(a, method)};
  mf[nm++] = (lr_field){LR_STR("protocol"), lr_value_string(a, env->protocol)};
  if (m->id >= 0 && d->toks[m->id].kind != LR_JFAST_NULL &&
      lr_jfast_value(a, d, (uint32_t)m->id, "id", &id, NULL) == LR_OK)
    mf[nm++] = (lr_field){LR_STR("id"), id};
  lr_field mcp = {LR_STR("mcp"), {0}};
  lr_value_record(a, mf, nm, &mcp.value, NULL);
  return finish(env, common, args, &mcp, out);
}

/* The body's members, then query parameters whose names the body does not
 * use (a body that is not an object is args.body). */
static lr_status merge_args(lr_arena *a, const lr_jfast_doc *d, lr_value query, lr_value *out,
                            const char **why) {
  lr_value body = lr_value_empty_record();
  if (d && value_at(a, d, 0, "", &body, why) != LR_OK) return LR_ERR;
  if (body.kind != LR_V_RECORD) {
    lr_field f = {LR_STR("body"), body};
    lr_value_record(a, &f, 1, &body, NULL);
  }
  lr_field *f = LR_NEW_N(a, lr_field, body.n + query.n + 1);
  size_t n = 0;
  for (uint32_t i = 0; i < body.n; i++) f[n++] = body.u.fields[i];
  for (uint32_t i = 0; i < query.n; i++)
    if (!lr_value_record_get(body, query.u.fields[i].key)) f[n++] = query.u.fields[i];
  return lr_value_record(a, f, n, out, NULL);
}

lr_status lr_mapping_rest_target(lr_arena *a, const struct lr_openapi *api, lr_str method,
                                 lr_str target, const lr_jfast_doc *d, lr_rest_target *out,
                                 const char **why) {
  lr_rest_path rp;
  if (lr_rest_normalize(a, target, 0, &rp, why) != LR_OK) return LR_ERR;
  out->path = rp.path;
  out->forward = rp.forward;
  if (api) {
    lr_openapi_call call;
    bool matched = false;
    if (lr_openapi_match(a, api, method, &rp, d, 0, &call, &matched, why) != LR_OK) return LR_ERR;
    if (matched) {
      out->resource = lr_uid_new(a, LR_STR("Tool"), call.tool);
      out->args = call.args;
      return LR_OK;
    }
  }
  out->resource = lr_uid_new(a, LR_STR("Route"), rp.path);
  lr_value query = lr_value_empty_record();
  if (rp.has_query) {
    lr_rest_param *ps;
    size_t n;
    if (lr_rest_query_parse(a, rp.query, &ps, &n, why) != LR_OK ||
        lr_rest_query_record(a, ps, n, &query) != LR_OK)
      return LR_ERR;
  }
  return merge_args(a, d, query, &out->args, why);
}

lr_status lr_mapping_rest(const lr_mapping_env *env, const lr_mapping_common *common,
                          const lr_rest_target *t, lr_mapped *out) {
  lr_arena *a = env->a;
  out->server = lr_uid_new(a, LR_STR("Server"), env->server);
  out->req.action = lr_uid_new(a, LR_STR("Action"), env->head->method_name);
  out->req.resource = t->resource;
  return finish(env, common, t->args, NULL, out);
}

/* ---- entities ---------------------------------------------------------------------- */

lr_status lr_mapping_json(lr_arena *a, const json_t *j, lr_value *out) {
  switch (json_typeof(j)) {
  case JSON_STRING:
    *out = lr_value_string(a, (lr_str){json_string_value(j), json_string_length(j)});
    return LR_OK;
  case JSON_INTEGER: *out = lr_value_long(json_integer_value(j)); return LR_OK;
  case JSON_REAL: {
    double v = json_real_value(j);
    char buf[64];
    snprintf(buf, sizeof buf, "%.4f", v);
    int64_t scaled;
    if (!isfinite(v) || fabs(v) > 9e14 || strtod(buf, NULL) != v ||
        lr_decimal_parse(lr_str_c(buf), &scaled, NULL) != LR_OK)
      return LR_ERR;
    *out = lr_value_decimal(scaled);
    return LR_OK;
  }
  case JSON_TRUE: *out = lr_value_bool(true); return LR_OK;
  case JSON_FALSE: *out = lr_value_bool(false); return LR_OK;
  case JSON_ARRAY: {
    size_t n = json_array_size(j);
    lr_value *items = LR_NEW_N(a, lr_value, n + 1);
    for (size_t i = 0; i < n; i++)
      if (lr_mapping_json(a, json_array_get(j, i), &items[i]) != LR_OK) return LR_ERR;
    *out = lr_value_set(a, items, n);
    return LR_OK;
  }
  case JSON_OBJECT: {
    lr_field *f = LR_NEW_N(a, lr_field, json_object_size(j) + 1);
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v) {
      if (json_is_null(v)) continue;
      if (lr_mapping_json(a, v, &f[n].value) != LR_OK) return LR_ERR;
      f[n++].key = lr_str_dup(a, lr_str_c(key));
    }
    return lr_value_record(a, f, n, out, NULL);
  }
  case JSON_NULL: return LR_ERR;
  }
  return LR_ERR;
}

/* An object's members as a record, skipping members without a Cedar value. */
static lr_value json_record(lr_arena *a, const json_t *obj) {
  lr_value v = lr_value_empty_record();
  if (!json_is_object(obj)) return v;
  lr_field *f = LR_NEW_N(a, lr_field, json_object_size(obj) + 1);
  size_t n = 0;
  const char *key;
  json_t *m;
  json_object_foreach((json_t *)obj, key, m) {
    if (lr_mapping_json(a, m, &f[n].value) != LR_OK) continue;
    f[n++].key = lr_str_dup(a, lr_str_c(key));
  }
  lr_value_record(a, f, n, &v, NULL);
  return v;
}

const lr_uid *lr_mapping_principal(lr_arena *a, lr_entities *overlay, const lr_principal *p) {
  lr_arena *ea = lr_entities_arena(overlay);
  const lr_uid *uid = lr_uid_new(ea, p->uid.type, p->uid.id);
  /* An entity of the same uid in --entities keeps its attributes, tags and
   * parents; the credential's own come on top (they win for attributes and
   * tags, parents are the union). */
  const lr_entity *known = lr_entities_get(overlay, uid);
  const lr_uid *const *bp = NULL;
  size_t nb = known ? lr_entity_parents(known, &bp) : 0;
  const lr_uid **parents = LR_NEW_N(ea, const lr_uid *, nb + p->nparents + 1);
  for (size_t i = 0; i < nb; i++) parents[i] = bp[i];
  for (size_t i = 0; i < p->nparents; i++)
    parents[nb + i] = lr_uid_new(ea, p->parents[i].type, p->parents[i].id);
  lr_value attrs = p->attrs || !known ? json_record(ea, p->attrs) : lr_entity_attrs(known);
  lr_value tags = p->claims || !known ? json_record(ea, p->claims) : lr_entity_tags(known);
  lr_entities_add(overlay, uid, attrs, parents, nb + p->nparents, tags);
  (void)a;
  return uid;
}

void lr_mapping_resource(lr_entities *overlay, const lr_entities *base, const lr_mapped *m) {
  const lr_uid *res = m->req.resource;
  if (lr_uid_eq(res, m->server)) return; /* Server::"<route>" itself */
  for (size_t i = 0, n = lr_entities_count(overlay); i < n; i++)
    if (lr_uid_eq(lr_entity_uid(lr_entities_at(overlay, i)), res)) return;
  lr_arena *ea = lr_entities_arena(overlay);
  const lr_entity *known = lr_entities_get(base, res);
  const lr_uid *const *bp = NULL;
  size_t nb = known ? lr_entity_parents(known, &bp) : 0;
  const lr_uid **parents = LR_NEW_N(ea, const lr_uid *, nb + 1);
  for (size_t i = 0; i < nb; i++) parents[i] = bp[i];
  parents[nb] = lr_uid_new(ea, m->server->type, m->server->id);
  lr_entities_add(overlay, lr_uid_new(ea, res->type, res->id),
                  known ? lr_entity_attrs(known) : lr_value_empty_record(), parents, nb + 1,
                  known ? lr_entity_tags(known) : lr_value_empty_record());
}
