/*
 * identity.h — who is calling: JWT (JWS compact) verification against a
 * JWKS, API keys, mTLS client certificates, and the principal description
 * the request mapping turns into a Cedar principal (DESIGN §3).
 *
 * Private header of the proxy folder (library lr_identity). Everything here
 * is independent of Cedar values: the mapping converts an lr_principal into
 * an entity (uid, tags from claims, attributes, parents).
 *
 * Threading: everything here may be shared by worker threads. An lr_jwks
 * is immutable; the lr_jwks_slot that holds the current set is thread-safe
 * (reload builds a new set and swaps it in). An lr_jwt_verifier is
 * immutable but for its token cache, which is sharded with a mutex per
 * shard. lr_apikeys is immutable once loaded and refcounted. Principals are refcounted
 * (atomically) and immutable, so a request may keep one after the cache
 * dropped it.
 *
 * Error messages (the `why` strings) are static texts: they never contain
 * bytes of the presented credential or of its claims.
 */
#ifndef LARCH_PROXY_IDENTITY_H
#define LARCH_PROXY_IDENTITY_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "policy.h"

/* ---- error kinds --------------------------------------------------------- */

typedef enum {
  LR_ID_OK = 0,
  LR_ID_MISSING,         /* no credential presented */
  LR_ID_MALFORMED,       /* not a well-formed token / header */
  LR_ID_BAD_SIGNATURE,   /* signature does not verify */
  LR_ID_EXPIRED,         /* exp (+ skew) has passed */
  LR_ID_NOT_YET_VALID,   /* nbf (- skew) is in the future */
  LR_ID_WRONG_ISSUER,    /* iss missing or not the configured issuer */
  LR_ID_WRONG_AUDIENCE,  /* aud missing or without the configured audience */
  LR_ID_UNKNOWN_KID,     /* no key with the token's kid, or no key at all */
  LR_ID_ALG_NOT_ALLOWED, /* alg none, unknown, disabled, or not the key's */
  LR_ID_UNKNOWN_KEY,     /* API key not configured */
  LR_ID_INTERNAL,        /* allocation in OpenSSL failed etc.; fail closed */
} lr_id_error;

/* A stable lower-case name ("expired", "bad_signature", ...) for logs. */
const char *lr_id_error_name(lr_id_error e);

/* ---- principals ---------------------------------------------------------- */

typedef enum {
  LR_PRINCIPAL_ANONYMOUS, /* Anonymous::"anonymous" */
  LR_PRINCIPAL_JWT,       /* User::"<sub>" */
  LR_PRINCIPAL_APIKEY,    /* the uid configured for the key */
  LR_PRINCIPAL_MTLS,      /* Workload::"<SAN URI or CN>" */
} lr_principal_source;

/* Entity uids are policy.h's lr_uid (type and id slices). The uids held by
 * principals are heap copies, NUL-terminated, made by lr_uid_set_heap and
 * freed by lr_uid_clear; their ids never contain NUL. */

/* What identity knows about the caller. Read-only for users; created by
 * the functions below; lr_principal_unref releases. */
typedef struct lr_principal {
  lr_principal_source source;
  lr_uid uid;
  json_t *claims;  /* JWT: the payload object (→ entity tags); else NULL */
  json_t *attrs;   /* API key: configured attributes (object) or NULL */
  lr_uid *parents; /* JWT: Role::"<r>" per roles/groups value (deduped, in
                      claim order); API key: the configured parents */
  size_t nparents;
  int64_t exp;      /* JWT expiry, Unix seconds; 0 when none */
  atomic_uint refs; /* private; 0 marks the static anonymous principal */
} lr_principal;

/* Takes a reference (returns p). NULL is accepted. */
lr_principal *lr_principal_ref(lr_principal *p);
/* Drops a reference; frees at zero. NULL is accepted. */
void lr_principal_unref(lr_principal *p);
/* The shared, immortal Anonymous::"anonymous" (ref/unref are no-ops). */
lr_principal *lr_principal_anonymous(void);

/* Parses a Cedar entity uid literal `Type::"id"` (Type may be `A::B`, the
 * id a Cedar string with escapes \n \r \t \\ \" \' \u{hex}; \0 and NUL are
 * refused since ids are C strings) into *out
 * (two heap strings, freed with lr_uid_clear). Also accepts a JSON object
 * {"type": "...", "id": "..."} via lr_uid_from_json. LR_ERR on bad input. */
