/*
 * jwks.c — JSON Web Key sets (RFC 7517; members per RFC 7518 §6 and
 * RFC 8037 §2) turned into OpenSSL verification keys, and the swappable
 * slot that holds the current set.
 *
 * Diagnostic codes: I0101 not JSON, I0102 no "keys" array, I0103 a key
 * that cannot be used (skipped as a warning, an error with
 * LR_JWKS_STRICT), I0104 no usable key, I0105 unreadable file.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jose.h"

#define MIN_RSA_BITS 2048
#define MIN_OCT_BYTES 32
#define MAX_KEYS 1024

/* ---- one key -------------------------------------------------------------- */

typedef struct key_ctx {
  const json_t *jwk;
  size_t index;
  const char *why;    /* static reason when a member is bad */
  const char *member; /* which member */
} key_ctx;

/* Decodes the base64url string member `name` of the JWK; NULL (with
 * k->why/member set) when absent or invalid. */
static unsigned char *member_bytes(key_ctx *k, const char *name, size_t *len) {
  const json_t *v = json_object_get(k->jwk, name);
  k->member = name;
  if (!v) {
    k->why = "is missing";
    return NULL;
  }
  if (!json_is_string(v)) {
    k->why = "is not a string";
    return NULL;
  }
  unsigned char *b = lr_b64url_decode_alloc(json_string_value(v), json_string_length(v), len);
  if (!b)
    k->why = "is not base64url (RFC 7515 §2: no padding, no whitespace)";
  else if (*len == 0) {
    k->why = "is empty";
    free(b);
    b = NULL;
  }
  return b;
}

/* Builds a public key of type `type` from fromdata params. */
static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld) {
  EVP_PKEY *pkey = NULL;
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    pkey = NULL;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return pkey;
}

/* Full public-key validation (EC: point on the curve, not infinity). */
static bool public_check(EVP_PKEY *pkey) {
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
  bool ok = ctx && EVP_PKEY_public_check(ctx) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

static lr_status rsa_key(key_ctx *k, lr_jwk *out) {
  size_t nlen, elen;
  unsigned char *n = member_bytes(k, "n", &nlen), *e = n ? member_bytes(k, "e", &elen) : NULL;
  lr_status st = LR_ERR;
  if (!n || !e) goto done;
  k->member = "e";
  if (elen > 8 || !(e[elen - 1] & 1)) {
    k->why = "is not an odd exponent of at most 64 bits";
    goto done;
  }
  BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
    out->pkey = from_params("RSA", bld);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn);
  BN_free(be);
  k->member = "n";
  if (!out->pkey)
    k->why = "does not make an RSA public key";
  else if (EVP_PKEY_get_bits(out->pkey) < MIN_RSA_BITS)
    k->why = "is shorter than 2048 bits (RFC 7518 §3.3)";
  else
    st = LR_OK;
done:
  free(n);
  free(e);
  return st;
}

static lr_status ec_key(key_ctx *k, lr_jwk *out) {
  const char *crv = json_string_value(json_object_get(k->jwk, "crv"));
  const char *group = NULL;
  size_t size = 0;
  if (crv && strcmp(crv, "P-256") == 0)
    group = "prime256v1", size = 32;
  else if (crv && strcmp(crv, "P-384") == 0)
    group = "secp384r1", size = 48;
  else if (crv && strcmp(crv, "P-521") == 0)
    group = "secp521r1", size = 66;
  if (!group) {
    k->member = "crv";
    k->why = "is not P-256, P-384 or P-521";
    return LR_ERR;
  }
  size_t xl, yl;
  unsigned char *x = member_bytes(k, "x", &xl), *y = x ? member_bytes(k, "y", &yl) : NULL;
  lr_status st = LR_ERR;
  if (!x || !y) goto done;
  if (xl != size || yl != size) { /* RFC 7518 §6.2.1.2: full coordinate length */
    k->member = xl != size ? "x" : "y";
    k->why = "does not have the curve's coordinate length";
    goto done;
  }
  unsigned char pub[1 + 2 * 66];
  pub[0] = 0x04; /* uncompressed point (SEC 1 §2.3.3) */
  memcpy(pub + 1, x, size);
  memcpy(pub + 1 + size, y, size);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 1 + 2 * size))
    out->pkey = from_params("EC", bld);
  OSSL_PARAM_BLD_free(bld);
  k->member = "x";
  if (!out->pkey || !public_check(out->pkey))
    k->why = "is not a point on the curve";
  else {
    out->ec_size = size;
    st = LR_OK;
  }
