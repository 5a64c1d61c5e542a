/*
 * bench/jwt.c — JWT verification cost: ns per uncached verification per
 * algorithm (with bare OpenSSL EVP_DigestVerify of the same signature as
 * the in-run reference), and ns per cache hit (DESIGN §7 budget: ≤ 500 ns).
 *
 * Deterministic workload: fixed payload, fixed iteration counts, median of
 * 5 runs. Each run checks that every verification succeeded and folds the
 * principals' ids into a checksum, so a fast wrong answer cannot pass.
 *
 * usage: bench_jwt [scale]   (scale multiplies the iteration counts, default 1)
 */
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "identity.h"
#include "jwt_testkit.h"

#define RUNS 5
#define NOW_S 1800000000LL

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v) {
  qsort(v, RUNS, sizeof *v, cmp_d);
  return v[RUNS / 2];
}

static uint64_t fold(uint64_t h, const char *s) {
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
  return h;
}

static const char *payload(int i) {
  static char buf[1024];
  snprintf(buf, sizeof buf,
           "{\"iss\":\"https://idp.example.com/realms/prod\",\"sub\":\"user-%06d\","
           "\"aud\":[\"larch\",\"mcp-gateway\"],\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld,"
           "\"jti\":\"8f14e45f-ceea-467a-a866-051b3f5a%04d\",\"email\":\"user%d@example.com\","
           "\"name\":\"Benchmark User\",\"roles\":[\"developer\",\"reader\",\"tools-basic\"],"
           "\"groups\":\"eng platform\",\"scope\":\"openid profile email mcp:tools\","
           "\"azp\":\"agent-runner\",\"tenant\":\"acme\"}",
           i, NOW_S + 3600, NOW_S - 60, NOW_S - 60, i % 10000, i);
  return buf;
}

typedef struct alg_case {
  const char *alg;
  tk_key *key;
  int iters;
} alg_case;

/* The signature of tok in the form OpenSSL verifies (DER for ECDSA). */
static unsigned char *openssl_sig(const char *alg, const tk_key *k, const char *tok, size_t *n) {
  const char *dot = strrchr(tok, '.') + 1;
  size_t len = strlen(dot);
  /* decode base64url (the bench's own, tolerant decoder) */
  unsigned char *raw = malloc(len);
  size_t o = 0;
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; i++) {
    const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    acc = acc << 6 | (unsigned)(strchr(abc, dot[i]) - abc);
    bits += 6;
    if (bits >= 8) raw[o++] = (unsigned char)(acc >> (bits -= 8));
  }
  if (strncmp(alg, "ES", 2) != 0) {
    *n = o;
    return raw;
  }
  size_t sz = o / 2;
  ECDSA_SIG *es = ECDSA_SIG_new();
  ECDSA_SIG_set0(es, BN_bin2bn(raw, (int)sz, NULL), BN_bin2bn(raw + sz, (int)sz, NULL));
  unsigned char *der = NULL;
  *n = (size_t)i2d_ECDSA_SIG(es, &der);
  ECDSA_SIG_free(es);
  free(raw);
  (void)k;
  return der;
}

static const EVP_MD *md_of(const char *alg) {
  if (strcmp(alg, "EdDSA") == 0) return NULL;
  if (strstr(alg, "384")) return EVP_sha384();
  if (strstr(alg, "512")) return EVP_sha512();
  return EVP_sha256();
}

/* Bare OpenSSL: one EVP_DigestVerify per iteration, nothing else. */
static double bare_openssl_ns(const alg_case *c, const char *tok) {
  size_t slen;
  unsigned char *sig = openssl_sig(c->alg, c->key, tok, &slen);
  size_t mlen = (size_t)(strrchr(tok, '.') - tok);
  double runs[RUNS];
  for (int r = 0; r < RUNS; r++) {
    int64_t t0 = now_ns();
    for (int i = 0; i < c->iters; i++) {
      EVP_MD_CTX *ctx = EVP_MD_CTX_new();
      EVP_PKEY_CTX *pctx;
      EVP_DigestVerifyInit(ctx, &pctx, md_of(c->alg), NULL, c->key->pkey);
      if (c->alg[0] == 'P') {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
      }
      if (EVP_DigestVerify(ctx, sig, slen, (const unsigned char *)tok, mlen) != 1) {
        fprintf(stderr, "bench_jwt: bare %s verification failed\n", c->alg);
        exit(1);
      }
      EVP_MD_CTX_free(ctx);
    }
    runs[r] = (double)(now_ns() - t0) / c->iters;
  }
  if (strncmp(c->alg, "ES", 2) == 0)
    OPENSSL_free(sig);
  else
    free(sig);
  return median(runs);
}

