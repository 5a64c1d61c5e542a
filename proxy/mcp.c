/*
 * mcp.c — MCP Streamable HTTP details: versions, routing headers, JSON-RPC
 * error bodies and the session → principal table (see mcp.h).
 */
#include "mcp.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

bool lr_mcp_version_known(lr_str v) {
  static const char *const known[] = {"2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (lr_str_eq_c(v, known[i])) return true;
  return false;
}

const char *lr_mcp_check_headers(const lr_http_head *h, lr_str protocol, lr_str method,
                                 lr_str name) {
  bool required = lr_str_eq_c(protocol, "2026-07-28");
  const lr_http_header *hm = lr_http_find(h, "mcp-method");
  const lr_http_header *hn = lr_http_find(h, "mcp-name");
  if (!hm && required) return "the Mcp-Method header is required";
  if (hm && !lr_str_eq(hm->value, method)) return "Mcp-Method does not match the body's method";
  bool named = lr_str_eq_c(method, "tools/call") || lr_str_eq_c(method, "prompts/get") ||
               lr_str_eq_c(method, "resources/read") ||
               lr_str_eq_c(method, "resources/subscribe") ||
               lr_str_eq_c(method, "resources/unsubscribe");
  if (named && !hn && required) return "the Mcp-Name header is required";
  if (hn && !lr_str_eq(hn->value, name)) return "Mcp-Name does not match the body";
  return NULL;
}

void lr_mcp_error(lr_buf *out, lr_str id_raw, int code, const char *message,
                  const char *data_json) {
  lr_buf_puts(out, "{\"jsonrpc\":\"2.0\",\"id\":");
  if (id_raw.n)
    lr_buf_append(out, id_raw.p, id_raw.n);
  else
    lr_buf_puts(out, "null");
  lr_buf_printf(out, ",\"error\":{\"code\":%d,\"message\":", code);
  lr_buf_json_str(out, message, strlen(message));
  if (data_json) {
    lr_buf_puts(out, ",\"data\":");
    lr_buf_puts(out, data_json);
  }
  lr_buf_puts(out, "}}");
}

/* ---- sessions ------------------------------------------------------------------ */

typedef struct session {
  char *sid;
  size_t sid_len;
  char *principal;
  int64_t last_ms;
} session;

struct lr_mcp_sessions {
  pthread_mutex_t mu;
  lr_map map; /* sid → session * (keys point into the session) */
  size_t max;
  int64_t ttl_ms;
};

lr_mcp_sessions *lr_mcp_sessions_new(size_t max, int64_t ttl_ms) {
  lr_mcp_sessions *s = lr_xcalloc(1, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  s->max = max ? max : 65536;
  s->ttl_ms = ttl_ms > 0 ? ttl_ms : 3600 * 1000;
  return s;
}

static void session_free(session *e) {
  free(e->sid);
  free(e->principal);
  free(e);
}

void lr_mcp_sessions_free(lr_mcp_sessions *s) {
  if (!s) return;
  lr_map_entry *e;
  for (size_t i = 0; lr_map_next(&s->map, &i, &e);) session_free(e->value);
  lr_map_free(&s->map);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

static void drop_locked(lr_mcp_sessions *s, session *e) {
  lr_map_del(&s->map, (lr_str){e->sid, e->sid_len});
  session_free(e);
}

/* Makes room for one more: expired entries go, then the least recently
 * used. Linear, but only when the table is full. */
static void evict_locked(lr_mcp_sessions *s, int64_t now_ms) {
  if (s->map.len < s->max) return;
  session *oldest = NULL;
  lr_map_entry *e;
  size_t i = 0;
  while (lr_map_next(&s->map, &i, &e)) {
    session *x = e->value;
    if (now_ms - x->last_ms > s->ttl_ms) {
      drop_locked(s, x);
      continue;
    }
    if (!oldest || x->last_ms < oldest->last_ms) oldest = x;
  }
  if (s->map.len >= s->max && oldest) drop_locked(s, oldest);
}

bool lr_mcp_sessions_bind(lr_mcp_sessions *s, lr_str sid, const char *principal, int64_t now_ms) {
  if (!sid.n) return false;
  pthread_mutex_lock(&s->mu);
  session *e = lr_map_get(&s->map, sid);
  bool ok = true;
  if (e && now_ms - e->last_ms <= s->ttl_ms && strcmp(e->principal, principal) != 0) {
    ok = false;
  } else if (e) {
    free(e->principal);
    e->principal = lr_xstrdup(principal);
    e->last_ms = now_ms;
  } else {
    evict_locked(s, now_ms);
    e = lr_xcalloc(1, sizeof *e);
    e->sid = lr_xmalloc(sid.n + 1);
    memcpy(e->sid, sid.p, sid.n);
    e->sid[sid.n] = 0;
    e->sid_len = sid.n;
    e->principal = lr_xstrdup(principal);
    e->last_ms = now_ms;
    lr_map_put(&s->map, (lr_str){e->sid, e->sid_len}, e);
  }
  pthread_mutex_unlock(&s->mu);
  return ok;
}

lr_mcp_session_state lr_mcp_sessions_check(lr_mcp_sessions *s, lr_str sid, const char *principal,
                                           int64_t now_ms) {
  pthread_mutex_lock(&s->mu);
  session *e = lr_map_get(&s->map, sid);
  lr_mcp_session_state st = LR_MCP_SESSION_UNKNOWN;
  if (e && now_ms - e->last_ms > s->ttl_ms) {
    drop_locked(s, e);
  } else if (e && strcmp(e->principal, principal) == 0) {
    e->last_ms = now_ms;
    st = LR_MCP_SESSION_OK;
  } else if (e) {
    st = LR_MCP_SESSION_OTHER;
  }
  pthread_mutex_unlock(&s->mu);
  return st;
}

void lr_mcp_sessions_drop(lr_mcp_sessions *s, lr_str sid) {
  pthread_mutex_lock(&s->mu);
  session *e = lr_map_get(&s->map, sid);
  if (e) drop_locked(s, e);
  pthread_mutex_unlock(&s->mu);
}

size_t lr_mcp_sessions_count(lr_mcp_sessions *s) {
  pthread_mutex_lock(&s->mu);
  size_t n = s->map.len;
  pthread_mutex_unlock(&s->mu);
  return n;
}
