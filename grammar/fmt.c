/*
 * fmt.c — the canonical Cedar formatter (`larch fmt`).
 *
 * Output is a function of the AST alone (plus the source's comments), so
 * formatting is idempotent, and it re-parses to the same AST: parentheses are
 * inserted exactly where Cedar's grammar needs them (see prec() below), a
 * negative literal stays a literal (`-5`) while negating a non-negative one
 * is written `-(5)`, runs of `!` / `-` never exceed Cedar's limit of four,
 * attribute names that are not identifiers use the `["..."]` form, and
 * strings are re-escaped.
 *
 * Layout: annotations one per line; `effect (scope)` on one line when it
 * fits in 80 columns, else one scope element per line; each condition
 * `when { .. }` on its own line (a long top-level && / || chain is broken
 * one operand per line); `with { .. }` last; `;`; one blank line between
 * policies. Comments are kept: those before or inside a policy are printed
 * above it, one on the line of a policy's `;` stays there.
 */
#include <string.h>

#include "grammar.h"

/* Precedence levels, loosest first (Cedar: Expr, Or, And, Relation, Add,
 * Mult, Unary, Member). A subexpression printed where the grammar expects
 * level L is parenthesised when its own level is below L. */
enum { P_IF, P_OR, P_AND, P_REL, P_ADD, P_MUL, P_UNARY, P_MEMBER };

static int prec(const lr_expr *e) {
  switch (e->kind) {
  case LR_EXPR_IF: return P_IF;
  case LR_EXPR_BINARY:
    switch (e->u.bin.op) {
    case LR_OP_OR: return P_OR;
    case LR_OP_AND: return P_AND;
    case LR_OP_ADD:
    case LR_OP_SUB: return P_ADD;
    case LR_OP_MUL: return P_MUL;
    default: return P_REL;
    }
  case LR_EXPR_HAS:
  case LR_EXPR_LIKE:
  case LR_EXPR_IS: return P_REL;
  case LR_EXPR_NOT:
  case LR_EXPR_NEG: return P_UNARY;
  case LR_EXPR_LONG: return e->u.n < 0 ? P_UNARY : P_MEMBER;
  default: return P_MEMBER;
  }
}

/* True when s is a Cedar identifier usable as an attribute name (so `.s`
 * and `has s` re-read as s): [_a-zA-Z][_a-zA-Z0-9]*, not reserved. */
