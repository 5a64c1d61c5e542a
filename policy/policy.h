/*
 * policy.h — larch's Cedar semantics: values, the entity store, the
 * evaluator and the authorizer (plus, at the end, the Cedar JSON formats).
 *
 * Values are small (16-byte) immutable handles passed by value. Everything
 * they point to (string bytes, set elements, record fields, uids, IP
 * addresses) lives in an arena and is valid until that arena is freed.
 * Sets are kept sorted by lr_value_cmp and deduplicated; records are kept
 * sorted by key (bytewise) with unique keys. So Cedar's deep equality is a
 * linear walk, `contains` is a binary search, and two equal values always
 * have the same layout.
 *
 * Semantics follow cedar-policy-core (src/evaluator.rs, src/authorizer.rs,
 * src/extensions/{decimal,ipaddr,datetime}.rs) and the Cedar docs
 * (docs.cedarpolicy.com/policies/syntax-operators.html).
 */
#ifndef LARCH_POLICY_H
#define LARCH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "grammar.h"

/* ---- values --------------------------------------------------------------- */

/* The kinds in the order lr_value_cmp sorts them. */
typedef enum lr_vkind {
  LR_V_BOOL,
  LR_V_LONG,
  LR_V_STRING,
  LR_V_ENTITY,
  LR_V_SET,
  LR_V_RECORD,
  LR_V_DECIMAL,  /* u.i: the value times 10^4 */
  LR_V_IPADDR,   /* u.ip */
  LR_V_DATETIME, /* u.i: milliseconds since 1970-01-01T00:00:00Z */
  LR_V_DURATION, /* u.i: milliseconds */
} lr_vkind;

/* An entity uid: type path as one string ("A::B::User") and the id, both
 * NUL-terminated (the id may contain NUL bytes: use .n). */
typedef struct lr_uid {
  lr_str type;
  lr_str id;
} lr_uid;

/* An IP address or network. IPv4 uses addr[0..3]; prefix is the prefix
 * length (32 / 128 when none was written). The address is kept as written
 * (Cedar does not mask host bits: ip("10.0.0.1/8") != ip("10.0.0.0/8")). */
typedef struct lr_ipaddr {
  uint8_t addr[16];
  uint8_t prefix;
  bool v6;
} lr_ipaddr;

typedef struct lr_field lr_field;

typedef struct lr_value {
  uint8_t kind; /* lr_vkind */
  uint32_t n;   /* STRING: byte length; SET: elements; RECORD: fields */
  union {
    bool b;                       /* BOOL */
    int64_t i;                    /* LONG, DECIMAL, DATETIME, DURATION */
    const char *s;                /* STRING: NUL-terminated, may hold NULs */
    const struct lr_value *items; /* SET: sorted, deduplicated */
    const lr_field *fields;       /* RECORD: sorted by key, unique keys */
    const lr_uid *uid;            /* ENTITY */
    const lr_ipaddr *ip;          /* IPADDR */
  } u;
} lr_value;

struct lr_field {
  lr_str key;
  lr_value value;
};

/* Scalars (no allocation; inline for the evaluator's hot paths). */
static inline lr_value lr_value_bool(bool b) { return (lr_value){.kind = LR_V_BOOL, .u.b = b}; }
static inline lr_value lr_value_long(int64_t i) { return (lr_value){.kind = LR_V_LONG, .u.i = i}; }
/* value * 10^4 */
static inline lr_value lr_value_decimal(int64_t scaled) {
  return (lr_value){.kind = LR_V_DECIMAL, .u.i = scaled};
}
static inline lr_value lr_value_datetime(int64_t ms) {
  return (lr_value){.kind = LR_V_DATETIME, .u.i = ms};
}
static inline lr_value lr_value_duration(int64_t ms) {
  return (lr_value){.kind = LR_V_DURATION, .u.i = ms};
}
/* A string that borrows s (s must outlive the value and be NUL-terminated
 * at s.n, as lr_str_dup and the parser's strings are). */
static inline lr_value lr_value_string_borrow(lr_str s) {
  return (lr_value){.kind = LR_V_STRING, .n = (uint32_t)s.n, .u.s = s.p ? s.p : ""};
}
/* A string copied into a. */
lr_value lr_value_string(lr_arena *a, lr_str s);
/* A uid copied into a (type and id copied). */
const lr_uid *lr_uid_new(lr_arena *a, lr_str type, lr_str id);
/* An entity value borrowing uid. */
static inline lr_value lr_value_entity(const lr_uid *uid) {
  return (lr_value){.kind = LR_V_ENTITY, .u.uid = uid};
}
/* An IP value copied into a. */
lr_value lr_value_ipaddr(lr_arena *a, const lr_ipaddr *ip);
/* A set of n items: copies, sorts and deduplicates them (items may be any
 * values; items itself is not kept). */