done:
  free(x);
  free(y);
  return st;
}

static lr_status okp_key(key_ctx *k, lr_jwk *out) {
  const char *crv = json_string_value(json_object_get(k->jwk, "crv"));
  if (!crv || strcmp(crv, "Ed25519") != 0) {
    k->member = "crv";
    k->why = "is not Ed25519";
    return LR_ERR;
  }
  size_t xl;
  unsigned char *x = member_bytes(k, "x", &xl);
  if (!x) return LR_ERR;
  if (xl == 32) out->pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, x, xl);
  free(x);
  if (!out->pkey) {
    k->why = "is not a 32-byte Ed25519 public key";
    return LR_ERR;
  }
  return LR_OK;
}

static lr_status oct_key(key_ctx *k, lr_jwk *out) {
  out->secret = member_bytes(k, "k", &out->secret_len);
  if (!out->secret) return LR_ERR;
  if (out->secret_len < MIN_OCT_BYTES) {
    k->why = "is shorter than 32 bytes (RFC 7518 §3.2)";
    return LR_ERR;
  }
  return LR_OK;
}

static void jwk_clear(lr_jwk *k) {
  free(k->kid);
  EVP_PKEY_free(k->pkey);
  if (k->secret) OPENSSL_cleanse(k->secret, k->secret_len);
  free(k->secret);
  memset(k, 0, sizeof *k);
}

/* Turns keys[i] into *out; LR_ERR with k->member/why otherwise. */
static lr_status parse_key(key_ctx *k, lr_jwk *out) {
  memset(out, 0, sizeof *out);
  if (!json_is_object(k->jwk)) {
    k->member = NULL;
    k->why = "is not an object";
    return LR_ERR;
  }
  const json_t *kty = json_object_get(k->jwk, "kty"), *use = json_object_get(k->jwk, "use"),
               *alg = json_object_get(k->jwk, "alg"), *kid = json_object_get(k->jwk, "kid"),
               *ops = json_object_get(k->jwk, "key_ops");
  k->member = "kty";
  if (!json_is_string(kty)) {
    k->why = "is missing or not a string";
    return LR_ERR;
  }
  k->member = "use";
  if (use && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0)) {
    k->why = "is not \"sig\"";
    return LR_ERR;
  }
  if (ops) {
    bool verify = false;
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op) verify |=
        json_is_string(op) && strcmp(json_string_value(op), "verify") == 0;
    if (!verify) {
      k->member = "key_ops";
      k->why = "does not contain \"verify\"";
      return LR_ERR;
    }
  }
  k->member = "kid";
  if (kid && (!json_is_string(kid) || strlen(json_string_value(kid)) != json_string_length(kid))) {
    k->why = "is not a string";
    return LR_ERR;
  }
  if (alg) {
    k->member = "alg";
    if (!json_is_string(alg) ||
        !(out->alg = lr_jwt_alg_from_name(json_string_value(alg), json_string_length(alg)))) {
      k->why = "is not a supported JWS algorithm";
      return LR_ERR;
    }
  }
  const char *t = json_string_value(kty);
  lr_status st;
  if (strcmp(t, "RSA") == 0)
    out->kty = LR_KTY_RSA, st = rsa_key(k, out);
  else if (strcmp(t, "EC") == 0)
    out->kty = LR_KTY_EC, st = ec_key(k, out);
  else if (strcmp(t, "OKP") == 0)
    out->kty = LR_KTY_OKP, st = okp_key(k, out);
  else if (strcmp(t, "oct") == 0)
    out->kty = LR_KTY_OCT, st = oct_key(k, out);
  else {
    k->member = "kty";
    k->why = "is not RSA, EC, OKP or oct";
    st = LR_ERR;
  }
  if (st == LR_OK && out->alg && !lr_jwk_allows(out, out->alg)) {
    k->member = "alg";
    k->why = "does not fit the key type, curve or size";
    st = LR_ERR;
  }
  if (st != LR_OK) {
    jwk_clear(out);
    return LR_ERR;
  }
  if (kid) out->kid = lr_xstrdup(json_string_value(kid));
  return LR_OK;
}

/* ---- the set -------------------------------------------------------------- */

static void jwks_free(lr_jwks *s) {
  for (size_t i = 0; i < s->n; i++) jwk_clear(&s->keys[i]);
  free(s->keys);
  free(s);
}

