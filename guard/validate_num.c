/*
 * validate_num.c — validators for structured PII: credit cards (Luhn and an
 * issuer prefix/length table), US SSNs, phone numbers (E.164, NANP, national
 * formats), IPv4/IPv6 addresses, IBANs (ISO 13616 length per country and
 * mod-97) and email addresses (real TLDs).
 *
 * The scanner hands over a whole numeric run (digit groups joined by single
 * separators); here it is cut into windows at spaces and each window is
 * tested, so "card 4111 1111 1111 1111 exp 12/26" and "call +1 555 123 4567"
 * both resolve, while dates, versions, ZIP+4 codes, ISBNs, ticket ids and
 * OIDs do not fit any window.
 */
#include <string.h>

#include "pii_int.h"

/* ---- helpers -------------------------------------------------------------- */

/* True if p[s-1] ends a word: literal "\n"/"\t"/"\r" escapes count as
 * boundaries so raw JSON text scans like its decoded form. */
static bool left_free(const char *p, size_t s) {
  if (s == 0) return true;
  unsigned char c = (unsigned char)p[s - 1];
  if (!pii_is_word(c)) return true;
  return (c == 'n' || c == 't' || c == 'r') && s >= 2 && p[s - 2] == '\\';
}

/* Does p[0, n) contain `word` (lower case) starting at a word boundary? */
static bool lower_has(const char *p, size_t n, const char *word) {
  size_t w = strlen(word);
  for (size_t i = 0; i + w <= n; i++) {
    if (i > 0 && pii_is_alpha((unsigned char)p[i - 1])) continue;
    if (pii_ieq(p + i, word, w)) return true;
  }
  return false;
}

/* A context word among the `back` bytes before s. */
static bool context_before(const char *p, size_t s, size_t back, const char *const *words) {
  size_t from = s > back ? s - back : 0;
  for (const char *const *w = words; *w; w++)
    if (lower_has(p + from, s - from, *w)) return true;
  return false;
}

/* Bytes skipped between a context word and what follows it. */
static const bool before_ip[256] = {[' '] = 1, ['='] = 1, ['"'] = 1, ['\''] = 1, ['('] = 1, [':'] = 1};
static const bool before_phone[256] = {[' '] = 1, ['\t'] = 1, [':'] = 1, ['.'] = 1, ['#'] = 1, ['-'] = 1};
static const bool blanks[256] = {[' '] = 1, ['\t'] = 1};

/* s, moved back over at most max of the bytes in `past`. */
static inline size_t skip_back(const char *p, size_t s, const bool *past, int max) {
  for (int q = 0; q < max && s > 0 && past[(unsigned char)p[s - 1]]; q++) s--;
  return s;
}

/* The ASCII word (letters, at most max) that ends at p[e]: sets *w to its
 * start; false when none ends there or it is part of a longer alphanumeric run. */
static inline bool word_at(const char *p, size_t e, size_t max, size_t *w) {
  size_t x = e;
  while (x > 0 && e - x < max && pii_is_alpha((unsigned char)p[x - 1])) x--;
  if (x == e || (x > 0 && pii_is_alnum((unsigned char)p[x - 1]))) return false;
  *w = x;
  return true;
}

/* Is p[0, n) (n > 0) one of the lower-case words, in any letter case? */
static bool word_in(const char *p, size_t n, const char *const *words) {
  unsigned char c0 = pii_lower((unsigned char)p[0]);
  for (const char *const *x = words; *x; x++)
    if ((unsigned char)(*x)[0] == c0 && strlen(*x) == n && pii_ieq(p, *x, n)) return true;
  return false;
}

/* ---- Luhn, issuers, SSN ---------------------------------------------------- */

bool pii_luhn(const char *d, size_t n) {
  unsigned sum = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned v = (unsigned)(d[n - 1 - i] - '0');
    if (i & 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
  }
  return sum % 10 == 0;
}

static unsigned prefix_num(const char *d, size_t k) {
  unsigned v = 0;
  for (size_t i = 0; i < k; i++) v = v * 10 + (unsigned)(d[i] - '0');
  return v;
}

/* Issuer identification ranges and lengths (ISO/IEC 7812 as published by
 * the networks). Lengths outside the table, e.g. 12-digit account ids, never
 * pass. */
bool pii_card_issuer(const char *d, size_t n) {
  unsigned p1 = prefix_num(d, 1), p2 = prefix_num(d, 2), p3 = prefix_num(d, 3),
           p4 = prefix_num(d, 4), p6 = n >= 6 ? prefix_num(d, 6) : 0;
  if (p1 == 4) return n == 13 || n == 16 || n == 19;                        /* Visa */
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16; /* Mastercard */
  if (p4 >= 2200 && p4 <= 2204) return n == 16;                             /* Mir */
  if (p2 == 34 || p2 == 37) return n == 15;                                 /* Amex */
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 || (p6 >= 622126 && p6 <= 622925))
    return n >= 16 && n <= 19;                             /* Discover */
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; /* JCB */
  if ((p3 >= 300 && p3 <= 305) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39)
    return n >= 14 && n <= 19;             /* Diners */
  if (p2 == 62) return n >= 16 && n <= 19; /* UnionPay */
  if (p4 == 5018 || p4 == 5020 || p4 == 5038 || p4 == 5893 || p4 == 6304 || p4 == 6759 ||
      (p4 >= 6761 && p4 <= 6763))
    return n >= 13 && n <= 19; /* Maestro */
  return false;
}

