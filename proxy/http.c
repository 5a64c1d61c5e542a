/*
 * http.c — llhttp glue: collects heads into an arena, validates what llhttp
 * leaves to the application, and serialises the heads the proxy sends.
 *
 * Validation on top of strict llhttp (RFC 9112): header values holding CR, LF
 * or NUL (obs-fold) are refused, a request may carry at most one Host, a
 * request Transfer-Encoding must be exactly "chunked", and the head is
 * bounded in bytes and lines (431).
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_MAX_HEAD (32 * 1024)
#define DEFAULT_MAX_HEADERS 128

/* Each header uses four span slots: name offset, name length, value offset,
 * value length (offsets into scratch). */
enum { SPAN_NAME_OFF, SPAN_NAME_LEN, SPAN_VAL_OFF, SPAN_VAL_LEN, SPAN_SLOTS };

static lr_http_parser *parser_of(llhttp_t *ll) { return (lr_http_parser *)ll->data; }

static int fail(lr_http_parser *p, int status, const char *text) {
  p->err_status = status;
  p->err_text = text;
  return -1;
}

/* Appends head bytes to scratch, enforcing the head size bound. */
static int collect(lr_http_parser *p, const char *at, size_t n) {
  if (p->scratch.len + n > p->max_head) return fail(p, 431, "request header too large");
  lr_buf_append(&p->scratch, at, n);
  return 0;
}

static int on_message_begin(llhttp_t *ll) {
  lr_http_parser *p = parser_of(ll);
  lr_buf_clear(&p->scratch);
  p->nspans = 0;
  p->url_off = p->url_len = p->reason_off = p->reason_len = 0;
  p->head = NULL;
  p->in_head = true;
  return 0;
}

static int on_url(llhttp_t *ll, const char *at, size_t n) {
  lr_http_parser *p = parser_of(ll);
  if (p->url_len == 0) p->url_off = (uint32_t)p->scratch.len;
  p->url_len += (uint32_t)n;
  return collect(p, at, n);
}

static int on_status(llhttp_t *ll, const char *at, size_t n) {
  lr_http_parser *p = parser_of(ll);
  if (p->reason_len == 0) p->reason_off = (uint32_t)p->scratch.len;
  p->reason_len += (uint32_t)n;
  return collect(p, at, n);
}

static int on_header_field(llhttp_t *ll, const char *at, size_t n) {
  lr_http_parser *p = parser_of(ll);
  /* A field starts when the previous header has a value slot filled or
   * when there is none yet; llhttp may split one field across reads. */
  bool fresh = p->nspans == 0 || p->spans[p->nspans - SPAN_SLOTS + SPAN_VAL_OFF] != UINT32_MAX;
  if (fresh) {
    if (p->nspans / SPAN_SLOTS >= p->max_headers) return fail(p, 431, "too many headers");
    if (p->nspans + SPAN_SLOTS > p->capspans) {
      p->capspans = p->capspans ? p->capspans * 2 : 32 * SPAN_SLOTS;
      p->spans = lr_xrealloc(p->spans, p->capspans * sizeof *p->spans);
    }
    uint32_t *s = p->spans + p->nspans;
    s[SPAN_NAME_OFF] = (uint32_t)p->scratch.len;
    s[SPAN_NAME_LEN] = 0;
    s[SPAN_VAL_OFF] = UINT32_MAX;
    s[SPAN_VAL_LEN] = 0;
    p->nspans += SPAN_SLOTS;
  }
  p->spans[p->nspans - SPAN_SLOTS + SPAN_NAME_LEN] += (uint32_t)n;
  return collect(p, at, n);
}

static int on_header_field_complete(llhttp_t *ll) {
  lr_http_parser *p = parser_of(ll);
  /* Mark the value slot as started (possibly empty). */
  if (p->nspans) {
    uint32_t *s = p->spans + p->nspans - SPAN_SLOTS;
    if (s[SPAN_VAL_OFF] == UINT32_MAX) s[SPAN_VAL_OFF] = (uint32_t)p->scratch.len;
  }
  return 0;
}

