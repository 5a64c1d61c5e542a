/*
 * jwt.c — JWT verification: compact JWS (RFC 7515 §7.1) signed with the
 * algorithms of RFC 7518 §3 and RFC 8037 §3.1, claims checked per RFC 7519
 * §4.1 and §7.2, keys from a JWKS slot, verified tokens cached.
 *
 * Order of work on a miss: size cap, three segments, header (strict
 * base64url, JSON object without duplicate members, alg allowed, no crit),
 * key selection by kid and key type, signature, then only the payload
 * (JSON object), then exp/nbf/iss/aud/sub. Nothing the token carries
 * (jku, x5u, jwk) is ever used to find a key.
 */
#include <math.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jose.h"

#define DEFAULT_SKEW_S 60
#define MAX_SKEW_S 86400
#define DEFAULT_MAX_TOKEN (16 * 1024)
#define DEFAULT_CACHE 4096
#define MAX_CACHE (1u << 20)
#define MAX_PARENTS 256

struct lr_jwt_verifier {
  char *issuer, *audience, *typ, *roles_claim, *groups_claim, *user_type, *role_type;
  uint32_t algs;
  int64_t skew_ms;
  bool allow_no_exp;
  size_t max_token;
  lr_jwks_slot *keys;
  const lr_clock *clock;
  lr_jwt_cache *cache;             /* NULL when disabled */
  EVP_MD *md[LR_JWT_ALG_COUNT];    /* prefetched digests (OpenSSL 3 fetch is slow) */
  _Atomic uint64_t nocache_misses; /* verifications without a cache */
};

static char *dup_or(const char *s, const char *dflt) {
  return s ? lr_xstrdup(s) : dflt ? lr_xstrdup(dflt) : NULL;
}

lr_jwt_verifier *lr_jwt_verifier_new(const lr_jwt_config *cfg, lr_jwks_slot *keys,
                                     const lr_clock *clock) {
  static const lr_jwt_config none = {0};
  if (!cfg) cfg = &none;
  lr_jwt_verifier *v = lr_xcalloc(1, sizeof *v);
  v->issuer = dup_or(cfg->issuer, NULL);
  v->audience = dup_or(cfg->audience, NULL);
  v->typ = dup_or(cfg->typ, NULL);
  v->roles_claim = dup_or(cfg->roles_claim, "roles");
  v->groups_claim = dup_or(cfg->groups_claim, "groups");
  v->user_type = dup_or(cfg->user_type, "User");
  v->role_type = dup_or(cfg->role_type, "Role");
  v->algs = cfg->algs ? cfg->algs : ~0u;
  int64_t skew = cfg->skew_s == 0 ? DEFAULT_SKEW_S : cfg->skew_s < 0 ? 0 : cfg->skew_s;
  v->skew_ms = (skew > MAX_SKEW_S ? MAX_SKEW_S : skew) * 1000;
  v->allow_no_exp = cfg->allow_no_exp;
  v->max_token = cfg->max_token ? cfg->max_token : DEFAULT_MAX_TOKEN;
  v->keys = keys;
  v->clock = clock;
  if (cfg->cache_entries != SIZE_MAX)
    v->cache = lr_jwt_cache_new(cfg->cache_entries == 0          ? DEFAULT_CACHE
                                : cfg->cache_entries > MAX_CACHE ? MAX_CACHE
                                                                 : cfg->cache_entries);
  for (int a = 1; a < LR_JWT_ALG_COUNT; a++) {
    const lr_jwt_alg_info *i = lr_jwt_alg_info_get((lr_jwt_alg)a);
    if (i->digest) v->md[a] = EVP_MD_fetch(NULL, i->digest, NULL);
  }
  return v;
}

void lr_jwt_verifier_free(lr_jwt_verifier *v) {
  if (!v) return;
  lr_jwt_cache_free(v->cache);
  for (int a = 0; a < LR_JWT_ALG_COUNT; a++) EVP_MD_free(v->md[a]);
  free(v->issuer);
  free(v->audience);
  free(v->typ);
  free(v->roles_claim);
  free(v->groups_claim);
  free(v->user_type);
  free(v->role_type);
  free(v);
}

