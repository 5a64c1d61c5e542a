/*
 * ast.c — AST helpers and the stable AST dump (an S-expression form used by
 * golden tests and by the fmt round-trip check).
 *
 * Dump format, one policy per top-level form:
 *   (policy "policy0"
 *     (annotation "id" "x")
 *     (effect permit)
 *     (principal (== (entity "User" "alice")))
 *     (action (in-set (entity "Action" "a") (entity "Action" "b")))
 *     (resource any)
 *     (when (&& (var principal) (bool true)))
 *     (with (record ("max" (long 5)))))
 * Strings are JSON string literals. Formatting-only details (index vs dot
 * attribute syntax, parentheses) are not part of the dump.
 */
#include <string.h>

#include "grammar.h"

const char *lr_var_name(lr_var v) {
  switch (v) {
  case LR_VAR_PRINCIPAL: return "principal";
  case LR_VAR_ACTION: return "action";
  case LR_VAR_RESOURCE: return "resource";
  case LR_VAR_CONTEXT: return "context";
  }
  return "?";
}

const char *lr_slot_name(lr_slot s) { return s == LR_SLOT_PRINCIPAL ? "?principal" : "?resource"; }

const char *lr_binop_name(lr_binop op) {
  static const char *const names[] = {
      [LR_OP_EQ] = "==", [LR_OP_NE] = "!=", [LR_OP_LT] = "<",   [LR_OP_LE] = "<=",
      [LR_OP_GT] = ">",  [LR_OP_GE] = ">=", [LR_OP_IN] = "in",  [LR_OP_ADD] = "+",
      [LR_OP_SUB] = "-", [LR_OP_MUL] = "*", [LR_OP_AND] = "&&", [LR_OP_OR] = "||",
  };
  return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

const lr_annotation *lr_policy_annotation(const lr_policy *p, const char *key) {
  for (size_t i = 0; i < p->nannotations; i++)
    if (lr_str_eq_c(p->annotations[i].key, key)) return &p->annotations[i];
  return NULL;
}

/* ---- dump ------------------------------------------------------------------- */

static void str(lr_buf *out, lr_str s) { lr_buf_json_str(out, s.p, s.n); }

static void span(lr_buf *out, unsigned flags, size_t off, size_t end) {
  if (flags & LR_DUMP_SPANS) lr_buf_printf(out, " @%zu..%zu", off, end);
}

static void dump_euid(lr_buf *out, unsigned flags, const lr_euid *u) {
  lr_buf_puts(out, "(entity ");
  str(out, u->type);
  lr_buf_putc(out, ' ');
  str(out, u->id);
  span(out, flags, u->off, u->end);
  lr_buf_putc(out, ')');
}

static void dump_args(lr_buf *out, unsigned flags, lr_expr *const *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    lr_buf_putc(out, ' ');
    lr_ast_dump_expr(v[i], flags, out);
  }
}

void lr_ast_dump_expr(const lr_expr *e, unsigned flags, lr_buf *out) {
  lr_buf_putc(out, '(');
  switch (e->kind) {
  case LR_EXPR_BOOL: lr_buf_puts(out, e->u.b ? "bool true" : "bool false"); break;
  case LR_EXPR_LONG: lr_buf_printf(out, "long %lld", (long long)e->u.n); break;
  case LR_EXPR_STRING:
    lr_buf_puts(out, "string ");
    str(out, e->u.s);
    break;
  case LR_EXPR_VAR: lr_buf_printf(out, "var %s", lr_var_name(e->u.var)); break;
  case LR_EXPR_SLOT: lr_buf_printf(out, "slot %s", lr_slot_name(e->u.slot)); break;
  case LR_EXPR_ENTITY:
    lr_buf_puts(out, "entity ");
    str(out, e->u.euid.type);
    lr_buf_putc(out, ' ');
    str(out, e->u.euid.id);
    break;
  case LR_EXPR_NOT:
  case LR_EXPR_NEG:
    lr_buf_puts(out, e->kind == LR_EXPR_NOT ? "! " : "neg ");
    lr_ast_dump_expr(e->u.unary.arg, flags, out);
    break;
  case LR_EXPR_BINARY:
    lr_buf_printf(out, "%s ", lr_binop_name(e->u.bin.op));
    lr_ast_dump_expr(e->u.bin.lhs, flags, out);
    lr_buf_putc(out, ' ');
    lr_ast_dump_expr(e->u.bin.rhs, flags, out);
    break;
  case LR_EXPR_IF:
    lr_buf_puts(out, "if ");
    lr_ast_dump_expr(e->u.ite.cond, flags, out);
    lr_buf_putc(out, ' ');
    lr_ast_dump_expr(e->u.ite.then_expr, flags, out);
    lr_buf_putc(out, ' ');
    lr_ast_dump_expr(e->u.ite.else_expr, flags, out);
    break;
  case LR_EXPR_HAS:
    lr_buf_puts(out, "has ");
    lr_ast_dump_expr(e->u.has.target, flags, out);
    for (size_t i = 0; i < e->u.has.nattrs; i++) {
      lr_buf_putc(out, ' ');
      str(out, e->u.has.attrs[i]);
    }
    break;
  case LR_EXPR_LIKE:
    lr_buf_puts(out, "like ");
    lr_ast_dump_expr(e->u.like.target, flags, out);
    lr_buf_puts(out, " (pattern");
    for (size_t i = 0; i < e->u.like.pattern.n; i++) {
      const lr_pattern_elem *el = &e->u.like.pattern.elems[i];
      lr_buf_putc(out, ' ');
      if (el->wildcard)
        lr_buf_putc(out, '*');
      else
        str(out, el->lit);
    }
    lr_buf_putc(out, ')');
    break;
  case LR_EXPR_IS:
    lr_buf_puts(out, "is ");
    lr_ast_dump_expr(e->u.is.target, flags, out);
    lr_buf_putc(out, ' ');
    str(out, e->u.is.type);
    if (e->u.is.in) {
      lr_buf_puts(out, " in ");
      lr_ast_dump_expr(e->u.is.in, flags, out);
    }
    break;
  case LR_EXPR_ATTR:
    lr_buf_puts(out, "attr ");
    lr_ast_dump_expr(e->u.attr.target, flags, out);
    lr_buf_putc(out, ' ');
    str(out, e->u.attr.name);
    break;
  case LR_EXPR_METHOD:
    lr_buf_printf(out, "method %s ", lr_method_name(e->u.method.method));
    lr_ast_dump_expr(e->u.method.target, flags, out);
    dump_args(out, flags, e->u.method.args, e->u.method.nargs);
    break;
  case LR_EXPR_CALL:
    lr_buf_printf(out, "call %s", lr_func_name(e->u.call.func));
    dump_args(out, flags, e->u.call.args, e->u.call.nargs);
    break;
  case LR_EXPR_SET:
    lr_buf_puts(out, "set");
    dump_args(out, flags, e->u.set.items, e->u.set.n);
    break;
  case LR_EXPR_RECORD:
    lr_buf_puts(out, "record");
    for (size_t i = 0; i < e->u.record.n; i++) {
      lr_buf_puts(out, " (");
      str(out, e->u.record.keys[i]);
      lr_buf_putc(out, ' ');
      lr_ast_dump_expr(e->u.record.values[i], flags, out);
      lr_buf_putc(out, ')');
    }
    break;
  }
  span(out, flags, e->off, e->end);
  lr_buf_putc(out, ')');
}