lr_value lr_value_set(lr_arena *a, const lr_value *items, size_t n);
/* The empty set and empty record. */
static inline lr_value lr_value_empty_set(void) { return (lr_value){.kind = LR_V_SET}; }
static inline lr_value lr_value_empty_record(void) { return (lr_value){.kind = LR_V_RECORD}; }
/* A record of n fields: copies and sorts them by key. Keys are borrowed
 * (keep them alive as long as the value). Returns LR_ERR, leaving *out
 * untouched, when a key appears twice (*dup, if not NULL, gets that key). */
lr_status lr_value_record(lr_arena *a, const lr_field *fields, size_t n, lr_value *out,
                          lr_str *dup);

/* Cedar's `==`: deep, never fails; values of different kinds are unequal. */
bool lr_value_eq(lr_value a, lr_value b);
/* A total order (kind first, then contents) used for canonical set order.
 * Not Cedar's `<` (which lr_eval implements with its type rules). */
int lr_value_cmp(lr_value a, lr_value b);
bool lr_uid_eq(const lr_uid *a, const lr_uid *b);
int lr_uid_cmp(const lr_uid *a, const lr_uid *b);
/* The hash the entity store finds uids by (not seeded: tables compare the
 * uids on a hash match). */
uint64_t lr_uid_hash(const lr_uid *u);

/* Set membership (binary search); set must be a SET. */
bool lr_value_set_contains(lr_value set, lr_value v);
/* Record lookup: returns a pointer to the field's value, or NULL. */
const lr_value *lr_value_record_get(lr_value rec, lr_str key);

/* Cedar's name of a kind for messages: "bool", "long", "string", "entity",
 * "set", "record", "decimal", "ipaddr", "datetime", "duration". */
const char *lr_vkind_name(lr_vkind k);

/* Appends v in Cedar syntax: true, -3, "a\"b", User::"x", [1, 2],
 * {"a": 1}, decimal("1.2300"), ip("10.0.0.0/8"),
 * datetime("2024-01-01T00:00:00.000Z"), duration("1d2h3m4s5ms").
 * Extension values print as constructor calls that re-read to equal values. */
void lr_value_print(lr_value v, lr_buf *out);
/* Appends a uid as Type::"id". */
void lr_uid_print(const lr_uid *u, lr_buf *out);

/* ---- extension types (cedar-policy-core/src/extensions/) ------------------- */

/* Each parser accepts exactly the strings Cedar's constructor accepts and
 * returns LR_ERR otherwise, with *err (if not NULL) set to a static message. */

/* decimal: -?digits.digits with 1..4 fraction digits, value in
 * [-922337203685477.5808, 922337203685477.5807]. */
lr_status lr_decimal_parse(lr_str s, int64_t *scaled, const char **err);
/* ip: dotted-quad IPv4 (no leading zeros in octets) or IPv6 (hex groups,
 * one `::`; IPv4-embedded forms such as ::ffff:1.2.3.4 are rejected, as
 * Cedar does), optionally followed by /prefix (decimal digits, no leading
 * zero, <= 32 for IPv4, <= 128 for IPv6); at most 43 bytes in all. */
lr_status lr_ipaddr_parse(lr_str s, lr_ipaddr *out, const char **err);
/* The canonical text of ip ("10.0.0.0/8", "::1/128": RFC 5952, always with
 * the prefix), NUL-terminated into out (LR_IPADDR_TEXT_MAX bytes); returns
 * its length. */
#define LR_IPADDR_TEXT_MAX 48
size_t lr_ipaddr_text(const lr_ipaddr *ip, char *out);
/* datetime: "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ssZ", "YYYY-MM-DDThh:mm:ss.SSSZ",
 * "YYYY-MM-DDThh:mm:ss(+|-)hhmm", "YYYY-MM-DDThh:mm:ss.SSS(+|-)hhmm". */
lr_status lr_datetime_parse(lr_str s, int64_t *ms, const char **err);
/* duration: optional '-', then units in the order d h m s ms, each at most
 * once, at least one (e.g. "1d2h3m4s5ms", "-10ms"). */
lr_status lr_duration_parse(lr_str s, int64_t *ms, const char **err);

/* Calls the extension constructor named fn ("decimal", "ip", "datetime",
 * "duration") on arg, as Cedar's JSON `__extn` escape does. Returns LR_ERR
 * with *err set (static string) for an unknown fn or an invalid argument. */
lr_status lr_value_extn(lr_arena *a, lr_str fn, lr_str arg, lr_value *out, const char **err);

/* ---- entity store ---------------------------------------------------------- */

/* A set of entities, each with a uid, an attribute record, parent uids and a
 * tag record. Build with lr_entities_add, then lr_entities_finish computes
 * the transitive closure of the parent relation once, so `in` is a lookup.
 * After finish the store is immutable and may be shared between threads
 * (reference counted). Values passed to add must live at least as long as
 * the store: allocate them in lr_entities_arena(es). */
typedef struct lr_entities lr_entities;
typedef struct lr_entity lr_entity;

