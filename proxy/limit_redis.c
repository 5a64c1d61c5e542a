/*
 * limit_redis.c — cluster-wide GCRA through Redis (hiredis async + libevent).
 *
 * See limit_redis.h for the contract. Inside:
 *  - URL parsing;
 *  - the Lua script (one GCRA step, server clock) and its SHA-1;
 *  - the connection: connect, handshake (AUTH, SELECT, SCRIPT LOAD, all
 *    pipelined ahead of the first EVALSHA), loss, backoff, stall detection;
 *  - calls: a FIFO of calls awaiting an answer, oldest first. All calls share
 *    one deadline length, so the FIFO is also in deadline order and one
 *    libevent timer, armed for the head, enforces every deadline. A call that
 *    missed its deadline is answered with the fail mode but stays allocated
 *    until hiredis hands its reply back (or drops it with the connection):
 *    hiredis owns a pointer to it until then.
 */
#include "limit_redis.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- URL ---------------------------------------------------------------- */

static char *fmt_err(const char *fmt, const char *arg) {
  lr_buf b = {0};
  lr_buf_printf(&b, fmt, arg);
  return b.p;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static char *dupn(const char *s, size_t n) {
  char *o = lr_xmalloc(n + 1);
  memcpy(o, s, n);
  o[n] = 0;
  return o;
}

/* A malloc'd copy of s[0, n) with %XX escapes decoded; NULL on a bad escape. */
static char *pct_decode(const char *s, size_t n) {
  char *out = lr_xmalloc(n + 1), *o = out;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '%') {
      *o++ = s[i];
      continue;
    }
    int hi = i + 2 < n ? hexval(s[i + 1]) : -1, lo = i + 2 < n ? hexval(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      free(out);
      return NULL;
    }
    *o++ = (char)(hi * 16 + lo);
    i += 2;
  }
  *o = 0;
  return out;
}