void lr_jwt_cache_stats_get(const lr_jwt_verifier *v, lr_jwt_cache_stats *out) {
  if (v->cache)
    lr_jwt_cache_stats_fill(v->cache, out);
  else
    *out = (lr_jwt_cache_stats){.misses = atomic_load(&((lr_jwt_verifier *)v)->nocache_misses)};
}

/* ---- signatures ------------------------------------------------------------ */

/* 1 verified, 0 not, -1 OpenSSL failed for another reason. */
static int verify_evp(EVP_PKEY *pkey, const EVP_MD *md, bool pss, const unsigned char *msg,
                      size_t mlen, const unsigned char *sig, size_t slen) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = NULL;
  int r = -1;
  if (!ctx || EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey) != 1) goto done;
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
              /* RFC 7518 §3.5: salt as long as the hash, MGF1 with the same hash */
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
              EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) <= 0))
    goto done;
  r = EVP_DigestVerify(ctx, sig, slen, msg, mlen) == 1 ? 1 : 0;
done:
  EVP_MD_CTX_free(ctx);
  return r;
}

/* JOSE ECDSA signatures are R || S, each the coordinate size (RFC 7518
 * §3.4); OpenSSL wants the DER ECDSA-Sig-Value. */
static int verify_ecdsa(EVP_PKEY *pkey, const EVP_MD *md, size_t size, const unsigned char *msg,
                        size_t mlen, const unsigned char *sig, size_t slen) {
  if (slen != 2 * size) return 0;
  ECDSA_SIG *es = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(sig, (int)size, NULL), *s = BN_bin2bn(sig + size, (int)size, NULL);
  unsigned char *der = NULL;
  int rc = -1;
  if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
    BN_free(r);
    BN_free(s);
    goto done;
  }
  int dlen = i2d_ECDSA_SIG(es, &der);
  if (dlen > 0) rc = verify_evp(pkey, md, false, msg, mlen, der, (size_t)dlen);
done:
  OPENSSL_free(der);
  ECDSA_SIG_free(es);
  return rc;
}

static int verify_hmac(const lr_jwk *k, const EVP_MD *md, const unsigned char *msg, size_t mlen,
                       const unsigned char *sig, size_t slen) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  if (!HMAC(md, k->secret, (int)k->secret_len, msg, mlen, mac, &maclen)) return -1;
  return slen == maclen && CRYPTO_memcmp(mac, sig, maclen) == 0;
}

static int verify_sig(const lr_jwt_verifier *v, const lr_jwk *k, lr_jwt_alg alg,
                      const unsigned char *msg, size_t mlen, const unsigned char *sig,
                      size_t slen) {
  const lr_jwt_alg_info *i = lr_jwt_alg_info_get(alg);
  const EVP_MD *md = v->md[alg];
  if (i->digest && !md) return -1;
  switch (i->kty) {
  case LR_KTY_RSA:
    if (slen != (size_t)EVP_PKEY_get_size(k->pkey)) return 0; /* RFC 8017 §8.2.2 step 1 */
    return verify_evp(k->pkey, md, i->pss, msg, mlen, sig, slen);
  case LR_KTY_EC: return verify_ecdsa(k->pkey, md, i->ec_size, msg, mlen, sig, slen);
  case LR_KTY_OKP: return slen == 64 ? verify_evp(k->pkey, NULL, false, msg, mlen, sig, slen) : 0;
  case LR_KTY_OCT: return verify_hmac(k, md, msg, mlen, sig, slen);
  }
  return -1;
}

