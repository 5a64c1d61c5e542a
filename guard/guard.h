/*
 * guard.h — larch guardrails: PII and secret detection and masking.
 *
 * The detectors of ../shared/PII.md run over byte buffers: plain text, JSON
 * bodies (string values unescaped, JSON-in-strings scanned recursively, every
 * match mapped back to raw byte offsets) and Server-Sent Events streams.
 * Nothing here knows sockets; nothing here keeps process-wide state. Matched
 * values are never stored or logged by this module: spans carry offsets and
 * types only.
 *
 * Typical proxy use:
 *   lr_pii_spans sp = {0};
 *   lr_pii_scan_json(body, len, LR_PII_DEFAULT, &sp);   // sp.found → context.pii
 *   lr_pii_masker *m = lr_pii_masker_new(key, keylen);
 *   lr_pii_masker_set(m, LR_PII_BIT(LR_PII_EMAIL), LR_PII_STYLE_LABEL);
 *   lr_pii_mask_json(m, body, len, &out, &counts);       // masked body in out
 */
#ifndef LARCH_GUARD_H
#define LARCH_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"

/* The detector types; names (lr_pii_type_name) are fixed by PII.md. */
typedef enum lr_pii_type {
  LR_PII_PRIVATE_KEY,
  LR_PII_AWS_ACCESS_KEY,
  LR_PII_AWS_SECRET_KEY,
  LR_PII_GITHUB_TOKEN,
  LR_PII_OPENAI_KEY,
  LR_PII_ANTHROPIC_KEY,
  LR_PII_GOOGLE_API_KEY,
  LR_PII_STRIPE_KEY,
  LR_PII_SLACK_TOKEN,
  LR_PII_GITLAB_TOKEN,
  LR_PII_NPM_TOKEN,
  LR_PII_HUGGINGFACE_TOKEN,
  LR_PII_SENDGRID_KEY,
  LR_PII_TWILIO_KEY,
  LR_PII_SHOPIFY_TOKEN,
  LR_PII_DIGITALOCEAN_TOKEN,
  LR_PII_VAULT_TOKEN,
  LR_PII_JWT,
  LR_PII_GENERIC_SECRET,
  LR_PII_CREDIT_CARD,
  LR_PII_EMAIL,
  LR_PII_US_SSN,
  LR_PII_IBAN,
  LR_PII_PHONE,
  LR_PII_IP_ADDRESS,
  LR_PII__COUNT
} lr_pii_type;

/* A set of types: bit t is LR_PII_BIT(t). */
typedef uint32_t lr_pii_set;
#define LR_PII_BIT(t) ((lr_pii_set)1u << (t))
#define LR_PII_ALL ((lr_pii_set)((1u << LR_PII__COUNT) - 1u))
/* Everything except IP_ADDRESS, which is off unless a policy asks. */
#define LR_PII_DEFAULT (LR_PII_ALL & ~LR_PII_BIT(LR_PII_IP_ADDRESS))

/* "EMAIL", "AWS_ACCESS_KEY", ...; NULL for an out-of-range value. */
const char *lr_pii_type_name(lr_pii_type t);
/* Parses a type name (exact, upper case). Returns false if unknown. */
bool lr_pii_type_parse(lr_str name, lr_pii_type *out);
/* True for credentials (blocked by default), false for personal data. */
bool lr_pii_type_is_secret(lr_pii_type t);

/* ---- scanning ------------------------------------------------------------ */

/* One match: raw byte offsets [start, end) into the scanned buffer. */
typedef struct lr_pii_span {
  size_t start, end;
  lr_pii_type type;
} lr_pii_span;

/* A growable list of spans, sorted by start and non-overlapping, plus the
 * set of types found. Zero-initialise ({0}); lr_pii_spans_free releases. */
typedef struct lr_pii_spans {
  lr_pii_span *items;
  size_t n, cap;
  lr_pii_set found;
} lr_pii_spans;

void lr_pii_spans_clear(lr_pii_spans *s);
void lr_pii_spans_free(lr_pii_spans *s);

/* Scans text (any bytes; non-ASCII bytes are boundaries) for the types in
 * `enabled` and appends the matches to out (cleared first). */
void lr_pii_scan_text(const char *p, size_t n, lr_pii_set enabled, lr_pii_spans *out);