bool pii_ssn_valid(const char *d) {
  unsigned area = prefix_num(d, 3), group = prefix_num(d + 3, 2), serial = prefix_num(d + 5, 4);
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return false;
  /* well-known samples: the Woolworth wallet card, the ad card, 123-45-6789 */
  static const char *const samples[] = {"078051120", "219099999", "123456789", NULL};
  for (const char *const *s = samples; *s; s++)
    if (memcmp(d, *s, 9) == 0) return false;
  return true;
}

/* ---- numeric runs ----------------------------------------------------------- */

#define MAXG 24

typedef struct run {
  const char *p;
  size_t n;
  bool plus;
  size_t k;                  /* groups */
  size_t gs[MAXG], ge[MAXG]; /* group offsets */
} run;

/* The separator text before group i (i ≥ 1), e.g. "-", " ", ") ". */
static lr_str sep(const run *r, size_t i) {
  return lr_str_make(r->p + r->ge[i - 1], r->gs[i] - r->ge[i - 1]);
}

static bool sep_is_n(const run *r, size_t i, const char *s, size_t l) {
  if (r->gs[i] - r->ge[i - 1] != l) return false;
  const char *q = r->p + r->ge[i - 1];
  for (size_t x = 0; x < l; x++) /* separators are 1–3 bytes: no memcmp call */
    if (q[x] != s[x]) return false;
  return true;
}
#define sep_is(r, i, lit) sep_is_n(r, i, "" lit "", sizeof(lit) - 1)
#define str_is(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

/* May a window start or end at the separator before group i? */
static bool cuttable(const run *r, size_t i) {
  lr_str s = sep(r, i);
  if (s.n == 1) return s.p[0] == ' ' || s.p[0] == '/';
  /* a closing bracket ends a value: "(142.250.74.46) 56(84)"; a slash between
     blanks joins two: "(415) 555-0132 / (415) 555-0199" */
  if (s.n <= 3 && s.p[0] == ')') return true;
  return s.n >= 3 && s.n <= 4 && s.p[0] == ' ' && s.p[1] == '/' && s.p[2] == ' ';
}

static size_t glen(const run *r, size_t i) { return r->ge[i] - r->gs[i]; }

/* Groups a, a+1, a+2 (all in the run) are NXX NXX XXXX-shaped: 3, 3 and 4 digits. */
static bool nanp_groups(const run *r, size_t a) {
  return glen(r, a) == 3 && glen(r, a + 1) == 3 && glen(r, a + 2) == 4;
}

/* Concatenates the digits of groups [i, j) into d; returns the count. */
static size_t digits(const run *r, size_t i, size_t j, char *d, size_t cap) {
  size_t m = 0;
  for (size_t g = i; g < j; g++)
    for (size_t x = r->gs[g]; x < r->ge[g]; x++) {
      if (m == cap) return cap + 1;
      d[m++] = r->p[x];
    }
  return m;
}

static bool seps_all_n(const run *r, size_t i, size_t j, const char *s, size_t l) {
  for (size_t g = i + 1; g < j; g++)
    if (!sep_is_n(r, g, s, l)) return false;
  return true;
}
#define seps_all(r, i, j, lit) seps_all_n(r, i, j, "" lit "", sizeof(lit) - 1)

static bool try_ipv4(const run *r, size_t i, size_t j) {
  if (j - i != 4 || (i == 0 && r->plus) || !seps_all(r, i, j, ".")) return false;
  /* a version, when the word right before (past blanks, = " ' ( :) is a version word
     or ends in "version" (AssemblyVersion 4.2.1.0, newVersion="4.0.0.0") — but not
     "Build node 34.31.224.66" */
  static const char *const version_words[] = {"ver", "release", "build", "firmware", "v", "oid",
                                              NULL};
  size_t e = skip_back(r->p, r->gs[i], before_ip, 3), w;
  if (word_at(r->p, e, 32, &w) &&
      (word_in(r->p + w, e - w, version_words) ||
       (e - w >= 7 && pii_ieq(r->p + e - 7, "version", 7))))
    return false;
  for (size_t g = i; g < j; g++) {
    size_t l = glen(r, g);
    if (l > 3 || (l > 1 && r->p[r->gs[g]] == '0')) return false;
    if (prefix_num(r->p + r->gs[g], l) > 255) return false;
  }
  return true;
}

static bool all_same(const char *d, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (d[i] != d[0]) return false;
  return true;
}

