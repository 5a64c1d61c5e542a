/*
 * jwt_testkit.h — a small, independent JWT signer for tests and bench/jwt:
 * generates keys with OpenSSL, exports them as JWKs and signs compact JWS
 * tokens. It shares no code with proxy/ (its own base64url encoder), so a
 * bug on one side cannot hide one on the other.
 */
#ifndef LARCH_TESTS_JWT_TESTKIT_H
#define LARCH_TESTS_JWT_TESTKIT_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct tk_key {
  EVP_PKEY *pkey;            /* asymmetric keys */
  unsigned char secret[128]; /* HMAC keys */
  size_t secret_len;
} tk_key;

/* Key generation: "RSA" (bits), "P-256"/"P-384"/"P-521", "Ed25519". */
tk_key tk_rsa(int bits);
tk_key tk_ec(const char *crv);
tk_key tk_ed25519(void);
tk_key tk_hmac(size_t len);
void tk_key_free(tk_key *k);

/* The public JWK of k as JSON text (heap). kid and alg may be NULL. */
char *tk_jwk(const tk_key *k, const char *kid, const char *alg);
/* {"keys": [jwk...]} from n JWK texts (heap). */
char *tk_jwks(int n, ...);
/* The SubjectPublicKeyInfo PEM of an asymmetric key (heap). */
char *tk_pem(const tk_key *k);

/* base64url without padding (heap). */
char *tk_b64url(const void *p, size_t n);

/* Signs b64url(header) "." b64url(payload) with alg ("RS256", "PS384",
 * "ES256", "EdDSA", "HS256", ...). With der_ecdsa, ECDSA signatures stay
 * DER (an attack case). Returns the token (heap), NULL on failure. */
char *tk_sign(const tk_key *k, const char *alg, const char *header, const char *payload,
              bool der_ecdsa);
/* HMAC-signs with raw secret bytes (for confusion attacks). */
char *tk_sign_hmac_secret(const void *secret, size_t n, const char *header, const char *payload);

#endif
