/*
 * obligation.h — guard obligations: what the `mask` and `limit` policies of a
 * decision ask the proxy to do, evaluated and validated into typed values
 * (part of guard.h, the folder's public header).
 *
 * lr_authorize reports the mask/limit policies whose scope and conditions
 * hold in lr_decision.guards without evaluating their `with { ... }`
 * records. lr_obligations_eval evaluates each record against the request
 * and validates it:
 *
 *   mask  with { types: ["EMAIL", ...],          PII.md names, non-empty set
 *                on: "request"|"response"|"both", default "both"
 *                style: "label"|"partial"|"hash" } default "label"
 *   limit with { max: 1..2^31,                   requests per period
 *                per: duration("1m") | "session", at least 1ms
 *                key: <any value>,                default: principal
 *                burst: 1..2^31 }                 default: max
 *
 * Unknown fields, wrong types and out-of-range values are errors naming the
 * policy and the field: the proxy fails closed on them. Mask/limit policies
 * whose conditions errored (lr_decision.guard_errors) are errors too: a
 * guardrail that cannot be evaluated must not silently vanish.
 *
 * Keys: the key value is written in canonical Cedar syntax (lr_value_print:
 * records sorted by key, sets sorted and deduplicated, so equal values give
 * equal keys whatever order they were written in); keys longer than
 * LR_LIMIT_KEY_MAX are replaced by "#" and the SHA-256 of the text in hex.
 *
 * Session quotas (`per: "session"`) must survive a client re-initializing
 * its MCP session, which gives it a fresh session id. So for these limits
 * the record is evaluated with `context.session` replaced by the caller's
 * session *lineage* (see lr_obligation_lineage): `key: context.session`
 * then counts per lineage, not per presented session id, and the quota
 * never refills with time (period LR_LIMIT_PER_FOREVER).
 *
 * lr_obligation_check validates the constant fields of mask/limit policies
 * at load time (`larch check`): the same rules, reported with file:line:col
 * on the offending value (code G0001).
 */
#ifndef LARCH_GUARD_OBLIGATION_H
#define LARCH_GUARD_OBLIGATION_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "policy.h"

/* Where a mask applies (bits). */
enum { LR_MASK_ON_REQUEST = 1u, LR_MASK_ON_RESPONSE = 2u, LR_MASK_ON_BOTH = 3u };

typedef struct lr_mask_obligation {
  const char *policy; /* policy id ("policy3") */
  const char *name;   /* @id("...") when present, else the policy id */
  uint32_t types;     /* lr_pii_set */
  unsigned on;        /* LR_MASK_ON_* */
  int style;          /* lr_pii_style */
} lr_mask_obligation;

typedef struct lr_limit_obligation {
  const char *policy; /* policy id */
  const char *name;   /* @id("...") when present, else the policy id */
  uint32_t max;
  int64_t per_ns; /* LR_LIMIT_PER_FOREVER for "session" */
  bool per_session;
  uint32_t burst; /* filled in: max when not given */
  lr_str key;     /* canonical key text (NUL-terminated, arena) */
  bool shadow;    /* @shadow: log only, never refuse */
  /* The limiter this obligation counts in: the name, a 0x1f separator,
   * then max, per_ns and burst as raw bytes — equal for every request of a
   * policy at one rate, so the proxy keeps one limiter per distinct rule.
   * Prepared once (with its hash) when the rate is constant. */
  lr_str rule;
  uint64_t rule_hash; /* lr_map_hash(rule) */
} lr_limit_obligation;

/* See lr_obligation_prepare. */
typedef struct lr_obligation_prep lr_obligation_prep;

typedef struct lr_obligations {
  lr_mask_obligation *masks; /* in policy order */
  size_t nmasks;
  lr_limit_obligation *limits; /* in policy order */
  size_t nlimits;
} lr_obligations;

/* Evaluates and validates the `with` record of every guard of d. env is the
 * environment the decision was made in (entities, request, arena); env->inst
 * is ignored. client_ip completes the session lineage of anonymous callers
 * (lr_obligation_lineage, computed only for per "session" limits).
 * Everything is allocated in env->arena. Returns LR_OK with *out
 * filled, or LR_ERR with *err an arena message "policy3 (@id \"x\"):
 * with.max: ..." and *out emptied. Messages never contain request values. */
lr_status lr_obligations_eval(const lr_obligation_prep *prep, const lr_eval_env *env,
                              const lr_decision *d, lr_str client_ip, lr_obligations *out,
                              const char **err);

/* The mask/limit policies of a loaded set prepared once (annotations read,
 * constant `with` fields evaluated and validated), so lr_obligations_eval
 * evaluates per request only what depends on the request — with exactly
 * the results of the unprepared path. Immutable: shared by threads. A
 * policy the table does not know (or NULL for prep) takes the full path. */
lr_obligation_prep *lr_obligation_prepare(const lr_policy *const *ps, size_t n);
void lr_obligation_prep_free(lr_obligation_prep *prep);
/* How many policies prep holds (those with a bad constant field are left
 * to the full path). */
size_t lr_obligation_prep_count(const lr_obligation_prep *prep);

/* The session lineage of a caller, in arena a: the principal in Cedar
 * syntax (User::"alice"); for Anonymous principals the client address is
 * appended (Anonymous::"anonymous"@10.0.0.1) so that anonymous callers do
 * not share one quota. The lineage deliberately ignores the MCP session id,
 * which a client can renew at will. */
lr_str lr_obligation_lineage(lr_arena *a, const lr_uid *principal, lr_str client_ip);

/* The canonical key text of v (see above), in arena a. */
lr_str lr_obligation_key(lr_arena *a, lr_value v);

/* The union of the PII types the masks of o apply to in direction `on`
 * (LR_MASK_ON_REQUEST or LR_MASK_ON_RESPONSE), and for each type its style:
 * when several masks name one type, the most protective style wins
 * (label > hash > partial). styles has LR_PII__COUNT entries, set to
 * LR_PII_STYLE_NONE for types not masked. */
uint32_t lr_obligations_mask_styles(const lr_obligations *o, unsigned on, int *styles);

/* Validates the constant fields of the `with` records of the mask/limit
 * policies in list (fields computed from the request are checked per
 * request). Adds one error (code G0001) per bad field to diags, spanning
 * the value in list->src. Returns LR_ERR when any was added. */
lr_status lr_obligation_check(const lr_policy_list *list, lr_diags *diags);
/* The same for n policies of one source src (NULL: no position; the
 * message still names the policy and field), e.g. a loaded policy set. */
lr_status lr_obligation_check_policies(const lr_policy *const *ps, size_t n, const lr_source *src,
                                       lr_diags *diags);

#endif /* LARCH_GUARD_OBLIGATION_H */
