/*
 * config.c — `larch serve` configuration: a table of options (flag,
 * environment variable, JSON key, kind, help), loaded in the order defaults
 * < JSON file < LARCH_* environment < flags, then routes resolved.
 *
 * JSON config (jansson, cold path):
 *   {"listen": "127.0.0.1:8080", "workers": 2, "admin": "127.0.0.1:9901",
 *    "connect_timeout": "5s", "body_limit": "1MiB", ...any option below...,
 *    "routes": [{"name": "mcp", "prefix": "/mcp", "upstream": "http://127.0.0.1:9000",
 *                "inspect": true}, ...]}
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve.h"

typedef enum { OPT_STR, OPT_INT, OPT_MS, OPT_SIZE, OPT_BOOL, OPT_UPSTREAM } opt_kind;

typedef struct opt {
  const char *flag, *env, *key;
  opt_kind kind;
  size_t off;
  const char *arg, *help;
} opt;

#define F(field) offsetof(lr_serve_config, field)
static const opt options[] = {
    {"--listen", "LARCH_LISTEN", "listen", OPT_STR, F(listen), "ADDR",
     "address to serve on, host:port (default 127.0.0.1:8080)"},
    {"--upstream", "LARCH_UPSTREAM", "upstream", OPT_UPSTREAM, 0, "URL",
     "origin for the default route \"/\": http://host:port or https://host:port"},
    {"--upstream-name", "LARCH_UPSTREAM_NAME", "upstream_name", OPT_STR, F(upstream_name), "NAME",
     "name of the --upstream route, its Server::\"NAME\" in policies (default \"default\")"},
    {"--config", "LARCH_CONFIG", NULL, OPT_STR, F(config), "FILE",
     "JSON file with any option below and \"routes\": [{name, prefix, upstream, inspect,\n"
     "                             protocol: mcp|rest, auth: bool}]"},
    {"--policies", "LARCH_POLICIES", "policies", OPT_STR, F(policies), "DIR|FILE",
     "Cedar policies (every *.cedar below DIR), loaded at start, on SIGHUP and POST /reload;\n"
     "                             every request is decided before the upstream (default deny).\n"
     "                             Without it (and without identity flags): a plain proxy"},
    {"--workers", "LARCH_WORKERS", "workers", OPT_INT, F(workers), "N",
     "worker threads, each with its own SO_REUSEPORT listener (default: cores)"},
    {"--admin", "LARCH_ADMIN", "admin", OPT_STR, F(admin), "ADDR",
     "admin listener for /healthz /readyz /metrics POST /reload (default: none)"},
    {"--tls-cert", "LARCH_TLS_CERT", "tls_cert", OPT_STR, F(tls_cert), "FILE",
     "PEM certificate chain: serve HTTPS (TLS 1.2/1.3, ALPN http/1.1)"},
    {"--tls-key", "LARCH_TLS_KEY", "tls_key", OPT_STR, F(tls_key), "FILE",
     "PEM private key for --tls-cert"},
    {"--tls-client-ca", "LARCH_TLS_CLIENT_CA", "tls_client_ca", OPT_STR, F(tls_client_ca), "FILE",
     "require client certificates signed by this CA (mTLS)"},
    {"--upstream-ca", "LARCH_UPSTREAM_CA", "upstream_ca", OPT_STR, F(upstream_ca), "FILE",
     "CA bundle to verify https:// upstreams (default: system store)"},
    {"--connect-timeout", "LARCH_CONNECT_TIMEOUT", "connect_timeout", OPT_MS, F(connect_ms), "DUR",
     "upstream connect + TLS handshake deadline, 504 beyond (default 5s)"},
    {"--header-timeout", "LARCH_HEADER_TIMEOUT", "header_timeout", OPT_MS, F(header_ms), "DUR",
     "the whole request head must arrive within this, 408 beyond (default 10s)"},
    {"--idle-timeout", "LARCH_IDLE_TIMEOUT", "idle_timeout", OPT_MS, F(idle_ms), "DUR",
     "longest silence of a client (keep-alive, body) or upstream (response, SSE), "
     "408/504 beyond (default 120s; 0 = none)"},
    {"--total-timeout", "LARCH_TOTAL_TIMEOUT", "total_timeout", OPT_MS, F(total_ms), "DUR",
     "longest whole exchange, 504 beyond (default 0 = none, for long streams)"},
    {"--drain-timeout", "LARCH_DRAIN_TIMEOUT", "drain_timeout", OPT_MS, F(drain_ms), "DUR",
     "on SIGTERM, how long in-flight requests may take to finish (default 30s)"},
    {"--body-limit", "LARCH_BODY_LIMIT", "body_limit", OPT_SIZE, F(body_limit), "SIZE",
     "largest body buffered for inspection, 413 beyond (default 1MiB)"},
    {"--max-header-size", "LARCH_MAX_HEADER_SIZE", "max_header_size", OPT_SIZE, F(max_head), "SIZE",
     "largest request head, 431 beyond (default 32KiB)"},
    {"--pool-size", "LARCH_POOL_SIZE", "pool_size", OPT_INT, F(pool_idle_max), "N",
     "idle keep-alive upstream connections kept per route and worker (default 64)"},
    {"--decision-log", "LARCH_DECISION_LOG", "decision_log", OPT_STR, F(decision_log), "PATH",
     "one JSON line per request to PATH (appended) or - for stdout (default: none)"},
    {"--watch", "LARCH_WATCH", "watch", OPT_BOOL, F(watch), "on|off",
     "reload when a loaded file (policies, entities, keys) changes (default on)"},
    {"--inspect", "LARCH_INSPECT", "inspect", OPT_BOOL, F(inspect), "on|off",
     "buffer JSON POST bodies for the policy pipeline on routes that do not say (default on)"},
    {"--entities", "LARCH_ENTITIES", "entities", OPT_STR, F(entities), "FILE",
     "Cedar JSON entities merged with each request's principal and resource"},
    {"--schema", "LARCH_SCHEMA", "schema", OPT_STR, F(schema), "FILE",
     "Cedar schema (.cedarschema or .json) the entities are parsed with"},
    {"--protocol", "LARCH_PROTOCOL", "protocol", OPT_STR, F(protocol), "mcp|rest",
     "how routes that do not say are mapped to Cedar requests (default mcp)"},
    {"--mapping", "LARCH_MAPPING", "mapping", OPT_STR, F(mapping), "NAME",
     "mapping profile: default or agentcore (Amazon Bedrock AgentCore Policy)"},
    {"--agentcore-tools", "LARCH_AGENTCORE_TOOLS", "agentcore_tools", OPT_STR, F(agentcore_tools),
     "FILE", "agentcore profile: tools/list answer whose inputSchemas type context.input"},
    {"--agentcore-gateway", "LARCH_AGENTCORE_GATEWAY", "agentcore_gateway", OPT_STR,
     F(agentcore_gateway), "ARN",
     "agentcore profile: the gateway ARN, resource AgentCore::Gateway::\"<ARN>\""},
    {"--openapi", "LARCH_OPENAPI", "openapi", OPT_STR, F(openapi), "FILE",
     "OpenAPI document: REST operations become Tool::\"<operationId>\""},
    {"--on-error", "LARCH_ON_ERROR", "on_error", OPT_STR, F(on_error), "deny|cedar",
     "a request on which a forbid errored: deny (default, fail closed) or Cedar's decision"},
    {"--shadow", "LARCH_SHADOW", "shadow", OPT_BOOL, F(shadow), "on|off",
     "decide and log every request but forward it anyway (default off)"},
    {"--timezone", "LARCH_TIMEZONE", "timezone", OPT_STR, F(timezone), "TZ",
     "time zone of context.time.hour/weekday, e.g. Europe/Berlin (default UTC)"},
    {"--auth-required", "LARCH_AUTH_REQUIRED", "auth_required", OPT_BOOL, F(auth), "on|off",
     "routes that do not say answer 401 without a valid credential (default off)"},
    {"--jwks", "LARCH_JWKS", "jwks", OPT_STR, F(jwks), "FILE",
     "JWK set verifying Bearer JWTs (principal User::\"<sub>\")"},
    {"--jwks-url", "LARCH_JWKS_URL", "jwks_url", OPT_STR, F(jwks_url), "URL",
     "JWK set fetched and refreshed in the background (http:// or https://)"},
    {"--jwks-refresh", "LARCH_JWKS_REFRESH", "jwks_refresh", OPT_MS, F(jwks_refresh_ms), "DUR",
     "how often --jwks-url is fetched again (default 5m; a failed fetch keeps the keys)"},
    {"--jwt-issuer", "LARCH_JWT_ISSUER", "jwt_issuer", OPT_STR, F(jwt_issuer), "ISS",
     "required iss claim"},
    {"--jwt-audience", "LARCH_JWT_AUDIENCE", "jwt_audience", OPT_STR, F(jwt_audience), "AUD",
     "required aud claim (one of)"},
    {"--roles-claim", "LARCH_ROLES_CLAIM", "roles_claim", OPT_STR, F(roles_claim), "NAME",
     "claim whose values become parents Role::\"<r>\" (default roles)"},
    {"--groups-claim", "LARCH_GROUPS_CLAIM", "groups_claim", OPT_STR, F(groups_claim), "NAME",
     "second such claim (default groups)"},
    {"--api-keys", "LARCH_API_KEYS", "api_keys", OPT_STR, F(api_keys), "FILE",
     "API keys: JSON array of {key_sha256, principal, attrs, parents}"},
    {"--resource-metadata", "LARCH_RESOURCE_METADATA", "resource_metadata", OPT_STR,
     F(resource_metadata), "URL",
     "RFC 9728 protected resource metadata URL named in 401 answers on MCP routes"},
    {"--session-ttl", "LARCH_SESSION_TTL", "session_ttl", OPT_MS, F(session_ttl_ms), "DUR",
     "idle lifetime of an MCP session bound to its principal (default 1h)"},
    {"--max-sessions", "LARCH_MAX_SESSIONS", "max_sessions", OPT_INT, F(sessions_max), "N",
     "MCP sessions remembered (least recently used dropped beyond; default 65536)"},
    /* guardwire: limits and masking (guard_stage.h) */
    {"--redis", "LARCH_REDIS", "redis", OPT_STR, F(redis), "URL",
     "shared limits in Redis: redis://[:PASSWORD@]HOST[:PORT][/DB] or "
     "unix:/PATH[?db=N&password=P]"},
    {"--redis-fail", "LARCH_REDIS_FAIL", "redis_fail", OPT_STR, F(redis_fail), "MODE",
     "when Redis cannot answer in time: closed (refuse, default), open (allow), local"},
    {"--redis-timeout", "LARCH_REDIS_TIMEOUT", "redis_timeout", OPT_MS, F(redis_timeout_ms), "DUR",
     "deadline of one Redis limit check (default 10ms)"},
    {"--mask-key", "LARCH_MASK_KEY", "mask_key", OPT_STR, F(mask_key), "FILE",
     "HMAC key of the `hash` mask style (default: random per process)"},
};
#undef F

