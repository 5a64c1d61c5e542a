/*
 * cmd_serve.c — `larch serve`: loads the configuration, builds the request
 * pipeline and runs the proxy until SIGTERM has drained it.
 */
#include <stdio.h>

#include "cli.h"
#include "guard_stage.h"
#include "serve.h"

int lr_cmd_serve(int argc, char **argv) {
  if (lr_cli_wants_help(argc, argv)) {
    lr_serve_usage(stdout);
    return 0;
  }
  lr_serve_config cfg;
  lr_buf err = {0};
  if (lr_serve_config_load(&cfg, argc, argv, &err) != LR_OK) {
    fprintf(stderr, "larch serve: %s\n", err.p);
    lr_buf_free(&err);
    lr_serve_config_free(&cfg);
    return 2;
  }
  /* The pipeline: issue 6 adds identity, mapping, guard and decide here. */
  lr_pipeline pipeline = {0};
  lr_pipeline_add(&pipeline, lr_stage_inspect());
  lr_guard_ctx *guard = lr_guard_from_config(&cfg, lr_clock_system(), &err); /* after decide: */
  if (guard) lr_pipeline_add(&pipeline, lr_stage_limit(guard));
  if (guard) lr_pipeline_add(&pipeline, lr_stage_mask(guard));
  lr_server *srv = guard ? lr_server_new(&cfg, &pipeline, lr_clock_system(), &err) : NULL;
  int status = 1;
  if (!srv) {
    fprintf(stderr, "larch serve: %s\n", err.p ? err.p : "cannot start");
  } else {
    status = lr_server_run(srv);
    lr_server_free(srv);
  }
  lr_guard_ctx_free(guard);
  lr_buf_free(&err);
  lr_serve_config_free(&cfg);
  return status;
}