static bool try_card(const run *r, size_t i, size_t j) {
  if (i == 0 && r->plus) return false;
  char d[24];
  size_t n = digits(r, i, j, d, 19);
  if (n < 13 || n > 19 || all_same(d, n)) return false;
  size_t k = j - i;
  if (k > 1) {
    lr_str s0 = sep(r, i + 1);
    if (!(str_is(s0, " ") || str_is(s0, "-"))) return false;
    for (size_t g = i + 2; g < j; g++)
      if (!lr_str_eq(sep(r, g), s0)) return false;
    bool fours = true;
    for (size_t g = i; g + 1 < j; g++) fours &= glen(r, g) == 4;
    bool amex = k == 3 && glen(r, i) == 4 && glen(r, i + 1) == 6 &&
                (glen(r, i + 2) == 5 || glen(r, i + 2) == 4);
    if (!(fours && glen(r, j - 1) <= 4) && !amex) return false;
  }
  if (!pii_card_issuer(d, n) || !pii_luhn(d, n)) return false;
  /* an ungrouped Luhn-valid number introduced as an order or invoice number is one */
  static const char *const id_words[] = {"order",  "invoice",     "tracking", "shipment",
                                         "ticket", "transaction", "ref",      NULL};
  static const char *const card_words[] = {"card", "visa", "amex", "mastercard", "cc", NULL};
  if (k > 1) return true; /* 4-4-4-4 grouping is how cards are written, not ids */
  return !(context_before(r->p, r->gs[i], 16, id_words) &&
           !context_before(r->p, r->gs[i], 16, card_words));
}

static const char *const ssn_words[] = {"ssn",         "social security", "social_security",
                                        "socialsecurity", "ss#",          NULL};

/* An SSN keyword before p[s] on the same line, with no digits between them
 * ("ssn: 407-79-0086\nrouting 074300093" names one number, not the next). */
static bool ssn_word_before(const char *p, size_t s) {
  size_t from = s > 32 ? s - 32 : 0;
  for (size_t x = s; x > from; x--)
    if (p[x - 1] == '\n' || pii_is_digit((unsigned char)p[x - 1])) {
      from = x;
      break;
    }
  return context_before(p + from, s - from, s - from, ssn_words);
}

static bool try_ssn(const run *r, size_t i, size_t j) {
  if (i == 0 && r->plus) return false;
  char d[10];
  if (j - i == 3) {
    if (glen(r, i) != 3 || glen(r, i + 1) != 2 || glen(r, i + 2) != 4) return false;
    if (!(seps_all(r, i, j, "-") || seps_all(r, i, j, " "))) return false;
  } else if (j - i == 1) {
    if (glen(r, i) != 9 || !ssn_word_before(r->p, r->gs[i])) return false;
  } else {
    return false;
  }
  digits(r, i, j, d, 9);
  return pii_ssn_valid(d);
}

/* Is the word just before p[s] (past blanks and : . # - ( ) a phone word:
 * Tel, Tel.:, Telefon(e), Telephone, (Tel)éfono, Phone, Mobile, Mobil, Handy,
 * Cell, Celular, Fax, WhatsApp? */
static bool phone_word_before(const char *p, size_t s) {
  static const char *const words[] = {
      "tel",  "telefon", "telefone", "telefono", "telephone", "phone", "mobile", "mobil",
      "handy", "cell",   "celular",  "movil",    "fax",       "whatsapp", "tlf", "ph",
      "call",  "dial",   "sms",
      "contact", "contacto", "kontakt",
      "fono", "vil", /* the ASCII ends of Teléfono, Móvil */
      NULL};
  /* the same words in CJK, in UTF-8: 电话 電話 手机 手機 携帯 전화 */
  static const char *const cjk[] = {"\xe7\x94\xb5\xe8\xaf\x9d", "\xe9\x9b\xbb\xe8\xa9\xb1",
                                    "\xe6\x89\x8b\xe6\x9c\xba", "\xe6\x89\x8b\xe6\xa9\x9f",
                                    "\xe6\x90\xba\xe5\xb8\xaf", "\xec\xa0\x84\xed\x99\x94", NULL};
  static const char *const number_words[] = {"number", "no", NULL};
  size_t e = skip_back(p, s, before_phone, 4), w;
  /* most numbers follow no word at all: one test turns them away */
  if (e == 0 || !(pii_is_alpha((unsigned char)p[e - 1]) || (unsigned char)p[e - 1] >= 0x80))
    return false;
  for (int hop = 0; hop < 2; hop++) {
    if (!word_at(p, e, 12, &w)) break;
    if (word_in(p + w, e - w, words)) return true;
    /* "phone number", "mobile no.": the phone word is one further back */
    if (hop || !word_in(p + w, e - w, number_words)) return false;
    e = skip_back(p, w, blanks, 4);
  }
  if (e >= 3 && memcmp(p + e - 3, "\xef\xbc\x9a", 3) == 0) e -= 3; /* full-width colon */
  if (e < 6 || (unsigned char)p[e - 1] < 0x80) return false;
  for (const char *const *x = cjk; *x; x++)
    if (memcmp(p + e - 6, *x, 6) == 0) return true;
  return false;
}

/* NANP: NXX area code (no N11, second digit not 9); the exchange must be
 * NXX too when the number has no separators (strict), while the separated
 * forms accept the fictional-looking 555-123-4567 that test data uses. */