/* The sub of payload(i). */
static const char *sub_of(int i) {
  static char buf[32];
  snprintf(buf, sizeof buf, "user-%06d", i);
  return buf;
}

/* ns per lr_jwt_verify over toks[i % ntoks] (toks[k] carries sub_of(first
 * + k)); every result must verify and the folded subs must equal the
 * expected fold, else the bench fails. */
static double verify_ns(lr_jwt_verifier *v, char **toks, int ntoks, int first, int iters,
                        uint64_t *sum) {
  double runs[RUNS];
  uint64_t want = 1469598103934665603ULL;
  for (int i = 0; i < iters; i++) want = fold(want, sub_of(first + i % ntoks));
  for (int r = 0; r < RUNS; r++) {
    uint64_t h = 1469598103934665603ULL;
    int64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      const char *t = toks[i % ntoks];
      lr_principal *p;
      if (lr_jwt_verify(v, t, strlen(t), &p, NULL) != LR_ID_OK) {
        fprintf(stderr, "bench_jwt: verification failed\n");
        exit(1);
      }
      h = fold(h, p->uid.id.p);
      lr_principal_unref(p);
    }
    runs[r] = (double)(now_ns() - t0) / iters;
    if (h != want) {
      fprintf(stderr, "bench_jwt: wrong principals (checksum mismatch)\n");
      exit(1);
    }
    *sum = fold(*sum, "|") ^ h;
  }
  return median(runs);
}

