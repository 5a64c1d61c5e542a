/*
 * bench_util.h — helpers shared by the benchmark programs: CPU time of the
 * calling thread (the machine is shared, wall time is noise) and a double
 * comparator for medians.
 */
#ifndef LARCH_BENCH_UTIL_H
#define LARCH_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

/* CPU time of this thread, in nanoseconds. */
static inline int64_t bench_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* qsort comparator for doubles (ascending). */
static inline int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#endif /* LARCH_BENCH_UTIL_H */