void lr_serve_usage(void *file) {
  FILE *f = file;
  fprintf(f, "usage: larch serve --listen ADDR --upstream URL [options]\n\n"
             "Runs the policy-enforcement reverse proxy. Every option also reads from the\n"
             "environment variable shown; precedence: flags > environment > --config file\n"
             "> defaults. Durations: 500ms, 5s, 2m (bare numbers are seconds). Sizes: 512KiB,\n"
             "1MiB (bare numbers are bytes).\n\noptions:\n");
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
    const opt *o = &options[i];
    char left[64];
    snprintf(left, sizeof left, "%s %s", o->flag, o->arg);
    fprintf(f, "  %-26s %s\n  %-26s [env %s]\n", left, o->help, "", o->env);
  }
  fprintf(f,
          "\nsignals: SIGHUP reloads policies, SIGTERM drains in-flight requests and exits 0.\n");
}

static lr_status parse_ms(const char *s, int64_t *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || v < 0) return LR_ERR;
  double mult = 1000;
  if (strcmp(end, "ms") == 0)
    mult = 1;
  else if (strcmp(end, "s") == 0 || *end == 0)
    mult = 1000;
  else if (strcmp(end, "m") == 0)
    mult = 60000;
  else if (strcmp(end, "h") == 0)
    mult = 3600000;
  else
    return LR_ERR;
  *out = (int64_t)(v * mult);
  return LR_OK;
}

