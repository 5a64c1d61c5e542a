/*
 * compile_int.h — internals of the policy compiler shared by compile.c and
 * compile_run.c (the compiled set: scope index, request-time probing, the
 * authorizer loop; compile_index.h) and compile_expr.c (conditions lowered to a node tree with folded constants,
 * flattened into tests, evaluated by a fast path that never reports errors
 * itself).
 *
 * The contract that makes the compiled path exact: cn_eval (and cn_test,
 * cn_atoms) either returns the value the interpreter (eval.c) would return
 * for the same expression, request and store — or CN_BAIL, never anything
 * else. On CN_BAIL the whole
 * policy is decided again by the interpreter (lr_eval_policy_ctx), which is
 * pure, so errors, messages and spans are the interpreter's own.
 */
#ifndef LARCH_POLICY_COMPILE_INT_H
#define LARCH_POLICY_COMPILE_INT_H

#include "policy.h"
#include "policy_int.h"

typedef enum cn_kind {
  CN_CONST,  /* k */
  CN_VAR,    /* op: lr_var */
  CN_PATH,   /* a.names[0].names[1]...: attribute steps from a */
  CN_HAS,    /* a has names[0].names[1]... */
  CN_AND,    /* a && b */
  CN_OR,     /* a || b */
  CN_NOT,    /* !a */
  CN_IF,     /* if a then b else c */
  CN_EQ,     /* a == b (k when b is NULL: a constant) */
  CN_NE,     /* a != b */
  CN_CMP,    /* op: LR_OP_LT/LE/GT/GE; b NULL: k */
  CN_ARITH,  /* op: LR_OP_ADD/SUB/MUL; b NULL: k */
  CN_NEG,    /* -a */
  CN_IN,     /* a in b */
  CN_IS,     /* a is type [in b] */
  CN_LIKE,   /* a like pattern (like: the pattern's class) */
  CN_METHOD, /* op: lr_method; a target, args */
  CN_CALL,   /* op: lr_func; args */
  CN_SET,    /* args: elements */
  CN_RECORD, /* args: values, names: keys */
  CN_INTERP, /* src evaluated by the interpreter (lr_eval_expr) */
} cn_kind;

/* `like` patterns classified once at compile time. */
typedef enum cn_like {
  LIKE_GENERAL,  /* lr_like_match */
  LIKE_EXACT,    /* "lit" */
  LIKE_PREFIX,   /* "lit*" */
  LIKE_SUFFIX,   /* "*lit" */
  LIKE_INFIX,    /* "*lit*" */
  LIKE_ANYTHING, /* "*" */
} cn_like;

typedef struct lr_cnode lr_cnode;
struct lr_cnode {
  uint8_t kind;  /* cn_kind */
  uint8_t op;    /* see cn_kind */
  uint8_t like;  /* cn_like */
  uint32_t memo; /* CN_PATH from a variable: 1 + its slot in the per-request memo, or 0 */
  uint32_t nargs;
  const lr_expr *src; /* the AST node this came from */
  lr_value k;         /* CN_CONST; CN_EQ/NE with a constant right side */
  lr_cnode *a, *b, *c;
  lr_cnode **args;
  const lr_str *names; /* CN_PATH, CN_HAS, CN_RECORD keys; CN_IS: names[0] type */
  size_t nnames;
  lr_str lit; /* CN_LIKE: the literal of EXACT/PREFIX/SUFFIX/INFIX */
};

/* Cedar's `in` through a store entry's ancestors, for the hot path: uids
 * compared inline (lr_uid_eq_inline, policy_int.h), linear over short lists
 * (same answers as lr_entity_has_ancestor). */
static inline bool cn_has_ancestor(const lr_entity *e, const lr_uid *anc) {
  const lr_uid *const *v = (const lr_uid *const *)e->anc; /* the entry, read inline */
  size_t n = e->nanc;
  if (n > 8) return lr_entity_has_ancestor(e, anc);
  for (size_t i = 0; i < n; i++)
    if (lr_uid_eq_inline(v[i], anc)) return true;
  return false;
}
/* `u in anc` for u with store entry ent (or NULL). */
static inline bool cn_in(const lr_uid *u, const lr_entity *ent, const lr_uid *anc) {
  return lr_uid_eq_inline(u, anc) || (ent && cn_has_ancestor(ent, anc));
}

#define CN_OK 0
#define CN_BAIL (-1)

