/*
 * eval_ext.c — extension functions and methods for the evaluator: the
 * constructors decimal / ip / datetime / duration and the methods of
 * cedar-policy-core/src/extensions/{decimal,ipaddr,datetime}.rs, plus
 * lr_value_extn for the JSON `__extn` escape.
 *
 * As in Cedar, every argument is evaluated before the call; then the
 * argument count is checked, then each argument's type in order.
 */
#include "policy.h"
#include "policy_int.h"

typedef struct ext_sig {
  int nargs; /* including the receiver for methods */
  lr_vkind types[2];
} ext_sig;

static ext_sig method_sig(lr_method m) {
  switch (m) {
  case LR_METHOD_LESS_THAN:
  case LR_METHOD_LESS_THAN_OR_EQUAL:
  case LR_METHOD_GREATER_THAN:
  case LR_METHOD_GREATER_THAN_OR_EQUAL: return (ext_sig){2, {LR_V_DECIMAL, LR_V_DECIMAL}};
  case LR_METHOD_IS_IPV4:
  case LR_METHOD_IS_IPV6:
  case LR_METHOD_IS_LOOPBACK:
  case LR_METHOD_IS_MULTICAST: return (ext_sig){1, {LR_V_IPADDR}};
  case LR_METHOD_IS_IN_RANGE: return (ext_sig){2, {LR_V_IPADDR, LR_V_IPADDR}};
  case LR_METHOD_OFFSET: return (ext_sig){2, {LR_V_DATETIME, LR_V_DURATION}};
  case LR_METHOD_DURATION_SINCE: return (ext_sig){2, {LR_V_DATETIME, LR_V_DATETIME}};
  case LR_METHOD_TO_DATE:
  case LR_METHOD_TO_TIME: return (ext_sig){1, {LR_V_DATETIME}};
  default: return (ext_sig){1, {LR_V_DURATION}};
  }
}

static lr_status check_sig(lr_evalctx *x, const lr_expr *e, const char *name, ext_sig sig,
                           const lr_value *args, size_t n) {
  if (n != (size_t)sig.nargs)
    return lr_eval_fail(x, e, "wrong number of arguments to `%s`: expected %d, got %zu", name,
                        sig.nargs, n);
  for (size_t i = 0; i < n; i++)
    if (args[i].kind != sig.types[i]) {
      if (args[i].kind == LR_V_STRING)
        return lr_eval_fail(x, e,
                            "type error: expected %s, got string (maybe you forgot to apply the "
                            "`%s` constructor?)",
                            lr_vkind_name(sig.types[i]),
                            sig.types[i] == LR_V_IPADDR ? "ip" : lr_vkind_name(sig.types[i]));
      return lr_eval_type_error(x, e, lr_vkind_name(sig.types[i]), args[i]);
    }
  return LR_OK;
}

static lr_status overflow(lr_evalctx *x, const lr_expr *e, const char *name) {
  return lr_eval_fail(x, e, "overflow in `%s`", name);
}