static lr_status parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *s == '-') return LR_ERR;
  unsigned long long mult = 1;
  if (*end == 0 || strcasecmp(end, "b") == 0)
    mult = 1;
  else if (strcasecmp(end, "k") == 0 || strcasecmp(end, "kib") == 0 || strcasecmp(end, "kb") == 0)
    mult = 1024;
  else if (strcasecmp(end, "m") == 0 || strcasecmp(end, "mib") == 0 || strcasecmp(end, "mb") == 0)
    mult = 1024 * 1024;
  else if (strcasecmp(end, "g") == 0 || strcasecmp(end, "gib") == 0)
    mult = 1024ull * 1024 * 1024;
  else
    return LR_ERR;
  *out = (size_t)(v * mult);
  return LR_OK;
}

static void set_str(char **slot, const char *v) {
  free(*slot);
  *slot = v ? lr_xstrdup(v) : NULL;
}

static lr_status set_route(lr_serve_config *cfg, const char *name, const char *prefix,
                           const char *url, int inspect, lr_buf *err);
static lr_status parse_protocol(const char *v, int *out);

/* Applies one option value given as text. */
static lr_status apply(lr_serve_config *cfg, const opt *o, const char *v, const char *from,
                       lr_buf *err) {
  char *base = (char *)cfg;
  switch (o->kind) {
  case OPT_STR: set_str((char **)(base + o->off), v); return LR_OK;
  case OPT_UPSTREAM:
    if (set_route(cfg, "default", "/", v, -1, err) != LR_OK) return LR_ERR;
    for (size_t i = 0; i < cfg->nroutes; i++)
      if (strcmp(cfg->routes[i].prefix, "/") == 0) cfg->routes[i].is_default = true;
    return LR_OK;
  case OPT_INT: {
    char *end;
    long n = strtol(v, &end, 10);
    if (*v && !*end && n >= 0 && n < 1 << 20) {
      if (o->off == offsetof(lr_serve_config, workers))
        cfg->workers = (int)n;
      else
        *(size_t *)(base + o->off) = (size_t)n;
      return LR_OK;
    }
    break;
  }
  case OPT_MS:
    if (parse_ms(v, (int64_t *)(base + o->off)) == LR_OK) return LR_OK;
    break;
  case OPT_SIZE:
    if (parse_size(v, (size_t *)(base + o->off)) == LR_OK) return LR_OK;
    break;
  case OPT_BOOL:
    if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1")) {
      *(bool *)(base + o->off) = true;
      return LR_OK;
    }
    if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0")) {
      *(bool *)(base + o->off) = false;
      return LR_OK;
    }
    break;
  }
  lr_buf_printf(err, "%s: invalid value '%s' for %s (want %s)", from, v, o->flag, o->arg);
  return LR_ERR;
}