/* A policy's conditions, flattened: a list of tests run in order, each of
 * which must give `want` for the policy to hold. `when { a && b }` gives
 * the tests a, b (want true), `unless { a || b }` and `when { !(a || b) }`
 * the tests a, b (want false) — the order and short-circuits of the
 * interpreter, which stops at the first condition that decides. A test
 * compares a memoised operand (an attribute path or a constant-key tag of a
 * variable: `slot`) with a constant, or runs cn_test on a node. */
typedef enum cn_akind {
  A_NODE, /* cn_test(node) */
  A_CMP,  /* operand op k, k of an ordered kind (long, datetime, duration); op:
             the outcomes that hold, bit 0 less, 1 equal, 2 greater */
  A_EQ,   /* operand == k (`!=` is this test wanting the other value) */
  A_EQS,  /* A_EQ with a string k */
  A_LIKE, /* operand like lit (k: the literal; op: its class, not LIKE_GENERAL) */
  A_FAIL, /* a constant that is never `want` */
} cn_akind;

typedef struct cn_atom {
  uint8_t kind; /* cn_akind */
  uint8_t want; /* 1 or 0 */
  uint8_t op;   /* A_CMP: cmp_holds of its lr_binop; A_LIKE: cn_like */
  uint32_t slot; /* 1 + the operand's memo slot (not A_NODE) */
  union {
    lr_value k;          /* the constant */
    const lr_cnode *node; /* A_NODE */
  } u;
} cn_atom;

/* Request-time state of the fast path. */
typedef struct cn_run {
  lr_evalctx *x; /* the interpreter context: env (store, request, arena) and entity cache */
  /* Attribute paths from a variable (context.args.amount) are shared by
   * every policy of the set and evaluated once per request: npaths slots,
   * allocated in the request arena on first use. state: 0 not yet, 1 value
   * in memo, 2 bailed. */
  uint32_t npaths;
  lr_value *memo;
  uint8_t *state;
  lr_cnode *const *defs; /* per slot: a node that evaluates it (path or tag) */
} cn_run;

/* Compile-time state and counters. */
typedef struct cn_stats {
  size_t folded;
  size_t interp; /* CN_INTERP nodes made */
  lr_map paths;  /* path key (variable, then length-prefixed names) -> slot + 1 */
  uint32_t npaths;
  size_t memo_uses; /* path nodes that share a slot */
  lr_cnode **defs;  /* npaths: the first node of each slot (C heap) */
} cn_stats;

/* Most distinct variable paths memoised per set (beyond: evaluated each time). */
#define CN_MAX_PATHS 1024

/* Lowers expression e (allocating in a). Constant sub-expressions (no
 * variable and nothing that reads the entity store) are evaluated once
 * here; those that error stay unfolded so the error happens per request. */
lr_cnode *cn_compile(lr_arena *a, const lr_expr *e, cn_stats *st);

/* Flattens the n conditions of a policy (conds[i], a `when` when when[i])
 * into tests: returns their number, in *out (C heap, the caller frees). */
size_t cn_flatten(lr_cnode *const *conds, const bool *when, size_t n, cn_atom **out);

/* Runs tests t[0..n): 1 when every one gives its `want`, 0 at the first
 * that does not, CN_BAIL when one bails (the interpreter decides). */
int cn_atoms(cn_run *r, const cn_atom *t, size_t n);

/* The value of memo slot m - 1 (1 + slot as in cn_atom.slot), evaluated once
 * per request: CN_OK with *out, or CN_BAIL. */
int cn_slot(cn_run *r, uint32_t m, lr_value *out);

/* When memo slot definition n reads one attribute (`principal.dept`) or
 * one constant-key tag (`resource.getTag("tenant")`) of the principal's or
 * the resource's store entry, and nothing else: that variable's entity
 * cache slot (0 principal, 2 resource), with the name in *name and *tag set
 * for a tag; otherwise -1. Such a value depends on the entry alone. */
int cn_entity_field(const lr_cnode *n, lr_str *name, bool *tag);

/* Evaluates n: CN_OK with *out, or CN_BAIL (see the file comment). */
int cn_eval(cn_run *r, const lr_cnode *n, lr_value *out);

/* Evaluates n where a boolean is required: 1 or 0 when cn_eval gives that
 * boolean, CN_BAIL when it bails or gives anything else. Comparisons with
 * constants, `like`, `&&`/`||` chains (a loop, not a recursion on the
 * right) and constant-key tags are answered without building values. */
int cn_test(cn_run *r, const lr_cnode *n);

#endif /* LARCH_POLICY_COMPILE_INT_H */
