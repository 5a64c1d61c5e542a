/*
 * cmd_authorize.c — `larch authorize`: Cedar's authorization on the command
 * line, one request or a JSONL batch (issue 3; the interface is fixed).
 *
 *   larch authorize --policies P [--entities E] [--schema S] [--links L]
 *                   --principal U --action U --resource U
 *                   [--context JSON | --context-file F]
 *   larch authorize --policies P [--entities E] [--schema S] [--links L]
 *                   --requests R.jsonl
 *
 * Everything but the request line is loaded once and the policies are
 * compiled (lr_cset_compile); in --requests mode each line costs one JSON
 * read of the line (the zero-copy reader for the common shape without a
 * schema, jansson otherwise and for every error message) and one
 * authorization on the compiled set.
 */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_load.h"

typedef struct options {
  const char *policies, *entities, *schema, *links;
  const char *principal, *action, *resource, *context, *context_file;
  const char *requests;
} options;

/* The options as table rows: name, alias, where the value goes. */
typedef struct option_row {
  const char *name, *alias;
  size_t offset;
  const char *arg, *help;
} option_row;

#define OPT(field) offsetof(options, field)
static const option_row option_rows[] = {
    {"--policies", NULL, OPT(policies), "PATH",
     "Cedar policies: a .cedar file, or a folder whose *.cedar files (recursively) are read "
     "in name order (ids policy0, policy1, ... continue across files)"},
    {"--entities", NULL, OPT(entities), "FILE", "entities in Cedar's JSON format"},
    {"--schema", NULL, OPT(schema), "FILE",
     "schema (.cedarschema, or Cedar's JSON schema format when the name ends in .json); "
     "entities and context are then parsed with it and action entities come from it"},
    {"--templates-links", "--links", OPT(links), "FILE",
     "template links: [{\"templateId\": ..., \"newId\": ..., \"values\": {\"?principal\": "
     "uid, \"?resource\": uid}}]"},
    {"--principal", NULL, OPT(principal), "UID", "the principal, e.g. 'User::\"alice\"'"},
    {"--action", NULL, OPT(action), "UID", "the action, e.g. 'Action::\"view\"'"},
    {"--resource", NULL, OPT(resource), "UID", "the resource, e.g. 'Photo::\"a.jpg\"'"},
    {"--context", NULL, OPT(context), "JSON", "the context record as JSON (default {})"},
    {"--context-file", NULL, OPT(context_file), "FILE", "the context record from a JSON file"},
    {"--requests", NULL, OPT(requests), "FILE",
     "JSONL requests, one per line: {\"principal\": uid, \"action\": uid, \"resource\": uid, "
     "\"context\": {...}}, where a uid is {\"type\": \"T\", \"id\": \"x\"}, {\"__entity\": "
     "{...}} or \"T::\\\"x\\\"\"; '-' reads standard input"},
};

/* Prints text indented by 6 columns, wrapped at spaces before column 79. */
static void print_wrapped(FILE *out, const char *text) {
  const size_t width = 72;
  while (*text) {
    size_t n = strlen(text), cut = n;
    if (n > width) {
      cut = width;
      while (cut > 0 && text[cut] != ' ') cut--;
      if (cut == 0) cut = width;
    }
    fprintf(out, "      %.*s\n", (int)cut, text);
    text += cut;
    while (*text == ' ') text++;
  }
}

static void usage(FILE *out) {
  fprintf(out, "usage: larch authorize --policies P [--entities E] [--schema S] [--links L]\n"
               "                       --principal U --action U --resource U\n"
               "                       [--context JSON | --context-file F]\n"
               "       larch authorize --policies P [--entities E] [--schema S] [--links L]\n"
               "                       --requests R.jsonl\n\n"
               "Decides Cedar authorization requests with Cedar's semantics (forbid overrides\n"
               "permit, default deny, erroring policies are skipped and reported).\n\noptions:\n");
  for (size_t i = 0; i < sizeof option_rows / sizeof *option_rows; i++) {
    const option_row *o = &option_rows[i];
    fprintf(out, "  %s%s%s %s\n", o->name, o->alias ? ", " : "", o->alias ? o->alias : "", o->arg);
    print_wrapped(out, o->help);
  }
  fprintf(out, "  -h, --help\n      this text\n\n"
               "single request: prints ALLOW or DENY, then each determining policy id on its own\n"
               "line, then each erroring policy as 'error: <id>: <message>'. Exit status 0 for\n"
               "allow, 2 for deny, 1 for a usage or input error (the message says where).\n\n"
               "--requests: writes one JSON line per request line, in order:\n"
               "  {\"decision\":\"allow\"|\"deny\",\"reasons\":[\"policy0\"],"
               "\"errors\":[{\"policy\":\"policy1\",\"message\":\"...\"}]}\n"
               "or {\"error\":\"...\"} when that request itself is invalid, and goes on.\n"
               "Blank lines are skipped. Exit status 0 when every line was answered, 1 when the\n"
               "policies, entities, schema or links could not be loaded.\n");
}

