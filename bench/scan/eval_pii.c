/*
 * eval_pii.c — detection quality of larch's detectors on a labelled set.
 *
 *   eval_pii [eval.jsonl] [-v]
 *
 * Each line of the set is {"text": …, "spans": [{"start","end","type"}]}
 * (UTF-8 byte offsets). Every text is scanned as `larch scan` does
 * (JSON-aware when it is a JSON document, else as text); a found span
 * counts as a true positive only if start, end and type all match a label.
 * Prints precision, recall and F1 per type and overall, precision on the
 * secret types, and recall on prefixed tokens + private keys. -v prints
 * every miss and false alarm.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"

typedef struct tally {
  unsigned long tp, fp, fn;
} tally;

static void prf(const char *name, tally t) {
  double p = t.tp + t.fp ? (double)t.tp / (double)(t.tp + t.fp) : 1.0;
  double r = t.tp + t.fn ? (double)t.tp / (double)(t.tp + t.fn) : 1.0;
  double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
  printf("%-20s %5lu %5lu %5lu   P=%.3f R=%.3f F1=%.3f\n", name, t.tp, t.fp, t.fn, p, r, f);
}

static bool prefixed(lr_pii_type t) {
  return t != LR_PII_GENERIC_SECRET && t != LR_PII_AWS_SECRET_KEY && lr_pii_type_is_secret(t);
}

int main(int argc, char **argv) {
  const char *path = LR_BENCH_DIR "/eval.jsonl";
  bool verbose = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0)
      verbose = true;
    else
      path = argv[i];
  }
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return 2;
  }
  tally per[LR_PII__COUNT] = {{0}};
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  lr_pii_spans sp = {0};
  unsigned long records = 0;
  while ((len = getline(&line, &cap, f)) > 0) {
    json_error_t err;
    json_t *doc = json_loadb(line, (size_t)len, 0, &err);
    json_t *jt = json_object_get(doc, "text"), *js = json_object_get(doc, "spans");
    if (!json_is_string(jt) || !json_is_array(js)) {
      fprintf(stderr, "%s:%lu: bad record\n", path, records + 1);
      return 2;
    }
    records++;
    const char *text = json_string_value(jt);
    size_t n = json_string_length(jt);
    lr_pii_scan_json(text, n, LR_PII_ALL, &sp);
    size_t nl = json_array_size(js);
    bool *matched = calloc(nl + 1, 1);
    for (size_t i = 0; i < sp.n; i++) {
      bool hit = false;
      for (size_t k = 0; k < nl && !hit; k++) {
        json_t *l = json_array_get(js, k);
        lr_pii_type t;
        const char *tn = json_string_value(json_object_get(l, "type"));
        if (!lr_pii_type_parse(lr_str_c(tn), &t)) continue;
        if (!matched[k] && t == sp.items[i].type &&
            (size_t)json_integer_value(json_object_get(l, "start")) == sp.items[i].start &&
            (size_t)json_integer_value(json_object_get(l, "end")) == sp.items[i].end)
          matched[k] = hit = true;
      }
      if (hit)
        per[sp.items[i].type].tp++;
      else {
        per[sp.items[i].type].fp++;
        if (verbose)
          printf("FP %s [%zu,%zu) '%.*s'  (record %lu)\n", lr_pii_type_name(sp.items[i].type),
                 sp.items[i].start, sp.items[i].end, (int)(sp.items[i].end - sp.items[i].start),
                 text + sp.items[i].start, records);
      }
    }
    for (size_t k = 0; k < nl; k++) {
      if (matched[k]) continue;
      json_t *l = json_array_get(js, k);
      lr_pii_type t;
      if (!lr_pii_type_parse(lr_str_c(json_string_value(json_object_get(l, "type"))), &t)) continue;
      per[t].fn++;
      size_t s = (size_t)json_integer_value(json_object_get(l, "start")),
             e = (size_t)json_integer_value(json_object_get(l, "end"));
      if (verbose)
        printf("FN %s [%zu,%zu) '%.*s'  (record %lu)\n", lr_pii_type_name(t), s, e, (int)(e - s),
               text + s, records);
    }
    free(matched);
    json_decref(doc);
  }
  free(line);
  fclose(f);
  lr_pii_spans_free(&sp);
  printf("%lu records from %s (exact span + type match)\n", records, path);
  printf("%-20s %5s %5s %5s\n", "type", "TP", "FP", "FN");
  tally all = {0}, secret = {0}, pref = {0};
  for (int t = 0; t < LR_PII__COUNT; t++) {
    tally x = per[t];
    if (x.tp + x.fp + x.fn) prf(lr_pii_type_name((lr_pii_type)t), x);
    all.tp += x.tp, all.fp += x.fp, all.fn += x.fn;
    if (lr_pii_type_is_secret((lr_pii_type)t))
      secret.tp += x.tp, secret.fp += x.fp, secret.fn += x.fn;
    if (prefixed((lr_pii_type)t)) pref.tp += x.tp, pref.fp += x.fp, pref.fn += x.fn;
  }
  printf("\n");
  prf("overall", all);
  prf("secret types", secret);
  prf("prefixed+keys", pref);
  return 0;
}