/* Chooses keys and verifies. kid may be NULL. */
static lr_id_error check_signature(const lr_jwt_verifier *v, const lr_jwks *keys, const char *kid,
                                   lr_jwt_alg alg, const unsigned char *msg, size_t mlen,
                                   const unsigned char *sig, size_t slen, const char **why) {
  if (!keys || keys->n == 0) {
    *why = "no verification keys are loaded";
    return LR_ID_UNKNOWN_KID;
  }
  bool kid_seen = false, tried = false;
  for (size_t i = 0; i < keys->n; i++) {
    const lr_jwk *k = &keys->keys[i];
    if (kid) {
      if (!k->kid || strcmp(k->kid, kid) != 0) continue;
      kid_seen = true;
    }
    if (!lr_jwk_allows(k, alg)) continue;
    tried = true;
    int r = verify_sig(v, k, alg, msg, mlen, sig, slen);
    if (r == 1) return LR_ID_OK;
    if (r < 0) {
      *why = "signature verification failed inside OpenSSL";
      return LR_ID_INTERNAL;
    }
  }
  if (kid && !kid_seen) {
    *why = "no key has the token's kid";
    return LR_ID_UNKNOWN_KID;
  }
  if (!tried) {
    *why = kid ? "the key with the token's kid does not allow the token's alg"
               : "no key allows the token's alg";
    return LR_ID_ALG_NOT_ALLOWED;
  }
  *why = "signature does not verify";
  return LR_ID_BAD_SIGNATURE;
}

/* ---- claims ------------------------------------------------------------------ */

/* A NumericDate (RFC 7519 §2) in ms, saturated; false if not a number. */
static bool numeric_date_ms(const json_t *v, int64_t *ms) {
  if (json_is_integer(v)) {
    json_int_t s = json_integer_value(v);
    if (s > INT64_MAX / 1000)
      *ms = INT64_MAX;
    else if (s < INT64_MIN / 1000)
      *ms = INT64_MIN;
    else
      *ms = (int64_t)s * 1000;
    return true;
  }
  if (json_is_real(v)) {
    double d = json_real_value(v) * 1000.0;
    if (!isfinite(d)) return false;
    *ms = d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)floor(d);
    return true;
  }
  return false;
}

static int64_t sat_add(int64_t a, int64_t b) {
  if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
  if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
  return a + b;
}

static bool is_cstring(const json_t *v) {
  return json_is_string(v) && json_string_length(v) > 0 &&
         strlen(json_string_value(v)) == json_string_length(v);
}

static void add_parent(lr_principal *p, const char *type, const char *s, size_t n) {
  if (n == 0 || memchr(s, 0, n) || p->nparents >= MAX_PARENTS) return;
  for (size_t i = 0; i < p->nparents; i++)
    if (p->parents[i].id.n == n && memcmp(p->parents[i].id.p, s, n) == 0) return;
  if ((p->nparents & (p->nparents - 1)) == 0) /* grow at powers of two */
    p->parents = lr_xrealloc(p->parents, (p->nparents ? p->nparents * 2 : 1) * sizeof *p->parents);
  lr_uid *u = &p->parents[p->nparents++];
  lr_uid_set_heap(u, type, s, n);
}

/* Role values from a claim: an array of strings or one space-separated
 * string (the OAuth `scope` style). Other shapes are ignored. */
static void add_roles(lr_principal *p, const char *type, const json_t *v) {
  if (json_is_array(v)) {
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) if (json_is_string(e))
        add_parent(p, type, json_string_value(e), json_string_length(e));
  } else if (json_is_string(v)) {
    const char *s = json_string_value(v), *end = s + json_string_length(v);
    while (s < end) {
      while (s < end && *s == ' ') s++;
      const char *w = s;
      while (s < end && *s != ' ') s++;
      add_parent(p, type, w, (size_t)(s - w));
    }
  }
}

/* The claim called name, or, when no top-level claim has that name and it
 * contains dots, the value at that path of nested objects (Keycloak's
 * "realm_access.roles"). URL-style claim names keep working since the
 * exact name is tried first. */
static const json_t *claim_at(const json_t *claims, const char *name) {
  const json_t *v = json_object_get(claims, name);
  if (v || !strchr(name, '.')) return v;
  v = claims;
  for (const char *s = name; v;) {
    const char *dot = strchr(s, '.');
    size_t n = dot ? (size_t)(dot - s) : strlen(s);
    v = json_is_object(v) ? json_object_getn(v, s, n) : NULL;
    if (!dot) break;
    s = dot + 1;
  }
  return v;
}

static bool aud_matches(const json_t *aud, const char *want) {
  if (json_is_string(aud)) return strcmp(json_string_value(aud), want) == 0;
  size_t i;
  const json_t *e;
  json_array_foreach(aud, i, e) if (json_is_string(e) &&
                                    strcmp(json_string_value(e), want) == 0) return true;
  return false;
}

