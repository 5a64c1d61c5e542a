/*
 * main.c — the larch command line: dispatches to subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef LARCH_VERSION
#define LARCH_VERSION "0.0.0"
#endif

static int cmd_version(int argc, char **argv) {
  (void)argc, (void)argv;
  printf("larch %s\n", LARCH_VERSION);
  return 0;
}

/* Subcommands, in the order `larch --help` lists them. */
static const lr_command commands[] = {
    {"check", "parse policy files and report errors (file:line:col)", lr_cmd_check},
    {"fmt", "print a policy file in canonical Cedar", lr_cmd_fmt},
    {"serve", "run the policy-enforcement reverse proxy", lr_cmd_serve},
    {"authorize", "decide Cedar requests (one, or a JSONL batch) against policies and entities",
     lr_cmd_authorize},
    {"explain", "decide one request and say why each policy applied or not", lr_cmd_explain},
    {"test", "run policy tests (*.test.json: requests and expected decisions)", lr_cmd_test},
    {"version", "print the version", cmd_version},
    {"hash-key", "print the SHA-256 of an API key for --api-keys (or make one)", lr_cmd_hash_key},
    {"scan", "find (or mask) PII and secrets in text or JSONL on stdin", lr_cmd_scan},
    {"demo-upstream", "run the demo MCP server (tools for the bundled rules) and REST API",
     lr_cmd_demo_upstream},
};

int lr_cli_wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return 0;
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
  }
  return 0;
}

static void usage(FILE *out) {
  fprintf(out, "larch — a policy-enforcement proxy for AI agents (Cedar policies + guardrails)\n\n"
               "usage: larch COMMAND [ARGS...]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n`larch COMMAND --help` describes each command.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 1;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0) return cmd_version(0, NULL);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "larch: unknown command '%s' (see larch --help)\n", argv[1]);
  return 1;
}
