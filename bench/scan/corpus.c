/*
 * corpus.c — a deterministic mixed corpus of agent tool traffic for
 * bench/scan: MCP JSON-RPC requests and results, OpenAI-style chat chunks,
 * service logs, source code, support tickets, config files and base64 blobs,
 * with realistic PII and secrets sprinkled in (about one value per 2 KiB)
 * and the usual look-alikes (UUIDs, SHAs, versions, timestamps, ids).
 * Same seed, same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "corpus.h"
#include "guard.h"

typedef struct rng {
  uint64_t s;
  unsigned long *planted; /* per-type counts of values that must be found, or NULL */
} rng;

static uint64_t next(rng *r) { /* xorshift64* */
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * 2685821657736338717ull;
}
static unsigned pick(rng *r, unsigned n) { return (unsigned)(next(r) % n); }

static const char *const words[] = {
    "the",       "request",  "failed",     "because",    "user",       "session",   "expired",
    "please",    "retry",    "deployment", "pipeline",   "customer",   "invoice",   "refund",
    "order",     "shipping", "address",    "account",    "settings",   "update",    "install",
    "package",   "version",  "error",      "timeout",    "connection", "database",  "migration",
    "schema",    "index",    "query",      "result",     "latency",    "service",   "cluster",
    "node",      "memory",   "limit",      "exceeded",   "warning",    "ticket",    "priority",
    "escalate",  "assigned", "resolved",   "duplicate",  "thanks",     "regards",   "hello",
    "team",      "meeting",  "tomorrow",   "report",     "summary",    "analysis",  "model",
    "token",     "prompt",   "context",    "agent",      "tool",       "call",      "response",
    "stream",    "chunk",    "message",    "content",    "function",   "arguments", "search",
    "file",      "read",     "write",      "directory",  "commit",     "branch",    "merge",
    "review",    "approve",  "build",      "test",       "passed",     "coverage",  "metrics",
    "dashboard", "alert",    "incident",   "postmortem", "rollback",   "feature",   "flag",
    "config",    "secret",   "password",   "reset",      "link",       "email",     "phone",
    "card",      "payment",  "billing",    "plan",       "upgrade",    "Straße",    "Müller",
    "café",      "naïve",    "東京",       "données",    "日本語",     "résumé"};
#define NW (sizeof words / sizeof words[0])

static const char *const names[] = {"alice",   "bob",          "carol",   "dave",   "erin",
                                    "frank",   "grace",        "heidi",   "ivan",   "judy",
                                    "mallory", "oscar",        "peggy",   "trent",  "victor",
                                    "walter",  "maria.garcia", "j.smith", "li.wei", "a.khan"};
static const char *const domains[] = {"example.com",   "acme.io",   "corp.internal.net",
                                      "gmail.com",     "firma.de",  "empresa.com.br",
                                      "company.co.uk", "startup.ai"};

static void words_n(rng *r, lr_buf *b, int n) {
  for (int i = 0; i < n; i++) {
    if (i) lr_buf_putc(b, ' ');
    lr_buf_puts(b, words[pick(r, NW)]);
  }
}

