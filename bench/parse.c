/*
 * parse.c — parse throughput of the Cedar front end (bench_parse).
 *
 * Workload: every *.cedar file of the given folders (default: the corpus the
 * grammar tests unpack), in name order, concatenated into one policy text.
 * Measured: the lexer alone (the reference: the cost of just reading the
 * tokens), the full parser (tokens -> checked AST), and the formatter.
 * Each is run repeatedly for about a CPU second; the best run counts
 * (thread CPU time, not wall time).
 * Verification: the parse must succeed with exactly one policy per file, and
 * an FNV-1a hash of the AST dump is printed, so a fast wrong run is visible.
 *
 *   bench_parse [DIR...]
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grammar.h"
#include "lexer.h"

#ifndef LR_BENCH_CORPUS
#define LR_BENCH_CORPUS "build/tests/grammar/corpus/corpus-tests"
#endif

/* CPU time of this thread: the machine is shared, so wall time would mostly
 * measure the other processes. */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

/* Appends every *.cedar file of dir (name order) to text; returns the count. */
static size_t load(const char *dir, lr_buf *text) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 6, ".cedar") != 0) continue;
    if (n == cap) names = lr_xrealloc(names, (cap = cap ? cap * 2 : 1024) * sizeof *names);
    names[n++] = lr_xstrdup(e->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp);
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (lr_buf_read_file(text, path) != LR_OK) {
      perror(path);
      exit(2);
    }
    lr_buf_putc(text, '\n');
    free(names[i]);
  }
  free(names);
  return n;
}

static uint64_t fnv1a(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
  return h;
}

typedef struct result {
  double best;  /* seconds for one pass, best of the runs */
  size_t count; /* tokens or policies seen in one pass */
} result;

static size_t lex_pass(const lr_source *src) {
  lr_lexer lx;
  lr_lexer_init(&lx, src);
  size_t n = 0;
  while (lr_lexer_next(&lx).kind != LR_TOK_EOF) n++;
  return n;
}

static size_t parse_pass(const lr_source *src) {
  lr_arena *a = lr_arena_new(1 << 20);
  lr_diags d = {0};
  lr_policy_list l;
  if (lr_parse_policies(a, src, 0, &d, &l) != LR_OK) {
    fprintf(stderr, "bench_parse: the corpus does not parse (%zu errors)\n", d.errors);
    exit(1);
  }
  size_t n = l.n;
  lr_diags_free(&d);
  lr_arena_free(a);
  return n;
}

/* Formats a parsed list (parse outside the timing); returns output bytes. */
static size_t fmt_pass(const lr_policy_list *l) {
  lr_buf out = {0};
  lr_fmt_policies(l, &out);
  size_t n = out.len;
  lr_buf_free(&out);
  return n;
}

static result measure(size_t (*fn)(const void *), const void *arg) {
  result r = {1e9, 0};
  double start = now();
  int runs = 0;
  while (runs < 3 || (now() - start < 1.0 && runs < 1000)) {
    double t0 = now();
    r.count = fn(arg);
    double t = now() - t0;
    if (t < r.best) r.best = t;
    runs++;
  }
  return r;
}

static size_t lex_fn(const void *p) { return lex_pass(p); }
static size_t parse_fn(const void *p) { return parse_pass(p); }
static size_t fmt_fn(const void *p) { return fmt_pass(p); }

int main(int argc, char **argv) {
  lr_buf text = {0};
  size_t files = 0;
  if (argc > 1)
    for (int i = 1; i < argc; i++) files += load(argv[i], &text);
  else
    files = load(LR_BENCH_CORPUS, &text);
  if (!files) {
    fprintf(stderr,
            "bench_parse: no .cedar files found (give folders, or unpack the corpus first:\n"
            "  cd build && ctest -R grammar_corpus_unpack)\n");
    return 2;
  }
  lr_buf_reserve(&text, 0);
  lr_source src = {"corpus", text.p, text.len};
  double mb = (double)text.len / 1e6;

  /* verification (untimed): one policy per file, and a hash of the AST */
  lr_arena *a = lr_arena_new(1 << 20);
  lr_diags d = {0};
  lr_policy_list l;
  if (lr_parse_policies(a, &src, 0, &d, &l) != LR_OK || l.n != files) {
    fprintf(stderr, "bench_parse: expected %zu policies, got %zu (%zu errors)\n", files, l.n,
            d.errors);
    return 1;
  }
  lr_buf dump = {0};
  lr_ast_dump_policies(&l, 0, &dump);
  uint64_t hash = fnv1a(dump.p, dump.len);

  result lex = measure(lex_fn, &src);
  result parse = measure(parse_fn, &src);
  result fmt = measure(fmt_fn, &l);

  printf("bench_parse: %zu files, %.2f MB of policy text, %zu tokens, %zu policies\n", files, mb,
         lex.count, parse.count);
  printf("  ast hash        %016llx\n", (unsigned long long)hash);
  printf("  lex (reference) %8.1f MB/s %12.0f tokens/s\n", mb / lex.best,
         (double)lex.count / lex.best);
  printf("  parse           %8.1f MB/s %12.0f policies/s  (%.2fx the lexer's time)\n",
         mb / parse.best, (double)parse.count / parse.best, parse.best / lex.best);
  printf("  fmt             %8.1f MB/s %12.0f policies/s  (output %zu bytes)\n", mb / fmt.best,
         (double)l.n / fmt.best, fmt.count);
  lr_buf_free(&dump);
  lr_diags_free(&d);
  lr_arena_free(a);
  lr_buf_free(&text);
  return 0;
}
