/*
 * cmd_load.c — loading schema, policies and entities for subcommands
 * (`larch authorize`, `larch test`).
 */
#include "cmd_load.h"

#include <jansson.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd_files.h"

void lr_cli_load_begin(lr_cli_loaded *L, const char *cmd) {
  L->cmd = cmd;
  L->arena = lr_arena_new(0);
}

void lr_cli_print_diags(const lr_diags *d) {
  lr_buf out = {0};
  lr_diags_render(d, &out);
  if (out.len) fputs(out.p, stderr);
  lr_buf_free(&out);
}

char *lr_cli_read_file(lr_cli_loaded *L, const char *path, size_t *len) {
  lr_buf b = {0};
  if (lr_buf_read_file(&b, path) != LR_OK) {
    fprintf(stderr, "%s: %s: cannot read: %s\n", L->cmd, path, strerror(errno));
    lr_buf_free(&b);
    return NULL;
  }
  char *s = lr_arena_strndup(L->arena, b.p ? b.p : "", b.len);
  *len = b.len;
  lr_buf_free(&b);
  return s;
}

int lr_cli_load_schema(lr_cli_loaded *L, const char *path, lr_diags *d) {
  size_t len;
  char *text = lr_cli_read_file(L, path, &len);
  if (!text) return 1;
  L->schema_src = (lr_source){path, text, len};
  L->schema = lr_schema_load(&L->schema_src, lr_schema_format_of(path), d);
  return L->schema ? 0 : 1;
}

typedef struct policy_walk {
  lr_cli_loaded *L;
  lr_diags *d;
  lr_status st;
} policy_walk;

static void on_policy_file(const char *file, void *arg) {
  policy_walk *w = arg;
  if (lr_policy_set_add_file(w->L->arena, &w->L->set, file, 0, w->d) != LR_OK) w->st = LR_ERR;
}

int lr_cli_load_policies(lr_cli_loaded *L, const char *path, lr_diags *d) {
  policy_walk w = {L, d, LR_OK};
  if (lr_cli_walk(path, ".cedar", on_policy_file, &w) != 0) return 1;
  return w.st == LR_OK ? 0 : 1;
}

int lr_cli_load_entities(lr_cli_loaded *L, const char *text, size_t len, const char *file,
                         lr_diags *d) {
  if (!text) {
    if (!L->schema) return 0;
    text = "[]", len = 2, file = "(schema actions)";
  }
  L->entities = lr_entities_from_json(text, len, file, L->schema, d);
  return L->entities ? 0 : 1;
}

int lr_cli_request(lr_cli_loaded *L, const char *principal, const char *action,
                   const char *resource, const char *ctx_text, size_t ctx_len, const char *ctx_name,
                   lr_diags *d, lr_request *req) {
  const char *names[3] = {"--principal", "--action", "--resource"};
  const char *texts[3] = {principal, action, resource};
  const lr_uid **slots[3] = {&req->principal, &req->action, &req->resource};
  for (int i = 0; i < 3; i++) {
    const char *err = NULL;
    if (lr_cedar_uid_parse(L->arena, lr_str_c(texts[i]), slots[i], &err) != LR_OK) {
      fprintf(stderr, "%s: %s: %s\n", L->cmd, names[i], err);
      return 1;
    }
  }
  json_t *ctx = NULL;
  if (ctx_text && !(ctx = lr_json_parse(ctx_text, ctx_len, ctx_name, d))) {
    lr_cli_print_diags(d);
    return 1;
  }
  lr_status st =
      lr_context_from_json(L->arena, ctx, L->schema, req->action, ctx_name, d, &req->context);
  json_decref(ctx);
  if (st == LR_OK && L->schema) st = lr_request_validate(L->schema, req, "request", d);
  if (st != LR_OK) lr_cli_print_diags(d);
  return st == LR_OK ? 0 : 1;
}

void lr_cli_unload(lr_cli_loaded *L) {
  lr_entities_release(L->entities);
  lr_schema_free(L->schema);
  lr_arena_free(L->arena);
}