lr_jwks *lr_jwks_parse(const char *json, size_t n, const char *name, unsigned flags, lr_diags *d) {
  if (!name) name = "<jwks>";
  json_t *root = lr_id_json_parse(json, n, name, "the JWKS", "I0101", d);
  if (!root) return NULL;
  json_t *keys = json_object_get(root, "keys");
  bool single = !keys && json_object_get(root, "kty");
  if (!single && (!json_is_array(keys) || json_array_size(keys) > MAX_KEYS)) {
    lr_diag_error(d, "I0102", NULL, 0, 0,
                  "%s: a JWKS needs a \"keys\" array (of at most %d keys) or to be one JWK", name,
                  MAX_KEYS);
    json_decref(root);
    return NULL;
  }
  size_t count = single ? 1 : json_array_size(keys);
  lr_jwks *s = lr_xcalloc(1, sizeof *s);
  atomic_init(&s->refs, 1);
  s->keys = lr_xcalloc(count ? count : 1, sizeof *s->keys);
  size_t bad = 0;
  for (size_t i = 0; i < count; i++) {
    key_ctx k = {.jwk = single ? root : json_array_get(keys, i), .index = i};
    if (parse_key(&k, &s->keys[s->n]) == LR_OK) {
      s->n++;
      continue;
    }
    bad++;
    char path[48];
    if (single)
      snprintf(path, sizeof path, "$");
    else
      snprintf(path, sizeof path, "keys[%zu]", i);
    lr_diags_add(d, (flags & LR_JWKS_STRICT) ? LR_SEV_ERROR : LR_SEV_WARNING, "I0103", NULL, 0, 0,
                 "%s: %s%s%s %s%s", name, path, k.member ? "." : "", k.member ? k.member : "",
                 k.why, (flags & LR_JWKS_STRICT) ? "" : "; key skipped");
  }
  json_decref(root);
  if ((bad && (flags & LR_JWKS_STRICT)) || s->n == 0) {
    if (s->n == 0) lr_diag_error(d, "I0104", NULL, 0, 0, "%s: the JWKS has no usable key", name);
    jwks_free(s);
    return NULL;
  }
  return s;
}

lr_jwks *lr_jwks_load(const char *path, unsigned flags, lr_diags *d) {
  lr_buf b = {0};
  if (lr_buf_read_file(&b, path) != LR_OK) {
    lr_diag_error(d, "I0105", NULL, 0, 0, "%s: cannot read the JWKS file", path);
    lr_buf_free(&b);
    return NULL;
  }
  lr_jwks *s = lr_jwks_parse(b.p ? b.p : "", b.len, path, flags, d);
  lr_buf_free(&b);
  return s;
}

lr_jwks *lr_jwks_ref(lr_jwks *k) {
  if (k) atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
  return k;
}

void lr_jwks_unref(lr_jwks *k) {
  if (k && atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) == 1) jwks_free(k);
}

size_t lr_jwks_count(const lr_jwks *k) { return k ? k->n : 0; }

/* ---- the slot -------------------------------------------------------------- */

struct lr_jwks_slot {
  pthread_mutex_t mu;
  lr_jwks *cur;
  _Atomic uint64_t generation;
};

lr_jwks_slot *lr_jwks_slot_new(lr_jwks *initial) {
  lr_jwks_slot *s = lr_xcalloc(1, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  s->cur = initial;
  atomic_init(&s->generation, 1);
  return s;
}

void lr_jwks_slot_free(lr_jwks_slot *s) {
  if (!s) return;
  lr_jwks_unref(s->cur);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

lr_jwks *lr_jwks_slot_get(lr_jwks_slot *s) {
  pthread_mutex_lock(&s->mu);
  lr_jwks *k = lr_jwks_ref(s->cur);
  pthread_mutex_unlock(&s->mu);
  return k;
}

void lr_jwks_slot_swap(lr_jwks_slot *s, lr_jwks *next) {
  pthread_mutex_lock(&s->mu);
  lr_jwks *old = s->cur;
  s->cur = next;
  atomic_fetch_add_explicit(&s->generation, 1, memory_order_release);
  pthread_mutex_unlock(&s->mu);
  lr_jwks_unref(old);
}

uint64_t lr_jwks_slot_generation(const lr_jwks_slot *s) {
  return atomic_load_explicit(&((lr_jwks_slot *)s)->generation, memory_order_acquire);
}

lr_status lr_jwks_slot_reload(lr_jwks_slot *s, const char *path, unsigned flags, lr_diags *d) {
  lr_jwks *next = lr_jwks_load(path, flags, d);
  if (!next) return LR_ERR;
  lr_jwks_slot_swap(s, next);
  return LR_OK;
}