/* A new empty store with its own arena; refcount 1. */
lr_entities *lr_entities_new(void);
/* A new empty store layered over base (finished; retained until this store
 * is freed), refcount 1: for per-request entities (the caller's principal
 * with its tags and groups) over a shared store. Lookups see this store's
 * entities first, then base's, so an entity added here shadows base's entity
 * with the same uid. Ancestors of the entities added here are closed through
 * both stores; base's entities keep their own ancestors (a base entity
 * listing an overlay uid as parent has that uid, but not its ancestors).
 * lr_entities_count and lr_entities_at cover this store's entities only. */
lr_entities *lr_entities_new_overlay(lr_entities *base);
/* The store's arena, for the values given to lr_entities_add. */
lr_arena *lr_entities_arena(lr_entities *es);
/* Adds an entity. attrs and tags must be RECORDs. parents may repeat and
 * need not exist in the store. Returns LR_ERR (nothing added) when uid is
 * already present or the store is finished. */
lr_status lr_entities_add(lr_entities *es, const lr_uid *uid, lr_value attrs,
                          const lr_uid *const *parents, size_t nparents, lr_value tags);
/* Computes ancestors (transitively, through entities of the store; a parent
 * not in the store is an ancestor with no ancestors of its own). As Cedar
 * (compute_tc with enforce_dag), a cycle in the hierarchy is an error:
 * returns LR_ERR and sets *cycle (if not NULL) to an entity on a cycle.
 * Calling it again returns the first answer. After this the store is
 * read-only. */
lr_status lr_entities_finish(lr_entities *es, const lr_uid **cycle);
/* Reference counting (atomic). lr_entities_release frees at zero. */
lr_entities *lr_entities_retain(lr_entities *es);
void lr_entities_release(lr_entities *es);
/* Number of entities. */
size_t lr_entities_count(const lr_entities *es);
/* The entity with this uid, or NULL. es may be NULL (an empty store). */
const lr_entity *lr_entities_get(const lr_entities *es, const lr_uid *uid);
/* The i-th entity in insertion order (i < count). */
const lr_entity *lr_entities_at(const lr_entities *es, size_t i);
const lr_uid *lr_entity_uid(const lr_entity *e);
lr_value lr_entity_attrs(const lr_entity *e);
lr_value lr_entity_tags(const lr_entity *e);
/* Direct parents as given (deduplicated). */
size_t lr_entity_parents(const lr_entity *e, const lr_uid *const **out);
/* Transitive ancestors (after finish), sorted by lr_uid_cmp. */
size_t lr_entity_ancestors(const lr_entity *e, const lr_uid *const **out);
/* Cedar's `child in anc` for entities: true when they are equal or anc is
 * an ancestor of child in es (finished). A child missing from es has no
 * ancestors. es may be NULL. */
bool lr_entities_in(const lr_entities *es, const lr_uid *child, const lr_uid *anc);

/* ---- requests, policy instances, evaluation --------------------------------- */

/* A request. context must be a RECORD. Borrowed for the evaluation. */
typedef struct lr_request {
  const lr_uid *principal;
  const lr_uid *action;
  const lr_uid *resource;
  lr_value context;
} lr_request;

/* A policy as the authorizer sees it: a parsed policy (static, or a
 * template) with its id and, for a template link, the slot values.
 * Static policies: id = ast->id, slots NULL. Links: id = the link's newId,
 * slot_principal / slot_resource set for the slots the template uses. */
typedef struct lr_policy_inst {
  const char *id;
  const lr_policy *ast;
  const lr_uid *slot_principal;
  const lr_uid *slot_resource;
} lr_policy_inst;

/* Fills one instance per non-template policy of list (templates skipped),
 * in list order, into a new arena array; returns the count. */
size_t lr_policy_insts_static(lr_arena *a, const lr_policy_list *list, lr_policy_inst **out);

/* An evaluation error: a message (arena-allocated) and the span of the
 * expression that failed in the policy source. */
typedef struct lr_eval_error {
  const char *msg;
  size_t off, end;
} lr_eval_error;

/* What an expression is evaluated against. entities may be NULL (empty
 * store); inst may be NULL (no slots). Values created during evaluation
 * are allocated in arena. */
typedef struct lr_eval_env {
  const lr_entities *entities;
  const lr_request *req;
  const lr_policy_inst *inst;
  lr_arena *arena;
} lr_eval_env;

/* Evaluates e with Cedar's semantics (left to right, short-circuit, first
 * error wins). LR_OK with *out set, or LR_ERR with *err set. */
lr_status lr_eval_expr(const lr_eval_env *env, const lr_expr *e, lr_value *out, lr_eval_error *err);

typedef enum lr_policy_result {
  LR_POLICY_NOT_SATISFIED,
  LR_POLICY_SATISFIED,
  LR_POLICY_ERROR,
} lr_policy_result;

/* Evaluates the scope and every condition of env->inst (which must be set):
 * satisfied when all hold. A condition that errors or is not a bool gives
 * LR_POLICY_ERROR with *err set. The effect is not considered. */
lr_policy_result lr_eval_policy(const lr_eval_env *env, lr_eval_error *err);

/* ---- authorizer ------------------------------------------------------------- */

typedef struct lr_auth_error {
  const char *policy_id;
  const char *message;
} lr_auth_error;