static int on_header_value(llhttp_t *ll, const char *at, size_t n) {
  lr_http_parser *p = parser_of(ll);
  if (!p->nspans) return fail(p, 400, "malformed header");
  uint32_t *s = p->spans + p->nspans - SPAN_SLOTS;
  /* Value bytes follow the name in scratch, contiguous across reads. A
   * value continued at a gap in the input is an obs-fold (RFC 9112 §5.2):
   * refused, since peers may disagree on where the header ends. */
  if (s[SPAN_VAL_OFF] == UINT32_MAX)
    s[SPAN_VAL_OFF] = (uint32_t)p->scratch.len;
  else if (s[SPAN_VAL_LEN] > 0 && at != p->value_end)
    return fail(p, 400, "obsolete line folding");
  p->value_end = at + n;
  s[SPAN_VAL_LEN] += (uint32_t)n;
  return collect(p, at, n);
}

static lr_str trim(lr_str s) {
  while (s.n && (s.p[0] == ' ' || s.p[0] == '\t')) s.p++, s.n--;
  while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t')) s.n--;
  return s;
}

bool lr_http_ieq(lr_str s, const char *cstr) {
  size_t n = strlen(cstr);
  return s.n == n && strncasecmp(s.p, cstr, n) == 0;
}

/* Fills the convenience fields of h from its header list; returns 0 or an
 * error via fail(). */
static int classify_headers(lr_http_parser *p, lr_http_head *h) {
  size_t hosts = 0;
  for (size_t i = 0; i < h->nheaders; i++) {
    lr_http_header *x = &h->headers[i];
    if (memchr(x->value.p, '\r', x->value.n) || memchr(x->value.p, '\n', x->value.n) ||
        memchr(x->value.p, '\0', x->value.n))
      return fail(p, 400, "invalid header value");
    if (x->name.n == 0) return fail(p, 400, "empty header name");
    switch (x->name.n) {
    case 4:
      if (lr_http_ieq(x->name, "host")) h->host = x->value, hosts++;
      break;
    case 10:
      if (lr_http_ieq(x->name, "connection")) h->has_connection = true;
      break;
    case 6:
      if (lr_http_ieq(x->name, "expect")) {
        if (!lr_http_ieq(x->value, "100-continue")) return fail(p, 417, "unsupported expectation");
        h->expect_continue = true;
      }
      break;
    case 12:
      if (lr_http_ieq(x->name, "content-type"))
        h->content_type = x->value;
      else if (lr_http_ieq(x->name, "x-request-id"))
        h->request_id = x->value;
      break;
    case 17:
      if (p->is_request && lr_http_ieq(x->name, "transfer-encoding") &&
          !lr_http_ieq(x->value, "chunked"))
        return fail(p, 400, "unsupported transfer-encoding");
      break;
    }
  }
  /* RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing. */
  if (p->is_request && (p->ll.flags & F_TRANSFER_ENCODING) && h->major == 1 && h->minor == 0)
    return fail(p, 400, "transfer-encoding in HTTP/1.0");
  if (p->is_request && hosts > 1) return fail(p, 400, "duplicate host header");
  if (p->is_request && hosts == 0 && h->major == 1 && h->minor >= 1)
    return fail(p, 400, "missing host header");
  return 0;
}

static int on_headers_complete(llhttp_t *ll) {
  lr_http_parser *p = parser_of(ll);
  lr_http_head *h = LR_NEW(p->arena, lr_http_head);
  char *base = lr_arena_alloc(p->arena, p->scratch.len + 1);
  if (p->scratch.len) memcpy(base, p->scratch.p, p->scratch.len);
  base[p->scratch.len] = 0;
  h->major = ll->http_major;
  h->minor = ll->http_minor;
  if (p->is_request) {
    h->method = ll->method;
    h->method_name = lr_str_c(llhttp_method_name((llhttp_method_t)ll->method));
    h->url = lr_str_make(base + p->url_off, p->url_len);
    const char *q = memchr(h->url.p, '?', h->url.n);
    h->path = q ? lr_str_make(h->url.p, (size_t)(q - h->url.p)) : h->url;
    h->query = q ? lr_str_make(q + 1, h->url.n - h->path.n - 1) : lr_str_make("", 0);
  } else {
    h->status = ll->status_code;
    h->reason = lr_str_make(base + p->reason_off, p->reason_len);
  }
  size_t nh = p->nspans / SPAN_SLOTS;
  h->headers = LR_NEW_N(p->arena, lr_http_header, nh ? nh : 1);
  for (size_t i = 0; i < nh; i++) {
    const uint32_t *s = p->spans + i * SPAN_SLOTS;
    h->headers[i].name = lr_str_make(base + s[SPAN_NAME_OFF], s[SPAN_NAME_LEN]);
    uint32_t voff = s[SPAN_VAL_OFF] == UINT32_MAX ? s[SPAN_NAME_OFF] : s[SPAN_VAL_OFF];
    h->headers[i].value = trim(lr_str_make(base + voff, s[SPAN_VAL_LEN]));
  }
  h->nheaders = nh;
  h->chunked = (ll->flags & F_CHUNKED) != 0;
  h->has_length = (ll->flags & F_CONTENT_LENGTH) != 0;
  h->length = h->has_length ? ll->content_length : 0;
  h->keep_alive = llhttp_should_keep_alive(ll) != 0;
  h->head_bytes = p->scratch.len + 4 * nh + 16;
  if (classify_headers(p, h) != 0) return -1;
  p->head = h;
  p->in_head = false;
  int rc = p->ev->on_head(p->ud, h);
  p->user_rc = rc;
  switch (rc) {
  case LR_HTTP_CONTINUE: return 0;
  case LR_HTTP_SKIP_BODY: return 1;
  case LR_HTTP_PAUSE: return HPE_PAUSED;
  default: return -1;
  }
}

