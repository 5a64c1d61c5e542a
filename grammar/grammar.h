/*
 * grammar.h — larch's Cedar front end: the policy AST, the parser, the AST
 * dump and the canonical formatter. (The .cedarschema parser has its own
 * header, schema.h; both share the token layer in lexer.h.)
 *
 * The language is Cedar (docs.cedarpolicy.com/policies/syntax-grammar.html;
 * cedar-policy-core/src/parser/{grammar.lalrpop,cst_to_ast.rs}) with every
 * parse-time rejection Cedar makes, plus larch's two guardrail effects
 * `mask` and `limit`, which take a `with { ... }` record clause after their
 * conditions (DESIGN.md §2).
 *
 * Memory: every node, string and array of a parse lives in the caller's
 * arena and is valid until that arena is freed. Nodes are plain structs the
 * evaluator reads directly; treat them as immutable after parsing.
 * Strings (lr_str) are decoded (escapes applied), NUL-terminated for
 * convenience, and may contain NUL bytes: always use .n.
 * Spans: every node has off/end, a byte range [off, end) in the lr_source
 * it was parsed from.
 */
#ifndef LARCH_GRAMMAR_H
#define LARCH_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"

/* ---- expressions ---------------------------------------------------------- */

typedef enum lr_expr_kind {
  LR_EXPR_BOOL,   /* u.b */
  LR_EXPR_LONG,   /* u.n (negative literals such as -9223372036854775808 included) */
  LR_EXPR_STRING, /* u.s */
  LR_EXPR_VAR,    /* u.var */
  LR_EXPR_SLOT,   /* u.slot (only in scopes; a parsed condition never has one) */
  LR_EXPR_ENTITY, /* u.euid: Type::"id" */
  LR_EXPR_NOT,    /* u.unary.arg: !arg */
  LR_EXPR_NEG,    /* u.unary.arg: -arg (checked: -(i64 min) is an error) */
  LR_EXPR_BINARY, /* u.bin */
  LR_EXPR_IF,     /* u.ite */
  LR_EXPR_HAS,    /* u.has */
  LR_EXPR_LIKE,   /* u.like */
  LR_EXPR_IS,     /* u.is */
  LR_EXPR_ATTR,   /* u.attr: e.a or e["a"] */
  LR_EXPR_METHOD, /* u.method: e.m(args) */
  LR_EXPR_CALL,   /* u.call: f(args), an extension function */
  LR_EXPR_SET,    /* u.set */
  LR_EXPR_RECORD, /* u.record */
} lr_expr_kind;

typedef enum lr_var { LR_VAR_PRINCIPAL, LR_VAR_ACTION, LR_VAR_RESOURCE, LR_VAR_CONTEXT } lr_var;

typedef enum lr_slot { LR_SLOT_PRINCIPAL, LR_SLOT_RESOURCE } lr_slot;

/* Binary operators. AND and OR short-circuit (Cedar: `&&`, `||`); IN is
 * Cedar's hierarchy membership; ADD/SUB/MUL are checked 64-bit arithmetic.
 * Chains parse left-associatively: a + b - c is SUB(ADD(a, b), c). */
typedef enum lr_binop {
  LR_OP_EQ,
  LR_OP_NE,
  LR_OP_LT,
  LR_OP_LE,
  LR_OP_GT,
  LR_OP_GE,
  LR_OP_IN,
  LR_OP_ADD,
  LR_OP_SUB,
  LR_OP_MUL,
  LR_OP_AND,
  LR_OP_OR,
} lr_binop;

/* Methods callable as e.m(...). The first six are Cedar built-ins whose arity
 * is checked at parse time (contains/containsAll/containsAny/getTag/hasTag: 1,
 * isEmpty: 0); the others are extension methods, whose arity Cedar checks at
 * evaluation time (so the parser accepts any argument count for them). */
typedef enum lr_method {
  LR_METHOD_CONTAINS,
  LR_METHOD_CONTAINS_ALL,
  LR_METHOD_CONTAINS_ANY,
  LR_METHOD_IS_EMPTY,
  LR_METHOD_GET_TAG,
  LR_METHOD_HAS_TAG,
  /* decimal */
  LR_METHOD_LESS_THAN,
  LR_METHOD_LESS_THAN_OR_EQUAL,
  LR_METHOD_GREATER_THAN,
  LR_METHOD_GREATER_THAN_OR_EQUAL,
  /* ipaddr */
  LR_METHOD_IS_IPV4,
  LR_METHOD_IS_IPV6,
  LR_METHOD_IS_LOOPBACK,
  LR_METHOD_IS_MULTICAST,
  LR_METHOD_IS_IN_RANGE,
  /* datetime / duration */
  LR_METHOD_OFFSET,
  LR_METHOD_DURATION_SINCE,
  LR_METHOD_TO_DATE,
  LR_METHOD_TO_TIME,
  LR_METHOD_TO_MILLISECONDS,
  LR_METHOD_TO_SECONDS,
  LR_METHOD_TO_MINUTES,
  LR_METHOD_TO_HOURS,
  LR_METHOD_TO_DAYS,
  LR_METHOD__COUNT
} lr_method;

