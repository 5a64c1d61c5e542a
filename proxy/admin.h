/*
 * admin.h — the admin listener (private to proxy/): /healthz, /readyz,
 * /metrics (Prometheus text) and POST /reload, served by libevent's evhttp
 * on the main thread.
 */
#ifndef LARCH_PROXY_ADMIN_H
#define LARCH_PROXY_ADMIN_H

#include "serve.h"

/* Binds s->cfg->admin on s->base. Returns LR_ERR with a message in err. */
lr_status lr_admin_start(lr_server *s, lr_buf *err);
/* Appends a JSON array describing the files cfg loads (policy files found
 * below cfg->policies, entities, schema, API keys, JWKS), each
 * {"path", "kind", "sha256", "bytes"}; a file that cannot be read gets
 * "error" instead of a hash. */
void lr_admin_snapshot_files(const lr_serve_config *cfg, lr_buf *out);
/* Closes the admin listener (no-op when not started). */
void lr_admin_stop(lr_server *s);

#endif /* LARCH_PROXY_ADMIN_H */
