/*
 * cli.h — the larch subcommands (private to the larch binary).
 *
 * Each subcommand lives in its own cmd_<name>.c and is listed once in the
 * table in main.c. A subcommand receives argv with argv[0] = its own name
 * and returns the process exit status.
 */
#ifndef LARCH_CLI_H
#define LARCH_CLI_H

typedef struct lr_command {
  const char *name;
  const char *summary; /* one line for `larch --help` */
  int (*run)(int argc, char **argv);
} lr_command;

/* Subcommands. */
int lr_cmd_check(int argc, char **argv);     /* cmd_check.c */
int lr_cmd_fmt(int argc, char **argv);       /* cmd_fmt.c */
int lr_cmd_authorize(int argc, char **argv); /* cmd_authorize.c */
int lr_cmd_test(int argc, char **argv);      /* cmd_test.c */

/* True when argv holds -h or --help (subcommands print their usage then). */
int lr_cli_wants_help(int argc, char **argv);

/* `larch serve`: the reverse proxy (cmd_serve.c). */
int lr_cmd_serve(int argc, char **argv);
/* The subcommands (cmd_<name>.c). */
int lr_cmd_hash_key(int argc, char **argv);
/* larch scan: PII and secret detection / masking on stdin (cmd_scan.c). */
int lr_cmd_scan(int argc, char **argv);
/* larch demo-upstream: the demo MCP + REST server (cmd_demo_upstream.c). */
int lr_cmd_demo_upstream(int argc, char **argv);
/* larch explain: why each policy applied or not (cmd_explain.c). */
int lr_cmd_explain(int argc, char **argv);

#endif /* LARCH_CLI_H */