/* Checks the registered claims and builds the principal (consumes claims). */
static lr_id_error principal_from_claims(const lr_jwt_verifier *v, json_t *claims, int64_t now_ms,
                                         lr_principal **out, int64_t *expires_ms,
                                         const char **why) {
  const json_t *exp = json_object_get(claims, "exp"), *nbf = json_object_get(claims, "nbf"),
               *iss = json_object_get(claims, "iss"), *aud = json_object_get(claims, "aud"),
               *sub = json_object_get(claims, "sub");
  int64_t exp_ms = INT64_MAX, nbf_ms;
  lr_id_error e = LR_ID_MALFORMED;
  if (exp && !numeric_date_ms(exp, &exp_ms))
    *why = "exp is not a number";
  else if (!exp && !v->allow_no_exp)
    *why = "the token has no exp";
  else if (nbf && !numeric_date_ms(nbf, &nbf_ms))
    *why = "nbf is not a number";
  else if (exp && now_ms >= sat_add(exp_ms, v->skew_ms)) /* RFC 7519 §4.1.4 */
    e = LR_ID_EXPIRED, *why = "the token has expired";
  else if (nbf && now_ms < sat_add(nbf_ms, -v->skew_ms)) /* §4.1.5 */
    e = LR_ID_NOT_YET_VALID, *why = "the token is not valid yet";
  else if (v->issuer && !(json_is_string(iss) && strcmp(json_string_value(iss), v->issuer) == 0))
    e = LR_ID_WRONG_ISSUER, *why = "the token's iss is not the configured issuer";
  else if (v->audience && !(aud && aud_matches(aud, v->audience)))
    e = LR_ID_WRONG_AUDIENCE, *why = "the token's aud does not contain the configured audience";
  else if (!is_cstring(sub))
    *why = "the token has no sub string";
  else
    e = LR_ID_OK;
  if (e != LR_ID_OK) {
    json_decref(claims);
    return e;
  }
  lr_principal *p = lr_xcalloc(1, sizeof *p);
  atomic_init(&p->refs, 1);
  p->source = LR_PRINCIPAL_JWT;
  lr_uid_set_heap(&p->uid, v->user_type, json_string_value(sub), strlen(json_string_value(sub)));
  p->claims = claims;
  p->exp = exp ? exp_ms / 1000 : 0;
  if (*v->roles_claim) add_roles(p, v->role_type, claim_at(claims, v->roles_claim));
  if (*v->groups_claim) add_roles(p, v->role_type, claim_at(claims, v->groups_claim));
  *out = p;
  *expires_ms = exp ? sat_add(exp_ms, v->skew_ms) : INT64_MAX;
  return LR_ID_OK;
}

/* ---- the whole token ---------------------------------------------------------- */

/* RFC 7515 §4.1.9: media types compare case-insensitively and the
 * "application/" prefix may be left out. */
static bool typ_matches(const json_t *typ, const char *want) {
  if (!json_is_string(typ)) return false;
  const char *t = json_string_value(typ);
  if (strncasecmp(t, "application/", 12) == 0) t += 12;
  if (strncasecmp(want, "application/", 12) == 0) want += 12;
  return strcasecmp(t, want) == 0;
}

/* Decodes a base64url segment holding a JSON object (duplicates refused). */
static json_t *segment_json(const char *s, size_t n) {
  size_t len;
  unsigned char *b = lr_b64url_decode_alloc(s, n, &len);
  if (!b) return NULL;
  json_t *j = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, NULL);
  free(b);
  if (j && !json_is_object(j)) {
    json_decref(j);
    j = NULL;
  }
  return j;
}

