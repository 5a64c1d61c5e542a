/*
 * compile_json.c — Cedar JSON request objects on the hot path
 * (lr_request_from_json_fast): the zero-copy reader (json_fast.c: jsmn plus
 * full validation) instead of a jansson DOM, converted straight into the
 * request arena. Only the common shape is read here — uids as
 * {"type": T, "id": x}, a context of strings, integers, booleans, arrays,
 * objects and the escapes {"__entity": {"type", "id"}} and
 * {"__extn": {"fn": "ip"|"decimal"|"datetime"|"duration", "arg": "..."}};
 * anything else, and every error, is left to lr_request_from_json
 * (LR_AGAIN), which then gives the same request or the error message. So
 * the answers never depend on which reader ran.
 *
 * What the two readers agree on is checked by tests/policy/test_compile.c
 * (fast vs jansson on accepted, odd and invalid lines).
 */
#include <string.h>

#include "json_internal.h"
#include "policy.h"

typedef struct rd {
  lr_arena *a;
  const lr_jfast_doc *d;
} rd;

static lr_str tstr(rd *r, uint32_t t) { return lr_jfast_string(r->a, r->d, t); }

static bool is_string(const rd *r, int32_t t) {
  return t >= 0 && r->d->toks[t].kind == LR_JFAST_STRING;
}

/* Object token obj has exactly the two string members k1 and k2 (values
 * returned), nothing else. */
static bool exactly_two_strings(rd *r, uint32_t obj, const char *k1, const char *k2, lr_str *v1,
                                lr_str *v2) {
  const lr_jfast_tok *o = &r->d->toks[obj];
  if (o->kind != LR_JFAST_OBJECT || o->size != 2) return false;
  int32_t a = lr_jfast_get(r->d, obj, lr_str_c(k1)), b = lr_jfast_get(r->d, obj, lr_str_c(k2));
  if (!is_string(r, a) || !is_string(r, b)) return false;
  *v1 = tstr(r, (uint32_t)a);
  *v2 = tstr(r, (uint32_t)b);
  return true;
}

static lr_status uid_at(rd *r, uint32_t t, const lr_uid **out) {
  lr_str type, id;
  if (!exactly_two_strings(r, t, "type", "id", &type, &id) || !json_valid_type_name(type))
    return LR_AGAIN;
  *out = lr_uid_new(r->a, type, id);
  return LR_OK;
}

static lr_status value_at(rd *r, uint32_t t, unsigned depth, lr_value *out);

/* The escapes, when obj is exactly one of their common forms. */
static lr_status escape_at(rd *r, uint32_t obj, lr_str key, lr_value *out) {
  uint32_t body = obj + 2; /* the only member's value */
  lr_str a, b;
  if (lr_str_eq_c(key, "__entity")) {
    const lr_uid *u;
    if (uid_at(r, body, &u) != LR_OK) return LR_AGAIN;
    *out = lr_value_entity(u);
    return LR_OK;
  }
  if (!lr_str_eq_c(key, "__extn") || !exactly_two_strings(r, body, "fn", "arg", &a, &b))
    return LR_AGAIN;
  if (!lr_str_eq_c(a, "ip") && !lr_str_eq_c(a, "decimal") && !lr_str_eq_c(a, "datetime") &&
      !lr_str_eq_c(a, "duration"))
    return LR_AGAIN;
  const char *err;
  return lr_value_extn(r->a, a, b, out, &err) == LR_OK ? LR_OK : LR_AGAIN;
}

static lr_status object_at(rd *r, uint32_t t, unsigned depth, lr_value *out) {
  const lr_jfast_tok *o = &r->d->toks[t];
  lr_field *f = LR_NEW_N(r->a, lr_field, o->size ? o->size : 1);
  uint32_t k = t + 1;
  for (uint32_t i = 0; i < o->size; i++) {
    f[i].key = tstr(r, k);
    if (f[i].key.n >= 2 && f[i].key.p[0] == '_' && f[i].key.p[1] == '_')
      return o->size == 1 ? escape_at(r, t, f[i].key, out) : LR_AGAIN;
    if (value_at(r, k + 1, depth + 1, &f[i].value) != LR_OK) return LR_AGAIN;
    k = r->d->toks[k + 1].next;
  }
  return lr_value_record(r->a, f, o->size, out, NULL) == LR_OK ? LR_OK : LR_AGAIN;
}

static lr_status value_at(rd *r, uint32_t t, unsigned depth, lr_value *out) {
  const lr_jfast_tok *tok = &r->d->toks[t];
  if (depth > LR_JFAST_MAX_DEPTH) return LR_AGAIN;
  switch ((lr_jfast_kind)tok->kind) {
  case LR_JFAST_OBJECT: return object_at(r, t, depth, out);
  case LR_JFAST_ARRAY: {
    lr_value *items = LR_NEW_N(r->a, lr_value, tok->size ? tok->size : 1);
    uint32_t k = t + 1;
    for (uint32_t i = 0; i < tok->size; i++, k = r->d->toks[k].next)
      if (value_at(r, k, depth + 1, &items[i]) != LR_OK) return LR_AGAIN;
    *out = lr_value_set(r->a, items, tok->size);
    return LR_OK;
  }
  case LR_JFAST_NUMBER:
    if (tok->flags & (LR_JFAST_F_FRAC | LR_JFAST_F_EXP)) return LR_AGAIN; /* not Cedar values */
    /* fall through */
  case LR_JFAST_STRING:
  case LR_JFAST_TRUE:
  case LR_JFAST_FALSE:
    return lr_jfast_value(r->a, r->d, t, NULL, out, NULL) == LR_OK ? LR_OK : LR_AGAIN;
  case LR_JFAST_NULL: break; /* not a Cedar value */
  }
  return LR_AGAIN;
}

lr_status lr_request_from_json_fast(lr_arena *a, const char *text, size_t len, lr_request *out) {
  lr_jfast_doc doc;
  if (lr_jfast_parse(a, text, len, &doc, NULL) != LR_OK) return LR_AGAIN;
  rd r = {a, &doc};
  const lr_jfast_tok *top = &doc.toks[0];
  if (top->kind != LR_JFAST_OBJECT) return LR_AGAIN;
  static const char *const roles[3] = {"principal", "action", "resource"};
  const lr_uid *uids[3];
  size_t known = 0;
  for (int i = 0; i < 3; i++) {
    int32_t t = lr_jfast_get(&doc, 0, lr_str_c(roles[i]));
    if (t < 0 || uid_at(&r, (uint32_t)t, &uids[i]) != LR_OK) return LR_AGAIN;
    known++;
  }
  lr_value ctx = lr_value_empty_record();
  int32_t c = lr_jfast_get(&doc, 0, LR_STR("context"));
  if (c >= 0) {
    known++;
    if (doc.toks[c].kind != LR_JFAST_OBJECT || value_at(&r, (uint32_t)c, 1, &ctx) != LR_OK ||
        ctx.kind != LR_V_RECORD)
      return LR_AGAIN;
  }
  if (top->size != known) return LR_AGAIN; /* other members: the full reader decides */
  *out = (lr_request){uids[0], uids[1], uids[2], ctx};
  return LR_OK;
}
