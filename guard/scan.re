/*
 * scan.re — the one-pass candidate scanner (re2c, generated at build time).
 *
 * A single DFA walks the bytes once. Rules for the literal prefixes
 * (AKIA, ghp_, sk-, xox, eyJ, -----BEGIN, ...), digit runs, '@', assignment
 * operators and URL userinfo hand candidates to validators (validate_*.c,
 * secret.c); everything else is skipped a word at a time, or in runs of
 * plain bytes (blanks, lower-case letters, punctuation, non-ASCII) before
 * the DFA is entered. Words are consumed whole, so a prefixed token only
 * starts at a word boundary, and the longest-match rule makes a token end at
 * the first byte outside its alphabet. Validators look at the surrounding bytes
 * themselves, so the scanner never backtracks more than one token.
 *
 * Input needs no sentinel: YYPEEK returns 0 past the end, and the NUL rule
 * stops the loop there.
 */
#include <string.h>

#include "pii_int.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define EN(t) (en & LR_PII_BIT(t))
#define YYPEEK() (cur < lim ? *cur : 0)
#define YYSKIP() (++cur)
#define YYBACKUP() (mar = cur)
#define YYRESTORE() (cur = mar)

static void token(const char *p, size_t n, const unsigned char *tok, const unsigned char *cur,
                  pii_tok_kind kind, lr_pii_set en, lr_pii_hits *out) {
  const unsigned char *b = (const unsigned char *)p;
  pii_check_token(p, n, (size_t)(tok - b), (size_t)(cur - b), kind, en, out);
}

/* Bytes that can be skipped between tokens: a-z, blanks, quotes, brackets,
 * sentence punctuation and the other bytes no rule starts with (# $ % & /
 * ^ ~: the DFA took each alone through its catch-all rule), and non-ASCII
 * bytes: no token holds one, so a UTF-8 run only ended words (the DFA took
 * it as a run of its own, one re-entry more per accented word). Not '<': it
 * starts closing tags (`</password>`); not '|': it separates a table's
 * cells (`| password | … |`). */
#define PLAIN8(c) [c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1, [c + 4] = 1, [c + 5] = 1, \
                  [c + 6] = 1, [c + 7] = 1
#define PLAIN32(c) PLAIN8(c), PLAIN8(c + 8), PLAIN8(c + 16), PLAIN8(c + 24)
static const unsigned char plain[256] = {
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1, [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1, [','] = 1, [';'] = 1,
    ['"'] = 1, ['\''] = 1, ['.'] = 1, ['!'] = 1, ['?'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1,
    [')'] = 1, ['*'] = 1, ['>'] = 1, ['`'] = 1, ['#'] = 1, ['$'] = 1,
    ['%'] = 1, ['&'] = 1, ['/'] = 1, ['^'] = 1, ['~'] = 1,
    PLAIN32(0x80), PLAIN32(0xA0), PLAIN32(0xC0), PLAIN32(0xE0)};

/* The first byte at or after q that is not plain (or lim). SSE2 checks 16
 * bytes at a time for the commonest plain bytes (a-z, space, newline, quote,
 * comma, full stop, non-ASCII); the table decides the rest. */
static const unsigned char *skip_plain(const unsigned char *q, const unsigned char *lim) {
  for (;;) {
#ifdef __SSE2__
    while (lim - q >= 16) {
      __m128i x = _mm_loadu_si128((const __m128i *)q);
      __m128i t = _mm_sub_epi8(x, _mm_set1_epi8('a'));
      __m128i m = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(25)), t);
      m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
      m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
      m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(',')));
      m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('.')));
      m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('\n')));
      unsigned bits = (unsigned)(_mm_movemask_epi8(m) | _mm_movemask_epi8(x)); /* x: high bit */
      if (bits != 0xFFFFu) {
        q += __builtin_ctz(~bits);
        break;
      }
      q += 16;
    }
#endif
    if (q >= lim || !plain[*q]) return q;
    q++;
  }
}

/* q follows blanks inside a plain run [lo, q): when a whole word `bearer` or
 * `basic` in lower case precedes them, the credential rules below must start
 * at that word (the run skipped it: lower-case letters are plain), so its
 * start is returned; otherwise q. Most runs end in a blank before a token,
 * so the last letter is tested before anything is compared. */
static const unsigned char *scheme_start(const unsigned char *b, const unsigned char *lo,
                                         const unsigned char *q) {
  const unsigned char *r = q;
  while (r > lo && (r[-1] == ' ' || r[-1] == '\t')) r--;
  size_t n = r - lo < 6 ? (size_t)(r - lo) : 6;
  const unsigned char *w;
  if (n >= 6 && r[-1] == 'r' && memcmp(r - 6, "bearer", 6) == 0)
    w = r - 6;
  else if (n >= 5 && r[-1] == 'c' && memcmp(r - 5, "basic", 5) == 0)
    w = r - 5;
  else
    return q;
  return w > b && pii_is_word(w[-1]) ? q : w; /* not inside a longer word */
}