lr_status lr_eval_ext_method(lr_evalctx *x, const lr_expr *e, lr_method m, const lr_value *args,
                             size_t n, lr_value *out) {
  const char *name = lr_method_name(m);
  if (check_sig(x, e, name, method_sig(m), args, n) != LR_OK) return LR_ERR;
  int64_t a = args[0].u.i, b = n > 1 ? args[1].u.i : 0, r;
  switch (m) {
  case LR_METHOD_LESS_THAN: *out = lr_value_bool(a < b); break;
  case LR_METHOD_LESS_THAN_OR_EQUAL: *out = lr_value_bool(a <= b); break;
  case LR_METHOD_GREATER_THAN: *out = lr_value_bool(a > b); break;
  case LR_METHOD_GREATER_THAN_OR_EQUAL: *out = lr_value_bool(a >= b); break;
  case LR_METHOD_IS_IPV4: *out = lr_value_bool(!args[0].u.ip->v6); break;
  case LR_METHOD_IS_IPV6: *out = lr_value_bool(args[0].u.ip->v6); break;
  case LR_METHOD_IS_LOOPBACK: *out = lr_value_bool(lr_ipaddr_is_loopback(args[0].u.ip)); break;
  case LR_METHOD_IS_MULTICAST: *out = lr_value_bool(lr_ipaddr_is_multicast(args[0].u.ip)); break;
  case LR_METHOD_IS_IN_RANGE:
    *out = lr_value_bool(lr_ipaddr_in_range(args[0].u.ip, args[1].u.ip));
    break;
  case LR_METHOD_OFFSET:
    if (__builtin_add_overflow(a, b, &r)) return overflow(x, e, name);
    *out = lr_value_datetime(r);
    break;
  case LR_METHOD_DURATION_SINCE:
    if (__builtin_sub_overflow(a, b, &r)) return overflow(x, e, name);
    *out = lr_value_duration(r);
    break;
  case LR_METHOD_TO_DATE:
    if (lr_datetime_to_date(a, &r) != LR_OK) return overflow(x, e, name);
    *out = lr_value_datetime(r);
    break;
  case LR_METHOD_TO_TIME: *out = lr_value_duration(lr_datetime_to_time(a)); break;
  /* Truncating divisions chained as Cedar does (to_days = to_hours / 24 ...). */
  case LR_METHOD_TO_MILLISECONDS: *out = lr_value_long(a); break;
  case LR_METHOD_TO_SECONDS: *out = lr_value_long(a / 1000); break;
  case LR_METHOD_TO_MINUTES: *out = lr_value_long(a / 1000 / 60); break;
  case LR_METHOD_TO_HOURS: *out = lr_value_long(a / 1000 / 60 / 60); break;
  case LR_METHOD_TO_DAYS: *out = lr_value_long(a / 1000 / 60 / 60 / 24); break;
  default: return lr_eval_fail(x, e, "`%s` is not an extension method", name);
  }
  return LR_OK;
}

/* Runs constructor f on string s. */
static lr_status construct(lr_arena *a, lr_func f, lr_str s, lr_value *out, const char **err) {
  int64_t i;
  lr_ipaddr ip;
  switch (f) {
  case LR_FUNC_DECIMAL:
    if (lr_decimal_parse(s, &i, err) != LR_OK) return LR_ERR;
    *out = lr_value_decimal(i);
    return LR_OK;
  case LR_FUNC_IP:
    if (lr_ipaddr_parse(s, &ip, err) != LR_OK) return LR_ERR;
    *out = lr_value_ipaddr(a, &ip);
    return LR_OK;
  case LR_FUNC_DATETIME:
    if (lr_datetime_parse(s, &i, err) != LR_OK) return LR_ERR;
    *out = lr_value_datetime(i);
    return LR_OK;
  case LR_FUNC_DURATION:
    if (lr_duration_parse(s, &i, err) != LR_OK) return LR_ERR;
    *out = lr_value_duration(i);
    return LR_OK;
  default: *err = "unknown extension function"; return LR_ERR;
  }
}

lr_status lr_eval_ext_call(lr_evalctx *x, const lr_expr *e, lr_func f, const lr_value *args,
                           size_t n, lr_value *out) {
  const char *name = lr_func_name(f);
  if (n != 1)
    return lr_eval_fail(x, e, "wrong number of arguments to `%s`: expected 1, got %zu", name, n);
  if (args[0].kind != LR_V_STRING) return lr_eval_type_error(x, e, "string", args[0]);
  const char *err = NULL;
  if (construct(x->env->arena, f, lr_str_make(args[0].u.s, args[0].n), out, &err) != LR_OK) {
    lr_buf b = {0};
    lr_print_cedar_string(lr_str_make(args[0].u.s, args[0].n), &b);
    lr_status st = lr_eval_fail(x, e, "error in `%s(%s)`: %s", name, b.p, err);
    lr_buf_free(&b);
    return st;
  }
  return LR_OK;
}

lr_status lr_value_extn(lr_arena *a, lr_str fn, lr_str arg, lr_value *out, const char **err) {
  static const struct {
    const char *name;
    lr_func f;
  } fns[] = {{"decimal", LR_FUNC_DECIMAL},
             {"ip", LR_FUNC_IP},
             {"datetime", LR_FUNC_DATETIME},
             {"duration", LR_FUNC_DURATION}};
  for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
    if (lr_str_eq_c(fn, fns[i].name)) {
      const char *e2 = NULL;
      if (construct(a, fns[i].f, arg, out, &e2) == LR_OK) return LR_OK;
      if (err) *err = e2;
      return LR_ERR;
    }
  if (err) *err = "unknown extension function";
  return LR_ERR;
}