static int parse_options(int argc, char **argv, options *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const option_row *row = NULL;
    const char *val = NULL;
    for (size_t k = 0; k < sizeof option_rows / sizeof *option_rows && !row; k++) {
      const char *names[2] = {option_rows[k].name, option_rows[k].alias};
      for (int n = 0; n < 2 && !row; n++) {
        if (!names[n]) continue;
        size_t len = strlen(names[n]);
        if (strncmp(a, names[n], len) != 0) continue;
        if (a[len] == '=')
          row = &option_rows[k], val = a + len + 1;
        else if (a[len] == '\0')
          row = &option_rows[k];
      }
    }
    if (!row) {
      fprintf(stderr, "larch authorize: unknown argument '%s' (see larch authorize --help)\n", a);
      return -1;
    }
    if (!val) {
      if (i + 1 >= argc) {
        fprintf(stderr, "larch authorize: %s needs a value\n", row->name);
        return -1;
      }
      val = argv[++i];
    }
    const char **slot = (const char **)((char *)o + row->offset);
    if (*slot) {
      fprintf(stderr, "larch authorize: %s given twice\n", row->name);
      return -1;
    }
    *slot = val;
  }
  if (!o->policies) {
    fprintf(stderr, "larch authorize: --policies is required (see larch authorize --help)\n");
    return -1;
  }
  if (o->context && o->context_file) {
    fprintf(stderr, "larch authorize: give --context or --context-file, not both\n");
    return -1;
  }
  if (o->requests) {
    if (o->principal || o->action || o->resource || o->context || o->context_file) {
      fprintf(stderr, "larch authorize: --requests cannot be combined with --principal, "
                      "--action, --resource or --context\n");
      return -1;
    }
  } else if (!o->principal || !o->action || !o->resource) {
    fprintf(stderr, "larch authorize: give --principal, --action and --resource, or "
                    "--requests (see larch authorize --help)\n");
    return -1;
  }
  return 0;
}

/* Loads schema, policies, links and entities; 0 on success, else returns 1
 * with diagnostics in d (I/O errors already printed). */
static int load_all(const options *o, lr_cli_loaded *L, lr_diags *d) {
  lr_cli_load_begin(L, "larch authorize");
  size_t len = 0;
  if (o->schema && lr_cli_load_schema(L, o->schema, d) != 0) return 1;
  if (lr_cli_load_policies(L, o->policies, d) != 0) return 1;
  if (o->links) {
    char *text = lr_cli_read_file(L, o->links, &len);
    if (!text || lr_policy_set_link_json(L->arena, &L->set, text, len, o->links, d) != LR_OK)
      return 1;
  }
  char *ents = NULL;
  if (o->entities && !(ents = lr_cli_read_file(L, o->entities, &len))) return 1;
  return lr_cli_load_entities(L, ents, len, o->entities, d);
}

/* Messages of d joined with "; " (for one-line answers). */
static void join_messages(const lr_diags *d, lr_buf *out) {
  for (size_t i = 0; i < d->n; i++) lr_buf_printf(out, "%s%s", i ? "; " : "", d->items[i].msg);
}

static int authorize_one(const options *o, lr_cli_loaded *L, const lr_cset *cs, lr_diags *d) {
  lr_arena *a = L->arena;
  lr_request req = {0};
  size_t len = 0;
  const char *text = o->context;
  if (o->context_file)
    text = lr_cli_read_file(L, o->context_file, &len);
  else if (text)
    len = strlen(text);
  if (o->context_file && !text) return 1;
  if (lr_cli_request(L, o->principal, o->action, o->resource, text, len,
                     o->context_file ? o->context_file : "--context", d, &req) != 0)
    return 1;
  lr_decision dec;
  lr_cset_authorize(cs, a, L->entities, &req, &dec);
  printf("%s\n", dec.allow ? "ALLOW" : "DENY");
  for (size_t i = 0; i < dec.nreasons; i++) printf("%s\n", dec.reasons[i]);
  for (size_t i = 0; i < dec.nerrors; i++)
    printf("error: %s: %s\n", dec.errors[i].policy_id, dec.errors[i].message);
  return dec.allow ? 0 : 2;
}

