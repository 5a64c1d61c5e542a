/*
 * declog.h — the decision log: one JSON line per request (private to
 * proxy/), written to a file or stdout without ever blocking the event loop.
 *
 * Producers (the worker threads) format a line with lr_declog_format and
 * hand it to lr_declog_push, which copies it into that producer's own
 * single-producer/single-consumer byte ring and returns at once. One writer
 * thread drains every ring with write(2). When a ring is full (slow pipe,
 * full disk, a writer stuck in write) the line is dropped and counted:
 * requests never wait for the log. Lines are never split: a ring holds only
 * whole lines, and a line that failed to be written is dropped whole.
 *
 * The line shape is documented in proxy/README.md ("Decision log").
 */
#ifndef LARCH_PROXY_DECLOG_H
#define LARCH_PROXY_DECLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"

typedef struct lr_declog lr_declog;

#define LR_DECLOG_RING_DEFAULT (1u << 20) /* bytes per producer */

/* Opens the log: path "-" is stdout, anything else a file opened for
 * append (created 0640). nproducers rings of ring_bytes each (rounded up to
 * a power of two, at least 4 KiB) and the writer thread are created.
 * Returns NULL with a message in err. */
lr_declog *lr_declog_open(const char *path, int nproducers, size_t ring_bytes, lr_buf *err);
/* Same on an already open descriptor (borrowed: not closed). For tests. */
lr_declog *lr_declog_open_fd(int fd, int nproducers, size_t ring_bytes);
/* Queues one line (n bytes, ending in '\n') on ring `producer`; only one
 * thread may use a given producer index at a time. Never blocks. Returns
 * false (and counts a drop) when the ring cannot take the whole line. */
bool lr_declog_push(lr_declog *l, int producer, const char *line, size_t n);
/* Asks the writer to open the file again (after logrotate renamed it; SIGHUP
 * does this). No-op for stdout and borrowed descriptors. Thread-safe. */
void lr_declog_reopen(lr_declog *l);
/* Lines dropped so far (ring full or write failure) and lines written. */
uint64_t lr_declog_dropped(const lr_declog *l);
uint64_t lr_declog_written(const lr_declog *l);
/* Stops the writer after it wrote what was queued (waiting at most
 * timeout_ms for a stuck descriptor; what is left then counts as dropped),
 * closes the file and frees l. NULL is a no-op. */
void lr_declog_close(lr_declog *l, int64_t timeout_ms);

/* ---- the line --------------------------------------------------------- */

/* A policy named in a line: its id (policyN) and @id annotation (empty
 * when none); message only for errors. */
typedef struct lr_declog_policy {
  lr_str policy, id, message;
} lr_declog_policy;

/* How many matches of one detector type were masked. */
typedef struct lr_declog_count {
  lr_str type;
  uint32_t n;
} lr_declog_count;

/* One rate limit that applied. */
typedef struct lr_declog_limit {
  lr_str policy, id;
  bool allowed;           /* what the limiter said (a shadow limit may say no and not refuse) */
  bool shadow;            /* the rule carries @shadow: logged, never refused */
  int64_t remaining;      /* -1 when unknown */
  int64_t retry_after_ms; /* 0 when allowed */
  lr_str source;          /* who decided: "local", "redis", "fail_open", "fail_closed", ... */
} lr_declog_limit;

/* Everything one line says. Strings are copied and JSON-escaped; empty
 * strings are written as null. No field may hold a secret or a raw argument
 * value: args_json is only filled when a rule asked for it (@log_args), and
 * then holds the arguments after masking. */
typedef struct lr_declog_entry {
  int64_t wall_ms; /* when the request head arrived */
  lr_str request_id, route, method /* MCP method or HTTP method */;
  lr_str principal, action, resource; /* Cedar uids as Type::"id" */
  lr_str decision;                    /* "allow", "deny" or "none" (refused before policy) */
  lr_str cause;                       /* why: "policy", "error", "rate_limit", "identity", ... */
  int status;                         /* HTTP status answered (499: client left) */
  const lr_declog_policy *reasons;
  size_t nreasons;
  const lr_declog_policy *errors;
  size_t nerrors;
  lr_str shadow; /* shadow mode: the decision that was not enforced; empty otherwise */
  const lr_declog_policy *shadow_reasons;
  size_t nshadow_reasons;
  const lr_str *pii; /* detector types found in the request (names only) */
  size_t npii;
  const lr_declog_count *masked;
  size_t nmasked;
  const lr_declog_limit *limits;
  size_t nlimits;
  lr_str limited_by;  /* the limit (@id or policy id) that refused; empty when none */
  lr_str guard_error; /* a mask/limit `with` record failed (fail closed); empty when none */
  int64_t latency_us; /* head arrival → answer written (or client gone) */
  int64_t eval_ns;    /* policy evaluation alone; -1 when not evaluated */
  lr_str args_json;   /* only when a rule asked for argument logging */
} lr_declog_entry;

/* Appends e as one JSON line (ending in '\n') to out. */
void lr_declog_format(lr_buf *out, const lr_declog_entry *e);

#endif /* LARCH_PROXY_DECLOG_H */
