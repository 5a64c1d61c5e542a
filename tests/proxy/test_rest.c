/*
 * test_rest.c — REST path normalisation (proxy/rest.c): the canonical form,
 * each refusal, query parsing, and the guarantee as a property: random
 * meaning-preserving rewrites of a path normalise to the same Route, and
 * random hostile rewrites are refused or land on the same Route — never on
 * another path.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rest.h"

static lr_arena *A;
static void setup(void) { A = lr_arena_new(0); }
static void teardown(void) { lr_arena_free(A); }
TestSuite(rest, .init = setup, .fini = teardown);

/* The normalised path of t, or "!" + reason when refused. */
static const char *norm(const char *t) {
  lr_rest_path p;
  const char *why = NULL;
  if (lr_rest_normalize(A, lr_str_c(t), 0, &p, &why) != LR_OK)
    return lr_arena_sprintf(A, "!%s", why);
  return p.path.p;
}

#define NORM(in, want) cr_expect_str_eq(norm(in), want, "normalising %s", in)
#define REFUSED(in) cr_expect(norm(in)[0] == '!', "%s should be refused, got %s", in, norm(in))

Test(rest, canonical_forms) {
  NORM("/", "/");
  NORM("/users/42", "/users/42");
  NORM("/users/42/", "/users/42");
  NORM("//users///42//", "/users/42");
  NORM("/./users/./42/.", "/users/42");
  NORM("/a/b/../c", "/a/c");
  NORM("/a/b/..", "/a");
  NORM("/a/..", "/");
  NORM("/%61dmin", "/admin");
  NORM("/%41DMIN", "/ADMIN");
  NORM("/%7euser", "/~user");
  NORM("/a/%2e/b", "/a/b");
  NORM("/a/%2E%2e/b", "/b");
  NORM("/a/.%2e/b", "/b");
  NORM("/admin;x=y", "/admin");
  NORM("/admin;x=y/users;v=1", "/admin/users");
  NORM("/public;/../admin", "/admin");
  NORM("/a/..;/admin", "/admin");
  NORM("/caf%C3%A9", "/caf\xc3\xa9");
  NORM("/caf\xc3\xa9", "/caf\xc3\xa9");
  NORM("/a+b", "/a+b");
  NORM("/a%20b", "/a b");
  NORM("/...", "/...");
  NORM("/..a/b.", "/..a/b.");
  NORM("/100%25", "/100%");
  NORM("/users?x=1&y=../../z", "/users");
  NORM("/?", "/");
}

Test(rest, refusals) {
  REFUSED("");
  REFUSED("users");
  REFUSED("*");
  REFUSED("http://h/a");
  REFUSED("/..");
  REFUSED("/a/../..");
  REFUSED("/%2e%2e/etc");
  REFUSED("/a/%2e%2e/%2e%2e");
  REFUSED("/admin%2fsecret");
  REFUSED("/admin%2Fsecret");
  REFUSED("/admin%5csecret");
  REFUSED("/admin\\secret");
  REFUSED("/admin%3bx");
  REFUSED("/admin%00");
  REFUSED("/admin%0a");
  REFUSED("/admin%7f");
  REFUSED("/ad min");
  REFUSED("/admin\t");
  REFUSED("/admin#frag");
  REFUSED("/%");
  REFUSED("/%4");
  REFUSED("/%zz");
  REFUSED("/%u002e%u002e");
  REFUSED("/%252e%252e/admin");
  REFUSED("/a%252fb");
  REFUSED("/%c0%ae%c0%ae/admin"); /* overlong "." */
  REFUSED("/%e0%80%ae");          /* overlong, 3 bytes */
  REFUSED("/%ed%a0%80");          /* surrogate */
  REFUSED("/%f4%90%80%80");       /* > U+10FFFF */
  REFUSED("/%c3");                /* truncated */
  REFUSED("/\xc0\xae");
  REFUSED("/\xff");
  REFUSED("/a?b c");
  REFUSED("/a?b#c");
}

Test(rest, limits) {
  char *big = lr_arena_alloc(A, LR_REST_MAX_TARGET + 2);
  memset(big, 'a', LR_REST_MAX_TARGET + 1);
  big[0] = '/';
  big[LR_REST_MAX_TARGET + 1] = 0;
  REFUSED(big);
  big[LR_REST_MAX_TARGET] = 0;
  cr_expect_eq(strlen(norm(big)), LR_REST_MAX_TARGET);
  lr_buf b = {0};
  for (unsigned i = 0; i <= LR_REST_MAX_SEGMENTS; i++) lr_buf_puts(&b, "/s");
  lr_buf_putc(&b, 0);
  REFUSED(b.p);
  lr_buf_free(&b);
}