lr_status lr_uid_parse(const char *s, size_t n, lr_uid *out);
lr_status lr_uid_from_json(const json_t *v, lr_uid *out);
void lr_uid_clear(lr_uid *u);
/* Sets u to heap copies of type and id[0..n) (NUL-terminated). */
void lr_uid_set_heap(lr_uid *u, const char *type, const char *id, size_t n);
/* Appends the Cedar literal of u (`Type::"id"`, the id escaped so that
 * lr_uid_parse reads it back: \" \\ \n \r \t and \u{..} for other control
 * characters). For decision logs and messages. */
void lr_uid_format(const lr_uid *u, lr_buf *out);

/* ---- JWK sets ------------------------------------------------------------ */

/* JWS algorithms (RFC 7518 §3.1, RFC 8037 §3.1). Bit i = 1u << alg. */
typedef enum {
  LR_JWT_RS256 = 1,
  LR_JWT_RS384,
  LR_JWT_RS512,
  LR_JWT_PS256,
  LR_JWT_PS384,
  LR_JWT_PS512,
  LR_JWT_ES256,
  LR_JWT_ES384,
  LR_JWT_ES512,
  LR_JWT_EDDSA, /* Ed25519 only */
  LR_JWT_HS256,
  LR_JWT_HS384,
  LR_JWT_HS512,
  LR_JWT_ALG_COUNT
} lr_jwt_alg;

#define LR_JWT_ALG_BIT(a) (1u << (a))
/* Every asymmetric algorithm (the default when nothing is configured is
 * every algorithm, HS* included, as a JWKS with oct keys asks for them). */
#define LR_JWT_ALGS_ASYMMETRIC                                                                     \
  (LR_JWT_ALG_BIT(LR_JWT_RS256) | LR_JWT_ALG_BIT(LR_JWT_RS384) | LR_JWT_ALG_BIT(LR_JWT_RS512) |    \
   LR_JWT_ALG_BIT(LR_JWT_PS256) | LR_JWT_ALG_BIT(LR_JWT_PS384) | LR_JWT_ALG_BIT(LR_JWT_PS512) |    \
   LR_JWT_ALG_BIT(LR_JWT_ES256) | LR_JWT_ALG_BIT(LR_JWT_ES384) | LR_JWT_ALG_BIT(LR_JWT_ES512) |    \
   LR_JWT_ALG_BIT(LR_JWT_EDDSA))

/* "RS256" → LR_JWT_RS256; 0 for anything unknown (including "none"). */
lr_jwt_alg lr_jwt_alg_from_name(const char *name, size_t n);
const char *lr_jwt_alg_name(lr_jwt_alg a);

/* An immutable set of verification keys (RFC 7517). */
typedef struct lr_jwks lr_jwks;

/* Load flags. By default a key that cannot be used (unknown kty or crv,
 * missing or non-base64url members, RSA modulus under 2048 bits, an EC
 * point not on its curve, an oct secret under 32 bytes, `use` other than
 * "sig", an `alg` that does not fit the kty) is skipped with a warning
 * naming its JSON path (keys[2].n); with LR_JWKS_STRICT it is an error and
 * the load fails. A document that is not JSON, has no "keys" array (a bare
 * JWK object is accepted as a set of one), or yields no usable key at all
 * always fails. */
#define LR_JWKS_STRICT 1u

/* Parses a JWKS document. name labels diagnostics (file path). Returns a
 * set with one reference, or NULL with errors in d. */
lr_jwks *lr_jwks_parse(const char *json, size_t n, const char *name, unsigned flags, lr_diags *d);
/* Reads and parses a file. */
lr_jwks *lr_jwks_load(const char *path, unsigned flags, lr_diags *d);
lr_jwks *lr_jwks_ref(lr_jwks *k);
void lr_jwks_unref(lr_jwks *k);
/* Number of usable keys in the set. */
size_t lr_jwks_count(const lr_jwks *k);

/* The current key set, swappable at any time from any thread. */
typedef struct lr_jwks_slot lr_jwks_slot;
/* Consumes the reference to initial (may be NULL: no keys yet). */
lr_jwks_slot *lr_jwks_slot_new(lr_jwks *initial);
void lr_jwks_slot_free(lr_jwks_slot *s);
/* A new reference to the current set (NULL if none); caller unrefs. */
lr_jwks *lr_jwks_slot_get(lr_jwks_slot *s);
/* Installs next (consumes its reference) and bumps the generation, which
 * invalidates tokens cached under the previous set. */
void lr_jwks_slot_swap(lr_jwks_slot *s, lr_jwks *next);
uint64_t lr_jwks_slot_generation(const lr_jwks_slot *s);
/* Reload from a file (SIGHUP, POST /reload): parses aside and swaps only
 * on success; on failure the current set stays in force and d says why. */