static lr_status parse_url(lr_origin *o, const char *url, lr_buf *err) {
  const char *rest;
  if (strncmp(url, "http://", 7) == 0)
    rest = url + 7, o->tls = false;
  else if (strncmp(url, "https://", 8) == 0)
    rest = url + 8, o->tls = true;
  else {
    lr_buf_printf(err, "upstream '%s': want http://host:port or https://host:port", url);
    return LR_ERR;
  }
  size_t n = strcspn(rest, "/");
  if (rest[n] && strcmp(rest + n, "/") != 0) {
    lr_buf_printf(err, "upstream '%s': a path is not supported, use routes", url);
    return LR_ERR;
  }
  if (n == 0) {
    lr_buf_printf(err, "upstream '%s': missing host", url);
    return LR_ERR;
  }
  o->url = lr_xstrdup(url);
  o->hostport = strndup(rest, n);
  const char *host = o->hostport, *colon;
  size_t hn;
  if (host[0] == '[') {
    const char *close = strchr(host, ']');
    if (!close) goto bad;
    host++;
    hn = (size_t)(close - host);
    colon = close[1] == ':' ? close + 1 : NULL;
  } else {
    colon = strrchr(host, ':');
    hn = colon ? (size_t)(colon - host) : strlen(host);
  }
  o->host = strndup(host, hn);
  o->port = colon ? atoi(colon + 1) : (o->tls ? 443 : 80);
  if (o->port <= 0 || o->port > 65535) goto bad;
  return LR_OK;
bad:
  lr_buf_printf(err, "upstream '%s': invalid host or port", url);
  return LR_ERR;
}