int main(int argc, char **argv) {
  const char *only = NULL; /* --only ALG: just that row (for profiling) */
  if (argc > 2 && strcmp(argv[1], "--only") == 0) only = argv[2], argc -= 2, argv += 2;
  int scale = argc > 1 ? atoi(argv[1]) : 1;
  if (scale < 1) scale = 1;
  tk_key rsa = tk_rsa(2048), p256 = tk_ec("P-256"), p384 = tk_ec("P-384"), ed = tk_ed25519(),
         hs = tk_hmac(32);
  char *j[5] = {tk_jwk(&rsa, "rsa", NULL), tk_jwk(&p256, "p256", NULL), tk_jwk(&p384, "p384", NULL),
                tk_jwk(&ed, "ed", NULL), tk_jwk(&hs, "hs", NULL)};
  char *doc = tk_jwks(5, j[0], j[1], j[2], j[3], j[4]);
  lr_diags d = {0};
  lr_jwks_slot *slot = lr_jwks_slot_new(lr_jwks_parse(doc, strlen(doc), "bench", 0, &d));
  lr_clock_manual clock;
  lr_clock_manual_init(&clock, 0, NOW_S * 1000);
  lr_jwt_config nocache = {.cache_entries = SIZE_MAX,
                           .issuer = "https://idp.example.com/realms/prod",
                           .audience = "larch"};
  lr_jwt_config cached = nocache;
  cached.cache_entries = 8192; /* room for the 4096 tokens in rotation (16 shards) */
  lr_jwt_verifier *vu = lr_jwt_verifier_new(&nocache, slot, &clock.clock);

  alg_case cases[] = {
      {"RS256", &rsa, 400},  {"RS512", &rsa, 400}, {"PS256", &rsa, 400}, {"ES256", &p256, 200},
      {"ES384", &p384, 100}, {"EdDSA", &ed, 400},  {"HS256", &hs, 4000},
  };
  /* DESIGN §7 references measured earlier on this machine */
  const struct {
    const char *alg;
    double ns;
  } ref[] = {{"RS256", 19000}, {"ES256", 64000}};
  uint64_t sum = 0;
  double rs256 = 0;
  printf("bench_jwt: JWT verification, median of %d runs, token ~%zu B payload\n", RUNS,
         strlen(payload(0)));
  printf("%-8s %14s %16s %10s %14s\n", "alg", "larch ns/op", "openssl-only ns", "overhead",
         "DESIGN ref");
  char kid[8];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    alg_case *c = &cases[i];
    if (only && strcmp(only, c->alg) != 0) continue;
    c->iters *= scale;
    snprintf(kid, sizeof kid, "%s",
             c->key == &rsa    ? "rsa"
             : c->key == &p256 ? "p256"
             : c->key == &p384 ? "p384"
             : c->key == &ed   ? "ed"
                               : "hs");
    char hdr[128];
    snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", c->alg, kid);
    char *tok = tk_sign(c->key, c->alg, hdr, payload((int)i), false);
    double ours = verify_ns(vu, &tok, 1, (int)i, c->iters, &sum);
    if (i == 0) rs256 = ours;
    double bare = strcmp(c->alg, "HS256") == 0 ? 0 : bare_openssl_ns(c, tok);
    char refs[32] = "-";
    for (size_t r = 0; r < sizeof ref / sizeof ref[0]; r++)
      if (strcmp(ref[r].alg, c->alg) == 0)
        snprintf(refs, sizeof refs, "%.0f (%.2fx)", ref[r].ns, ours / ref[r].ns);
    if (bare > 0)
      printf("%-8s %14.0f %16.0f %9.2fx %14s\n", c->alg, ours, bare, ours / bare, refs);
    else
      printf("%-8s %14.0f %16s %10s %14s\n", c->alg, ours, "-", "-", refs);
    free(tok);
  }

  if (only) return 0;
  /* cache hits: one hot token, then 4096 distinct tokens in rotation */
  lr_jwt_verifier *vc = lr_jwt_verifier_new(&cached, slot, &clock.clock);
  enum { NT = 4096 };
  char **toks = malloc(NT * sizeof *toks);
  for (int i = 0; i < NT; i++) {
    char hdr[96];
    snprintf(hdr, sizeof hdr, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"rsa\"}");
    toks[i] = i == 0
                  ? tk_sign(&rsa, "RS256", hdr, payload(i), false)
                  : tk_sign(&hs, "HS256", "{\"alg\":\"HS256\",\"kid\":\"hs\"}", payload(i), false);
  }
  size_t toklen = strlen(toks[0]);
  double hot = verify_ns(vc, toks, 1, 0, 1000000 * scale, &sum);
  verify_ns(vc, toks, NT, 0, NT, &sum); /* fill */
  double rot = verify_ns(vc, toks, NT, 0, 400000 * scale, &sum);
  lr_jwt_cache_stats st;
  lr_jwt_cache_stats_get(vc, &st);
  printf("cache hit, one hot RS256 token (%zu B)     %8.1f ns  (budget 500 ns: %s)\n", toklen, hot,
         hot <= 500 ? "ok" : "OVER");
  printf("cache hit, 4096 tokens in rotation (~%zu B) %7.1f ns  (budget 500 ns: %s)\n",
         strlen(toks[1]), rot, rot <= 500 ? "ok" : "OVER");
  printf("cache: %llu hits, %llu misses, %zu entries; RS256 uncached / hit = %.0fx\n",
         (unsigned long long)st.hits, (unsigned long long)st.misses, st.entries, rs256 / hot);
  printf("checksum %016llx\n", (unsigned long long)sum);

  for (int i = 0; i < NT; i++) free(toks[i]);
  free(toks);
  lr_jwt_verifier_free(vu);
  lr_jwt_verifier_free(vc);
  lr_jwks_slot_free(slot);
  for (int i = 0; i < 5; i++) free(j[i]);
  free(doc);
  lr_diags_free(&d);
  tk_key *ks[] = {&rsa, &p256, &p384, &ed, &hs};
  for (int i = 0; i < 5; i++) tk_key_free(ks[i]);
  return 0;
}
