/*
 * cmd_fmt.c — `larch fmt FILE`: print a policy file in canonical Cedar.
 *
 * The output keeps the file's comments, is idempotent, and parses to the
 * same AST as the input; fmt verifies the last point on every run and fails
 * (exit 3) rather than print text that would mean something else.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "grammar.h"

static void usage(FILE *out) {
  fprintf(out, "usage: larch fmt [--ast] FILE\n"
               "       larch fmt --check FILE...\n\n"
               "Prints the Cedar policy FILE (or - for stdin) in canonical form on stdout.\n"
               "Comments are kept; the output parses to the same policies as the input.\n\n"
               "options:\n"
               "  --check    print nothing; exit 1 when a FILE is not in canonical form\n"
               "  --ast      print the parsed AST (the stable dump used by tests) instead\n"
               "  -h, --help show this help\n\n"
               "exit status: 0 ok, 1 parse errors (or not canonical with --check),\n"
               "             2 usage or I/O error, 3 internal formatter error\n");
}

static int read_input(const char *path, lr_buf *b) {
  if (strcmp(path, "-") == 0) {
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) lr_buf_append(b, chunk, n);
    if (ferror(stdin)) return -1;
  } else if (lr_buf_read_file(b, path) != LR_OK) {
    return -1;
  }
  lr_buf_reserve(b, 0); /* NUL-terminated even when empty */
  return 0;
}

/* Formats one file; returns the exit status for it. */
static int fmt_file(const char *path, int check, int ast) {
  lr_buf text = {0};
  if (read_input(path, &text) != 0) {
    fprintf(stderr, "larch fmt: %s: %s\n", path, strerror(errno));
    lr_buf_free(&text);
    return 2;
  }
  lr_source src = {strcmp(path, "-") == 0 ? "<stdin>" : path, text.p, text.len};
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_policy_list list, again;
  lr_buf out = {0}, dump1 = {0}, dump2 = {0};
  int rc = 0;
  if (lr_parse_policies(a, &src, 0, &d, &list) != LR_OK) {
    lr_diags_render(&d, &out);
    fwrite(out.p, 1, out.len, stderr);
    rc = 1;
    goto done;
  }
  if (ast) {
    lr_ast_dump_policies(&list, 0, &out);
    fwrite(out.p ? out.p : "", 1, out.len, stdout);
    goto done;
  }
  lr_fmt_policies(&list, &out);
  /* never print text that means something else */
  lr_source fsrc = {"<formatted>", out.p ? out.p : "", out.len};
  lr_ast_dump_policies(&list, 0, &dump1);
  if (lr_parse_policies(a, &fsrc, 0, &d, &again) != LR_OK ||
      (lr_ast_dump_policies(&again, 0, &dump2), dump1.len != dump2.len) ||
      (dump1.len && memcmp(dump1.p, dump2.p, dump1.len) != 0)) {
    fprintf(stderr, "larch fmt: internal error: formatted text does not round-trip; file left "
                    "unformatted\n");
    rc = 3;
    goto done;
  }
  if (check) {
    rc = out.len != text.len || (out.len && memcmp(out.p, text.p, out.len) != 0);
    if (rc) fprintf(stderr, "%s: not in canonical form\n", src.name);
  } else {
    fwrite(out.p ? out.p : "", 1, out.len, stdout);
  }
done:
  lr_buf_free(&out);
  lr_buf_free(&dump1);
  lr_buf_free(&dump2);
  lr_diags_free(&d);
  lr_arena_free(a);
  lr_buf_free(&text);
  return rc;
}

int lr_cmd_fmt(int argc, char **argv) {
  if (lr_cli_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  int check = 0, ast = 0, nfiles = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--check") == 0)
      check = 1;
    else if (strcmp(argv[i], "--ast") == 0)
      ast = 1;
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "larch fmt: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    } else
      nfiles++;
  }
  if (!nfiles || (nfiles > 1 && !check)) {
    if (nfiles > 1) fprintf(stderr, "larch fmt: one FILE at a time (except with --check)\n");
    usage(stderr);
    return 2;
  }
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-' && argv[i][1]) continue;
    int r = fmt_file(argv[i], check, ast);
    if (r > rc) rc = r;
  }
  return rc;
}
