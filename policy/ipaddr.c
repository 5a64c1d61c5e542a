/*
 * ipaddr.c — Cedar's `ipaddr` extension type: parsing, canonical text and
 * the predicates isLoopback / isMulticast / isInRange.
 *
 * Cedar (cedar-policy-core/src/extensions/ipaddr.rs) parses with Rust's
 * std::net::IpAddr: IPv4 is exactly four dot-separated decimal octets of
 * 1-3 digits, no leading zero, <= 255; IPv6 is up to eight groups of 1-4
 * hex digits with at most one `::`. IPv4-embedded IPv6 (::ffff:1.2.3.4) is
 * refused by Cedar, so it is not accepted here at all. A `/prefix` suffix is
 * 1-2 (IPv4) or 1-3 (IPv6) decimal digits without a leading zero, <= 32 or
 * <= 128; the whole text is at most 43 bytes. Host bits are kept as
 * written.
 */
#include <string.h>

#include "policy.h"
#include "policy_int.h"

typedef struct cursor {
  const char *p, *end;
} cursor;

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool eat(cursor *c, char ch) {
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return true;
  }
  return false;
}

/* One IPv4 octet: 1-3 decimal digits, no leading zero unless "0", <= 255. */
static bool read_octet(cursor *c, uint8_t *out) {
  const char *s = c->p;
  unsigned v = 0, n = 0;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
    v = v * 10 + (unsigned)(*c->p - '0');
    c->p++;
    if (++n > 3 || v > 255) return false;
  }
  if (n == 0 || (n > 1 && *s == '0')) return false;
  *out = (uint8_t)v;
  return true;
}

static bool parse_v4(cursor c, uint8_t out[4]) {
  for (int i = 0; i < 4; i++) {
    if (i > 0 && !eat(&c, '.')) return false;
    if (!read_octet(&c, &out[i])) return false;
  }
  return c.p == c.end;
}

/* One IPv6 group: 1-4 hex digits (a fifth digit fails the group). */
static bool read_group(cursor *c, uint16_t *out) {
  const char *save = c->p;
  unsigned v = 0, n = 0;
  int d;
  while (c->p < c->end && (d = hexval(*c->p)) >= 0) {
    v = v * 16 + (unsigned)d;
    c->p++;
    if (++n > 4) {
      c->p = save;
      return false;
    }
  }
  if (n == 0) {
    c->p = save;
    return false;
  }
  *out = (uint16_t)v;
  return true;
}

/* Reads up to limit ':'-separated groups; returns how many were read. A
 * separator not followed by a group is left unread. */
static int read_groups(cursor *c, uint16_t *groups, int limit) {
  for (int i = 0; i < limit; i++) {
    const char *save = c->p;
    if (i > 0 && !eat(c, ':')) return i;
    if (!read_group(c, &groups[i])) {
      c->p = save;
      return i;
    }
  }
  return limit;
}

static bool parse_v6(cursor c, uint8_t out[16]) {
  uint16_t head[8] = {0}, tail[7] = {0}, all[8] = {0};
  int nhead = read_groups(&c, head, 8);
  memcpy(all, head, sizeof head);
  if (nhead < 8) {
    if (!eat(&c, ':') || !eat(&c, ':')) return false;
    int ntail = read_groups(&c, tail, 8 - (nhead + 1));
    for (int i = 0; i < ntail; i++) all[8 - ntail + i] = tail[i];
  }
  if (c.p != c.end) return false;
  for (int i = 0; i < 8; i++) {
    out[2 * i] = (uint8_t)(all[i] >> 8);
    out[2 * i + 1] = (uint8_t)all[i];
  }
  return true;
}

static bool parse_addr(lr_str s, lr_ipaddr *ip) {
  cursor c = {s.p, s.p + s.n};
  memset(ip, 0, sizeof *ip);
  if (parse_v4(c, ip->addr)) {
    ip->prefix = 32;
    return true;
  }
  if (parse_v6(c, ip->addr)) {
    ip->v6 = true;
    ip->prefix = 128;
    return true;
  }
  return false;
}

/* Cedar's parse_prefix: at most max_len ASCII digits, no leading zero
 * (except "0" itself), value <= max. */