typedef struct lr_decision {
  bool allow;
  /* Determining policies, in policy order: the satisfied forbids when one
   * is satisfied, else the satisfied permits (empty on default deny). */
  const char **reasons;
  size_t nreasons;
  /* Every policy whose evaluation errored (skipped), in policy order. */
  lr_auth_error *errors;
  size_t nerrors;
  /* larch guardrails, which take no part in the decision: the mask/limit
   * policies whose scope and conditions hold (their `with` records are not
   * evaluated here: use lr_eval_expr), and those whose conditions errored. */
  const lr_policy_inst **guards;
  size_t nguards;
  lr_auth_error *guard_errors;
  size_t nguard_errors;
} lr_decision;

/* Cedar's authorizer, total: allow iff some permit is satisfied and no
 * forbid is. mask/limit policies do not affect allow/reasons/errors; they
 * are reported in guards / guard_errors. Arrays and messages are allocated
 * in a. */
void lr_authorize(lr_arena *a, const lr_policy_inst *pols, size_t npols, const lr_entities *es,
                  const lr_request *req, lr_decision *out);

/* ---- Cedar JSON formats (owned by cedarjson) ---- */

/* Cedar's JSON formats (docs.cedarpolicy.com "Entities & context syntax",
 * cedar-policy-core/src/entities/json/): values, entities, context,
 * requests and template links, each with and without a schema. Errors go to
 * an lr_diags list and always say where: "<file>: <path>: <message>", e.g.
 *   entities.json: [3].attrs.age: expected a long, got a string
 * (code J001 bad JSON, J002 wrong shape or type, J003 invalid value,
 * J004 not conforming to the schema, J005 duplicate id). file is the name
 * used in messages (any string; NULL for none). */

typedef struct lr_schema lr_schema;
typedef struct lr_stype lr_stype;
typedef struct json_t json_t;

/* Parses JSON text for the functions below: duplicate keys rejected, NUL
 * allowed in strings and keys (keys holding U+10FFFF read back as NUL), any
 * value at the top. On failure adds "<file>:<line>:<col>: invalid JSON: ..."
 * and returns NULL. Caller owns the result (json_decref). */
json_t *lr_json_parse(const char *text, size_t len, const char *file, lr_diags *d);

/* One JSON value (jansson) in Cedar's JSON value format → *out, allocated in
 * a. expected is the schema type (schema-based parsing: implicit `__entity`
 * and `__extn`, typed records and sets, type checked) or NULL; schema (may
 * be NULL) is the schema expected comes from, for enumerated entity ids.
 * path is the location of j for messages ("" or NULL at the top). */
lr_status lr_json_value(lr_arena *a, const json_t *j, const lr_stype *expected,
                        const lr_schema *schema, const char *file, const char *path, lr_diags *d,
                        lr_value *out);

/* An entity uid given as {"type": "T", "id": "x"}, {"__entity": {...}} or,
 * when allow_text, the Cedar string `T::"x"`. *out lives in a. */
lr_status lr_json_uid(lr_arena *a, const json_t *j, bool allow_text, const char *file,
                      const char *path, lr_diags *d, const lr_uid **out);

/* Parses Cedar uid syntax `NS::Type::"id"` (escapes decoded). On LR_ERR
 * *err is a message allocated in a. */
lr_status lr_cedar_uid_parse(lr_arena *a, lr_str text, const lr_uid **out, const char **err);

/* Parses an entities document (a JSON array of {"uid", "attrs", "parents",
 * "tags"}; "attrs" and "parents" required, as Cedar requires them) into a
 * new, finished store (caller releases). A uid listed twice is refused
 * unless both entries are identical (Cedar accepts that). With a schema: attributes and tags are parsed with their declared
 * types and checked (required, undeclared, entity types, enum ids), parent
 * types must be declared, action entities must match the schema (groups
 * compared transitively closed), and every action of the schema is added
 * with its groups. A hierarchy cycle is refused. NULL on any error. */
lr_entities *lr_entities_from_json(const char *text, size_t len, const char *file,
                                   const lr_schema *schema, lr_diags *d);
/* Same from an already parsed document. */
lr_entities *lr_entities_from_json_value(const json_t *doc, const char *file,
                                         const lr_schema *schema, lr_diags *d);

/* A context record from JSON (an object; NULL means {}). With a schema the
 * action must be declared and the context is parsed with, and must conform
 * to, its declared context type. */
lr_status lr_context_from_json(lr_arena *a, const json_t *j, const lr_schema *schema,
                               const lr_uid *action, const char *file, lr_diags *d,
                               lr_value *out);

/* Checks a request against a schema the way Cedar's Request::new does: the
 * action is declared, the principal and resource types are declared (enum
 * ids valid) and allowed by the action's appliesTo. (The context is checked
 * when lr_context_from_json parses it with the schema.) */
lr_status lr_request_validate(const lr_schema *schema, const lr_request *req, const char *file,
                              lr_diags *d);