static bool plain_ident(lr_str s) {
  static const char *const reserved[] = {"true", "false", "if",  "then", "else",
                                         "in",   "is",    "has", "like", "__cedar"};
  if (!s.n ||
      !((s.p[0] >= 'a' && s.p[0] <= 'z') || (s.p[0] >= 'A' && s.p[0] <= 'Z') || s.p[0] == '_'))
    return false;
  for (size_t i = 1; i < s.n; i++) {
    char c = s.p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
    if (lr_str_eq_c(s, reserved[i])) return false;
  return true;
}

static bool needs_escape(unsigned char c, bool star) {
  return c < 0x20 || c == 0x7F || c == '"' || c == '\\' || (star && c == '*');
}

/* Appends the body of a string literal, escaping what must be escaped
 * (and `*` when star is set: a literal star inside a like pattern). */
static void string_body(lr_str s, bool star, lr_buf *out) {
  for (size_t i = 0; i < s.n; i++) {
    size_t run = i; /* bytes that need no escape go out in one piece */
    while (run < s.n && !needs_escape((unsigned char)s.p[run], star)) run++;
    lr_buf_append(out, s.p + i, run - i);
    if (run == s.n) break;
    i = run;
    unsigned char c = (unsigned char)s.p[i];
    switch (c) {
    case '"': lr_buf_puts(out, "\\\""); break;
    case '\\': lr_buf_puts(out, "\\\\"); break;
    case '\n': lr_buf_puts(out, "\\n"); break;
    case '\r': lr_buf_puts(out, "\\r"); break;
    case '\t': lr_buf_puts(out, "\\t"); break;
    case '\0': lr_buf_puts(out, "\\0"); break;
    case '*': lr_buf_puts(out, "\\*"); break; /* only with star */
    default: lr_buf_printf(out, "\\u{%x}", c);  /* other control bytes, DEL */
    }
  }
}

void lr_fmt_string(lr_str s, lr_buf *out) {
  lr_buf_putc(out, '"');
  string_body(s, false, out);
  lr_buf_putc(out, '"');
}

static void euid(const lr_euid *u, lr_buf *out) {
  lr_buf_append(out, u->type.p, u->type.n);
  lr_buf_puts(out, "::");
  lr_fmt_string(u->id, out);
}

static void expr(const lr_expr *e, int level, lr_buf *out);

static void args(lr_expr *const *v, size_t n, lr_buf *out) {
  for (size_t i = 0; i < n; i++) {
    if (i) lr_buf_puts(out, ", ");
    expr(v[i], P_IF, out);
  }
}

/* A unary operator run: run counts the operator characters already written
 * in this run (Cedar accepts at most four in a row). */
static void unary(const lr_expr *e, int run, lr_buf *out) {
  lr_buf_putc(out, e->kind == LR_EXPR_NOT ? '!' : '-');
  const lr_expr *a = e->u.unary.arg;
  if (a->kind == e->kind && run < 4) {
    unary(a, run + 1, out);
    return;
  }
  if (e->kind == LR_EXPR_NEG && a->kind == LR_EXPR_LONG) {
    /* `--5` is NEG(-5); NEG(5) must be written -(5) so 5 stays positive */
    if (a->u.n < 0 && run < 4)
      expr(a, P_UNARY, out);
    else {
      lr_buf_putc(out, '(');
      expr(a, P_IF, out);
      lr_buf_putc(out, ')');
    }
    return;
  }
  expr(a, P_MEMBER, out);
}

static void expr(const lr_expr *e, int level, lr_buf *out) {
  bool paren = prec(e) < level;
  if (paren) lr_buf_putc(out, '(');
  switch (e->kind) {
  case LR_EXPR_BOOL: lr_buf_puts(out, e->u.b ? "true" : "false"); break;
  case LR_EXPR_LONG: lr_buf_put_i64(out, e->u.n); break;
  case LR_EXPR_STRING: lr_fmt_string(e->u.s, out); break;
  case LR_EXPR_VAR: lr_buf_puts(out, lr_var_name(e->u.var)); break;
  case LR_EXPR_SLOT: lr_buf_puts(out, lr_slot_name(e->u.slot)); break;
  case LR_EXPR_ENTITY: euid(&e->u.euid, out); break;
  case LR_EXPR_NOT:
  case LR_EXPR_NEG: unary(e, 1, out); break;
  case LR_EXPR_BINARY: {
    int l = prec(e), lhs = l, rhs = l + 1;
    if (l == P_REL) lhs = rhs = P_ADD;
    expr(e->u.bin.lhs, lhs, out);
    lr_buf_printf(out, " %s ", lr_binop_name(e->u.bin.op));
    expr(e->u.bin.rhs, rhs, out);
    break;
  }
  case LR_EXPR_IF:
    lr_buf_puts(out, "if ");
    expr(e->u.ite.cond, P_IF, out);
    lr_buf_puts(out, " then ");
    expr(e->u.ite.then_expr, P_IF, out);
    lr_buf_puts(out, " else ");
    expr(e->u.ite.else_expr, P_IF, out);
    break;
  case LR_EXPR_HAS:
    expr(e->u.has.target, P_ADD, out);
    lr_buf_puts(out, " has ");
    if (e->u.has.nattrs == 1 && !plain_ident(e->u.has.attrs[0])) {
      lr_fmt_string(e->u.has.attrs[0], out);
    } else {
      for (size_t i = 0; i < e->u.has.nattrs; i++) {
        if (i) lr_buf_putc(out, '.');
        lr_buf_append(out, e->u.has.attrs[i].p, e->u.has.attrs[i].n);
      }
    }
    break;
  case LR_EXPR_LIKE:
    expr(e->u.like.target, P_ADD, out);
    lr_buf_puts(out, " like \"");
    for (size_t i = 0; i < e->u.like.pattern.n; i++) {
      const lr_pattern_elem *el = &e->u.like.pattern.elems[i];
      if (el->wildcard)
        lr_buf_putc(out, '*');
      else
        string_body(el->lit, true, out);
    }
    lr_buf_putc(out, '"');
    break;
  case LR_EXPR_IS:
    expr(e->u.is.target, P_ADD, out);
    lr_buf_puts(out, " is ");
    lr_buf_append(out, e->u.is.type.p, e->u.is.type.n);
    if (e->u.is.in) {
      lr_buf_puts(out, " in ");
      expr(e->u.is.in, P_ADD, out);
    }
    break;
  case LR_EXPR_ATTR:
    expr(e->u.attr.target, P_MEMBER, out);
    if (plain_ident(e->u.attr.name)) {
      lr_buf_putc(out, '.');
      lr_buf_append(out, e->u.attr.name.p, e->u.attr.name.n);
    } else {
      lr_buf_putc(out, '[');
      lr_fmt_string(e->u.attr.name, out);
      lr_buf_putc(out, ']');
    }
    break;
  case LR_EXPR_METHOD:
    expr(e->u.method.target, P_MEMBER, out);
    lr_buf_printf(out, ".%s(", lr_method_name(e->u.method.method));
    args(e->u.method.args, e->u.method.nargs, out);
    lr_buf_putc(out, ')');
    break;
  case LR_EXPR_CALL:
    lr_buf_printf(out, "%s(", lr_func_name(e->u.call.func));
    args(e->u.call.args, e->u.call.nargs, out);
    lr_buf_putc(out, ')');
    break;
  case LR_EXPR_SET:
    lr_buf_putc(out, '[');
    args(e->u.set.items, e->u.set.n, out);
    lr_buf_putc(out, ']');
    break;
  case LR_EXPR_RECORD:
    if (!e->u.record.n) {
      lr_buf_puts(out, "{}");
      break;
    }
    lr_buf_puts(out, "{ ");
    for (size_t i = 0; i < e->u.record.n; i++) {
      if (i) lr_buf_puts(out, ", ");
      lr_str k = e->u.record.keys[i];
      if (plain_ident(k))
        lr_buf_append(out, k.p, k.n);
      else
        lr_fmt_string(k, out);
      lr_buf_puts(out, ": ");
      expr(e->u.record.values[i], P_IF, out);
    }
    lr_buf_puts(out, " }");
    break;
  }
  if (paren) lr_buf_putc(out, ')');
}

void lr_fmt_expr(const lr_expr *e, lr_buf *out) { expr(e, P_IF, out); }

/* ---- policies --------------------------------------------------------------- */

static void scope(const char *var, const lr_scope *s, lr_buf *out) {
  lr_buf_puts(out, var);
  if (s->op == LR_SCOPE_IS || s->op == LR_SCOPE_IS_IN) {
    lr_buf_puts(out, " is ");
    lr_buf_append(out, s->type.p, s->type.n);
  }
  if (s->op == LR_SCOPE_ANY || s->op == LR_SCOPE_IS) return;
  lr_buf_puts(out, s->op == LR_SCOPE_EQ ? " == " : " in ");
  if (s->is_slot)
    lr_buf_puts(out, lr_slot_name(s->slot));
  else
    euid(&s->entity, out);
}

static void action_scope(const lr_action_scope *s, lr_buf *out) {
  lr_buf_puts(out, "action");
  switch (s->op) {
  case LR_ACTION_ANY: return;
  case LR_ACTION_EQ: lr_buf_puts(out, " == "); break;
  case LR_ACTION_IN: lr_buf_puts(out, " in "); break;
  case LR_ACTION_IN_SET: lr_buf_puts(out, " in ["); break;
  }
  for (size_t i = 0; i < s->n; i++) {
    if (i) lr_buf_puts(out, ", ");
    euid(&s->entities[i], out);
  }
  if (s->op == LR_ACTION_IN_SET) lr_buf_putc(out, ']');
}

/* Width of the text appended since mark, up to the last line break. */
static size_t line_width(const lr_buf *out, size_t mark) {
  size_t w = 0;
  for (size_t i = mark; i < out->len; i++) w = out->p[i] == '\n' ? 0 : w + 1;
  return w;
}

/* Collects the operands of a top-level chain of the same && / || operator
 * (left-deep) into v; returns the count (at most cap). */
static size_t chain(const lr_expr *e, lr_binop op, const lr_expr **v, size_t cap) {
  if (e->kind == LR_EXPR_BINARY && e->u.bin.op == op) {
    size_t n = chain(e->u.bin.lhs, op, v, cap);
    if (n < cap) v[n++] = e->u.bin.rhs;
    return n;
  }
  if (cap) v[0] = e;
  return 1;
}

static void condition(const lr_condition *c, lr_buf *out) {
  size_t mark = out->len;
  lr_buf_puts(out, c->is_when ? "when { " : "unless { ");
  lr_fmt_expr(c->expr, out);
  lr_buf_puts(out, " }");
  const lr_expr *e = c->expr;
  if (line_width(out, mark) <= 100 || e->kind != LR_EXPR_BINARY ||
      (e->u.bin.op != LR_OP_AND && e->u.bin.op != LR_OP_OR))
    return;
  /* too long: one operand of the top-level chain per line */
  lr_binop op = e->u.bin.op;
  const lr_expr *v[LR_PARSE_MAX_DEPTH + 1];
  size_t n = chain(e, op, v, LR_PARSE_MAX_DEPTH + 1);
  out->len = mark;
  lr_buf_puts(out, c->is_when ? "when {\n" : "unless {\n");
  int level = op == LR_OP_AND ? P_REL : P_AND;
  for (size_t i = 0; i < n; i++) {
    lr_buf_puts(out, "  ");
    expr(v[i], level, out);
    lr_buf_puts(out, i + 1 < n ? (op == LR_OP_AND ? " &&\n" : " ||\n") : "\n");
  }
  lr_buf_putc(out, '}');
}

static void policy(const lr_policy *p, lr_buf *out) {
  static const char *const effects[] = {"permit", "forbid", "mask", "limit"};
  for (size_t i = 0; i < p->nannotations; i++) {
    const lr_annotation *a = &p->annotations[i];
    lr_buf_putc(out, '@');
    lr_buf_append(out, a->key.p, a->key.n);
    if (a->has_value) {
      lr_buf_putc(out, '(');
      lr_fmt_string(a->value, out);
      lr_buf_putc(out, ')');
    }
    lr_buf_putc(out, '\n');
  }
  size_t mark = out->len;
  lr_buf_printf(out, "%s (", effects[p->effect]);
  scope("principal", &p->principal, out);
  lr_buf_puts(out, ", ");
  action_scope(&p->action, out);
  lr_buf_puts(out, ", ");
  scope("resource", &p->resource, out);
  lr_buf_putc(out, ')');
  if (line_width(out, mark) > 80) {
    out->len = mark;
    lr_buf_printf(out, "%s (\n  ", effects[p->effect]);
    scope("principal", &p->principal, out);
    lr_buf_puts(out, ",\n  ");
    action_scope(&p->action, out);
    lr_buf_puts(out, ",\n  ");
    scope("resource", &p->resource, out);
    lr_buf_puts(out, "\n)");
  }
  for (size_t i = 0; i < p->nconds; i++) {
    lr_buf_putc(out, '\n');
    condition(&p->conds[i], out);
  }
  if (p->with) {
    lr_buf_puts(out, "\nwith ");
    lr_fmt_expr(p->with, out);
  }
  lr_buf_putc(out, ';');
}

static void comment(const lr_source *src, const lr_comment *c, lr_buf *out) {
  size_t end = c->end;
  while (end > c->off && (src->text[end - 1] == ' ' || src->text[end - 1] == '\t')) end--;
  lr_buf_append(out, src->text + c->off, end - c->off);
}

/* True when no line break separates offsets a < b in the source. */
static bool same_line(const lr_source *src, size_t a, size_t b) {
  for (size_t i = a; i < b; i++)
    if (src->text[i] == '\n') return false;
  return true;
}

/* True when an empty line separates offsets a < b in the source. */
static bool blank_between(const lr_source *src, size_t a, size_t b) {
  int nl = 0;
  for (size_t i = a; i < b; i++)
    if (src->text[i] == '\n' && ++nl == 2) return true;
  return false;
}

void lr_fmt_policies(const lr_policy_list *list, lr_buf *out) {
  const lr_source *src = list->src;
  size_t ci = 0, nc = src ? list->ncomments : 0;
  size_t prev = 0; /* source offset where the last printed item ended */
  for (size_t i = 0; i < list->n; i++) {
    const lr_policy *p = list->items[i];
    if (i) lr_buf_putc(out, '\n');
    /* comments before and inside this policy go above it; blank lines
     * between comment paragraphs are kept */
    bool leading = false;
    for (; ci < nc && list->comments[ci].off < p->end; ci++) {
      leading = true;
      const lr_comment *c = &list->comments[ci];
      if (prev && c->off > prev && blank_between(src, prev, c->off) && out->len &&
          !(out->len >= 2 && out->p[out->len - 2] == '\n' && out->p[out->len - 1] == '\n'))
        lr_buf_putc(out, '\n');
      comment(src, c, out);
      lr_buf_putc(out, '\n');
      prev = c->end;
    }
    if (leading && p->off > prev && blank_between(src, prev, p->off)) lr_buf_putc(out, '\n');
    policy(p, out);
    if (ci < nc && same_line(src, p->end, list->comments[ci].off)) {
      lr_buf_putc(out, ' ');
      comment(src, &list->comments[ci++], out);
    }
    lr_buf_putc(out, '\n');
    prev = p->end;
  }
  if (ci < nc && list->n) lr_buf_putc(out, '\n');
  for (; ci < nc; ci++) {
    if (!list->n && ci && blank_between(src, list->comments[ci - 1].end, list->comments[ci].off))
      lr_buf_putc(out, '\n');
    comment(src, &list->comments[ci], out);
    lr_buf_putc(out, '\n');
  }
}