static void free_route(lr_route *r) {
  free(r->name);
  free(r->prefix);
  free(r->origin.url);
  free(r->origin.host);
  free(r->origin.hostport);
  memset(r, 0, sizeof *r);
}

/* Adds a route or replaces the one with the same prefix. inspect < 0: use
 * the configuration's default. */
static lr_status set_route(lr_serve_config *cfg, const char *name, const char *prefix,
                           const char *url, int inspect, lr_buf *err) {
  if (!prefix || prefix[0] != '/') {
    lr_buf_printf(err, "route '%s': prefix must start with '/'", name ? name : "?");
    return LR_ERR;
  }
  lr_route *r = NULL;
  for (size_t i = 0; i < cfg->nroutes; i++)
    if (strcmp(cfg->routes[i].prefix, prefix) == 0) r = &cfg->routes[i];
  if (!r) {
    if (cfg->nroutes >= LR_ROUTES_MAX) {
      lr_buf_printf(err, "too many routes (at most %d)", LR_ROUTES_MAX);
      return LR_ERR;
    }
    r = &cfg->routes[cfg->nroutes];
    r->index = cfg->nroutes++;
  } else {
    size_t index = r->index;
    free_route(r);
    r->index = index;
  }
  r->name = lr_xstrdup(name ? name : prefix);
  r->prefix = lr_xstrdup(prefix);
  r->prefix_len = strlen(prefix);
  r->inspect = inspect != 0;
  r->inspect_default = inspect < 0; /* settled once every source is read */
  r->protocol = LR_ROUTE_DEFAULT;
  r->auth = -1;
  return parse_url(&r->origin, url, err);
}

static lr_status load_json(lr_serve_config *cfg, const char *path, lr_buf *err) {
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!root) {
    lr_buf_printf(err, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    return LR_ERR;
  }
  lr_status st = LR_ERR;
  if (!json_is_object(root)) {
    lr_buf_printf(err, "%s: the configuration must be a JSON object", path);
    goto out;
  }
  const char *key;
  json_t *val;
  json_object_foreach(root, key, val) {
    if (strcmp(key, "routes") == 0) continue;
    const opt *o = NULL;
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
      if (options[i].key && strcmp(options[i].key, key) == 0) o = &options[i];
    if (!o) {
      lr_buf_printf(err, "%s: unknown key \"%s\"", path, key);
      goto out;
    }
    char num[64];
    const char *text = NULL;
    if (json_is_string(val))
      text = json_string_value(val);
    else if (json_is_integer(val)) {
      snprintf(num, sizeof num, "%lld", (long long)json_integer_value(val));
      text = num;
    } else if (json_is_boolean(val))
      text = json_is_true(val) ? "on" : "off";
    if (!text || apply(cfg, o, text, path, err) != LR_OK) {
      if (!err->len) lr_buf_printf(err, "%s: invalid value for \"%s\"", path, key);
      goto out;
    }
  }
  json_t *routes = json_object_get(root, "routes");
  if (routes && !json_is_array(routes)) {
    lr_buf_printf(err, "%s: \"routes\" must be an array", path);
    goto out;
  }
  size_t i;
  json_array_foreach(routes, i, val) {
    json_t *inspect = json_object_get(val, "inspect");
    const char *prefix = json_string_value(json_object_get(val, "prefix"));
    const char *url = json_string_value(json_object_get(val, "upstream"));
    if (!prefix || !url) {
      lr_buf_printf(err, "%s: routes[%zu] needs \"prefix\" and \"upstream\" strings", path, i);
      goto out;
    }
    if (set_route(cfg, json_string_value(json_object_get(val, "name")), prefix, url,
                  inspect ? json_is_true(inspect) : -1, err) != LR_OK)
      goto out;
    lr_route *r = &cfg->routes[cfg->nroutes - 1];
    for (size_t k = 0; k < cfg->nroutes; k++)
      if (strcmp(cfg->routes[k].prefix, prefix) == 0) r = &cfg->routes[k];
    json_t *proto = json_object_get(val, "protocol"), *auth = json_object_get(val, "auth");
    if (proto && parse_protocol(json_string_value(proto), &r->protocol) != LR_OK) {
      lr_buf_printf(err, "%s: routes[%zu].protocol: want \"mcp\" or \"rest\"", path, i);
      goto out;
    }
    if (auth && !json_is_boolean(auth)) {
      lr_buf_printf(err, "%s: routes[%zu].auth: want true or false", path, i);
      goto out;
    }
    if (auth) r->auth = json_is_true(auth);
  }
  st = LR_OK;
out:
  json_decref(root);
  return st;
}

