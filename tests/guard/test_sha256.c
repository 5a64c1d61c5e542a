/*
 * test_sha256.c — guard/sha256.c against FIPS 180-4 example vectors and
 * RFC 4231 HMAC-SHA256 test cases.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "pii_int.h"

static void hex(const uint8_t *d, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static void sha(const char *msg, size_t n, char *out) {
  pii_sha256 c;
  uint8_t d[32];
  pii_sha256_init(&c);
  /* feed in uneven pieces to exercise buffering */
  for (size_t i = 0; i < n;) {
    size_t k = (i % 7) + 1 < n - i ? (i % 7) + 1 : n - i;
    pii_sha256_update(&c, msg + i, k);
    i += k;
  }
  pii_sha256_final(&c, d);
  hex(d, 32, out);
}

Test(sha256, fips_vectors) {
  char out[65];
  sha("abc", 3, out);
  cr_expect_str_eq(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha("", 0, out);
  cr_expect_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha(m, strlen(m), out);
  cr_expect_str_eq(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  static char million[1000000];
  memset(million, 'a', sizeof million);
  sha(million, sizeof million, out);
  cr_expect_str_eq(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void hmac(const void *k, size_t kl, const void *m, size_t ml, char *out) {
  uint8_t d[32];
  const void *parts[] = {m};
  size_t lens[] = {ml};
  pii_hmac_sha256(k, kl, parts, lens, 1, d);
  hex(d, 32, out);
}

Test(sha256, rfc4231) {
  char out[65];
  uint8_t k1[20];
  memset(k1, 0x0b, sizeof k1);
  hmac(k1, 20, "Hi There", 8, out);
  cr_expect_str_eq(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  hmac("Jefe", 4, "what do ya want for nothing?", 28, out);
  cr_expect_str_eq(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  uint8_t k6[131];
  memset(k6, 0xaa, sizeof k6);
  const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
  hmac(k6, sizeof k6, m6, strlen(m6), out);
  cr_expect_str_eq(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