static bool parse_prefix(const char *p, size_t n, size_t max_len, unsigned max, unsigned *out) {
  if (n == 0 || n > max_len || (p[0] == '0' && n > 1)) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return false;
    v = v * 10 + (unsigned)(p[i] - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

/* Longest accepted text: "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789/128". */
#define IP_TEXT_MAX 43

lr_status lr_ipaddr_parse(lr_str s, lr_ipaddr *out, const char **err) {
  lr_ipaddr ip;
  const char *msg = "invalid IP address";
  const char *slash = s.n ? memchr(s.p, '/', s.n) : NULL;
  if (s.n > IP_TEXT_MAX) {
    msg = "IP address text too long";
  } else if (!slash) {
    if (parse_addr(s, &ip)) {
      *out = ip;
      return LR_OK;
    }
  } else {
    size_t alen = (size_t)(slash - s.p);
    unsigned prefix;
    if (!parse_addr(lr_str_make(s.p, alen), &ip)) {
      msg = "invalid IP address before the prefix";
    } else if (!parse_prefix(slash + 1, s.n - alen - 1, ip.v6 ? 3 : 2, ip.v6 ? 128 : 32, &prefix)) {
      msg = "invalid prefix length";
    } else {
      ip.prefix = (uint8_t)prefix;
      *out = ip;
      return LR_OK;
    }
  }
  if (err) *err = msg;
  return LR_ERR;
}

static char *put_hex(char *w, unsigned n) { /* no leading zeros */
  int sh = 12;
  while (sh > 0 && !(n >> sh)) sh -= 4;
  for (; sh >= 0; sh -= 4) *w++ = "0123456789abcdef"[(n >> sh) & 15];
  return w;
}

size_t lr_ipaddr_text(const lr_ipaddr *ip, char *out) {
  char *w = out;
  if (!ip->v6) {
    for (int i = 0; i < 4; i++) {
      if (i) *w++ = '.';
      w += lr_u64_text(ip->addr[i], w);
    }
  } else {
    unsigned g[8];
    for (int i = 0; i < 8; i++) g[i] = (unsigned)ip->addr[2 * i] << 8 | ip->addr[2 * i + 1];
    /* RFC 5952: compress the longest run (first if tied) of >= 2 zero groups. */
    int best = -1, bestlen = 1;
    for (int i = 0; i < 8;) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) j++;
      if (j - i > bestlen) best = i, bestlen = j - i;
      i = j;
    }
    for (int i = 0; i < 8; i++) {
      if (i == best) {
        *w++ = ':', *w++ = ':';
        i += bestlen - 1;
        continue;
      }
      if (i > 0 && i != best + bestlen) *w++ = ':';
      w = put_hex(w, g[i]);
    }
  }
  *w++ = '/';
  w += lr_u64_text(ip->prefix, w);
  *w = 0;
  return (size_t)(w - out);
}

void lr_ipaddr_format(const lr_ipaddr *ip, lr_buf *out) {
  char t[LR_IPADDR_TEXT_MAX];
  lr_buf_append(out, t, lr_ipaddr_text(ip, t));
}

/* Cedar 4: the whole range must be loopback, so the prefix counts too. */
bool lr_ipaddr_is_loopback(const lr_ipaddr *ip) {
  if (!ip->v6) return ip->addr[0] == 127 && ip->prefix >= 8;
  for (int i = 0; i < 15; i++)
    if (ip->addr[i]) return false;
  return ip->addr[15] == 1 && ip->prefix == 128;
}

bool lr_ipaddr_is_multicast(const lr_ipaddr *ip) {
  if (!ip->v6) return ip->addr[0] >= 224 && ip->addr[0] <= 239 && ip->prefix >= 4;
  return ip->addr[0] == 0xff && ip->prefix >= 8;
}

typedef unsigned __int128 u128;

static u128 addr_bits(const lr_ipaddr *ip) {
  u128 v = 0;
  for (int i = 0; i < (ip->v6 ? 16 : 4); i++) v = v << 8 | ip->addr[i];
  return v;
}

/* Network and broadcast addresses of ip's prefix, in a width-bit space. */
static void net_range(const lr_ipaddr *ip, int width, u128 *lo, u128 *hi) {
  u128 all = width == 128 ? ~(u128)0 : (((u128)1 << width) - 1);
  u128 host = ip->prefix >= width ? 0 : all >> ip->prefix;
  u128 a = addr_bits(ip);
  *lo = a & ~host & all;
  *hi = a | host;
}

bool lr_ipaddr_in_range(const lr_ipaddr *child, const lr_ipaddr *range) {
  if (child->v6 != range->v6) return false;
  int width = child->v6 ? 128 : 32;
  u128 clo, chi, rlo, rhi;
  net_range(child, width, &clo, &chi);
  net_range(range, width, &rlo, &rhi);
  return rlo <= clo && chi <= rhi;
}