static bool nanp_area_ok(const char *d) {
  if (d[0] < '2' || (d[1] == '1' && d[2] == '1')) return false;
  return d[1] != '9';
}
static bool nanp_ok(const char *d) {
  return nanp_area_ok(d) && d[3] >= '2' && !(d[4] == '1' && d[5] == '1');
}

/* Total digit counts (country code included) of E.164 numbers for the main
 * country codes; others accept 8–15. */
static bool e164_len_ok(const char *d, size_t n) {
  static const struct {
    const char *cc;
    unsigned char lo, hi;
  } t[] = {{"1", 11, 11},   {"7", 11, 11},   {"20", 12, 12},  {"27", 11, 11}, {"30", 12, 12},
           {"31", 11, 11},  {"32", 10, 11},  {"33", 11, 11},  {"34", 11, 11}, {"36", 10, 11},
           {"39", 10, 13},  {"41", 11, 11},  {"43", 10, 14},  {"44", 11, 12}, {"45", 10, 10},
           {"46", 9, 12},   {"47", 10, 10},  {"48", 11, 11},  {"49", 10, 14}, {"52", 12, 13},
           {"54", 12, 13},  {"55", 12, 13},  {"61", 11, 11},  {"62", 10, 14}, {"63", 12, 12},
           {"64", 10, 12},  {"65", 10, 10},  {"66", 10, 11},  {"81", 11, 12}, {"82", 10, 12},
           {"84", 11, 12},  {"86", 12, 13},  {"90", 12, 12},  {"91", 12, 12}, {"92", 12, 12},
           {"234", 12, 13}, {"353", 11, 12}, {"351", 12, 12}, {"358", 9, 13}, {"971", 11, 12},
           {"972", 11, 12}, {"966", 12, 12}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    size_t l = strlen(t[i].cc);
    if (memcmp(d, t[i].cc, l) == 0) return n >= t[i].lo && n <= t[i].hi;
  }
  return n >= 8 && n <= 15;
}

static bool try_phone(const run *r, size_t i, size_t j) {
  char d[24];
  size_t n = digits(r, i, j, d, 20);
  if (n > 20) return false;
  size_t k = j - i;
  if (i == 0 && r->plus) {
    /* "+44 (0) 20 …": the bracketed trunk 0 is not dialled internationally */
    for (size_t g = i + 1; g + 1 < j; g++)
      if (glen(r, g) == 1 && r->p[r->gs[g]] == '0' && r->p[r->gs[g] - 1] == '(' &&
          r->p[r->ge[g]] == ')') {
        size_t at = 0;
        for (size_t h = i; h < g; h++) at += glen(r, h);
        memmove(d + at, d + at + 1, n - at - 1);
        n--;
        break;
      }
    if (n < 8 || n > 15 || d[0] == '0') return false;
    for (size_t g = i + 1; g < j; g++) /* separators: space . - ( ) */
      if (sep(r, g).n > 3) return false;
    return e164_len_ok(d, n);
  }
  /* "(415) 555-…": a bracket around the first group (one around the whole
     number, "(415-555-0132)", is not part of it) */
  bool paren = r->gs[i] > 0 && r->p[r->gs[i] - 1] == '(' && r->ge[i] < r->n &&
               r->p[r->ge[i]] == ')';
  /* NANP with separators: [1 |001 ]NXX NXX XXXX */
  size_t a = i;
  if (k == 4 && ((glen(r, i) == 1 && d[0] == '1') || (glen(r, i) == 3 && memcmp(d, "001", 3) == 0)))
    a = i + 1;
  bool nanp_shape = j - a == 3 && nanp_groups(r, a);
  if (nanp_shape) {
    const char *dd = d + (a > i ? glen(r, i) : 0);
    lr_str s1 = sep(r, a + 1), s2 = sep(r, a + 2);
    bool ok;
    if (str_is(s1, ")") || str_is(s1, ") "))
      ok = (a > 0 || paren) && (str_is(s2, "-") || str_is(s2, " ") || str_is(s2, "."));
    else
      ok = !paren && lr_str_eq(s1, s2) && (str_is(s1, "-") || str_is(s1, ".") || str_is(s1, " "));
    if (ok && a > i && !(lr_str_eq(sep(r, a), s2) || sep_is(r, a, " ") || sep_is(r, a, " (")))
      ok = false;
    if (ok && nanp_area_ok(dd)) return true;
    /* not a NANP number: "Tel: 020-123 4567" may still be a national one below */
  }
  /* national formats right after a phone word (Tel.: 089/1234567, Celular: (11) 98765-4321,
     Telefon: 8 (912) 345-67-89, phone: 0612345678): 8 to 12 digits in up to six groups
     split by blanks, dashes, dots, slashes or a bracketed area code, not a date, and
     not a NANP-shaped number the rules above turned away (phone 123-456-7890) */
  size_t at = r->gs[i] - (r->gs[i] > 0 && r->p[r->gs[i] - 1] == '(' ? 1 : 0);
  if (n >= 8 && n <= 12 && k <= 6 && !(nanp_shape && d[0] != '0') && phone_word_before(r->p, at)) {
    bool ok = true;
    for (size_t g = i + 1; g < j && ok; g++) {
      lr_str sg = sep(r, g);
      ok = sg.n <= 2 && glen(r, g) >= 2;
      for (size_t x = 0; x < sg.n && ok; x++) ok = strchr(" -./()", sg.p[x]) != NULL;
    }
    bool date = k == 3 && !sep_is(r, i + 1, " ") &&
                ((glen(r, i) == 4 && glen(r, i + 1) == 2 && glen(r, i + 2) == 2) ||
                 (glen(r, i) == 2 && glen(r, i + 1) == 2 && glen(r, i + 2) == 4));
    bool quad = k == 4 && seps_all(r, i, j, "."); /* "phone 10.113.89.153": an address */
    if (ok && !date && !quad) return true;
  }
  /* compact national number after a context word */
  if (k == 1 && (n == 10 || (n == 11 && d[0] == '1')) && !paren) {
    if (!phone_word_before(r->p, r->gs[i])) return false; /* not "Contact ID: 5366089949" */
    return nanp_ok(d + (n - 10)) || (n == 11 && d[0] == '0');
  }
  /* Indian mobiles after a context word: 98765 43210 */
  if (n == 10 && d[0] >= '6' && k == 2 && glen(r, i) == 5 && sep_is(r, i + 1, " ") &&
      phone_word_before(r->p, r->gs[i]))
    return true;
  /* the international prefix 00 written for +: 0044 20 7946 0958 */
  if (d[0] == '0' && d[1] == '0' && d[2] != '0' && glen(r, i) >= 3 && glen(r, i) <= 5 && k >= 3 &&
      !paren) {
    lr_str s0 = sep(r, i + 1);
    if (!(str_is(s0, " ") || str_is(s0, "-") || str_is(s0, "."))) return false;
    for (size_t g = i + 1; g < j; g++)
      if (glen(r, g) < 2 || !lr_str_eq(sep(r, g), s0)) return false;
    return n - 2 >= 8 && n - 2 <= 15 && e164_len_ok(d + 2, n - 2);
  }
  /* national formats with a trunk 0: 020 7946 0958, 01 23 45 67 89, (02) 9876 5432 */
  if (d[0] == '0' && n >= 10 && n <= 11 && k >= 2 && k <= 5 && d[1] != '0') {
    lr_str s0 = sep(r, i + 1);
    for (size_t g = i; g < j; g++)
      if (glen(r, g) < 2) return false;
    size_t from = i + 1;
    if (paren && (str_is(s0, ") ") || str_is(s0, ")")))
      from = i + 2;
    else if (paren)
      return false;
    for (size_t g = from; g < j; g++)
      if (!(sep_is(r, g, " ") || sep_is(r, g, "-") || sep_is(r, g, "."))) return false;
    if (from < j && k >= 4 && sep_is(r, from, "-")) return false; /* ISBN-like */
    return true;
  }
  return false;
}

