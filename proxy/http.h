/*
 * http.h — HTTP/1.1 message framing for the proxy (private to proxy/).
 *
 * lr_http_parser wraps llhttp (built with LLHTTP_STRICT_MODE, no lenient
 * flags) and turns its callbacks into three events: a complete head (request
 * line or status line plus headers, copied into an arena), body bytes (already
 * de-chunked) and the end of the message. It knows nothing of sockets, so the
 * fuzzer and the unit tests drive it with plain byte arrays.
 *
 * The serialisers below write the heads the proxy sends: the request head to
 * an upstream (hop-by-hop headers removed, X-Forwarded-*, X-Request-Id added,
 * framing chosen by the proxy) and the response head to a client.
 */
#ifndef LARCH_PROXY_HTTP_H
#define LARCH_PROXY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "llhttp.h"

/* One header line as received (name case preserved, value trimmed). */
typedef struct lr_http_header {
  lr_str name, value;
} lr_http_header;

/* A parsed message head. Every slice points into the arena given to the
 * parser; the head is valid until that arena is freed or reset. */
typedef struct lr_http_head {
  /* request */
  uint8_t method; /* enum llhttp_method */
  lr_str method_name;
  lr_str url;         /* request target as sent */
  lr_str path, query; /* url split at '?' (query without '?') */
  /* response */
  int status;
  lr_str reason;
  /* both */
  uint8_t major, minor;
  lr_http_header *headers;
  size_t nheaders;
  bool chunked;    /* Transfer-Encoding: chunked */
  bool has_length; /* Content-Length present */
  uint64_t length; /* its value */
  bool keep_alive; /* llhttp_should_keep_alive at head time */
  bool expect_continue;
  bool has_connection; /* a Connection header is present */
  lr_str content_type; /* empty when absent */
  lr_str host;         /* empty when absent */
  lr_str request_id;   /* X-Request-Id as received, empty when absent */
  size_t head_bytes;   /* size of the head on the wire (approximate) */
} lr_http_head;

/* What an event callback tells the parser to do next. */
enum {
  LR_HTTP_CONTINUE = 0,
  LR_HTTP_SKIP_BODY = 1, /* on_head only: the message has no body (HEAD) */
  LR_HTTP_PAUSE = 2,     /* stop; lr_http_parser_feed returns LR_HTTP_PAUSED */
  LR_HTTP_ABORT = 3      /* stop with an error already handled by the owner */
};

typedef struct lr_http_events {
  /* A whole head has arrived. Returns one of the codes above. */
  int (*on_head)(void *ud, lr_http_head *head);
  /* Body bytes, de-chunked; p is valid only during the call. */
  int (*on_body)(void *ud, const char *p, size_t n);
  /* The message is complete (trailers, if any, are dropped). */
  int (*on_done)(void *ud);
} lr_http_events;

/* Outcome of lr_http_parser_feed. */
typedef enum {
  LR_HTTP_OK,     /* every byte consumed, wants more */
  LR_HTTP_PAUSED, /* a callback asked to pause; *used tells how far it got */
  LR_HTTP_ERROR   /* malformed or oversized: see err_status and err_text */
} lr_http_result;

typedef struct lr_http_parser {
  llhttp_t ll;
  llhttp_settings_t settings;
  const lr_http_events *ev;
  void *ud;
  lr_arena *arena; /* where the next head is copied */
  lr_buf scratch;  /* head bytes collected across reads */
  uint32_t *spans; /* offsets into scratch: per header name/value start,len */
  size_t nspans, capspans;
  uint32_t url_off, url_len, reason_off, reason_len;
  const char *value_end; /* where the last header value piece ended */
  bool value_open;       /* the last feed ended inside a header value */
  size_t max_head;       /* 431 beyond this many head bytes */
  size_t max_headers;    /* 431 beyond this many header lines */
  int err_status;        /* 400, 431, 413 ... when LR_HTTP_ERROR */
  const char *err_text;  /* a short static reason */
  lr_http_head *head;    /* the current message's head (after on_head) */
  int user_rc;           /* code returned by the owner's callback */
  bool in_head;
  bool is_request;
} lr_http_parser;

/* Prepares p for requests (is_request) or responses. ev and ud receive the
 * events. max_head bounds the head size in bytes (0: 32 KiB). The parser
 * owns heap scratch space: release it with lr_http_parser_free. */
