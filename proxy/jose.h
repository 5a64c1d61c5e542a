/*
 * jose.h — internals shared by jwks.c, jwt.c and jose.c: strict base64url,
 * the algorithm table and the key representation. Not for other modules.
 */
#ifndef LARCH_PROXY_JOSE_H
#define LARCH_PROXY_JOSE_H

#include <openssl/evp.h>

#include "identity.h"

/* Strict base64url without padding (RFC 7515 §2, RFC 4648 §5): only
 * [A-Za-z0-9_-], no '=', no whitespace, a length that is not 1 mod 4 and
 * zero unused bits in the last character (one encoding per byte string).
 * Writes at most lr_b64url_decoded_max(n) bytes to out and sets *out_n.
 * LR_ERR on any violation. */
static inline size_t lr_b64url_decoded_max(size_t n) { return n / 4 * 3 + 2; }
lr_status lr_b64url_decode(const char *in, size_t n, unsigned char *out, size_t *out_n);
/* Decodes into a fresh heap buffer (caller frees); NULL on error. */
unsigned char *lr_b64url_decode_alloc(const char *in, size_t n, size_t *out_n);

typedef enum { LR_KTY_RSA = 1, LR_KTY_EC, LR_KTY_OKP, LR_KTY_OCT } lr_kty;

/* What an algorithm needs: key type, digest (NULL for EdDSA), the EC
 * coordinate size for ES*, the PSS flag. */
typedef struct lr_jwt_alg_info {
  const char *name;
  lr_kty kty;
  const char *digest; /* OpenSSL digest name */
  size_t ec_size;     /* bytes per coordinate for ES*, else 0 */
  bool pss;
  size_t min_secret; /* HS*: RFC 7518 §3.2 minimum key size in bytes */
} lr_jwt_alg_info;

/* NULL for 0 or out of range. */
const lr_jwt_alg_info *lr_jwt_alg_info_get(lr_jwt_alg a);

/* One usable verification key. */
typedef struct lr_jwk {
  char *kid; /* NULL when the JWK has none */
  lr_kty kty;
  lr_jwt_alg alg;        /* 0 when the JWK does not restrict it */
  size_t ec_size;        /* EC: coordinate bytes (32 P-256, 48 P-384, 66 P-521) */
  EVP_PKEY *pkey;        /* RSA, EC, OKP */
  unsigned char *secret; /* oct */
  size_t secret_len;
} lr_jwk;

struct lr_jwks {
  atomic_uint refs;
  lr_jwk *keys;
  size_t n;
};

/* True when key k may verify tokens of algorithm a (kty, curve, the key's
 * own alg, secret size). */
bool lr_jwk_allows(const lr_jwk *k, lr_jwt_alg a);

/* Parses a JSON document of the identity files (duplicate members refused).
 * On a syntax error adds `code` "name:line:col: <what> is not JSON: ..." to
 * d and returns NULL. */
json_t *lr_id_json_parse(const char *json, size_t n, const char *name, const char *what,
                         const char *code, lr_diags *d);

/* ---- the verified-token cache (jwt_cache.c) --------------------------------
 * A bounded LRU map from token bytes to principals. Lookups hash the whole
 * token and compare the stored bytes in full (the hash alone is never
 * trusted). An entry expires at its deadline (wall ms) and when the key
 * set generation it was verified under is no longer current. Thread-safe:
 * from 1024 entries on, 16 shards with a mutex each (LRU per shard), so
 * worker threads rarely meet on a lock. */
typedef struct lr_jwt_cache lr_jwt_cache;

lr_jwt_cache *lr_jwt_cache_new(size_t capacity);
void lr_jwt_cache_free(lr_jwt_cache *c);
/* A new reference to the cached principal (caller unrefs), or NULL on a
 * miss; stale entries are dropped on the way. */
lr_principal *lr_jwt_cache_get(lr_jwt_cache *c, const char *token, size_t n, int64_t now_ms,
                               uint64_t generation);
/* Stores a copy of the token with a new reference to p, evicting the least
 * recently used entry of its shard when full. */
void lr_jwt_cache_put(lr_jwt_cache *c, const char *token, size_t n, lr_principal *p,
                      int64_t expires_ms, uint64_t generation);
void lr_jwt_cache_stats_fill(lr_jwt_cache *c, lr_jwt_cache_stats *out);

#endif /* LARCH_PROXY_JOSE_H */
