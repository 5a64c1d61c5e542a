/* test_ipaddr.c — ip(): the formats Rust's std::net parser (and so Cedar)
 * accepts, prefixes, and isIpv4 / isIpv6 / isLoopback / isMulticast /
 * isInRange. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy_test_util.h"

static const char *canon(const char *s) {
  static char buf[128];
  lr_ipaddr ip;
  if (lr_ipaddr_parse(lr_str_c(s), &ip, NULL) != LR_OK) return "ERR";
  lr_arena *a = lr_arena_new(0);
  lr_buf b = {0};
  lr_value_print(lr_value_ipaddr(a, &ip), &b);
  snprintf(buf, sizeof buf, "%s", b.p);
  lr_buf_free(&b);
  lr_arena_free(a);
  return buf;
}

#define CANON(s, want) cr_expect_str_eq(canon(s), want, "%s", s)

Test(ipaddr, ipv4) {
  CANON("127.0.0.1", "ip(\"127.0.0.1/32\")");
  CANON("10.0.0.0/8", "ip(\"10.0.0.0/8\")");
  CANON("10.1.2.3/8", "ip(\"10.1.2.3/8\")");
  CANON("0.0.0.0/0", "ip(\"0.0.0.0/0\")");
  CANON("255.255.255.255", "ip(\"255.255.255.255/32\")");
  CANON("1.2.3.4/0", "ip(\"1.2.3.4/0\")");
  CANON("1.2.3.4/+8", "ERR");
  CANON("1.2.3.4/08", "ERR");
  CANON("174.174.174.0/00", "ERR");
  CANON("1.2.3.4/032", "ERR");
  CANON("01.2.3.4", "ERR");
  CANON("1.2.3.04", "ERR");
  CANON("00.2.3.4", "ERR");
  CANON("256.0.0.1", "ERR");
  CANON("1.2.3", "ERR");
  CANON("1.2.3.4.5", "ERR");
  CANON("1.2.3.4/33", "ERR");
  CANON("1.2.3.4/", "ERR");
  CANON("1.2.3.4/-1", "ERR");
  CANON("1.2.3.4/8/8", "ERR");
  CANON("1.2.3.4 ", "ERR");
  CANON("", "ERR");
  CANON("1.2.3.1000", "ERR");
}

Test(ipaddr, ipv6) {
  CANON("::1", "ip(\"::1/128\")");
  CANON("::", "ip(\"::/128\")");
  CANON("1::", "ip(\"1::/128\")");
  CANON("2001:DB8::/32", "ip(\"2001:db8::/32\")");
  CANON("1:2:3:4:5:6:7:8", "ip(\"1:2:3:4:5:6:7:8/128\")");
  CANON("1:2:3:4:5:6:7::", "ip(\"1:2:3:4:5:6:7:0/128\")");
  CANON("1:0:0:2:0:0:0:3", "ip(\"1:0:0:2::3/128\")");
  CANON("0001:0002::", "ip(\"1:2::/128\")");
  CANON("::ffff:ff00:1", "ip(\"::ffff:ff00:1/128\")");
  CANON("ffff::/129", "ERR");
  CANON("ffff::/0128", "ERR");
  CANON("ffff::/08", "ERR");
  CANON("ABCD:EF01:2345:6789:ABCD:EF01:2345:6789/128",
        "ip(\"abcd:ef01:2345:6789:abcd:ef01:2345:6789/128\")");
  CANON("0ABCD:EF01:2345:6789:ABCD:EF01:2345:6789/128", "ERR");
  CANON("0000:0000:0000:0000:0000:0000:0000:0001/128", "ip(\"::1/128\")");
  CANON("00000:0000:0000:0000:0000:0000:0000:0001/12", "ERR");
  CANON("12345::", "ERR");
  CANON("1:2:3:4:5:6:7:8:9", "ERR");
  CANON("1:2:3:4:5:6:7:8::", "ERR");
  CANON("1:::2", "ERR");
  CANON(":1::", "ERR");
  CANON("1::2::3", "ERR");
  CANON("::ffff:127.0.0.1", "ERR"); /* Cedar refuses IPv4-embedded IPv6 */
  CANON("::127.0.0.1", "ERR");
  CANON("fe80::1%eth0", "ERR");
  CANON("g::", "ERR");
}