lr_status lr_serve_parse_addr(const char *hostport, struct sockaddr_storage *addr, socklen_t *len,
                              lr_buf *err) {
  char host[256];
  const char *colon = hostport ? strrchr(hostport, ':') : NULL;
  if (!colon || (size_t)(colon - hostport) >= sizeof host) {
    lr_buf_printf(err, "invalid address '%s' (want host:port)", hostport ? hostport : "");
    return LR_ERR;
  }
  size_t hn = (size_t)(colon - hostport);
  memcpy(host, hostport, hn);
  host[hn] = 0;
  if (hn >= 2 && host[0] == '[' && host[hn - 1] == ']') {
    memmove(host, host + 1, hn - 2);
    host[hn - 2] = 0;
  }
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC}, *res = NULL;
  int rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res);
  if (rc != 0 || !res) {
    lr_buf_printf(err, "cannot resolve '%s': %s", hostport, gai_strerror(rc));
    return LR_ERR;
  }
  memcpy(addr, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return LR_OK;
}

static lr_status resolve(lr_serve_config *cfg, lr_buf *err) {
  for (size_t i = 0; i < cfg->nroutes; i++) {
    lr_origin *o = &cfg->routes[i].origin;
    char hp[300];
    snprintf(hp, sizeof hp, strchr(o->host, ':') ? "[%s]:%d" : "%s:%d", o->host, o->port);
    if (lr_serve_parse_addr(hp, &o->addr, &o->addrlen, err) != LR_OK) return LR_ERR;
  }
  return LR_OK;
}

static const opt *find_flag(const char *arg, const char **value) {
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
    size_t n = strlen(options[i].flag);
    if (strncmp(arg, options[i].flag, n) != 0) continue;
    if (arg[n] == 0) {
      *value = NULL;
      return &options[i];
    }
    if (arg[n] == '=') {
      *value = arg + n + 1;
      return &options[i];
    }
  }
  return NULL;
}