/* Extension functions callable as f(...); arity is an evaluation error. */
typedef enum lr_func {
  LR_FUNC_DECIMAL,
  LR_FUNC_IP,
  LR_FUNC_DATETIME,
  LR_FUNC_DURATION,
  LR_FUNC__COUNT
} lr_func;

/* Cedar spelling of a variable ("principal", ...), slot ("?principal"),
 * method ("containsAll", ...), function ("ip", ...), operator ("&&", "in"). */
const char *lr_var_name(lr_var v);
const char *lr_slot_name(lr_slot s);
const char *lr_binop_name(lr_binop op);
const char *lr_method_name(lr_method m);
const char *lr_func_name(lr_func f);

/* An entity uid: type path as one string ("A::B::User") and the decoded id. */
typedef struct lr_euid {
  lr_str type;
  lr_str id;
  size_t off, end;
} lr_euid;

/* A `like` pattern, pre-split: literal runs and `*` wildcards in order.
 * An escaped `\*` is part of a literal run. Two adjacent wildcards stay two
 * elements (same meaning as one). */
typedef struct lr_pattern_elem {
  bool wildcard;
  lr_str lit; /* when !wildcard: non-empty literal text */
} lr_pattern_elem;

typedef struct lr_pattern {
  lr_pattern_elem *elems;
  size_t n;
} lr_pattern;

typedef struct lr_expr lr_expr;

struct lr_expr {
  lr_expr_kind kind;
  uint32_t height; /* of this subtree: 1 for a leaf; at most LR_PARSE_MAX_DEPTH */
  size_t off, end;
  union {
    bool b;
    int64_t n;
    lr_str s;
    lr_var var;
    lr_slot slot;
    lr_euid euid;
    struct {
      lr_expr *arg;
    } unary;
    struct {
      lr_binop op;
      lr_expr *lhs, *rhs;
    } bin;
    struct {
      lr_expr *cond, *then_expr, *else_expr;
    } ite;
    /* `target has a.b.c` (nattrs = 3) means, as in Cedar (RFC 62):
     * target has a && target.a has b && target.a.b has c.
     * `target has "x y"` has nattrs = 1. */
    struct {
      lr_expr *target;
      lr_str *attrs;
      size_t nattrs;
    } has;
    struct {
      lr_expr *target;
      lr_pattern pattern;
    } like;
    /* `target is type` or, when in != NULL, `target is type in in`. */
    struct {
      lr_expr *target;
      lr_str type;
      lr_expr *in;
    } is;
    struct {
      lr_expr *target;
      lr_str name;
      bool index_form; /* written e["a"] (formatting only) */
    } attr;
    struct {
      lr_expr *target;
      lr_method method;
      lr_expr **args;
      size_t nargs;
    } method;
    struct {
      lr_func func;
      lr_expr **args;
      size_t nargs;
    } call;
    struct {
      lr_expr **items;
      size_t n;
    } set;
    /* Keys in source order, no duplicates. */
    struct {
      lr_str *keys;
      lr_expr **values;
      size_t n;
    } record;
  } u;
};

/* ---- policies ------------------------------------------------------------- */

typedef enum lr_effect {
  LR_EFFECT_PERMIT,
  LR_EFFECT_FORBID,
  LR_EFFECT_MASK,  /* larch guardrail: has a `with` record */
  LR_EFFECT_LIMIT, /* larch guardrail: has a `with` record */
} lr_effect;

typedef struct lr_annotation {
  lr_str key;
  lr_str value; /* "" when written without a value (@key) */
  bool has_value;
  size_t off, end;
} lr_annotation;

/* Principal / resource scope. */
typedef enum lr_scope_op {
  LR_SCOPE_ANY,   /* principal */
  LR_SCOPE_EQ,    /* principal == E */
  LR_SCOPE_IN,    /* principal in E */
  LR_SCOPE_IS,    /* principal is T */
  LR_SCOPE_IS_IN, /* principal is T in E */
} lr_scope_op;

typedef struct lr_scope {
  lr_scope_op op;
  lr_str type;     /* IS, IS_IN: the entity type */
  bool is_slot;    /* EQ, IN, IS_IN: E is a slot ... */
  lr_slot slot;    /* ... this one (?principal in the principal scope) */
  lr_euid entity;  /* ... or this entity when !is_slot */
  size_t off, end; /* the whole scope element; 0,0 never (always written) */
} lr_scope;

typedef enum lr_action_op {
  LR_ACTION_ANY,    /* action */
  LR_ACTION_EQ,     /* action == A (entities[0]) */
  LR_ACTION_IN,     /* action in A (entities[0]) */
  LR_ACTION_IN_SET, /* action in [A, B, ...] (n >= 0) */
} lr_action_op;

typedef struct lr_action_scope {
  lr_action_op op;
  lr_euid *entities; /* every type is Action or ends in ::Action */
  size_t n;
  size_t off, end;
} lr_action_scope;