static bool parse_int(const char *s, size_t n, int lo, int hi, int *out) {
  if (n == 0 || n > 9) return false;
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

void lr_rlimit_url_free(lr_rlimit_url *u) {
  free(u->host);
  free(u->path);
  free(u->user);
  free(u->password);
  memset(u, 0, sizeof *u);
}

/* unix:/path[?db=N&password=P] */
static lr_status parse_unix(const char *s, lr_rlimit_url *u, char **err) {
  const char *q = strchr(s, '?');
  size_t plen = q ? (size_t)(q - s) : strlen(s);
  if (plen == 0 || s[0] != '/') {
    *err = fmt_err("redis URL: %s", "the unix socket path must be absolute");
    return LR_ERR;
  }
  u->path = dupn(s, plen);
  for (const char *p = q ? q + 1 : NULL; p && *p;) {
    const char *amp = strchr(p, '&');
    size_t n = amp ? (size_t)(amp - p) : strlen(p);
    if (n > 3 && !strncmp(p, "db=", 3)) {
      if (!parse_int(p + 3, n - 3, 0, 1000000, &u->db)) goto bad;
    } else if (n >= 9 && !strncmp(p, "password=", 9)) {
      free(u->password);
      if (!(u->password = pct_decode(p + 9, n - 9))) goto bad;
    } else {
      goto bad;
    }
    p = amp ? amp + 1 : NULL;
  }
  return LR_OK;
bad:
  *err = fmt_err("redis URL: %s", "bad query after unix socket path (want db=N&password=P)");
  return LR_ERR;
}

lr_status lr_rlimit_url_parse(const char *url, lr_rlimit_url *u, char **err) {
  memset(u, 0, sizeof *u);
  u->port = 6379;
  lr_status st = LR_ERR;
  if (!url) {
    *err = fmt_err("redis URL: %s", "missing");
    return LR_ERR;
  }
  if (!strncmp(url, "unix://", 7)) {
    st = parse_unix(url + 7, u, err);
  } else if (!strncmp(url, "unix:", 5)) {
    st = parse_unix(url + 5, u, err);
  } else if (!strncmp(url, "redis://", 8)) {
    const char *s = url + 8, *end = s + strlen(s);
    const char *slash = memchr(s, '/', (size_t)(end - s));
    const char *auth_end = NULL;
    for (const char *p = s; p < (slash ? slash : end); p++)
      if (*p == '@') auth_end = p;
    if (auth_end) {
      const char *colon = memchr(s, ':', (size_t)(auth_end - s));
      if (!colon) goto bad; /* redis://password@host is ambiguous: ask for ":" */
      if (colon > s && !(u->user = pct_decode(s, (size_t)(colon - s)))) goto bad;
      if (!(u->password = pct_decode(colon + 1, (size_t)(auth_end - colon - 1)))) goto bad;
      s = auth_end + 1;
    }
    const char *hend = slash ? slash : end;
    const char *portp = NULL;
    if (*s == '[') {
      const char *rb = memchr(s, ']', (size_t)(hend - s));
      if (!rb || rb == s + 1) goto bad;
      u->host = dupn(s + 1, (size_t)(rb - s - 1));
      if (rb + 1 < hend) {
        if (rb[1] != ':') goto bad;
        portp = rb + 2;
      }
    } else {
      const char *colon = memchr(s, ':', (size_t)(hend - s));
      const char *he = colon ? colon : hend;
      if (he == s) goto bad;
      u->host = dupn(s, (size_t)(he - s));
      if (colon) portp = colon + 1;
    }
    if (portp && !parse_int(portp, (size_t)(hend - portp), 1, 65535, &u->port)) goto bad;
    if (slash && slash + 1 < end &&
        !parse_int(slash + 1, (size_t)(end - slash - 1), 0, 1000000, &u->db))
      goto bad;
    st = LR_OK;
  } else {
    /* never echo a URL: it may hold a password (rediss:// is not supported) */
    *err = fmt_err("redis URL: %s", "must start with redis:// or unix:");
    return LR_ERR;
  }
  if (st != LR_OK) lr_rlimit_url_free(u);
  return st;
bad:
  lr_rlimit_url_free(u);
  /* never echo the URL: it may hold a password */
  *err = fmt_err("redis URL: %s", "malformed (want redis://[[user]:password@]host[:port][/db])");
  return LR_ERR;
}

/* ---- the script ---------------------------------------------------------- */

/* One GCRA step (see guard/limit.h) in µs ticks on the server's clock.
 * KEYS[1]: the key. ARGV: cost (whole µs, fraction), tau (whole µs,
 * fraction), fraction denominator m. The value is "tat_us frac"; it expires
 * once the key is back to a full burst, which loses nothing. Returns
 * {allowed, backlog whole µs, backlog fraction}: after consuming when
 * allowed, before when refused. string.format("%.0f") because Lua 5.1's
 * tostring would print large integers in exponent form. */
static const char SCRIPT[] =
    "if redis.replicate_commands then redis.replicate_commands() end\n" /* Redis < 5 */
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local ci, cf = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
    "local ti, tf = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
    "local m = tonumber(ARGV[5])\n"
    "local di, df = 0, 0\n"
    "local v = redis.call('GET', KEYS[1])\n"
    "if v then\n"
    "  local sp = string.find(v, ' ', 1, true)\n"
    "  if sp then\n"
    "    local ai, af = tonumber(string.sub(v, 1, sp - 1)), tonumber(string.sub(v, sp + 1))\n"
    "    if ai and af and ai >= now then di, df = ai - now, af end\n"
    "  end\n"
    "end\n"
    "local ni, nf = di + ci, df + cf\n"
    "if nf >= m then ni, nf = ni + 1, nf - m end\n"
    "if ni < ti or (ni == ti and nf <= tf) then\n"
    "  if ci > 0 or cf > 0 then\n"
    "    redis.call('SET', KEYS[1], string.format('%.0f %.0f', now + ni, nf),\n"
    "               'PX', math.floor(ni / 1000) + 2)\n"
    "  end\n"
    "  return {1, ni, nf}\n"
    "end\n"
    "return {0, di, df}\n";

static void script_sha(char hex[41]) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1((const unsigned char *)SCRIPT, sizeof SCRIPT - 1, md);
  for (int i = 0; i < SHA_DIGEST_LENGTH; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* ---- state ----------------------------------------------------------------- */

#define TICK_NS 1000 /* Redis works in µs */

typedef struct qlink {
  struct qlink *prev, *next;
} qlink;

/* One check. q must stay first: FIFO links are cast back to calls. */
typedef struct call {
  qlink q; /* FIFO of unanswered calls */
  lr_rlimit *r;
  lr_limit *rule;
  lr_limit_rate rate; /* the rule's rate in µs ticks */
  uint32_t cost;
  lr_rlimit_cb cb;
  void *arg;
  int64_t t0, deadline;
  unsigned pending; /* replies hiredis still owes us for this call */
  bool answered, resent, queued;
  uint32_t klen;     /* the Redis key: prefix, rule, then the user's key ... */
  uint32_t ukey_off; /* ... which starts here */
  char key[];
} call;

typedef enum { ST_DOWN, ST_CONNECTING, ST_READY } conn_state;

struct lr_rlimit {
  struct event_base *base;
  lr_rlimit_config cfg;
  lr_rlimit_url url;
  const lr_clock *clock;
  char sha[41];
  redisAsyncContext *ac;
  conn_state state;
  bool loading; /* a SCRIPT LOAD is in flight */
  bool closing; /* lr_rlimit_free is running */
  int64_t backoff_ns;
  int64_t last_progress;   /* last reply or connect, while replies are due */
  unsigned outstanding;    /* replies due on the current connection */
  qlink head;              /* FIFO sentinel: head.next is the oldest */
  unsigned inflight;       /* unanswered calls */
  struct event *tick;      /* deadlines and stall detection */
  struct event *reconnect; /* backoff timer */
  struct evdns_base *dns;  /* for host names; NULL for addresses and unix */
  struct evdns_getaddrinfo_request *dns_req;
  bool resolving;
  lr_rlimit_stats st;
  char last_error[160];
};

const int64_t lr_rlimit_lat_bounds_ns[LR_RLIMIT_LAT_BUCKETS - 1] = {
    50000,   100000,   250000,   500000,   1000000,  2500000,
    5000000, 10000000, 25000000, 50000000, 100000000};

static const char *const source_names[] = {"redis", "fail_closed", "fail_open", "local"};
static const char *const error_names[] = {"none",  "down",     "timeout", "connection",
                                          "reply", "overload", "shutdown"};

const char *lr_rlimit_source_name(lr_rlimit_source s) {
  return (unsigned)s < LR_RLIMIT_BY__COUNT ? source_names[s] : "?";
}
const char *lr_rlimit_error_name(lr_rlimit_error e) {
  return (unsigned)e < LR_RLIMIT_ERR__COUNT ? error_names[e] : "?";
}

static int64_t now_ns(const lr_rlimit *r) { return lr_clock_mono_ns(r->clock); }

static void set_error(lr_rlimit *r, const char *what, const char *detail) {
  snprintf(r->last_error, sizeof r->last_error, "%s%s%s", what, detail ? ": " : "",
           detail ? detail : "");
}

/* A relative timeval for ns, rounded up to the next µs. */
static struct timeval tv_of(int64_t ns) {
  int64_t us = ns < 0 ? 0 : ns / 1000 + 1;
  return (struct timeval){.tv_sec = us / 1000000, .tv_usec = us % 1000000};
}

/* ---- answers --------------------------------------------------------------- */

static void count(lr_rlimit *r, const lr_rlimit_result *res) {
  r->st.calls++;
  r->st.by_source[res->source]++;
  if (res->error) r->st.errors[res->error]++;
  if (res->r.allowed)
    r->st.allowed++;
  else
    r->st.limited++;
  if (res->source == LR_RLIMIT_BY_REDIS) {
    int b = 0;
    while (b < LR_RLIMIT_LAT_BUCKETS - 1 && res->latency_ns > lr_rlimit_lat_bounds_ns[b]) b++;
    r->st.lat_buckets[b]++;
    r->st.lat_count++;
    r->st.lat_sum_ns += (uint64_t)res->latency_ns;
  }
}

/* Fills res with the fail mode's answer. */
static void fail_answer(lr_rlimit *r, lr_limit *rule, lr_str key, uint32_t cost,
                        lr_rlimit_error why, lr_rlimit_result *res) {
  memset(res, 0, sizeof *res);
  res->error = why;
  if (r->cfg.fail == LR_RLIMIT_FAIL_LOCAL && lr_limit_check(rule, key, cost, &res->r) == LR_OK) {
    res->source = LR_RLIMIT_BY_LOCAL;
  } else if (r->cfg.fail == LR_RLIMIT_FAIL_OPEN) {
    res->source = LR_RLIMIT_BY_FAIL_OPEN;
    res->r.allowed = true;
    res->r.remaining = lr_limit_rate_of(rule)->burst;
  } else { /* closed, or a key the local table refuses */
    res->source = LR_RLIMIT_BY_FAIL_CLOSED;
    res->r.allowed = false;
    res->r.retry_after_ns = r->cfg.backoff_min_ns; /* a hint: try again soon */
  }
}

static void unqueue(lr_rlimit *r, call *c) {
  if (!c->queued) return;
  c->q.prev->next = c->q.next;
  c->q.next->prev = c->q.prev;
  c->queued = false;
  r->inflight--;
}

static void answer(lr_rlimit *r, call *c, lr_rlimit_result *res) {
  unqueue(r, c);
  c->answered = true;
  res->latency_ns = now_ns(r) - c->t0;
  count(r, res);
  c->cb(c->arg, res);
}

static void answer_fail(lr_rlimit *r, call *c, lr_rlimit_error why) {
  lr_rlimit_result res;
  lr_str ukey = lr_str_make(c->key + c->ukey_off, c->klen - c->ukey_off);
  fail_answer(r, c->rule, ukey, c->cost, why, &res);
  answer(r, c, &res);
}

static void maybe_free(call *c) {
  if (c->answered && c->pending == 0) free(c);
}

/* ---- timers ---------------------------------------------------------------- */

static void arm_tick(lr_rlimit *r) {
  int64_t at = INT64_MAX;
  if (r->head.next != &r->head) at = ((call *)r->head.next)->deadline;
  if (r->outstanding && r->last_progress + r->cfg.stall_ns < at)
    at = r->last_progress + r->cfg.stall_ns;
  if (at == INT64_MAX) {
    evtimer_del(r->tick);
    return;
  }
  struct timeval tv = tv_of(at - now_ns(r));
  evtimer_add(r->tick, &tv);
}

static void start_connect(lr_rlimit *r);
static void free_rest(evutil_socket_t fd, short what, void *arg);

static void schedule_reconnect(lr_rlimit *r) {
  if (r->closing) return;
  r->state = ST_DOWN;
  struct timeval tv = tv_of(r->backoff_ns);
  evtimer_add(r->reconnect, &tv);
  r->backoff_ns =
      r->backoff_ns * 2 > r->cfg.backoff_max_ns ? r->cfg.backoff_max_ns : r->backoff_ns * 2;
}

/* Drops the current connection at once: hiredis hands every pending call
 * back with a NULL reply (answered as connection errors) before this
 * returns. Not for use inside a hiredis callback. */
static void drop_connection(lr_rlimit *r) {
  redisAsyncContext *ac = r->ac;
  if (!ac) return;
  r->ac = NULL;
  r->state = ST_DOWN;
  r->outstanding = 0;
  r->st.disconnects++;
  redisAsyncFree(ac);
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  lr_rlimit *r = arg;
  int64_t now = now_ns(r);
  while (r->head.next != &r->head && ((call *)r->head.next)->deadline <= now) {
    call *c = (call *)r->head.next;
    answer_fail(r, c, LR_RLIMIT_ERR_TIMEOUT);
    maybe_free(c);
  }
  if (r->ac && r->outstanding && now - r->last_progress >= r->cfg.stall_ns) {
    set_error(r, "redis connection stalled", NULL);
    drop_connection(r);
    schedule_reconnect(r);
  }
  arm_tick(r);
}

static void on_reconnect(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  start_connect(arg);
}

/* ---- the connection --------------------------------------------------------- */

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata);

/* A reply is due on the current connection. */
static void expect_reply(lr_rlimit *r) {
  if (r->outstanding++ == 0) r->last_progress = now_ns(r);
}

/* A reply (not a NULL hand-back) arrived on ac. */
static void got_reply(lr_rlimit *r, redisAsyncContext *ac) {
  if (r->ac != ac) return;
  if (r->outstanding) r->outstanding--;
  r->last_progress = now_ns(r);
}

static void handshake_failed(lr_rlimit *r, redisAsyncContext *ac, const char *what,
                             const redisReply *rep) {
  set_error(r, what, rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
  if (r->ac == ac) r->state = ST_CONNECTING; /* not ready; calls still get answers */
  redisAsyncDisconnect(ac); /* after the replies due; then on_disconnect backs off */
}

static void on_handshake(redisAsyncContext *ac, void *reply, void *privdata) {
  lr_rlimit *r = ac->data;
  redisReply *rep = reply;
  if (!rep) return;
  got_reply(r, ac);
  if (rep->type == REDIS_REPLY_ERROR) handshake_failed(r, ac, privdata, rep);
}

static void on_script_loaded(redisAsyncContext *ac, void *reply, void *privdata) {
  (void)privdata;
  lr_rlimit *r = ac->data;
  redisReply *rep = reply;
  if (!rep) return;
  got_reply(r, ac);
  if (r->ac != ac) return;
  r->loading = false;
  if (rep->type != REDIS_REPLY_STRING || rep->len != 40 || memcmp(rep->str, r->sha, 40)) {
    handshake_failed(r, ac, "redis SCRIPT LOAD", rep);
    return;
  }
  if (r->state == ST_CONNECTING) {
    r->state = ST_READY;
    r->st.connects++;
    r->backoff_ns = r->cfg.backoff_min_ns;
  }
}

static bool send_script_load(lr_rlimit *r) {
  if (redisAsyncCommand(r->ac, on_script_loaded, NULL, "SCRIPT LOAD %b", SCRIPT,
                        sizeof SCRIPT - 1) != REDIS_OK)
    return false;
  r->loading = true;
  expect_reply(r);
  return true;
}

static void on_connect(const redisAsyncContext *cac, int status) {
  redisAsyncContext *ac = (redisAsyncContext *)cac;
  lr_rlimit *r = ac->data;
  if (r->ac != ac) return;
  if (status != REDIS_OK) {
    set_error(r, "redis connect", ac->errstr);
    r->ac = NULL; /* hiredis frees it after this callback */
    r->outstanding = 0;
    schedule_reconnect(r);
    return;
  }
  r->last_progress = now_ns(r);
}

static void on_disconnect(const redisAsyncContext *cac, int status) {
  redisAsyncContext *ac = (redisAsyncContext *)cac;
  lr_rlimit *r = ac->data;
  if (r->ac != ac) return; /* dropped by us */
  /* a clean close is ours (after a handshake error): keep that error */
  if (status != REDIS_OK) set_error(r, "redis connection lost", ac->errstr);
  r->ac = NULL;
  r->outstanding = 0;
  r->st.disconnects++;
  schedule_reconnect(r);
}

/* Connects to the unix path, or to ip (a numeric address). */
static void connect_to(lr_rlimit *r, const char *ip) {
  redisAsyncContext *ac =
      r->url.path ? redisAsyncConnectUnix(r->url.path) : redisAsyncConnect(ip, r->url.port);
  if (!ac || ac->err) {
    set_error(r, "redis connect", ac ? ac->errstr : "out of memory");
    if (ac) redisAsyncFree(ac);
    schedule_reconnect(r);
    return;
  }
  ac->data = r;
  if (redisLibeventAttach(ac, r->base) != REDIS_OK) {
    set_error(r, "redis connect", "cannot attach to the event loop");
    redisAsyncFree(ac);
    schedule_reconnect(r);
    return;
  }
  redisAsyncSetConnectCallback(ac, on_connect);
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
  r->ac = ac;
  r->state = ST_CONNECTING;
  r->outstanding = 0;
  /* The handshake is pipelined ahead of any EVALSHA: Redis answers in order. */
  bool ok = true;
  if (r->url.password) {
    if (r->url.user)
      ok = redisAsyncCommand(ac, on_handshake, "redis AUTH", "AUTH %s %s", r->url.user,
                             r->url.password) == REDIS_OK;
    else
      ok =
          redisAsyncCommand(ac, on_handshake, "redis AUTH", "AUTH %s", r->url.password) == REDIS_OK;
    if (ok) expect_reply(r);
  }
  if (ok && r->url.db) {
    ok = redisAsyncCommand(ac, on_handshake, "redis SELECT", "SELECT %d", r->url.db) == REDIS_OK;
    if (ok) expect_reply(r);
  }
  if (ok) ok = send_script_load(r);
  if (!ok) {
    set_error(r, "redis connect", "cannot queue the handshake");
    drop_connection(r);
    schedule_reconnect(r);
  }
  arm_tick(r);
}

/* Host names are resolved with libevent's asynchronous resolver (hiredis
 * would call the blocking getaddrinfo on the loop); IPv4 answers first. */
static void on_resolved(int result, struct evutil_addrinfo *ai, void *arg) {
  lr_rlimit *r = arg;
  r->dns_req = NULL;
  r->resolving = false;
  if (ai && (result || r->closing)) evutil_freeaddrinfo(ai);
  if (r->closing) { /* lr_rlimit_free ran: finish it outside libevent's callback */
    struct timeval now = {0, 0};
    if (event_base_once(r->base, -1, EV_TIMEOUT, free_rest, r, &now) != 0) free(r);
    return;
  }
  if (result || !ai) {
    set_error(r, "redis resolve", evutil_gai_strerror(result));
    schedule_reconnect(r);
    return;
  }
  const struct evutil_addrinfo *pick = ai;
  for (const struct evutil_addrinfo *p = ai; p; p = p->ai_next)
    if (p->ai_family == AF_INET) {
      pick = p;
      break;
    }
  char ip[INET6_ADDRSTRLEN] = "";
  const void *addr = pick->ai_family == AF_INET
                         ? (const void *)&((const struct sockaddr_in *)pick->ai_addr)->sin_addr
                         : (const void *)&((const struct sockaddr_in6 *)pick->ai_addr)->sin6_addr;
  evutil_inet_ntop(pick->ai_family, addr, ip, sizeof ip);
  evutil_freeaddrinfo(ai);
  connect_to(r, ip);
}

static void start_connect(lr_rlimit *r) {
  if (r->closing || r->ac || r->resolving) return;
  r->st.attempts++;
  if (!r->dns) {
    connect_to(r, r->url.host);
    return;
  }
  struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  r->resolving = true;
  r->state = ST_DOWN;
  struct evdns_getaddrinfo_request *req =
      evdns_getaddrinfo(r->dns, r->url.host, NULL, &hints, on_resolved, r);
  if (r->resolving) r->dns_req = req; /* else answered already */
}

/* True when host is a numeric IPv4 or IPv6 address. */
static bool numeric_host(const char *host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return evutil_inet_pton(AF_INET, host, buf) == 1 || evutil_inet_pton(AF_INET6, host, buf) == 1;
}

/* ---- calls ----------------------------------------------------------------- */

/* Sends c's EVALSHA; false when the connection refuses new commands. */
static bool send_call(lr_rlimit *r, call *c) {
  lr_limit_time cost;
  if (c->cost > c->rate.burst) /* never fits: ask for one tick more than tau */
    cost = (lr_limit_time){c->rate.tau_int + 1, 0};
  else
    cost = lr_limit_rate_cost(&c->rate, c->cost);
  char nums[5][24];
  snprintf(nums[0], sizeof nums[0], "%lld", (long long)cost.i);
  snprintf(nums[1], sizeof nums[1], "%u", cost.f);
  snprintf(nums[2], sizeof nums[2], "%lld", (long long)c->rate.tau_int);
  snprintf(nums[3], sizeof nums[3], "%u", c->rate.tau_frac);
  snprintf(nums[4], sizeof nums[4], "%u", c->rate.max);
  const char *argv[9] = {"EVALSHA", r->sha,  "1",     c->key, nums[0],
                         nums[1],   nums[2], nums[3], nums[4]};
  size_t lens[9] = {7, 40, 1, c->klen};
  for (int i = 4; i < 9; i++) lens[i] = strlen(argv[i]);
  if (!r->ac || redisAsyncCommandArgv(r->ac, on_reply, c, 9, argv, lens) != REDIS_OK) return false;
  c->pending++;
  expect_reply(r);
  return true;
}

static bool is_int(const redisReply *e) { return e->type == REDIS_REPLY_INTEGER; }

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata) {
  call *c = privdata;
  lr_rlimit *r = c->r;
  redisReply *rep = reply;
  c->pending--;
  if (!rep) { /* the connection is going away */
    if (r->ac == ac) r->state = ST_DOWN;
    if (!c->answered) answer_fail(r, c, r->closing ? LR_RLIMIT_ERR_SHUTDOWN : LR_RLIMIT_ERR_CONN);
    maybe_free(c);
    return;
  }
  got_reply(r, ac);
  if (c->answered) {
    maybe_free(c);
    return;
  }
  if (rep->type == REDIS_REPLY_ERROR && !strncmp(rep->str, "NOSCRIPT", 8) && !c->resent &&
      r->ac == ac) {
    r->st.noscript++;
    c->resent = true;
    if ((r->loading || send_script_load(r)) && send_call(r, c)) return;
  }
  if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 3 && is_int(rep->element[0]) &&
      is_int(rep->element[1]) && is_int(rep->element[2]) && rep->element[1]->integer >= 0 &&
      rep->element[2]->integer >= 0 && rep->element[2]->integer < c->rate.max) {
    lr_rlimit_result res = {.source = LR_RLIMIT_BY_REDIS};
    lr_limit_time d = {rep->element[1]->integer, (uint32_t)rep->element[2]->integer};
    lr_limit_result_from_backlog(&c->rate, rep->element[0]->integer == 1, d, c->cost, TICK_NS,
                                 &res.r);
    answer(r, c, &res);
  } else {
    set_error(r, "redis reply",
              rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply to EVALSHA");
    answer_fail(r, c, LR_RLIMIT_ERR_REPLY);
  }
  maybe_free(c);
}

/* Answers now (LR_OK) with the fail mode. */
static lr_status answer_now(lr_rlimit *r, lr_limit *rule, lr_str key, uint32_t cost,
                            lr_rlimit_error why, lr_rlimit_result *out) {
  fail_answer(r, rule, key, cost, why, out);
  out->latency_ns = 0;
  count(r, out);
  return LR_OK;
}

lr_status lr_rlimit_check(lr_rlimit *r, lr_limit *rule, lr_str key, uint32_t cost, lr_rlimit_cb cb,
                          void *arg, lr_rlimit_result *now) {
  if (key.n > LR_LIMIT_KEY_MAX) return LR_ERR;
  if (r->state == ST_DOWN || !r->ac) return answer_now(r, rule, key, cost, LR_RLIMIT_ERR_DOWN, now);
  if (r->inflight >= r->cfg.max_inflight)
    return answer_now(r, rule, key, cost, LR_RLIMIT_ERR_OVERLOAD, now);
  const lr_limit_config *rc = lr_limit_config_of(rule);
  lr_limit_rate rate;
  if (lr_limit_rate_init(&rate, rc->max, rc->per_ns / TICK_NS, rc->burst) != LR_OK)
    return answer_now(r, rule, key, cost, LR_RLIMIT_ERR_REPLY, now);
  /* The rule's identity includes max and per: the stored fraction is in
   * 1/max µs, so state written under other parameters must not be read. */
  char ident[64];
  int il = snprintf(ident, sizeof ident, ":%u/%lld:", rc->max, (long long)rate.per);
  const char *name = rc->name ? rc->name : "default";
  size_t plen = strlen(r->cfg.prefix), nlen = strlen(name);
  size_t klen = plen + nlen + (size_t)il + key.n;
  call *c = lr_xmalloc(sizeof(call) + klen + 1);
  memset(c, 0, sizeof *c);
  memcpy(c->key, r->cfg.prefix, plen);
  memcpy(c->key + plen, name, nlen);
  memcpy(c->key + plen + nlen, ident, (size_t)il);
  if (key.n) memcpy(c->key + plen + nlen + il, key.p, key.n);
  c->key[klen] = 0;
  c->klen = (uint32_t)klen;
  c->ukey_off = (uint32_t)(klen - key.n);
  c->r = r;
  c->rule = rule;
  c->rate = rate;
  c->cost = cost;
  c->cb = cb;
  c->arg = arg;
  c->t0 = now_ns(r);
  c->deadline = c->t0 + r->cfg.deadline_ns;
  if (!send_call(r, c)) {
    free(c);
    return answer_now(r, rule, key, cost, LR_RLIMIT_ERR_CONN, now);
  }
  bool was_empty = r->head.next == &r->head;
  c->q.prev = r->head.prev;
  c->q.next = &r->head;
  r->head.prev->next = &c->q;
  r->head.prev = &c->q;
  c->queued = true;
  r->inflight++;
  if (was_empty) arm_tick(r);
  return LR_AGAIN;
}

/* ---- life cycle ------------------------------------------------------------ */

lr_rlimit *lr_rlimit_new(struct event_base *base, const lr_rlimit_config *cfg,
                         const lr_clock *clock, char **err) {
  lr_rlimit_url url;
  if (lr_rlimit_url_parse(cfg->url, &url, err) != LR_OK) return NULL;
  if (cfg->fail != LR_RLIMIT_FAIL_CLOSED && cfg->fail != LR_RLIMIT_FAIL_OPEN &&
      cfg->fail != LR_RLIMIT_FAIL_LOCAL) {
    lr_rlimit_url_free(&url);
    *err = fmt_err("redis limiter: %s", "unknown fail mode");
    return NULL;
  }
  lr_rlimit *r = lr_xcalloc(1, sizeof *r);
  r->base = base;
  r->clock = clock;
  r->url = url;
  r->cfg = *cfg;
  r->cfg.url = NULL; /* may hold a password; url keeps what is needed */
  if (r->cfg.deadline_ns <= 0) r->cfg.deadline_ns = 10 * 1000000LL;
  if (r->cfg.backoff_min_ns <= 0) r->cfg.backoff_min_ns = 50 * 1000000LL;
  if (r->cfg.backoff_max_ns < r->cfg.backoff_min_ns)
    r->cfg.backoff_max_ns =
        r->cfg.backoff_min_ns > 5000000000LL ? r->cfg.backoff_min_ns : 5000000000LL;
  if (r->cfg.stall_ns <= 0)
    r->cfg.stall_ns =
        10 * r->cfg.deadline_ns > 1000000000LL ? 10 * r->cfg.deadline_ns : 1000000000LL;
  r->cfg.prefix = lr_xstrdup(cfg->prefix ? cfg->prefix : "larch:rl:");
  if (!r->cfg.max_inflight) r->cfg.max_inflight = 10000;
  r->backoff_ns = r->cfg.backoff_min_ns;
  script_sha(r->sha);
  r->head.next = r->head.prev = &r->head;
  r->tick = evtimer_new(base, on_tick, r);
  r->reconnect = evtimer_new(base, on_reconnect, r);
  if (r->url.host && !numeric_host(r->url.host)) {
    r->dns =
        evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    if (!r->dns) {
      lr_rlimit_free(r);
      *err = fmt_err("redis limiter: %s", "cannot start the DNS resolver");
      return NULL;
    }
  }
  start_connect(r);
  return r;
}

/* The last step of freeing: the resolver and the struct itself. */
static void free_rest(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  lr_rlimit *r = arg;
  if (r->dns) evdns_base_free(r->dns, 0);
  free(r);
}

void lr_rlimit_free(lr_rlimit *r) {
  if (!r) return;
  r->closing = true;
  evtimer_del(r->reconnect);
  evtimer_del(r->tick);
  drop_connection(r); /* answers every call still waiting */
  event_free(r->tick);
  event_free(r->reconnect);
  lr_rlimit_url_free(&r->url);
  free((char *)r->cfg.prefix);
  if (r->dns_req) { /* libevent answers a cancelled lookup later, on the loop */
    evdns_getaddrinfo_cancel(r->dns_req);
    return; /* on_resolved finishes */
  }
  free_rest(-1, 0, r);
}

bool lr_rlimit_ready(const lr_rlimit *r) { return r->ac && r->state == ST_READY; }

void lr_rlimit_get_stats(const lr_rlimit *r, lr_rlimit_stats *out) {
  *out = r->st;
  out->inflight = r->inflight;
  out->connected = lr_rlimit_ready(r);
}

const char *lr_rlimit_last_error(const lr_rlimit *r) { return r->last_error; }

/* ---- metrics --------------------------------------------------------------- */

void lr_rlimit_stats_add(lr_rlimit_stats *sum, const lr_rlimit_stats *s) {
  sum->calls += s->calls;
  sum->allowed += s->allowed;
  sum->limited += s->limited;
  for (int i = 0; i < LR_RLIMIT_BY__COUNT; i++) sum->by_source[i] += s->by_source[i];
  for (int i = 0; i < LR_RLIMIT_ERR__COUNT; i++) sum->errors[i] += s->errors[i];
  sum->noscript += s->noscript;
  sum->connects += s->connects;
  sum->disconnects += s->disconnects;
  sum->attempts += s->attempts;
  for (int i = 0; i < LR_RLIMIT_LAT_BUCKETS; i++) sum->lat_buckets[i] += s->lat_buckets[i];
  sum->lat_count += s->lat_count;
  sum->lat_sum_ns += s->lat_sum_ns;
  sum->inflight += s->inflight;
  sum->connected = sum->connected || s->connected;
}

static void prom_counter(lr_buf *out, const char *name, const char *help, uint64_t v) {
  lr_buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
                (unsigned long long)v);
}