static lr_id_error verify_uncached(lr_jwt_verifier *v, const char *t, size_t n, int64_t now_ms,
                                   lr_principal **out, int64_t *expires_ms, const char **why) {
  const char *d1 = memchr(t, '.', n);
  const char *d2 = d1 ? memchr(d1 + 1, '.', (size_t)(t + n - d1 - 1)) : NULL;
  if (!d2 || memchr(d2 + 1, '.', (size_t)(t + n - d2 - 1))) {
    *why = "a JWT has exactly three dot-separated parts";
    return LR_ID_MALFORMED;
  }
  size_t hlen = (size_t)(d1 - t), plen = (size_t)(d2 - d1 - 1), slen = (size_t)(t + n - d2 - 1);
  if (!hlen || !plen) {
    *why = "empty JWT part";
    return LR_ID_MALFORMED;
  }
  if (!slen) { /* an unsecured JWS (RFC 7515 Appendix A.5) */
    *why = "the token is unsigned";
    return LR_ID_ALG_NOT_ALLOWED;
  }
  json_t *hdr = segment_json(t, hlen);
  if (!hdr) {
    *why = "the JWT header is not a base64url-encoded JSON object";
    return LR_ID_MALFORMED;
  }
  lr_id_error e = LR_ID_MALFORMED;
  const json_t *alg_v = json_object_get(hdr, "alg"), *kid_v = json_object_get(hdr, "kid");
  lr_jwt_alg alg = 0;
  unsigned char *sig = NULL, *payload_raw = NULL;
  if (!json_is_string(alg_v))
    *why = "the JWT header has no alg";
  else if (!(alg = lr_jwt_alg_from_name(json_string_value(alg_v), json_string_length(alg_v))) ||
           !(v->algs & LR_JWT_ALG_BIT(alg)))
    e = LR_ID_ALG_NOT_ALLOWED, *why = "the token's alg is not allowed";
  else if (json_object_get(hdr, "crit")) /* RFC 7515 §4.1.11: we implement no extension */
    *why = "the JWT header has crit extensions";
  else if (v->typ && !typ_matches(json_object_get(hdr, "typ"), v->typ))
    e = LR_ID_MALFORMED, *why = "the JWT typ is not the required type";
  else if (kid_v && !is_cstring(kid_v))
    *why = "the JWT kid is not a string";
  else if (!(sig = lr_b64url_decode_alloc(d2 + 1, slen, &slen)))
    *why = "the JWT signature is not base64url";
  else if (!(payload_raw = lr_b64url_decode_alloc(d1 + 1, plen, &plen)))
    *why = "the JWT payload is not base64url";
  else {
    lr_jwks *keys = v->keys ? lr_jwks_slot_get(v->keys) : NULL;
    e = check_signature(v, keys, kid_v ? json_string_value(kid_v) : NULL, alg,
                        (const unsigned char *)t, (size_t)(d2 - t), sig, slen, why);
    lr_jwks_unref(keys);
  }
  json_decref(hdr);
  free(sig);
  if (e == LR_ID_OK) {
    json_t *claims = json_loadb((const char *)payload_raw, plen, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(claims)) {
      json_decref(claims);
      *why = "the JWT payload is not a JSON object";
      e = LR_ID_MALFORMED;
    } else
      e = principal_from_claims(v, claims, now_ms, out, expires_ms, why);
  }
  free(payload_raw);
  return e;
}

lr_id_error lr_jwt_verify(lr_jwt_verifier *v, const char *token, size_t n, lr_principal **out,
                          const char **why) {
  const char *dummy;
  if (!why) why = &dummy;
  *out = NULL;
  if (!token || n == 0) {
    *why = "no token";
    return LR_ID_MISSING;
  }
  if (n > v->max_token) {
    *why = "the token is too large";
    return LR_ID_MALFORMED;
  }
  int64_t now_ms = lr_clock_wall_ms(v->clock);
  /* Read the generation before the keys: a swap in between can only make
   * the entry look stale, never keep an entry verified under old keys. */
  uint64_t gen = v->keys ? lr_jwks_slot_generation(v->keys) : 0;
  if (v->cache) {
    if ((*out = lr_jwt_cache_get(v->cache, token, n, now_ms, gen))) {
      *why = NULL;
      return LR_ID_OK;
    }
  } else
    atomic_fetch_add_explicit(&v->nocache_misses, 1, memory_order_relaxed);
  int64_t expires_ms = 0;
  lr_id_error e = verify_uncached(v, token, n, now_ms, out, &expires_ms, why);
  if (e != LR_ID_OK) return e;
  *why = NULL;
  if (v->cache) lr_jwt_cache_put(v->cache, token, n, *out, expires_ms, gen);
  return LR_ID_OK;
}