static void dump_scope(lr_buf *out, unsigned flags, const char *var, const lr_scope *s) {
  lr_buf_printf(out, "\n  (%s ", var);
  switch (s->op) {
  case LR_SCOPE_ANY: lr_buf_puts(out, "any"); break;
  case LR_SCOPE_EQ: lr_buf_puts(out, "(== "); break;
  case LR_SCOPE_IN: lr_buf_puts(out, "(in "); break;
  case LR_SCOPE_IS:
  case LR_SCOPE_IS_IN:
    lr_buf_puts(out, s->op == LR_SCOPE_IS ? "(is " : "(is-in ");
    str(out, s->type);
    if (s->op == LR_SCOPE_IS_IN) lr_buf_putc(out, ' ');
    break;
  }
  if (s->op == LR_SCOPE_EQ || s->op == LR_SCOPE_IN || s->op == LR_SCOPE_IS_IN) {
    if (s->is_slot)
      lr_buf_printf(out, "(slot %s)", lr_slot_name(s->slot));
    else
      dump_euid(out, flags, &s->entity);
  }
  if (s->op != LR_SCOPE_ANY) lr_buf_putc(out, ')');
  span(out, flags, s->off, s->end);
  lr_buf_putc(out, ')');
}

static void dump_policy(const lr_policy *p, unsigned flags, lr_buf *out) {
  static const char *const effects[] = {"permit", "forbid", "mask", "limit"};
  lr_buf_printf(out, "(policy \"%s\"", p->id);
  span(out, flags, p->off, p->end);
  for (size_t i = 0; i < p->nannotations; i++) {
    const lr_annotation *a = &p->annotations[i];
    lr_buf_puts(out, "\n  (annotation ");
    str(out, a->key);
    if (a->has_value) {
      lr_buf_putc(out, ' ');
      str(out, a->value);
    }
    span(out, flags, a->off, a->end);
    lr_buf_putc(out, ')');
  }
  lr_buf_printf(out, "\n  (effect %s)", effects[p->effect]);
  dump_scope(out, flags, "principal", &p->principal);
  static const char *const aops[] = {"any", "==", "in", "in-set"};
  lr_buf_printf(out, "\n  (action %s%s", p->action.op == LR_ACTION_ANY ? "" : "(",
                aops[p->action.op]);
  for (size_t i = 0; i < p->action.n; i++) {
    lr_buf_putc(out, ' ');
    dump_euid(out, flags, &p->action.entities[i]);
  }
  if (p->action.op != LR_ACTION_ANY) lr_buf_putc(out, ')');
  span(out, flags, p->action.off, p->action.end);
  lr_buf_putc(out, ')');
  dump_scope(out, flags, "resource", &p->resource);
  for (size_t i = 0; i < p->nconds; i++) {
    lr_buf_printf(out, "\n  (%s ", p->conds[i].is_when ? "when" : "unless");
    lr_ast_dump_expr(p->conds[i].expr, flags, out);
    span(out, flags, p->conds[i].off, p->conds[i].end);
    lr_buf_putc(out, ')');
  }
  if (p->with) {
    lr_buf_puts(out, "\n  (with ");
    lr_ast_dump_expr(p->with, flags, out);
    lr_buf_putc(out, ')');
  }
  if (p->is_template) lr_buf_puts(out, "\n  template");
  lr_buf_puts(out, ")\n");
}

void lr_ast_dump_policies(const lr_policy_list *list, unsigned flags, lr_buf *out) {
  for (size_t i = 0; i < list->n; i++) dump_policy(list->items[i], flags, out);
}