void lr_rlimit_metrics(const lr_rlimit_stats *s, lr_buf *out) {
  lr_buf_puts(out, "# HELP larch_redis_limit_calls_total Redis limiter checks by who decided.\n"
                   "# TYPE larch_redis_limit_calls_total counter\n");
  for (int i = 0; i < LR_RLIMIT_BY__COUNT; i++)
    lr_buf_printf(out, "larch_redis_limit_calls_total{source=\"%s\"} %llu\n", source_names[i],
                  (unsigned long long)s->by_source[i]);
  lr_buf_puts(out, "# HELP larch_redis_limit_errors_total Redis limiter calls Redis did not "
                   "decide, by kind.\n"
                   "# TYPE larch_redis_limit_errors_total counter\n");
  for (int i = 1; i < LR_RLIMIT_ERR__COUNT; i++)
    lr_buf_printf(out, "larch_redis_limit_errors_total{kind=\"%s\"} %llu\n", error_names[i],
                  (unsigned long long)s->errors[i]);
  prom_counter(out, "larch_redis_limit_noscript_total", "NOSCRIPT replies (script reloaded).",
               s->noscript);
  prom_counter(out, "larch_redis_limit_connects_total", "Redis connections made ready.",
               s->connects);
  prom_counter(out, "larch_redis_limit_disconnects_total", "Redis connections lost or dropped.",
               s->disconnects);
  prom_counter(out, "larch_redis_limit_connect_attempts_total",
               "Redis connection attempts (with backoff).", s->attempts);
  lr_buf_printf(out,
                "# HELP larch_redis_limit_inflight Calls awaiting Redis.\n"
                "# TYPE larch_redis_limit_inflight gauge\nlarch_redis_limit_inflight %u\n"
                "# HELP larch_redis_limit_up Whether a Redis connection is ready.\n"
                "# TYPE larch_redis_limit_up gauge\nlarch_redis_limit_up %d\n",
                s->inflight, s->connected ? 1 : 0);
  const char *h = "larch_redis_limit_latency_seconds";
  lr_buf_printf(out, "# HELP %s Latency of Redis-decided checks.\n# TYPE %s histogram\n", h, h);
  uint64_t cum = 0;
  for (int i = 0; i < LR_RLIMIT_LAT_BUCKETS; i++) {
    cum += s->lat_buckets[i];
    lr_buf_printf(out, "%s_bucket{le=\"", h);
    if (i < LR_RLIMIT_LAT_BUCKETS - 1)
      lr_limit_prom_seconds(out, lr_rlimit_lat_bounds_ns[i]);
    else
      lr_buf_puts(out, "+Inf");
    lr_buf_printf(out, "\"} %llu\n", (unsigned long long)cum);
  }
  lr_buf_printf(out, "%s_sum ", h);
  lr_limit_prom_seconds(out, (int64_t)s->lat_sum_ns);
  lr_buf_printf(out, "\n%s_count %llu\n", h, (unsigned long long)s->lat_count);
}