void pii_check_numrun(const char *p, size_t n, size_t s, size_t e, lr_pii_set en,
                      lr_pii_hits *out) {
  run r; /* arrays filled as groups are found, not zeroed */
  r.p = p, r.n = n, r.plus = false, r.k = 0;
  size_t x = s;
  if (p[x] == '+') {
    r.plus = true;
    x++;
  }
  /* split into digit groups; cum[g] digits in the groups before g */
  size_t ndig = 0, cum[MAXG + 1];
  cum[0] = 0;
  while (x < e) {
    while (x < e && !pii_is_digit((unsigned char)p[x])) x++;
    if (x >= e) break;
    if (r.k == MAXG) return; /* absurdly long run: not a single value */
    r.gs[r.k] = x;
    while (x < e && pii_is_digit((unsigned char)p[x])) x++;
    r.ge[r.k] = x;
    ndig += r.ge[r.k] - r.gs[r.k];
    cum[++r.k] = ndig;
  }
  /* a window that passes has 8 or more digits or four groups */
  if (ndig < 8 && r.k < 4) return;
  /* glue: a run that continues a word, a dotted number or an id is not a value */
  size_t st = s;
  bool glued_left = !left_free(p, st);
  if (st >= 2 && !glued_left) {
    unsigned char c = (unsigned char)p[st - 1], c2 = (unsigned char)p[st - 2];
    if (c == '.' && pii_is_digit(c2)) glued_left = true;
    /* a '+' starts a value: "Tel.+49 30 1234567" */
    if ((c == '-' || c == '/' || c == '_' || c == '.') && pii_is_alnum(c2) && !r.plus)
      glued_left = true;
  }
  /* an extension glued with x (415-555-0132x4567): part of a phone number */
  size_t ext = e;
  if (e + 1 < n && p[e] == 'x' && pii_is_digit((unsigned char)p[e + 1])) {
    size_t x = e + 1;
    while (x < n && x - e <= 6 && pii_is_digit((unsigned char)p[x])) x++;
    if (x - e <= 6 && (x == n || !pii_is_word((unsigned char)p[x]))) ext = x;
  }
  bool glued_right =
      ext == e && e < n &&
      (pii_is_word((unsigned char)p[e]) ||
       ((p[e] == '.' || p[e] == '-') && e + 1 < n && pii_is_alnum((unsigned char)p[e + 1])));
  /* "AA1 01 2345 6784": a run after a blank and a word with digits continues an id */
  bool id_left = false;
  if (s >= 2 && p[s] != '+' && (p[s - 1] == ' ') && pii_is_alnum((unsigned char)p[s - 2])) {
    size_t w = s - 1;
    while (w > 0 && s - 1 - w < 16 && pii_is_alnum((unsigned char)p[w - 1])) w--;
    for (size_t x = w; x < s - 1; x++)
      if (pii_is_digit((unsigned char)p[x])) id_left = true;
  }
  size_t i = glued_left ? 1 : 0;
  while (i < r.k) {
    if (i > 0 && !cuttable(&r, i)) {
      i++;
      continue;
    }
    size_t jmax = r.k - (glued_right ? 1 : 0);
    bool found = false;
    for (size_t j = jmax; j > i && !found; j--) {
      if (j < r.k && !cuttable(&r, j)) continue;
      size_t ws = r.gs[i] - (i == 0 && r.plus ? (size_t)(r.gs[0] - s) : 0);
      size_t we = r.ge[j - 1];
      /* each test only where its digit count can fit: cards have 13-19
         digits, SSNs 9, phones 8-20, IPv4 addresses four groups */
      size_t wd = cum[j] - cum[i];
      lr_pii_type t = LR_PII__COUNT;
      if ((en & LR_PII_BIT(LR_PII_CREDIT_CARD)) && wd >= 13 && wd <= 19 && try_card(&r, i, j))
        t = LR_PII_CREDIT_CARD;
      else if ((en & LR_PII_BIT(LR_PII_US_SSN)) && wd == 9 && try_ssn(&r, i, j))
        t = LR_PII_US_SSN;
      else if ((en & LR_PII_BIT(LR_PII_PHONE)) && wd >= 8 && wd <= 20 && try_phone(&r, i, j))
        t = LR_PII_PHONE;
      else if ((en & LR_PII_BIT(LR_PII_IP_ADDRESS)) && j - i == 4 && try_ipv4(&r, i, j))
        t = LR_PII_IP_ADDRESS;
      if (t == LR_PII__COUNT) continue;
      if (j == r.k && ext > e) { /* only a phone number has an extension */
        if (t != LR_PII_PHONE) continue;
        we = ext;
      }
      if (t == LR_PII_US_SSN && sep_is(&r, i + 1, " ") &&
          ((j < r.k && sep_is(&r, j, " ")) || (i > 0 && sep_is(&r, i, " "))))
        continue; /* "212 55 1234 5678": three groups of a longer number */
      if (t == LR_PII_PHONE && sep_is(&r, i + 1, " ")) {
        /* a phone number in blank-separated groups that goes on with another
           group, follows an id's word, or follows another group (unless it is
           NANP-shaped: "CA 94105 415 555 0132") is part of a longer number */
        if ((j < r.k && sep_is(&r, j, " ")) || (i == 0 && id_left) ||
            (i > 0 && sep_is(&r, i, " ") && !(j - i == 3 && nanp_groups(&r, i))))
          continue;
      }
      if (t == LR_PII_PHONE && ws > 0 && p[ws - 1] == '(' && r.ge[i] < n && p[r.ge[i]] == ')')
        ws--; /* "(555) 123-4567" */
      pii_hits_push(out, ws, we, t);
      found = true;
      i = j;
    }
    if (!found) i++;
  }
}