lr_status lr_serve_config_load(lr_serve_config *cfg, int argc, char **argv, lr_buf *err) {
  memset(cfg, 0, sizeof *cfg);
  cfg->listen = lr_xstrdup("127.0.0.1:8080");
  cfg->connect_ms = 5000;
  cfg->header_ms = 10000;
  cfg->idle_ms = 120000;
  cfg->total_ms = 0;
  cfg->drain_ms = 30000;
  cfg->body_limit = 1024 * 1024;
  cfg->max_head = 32 * 1024;
  cfg->pool_idle_max = 64;
  cfg->inspect = true;
  cfg->watch = true; /* ops */
  cfg->session_ttl_ms = 3600 * 1000;
  cfg->jwks_refresh_ms = 300 * 1000;
  cfg->sessions_max = 65536;
  /* The config file comes first so the environment and flags override it. */
  const char *file = getenv("LARCH_CONFIG");
  for (int i = 1; i < argc; i++) {
    const char *v;
    const opt *o = find_flag(argv[i], &v);
    if (o && o->off == offsetof(lr_serve_config, config) && o->kind == OPT_STR)
      file = v ? v : (i + 1 < argc ? argv[i + 1] : NULL);
  }
  if (file && load_json(cfg, file, err) != LR_OK) return LR_ERR;
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
    const char *v = getenv(options[i].env);
    if (v && *v && apply(cfg, &options[i], v, options[i].env, err) != LR_OK) return LR_ERR;
  }
  for (int i = 1; i < argc; i++) {
    const char *v;
    const opt *o = find_flag(argv[i], &v);
    if (!o) {
      lr_buf_printf(err, "unknown option '%s' (see larch serve --help)", argv[i]);
      return LR_ERR;
    }
    if (!v) {
      if (o->kind == OPT_BOOL && (i + 1 >= argc || argv[i + 1][0] == '-'))
        v = "on";
      else if (i + 1 < argc)
        v = argv[++i];
      else {
        lr_buf_printf(err, "%s needs a value (%s)", o->flag, o->arg);
        return LR_ERR;
      }
    }
    if (apply(cfg, o, v, "command line", err) != LR_OK) return LR_ERR;
  }
  if (cfg->nroutes == 0) {
    lr_buf_puts(err, "no upstream: give --upstream URL (or LARCH_UPSTREAM, or routes in --config)");
    return LR_ERR;
  }
  if (!cfg->tls_cert != !cfg->tls_key) {
    lr_buf_puts(err, "--tls-cert and --tls-key go together");
    return LR_ERR;
  }
  if (cfg->tls_client_ca && !cfg->tls_cert) {
    lr_buf_puts(err, "--tls-client-ca needs --tls-cert and --tls-key");
    return LR_ERR;
  }
  int protocol = LR_ROUTE_MCP;
  if (cfg->protocol && parse_protocol(cfg->protocol, &protocol) != LR_OK) {
    lr_buf_printf(err, "--protocol: want mcp or rest, not '%s'", cfg->protocol);
    return LR_ERR;
  }
  if (cfg->on_error && strcmp(cfg->on_error, "deny") && strcmp(cfg->on_error, "cedar")) {
    lr_buf_printf(err, "--on-error: want deny or cedar, not '%s'", cfg->on_error);
    return LR_ERR;
  }
  if (cfg->mapping && strcmp(cfg->mapping, "default") && strcmp(cfg->mapping, "agentcore")) {
    lr_buf_printf(err, "--mapping: want default or agentcore, not '%s'", cfg->mapping);
    return LR_ERR;
  }
  for (size_t i = 0; i < cfg->nroutes; i++) {
    lr_route *r = &cfg->routes[i];
    if (cfg->upstream_name && r->is_default) {
      free(r->name);
      r->name = lr_xstrdup(cfg->upstream_name);
    }
    if (r->inspect_default) r->inspect = cfg->inspect;
    if (r->protocol == LR_ROUTE_DEFAULT) r->protocol = protocol;
    if (r->auth < 0) r->auth = cfg->auth;
  }
  return resolve(cfg, err);
}

void lr_serve_config_free(lr_serve_config *cfg) {
  char **strs[] = {
      &cfg->listen,       &cfg->admin,      &cfg->policies,          &cfg->config,
      &cfg->tls_cert,     &cfg->tls_key,    &cfg->tls_client_ca,     &cfg->upstream_ca,
      &cfg->entities,     &cfg->schema,     &cfg->protocol,          &cfg->mapping,
      &cfg->openapi,      &cfg->on_error,   &cfg->timezone,          &cfg->jwks,
      &cfg->jwks_url,     &cfg->jwt_issuer, &cfg->jwt_audience,      &cfg->roles_claim,
      &cfg->groups_claim, &cfg->api_keys,   &cfg->resource_metadata, &cfg->agentcore_gateway,
      &cfg->upstream_name, &cfg->agentcore_tools,
      &cfg->redis,        &cfg->redis_fail, &cfg->mask_key};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) set_str(strs[i], NULL);
  set_str(&cfg->decision_log, NULL); /* ops */
  for (size_t i = 0; i < cfg->nroutes; i++) free_route(&cfg->routes[i]);
  cfg->nroutes = 0;
}

static lr_status parse_protocol(const char *v, int *out) {
  if (v && strcmp(v, "mcp") == 0)
    *out = LR_ROUTE_MCP;
  else if (v && strcmp(v, "rest") == 0)
    *out = LR_ROUTE_REST;
  else
    return LR_ERR;
  return LR_OK;
}

const lr_route *lr_serve_route(const lr_serve_config *cfg, lr_str path) {
  const lr_route *best = NULL;
  for (size_t i = 0; i < cfg->nroutes; i++) {
    const lr_route *r = &cfg->routes[i];
    if (r->prefix_len > path.n || memcmp(r->prefix, path.p, r->prefix_len) != 0) continue;
    /* "/mcp" matches "/mcp", "/mcp/x", "/mcp?..." but not "/mcpx". */
    if (r->prefix[r->prefix_len - 1] != '/' && path.n > r->prefix_len &&
        path.p[r->prefix_len] != '/')
      continue;
    if (!best || r->prefix_len > best->prefix_len) best = r;
  }
  return best;
}