static void hexs(rng *r, lr_buf *b, int n) {
  for (int i = 0; i < n; i++) lr_buf_putc(b, "0123456789abcdef"[pick(r, 16)]);
}
static void alnum(rng *r, lr_buf *b, int n) {
  static const char a[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  for (int i = 0; i < n; i++) lr_buf_putc(b, a[pick(r, 62)]);
}
static void uuid(rng *r, lr_buf *b) {
  hexs(r, b, 8), lr_buf_putc(b, '-'), hexs(r, b, 4), lr_buf_putc(b, '-'), hexs(r, b, 4);
  lr_buf_putc(b, '-'), hexs(r, b, 4), lr_buf_putc(b, '-'), hexs(r, b, 12);
}

/* A sensitive value (or a look-alike) in plain text. */
static void sensitive(rng *r, lr_buf *b) {
  unsigned k = pick(r, 14);
  static const int sure[14] = {LR_PII_EMAIL,
                               LR_PII_CREDIT_CARD,
                               LR_PII_PHONE,
                               -1,
                               LR_PII_IBAN,
                               LR_PII_AWS_ACCESS_KEY,
                               -1,
                               -1,
                               LR_PII_GITHUB_TOKEN,
                               -1,
                               -1,
                               -1,
                               -1,
                               LR_PII_JWT};
  if (r->planted && sure[k] >= 0) r->planted[sure[k]]++;
  switch (k) {
  case 0: lr_buf_printf(b, "%s@%s", names[pick(r, 20)], domains[pick(r, 8)]); break;
  case 1: lr_buf_puts(b, "4111 1111 1111 1111"); break;
  case 2: lr_buf_printf(b, "+1 415 555 %04u", 1000 + pick(r, 8999)); break;
  case 3:
    lr_buf_printf(b, "%u-%02u-%04u", 200 + pick(r, 600), 10 + pick(r, 89), 1000 + pick(r, 8999));
    break;
  case 4: lr_buf_puts(b, "DE89 3704 0044 0532 0130 00"); break;
  case 5: lr_buf_puts(b, "AKIA"), alnum(r, b, 0), lr_buf_puts(b, "CAIOCTIQ3HGETMYQ"); break;
  case 6: lr_buf_printf(b, "10.%u.%u.%u", pick(r, 255), pick(r, 255), pick(r, 255)); break;
  case 7: lr_buf_puts(b, "password="), alnum(r, b, 14); break;
  case 8: lr_buf_puts(b, "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"); break;
  case 9: lr_buf_puts(b, "lodash@4.17.21"); break;
  case 10: lr_buf_printf(b, "Chrome/122.0.%u.94", 6000 + pick(r, 999)); break;
  case 11:
    lr_buf_printf(b, "order %llu",
                  (unsigned long long)(1000000000000000ull + next(r) % 1000000000000000ull));
    break;
  case 12: lr_buf_puts(b, "sha256:"), hexs(r, b, 64); break;
  default:
    lr_buf_puts(b, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
                   "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U");
    break;
  }
}

/* Prose with a sensitive value now and then (about 1 in 3 sentences). */
static void prose(rng *r, lr_buf *b, int sentences, bool json_escaped) {
  for (int s = 0; s < sentences; s++) {
    words_n(r, b, 6 + (int)pick(r, 14));
    if (pick(r, 3) == 0) {
      lr_buf_putc(b, ' ');
      sensitive(r, b);
    }
    lr_buf_puts(b, pick(r, 4) ? ". " : (json_escaped ? ".\\n" : ".\n"));
  }
}

static void doc(rng *r, lr_buf *b, unsigned long id) {
  switch (pick(r, 7)) {
  case 0: /* MCP tools/call request */
    lr_buf_printf(b,
                  "{\"jsonrpc\":\"2.0\",\"id\":%lu,\"method\":\"tools/call\",\"params\":{\"name\":"
                  "\"search_tickets\",\"arguments\":{\"query\":\"",
                  id);
    prose(r, b, 2, true);
    lr_buf_puts(b, "\",\"limit\":20,\"trace_id\":\"");
    hexs(r, b, 32);
    lr_buf_puts(b, "\"}}}\n");
    break;
  case 1: /* MCP tool result */
    lr_buf_printf(b,
                  "{\"jsonrpc\":\"2.0\",\"id\":%lu,\"result\":{\"content\":[{\"type\":\"text\","
                  "\"text\":\"",
                  id);
    prose(r, b, 6 + (int)pick(r, 10), true);
    lr_buf_puts(b, "\"}],\"isError\":false}}\n");
    break;
  case 2: /* service log lines */
    for (int i = 0; i < 8; i++) {
      lr_buf_printf(b, "2024-05-%02u T%02u:%02u:%02u.%03uZ INFO [req=", 1 + pick(r, 28),
                    pick(r, 24), pick(r, 60), pick(r, 60), pick(r, 1000));
      uuid(r, b);
      lr_buf_printf(b, "] GET /api/v1/users/%u 200 %ums ua=\"Mozilla/5.0 Chrome/122.0.6261.94\" ",
                    pick(r, 100000), pick(r, 900));
      words_n(r, b, 4);
      if (pick(r, 4) == 0) lr_buf_putc(b, ' '), sensitive(r, b);
      lr_buf_putc(b, '\n');
    }
    break;
  case 3: /* source code */
    lr_buf_printf(b, "def handle_%lu(request, session):\n    \"\"\"", id);
    words_n(r, b, 10);
    lr_buf_puts(b, "\"\"\"\n    cfg = load_config(\"settings.yaml\")\n    timeout = "
                   "cfg.get(\"timeout\", 30)\n");
    lr_buf_puts(
        b, "    for item in request.items:\n        if item.version >= (1, 2, 3):\n            "
           "digest = hashlib.sha256(item.data).hexdigest()\n");
    if (pick(r, 3) == 0) lr_buf_puts(b, "    # "), sensitive(r, b), lr_buf_putc(b, '\n');
    lr_buf_puts(b, "    return {\"status\": 200, \"id\": \""), uuid(r, b),
        lr_buf_puts(b, "\"}\n\n");
    break;
  case 4: /* support ticket */
    lr_buf_printf(b, "Ticket SO-%u-%u\nFrom: %s\nSubject: ", pick(r, 999), 100000 + pick(r, 899999),
                  names[pick(r, 20)]);
    words_n(r, b, 5);
    lr_buf_puts(b, "\n\n");
    prose(r, b, 5 + (int)pick(r, 6), false);
    lr_buf_puts(b, "\n--\n");
    break;
  case 5: /* config */
    lr_buf_printf(b, "service:\n  name: svc-%lu\n  replicas: %u\n  image: registry/app@sha256:", id,
                  1 + pick(r, 9));
    hexs(r, b, 64);
    lr_buf_puts(b,
                "\n  env:\n    LOG_LEVEL: info\n    MAX_TOKENS: 4096\n    DB_HOST: db.internal\n");
    if (pick(r, 2))
      lr_buf_puts(b, "    DB_PASSWORD: ${DB_PASSWORD}\n");
    else
      lr_buf_puts(b, "    API_KEY: "), alnum(r, b, 24), lr_buf_putc(b, '\n');
    break;
  default: { /* chat completion chunk with a base64 attachment */
    lr_buf_puts(b, "data: {\"id\":\"chatcmpl-");
    alnum(r, b, 24);
    lr_buf_puts(b, "\",\"choices\":[{\"delta\":{\"content\":\"");
    prose(r, b, 2, true);
    lr_buf_puts(b, "\"}}],\"image\":\"");
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0, n = 200 + (int)pick(r, 800); i < n; i++) lr_buf_putc(b, a[pick(r, 64)]);
    lr_buf_puts(b, "==\"}\n\n");
  }
  }
}

void bench_corpus(lr_buf *out, size_t bytes, uint64_t seed, unsigned long *counts) {
  rng r = {seed ? seed : 0x9E3779B97F4A7C15ull, counts};
  lr_buf_reserve(out, bytes + 8192);
  for (unsigned long id = 1; out->len < bytes; id++) doc(&r, out, id);
}
