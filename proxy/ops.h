/*
 * ops.h — what an operator watches (private to proxy/): the "log" stage
 * that runs when each exchange is over and writes the decision log line
 * (declog.h) and the decision metrics (decisions by effect and by policy
 * id, denials by tool, evaluation latency), exposed on /metrics.
 *
 * Use: lr_ops_new before lr_server_new (it appends its stage to the
 * pipeline, last), lr_ops_start once the server exists (the log needs the
 * worker count), lr_ops_free after lr_server_free.
 */
#ifndef LARCH_PROXY_OPS_H
#define LARCH_PROXY_OPS_H

#include "pipeline.h"
#include "serve.h"

typedef struct lr_ops lr_ops;

struct lr_decide_ctx;

/* Builds the ops state for cfg and dctx (both borrowed: the engines the
 * decisions ran against, for GET /policies) and appends its stage to pl. */
lr_ops *lr_ops_new(const lr_serve_config *cfg, lr_pipeline *pl, struct lr_decide_ctx *dctx,
                   lr_buf *err);
/* Opens the decision log (cfg->decision_log) with one ring per worker of s
 * and attaches o to s for /metrics. LR_ERR with a message in err. */
lr_status lr_ops_start(lr_ops *o, lr_server *s, lr_buf *err);
/* Flushes the decision log (bounded wait) and frees o. NULL is a no-op. */
void lr_ops_free(lr_ops *o);
/* Reopens the decision log file (SIGHUP: log rotation). o may be NULL. */
void lr_ops_reopen_log(lr_ops *o);
/* Appends a JSON array of the policies in force (engine now held):
 * {"policy", "id" (@id or null), "effect", "shadow"}. o may be NULL. */
void lr_ops_policies(const lr_ops *o, lr_buf *out);
/* Appends o's metrics (Prometheus text). o may be NULL. */
void lr_ops_metrics(const lr_ops *o, lr_buf *out);

/* ---- file watch (watch.c) ---------------------------------------------- */

typedef struct lr_watch lr_watch;
struct event_base;

/* Watches paths (files or directories; NULL entries skipped) on base and
 * calls lr_server_reload(s) once changes settle. NULL with a message in err
 * when inotify refuses (the caller may go on without a watch). */
lr_watch *lr_watch_start(lr_server *s, struct event_base *base, const char *const *paths,
                         size_t npaths, lr_buf *err);
/* Stops watching (before base is freed). NULL is a no-op. */
void lr_watch_stop(lr_watch *wt);
/* Reloads started by file changes so far. */
uint64_t lr_watch_changes(const lr_watch *wt);

#endif /* LARCH_PROXY_OPS_H */
