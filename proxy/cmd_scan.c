/*
 * cmd_scan.c — `larch scan`: run the PII and secret detectors on text.
 *
 *   larch scan [--jsonl] [--mask [--style label|partial|hash] [--key K]] [--types T,…]
 *
 * Reads stdin: the whole input is one text, or with --jsonl one JSON object
 * {"text": …} per line. Prints one line per text: {"spans":[{"start":B,
 * "end":B,"type":"EMAIL"},…]} with UTF-8 byte offsets into the text, or
 * with --mask the masked text (as {"text": …} in --jsonl mode). A text that
 * is itself a JSON document is scanned JSON-aware (unescaped strings, JSON
 * in strings), offsets still pointing into the text. This interface is
 * fixed: other programs rely on it.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "guard.h"

static void usage(FILE *f) {
  fprintf(f, "usage: larch scan [--jsonl] [--mask [--style label|partial|hash] [--key K]]\n"
             "                  [--types T1,T2|all|default]\n"
             "Reads text on stdin and prints the PII and secrets found as\n"
             "{\"spans\":[{\"start\":B,\"end\":B,\"type\":\"EMAIL\"},...]} (UTF-8 byte offsets),\n"
             "or the masked text with --mask. --jsonl reads one {\"text\": ...} per line.\n");
}

static bool is_json_doc(const char *p, size_t n) {
  size_t a = 0;
  while (a < n && (p[a] == ' ' || p[a] == '\n' || p[a] == '\r' || p[a] == '\t')) a++;
  return a < n && (p[a] == '{' || p[a] == '[');
}

static void scan_one(const char *p, size_t n, lr_pii_set types, lr_pii_spans *sp) {
  if (!is_json_doc(p, n) || lr_pii_scan_json(p, n, types, sp) != LR_OK)
    lr_pii_scan_text(p, n, types, sp);
}

static void mask_one(const lr_pii_masker *m, const char *p, size_t n, lr_buf *out) {
  if (!is_json_doc(p, n) || lr_pii_mask_json(m, p, n, out, NULL) != LR_OK) {
    out->len = 0;
    lr_pii_mask_text(m, p, n, out, NULL);
  }
}

static void print_spans(const lr_pii_spans *sp, lr_buf *line) {
  lr_buf_puts(line, "{\"spans\":[");
  for (size_t i = 0; i < sp->n; i++)
    lr_buf_printf(line, "%s{\"start\":%zu,\"end\":%zu,\"type\":\"%s\"}", i ? "," : "",
                  sp->items[i].start, sp->items[i].end, lr_pii_type_name(sp->items[i].type));
  lr_buf_puts(line, "]}\n");
}

static bool parse_types(const char *arg, lr_pii_set *out) {
  if (strcmp(arg, "all") == 0) return *out = LR_PII_ALL, true;
  if (strcmp(arg, "default") == 0) return *out = LR_PII_DEFAULT, true;
  lr_pii_set s = 0;
  const char *p = arg;
  while (*p) {
    const char *c = strchr(p, ',');
    size_t l = c ? (size_t)(c - p) : strlen(p);
    lr_pii_type t;
    if (!lr_pii_type_parse(lr_str_make(p, l), &t)) {
      fprintf(stderr, "larch scan: unknown type '%.*s'\n", (int)l, p);
      return false;
    }
    s |= LR_PII_BIT(t);
    p += l + (c ? 1 : 0);
  }
  *out = s;
  return true;
}

int lr_cmd_scan(int argc, char **argv) {
  if (lr_cli_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  bool jsonl = false, mask = false;
  lr_pii_style style = LR_PII_STYLE_LABEL;
  const char *key = "";
  lr_pii_set types = LR_PII_ALL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--jsonl") == 0)
      jsonl = true;
    else if (strcmp(argv[i], "--mask") == 0)
      mask = true;
    else if (strcmp(argv[i], "--style") == 0 && i + 1 < argc) {
      if (!lr_pii_style_parse(lr_str_c(argv[++i]), &style) || style == LR_PII_STYLE_NONE) {
        fprintf(stderr, "larch scan: unknown style '%s' (label, partial, hash)\n", argv[i]);
        return 2;
      }
    } else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
      key = argv[++i];
    else if (strcmp(argv[i], "--types") == 0 && i + 1 < argc) {
      if (!parse_types(argv[++i], &types)) return 2;
    } else {
      fprintf(stderr, "larch scan: unexpected argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  lr_pii_masker *m = lr_pii_masker_new(key, strlen(key));
  lr_pii_masker_set(m, types, style);
  lr_pii_spans sp = {0};
  lr_buf out = {0}, line = {0};
  int rc = 0;
  if (!jsonl) {
    lr_buf in = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) lr_buf_append(&in, chunk, got);
    lr_str t = lr_buf_str(&in);
    if (mask) {
      mask_one(m, t.p, t.n, &out);
      fwrite(out.p ? out.p : "", 1, out.len, stdout);
    } else {
      scan_one(t.p, t.n, types, &sp);
      print_spans(&sp, &line);
      fwrite(line.p, 1, line.len, stdout);
    }
    lr_buf_free(&in);
  } else {
    char *ln = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    while ((len = getline(&ln, &cap, stdin)) >= 0) {
      lineno++;
      json_error_t err;
      json_t *doc = json_loadb(ln, (size_t)len, JSON_ALLOW_NUL, &err);
      json_t *txt = doc ? json_object_get(doc, "text") : NULL;
      line.len = 0;
      if (!json_is_string(txt)) {
        if (len <= 1 && !doc) { /* blank line */
          json_decref(doc);
          continue;
        }
        fprintf(stderr, "<stdin>:%ld:1: error: expected {\"text\": string}\n", lineno);
        rc = 1;
        lr_buf_puts(&line, "{\"error\":\"expected {\\\"text\\\": string}\"}\n");
      } else {
        const char *p = json_string_value(txt);
        size_t n = json_string_length(txt);
        if (mask) {
          out.len = 0;
          mask_one(m, p, n, &out);
          lr_buf_puts(&line, "{\"text\":");
          lr_buf_json_str(&line, out.p ? out.p : "", out.len);
          lr_buf_puts(&line, "}\n");
        } else {
          scan_one(p, n, types, &sp);
          print_spans(&sp, &line);
        }
      }
      fwrite(line.p, 1, line.len, stdout);
      json_decref(doc);
    }
    free(ln);
  }
  lr_buf_free(&out);
  lr_buf_free(&line);
  lr_pii_spans_free(&sp);
  lr_pii_masker_free(m);
  return rc;
}