Test(rest, fold_case) {
  lr_rest_path p;
  const char *why;
  cr_assert_eq(lr_rest_normalize(A, LR_STR("/Admin/%55SERS"), LR_REST_FOLD_CASE, &p, &why), LR_OK);
  cr_expect_str_eq(p.path.p, "/admin/users");
}

Test(rest, segments_forward_and_query) {
  lr_rest_path p;
  const char *why;
  cr_assert_eq(lr_rest_normalize(A, LR_STR("/v1//caf%c3%a9/a%20b/./x;p=1?q=1&r"), 0, &p, &why),
               LR_OK);
  cr_expect_str_eq(p.path.p, "/v1/caf\xc3\xa9/a b/x");
  cr_assert_eq(p.nsegs, 4);
  cr_expect(lr_str_eq(p.segs[0], LR_STR("v1")));
  cr_expect(lr_str_eq(p.segs[1], LR_STR("caf\xc3\xa9")));
  cr_expect(lr_str_eq(p.segs[2], LR_STR("a b")));
  cr_expect(lr_str_eq(p.segs[3], LR_STR("x")));
  cr_expect_str_eq(p.forward.p, "/v1/caf%C3%A9/a%20b/x?q=1&r");
  cr_expect(p.has_query);
  cr_expect(lr_str_eq(p.query, LR_STR("q=1&r")));
  cr_assert_eq(lr_rest_normalize(A, LR_STR("/a"), 0, &p, &why), LR_OK);
  cr_expect(!p.has_query);
  cr_expect_str_eq(p.forward.p, "/a");
  /* reserved characters that stay literal, and the percent sign */
  cr_assert_eq(lr_rest_normalize(A, LR_STR("/a:b@c!$&'()*+,=/100%25"), 0, &p, &why), LR_OK);
  cr_expect_str_eq(p.forward.p, "/a:b@c!$&'()*+,=/100%25");
}

Test(rest, query_parse) {
  lr_rest_param *ps;
  size_t n;
  const char *why;
  cr_assert_eq(lr_rest_query_parse(A, LR_STR("a=1&&b=x+y%21&c&=v&a=2"), &ps, &n, &why), LR_OK);
  cr_assert_eq(n, 5);
  cr_expect_str_eq(ps[0].name.p, "a");
  cr_expect_str_eq(ps[0].value.p, "1");
  cr_expect_str_eq(ps[1].value.p, "x y!");
  cr_expect_str_eq(ps[2].name.p, "c");
  cr_expect_str_eq(ps[2].value.p, "");
  cr_expect_str_eq(ps[3].name.p, "");
  cr_expect_str_eq(ps[4].value.p, "2");
  cr_expect_eq(lr_rest_query_parse(A, LR_STR("a=%zz"), &ps, &n, &why), LR_ERR);
  cr_expect_eq(lr_rest_query_parse(A, LR_STR("a=%00"), &ps, &n, &why), LR_ERR);
  cr_expect_eq(lr_rest_query_parse(A, LR_STR("a=%c0%80"), &ps, &n, &why), LR_ERR);
  cr_expect_eq(lr_rest_query_parse(A, LR_STR(""), &ps, &n, &why), LR_OK);
  cr_expect_eq(n, 0);
}

Test(rest, utf8) {
  cr_expect(lr_rest_utf8_valid((const unsigned char *)"\xf0\x9f\x98\x80", 4));
  cr_expect(lr_rest_utf8_valid((const unsigned char *)"\xef\xbf\xbf", 3));
  cr_expect(!lr_rest_utf8_valid((const unsigned char *)"\xf0\x8f\xbf\xbf", 4));
  cr_expect(!lr_rest_utf8_valid((const unsigned char *)"\x80", 1));
  cr_expect(!lr_rest_utf8_valid((const unsigned char *)"\xc1\xbf", 2));
}

/* ---- the guarantee, as a property ------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state % n);
}

static const char *const bases[] = {"/admin",
                                    "/admin/users",
                                    "/api/v1/orders/17",
                                    "/public",
                                    "/files/report.pdf",
                                    "/caf\xc3\xa9/menu",
                                    "/a/b/c/d/e/f",
                                    "/"};

/* Appends segment s of a path, rewritten without changing its meaning:
 * some characters percent-encoded (either hex case), matrix parameters. */
static void emit_segment(lr_buf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (rnd(4) == 0)
      lr_buf_printf(b, rnd(2) ? "%%%02X" : "%%%02x", c);
    else
      lr_buf_putc(b, (char)c);
  }
  if (rnd(6) == 0) lr_buf_puts(b, rnd(2) ? ";jsessionid=1" : ";");
}

/* A meaning-preserving rewrite of path: extra "/" and "/./", detours
 * "/x/../", encoded characters, dot segments encoded, a trailing "/". */