/* ---- IBAN --------------------------------------------------------------------- */

static int iban_len(const char *cc) {
  static const char tab[] =
      "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BI27BR29BY28CH21CR22CY28CZ24DE22DJ27DK18DO28"
      "EE20EG29ES24FI18FK18FO18FR27GB22GE22GI23GL18GR27GT28HN28HR21HU28IE22IL23IQ23IS26"
      "IT27JO30KW30KZ20LB28LC32LI21LT20LU20LV21LY25MC27MD24ME22MK19MN20MR27MT31MU30NI28"
      "NL18NO15OM23PK24PL28PS29PT25QA29RO24RS22RU33SA24SC31SD18SE24SI19SK24SM27SO23ST25"
      "SV28TL23TN24TR26UA29VA22VG24XK20YE30";
  for (size_t i = 0; tab[i]; i += 4)
    if (tab[i] == cc[0] && tab[i + 1] == cc[1]) return (tab[i + 2] - '0') * 10 + tab[i + 3] - '0';
  return 0;
}

/* ISO 7064 MOD 97-10 over the rearranged IBAN. */
bool pii_iban_valid(const char *c, size_t n) {
  int want = iban_len(c);
  if (want == 0 || (size_t)want != n) return false;
  unsigned rem = 0;
  for (size_t k = 0; k < n; k++) {
    unsigned char ch = (unsigned char)c[(k + 4) % n];
    if (pii_is_digit(ch))
      rem = (rem * 10 + (ch - '0')) % 97;
    else if (ch >= 'A' && ch <= 'Z')
      rem = (rem * 100 + (ch - 'A' + 10)) % 97;
    else
      return false;
  }
  return rem == 1;
}