static int on_body(llhttp_t *ll, const char *at, size_t n) {
  lr_http_parser *p = parser_of(ll);
  int rc = p->ev->on_body(p->ud, at, n);
  p->user_rc = rc;
  return rc == LR_HTTP_CONTINUE ? 0 : -1;
}

static int on_message_complete(llhttp_t *ll) {
  lr_http_parser *p = parser_of(ll);
  p->in_head = false;
  int rc = p->ev->on_done(p->ud);
  p->user_rc = rc;
  switch (rc) {
  case LR_HTTP_CONTINUE: return 0;
  case LR_HTTP_PAUSE: return HPE_PAUSED;
  default: return -1;
  }
}

void lr_http_parser_init(lr_http_parser *p, bool is_request, const lr_http_events *ev, void *ud,
                         size_t max_head) {
  memset(p, 0, sizeof *p);
  llhttp_settings_init(&p->settings);
  p->settings.on_message_begin = on_message_begin;
  p->settings.on_url = on_url;
  p->settings.on_status = on_status;
  p->settings.on_header_field = on_header_field;
  p->settings.on_header_field_complete = on_header_field_complete;
  p->settings.on_header_value = on_header_value;
  p->settings.on_headers_complete = on_headers_complete;
  p->settings.on_body = on_body;
  p->settings.on_message_complete = on_message_complete;
  llhttp_init(&p->ll, is_request ? HTTP_REQUEST : HTTP_RESPONSE, &p->settings);
  p->ll.data = p;
  p->ev = ev;
  p->ud = ud;
  p->is_request = is_request;
  p->max_head = max_head ? max_head : DEFAULT_MAX_HEAD;
  p->max_headers = DEFAULT_MAX_HEADERS;
}

void lr_http_parser_free(lr_http_parser *p) {
  lr_buf_free(&p->scratch);
  free(p->spans);
  p->spans = NULL;
  p->nspans = p->capspans = 0;
}

lr_http_result lr_http_parser_feed(lr_http_parser *p, const char *data, size_t n, size_t *used) {
  p->user_rc = LR_HTTP_CONTINUE;
  /* A value may continue at the start of this buffer only if the last piece
   * reached the end of the previous one. */
  p->value_end = p->value_open ? data : NULL;
  llhttp_errno_t e = llhttp_execute(&p->ll, data, n);
  p->value_open = p->value_end == data + n;
  if (e == HPE_OK) {
    *used = n;
    return LR_HTTP_OK;
  }
  const char *pos = llhttp_get_error_pos(&p->ll);
  *used = pos && pos >= data && pos <= data + n ? (size_t)(pos - data) : n;
  if (e == HPE_PAUSED) return LR_HTTP_PAUSED;
  if (e == HPE_PAUSED_UPGRADE) {
    /* The Upgrade header is hop-by-hop and never forwarded, so the message
     * is an ordinary one: carry on parsing after it. */
    llhttp_resume_after_upgrade(&p->ll);
    return LR_HTTP_PAUSED;
  }
  if (p->user_rc == LR_HTTP_ABORT) {
    p->err_status = 0;
    p->err_text = "aborted";
  } else if (!p->err_status) {
    p->err_status = 400;
    p->err_text = "malformed request";
    if (e == HPE_INVALID_METHOD && !p->is_request) p->err_text = "malformed response";
    if (!p->is_request) p->err_text = "malformed response";
  }
  return LR_HTTP_ERROR;
}