/* Can scheme_start find a scheme before q in the plain run [lo, q)? Only
 * after six bytes or more, with a blank last and, before it, another blank
 * or the last letter of `bearer`/`basic`. Most runs end in a blank before a
 * token; this test (tables, no call) turns nearly all of them away, where a
 * blank test alone was an unpredictable branch and a call every other run. */
static const bool blank[256] = {[' '] = 1, ['\t'] = 1};
static bool may_end_scheme(const unsigned char *lo, const unsigned char *q) {
  return q - lo > 5 && blank[q[-1]] && (blank[q[-2]] || q[-2] == 'r' || q[-2] == 'c');
}

void pii_scan_raw(const char *p, size_t n, lr_pii_set en, lr_pii_hits *out) {
  const unsigned char *b = (const unsigned char *)p;
  const unsigned char *cur = b, *lim = b + n, *mar = b, *tok;
  lr_pii_set tokens = en & ~(LR_PII_BIT(LR_PII_CREDIT_CARD) | LR_PII_BIT(LR_PII_EMAIL) |
                             LR_PII_BIT(LR_PII_US_SSN) | LR_PII_BIT(LR_PII_IBAN) |
                             LR_PII_BIT(LR_PII_PHONE) | LR_PII_BIT(LR_PII_IP_ADDRESS) |
                             LR_PII_BIT(LR_PII_GENERIC_SECRET));
  lr_pii_set nums = en & (LR_PII_BIT(LR_PII_CREDIT_CARD) | LR_PII_BIT(LR_PII_US_SSN) |
                          LR_PII_BIT(LR_PII_PHONE) | LR_PII_BIT(LR_PII_IP_ADDRESS));
  bool secrets = EN(LR_PII_GENERIC_SECRET) || EN(LR_PII_AWS_SECRET_KEY);
  (void)mar;
  for (;;) {
    /* fast path: runs of lower-case letters, blanks and quotes/brackets
       start nothing; stop at anything else and back up to the start of the
       word it continues, so prefixes are still matched at word starts */
    if (cur < lim && plain[*cur]) {
      /* a run of one plain byte (the blank between two tokens) is the
         commonest: no need for the 16-byte skip */
      const unsigned char *q = cur + 1 < lim && !plain[cur[1]] ? cur + 1 : skip_plain(cur + 1, lim);
      if (q < lim) { /* the bytes before q are plain: word bytes among them are a-z */
        while (q > cur && ((unsigned char)(q[-1] - 'a') < 26 || q[-1] == '.')) q--;
        if (may_end_scheme(cur, q)) q = scheme_start(b, cur, q);
      }
      cur = q;
    }
    tok = cur;
    /*!re2c
      re2c:api = custom;
      re2c:define:YYCTYPE = "unsigned char";
      re2c:yyfill:enable = 0;
      re2c:flags:bit-vectors = 1;
      re2c:indent:top = 2;

      tc   = [A-Za-z0-9];
      b64u = [A-Za-z0-9_-];
      hex  = [0-9A-Fa-f];
      word = [A-Za-z_][A-Za-z0-9_]*;
      sp   = [ \t];

      [\x00] {
        if (tok >= lim) return;
        continue;
      }

      "-----BEGIN " [A-Z0-9 ]{0,24} "PRIVATE KEY" (" BLOCK")? "-----" {
        if (EN(LR_PII_PRIVATE_KEY)) pii_check_private_key(p, n, (size_t)(tok - b), (size_t)(cur - b), out);
        continue;
      }
      ("AKIA"|"ASIA"|"ABIA"|"ACCA") [A-Z0-9]{16} {
        if (tokens) token(p, n, tok, cur, PII_TOK_AWS_ID, en, out);
        continue;
      }
      "gh" [pousr] "_" tc+     { if (tokens) token(p, n, tok, cur, PII_TOK_GITHUB, en, out); continue; }
      "github_pat_" [A-Za-z0-9_]+ { if (tokens) token(p, n, tok, cur, PII_TOK_GITHUB_PAT, en, out); continue; }
      "sk-" b64u+              { if (tokens) token(p, n, tok, cur, PII_TOK_SK_DASH, en, out); continue; }
      ("sk"|"rk") "_" ("live"|"test") "_" tc+ { if (tokens) token(p, n, tok, cur, PII_TOK_STRIPE, en, out); continue; }
      "AIza" b64u+             { if (tokens) token(p, n, tok, cur, PII_TOK_GOOGLE, en, out); continue; }
      ("xoxe.")? ("xox" [abposerc] | "xapp") "-" [A-Za-z0-9-]+ { if (tokens) token(p, n, tok, cur, PII_TOK_SLACK, en, out); continue; }
      "https://hooks.slack.com/services/" [A-Za-z0-9/]+ { if (tokens) token(p, n, tok, cur, PII_TOK_SLACK_WEBHOOK, en, out); continue; }
      "gl" ("pat"|"rt"|"dt"|"ptt"|"ft"|"cbt"|"soat") "-" b64u+ { if (tokens) token(p, n, tok, cur, PII_TOK_GITLAB, en, out); continue; }
      "npm_" tc+               { if (tokens) token(p, n, tok, cur, PII_TOK_NPM, en, out); continue; }
      "hf_" tc+                { if (tokens) token(p, n, tok, cur, PII_TOK_HF, en, out); continue; }
      "SG." b64u+ "." b64u+    { if (tokens) token(p, n, tok, cur, PII_TOK_SENDGRID, en, out); continue; }
      "SK" hex{32}             { if (tokens) token(p, n, tok, cur, PII_TOK_TWILIO, en, out); continue; }
      "shp" ("at"|"ca"|"pa"|"ss") "_" hex+ { if (tokens) token(p, n, tok, cur, PII_TOK_SHOPIFY, en, out); continue; }
      "do" [opr] "_v1_" hex+   { if (tokens) token(p, n, tok, cur, PII_TOK_DIGITALOCEAN, en, out); continue; }
      "hv" [sbr] "." b64u+     { if (tokens) token(p, n, tok, cur, PII_TOK_VAULT, en, out); continue; }
      "eyJ" b64u+ "." "eyJ" b64u+ ("." b64u*)? {
        if (tokens) token(p, n, tok, cur, PII_TOK_JWT, en, out);
        continue;
      }
      'bearer' sp+ [A-Za-z0-9._~+/-]+ "="* | 'basic' sp+ [A-Za-z0-9+/]+ "="* {
        if (secrets) pii_check_bearer(p, n, (size_t)(tok - b), (size_t)(cur - b), en, out);
        /* scan the credential itself too: it may be a JWT or a prefixed token */
        while (*tok != ' ' && *tok != '\t') tok++;
        while (*tok == ' ' || *tok == '\t') tok++;
        cur = tok;
        continue;
      }
      [A-Z]{2} [0-9]{2} ([A-Z0-9]{1,4} | " " [A-Z0-9]{1,4})+ {
        if (EN(LR_PII_IBAN)) pii_check_iban(p, n, (size_t)(tok - b), (size_t)(cur - b), out);
        continue;
      }
      "+"? "("? [0-9]+ (" "? [.)/-]? " "? "("? [0-9]+)* {
        if (*tok == '(' && cur < lim && (*cur == ':' || pii_is_alpha(*cur))) {
          cur = tok + 1; /* "(2001:db8::1)": the bracket opens an IPv6 address */
          continue;
        }
        if (nums && cur - tok >= 7) pii_check_numrun(p, n, (size_t)(tok - b), (size_t)(cur - b), en, out);
        continue;
      }
      hex* ":" hex* ":" [0-9A-Fa-f:.]* {
        if (EN(LR_PII_IP_ADDRESS)) pii_check_ipv6(p, n, (size_t)(tok - b), (size_t)(cur - b), out);
        /* a leading colon may still be an assignment (`password:…`); colons
           after hex groups have hex keys, which are never secret names */
        if (secrets && *tok == ':') pii_check_assign(p, n, (size_t)(tok - b), en, out);
        continue;
      }
      "\\" [nrt] { continue; }
      "@" {
        if (EN(LR_PII_EMAIL)) pii_check_email(p, n, (size_t)(tok - b), out);
        continue;
      }
      "://" {
        if (secrets) pii_check_userinfo(p, n, (size_t)(tok - b), en, out);
        continue;
      }
      [:=|] {
        if (secrets) pii_check_assign(p, n, (size_t)(tok - b), en, out);
        continue;
      }
      "(" sp* ["'] [A-Za-z_][A-Za-z0-9_.-]* ["'] sp* "," sp* ["'] {
        /* define('DB_PASSWORD', '…'), setenv("API_TOKEN", "…"), .set("password", "…") */
        if (secrets) pii_check_call_pair(p, n, (size_t)(tok - b), (size_t)(cur - b), en, out);
        cur = tok + 1; /* the arguments are scanned too: Credentials("AKIA…", "…") */
        continue;
      }
      "</" [A-Za-z_][A-Za-z0-9_.:-]* ">" {
        if (secrets) pii_check_element(p, n, (size_t)(tok - b), (size_t)(cur - b), en, out);
        continue;
      }
      "-u" sp+ [A-Za-z0-9._@+-]+ ":" {
        /* curl -u user:password; `-u redis://…` is a URL: its "://" is scanned next */
        if (cur < lim && *cur == '/') {
          cur--;
          continue;
        }
        if (secrets) pii_check_userpass(p, n, (size_t)(cur - b) - 1, en, out);
        continue;
      }
      "--" [A-Za-z][A-Za-z0-9_-]* sp+ {
        if (secrets) pii_check_flag(p, n, (size_t)(tok - b), (size_t)(cur - b), en, out);
        continue;
      }
      word { continue; }
      * { continue; }
    */
  }
}