lr_status lr_jwks_slot_reload(lr_jwks_slot *s, const char *path, unsigned flags, lr_diags *d);

/* ---- JWT verification ---------------------------------------------------- */

/* Zero-initialised fields mean the defaults given per field. */
#define LR_JWT_SKEW_NONE (-1)
typedef struct lr_jwt_config {
  const char *issuer;       /* required `iss` value; NULL: not checked */
  const char *audience;     /* must be `aud` or in the `aud` array; NULL: not checked */
  const char *typ;          /* required header typ ("at+jwt", RFC 9068); NULL: any */
  uint32_t algs;            /* LR_JWT_ALG_BIT set; 0: every supported algorithm */
  int64_t skew_s;           /* exp/nbf leeway, s; 0: 60; LR_JWT_SKEW_NONE: 0; max 86400 */
  bool allow_no_exp;        /* accept tokens without `exp` (default: refused) */
  const char *roles_claim;  /* NULL: "roles"; "" disables; a.b: nested (if no claim "a.b") */
  const char *groups_claim; /* NULL: "groups"; "" disables; same lookup */
  const char *user_type;    /* NULL: "User" */
  const char *role_type;    /* NULL: "Role" */
  size_t max_token;         /* bytes; 0: 16 KiB. Longer tokens are malformed */
  size_t cache_entries;     /* 0: 4096; SIZE_MAX: no cache; at most 2^20 */
} lr_jwt_config;

/* A verifier with its cache of verified tokens; one verifier may serve
 * every worker thread. keys is borrowed and must outlive the verifier;
 * clock is borrowed (wall time decides exp/nbf). The config's strings are
 * copied. */
typedef struct lr_jwt_verifier lr_jwt_verifier;
lr_jwt_verifier *lr_jwt_verifier_new(const lr_jwt_config *cfg, lr_jwks_slot *keys,
                                     const lr_clock *clock);
void lr_jwt_verifier_free(lr_jwt_verifier *v);

/* Verifies a compact JWS token (the bytes after "Bearer "): RFC 7515 §5.2,
 * RFC 7519 §7.2. On LR_ID_OK, *out receives a new principal reference
 * (caller unrefs). Otherwise *out is NULL and *why (if why != NULL) a
 * static explanation. A cache hit costs one clock read, one hash, one
 * shard lock, one comparison of the token bytes and one reference. */
lr_id_error lr_jwt_verify(lr_jwt_verifier *v, const char *token, size_t n, lr_principal **out,
                          const char **why);

/* Cache figures (for metrics and tests). */
typedef struct lr_jwt_cache_stats {
  uint64_t hits, misses, inserts, evictions, expired;
  size_t entries;
} lr_jwt_cache_stats;
void lr_jwt_cache_stats_get(const lr_jwt_verifier *v, lr_jwt_cache_stats *out);

/* ---- API keys -------------------------------------------------------------
 *
 * File format (--api-keys F), a JSON array:
 *
 *   [ { "key_sha256": "<64 hex digits: SHA-256 of the key bytes>",
 *       "principal": "User::\"bot\""  or  {"type": "User", "id": "bot"},
 *       "attrs": { ... any JSON object, optional ... },
 *       "parents": [ "Role::\"ci\"", {"type": "Team", "id": "infra"} ]  (optional)
 *     }, ... ]
 *
 * Only hashes are stored, never keys: `larch hash-key` (or
 * `printf %s KEY | sha256sum`) prints the hash of a key. A presented key (the
 * token of `Authorization: Bearer` or the value of `X-API-Key`) is hashed
 * with SHA-256 and looked up; the stored digest is compared in constant
 * time (the table slot is chosen by the digest's first bytes, which tells
 * an observer nothing about any key). Duplicate hashes are an error.
 * Unknown members are errors too (typos must not silently drop attrs). */
typedef struct lr_apikeys lr_apikeys;

/* Parse/load return a set with one reference, or NULL with every bad
 * entry reported in d (code I0112, "name: [3].principal ..."). */
lr_apikeys *lr_apikeys_parse(const char *json, size_t n, const char *name, lr_diags *d);
lr_apikeys *lr_apikeys_load(const char *path, lr_diags *d);
lr_apikeys *lr_apikeys_ref(lr_apikeys *k);
void lr_apikeys_unref(lr_apikeys *k);
size_t lr_apikeys_count(const lr_apikeys *k);
/* Looks up a presented key. LR_ID_OK with a new principal reference in
 * *out, LR_ID_MISSING for an empty key, LR_ID_UNKNOWN_KEY otherwise. */
lr_id_error lr_apikeys_lookup(const lr_apikeys *k, const char *key, size_t n, lr_principal **out,
                              const char **why);
