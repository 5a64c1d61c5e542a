/*
 * engine.h — the loaded state every decision of `larch serve` runs against
 * (private to proxy/): the policy set, the entities and the optional schema,
 * loaded together, immutable once built and reference counted; plus the
 * holder that worker threads read it from and reload swaps it in.
 *
 * Threading: an lr_engine is never changed after lr_engine_load returns, so
 * any number of threads may read one. Each request takes a reference with
 * lr_engine_acquire (lock-free: two atomic increments and one decrement) and
 * drops it when the request ends; reload builds a new engine aside and swaps
 * the holder's pointer with lr_engine_swap; the old engine is freed when its
 * last request is done.
 */
#ifndef LARCH_PROXY_ENGINE_H
#define LARCH_PROXY_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "policy.h"
#include "schema.h"

/* What to load. Every path is borrowed for the call. */
typedef struct lr_engine_config {
  const char *policies; /* a .cedar file, or a folder walked for *.cedar; NULL: none */
  const char *entities; /* Cedar JSON entities file; NULL: none */
  const char *schema;   /* .cedarschema or .json schema; NULL: none */
} lr_engine_config;

/* Per-policy facts read from annotations once per load. */
typedef struct lr_policy_meta {
  const char *id;       /* "policy3" (as reported in decisions) */
  const char *label;    /* @id("...") value, or NULL */
  bool deny_tool_error; /* @deny_as("tool_error") */
  bool shadow;          /* @shadow: decided and logged, never enforced */
  bool forbid;          /* effect forbid */
} lr_policy_meta;

/* One loaded configuration. Read-only for users. */
typedef struct lr_engine {
  atomic_uint refs;
  lr_arena *arena; /* sources, ASTs, the set, the metadata */
  lr_schema *schema;
  lr_source schema_src;
  lr_policy_set set;
  lr_entities *entities;      /* finished; empty when none were given */
  lr_policy_meta *meta;       /* one per set.insts[i] */
  lr_cset *compiled;          /* set.insts compiled (decision trees) */
  lr_cset *compiled_enforced; /* the same without the @shadow policies */
  lr_policy_inst *enforced;   /* set.insts without the @shadow ones */
  size_t nenforced;
  lr_map meta_by_id; /* policy id → lr_policy_meta * */
  size_t nfiles;     /* policy files read */
  bool any_shadow;   /* some policy carries @shadow */
  bool uses_headers; /* some policy text mentions "headers" (or has a \\u escape): only then
                       is context.http.headers filled */
  bool uses_pii;     /* some policy mentions "pii" (or has a \\u escape) or masks: only
                        then is the body scanned for context.pii */
  bool any_mask;     /* some policy is a `mask`: pushes on MCP GET streams are evaluated */
  struct lr_obligation_prep *obligations; /* mask/limit records prepared once (guard.h) */
} lr_engine;

/* Loads everything cfg names. Returns an engine with one reference, or NULL
 * with every problem rendered into err as `file:line:col: ...` lines with
 * their source line and caret (all files are parsed, so all errors show). */
lr_engine *lr_engine_load(const lr_engine_config *cfg, lr_buf *err);
/* An empty engine (no policies: everything is denied), one reference. */
lr_engine *lr_engine_empty(void);
lr_engine *lr_engine_retain(lr_engine *e);
/* Drops a reference; frees at zero. NULL is accepted. */
void lr_engine_release(lr_engine *e);

/* The metadata of the policy reported as id (NULL if unknown). */
const lr_policy_meta *lr_engine_meta(const lr_engine *e, const char *id);

/* Which policies a decision considers. */
typedef enum {
  LR_ENGINE_ALL,      /* every policy: Cedar's decision, logged */
  LR_ENGINE_ENFORCED, /* every policy but those marked @shadow */
} lr_engine_which;

/* The one place requests are authorized: Cedar's decision for req against
 * e's policies (which), es the entities (e->entities or an overlay of it),
 * decided by the compiled set (lr_cset_authorize: exactly the
 * interpreter's answer). Arrays in *out live in a. */
void lr_engine_authorize(const lr_engine *e, lr_engine_which which, lr_arena *a,
                         const lr_entities *es, const lr_request *req, lr_decision *out);

/* ---- the holder ------------------------------------------------------------ */

typedef struct lr_engine_holder lr_engine_holder;

/* A holder with initial installed (consumes its reference; not NULL). */
lr_engine_holder *lr_engine_holder_new(lr_engine *initial);
/* Frees the holder and drops its reference (requests still holding the
 * engine keep it alive). */
void lr_engine_holder_free(lr_engine_holder *h);
/* A new reference to the current engine (never NULL); lock-free. */
lr_engine *lr_engine_acquire(lr_engine_holder *h);
/* Installs next (consumes its reference); the previous engine is released
 * once no acquire that could have seen it is in flight. */
void lr_engine_swap(lr_engine_holder *h, lr_engine *next);
/* Number of swaps so far (0 for the initial engine). */
uint64_t lr_engine_generation(lr_engine_holder *h);
/* Loads cfg aside and swaps it in; on failure the running engine stays and
 * err says why (file:line:col). */
lr_status lr_engine_reload(lr_engine_holder *h, const lr_engine_config *cfg, lr_buf *err);

#endif /* LARCH_PROXY_ENGINE_H */
