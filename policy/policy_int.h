/*
 * policy_int.h — helpers shared inside policy/ (not part of the public API):
 * canonical text of extension values, Cedar string printing, and the
 * extension-method implementations the evaluator dispatches to.
 */
#ifndef LARCH_POLICY_INT_H
#define LARCH_POLICY_INT_H

#include "policy.h"

/* Appends s as a Cedar string literal (quotes and escapes). */
void lr_print_cedar_string(lr_str s, lr_buf *out);

/* Canonical argument text of each extension constructor: re-parsing it
 * gives the same value. */
void lr_decimal_format(int64_t scaled, lr_buf *out);     /* "-1.2300" */
void lr_ipaddr_format(const lr_ipaddr *ip, lr_buf *out); /* "10.0.0.0/8", "::1/128" */
/* Returns false (appending nothing) when ms lies outside years 0000-9999,
 * which no datetime string can express. */
bool lr_datetime_format(int64_t ms, lr_buf *out); /* "2024-01-02T03:04:05.006Z" */
void lr_duration_format(int64_t ms, lr_buf *out); /* "-1d2h3m4s5ms", "0ms" */

/* ipaddr predicates (cedar-policy-core/src/extensions/ipaddr.rs). */
bool lr_ipaddr_is_loopback(const lr_ipaddr *ip);
bool lr_ipaddr_is_multicast(const lr_ipaddr *ip);
bool lr_ipaddr_in_range(const lr_ipaddr *child, const lr_ipaddr *range);

/* datetime methods; LR_ERR on i64 overflow. */
lr_status lr_datetime_to_date(int64_t ms, int64_t *out);
int64_t lr_datetime_to_time(int64_t ms);

/* Cedar's `like`: s matches the pre-split pattern (bytewise, which equals
 * Cedar's character-wise match since literal runs are whole characters). */
bool lr_like_match(lr_str s, const lr_pattern *pat);

/* True when anc is a transitive ancestor of e (not e itself). */
bool lr_entity_has_ancestor(const lr_entity *e, const lr_uid *anc);

/* ---- evaluator internals shared by eval.c and eval_ext.c ---- */

typedef struct lr_evalctx {
  const lr_eval_env *env;
  lr_eval_error *err;
  unsigned depth; /* current recursion depth */
  /* The store entries of the request's principal, resource and action,
   * looked up once (ent_known) and shared by every policy of a request. */
  const lr_entity *ent[3];
  bool ent_known[3];
} lr_evalctx;

/* The store entry of u (or NULL); the request's own principal, resource and
 * action (compared by pointer) are looked up once per context. */
const lr_entity *lr_eval_entity(lr_evalctx *x, const lr_uid *u);

/* Evaluates the policy x->env->inst (see lr_eval_policy) with x's entity
 * cache, so lr_authorize looks the request's entities up once. */
lr_policy_result lr_eval_policy_ctx(lr_evalctx *x);

/* Records an error for expression e (message printf-style, in the arena). */
lr_status lr_eval_fail(lr_evalctx *x, const lr_expr *e, const char *fmt, ...) LR_PRINTF(3, 4);
/* Records a type error: expected `what`, got a value of v's kind. */
lr_status lr_eval_type_error(lr_evalctx *x, const lr_expr *e, const char *what, lr_value v);

/* Applies extension method m to the evaluated receiver args[0] and
 * arguments args[1..n-1]; e is the method call (for error spans). */
lr_status lr_eval_ext_method(lr_evalctx *x, const lr_expr *e, lr_method m, const lr_value *args,
                             size_t n, lr_value *out);
/* Applies extension function f (a constructor) to its evaluated args. */
lr_status lr_eval_ext_call(lr_evalctx *x, const lr_expr *e, lr_func f, const lr_value *args,
                           size_t n, lr_value *out);

#endif /* LARCH_POLICY_INT_H */