typedef struct lr_condition {
  bool is_when; /* false: `unless`, the policy needs expr to be false */
  lr_expr *expr;
  size_t off, end;
} lr_condition;

typedef struct lr_policy {
  const char *id; /* "policy<N>" in text order */
  unsigned index; /* N */
  lr_effect effect;
  lr_annotation *annotations; /* source order, keys unique */
  size_t nannotations;
  lr_scope principal;
  lr_action_scope action;
  lr_scope resource;
  lr_condition *conds; /* source order; the policy applies when all hold */
  size_t nconds;
  lr_expr *with;    /* LR_EXPR_RECORD for mask/limit; NULL for permit/forbid */
  bool is_template; /* a slot appears in the principal or resource scope */
  size_t off, end;  /* first annotation (or effect) to the `;` */
} lr_policy;

/* A `//` comment of the source (span of the comment text, line break
 * excluded), kept so the formatter can reproduce comments. */
typedef struct lr_comment {
  size_t off, end;
} lr_comment;

typedef struct lr_policy_list {
  lr_policy **items; /* the policies that parsed without error */
  size_t n;
  unsigned next_id;     /* first_id + number of policies in the text (errors included) */
  const lr_source *src; /* the source parsed */
  lr_comment *comments; /* every comment, in source order */
  size_t ncomments;
} lr_policy_list;

/* Returns the annotation value for key, or NULL when absent. */
const lr_annotation *lr_policy_annotation(const lr_policy *p, const char *key);

/* ---- parsing -------------------------------------------------------------- */

/* Parser options (bit flags). */
enum {
  /* Strict Cedar: `mask`/`limit` are rejected like any unknown effect. */
  LR_PARSE_STRICT_CEDAR = 1u << 0,
};

/* Nesting deeper than this (parentheses, sets, records, if, call arguments)
 * and expression trees higher than this (long operator chains) are reported
 * as an error (E0301), never a stack overflow: code walking the AST
 * recursively may rely on this bound. */
#define LR_PARSE_MAX_DEPTH 500

/* At most this many errors are reported per file; then E0302 ends the parse
 * (a garbage file must not cost quadratic time in diagnostics). */
#define LR_PARSE_MAX_ERRORS 100

/* Parses a file of policies (src->text need not be NUL-terminated; the AST
 * does not point into it, but diagnostics keep src). Policies get ids policy<first_id>,
 * policy<first_id+1>, ... in text order, so several files can continue one
 * numbering (pass the previous out->next_id). Errors are collected in diags
 * (several per file: the parser resynchronises at `;`), each with a stable
 * code (see grammar/README.md), file:line:col and a caret span. Returns LR_OK
 * when the file had no error; LR_ERR otherwise, in which case out still
 * holds the policies that parsed cleanly (for tooling) but the set as a
 * whole must be refused. out is overwritten; its arrays live in a. */
lr_status lr_parse_policies(lr_arena *a, const lr_source *src, unsigned first_id, lr_diags *diags,
                            lr_policy_list *out);
/* Same with option flags (LR_PARSE_*). */
lr_status lr_parse_policies_opts(lr_arena *a, const lr_source *src, unsigned first_id,
                                 unsigned flags, lr_diags *diags, lr_policy_list *out);

/* Parses one standalone Cedar expression (the whole text; slots rejected).
 * On success *out is the expression; on LR_ERR *out is NULL. */
lr_status lr_parse_expr(lr_arena *a, const lr_source *src, lr_diags *diags, lr_expr **out);

/* ---- dump and format ------------------------------------------------------ */

enum {
  LR_DUMP_SPANS = 1u << 0, /* append @off..end to every node */
};

/* Appends a stable, line-oriented S-expression dump of the policies (one
 * policy per top-level form, two-space indentation). Strings are printed as
 * JSON string literals. Used by golden tests and the fmt round-trip check. */
void lr_ast_dump_policies(const lr_policy_list *list, unsigned flags, lr_buf *out);
void lr_ast_dump_expr(const lr_expr *e, unsigned flags, lr_buf *out);

/* Appends canonical Cedar text for the policies: annotations one per line,
 * `effect (` + scope + `)`, each condition on its own lines, `with` clause,
 * `;`, one blank line between policies. The source's `//` comments are kept
 * (those before or inside a policy go above it; one on the line of its `;`
 * stays there). Re-parsing the output yields the same AST (spans aside), and
 * formatting that again yields the same text. */
void lr_fmt_policies(const lr_policy_list *list, lr_buf *out);
/* Appends one expression in canonical Cedar syntax (single line). */
void lr_fmt_expr(const lr_expr *e, lr_buf *out);
/* Appends s as a Cedar string literal with the escapes needed to re-read it. */
void lr_fmt_string(lr_str s, lr_buf *out);

/* The folder's other public part: schemas (lr_schema_*). */
#include "schema.h"

#endif /* LARCH_GRAMMAR_H */