/* A request object {"principal": uid, "action": uid, "resource": uid,
 * "context": {...}} (uids in any lr_json_uid form, text allowed; context
 * optional). With a schema the request is validated and the context parsed
 * with it. Everything lives in a. */
lr_status lr_request_from_json(lr_arena *a, const json_t *j, const lr_schema *schema,
                               const char *file, lr_diags *d, lr_request *out);

/* A policy set ready for lr_authorize: every parsed policy (static ones and
 * templates, in id order) and the instances the authorizer evaluates (the
 * static policies, then the template links). Lives in the arena given to
 * the loader. */
typedef struct lr_policy_set {
  const lr_policy **policies;
  size_t npolicies;
  lr_policy_inst *insts;
  size_t ninsts;
  unsigned next_id; /* for loading more files into the same numbering */
  const lr_source *last_src; /* the source most recently added (for positions) */
  /* internal: capacity of insts and the index of every id in use */
  size_t insts_cap;
  lr_map *ids;
} lr_policy_set;

/* Adds the policies of the file at path to set (which may be zeroed; ids
 * continue set->next_id, so files loaded one after the other share one
 * numbering). flags are LR_PARSE_* options. Sources and ASTs live in a.
 * LR_ERR (parser diagnostics, or an unreadable file) leaves set unusable. */
lr_status lr_policy_set_add_file(lr_arena *a, lr_policy_set *set, const char *path,
                                 unsigned flags, lr_diags *d);
/* Adds the policies of one source text to set (which may be zeroed). */
lr_status lr_policy_set_add_source(lr_arena *a, lr_policy_set *set, const lr_source *src,
                                   unsigned flags, lr_diags *d);
/* Links templates: text is a JSON array of {"templateId": id, "newId": id,
 * "values": {"?principal": uid, "?resource": uid}} (uids in any lr_json_uid
 * form). Each link must name a template of set, give exactly the slots the
 * template uses, and take a new id used by no policy or link; the linked
 * policy is then decided and reported under its newId. */
lr_status lr_policy_set_link_json(lr_arena *a, lr_policy_set *set, const char *text, size_t len,
                                  const char *file, lr_diags *d);
/* One link (the same checks); uids live as long as the set. */
lr_status lr_policy_set_link(lr_arena *a, lr_policy_set *set, const char *template_id,
                             const char *new_id, const lr_uid *principal, const lr_uid *resource,
                             const char *file, lr_diags *d);

/* ---- hot-path JSON (jsmn) ---- */

/* A zero-copy reader for request bodies (DESIGN §7): jsmn (strict) finds
 * the tokens, then one pass checks everything jsmn does not (the full JSON
 * grammar between tokens, string escapes and surrogate pairs, UTF-8,
 * control characters, number and literal grammar, duplicate keys after
 * unescaping, depth) and records where each value ends. Tokens keep byte
 * offsets into the caller's text, which must outlive the document; all
 * memory comes from the caller's (request) arena. NUL bytes outside
 * strings are errors; \u0000 inside strings is allowed. */

#define LR_JFAST_MAX_DEPTH 128         /* nesting of arrays/objects */
#define LR_JFAST_MAX_TOKENS (1u << 20) /* tokens per document (~60 MiB of arena at the cap) */
#define LR_JFAST_MAX_BYTES (1u << 30)  /* text length */

typedef enum lr_jfast_kind {
  LR_JFAST_OBJECT,
  LR_JFAST_ARRAY,
  LR_JFAST_STRING,
  LR_JFAST_NUMBER,
  LR_JFAST_TRUE,
  LR_JFAST_FALSE,
  LR_JFAST_NULL,
} lr_jfast_kind;

/* Token flags. */
#define LR_JFAST_F_ESCAPED 1u /* STRING: contains a backslash escape */
#define LR_JFAST_F_KEY 2u     /* STRING: an object key (its value follows) */
#define LR_JFAST_F_FRAC 4u    /* NUMBER: has a fraction part */
#define LR_JFAST_F_EXP 8u     /* NUMBER: has an exponent part */

/* Tokens are in document order; an object's children are key, value, key,
 * value, ...; a value's subtree is [i, toks[i].next). */
typedef struct lr_jfast_tok {
  uint8_t kind;   /* lr_jfast_kind */
  uint8_t flags;  /* LR_JFAST_F_* */
  uint32_t start; /* first byte (strings: after the opening quote) */
  uint32_t end;   /* one past the last byte (strings: the closing quote) */
  uint32_t size;  /* OBJECT: members; ARRAY: elements; else 0 */
  uint32_t next;  /* index of the first token after this subtree */
} lr_jfast_tok;

typedef struct lr_jfast_doc {
  const char *text;
  size_t len;
  lr_jfast_tok *toks; /* toks[0] is the top-level value */
  uint32_t ntoks;
} lr_jfast_doc;

/* Where and why reading or converting failed. path is like
 * `params.arguments.tags[2]` ("" at the top), allocated in the arena. */
typedef struct lr_jfast_err {
  size_t off;
  const char *path;
  const char *msg; /* static */
} lr_jfast_err;

