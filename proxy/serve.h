/*
 * serve.h — `larch serve`: configuration, routes and the server lifecycle
 * (private to proxy/).
 *
 * A configuration comes from flags, LARCH_* environment variables and an
 * optional JSON file (routes: path prefix → upstream); lr_server runs it:
 * N worker threads, each with its own event loop and SO_REUSEPORT listener,
 * plus the main thread with signals and the admin listener.
 */
#ifndef LARCH_PROXY_SERVE_H
#define LARCH_PROXY_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base.h"
#include "pipeline.h"

#define LR_ROUTES_MAX 64

/* An upstream origin: scheme://host:port, resolved once at start. */
typedef struct lr_origin {
  char *url;
  char *host;     /* for SNI, certificate checks and a missing Host header */
  char *hostport; /* host[:port] as written */
  int port;
  bool tls;
  struct sockaddr_storage addr;
  socklen_t addrlen;
} lr_origin;

/* How a route's requests become Cedar requests (DESIGN §3). */
typedef enum { LR_ROUTE_DEFAULT = 0, LR_ROUTE_MCP, LR_ROUTE_REST } lr_route_protocol;

/* A route: requests whose path starts with prefix go to origin. */
typedef struct lr_route {
  char *name;
  char *prefix;
  size_t prefix_len;
  lr_origin origin;
  bool inspect;         /* JSON POST bodies are buffered for the pipeline */
  bool inspect_default; /* inspect follows the configuration-wide default */
  int protocol;         /* lr_route_protocol */
  int auth;             /* 1: authentication required, 0: not, -1: the default */
  bool is_default;      /* made by --upstream (named by --upstream-name) */
  size_t index;         /* position in the config (metrics label slot) */
} lr_route;

typedef struct lr_serve_config {
  char *listen;   /* host:port */
  char *admin;    /* host:port, NULL for none */
  char *policies; /* directory, NULL for none */
  char *config;   /* JSON config file, NULL for none */
  int workers;    /* 0: number of cores */
  char *tls_cert, *tls_key, *tls_client_ca;
  char *upstream_ca;
  lr_route routes[LR_ROUTES_MAX];
  size_t nroutes;
  int64_t connect_ms, header_ms, idle_ms, total_ms, drain_ms;
  size_t body_limit;    /* bytes buffered for inspection (413 beyond) */
  size_t max_head;      /* request head bytes (431 beyond) */
  size_t pool_idle_max; /* idle upstream connections kept per route and worker */
  bool inspect;         /* default for routes that do not say */
  char *decision_log;   /* ops: decision log path or "-" (stdout); NULL for none */
  bool watch;           /* ops: reload when a loaded file changes */
  /* policy and identity (issue 6) */
  char *entities, *schema;         /* --entities, --schema */
  char *protocol;                  /* --protocol mcp|rest: default for routes */
  char *mapping;                   /* --mapping default|agentcore */
  char *agentcore_tools;           /* --agentcore-tools F: tools' inputSchemas (agentcore) */
  char *upstream_name;             /* --upstream-name: the default route's name */
  char *agentcore_gateway;         /* --agentcore-gateway ARN (resource of the profile) */
  char *openapi;                   /* --openapi F */
  char *on_error;                  /* --on-error deny|cedar */
  char *timezone;                  /* --timezone (IANA name or UTC) */
  bool shadow;                     /* --shadow: decide and log, forward anyway */
  bool auth;                       /* --auth-required: default for routes */
  char *jwks, *jwks_url;           /* --jwks F, --jwks-url URL */
  char *jwt_issuer, *jwt_audience; /* --jwt-issuer, --jwt-audience */
  char *roles_claim, *groups_claim;
  char *api_keys;          /* --api-keys F */
  char *resource_metadata; /* RFC 9728 document URL for 401s on MCP routes */
  int64_t session_ttl_ms;  /* idle lifetime of an MCP session binding */
  int64_t jwks_refresh_ms; /* --jwks-refresh: --jwks-url re-fetch interval */
  size_t sessions_max;     /* bound of the session table */
  char *redis, *redis_fail, *mask_key; /* guardwire: --redis, --redis-fail, --mask-key */
  int64_t redis_timeout_ms;            /* --redis-timeout */
} lr_serve_config;

/* Fills cfg with defaults, then LARCH_* environment variables, then the JSON
 * file named by --config/LARCH_CONFIG, then the flags in argv (argv[0] is the
 * command name). Resolves the upstream addresses. On error returns LR_ERR
 * with a message in err. Release with lr_serve_config_free. */
lr_status lr_serve_config_load(lr_serve_config *cfg, int argc, char **argv, lr_buf *err);
void lr_serve_config_free(lr_serve_config *cfg);
/* Prints the `larch serve --help` text. */
void lr_serve_usage(void *file);
/* The route whose prefix is the longest match for path (NULL if none). */
const lr_route *lr_serve_route(const lr_serve_config *cfg, lr_str path);
/* Parses "host:port" (IPv4, [IPv6] or a name) into addr. */
lr_status lr_serve_parse_addr(const char *hostport, struct sockaddr_storage *addr, socklen_t *len,
                              lr_buf *err);

typedef struct lr_server lr_server;

/* Builds a server for cfg (borrowed, must outlive the server) and the
 * request pipeline pl (borrowed). Creates TLS contexts; nothing listens yet.
 * Returns NULL with a message in err. */
lr_server *lr_server_new(const lr_serve_config *cfg, const lr_pipeline *pl, const lr_clock *clock,
                         lr_buf *err);
/* Starts workers and the admin listener, runs until SIGTERM/SIGINT has
 * drained every worker; returns the process exit status (0 after a drain). */
int lr_server_run(lr_server *s);
void lr_server_free(lr_server *s);
/* The reload hook (SIGHUP and POST /reload): reloads what can change at run
 * time — today the policy directory is checked; issue 6 parses, compiles
 * and swaps the policy set here. Returns LR_ERR with a message in msg when
 * the new configuration is refused (the running one stays in force). */
lr_status lr_server_reload(lr_server *s, lr_buf *msg);
/* Installs the reload hook lr_server_reload calls (decide.h's
 * lr_decide_ctx_reload: policies, entities, identity files). */
void lr_server_on_reload(lr_server *s, lr_status (*fn)(void *ctx, lr_buf *msg), void *ctx);
/* True once every listener is up and policies are loaded. */
bool lr_server_ready(const lr_server *s);
/* Number of worker threads (known once lr_server_new returned). */
int lr_server_workers(const lr_server *s);
/* Appends the Prometheus text exposition of all workers' metrics. */
void lr_server_metrics(const lr_server *s, lr_buf *out);

#endif /* LARCH_PROXY_SERVE_H */