static void answer_error(lr_buf *out, const char *msg) {
  lr_buf_puts(out, "{\"error\":");
  lr_buf_json_str(out, msg, strlen(msg));
  lr_buf_puts(out, "}\n");
}

static void answer_decision(lr_buf *out, const lr_decision *dec) {
  lr_buf_puts(out, dec->allow ? "{\"decision\":\"allow\",\"reasons\":["
                              : "{\"decision\":\"deny\",\"reasons\":[");
  for (size_t i = 0; i < dec->nreasons; i++) {
    if (i) lr_buf_putc(out, ',');
    lr_buf_json_str(out, dec->reasons[i], strlen(dec->reasons[i]));
  }
  lr_buf_puts(out, "],\"errors\":[");
  for (size_t i = 0; i < dec->nerrors; i++) {
    lr_buf_puts(out, i ? ",{\"policy\":" : "{\"policy\":");
    lr_buf_json_str(out, dec->errors[i].policy_id, strlen(dec->errors[i].policy_id));
    lr_buf_puts(out, ",\"message\":");
    lr_buf_json_str(out, dec->errors[i].message, strlen(dec->errors[i].message));
    lr_buf_putc(out, '}');
  }
  lr_buf_puts(out, "]}\n");
}

static bool blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return false;
  return true;
}

/* One request line → one answer line in out. The per-request arena is reset
 * by the caller. */
static void answer_line(lr_cli_loaded *L, const lr_cset *cs, lr_arena *a, const char *line,
                        size_t n, const char *where, lr_buf *out) {
  lr_request req;
  /* The common shape without a schema: the zero-copy reader, no DOM. */
  if (!L->schema && lr_request_from_json_fast(a, line, n, &req) == LR_OK) {
    lr_decision dec;
    lr_cset_authorize(cs, a, L->entities, &req, &dec);
    answer_decision(out, &dec);
    return;
  }
  lr_diags d = {0};
  json_t *j = lr_json_parse(line, n, where, &d);
  if (!j || lr_request_from_json(a, j, L->schema, where, &d, &req) != LR_OK) {
    lr_buf msg = {0};
    join_messages(&d, &msg);
    answer_error(out, msg.p ? msg.p : "invalid request");
    lr_buf_free(&msg);
  } else {
    lr_decision dec;
    lr_cset_authorize(cs, a, L->entities, &req, &dec);
    answer_decision(out, &dec);
  }
  json_decref(j);
  lr_diags_free(&d);
}

static int authorize_batch(const options *o, lr_cli_loaded *L, const lr_cset *cs) {
  bool from_stdin = strcmp(o->requests, "-") == 0;
  FILE *in = from_stdin ? stdin : fopen(o->requests, "r");
  if (!in) {
    fprintf(stderr, "larch authorize: %s: cannot read: %s\n", o->requests, strerror(errno));
    return 1;
  }
  const char *name = from_stdin ? "<stdin>" : o->requests;
  lr_arena *a = lr_arena_new(0);
  lr_buf out = {0};
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  char where[4200];
  for (size_t lineno = 1; (n = getline(&line, &cap, in)) >= 0; lineno++) {
    if (blank(line, (size_t)n)) continue;
    snprintf(where, sizeof where, "%s:%zu", name, lineno);
    answer_line(L, cs, a, line, (size_t)n, where, &out);
    lr_arena_reset(a);
    if (from_stdin || out.len >= 1 << 16) {
      fwrite(out.p, 1, out.len, stdout);
      lr_buf_clear(&out);
      if (from_stdin) fflush(stdout);
    }
  }
  if (out.len) fwrite(out.p, 1, out.len, stdout);
  int rc = ferror(in) ? 1 : 0;
  if (rc) fprintf(stderr, "larch authorize: %s: read error\n", name);
  free(line);
  lr_buf_free(&out);
  lr_arena_free(a);
  if (!from_stdin) fclose(in);
  if (fflush(stdout) != 0) rc = 1;
  return rc;
}

int lr_cmd_authorize(int argc, char **argv) {
  if (lr_cli_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  options o = {0};
  if (parse_options(argc, argv, &o) != 0) return 1;
  lr_cli_loaded L = {0};
  lr_diags d = {0};
  int rc = load_all(&o, &L, &d);
  if (rc != 0)
    lr_cli_print_diags(&d);
  else {
    lr_cset *cs = lr_cset_compile(&L.set, &d);
    lr_cset_bind(cs, L.entities);
    rc = o.requests ? authorize_batch(&o, &L, cs) : authorize_one(&o, &L, cs, &d);
    lr_cset_unref(cs);
  }
  lr_diags_free(&d);
  lr_cli_unload(&L);
  return rc;
}