/* Reads text[0..len) (exactly one JSON value, whitespace around it) into
 * *doc. LR_ERR fills *err (if not NULL). */
lr_status lr_jfast_parse(lr_arena *a, const char *text, size_t len, lr_jfast_doc *doc,
                         lr_jfast_err *err);

/* The value of member key (compared after unescaping) of object token obj,
 * or -1 (absent, or obj is not an object). */
int32_t lr_jfast_get(const lr_jfast_doc *d, uint32_t obj, lr_str key);
/* The raw bytes of token t's value (strings with their quotes). */
lr_str lr_jfast_raw(const lr_jfast_doc *d, uint32_t t);
/* The unescaped contents of STRING token t, NUL-terminated (copied into a;
 * may hold NUL bytes). */
lr_str lr_jfast_string(lr_arena *a, const lr_jfast_doc *d, uint32_t t);

/* Converts the subtree at token t into a Cedar value in a (DESIGN §3):
 * string → String, integer → Long (outside int64 → error), fraction →
 * decimal (more than 4 fraction digits or out of range → error), exponent
 * forms (1e3, 1.0E-2) → error, true/false → Bool, array → Set, object →
 * Record, null → the attribute is absent (skipped in records; null as an
 * array element or as t itself → error, since a set cannot hold "absent").
 * path names t in error paths ("" or NULL at the top). */
lr_status lr_jfast_value(lr_arena *a, const lr_jfast_doc *d, uint32_t t, const char *path,
                         lr_value *out, lr_jfast_err *err);

/* One JSON-RPC message (a batch member or the whole body). Token indices
 * are -1 when absent. Strings are unescaped copies in the arena. */
typedef struct lr_jfast_rpc {
  uint32_t tok;        /* the message's token */
  lr_str span;         /* its raw bytes */
  int32_t jsonrpc, id, method, params, result, error;
  int32_t name, arguments; /* params.name, params.arguments */
  lr_str id_raw;       /* raw bytes of id, to echo back verbatim ("" if absent) */
  lr_str method_str;   /* method, "" if absent */
  lr_str name_str;     /* params.name when it is a string, else "" */
  const char *invalid; /* NULL, or why this is not a JSON-RPC 2.0 request,
                          notification or response (static) */
} lr_jfast_rpc;

typedef struct lr_jfast_rpcs {
  bool batch;         /* the body is an array (possibly empty: answer
                         "Invalid Request") */
  size_t n;
  lr_jfast_rpc *msgs; /* n messages, in body order */
} lr_jfast_rpcs;

/* Extracts the JSON-RPC message(s) of a parsed body. Problems with one
 * message go to its .invalid; LR_ERR (with *err) only when the top-level
 * value is neither an object nor an array. */
lr_status lr_jfast_rpc_extract(lr_arena *a, const lr_jfast_doc *d, lr_jfast_rpcs *out,
                               lr_jfast_err *err);

/* Calls fn for each string in the subtree at root, in document order (keys
 * too when keys is true), with the token index; its raw bytes between the
 * quotes are [toks[t].start, toks[t].end) (escapes not decoded: see
 * LR_JFAST_F_ESCAPED). Stops early when fn returns false. */
typedef bool (*lr_jfast_string_fn)(void *ctx, const lr_jfast_doc *d, uint32_t t);
void lr_jfast_each_string(const lr_jfast_doc *d, uint32_t root, bool keys, lr_jfast_string_fn fn,
                          void *ctx);

/* ---- explain (owned by ops) ---- */

/* Which part of a policy decided whether it applied. */
typedef enum lr_explain_part {
  LR_EXPLAIN_ALL,       /* applied: every part held */
  LR_EXPLAIN_PRINCIPAL, /* the principal scope did not match */
  LR_EXPLAIN_ACTION,    /* the action scope did not match */
  LR_EXPLAIN_RESOURCE,  /* the resource scope did not match */
  LR_EXPLAIN_CONDITION, /* a when/unless condition failed or errored */
  LR_EXPLAIN_SLOT,      /* an unlinked template slot (error) */
} lr_explain_part;

/* Why one policy applied (SATISFIED), did not (NOT_SATISFIED) or errored. */
typedef struct lr_explain {
  const lr_policy_inst *inst;
  lr_policy_result result; /* exactly lr_eval_policy's answer */
  bool determining;        /* among the decision's reasons */
  lr_explain_part part;
  size_t cond;      /* CONDITION: index in inst->ast->conds */
  size_t off, end;  /* source span that decided: the scope element; for a
                       condition the smallest sub-expression that forced its
                       value (through &&, || and !); for an error the
                       expression that failed; ALL: the whole policy */
  bool value;       /* CONDITION (not an error): what that sub-expression gave */
  const char *message; /* errors: the evaluation error (arena) */
} lr_explain;

/* For a condition expression e that evaluated to value under env: the
 * span of the smallest sub-expression that forced it (see explain.c), and
 * the value that sub-expression has (it differs under a `!`). */
bool lr_explain_narrow(const lr_eval_env *env, const lr_expr *e, bool value, size_t *off,
                       size_t *end);