/* Writes the lower-case hex SHA-256 of key (65 bytes with the NUL). */
lr_status lr_apikey_hash_hex(const char *key, size_t n, char out[65]);

/* ---- mTLS ---------------------------------------------------------------- */

/* Workload::"<first SAN URI, else subject CN>" from a peer certificate
 * (already verified by the TLS layer; this only names it). cert is an
 * X509 * (void * keeps OpenSSL out of this header). LR_ERR when the
 * certificate has neither, when its first SAN URI is not printable ASCII
 * (no fallback to the CN then), or when the CN holds control bytes. */
lr_status lr_identity_from_cert(const void *x509, lr_principal **out);
/* Workload::"<name>" for a peer already named by the TLS layer (a new
 * reference). NULL for an empty name. */
lr_principal *lr_principal_workload(const char *name);

/* ---- putting it together -------------------------------------------------- */

/* Extracts the token of an `Authorization: Bearer <token>` header value
 * (scheme case-insensitive, RFC 6750 §2.1). false if not a Bearer value. */
bool lr_identity_bearer(const char *value, size_t n, lr_str *token);

typedef struct lr_identity_input {
  lr_str authorization;  /* header value or {NULL, 0} */
  lr_str x_api_key;      /* header value or {NULL, 0} */
  const void *peer_cert; /* X509 * of a verified client certificate, or NULL */
  const char *peer_name; /* or its name already extracted (SAN URI, else CN), or NULL */
} lr_identity_input;

/* The identity stage: either source may be NULL (not configured). Both are
 * borrowed. */
typedef struct lr_identity {
  lr_jwt_verifier *jwt;
  const lr_apikeys *apikeys;
} lr_identity;

/* Resolves the caller. Order: X-API-Key (API keys) > Authorization Bearer
 * (a token with two dots is a JWT when a verifier is configured, anything
 * else an API key when keys are configured) > client certificate >
 * anonymous. A presented but bad credential is an error (never a fallback
 * to anonymous). On LR_ID_OK *out holds a new reference. A route that
 * requires authentication answers an anonymous result with a 401 as for
 * LR_ID_MISSING. Headers for a source that is not configured are ignored. */
lr_id_error lr_identity_resolve(const lr_identity *id, const lr_identity_input *in,
                                lr_principal **out, const char **why);

/* Appends a `WWW-Authenticate` value for a 401 (RFC 6750 §3, RFC 9728
 * §5.1): `Bearer realm="larch"` plus error="invalid_token" and a static
 * description unless the credential was missing, plus resource_metadata
 * when metadata_url != NULL. */
void lr_identity_www_authenticate(lr_buf *out, lr_id_error e, const char *why,
                                  const char *metadata_url);

/* ---- the identity stage as configured (identity_set.c) --------------------
 * Everything the command line configures, loaded together, resolved per
 * request from any worker thread and reloaded atomically (SIGHUP, POST
 * /reload): each file is re-read aside and swapped only when it loads, so
 * a broken file leaves the running keys in force. */
typedef struct lr_identity_options {
  const char *jwks_path;     /* --jwks F; NULL: no JWT (unless keys come later) */
  bool jwt;                  /* verify JWTs even without jwks_path (--jwks-url feeds
                                lr_identity_set_jwks later) */
  unsigned jwks_flags;       /* LR_JWKS_STRICT */
  lr_jwt_config jwt_config;  /* --jwt-issuer, --jwt-audience, claim names, ... */
  const char *api_keys_path; /* --api-keys F; NULL: no API keys */
} lr_identity_options;

typedef struct lr_identity_set lr_identity_set;

/* Loads the configured files. NULL with errors in d when one fails (JWKS
 * warnings about skipped keys are left in d too). The options' strings are
 * copied; clock is borrowed. */
lr_identity_set *lr_identity_set_load(const lr_identity_options *o, const lr_clock *clock,
                                      lr_diags *d);
void lr_identity_set_free(lr_identity_set *s);
/* Re-reads the files; LR_ERR (with d) if any failed to load, in which case
 * that source keeps its previous keys. */
lr_status lr_identity_set_reload(lr_identity_set *s, lr_diags *d);
/* The JWKS slot (NULL when JWT is off), for a background --jwks-url refresh. */
lr_jwks_slot *lr_identity_set_jwks(lr_identity_set *s);
/* lr_identity_resolve with the current keys. */
lr_id_error lr_identity_set_resolve(lr_identity_set *s, const lr_identity_input *in,
                                    lr_principal **out, const char **why);

#endif /* LARCH_PROXY_IDENTITY_H */
