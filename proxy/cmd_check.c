/*
 * cmd_check.c — `larch check PATH...`: parse policy files and report every
 * problem with file:line:col and a caret.
 *
 * PATHs are files or folders; folders are walked recursively in name order
 * for `.cedar` policy files, then for `.cedarschema` schemas (a file named
 * *.cedarschema or *.json is checked as a schema: check_schema.c). Policy ids continue across files
 * in the order they are read (policy0, policy1, ...), as when the set is loaded. Exit status: 0
 * when everything parsed, 1 when there were diagnostics, 2 on usage or I/O errors.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "check_schema.h"
#include "cli.h"
#include "cmd_files.h"
#include "grammar.h"
#include "guard.h"

static void usage(FILE *out) {
  fprintf(out, "usage: larch check [--strict] [--quiet] [--dump] PATH...\n\n"
               "Parses Cedar policy files and schemas and reports every error with\n"
               "file:line:col. PATH is a .cedar file, a schema (.cedarschema, or JSON\n"
               "schema *.json), or a folder (searched recursively for *.cedar and\n"
               "*.cedarschema).\n\n"
               "options:\n"
               "  --dump     print the canonical form of each well-formed schema\n"
               "  --strict   strict Cedar: reject larch's guardrail forms (mask, limit)\n"
               "  --quiet    print diagnostics only, no summary line\n"
               "  -h, --help show this help\n\n"
               "exit status: 0 clean, 1 diagnostics, 2 usage or I/O error\n");
}

typedef struct check_ctx {
  unsigned flags;
  unsigned next_id;
  size_t files, policies, errors, schemas;
  int io_error;
  bool dump;
} check_ctx;

static void check_file(const char *path, void *arg) {
  check_ctx *c = arg;
  if (lr_check_is_schema_path(path)) {
    long e = lr_check_schema_file(path, c->dump);
    if (e < 0)
      c->io_error = 1;
    else
      c->errors += (size_t)e, c->schemas++;
    return;
  }
  lr_buf text = {0};
  if (lr_buf_read_file(&text, path) != LR_OK) {
    fprintf(stderr, "larch check: %s: %s\n", path, strerror(errno));
    c->io_error = 1;
    return;
  }
  lr_buf_reserve(&text, 0); /* NUL-terminated even when empty */
  lr_source src = {path, text.p, text.len};
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_policy_list list;
  lr_parse_policies_opts(a, &src, c->next_id, c->flags, &d, &list);
  lr_obligation_check(&list, &d); /* constant `with` fields of mask/limit */
  c->next_id = list.next_id;
  c->files++;
  c->policies += list.n;
  c->errors += d.errors;
  if (d.n) {
    lr_buf out = {0};
    lr_diags_render(&d, &out);
    fwrite(out.p, 1, out.len, stderr);
    lr_buf_free(&out);
  }
  lr_diags_free(&d);
  lr_arena_free(a);
  lr_buf_free(&text);
}

int lr_cmd_check(int argc, char **argv) {
  if (lr_cli_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  check_ctx c = {0};
  int quiet = 0, npaths = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--strict") == 0)
      c.flags |= LR_PARSE_STRICT_CEDAR;
    else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
      quiet = 1;
    else if (strcmp(argv[i], "--dump") == 0)
      c.dump = true;
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "larch check: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    } else
      npaths++;
  }
  if (!npaths) {
    usage(stderr);
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-' && argv[i][1]) continue;
    if (lr_cli_walk(argv[i], ".cedar", check_file, &c) != 0) c.io_error = 1;
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) &&
        lr_cli_walk(argv[i], ".cedarschema", check_file, &c) != 0)
      c.io_error = 1;
  }
  if (!quiet) {
    bool bad = c.errors || c.io_error;
    FILE *out = bad ? stderr : stdout;
    fprintf(out, "%s: %zu polic%s in %zu file%s, ", bad ? "failed" : "ok", c.policies,
            c.policies == 1 ? "y" : "ies", c.files, c.files == 1 ? "" : "s");
    if (c.schemas) fprintf(out, "%zu schema%s, ", c.schemas, c.schemas == 1 ? "" : "s");
    fprintf(out, "%zu error%s\n", c.errors, c.errors == 1 ? "" : "s");
  }
  if (c.io_error) return 2;
  return c.errors ? 1 : 0;
}