void pii_check_iban(const char *p, size_t n, size_t s, size_t e, lr_pii_hits *out) {
  if (!left_free(p, s) || e - s < 15) return;
  int want = iban_len(p + s);
  if (want == 0) return;
  char c[40];
  size_t m = 0, end[40];
  for (size_t x = s; x < e && m < sizeof c; x++) {
    if (p[x] == ' ') continue;
    c[m] = p[x];
    end[m++] = x + 1;
  }
  if (m < (size_t)want) return;
  size_t stop = end[want - 1];
  /* the value must end at a group or word boundary */
  if (stop < n && pii_is_alnum((unsigned char)p[stop])) return;
  if (stop < e && p[stop] != ' ') return;
  if (pii_iban_valid(c, (size_t)want)) pii_hits_push(out, s, stop, LR_PII_IBAN);
}

/* ---- IPv6 ---------------------------------------------------------------------- */

static int hexv(unsigned char c) {
  if (pii_is_digit(c)) return c - '0';
  c |= 0x20;
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 4291 §2.2 text forms: eight groups, or fewer with one "::", optionally
 * ending in a dotted IPv4 address. */
static bool ipv6_parse(const char *p, size_t n) {
  size_t groups = 0, x = 0;
  bool dbl = false, digit = false;
  if (n >= 2 && p[0] == ':' && p[1] == ':') {
    dbl = true;
    x = 2;
  } else if (n && p[0] == ':') {
    return false;
  }
  while (x < n) {
    size_t st = x;
    while (x < n && hexv((unsigned char)p[x]) >= 0 && x - st < 5) {
      digit |= pii_is_digit((unsigned char)p[x]);
      x++;
    }
    if (x < n && p[x] == '.') { /* embedded IPv4 */
      x = st;
      int parts = 0;
      while (x < n && parts < 4) {
        size_t ds = x;
        unsigned v = 0;
        while (x < n && pii_is_digit((unsigned char)p[x]) && x - ds < 3)
          v = v * 10 + (unsigned)(p[x++] - '0');
        if (x == ds || v > 255) return false;
        parts++;
        if (x < n && p[x] == '.' && parts < 4)
          x++;
        else
          break;
      }
      if (parts != 4 || x != n) return false;
      groups += 2;
      digit = true;
      break;
    }
    if (x == st || x - st > 4) return false;
    groups++;
    if (x == n) break;
    if (p[x] != ':') return false;
    x++;
    if (x < n && p[x] == ':') {
      if (dbl) return false;
      dbl = true;
      x++;
    } else if (x == n) {
      return false;
    }
  }
  if (!digit) return false;
  return dbl ? groups <= 7 && groups >= 1 : groups == 8;
}

void pii_check_ipv6(const char *p, size_t n, size_t s, size_t e, lr_pii_hits *out) {
  if (s > 0) {
    unsigned char c = (unsigned char)p[s - 1];
    if (pii_is_word(c) || c == ':' || c == '.') return;
    /* a slice or an index, not an address: xs[::2], a[1::3], m[i][2::2] */
    if (c == '[' && s >= 2 && (pii_is_word((unsigned char)p[s - 2]) || p[s - 2] == ']' || p[s - 2] == ')'))
      return;
  }
  while (e > s && p[e - 1] == '.') e--;
  if (e < n && (pii_is_word((unsigned char)p[e]))) return;
  /* "fe80::1:" at a sentence end or before a port bracket */
  if (e - s > 2 && p[e - 1] == ':' && p[e - 2] != ':') e--;
  if (e - s < 3) return;
  if (ipv6_parse(p + s, e - s)) pii_hits_push(out, s, e, LR_PII_IP_ADDRESS);
}

/* ---- email ----------------------------------------------------------------------- */

static bool local_ch(unsigned char c) {
  return pii_is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\'';
}

/* A local part of hex digits split by - or . (16 or more digits), or of 24 or more
 * hex digits: <6cd8bf69-3f1e-…@mail.example.com> is a Message-ID, not a mailbox. */
static bool message_id(const char *l, size_t n) {
  size_t hex = 0, seps = 0;
  for (size_t x = 0; x < n; x++) {
    unsigned char c = pii_lower((unsigned char)l[x]);
    if (pii_is_digit(c) || (c >= 'a' && c <= 'f'))
      hex++;
    else if (c == '-' || c == '.')
      seps++;
    else
      return false;
  }
  return (hex >= 16 && seps) || hex >= 24;
}

void pii_check_email(const char *p, size_t n, size_t at, lr_pii_hits *out) {
  size_t ls = at;
  while (ls > 0 && at - ls < 64 && local_ch((unsigned char)p[ls - 1])) ls--;
  if (ls > 0 && local_ch((unsigned char)p[ls - 1])) return; /* local part too long */
  /* "\njohn@x" in raw escaped text: the 'n' belongs to the escape */
  if (ls >= 1 && ls < at && p[ls - 1] == '\\' && (p[ls] == 'n' || p[ls] == 't' || p[ls] == 'r'))
    ls++;
  if (message_id(p + ls, at - ls)) return;
  /* an apostrophe belongs to the name between letters (o'brien), not as a quote */
  for (size_t x = at; x > ls; x--)
    if (p[x - 1] == '\'' && !(x - 1 > ls && pii_is_alnum((unsigned char)p[x - 2]) &&
                              pii_is_alnum((unsigned char)p[x]))) {
      ls = x;
      break;
    }
  while (ls < at && (p[ls] == '.' || p[ls] == '-' || p[ls] == '+')) ls++;
  if (ls == at || p[at - 1] == '.') return;
  if (ls > 0 && p[ls - 1] == '*') { /* j****e@outlook.com is masked; **bold@x.com** is not */
    size_t st = ls - 1;
    while (st > 0 && p[st - 1] == '*') st--;
    if (st > 0 && pii_is_alnum((unsigned char)p[st - 1])) return;
  }
  if (ls > 0 && p[ls - 1] == '@') return;
  /* URL userinfo and DSNs: scheme://user[:pass]@host */
  {
    size_t k = ls;
    while (k > 0 && at - k < 512) {
      unsigned char c = (unsigned char)p[k - 1];
      if (c <= ' ' || strchr("\"'<>(),;`/?#&=[]{}", c)) break;
      k--;
    }
    if (k >= 3 && p[k - 1] == '/' && p[k - 2] == '/' && p[k - 3] == ':') return;
  }
  for (size_t x = ls; x + 1 < at; x++)
    if (p[x] == '.' && p[x + 1] == '.') return;
  /* domain */
  size_t de = at + 1;
  while (de < n && de - at < 254 &&
         (pii_is_alnum((unsigned char)p[de]) || p[de] == '-' || p[de] == '.'))
    de++;
  while (de > at + 1 && (p[de - 1] == '.' || p[de - 1] == '-')) de--;
  if (de < n && (p[de] == '@' || p[de] == '_' || (unsigned char)p[de] == ':')) return;
  size_t labels = 0, lstart = at + 1, tld_s = 0;
  for (size_t x = at + 1; x <= de; x++) {
    if (x == de || p[x] == '.') {
      if (x == lstart || p[lstart] == '-' || p[x - 1] == '-' || x - lstart > 63) return;
      if (labels == 0 && x - lstart == 2 && pii_is_digit((unsigned char)p[lstart]) &&
          (p[lstart + 1] | 0x20) == 'x')
        return; /* icon@2x.png */
      labels++;
      tld_s = lstart;
      lstart = x + 1;
    }
  }
  if (labels < 2) return;
  char tld[64];
  size_t tl = de - tld_s;
  if (tl < 2 || tl >= sizeof tld) return;
  for (size_t x = 0; x < tl; x++) {
    unsigned char c = (unsigned char)p[tld_s + x];
    if (!pii_is_alpha(c)) return;
    tld[x] = (char)(c | 0x20);
  }
  if (!pii_tld_known(tld, tl)) return;
  pii_hits_push(out, ls, de, LR_PII_EMAIL);
}

/* ---- values under a phone / SSN key --------------------------------------------- */

void pii_check_keyed_number(const char *p, size_t n, pii_key_kind kind, lr_pii_set en,
                            lr_pii_hits *out) {
  size_t a = 0, z = n;
  while (a < z && p[a] == ' ') a++;
  while (z > a && p[z - 1] == ' ') z--;
  if (z - a > 20) return;
  char d[24];
  size_t m = 0;
  bool plus = a < z && p[a] == '+';
  for (size_t x = a + plus; x < z; x++) {
    unsigned char c = (unsigned char)p[x];
    if (pii_is_digit(c))
      d[m++] = (char)c;
    else if (!(c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/'))
      return;
    if (m > 15) return;
  }
  if (kind == PII_KEY_SSN && (en & LR_PII_BIT(LR_PII_US_SSN)) && m == 9 && !plus &&
      pii_ssn_valid(d))
    pii_hits_push(out, a, z, LR_PII_US_SSN);
  if (kind == PII_KEY_PHONE && (en & LR_PII_BIT(LR_PII_PHONE))) {
    /* a NANP-shaped value keeps the NANP rules; other national numbers
       ("phone": "608 84 50 89") have 8 to 12 digits */
    size_t g0 = 0, x = a + (p[a] == '('); /* digits in the first group */
    while (x < z && pii_is_digit((unsigned char)p[x])) x++, g0++;
    bool nanp = d[0] != '0' && ((m == 10 && (g0 == 3 || g0 == 10)) ||
                                (m == 11 && d[0] == '1' && (g0 == 1 || g0 == 11)));
    bool ok = plus   ? m >= 8 && m <= 15 && e164_len_ok(d, m)
              : nanp ? nanp_ok(d + (m - 10))
                     : m >= 8 && m <= 12 && !(d[0] == '0' && d[1] == '0');
    if (ok) pii_hits_push(out, a, z, LR_PII_PHONE);
  }
}