void lr_http_parser_resume(lr_http_parser *p) { llhttp_resume(&p->ll); }

lr_http_result lr_http_parser_eof(lr_http_parser *p) {
  p->user_rc = LR_HTTP_CONTINUE;
  llhttp_errno_t e = llhttp_finish(&p->ll);
  if (e == HPE_OK || e == HPE_PAUSED) return LR_HTTP_OK;
  if (!p->err_status) {
    p->err_status = 502;
    p->err_text = "message cut short";
  }
  return LR_HTTP_ERROR;
}

bool lr_http_parser_mid_message(const lr_http_parser *p) {
  return p->in_head || (p->head != NULL && llhttp_message_needs_eof(&p->ll)) ||
         p->ll.finish == HTTP_FINISH_UNSAFE;
}

bool lr_http_parser_needs_eof(const lr_http_parser *p) {
  return llhttp_message_needs_eof(&p->ll) != 0;
}

bool lr_http_parser_keep_alive(const lr_http_parser *p) {
  return llhttp_should_keep_alive(&p->ll) != 0;
}

const lr_http_header *lr_http_find(const lr_http_head *h, const char *name) {
  for (size_t i = 0; i < h->nheaders; i++)
    if (lr_http_ieq(h->headers[i].name, name)) return &h->headers[i];
  return NULL;
}

static bool connection_names(const lr_http_head *h, lr_str name) {
  for (size_t i = 0; i < h->nheaders; i++) {
    if (!lr_http_ieq(h->headers[i].name, "connection")) continue;
    lr_str v = h->headers[i].value;
    while (v.n) {
      const char *c = memchr(v.p, ',', v.n);
      size_t len = c ? (size_t)(c - v.p) : v.n;
      lr_str tok = trim(lr_str_make(v.p, len));
      if (tok.n == name.n && strncasecmp(tok.p, name.p, tok.n) == 0) return true;
      v.p += len, v.n -= len;
      if (v.n) v.p++, v.n--;
    }
  }
  return false;
}

bool lr_http_is_hop_by_hop(const lr_http_head *h, lr_str n) {
  /* RFC 9110 §7.6.1 plus the de-facto ones (Keep-Alive, Proxy-Connection);
   * dispatch on length first: this runs for every header of every message. */
  bool fixed = false;
  switch (n.n) {
  case 2: fixed = lr_http_ieq(n, "te"); break;
  case 7: fixed = lr_http_ieq(n, "trailer") || lr_http_ieq(n, "upgrade"); break;
  case 10: fixed = lr_http_ieq(n, "connection") || lr_http_ieq(n, "keep-alive"); break;
  case 16: fixed = lr_http_ieq(n, "proxy-connection"); break;
  case 17: fixed = lr_http_ieq(n, "transfer-encoding"); break;
  case 18: fixed = lr_http_ieq(n, "proxy-authenticate"); break;
  case 19: fixed = lr_http_ieq(n, "proxy-authorization"); break;
  }
  return fixed || (h->has_connection && connection_names(h, n));
}

static void put_header(lr_buf *out, lr_str name, lr_str value) {
  lr_buf_reserve(out, name.n + value.n + 4);
  memcpy(out->p + out->len, name.p, name.n);
  out->len += name.n;
  out->p[out->len++] = ':';
  out->p[out->len++] = ' ';
  memcpy(out->p + out->len, value.p, value.n);
  out->len += value.n;
  out->p[out->len++] = '\r';
  out->p[out->len++] = '\n';
  out->p[out->len] = 0;
}

/* Appends v in decimal (no printf on the hot path). */
static void put_u64(lr_buf *out, uint64_t v) {
  char tmp[24];
  size_t i = sizeof tmp;
  do tmp[--i] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  lr_buf_append(out, tmp + i, sizeof tmp - i);
}

static void put_framing(lr_buf *out, lr_http_framing f, uint64_t length) {
  if (f == LR_HTTP_FRAME_LENGTH) {
    lr_buf_puts(out, "Content-Length: ");
    put_u64(out, length);
    lr_buf_puts(out, "\r\n");
  } else if (f == LR_HTTP_FRAME_CHUNKED)
    lr_buf_puts(out, "Transfer-Encoding: chunked\r\n");
}