/* Authorizes req exactly like lr_authorize (*dec filled the same way) and
 * explains every policy: out[i] for pols[i] (caller's array of npols).
 * Messages live in a. */
void lr_explain_policies(lr_arena *a, const lr_policy_inst *pols, size_t npols,
                         const lr_entities *es, const lr_request *req, lr_decision *dec,
                         lr_explain *out);

/* ---- compiled policy sets (owned by compile) ---- */

/* A policy set compiled once per load (DESIGN §2 "Compilation"): policies
 * indexed by their scopes (principal, action, resource: `==` uid, `in`
 * through the request's ancestor sets, `is` type) so a request touches only
 * the policies that can apply, and conditions lowered to a tree with
 * constants folded and fast paths for the common shapes. lr_cset_authorize
 * gives exactly lr_authorize's answer (decision, reasons and errors in
 * policy order with the same messages, guards, guard_errors): whenever a
 * fast path meets anything unusual (an error, a type mismatch, a missing
 * entity or attribute) the policy is decided by the interpreter instead.
 *
 * Immutable after compilation and reference counted, so one set may serve
 * many threads while a reload swaps in a new one (DESIGN §6): a request
 * holds a reference for as long as it uses the set. */
typedef struct lr_cset lr_cset;

/* Compiles the instances of set (static policies and template links, in
 * set order). The set's instances and ASTs are borrowed: the arena they
 * live in must outlive the compiled set (or be handed to it with
 * lr_cset_adopt_arena). Notes about the compilation may be added to d (may
 * be NULL); it never fails. Returns a new set with one reference. */
lr_cset *lr_cset_compile(const lr_policy_set *set, lr_diags *d);
/* The same over a plain array of instances (borrowed likewise). */
lr_cset *lr_cset_compile_insts(const lr_policy_inst *insts, size_t n, lr_diags *d);
/* Makes c own arena a: it is freed when the last reference goes (at most
 * one arena per set; call before sharing c). */
void lr_cset_adopt_arena(lr_cset *c, lr_arena *a);
/* Resolves, once, which of c's scope names each entity of store es (its
 * own entities, not a base's) and its ancestors are: requests whose
 * principal, action or resource is found in es then take their index keys
 * from that table instead of looking the names up (entities found
 * elsewhere — an overlay's, another store's — are looked up as before;
 * answers never differ). es must be finished without error (else nothing
 * happens); a finished store never changes, and store ids are never reused,
 * so a store freed later only stops matching. Replaces an earlier binding.
 * Call before sharing c (not thread-safe). */
void lr_cset_bind(lr_cset *c, const lr_entities *es);
/* Reference counting (atomic); lr_cset_unref frees at zero (NULL is
 * accepted). */
lr_cset *lr_cset_ref(lr_cset *c);
void lr_cset_unref(lr_cset *c);
/* Decides req against c with entity store es (may be NULL; it may differ
 * per request) exactly as lr_authorize(a, insts, n, es, req, out) would.
 * Arrays, messages and values are allocated in a; guards point into the
 * instances c was compiled from. Thread-safe: c is only read. */
void lr_cset_authorize(const lr_cset *c, lr_arena *a, const lr_entities *es,
                       const lr_request *req, lr_decision *out);

/* What the compiler made of a set (for benchmarks and tests). */
typedef struct lr_cset_stats {
  size_t policies;       /* instances */
  size_t shapes;         /* distinct scope shapes probed per request */
  size_t index_entries;  /* (key, policy) pairs in the scope index */
  size_t by_value;       /* policies indexed by an operand's value (when { x == "lit" && ...}) */
  size_t never;          /* policies that can never apply (`action in []`) */
  size_t conds;          /* conditions */
  size_t conds_fast;     /* conditions with no interpreter fallback node */
  size_t folded;         /* constant sub-expressions folded */
  size_t paths;          /* distinct attribute paths from a variable (one lookup per request) */
  size_t paths_shared;   /* path uses beyond the first (lookups saved per request) */
  size_t bytes;          /* memory held by the compiled form */
  size_t bound;          /* entities of the bound store (lr_cset_bind) */
  size_t bound_bytes;    /* memory of the binding's table */
} lr_cset_stats;
void lr_cset_get_stats(const lr_cset *c, lr_cset_stats *out);

/* Compares two decisions field by field (allow, reasons in order, errors
 * with their messages, guards, guard errors). Returns true when identical;
 * otherwise appends what differs first to why (may be NULL). For tests that
 * hold the compiled path to the interpreter's answers. */
bool lr_decision_same(const lr_decision *x, const lr_decision *y, lr_buf *why);

/* Reads one request object in lr_request_from_json's format (no schema) on
 * the hot path: the zero-copy JSON reader, no DOM, everything in a. Only
 * the common shape is read — uids as {"type": T, "id": x}; a context of
 * strings, integers, booleans, arrays, objects and the escapes
 * {"__entity": {"type", "id"}} and {"__extn": {"fn": "ip" | "decimal" |
 * "datetime" | "duration", "arg": "..."}} — giving the request
 * lr_request_from_json gives. Anything else, and any error, returns
 * LR_AGAIN: then call lr_request_from_json, which reads it or says why not. */
