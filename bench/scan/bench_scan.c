/*
 * bench_scan.c — detection throughput of larch's scanners against ripgrep.
 *
 *   bench_scan [MB] [rg_patterns.txt]
 *
 * Generates the deterministic mixed corpus (corpus.c, 100 MB by default),
 * times lr_pii_scan_text over it on one core (best of 3, thread CPU time),
 * times the JSON-aware scan over the JSON-RPC lines, then runs ripgrep
 * (Debian `ripgrep`, single-threaded, -j1) with an equivalent detection-only
 * regex set over the same bytes (best of 3, child CPU time) and prints the
 * larch/ripgrep ratio. A checksum of the spans found guards against a fast
 * wrong answer; it is printed and compared across the three runs.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"
#include "guard.h"

extern char **environ;

static double thread_cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

/* A hash of the spans' fields (not their struct bytes: padding differs
 * between builds), so any build of the same code prints the same hash. */
static uint64_t span_sum(const lr_pii_spans *sp, uint64_t h) {
  for (size_t i = 0; i < sp->n; i++) {
    uint64_t f[3] = {sp->items[i].start, sp->items[i].end, (uint64_t)sp->items[i].type};
    h = fnv(h, f, sizeof f);
  }
  return h;
}

/* Runs ripgrep once; returns its CPU seconds (user + sys), -1 if it failed. */
static double run_rg(const char *patterns, const char *file, long *matches) {
  char out[] = "/tmp/larch_rg_outXXXXXX";
  int fd = mkstemp(out);
  if (fd < 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd, 1);
  char *argv[] = {"rg", "--no-config",    "-j1",        "-a", "--no-filename", "--count-matches",
                  "-f", (char *)patterns, (char *)file, NULL};
  struct rusage before, after;
  getrusage(RUSAGE_CHILDREN, &before);
  pid_t pid;
  int st;
  if (posix_spawnp(&pid, "rg", &fa, NULL, argv, environ) != 0) {
    close(fd);
    remove(out);
    return -1;
  }
  waitpid(pid, &st, 0);
  getrusage(RUSAGE_CHILDREN, &after);
  posix_spawn_file_actions_destroy(&fa);
  FILE *f = fdopen(fd, "r");
  rewind(f);
  *matches = 0;
  if (fscanf(f, "%ld", matches) != 1) *matches = -1;
  fclose(f);
  remove(out);
  if (!WIFEXITED(st) || WEXITSTATUS(st) > 1) return -1;
  double u = (double)(after.ru_utime.tv_sec - before.ru_utime.tv_sec) +
             (double)(after.ru_utime.tv_usec - before.ru_utime.tv_usec) * 1e-6;
  double s = (double)(after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
             (double)(after.ru_stime.tv_usec - before.ru_stime.tv_usec) * 1e-6;
  return u + s;
}

int main(int argc, char **argv) {
  size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 100;
  const char *patterns = argc > 2 ? argv[2] : LR_BENCH_DIR "/rg_patterns.txt";
  lr_buf corpus = {0};
  unsigned long planted[LR_PII__COUNT] = {0};
  bench_corpus(&corpus, mb << 20, 42, planted);
  double size_mb = (double)corpus.len / 1e6;
  printf("corpus: %.1f MB of mixed tool traffic (seed 42), checksum %016llx\n", size_mb,
         (unsigned long long)fnv(14695981039346656037ull, corpus.p, corpus.len));

  /* larch, text mode over the whole corpus */
  lr_pii_spans sp = {0};
  double best = 1e9;
  uint64_t sum0 = 0;
  for (int run = 0; run < 3; run++) {
    double t0 = thread_cpu();
    lr_pii_scan_text(corpus.p, corpus.len, LR_PII_ALL, &sp);
    double t = thread_cpu() - t0;
    uint64_t s = span_sum(&sp, 14695981039346656037ull);
    if (run == 0)
      sum0 = s;
    else if (s != sum0) {
      fprintf(stderr, "bench_scan: results differ between runs\n");
      return 1;
    }
    if (t < best) best = t;
  }
  unsigned long per[LR_PII__COUNT] = {0};
  for (size_t i = 0; i < sp.n; i++) per[sp.items[i].type]++;
  double larch_mbs = size_mb / best;
  printf("larch scan (text):  %7.1f MB/s per core  (%.3f s CPU, %zu spans, result hash %016llx)\n",
         larch_mbs, best, sp.n, (unsigned long long)sum0);
  printf("  by type:");
  for (int t = 0; t < LR_PII__COUNT; t++)
    if (per[t]) printf(" %s=%lu", lr_pii_type_name((lr_pii_type)t), per[t]);
  printf("\n");
  /* a fast wrong answer must not pass: every value planted for sure is found */
  for (int t = 0; t < LR_PII__COUNT; t++)
    if (planted[t] && per[t] != planted[t]) {
      fprintf(stderr, "bench_scan: %s found %lu times, planted %lu\n",
              lr_pii_type_name((lr_pii_type)t), per[t], planted[t]);
      return 1;
    }
  printf("  planted values all found (email, card, phone, IBAN, AWS key id, GitHub, JWT)\n");

  /* larch, JSON-aware mode over the JSON lines */
  size_t json_bytes = 0, json_spans = 0;
  double tj = 0;
  for (int run = 0; run < 2; run++) {
    double t0 = thread_cpu();
    size_t jb = 0, js = 0;
    for (const char *p = corpus.p, *end = corpus.p + corpus.len; p < end;) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
      if (n && p[0] == '{') {
        lr_pii_scan_json(p, n, LR_PII_ALL, &sp);
        jb += n;
        js += sp.n;
      }
      p += n + 1;
    }
    double t = thread_cpu() - t0;
    if (run == 0 || t < tj) tj = t;
    json_bytes = jb, json_spans = js;
  }
  printf("larch scan (JSON):  %7.1f MB/s per core  (%.1f MB of JSON-RPC lines, %zu spans)\n",
         (double)json_bytes / 1e6 / tj, (double)json_bytes / 1e6, json_spans);

  /* ripgrep on the same bytes */
  char path[] = "/tmp/larch_corpusXXXXXX";
  int fd = mkstemp(path);
  if (fd < 0 || write(fd, corpus.p, corpus.len) != (ssize_t)corpus.len) {
    perror("bench_scan: corpus file");
    return 1;
  }
  close(fd);
  double rbest = 1e9;
  long matches = 0;
  for (int run = 0; run < 3; run++) {
    double t = run_rg(patterns, path, &matches);
    if (t < 0) {
      printf("ripgrep: not available (install Debian 'ripgrep' for the comparison)\n");
      rbest = -1;
      break;
    }
    if (t < rbest) rbest = t;
  }
  remove(path);
  if (rbest > 0) {
    double rg_mbs = size_mb / rbest;
    printf("ripgrep -j1 (%s): %7.1f MB/s per core  (%.3f s CPU, %ld matches)\n", "21 regexes",
           rg_mbs, rbest, matches);
    printf("ratio larch/ripgrep: %.2fx\n", larch_mbs / rg_mbs);
  }
  lr_pii_spans_free(&sp);
  lr_buf_free(&corpus);
  return 0;
}