void lr_http_write_request_head(lr_buf *out, const lr_http_head *req, const lr_http_forward *fw) {
  lr_buf_append(out, req->method_name.p, req->method_name.n);
  lr_buf_putc(out, ' ');
  lr_buf_append(out, req->url.p, req->url.n);
  lr_buf_puts(out, " HTTP/1.1\r\n");
  bool xff_seen = false;
  lr_buf xff = {0};
  for (size_t i = 0; i < req->nheaders; i++) {
    const lr_http_header *x = &req->headers[i];
    if (lr_http_ieq(x->name, "content-length") || lr_http_ieq(x->name, "expect") ||
        lr_http_ieq(x->name, "x-request-id") || lr_http_ieq(x->name, "x-forwarded-proto") ||
        lr_http_is_hop_by_hop(req, x->name) ||
        (fw->identity_encoding && lr_http_ieq(x->name, "accept-encoding")))
      continue;
    if (lr_http_ieq(x->name, "x-forwarded-for")) {
      if (xff_seen) lr_buf_puts(&xff, ", ");
      lr_buf_append(&xff, x->value.p, x->value.n);
      xff_seen = true;
      continue;
    }
    put_header(out, x->name, x->value);
  }
  if (req->host.n == 0 && fw->default_host.n) put_header(out, LR_STR("Host"), fw->default_host);
  put_framing(out, fw->framing, fw->length);
  if (fw->identity_encoding) lr_buf_puts(out, "Accept-Encoding: identity\r\n");
  if (xff_seen) lr_buf_puts(&xff, ", ");
  lr_buf_append(&xff, fw->client_ip.p, fw->client_ip.n);
  put_header(out, LR_STR("X-Forwarded-For"), lr_buf_str(&xff));
  lr_buf_free(&xff);
  lr_buf_puts(out, fw->tls ? "X-Forwarded-Proto: https\r\n" : "X-Forwarded-Proto: http\r\n");
  put_header(out, LR_STR("X-Request-Id"), fw->request_id);
  lr_buf_puts(out, "\r\n");
}

void lr_http_write_response_head(lr_buf *out, const lr_http_head *resp, lr_http_framing framing,
                                 uint64_t length, lr_str request_id, bool keep_alive) {
  lr_buf_puts(out, "HTTP/1.1 ");
  put_u64(out, (uint64_t)resp->status);
  lr_buf_putc(out, ' ');
  if (resp->reason.n)
    lr_buf_append(out, resp->reason.p, resp->reason.n);
  else
    lr_buf_puts(out, lr_http_reason(resp->status));
  lr_buf_puts(out, "\r\n");
  for (size_t i = 0; i < resp->nheaders; i++) {
    const lr_http_header *x = &resp->headers[i];
    if (lr_http_ieq(x->name, "content-length") || lr_http_ieq(x->name, "x-request-id") ||
        lr_http_is_hop_by_hop(resp, x->name))
      continue;
    put_header(out, x->name, x->value);
  }
  put_framing(out, framing, length);
  if (request_id.n) put_header(out, LR_STR("X-Request-Id"), request_id);
  if (!keep_alive) lr_buf_puts(out, "Connection: close\r\n");
  lr_buf_puts(out, "\r\n");
}

void lr_http_write_error(lr_buf *out, int status, const char *error, lr_str request_id,
                         bool keep_alive) {
  lr_buf body = {0};
  lr_buf_puts(&body, "{\"error\": ");
  lr_buf_json_str(&body, error, strlen(error));
  lr_buf_puts(&body, ", \"request_id\": ");
  lr_buf_json_str(&body, request_id.p ? request_id.p : "", request_id.n);
  lr_buf_puts(&body, "}\n");
  lr_buf_printf(out,
                "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                "Cache-Control: no-store\r\n",
                status, lr_http_reason(status), body.len);
  if (request_id.n) put_header(out, LR_STR("X-Request-Id"), request_id);
  if (!keep_alive) lr_buf_puts(out, "Connection: close\r\n");
  lr_buf_puts(out, "\r\n");
  lr_buf_append(out, body.p, body.len);
  lr_buf_free(&body);
}

const char *lr_http_reason(int status) {
  switch (status) {
  case 100: return "Continue";
  case 200: return "OK";
  case 201: return "Created";
  case 204: return "No Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 304: return "Not Modified";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 413: return "Content Too Large";
  case 417: return "Expectation Failed";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  default: return "";
  }
}