lr_status lr_request_from_json_fast(lr_arena *a, const char *text, size_t len, lr_request *out);
/* ---- partial evaluation (owned by listfilter) ---- */

/* Authorizing a request of which parts are not known yet: "could some call
 * to this tool be permitted, whatever its arguments?" (tools/list
 * filtering). Parts of the context are marked unknown by attribute path
 * (context.args, context.pii, ...); the principal, action, resource, the
 * entities and the rest of the context are known.
 *
 * Each permit/forbid is evaluated to the SET of outcomes it could have for
 * some value of the unknown parts (an over-approximation: every outcome a
 * concrete request could produce is in the set; the set may hold outcomes
 * no concrete request produces). Expressions that do not read an unknown
 * path are evaluated by lr_eval_expr itself; the others abstractly, by
 * Cedar's evaluation order (left to right, first error wins, `&&`, `||`
 * and `if` short-circuit on a known left side):
 *  - an unknown path reads as anything (any value, or an error);
 *  - `a && b`: false if a may be false; an error if a may be a non-bool or
 *    an error; b's bools (its non-bools as errors) if a may be true. So
 *    `false && unknown` is false, `unknown && false` is false or error (never
 *    true), `true || unknown` is true;
 *  - `!`, `if`: likewise; `==`/`!=` never error by themselves; other
 *    operators, `has`, `like`, `is`, methods and calls give their result
 *    type or an error, and a definite error if an operand that is always
 *    evaluated is a definite error.
 * Conditions combine in order (a condition that cannot hold stops the
 * policy). Per policy, the result is a mask of LR_PARTIAL_SAT / _NOT_SAT /
 * _ERR: "satisfied" is {SAT}, "not satisfied" {NOT_SAT}, "error" {ERR},
 * anything wider is "maybe". */

#define LR_PARTIAL_SAT 1u     /* the policy may be satisfied */
#define LR_PARTIAL_NOT_SAT 2u /* ... may not be satisfied */
#define LR_PARTIAL_ERR 4u     /* ... may error */

/* A context attribute path: context.keys[0].keys[1]... (n >= 1). */
typedef struct lr_attr_path {
  const lr_str *keys;
  size_t n;
} lr_attr_path;

/* A policy set prepared for partial evaluation against a set of unknown
 * paths: which condition expressions read an unknown path is found once
 * here, not per request. Lives in (and is freed with) the arena given;
 * pols, the paths and their keys must outlive it. Read-only after creation
 * (may be shared between threads). */
typedef struct lr_partial_plan lr_partial_plan;
lr_partial_plan *lr_partial_prepare(lr_arena *a, const lr_policy_inst *pols, size_t npols,
                                    const lr_attr_path *unknown, size_t nunknown);

/* The outcome mask (LR_PARTIAL_*) of policy pols[i] of plan for req (whose
 * context holds the known parts; whatever it holds at unknown paths is
 * never read). entities may be NULL. Scratch values go in a. */
unsigned lr_eval_policy_partial(lr_arena *a, const lr_partial_plan *plan, size_t i,
                                const lr_entities *es, const lr_request *req);

typedef enum lr_partial_answer {
  LR_PARTIAL_DENY,  /* no value of the unknown parts is permitted */
  LR_PARTIAL_MAYBE, /* some values may be permitted */
  LR_PARTIAL_ALLOW, /* every value of the unknown parts is permitted */
} lr_partial_answer;

/* Options of lr_authorize_maybe. */
#define LR_PARTIAL_FORBID_ERROR_DENIES 1u /* the proxy's fail-closed mode
                                             (DESIGN §4): an erroring forbid
                                             denies, as a satisfied one does */

typedef struct lr_partial_decision {
  lr_partial_answer answer;
  /* DENY by a forbid: that forbid's id; ALLOW: a permit satisfied whatever
   * the unknowns; else NULL. */
  const char *policy_id;
} lr_partial_decision;

/* Cedar's authorizer over unknowns (mask/limit policies ignored). With B =
 * the outcomes that make a forbid deny ({SAT}, plus ERR with
 * LR_PARTIAL_FORBID_ERROR_DENIES):
 *  - DENY when some forbid's mask lies within B (it denies whatever the
 *    unknowns are), or no permit may be satisfied (an erroring permit never
 *    counts);
 *  - ALLOW when some permit's mask is exactly {SAT} and no forbid's mask
 *    meets B;
 *  - MAYBE otherwise.
 * Sound: when lr_authorize allows a concrete request agreeing with req on
 * the known parts, the answer is not DENY; when the answer is ALLOW, every
 * such request is allowed. Returns the answer (also in *out if not NULL). */
lr_partial_answer lr_authorize_maybe(lr_arena *a, const lr_partial_plan *plan,
                                     const lr_entities *es, const lr_request *req, unsigned flags,
                                     lr_partial_decision *out);

#endif /* LARCH_POLICY_H */
