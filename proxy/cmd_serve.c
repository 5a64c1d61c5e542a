/*
 * cmd_serve.c — `larch serve`: loads the configuration, the policies and
 * the identity sources, builds the request pipeline (inspect → identity →
 * mapping → decide → list filter → limit → mask → decision log) and runs
 * the proxy until SIGTERM has drained it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "decide.h"
#include "guard_stage.h"
#include "list_stage.h"
#include "ops.h"
#include "serve.h"

static lr_status reload(void *ctx, lr_buf *msg) { return lr_decide_ctx_reload(ctx, msg); }

/* context.time uses the process time zone, set once before any thread. */
static lr_status set_timezone(const char *tz, lr_buf *err) {
  if (!tz || !*tz) tz = "UTC";
  if (strcmp(tz, "UTC") != 0 && tz[0] != ':') {
    char path[512];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    if (strstr(tz, "..") || access(path, R_OK) != 0) {
      lr_buf_printf(err, "--timezone: unknown time zone '%s'", tz);
      return LR_ERR;
    }
  }
  setenv("TZ", tz, 1);
  tzset();
  return LR_OK;
}

int lr_cmd_serve(int argc, char **argv) {
  if (lr_cli_wants_help(argc, argv)) {
    lr_serve_usage(stdout);
    return 0;
  }
  lr_serve_config cfg;
  lr_buf err = {0};
  if (lr_serve_config_load(&cfg, argc, argv, &err) != LR_OK ||
      set_timezone(cfg.timezone, &err) != LR_OK) {
    fprintf(stderr, "larch serve: %s\n", err.p);
    lr_buf_free(&err);
    lr_serve_config_free(&cfg);
    return 2;
  }
  const lr_clock *clock = lr_clock_system();
  lr_decide_ctx dctx;
  if (lr_decide_ctx_init(&dctx, &cfg, clock, &err) != LR_OK) {
    fprintf(stderr, "larch serve: cannot load the configuration:\n%s", err.p ? err.p : "");
    lr_buf_free(&err);
    lr_serve_config_free(&cfg);
    return 2;
  }
  lr_pipeline pipeline = {0};
  lr_pipeline_add(&pipeline, lr_stage_inspect());
  /* Without policies and identity sources larch is a plain reverse proxy
   * (said at start); with either, every request is decided (default deny). */
  bool decide = cfg.policies || cfg.jwks || cfg.jwks_url || cfg.api_keys || cfg.entities;
  if (decide) {
    lr_pipeline_add(&pipeline, lr_stage_identity(&dctx));
    lr_pipeline_add(&pipeline, lr_stage_mapping(&dctx));
    lr_pipeline_add(&pipeline, lr_stage_decide(&dctx));
    lr_pipeline_add(&pipeline, lr_stage_list_filter(&dctx));
  } else {
    fprintf(stderr, "larch serve: no --policies given: forwarding without policy decisions\n");
  }
  lr_guard_ctx *guard = lr_guard_from_config(&cfg, clock, &err); /* limits, masks after decide */
  if (guard) lr_pipeline_add(&pipeline, lr_stage_limit(guard));
  if (guard) lr_pipeline_add(&pipeline, lr_stage_mask(guard));
  lr_ops *ops = guard ? lr_ops_new(&cfg, &pipeline, &dctx, &err) : NULL; /* log, metrics: last */
  lr_server *srv = ops ? lr_server_new(&cfg, &pipeline, clock, &err) : NULL;
  if (srv && lr_ops_start(ops, srv, &err) != LR_OK) {
    lr_server_free(srv);
    srv = NULL;
  }
  int status = 1;
  if (!srv) {
    fprintf(stderr, "larch serve: %s\n", err.p ? err.p : "cannot start");
  } else {
    lr_server_on_reload(srv, reload, &dctx);
    status = lr_server_run(srv);
    lr_server_free(srv);
  }
  lr_ops_free(ops);
  lr_guard_ctx_free(guard);
  lr_decide_ctx_free(&dctx);
  lr_buf_free(&err);
  lr_serve_config_free(&cfg);
  return status;
}