static void rewrite(lr_buf *b, const char *path) {
  const char *p = path + 1;
  lr_buf_putc(b, '/');
  while (*p) {
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    switch (rnd(8)) {
    case 0: lr_buf_putc(b, '/'); break;
    case 1: lr_buf_puts(b, rnd(2) ? "./" : "%2e/"); break;
    case 2: lr_buf_puts(b, rnd(2) ? "detour/../" : "x;y=1/%2E%2E/"); break;
    case 3: lr_buf_puts(b, "a/b/../../"); break;
    default: break;
    }
    emit_segment(b, p, n);
    p += n;
    if (*p == '/') {
      lr_buf_putc(b, '/');
      p++;
    }
  }
  if (rnd(4) == 0) lr_buf_putc(b, '/');
  if (rnd(4) == 0) lr_buf_puts(b, "?q=%2e%2e/x");
  lr_buf_putc(b, 0);
}

/* Hostile rewrites: each must be refused or keep the path. */
static const char *const hostile[] = {
    "%2f", "%2F", "%5c", "\\",   "%00",   "%0d%0a",    "%252e", "%c0%af", "%c0%ae",  "%e0%80%af",
    "%3b", "%",   "%g1", "\x01", "..%2f", "%2e%2e%2f", " ",     "%ff",    "\xc0\xaf"};

Test(rest, property_tricks_never_change_the_route) {
  for (int round = 0; round < 20000; round++) {
    const char *base = bases[rnd(sizeof bases / sizeof *bases)];
    const char *want = norm(base);
    cr_assert(want[0] == '/', "base %s must normalise", base);
    lr_buf b = {0};
    rewrite(&b, base);
    const char *got = norm(b.p);
    cr_assert_str_eq(got, want, "rewrite %s of %s", b.p, base);
    /* the forwarded form normalises to the same path (a fixpoint) */
    lr_rest_path p;
    const char *why;
    cr_assert_eq(lr_rest_normalize(A, lr_str_c(b.p), 0, &p, &why), LR_OK);
    lr_rest_path p2;
    cr_assert_eq(lr_rest_normalize(A, p.forward, 0, &p2, &why), LR_OK, "%s", p.forward.p);
    cr_assert_str_eq(p2.path.p, want);
    cr_assert_str_eq(p2.forward.p, p.forward.p);
    /* now splice a hostile fragment in at a random byte position */
    size_t len = b.len - 1, at = 1 + rnd((uint32_t)len);
    const char *h = hostile[rnd(sizeof hostile / sizeof *hostile)];
    lr_buf m = {0};
    lr_buf_append(&m, b.p, at);
    lr_buf_puts(&m, h);
    lr_buf_append(&m, b.p + at, len - at);
    lr_buf_putc(&m, 0);
    const char *mg = norm(m.p);
    const char *q = memchr(m.p, '?', m.len);
    bool in_query = q && (size_t)(q - m.p) < at;
    if (!in_query && mg[0] != '!') {
      /* accepted: only when the fragment was harmless where it landed,
       * e.g. "/../.." inside a detour; then the path must be a fixpoint
       * and must not be another base path */
      for (size_t k = 0; k < sizeof bases / sizeof *bases; k++)
        if (strcmp(bases[k], base)) cr_assert_str_neq(mg, norm(bases[k]), "%s", m.p);
    }
    lr_buf_free(&b);
    lr_buf_free(&m);
    if (round % 256 == 0) lr_arena_reset(A);
  }
}

/* Random bytes: whatever is accepted is canonical (a fixpoint with no empty,
 * "." or ".." segments and valid UTF-8). */
Test(rest, property_random_bytes_canonical) {
  static const char alphabet[] = "/./..;%2e%2f%25%c3%a9abAB\\?#\x01\xc3\xa9 ";
  for (int round = 0; round < 20000; round++) {
    char t[48];
    size_t n = 1 + rnd(40);
    t[0] = '/';
    for (size_t i = 1; i < n; i++) t[i] = alphabet[rnd(sizeof alphabet - 1)];
    lr_rest_path p, p2;
    const char *why;
    if (lr_rest_normalize(A, lr_str_make(t, n), 0, &p, &why) != LR_OK) continue;
    cr_assert(lr_rest_utf8_valid((const unsigned char *)p.path.p, p.path.n));
    cr_assert(!strstr(p.path.p, "//"));
    for (size_t k = 0; k < p.nsegs; k++) {
      cr_assert(p.segs[k].n > 0);
      cr_assert(!lr_str_eq(p.segs[k], LR_STR(".")) && !lr_str_eq(p.segs[k], LR_STR("..")));
    }
    cr_assert_eq(lr_rest_normalize(A, p.forward, 0, &p2, &why), LR_OK, "%s: %s", p.forward.p, why);
    cr_assert_str_eq(p2.path.p, p.path.p);
    if (round % 256 == 0) lr_arena_reset(A);
  }
}