void lr_http_parser_init(lr_http_parser *p, bool is_request, const lr_http_events *ev, void *ud,
                         size_t max_head);
void lr_http_parser_free(lr_http_parser *p);
/* Heads parsed from now on are copied into arena (required before the first
 * feed of each message). */
static inline void lr_http_parser_set_arena(lr_http_parser *p, lr_arena *a) { p->arena = a; }
/* Feeds n bytes. *used is set to the number of bytes consumed (all of them
 * on LR_HTTP_OK; up to the pause point on LR_HTTP_PAUSED). After an error
 * the parser stays failed. */
lr_http_result lr_http_parser_feed(lr_http_parser *p, const char *data, size_t n, size_t *used);
/* Resumes after LR_HTTP_PAUSED. */
void lr_http_parser_resume(lr_http_parser *p);
/* Signals end of input (responses delimited by close). Returns LR_HTTP_OK
 * when the message ended cleanly (on_done was called), LR_HTTP_ERROR when it
 * was cut short. */
lr_http_result lr_http_parser_eof(lr_http_parser *p);
/* True while the parser is inside a message (between begin and done). */
bool lr_http_parser_mid_message(const lr_http_parser *p);
/* True when the message being parsed must be delimited by EOF. */
bool lr_http_parser_needs_eof(const lr_http_parser *p);
/* llhttp's keep-alive verdict for the message just completed. */
bool lr_http_parser_keep_alive(const lr_http_parser *p);

/* Finds a header by case-insensitive name; returns NULL when absent. */
const lr_http_header *lr_http_find(const lr_http_head *h, const char *name);
/* Case-insensitive comparison of a slice with a C string. */
bool lr_http_ieq(lr_str s, const char *cstr);
/* True for hop-by-hop headers (RFC 9110 §7.6.1) and for any header the
 * Connection header of h names. */
bool lr_http_is_hop_by_hop(const lr_http_head *h, lr_str name);

/* How the proxy frames a body it sends on. */
typedef enum {
  LR_HTTP_FRAME_NONE,    /* no body */
  LR_HTTP_FRAME_LENGTH,  /* Content-Length: length */
  LR_HTTP_FRAME_CHUNKED, /* Transfer-Encoding: chunked */
  LR_HTTP_FRAME_CLOSE    /* delimited by closing the connection */
} lr_http_framing;

/* Facts the proxy adds to a forwarded request. */
typedef struct lr_http_forward {
  lr_str client_ip;    /* appended to X-Forwarded-For */
  bool tls;            /* X-Forwarded-Proto: https or http */
  lr_str request_id;   /* X-Request-Id */
  lr_str default_host; /* sent as Host when the request has none (HTTP/1.0) */
  lr_http_framing framing;
  uint64_t length; /* for LR_HTTP_FRAME_LENGTH */
  /* Ask for an uncompressed answer (the client's Accept-Encoding replaced
   * by "identity"): set where larch may have to read the answer (list
   * filtering, masking), which it never does on compressed bytes. */
  bool identity_encoding;
} lr_http_forward;

/* Appends the request head to send upstream: the request line (HTTP/1.1),
 * every end-to-end header of req in order (Host preserved; Expect,
 * Content-Length, Transfer-Encoding, X-Request-Id, X-Forwarded-Proto and
 * hop-by-hop headers dropped), then framing and the X-Forwarded-* and
 * X-Request-Id headers. */
void lr_http_write_request_head(lr_buf *out, const lr_http_head *req, const lr_http_forward *fw);
/* Appends the response head to send to a client: status line, end-to-end
 * headers of resp, the framing headers, X-Request-Id and, when !keep_alive,
 * "Connection: close". */
void lr_http_write_response_head(lr_buf *out, const lr_http_head *resp, lr_http_framing framing,
                                 uint64_t length, lr_str request_id, bool keep_alive);
/* Appends a complete small response generated by the proxy itself:
 * {"error": error, "request_id": id} as application/json. */
void lr_http_write_error(lr_buf *out, int status, const char *error, lr_str request_id,
                         bool keep_alive);
/* The reason phrase for a status code ("" when unknown). */
const char *lr_http_reason(int status);

#endif /* LARCH_PROXY_HTTP_H */