/* Scans a JSON body: every string value (and key) is unescaped and scanned,
 * strings that hold JSON are scanned inside (nesting capped), and spans are
 * raw offsets into p. Returns LR_OK for valid JSON; for invalid JSON returns
 * LR_ERR and out holds the results of lr_pii_scan_text over the bytes, so a
 * caller never misses a match by choosing the wrong mode. */
lr_status lr_pii_scan_json(const char *p, size_t n, lr_pii_set enabled, lr_pii_spans *out);

/* ---- masking ------------------------------------------------------------- */

typedef enum lr_pii_style {
  LR_PII_STYLE_NONE,    /* not masked */
  LR_PII_STYLE_LABEL,   /* [EMAIL] */
  LR_PII_STYLE_PARTIAL, /* ****4242, ***-**-6789, ****@example.com, ghp_**** */
  LR_PII_STYLE_HASH     /* [EMAIL:1f2e3d4c5b6a]: HMAC-SHA256(key, type, value) */
} lr_pii_style;

/* "label" | "partial" | "hash" (and "none"). Returns false if unknown. */
bool lr_pii_style_parse(lr_str name, lr_pii_style *out);

/* Per-type masking configuration. Immutable once configured, so one masker
 * may be shared by many requests (and threads). Caller frees. The key (for
 * the hash style) is copied. */
typedef struct lr_pii_masker lr_pii_masker;
lr_pii_masker *lr_pii_masker_new(const void *key, size_t keylen);
/* Masks every type in `types` with `style` (LR_PII_STYLE_NONE unmasks). */
void lr_pii_masker_set(lr_pii_masker *m, lr_pii_set types, lr_pii_style style);
/* The set of types this masker masks. */
lr_pii_set lr_pii_masker_types(const lr_pii_masker *m);
void lr_pii_masker_free(lr_pii_masker *m);

/* Masked items per type (for the decision log; never values). */
typedef struct lr_pii_counts {
  uint32_t n[LR_PII__COUNT];
} lr_pii_counts;

/* Masks plain text: appends the masked copy of p to out. counts (may be
 * NULL) is incremented per masked item. Replacement texts use only
 * [A-Za-z0-9_*@.:[]-], so they are valid inside JSON strings as well. */
void lr_pii_mask_text(const lr_pii_masker *m, const char *p, size_t n, lr_buf *out,
                      lr_pii_counts *counts);

/* Masks a JSON body: appends a copy with every match inside string values
 * replaced; the result is valid JSON with the same structure. Returns LR_ERR
 * for invalid JSON, after masking it as text (fail closed). */
lr_status lr_pii_mask_json(const lr_pii_masker *m, const char *p, size_t n, lr_buf *out,
                           lr_pii_counts *counts);

/* ---- streaming (Server-Sent Events and plain text) ------------------------ */

/* A streaming masker. In SSE mode, the input is an event stream: each event
 * (terminated by a blank line) is masked once complete, its data lines as
 * JSON when they parse, else as text. In text mode, output lags the input by
 * at most a bounded hold-back, so a value split across chunks is still found.
 * Either way nothing that could be part of a match leaves before it is
 * decided. Caller frees; the masker must outlive the stream. */
typedef struct lr_pii_stream lr_pii_stream;
typedef enum { LR_PII_STREAM_SSE, LR_PII_STREAM_TEXT } lr_pii_stream_mode;
lr_pii_stream *lr_pii_stream_new(const lr_pii_masker *m, lr_pii_stream_mode mode);
/* Feeds a chunk; appends whatever can be released, masked, to out. */
void lr_pii_stream_feed(lr_pii_stream *s, const char *p, size_t n, lr_buf *out,
                        lr_pii_counts *counts);
/* End of stream: masks and appends everything still held. */
void lr_pii_stream_finish(lr_pii_stream *s, lr_buf *out, lr_pii_counts *counts);
/* Bytes currently held back (bounded). */
size_t lr_pii_stream_pending(const lr_pii_stream *s);
void lr_pii_stream_free(lr_pii_stream *s);

/* The folder's other public part: rate limiter (lr_limit_*). */
#include "limit.h"
/* ... and guard obligations from mask/limit policies (lr_obligation*). */
#include "obligation.h"

#endif /* LARCH_GUARD_H */
