/*
 * cmd_serve.c — `larch serve`: loads the configuration, builds the request
 * pipeline and runs the proxy until SIGTERM has drained it.
 */
#include <stdio.h>

#include "cli.h"
#include "ops.h"
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
  lr_ops *ops = lr_ops_new(&cfg, &pipeline, &err); /* decision log + metrics: last stage */
  lr_server *srv = ops ? lr_server_new(&cfg, &pipeline, lr_clock_system(), &err) : NULL;
  if (srv && lr_ops_start(ops, srv, &err) != LR_OK) {
    lr_server_free(srv);
    srv = NULL;
  }
  int status = 1;
  if (!srv) {
    fprintf(stderr, "larch serve: %s\n", err.p ? err.p : "cannot start");
  } else {
    status = lr_server_run(srv);
    lr_server_free(srv);
  }
  lr_ops_free(ops);
  lr_buf_free(&err);
  lr_serve_config_free(&cfg);
  return status;
}