Test(ipaddr, methods) {
  tenv t;
  tenv_init(&t);
  cr_expect_str_eq(tshow(&t, "ip(\"127.0.0.1\").isIpv4()"), "true");
  cr_expect_str_eq(tshow(&t, "ip(\"::1\").isIpv6()"), "true");
  cr_expect_str_eq(tshow(&t, "ip(\"127.255.0.9/8\").isLoopback()"), "true");
  cr_expect_str_eq(tshow(&t, "ip(\"::1\").isLoopback()"), "true");
  cr_expect_str_eq(tshow(&t, "ip(\"127.0.0.1/7\").isLoopback()"), "false");
  cr_expect_str_eq(tshow(&t, "ip(\"::1/127\").isLoopback()"), "false");
  cr_expect_str_eq(tshow(&t, "ip(\"::2\").isLoopback()"), "false");
  cr_expect_str_eq(tshow(&t, "ip(\"::ffff:7f00:1\").isLoopback()"), "false");
  cr_expect_str_eq(tshow(&t, "ip(\"224.0.0.1\").isMulticast()"), "true");
  cr_expect_str_eq(tshow(&t, "ip(\"224.0.0.0/3\").isMulticast()"), "false");
  cr_expect_str_eq(tshow(&t, "ip(\"239.255.255.255/4\").isMulticast()"), "true");
  cr_expect_str_eq(tshow(&t, "ip(\"ff02::1\").isMulticast()"), "true");
  cr_expect_str_eq(tshow(&t, "ip(\"ff00::/7\").isMulticast()"), "false");
  cr_expect_str_eq(tshow(&t, "ip(\"10.1.0.0/16\").isInRange(ip(\"10.0.0.0/8\"))"), "true");
  cr_expect_str_eq(tshow(&t, "ip(\"10.0.0.0/8\").isInRange(ip(\"10.1.0.0/16\"))"), "false");
  cr_expect_str_eq(tshow(&t, "ip(\"10.0.0.1\").isInRange(ip(\"10.0.0.1\"))"), "true");
  cr_expect_str_eq(tshow(&t, "ip(\"1.2.3.4\").isInRange(ip(\"0.0.0.0/0\"))"), "true");
  cr_expect_str_eq(tshow(&t, "ip(\"::1\").isInRange(ip(\"::/0\"))"), "true");
  cr_expect_str_eq(tshow(&t, "ip(\"1.2.3.4\").isInRange(ip(\"::/0\"))"), "false");
  cr_expect_str_eq(tshow(&t, "ip(\"2001:db8::1\").isInRange(ip(\"2001:db8::/32\"))"), "true");
  cr_expect(strncmp(tshow(&t, "ip(\"1.2.3.4\").isInRange(\"1.2.3.4\")"), "error", 5) == 0);
  cr_expect(strncmp(tshow(&t, "\"1.2.3.4\".isIpv4()"), "error", 5) == 0);
  tenv_free(&t);
}

/* lr_ipaddr_text against the C library's inet_ntop (RFC 5952 for IPv6) on
 * many addresses with runs of zero groups; glibc writes IPv4-mapped and
 * -compatible addresses as dotted quads, Cedar does not: those are skipped. */
Test(ipaddr, text_matches_inet_ntop) {
  uint64_t x = 88172645463325252ull;
  size_t compared = 0;
  for (int n = 0; n < 200000; n++) {
    lr_ipaddr ip = {{0}, 0, n & 1};
    for (int i = 0; i < 16; i += 2) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      unsigned g = (x & 3) ? 0 : (unsigned)(x >> 20) & ((x & 4) ? 0xffff : 0xf);
      ip.addr[i] = (uint8_t)(g >> 8), ip.addr[i + 1] = (uint8_t)g;
    }
    if (!ip.v6) memcpy(ip.addr, &x, 4);
    ip.prefix = (uint8_t)((x >> 40) % (ip.v6 ? 129 : 33));
    char want[64], got[LR_IPADDR_TEXT_MAX];
    if (!inet_ntop(ip.v6 ? AF_INET6 : AF_INET, ip.addr, want, sizeof want)) cr_assert_fail("inet_ntop");
    if (strchr(want, '.') && ip.v6) continue;
    size_t len = strlen(want);
    snprintf(want + len, sizeof want - len, "/%u", ip.prefix);
    size_t n2 = lr_ipaddr_text(&ip, got);
    cr_assert_str_eq(got, want);
    cr_assert_eq(n2, strlen(want));
    compared++;
  }
  cr_expect_gt(compared, 150000);
}
