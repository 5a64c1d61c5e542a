/*
 * clock.c — the system clock and a manual clock for tests.
 */
#include "base.h"

#include <time.h>

static int64_t sys_mono(void *ctx) {
  (void)ctx;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t sys_wall(void *ctx) {
  (void)ctx;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const lr_clock system_clock = {sys_mono, sys_wall, NULL};

const lr_clock *lr_clock_system(void) { return &system_clock; }

static int64_t man_mono(void *ctx) { return ((lr_clock_manual *)ctx)->mono_ns; }
static int64_t man_wall(void *ctx) { return ((lr_clock_manual *)ctx)->wall_ms; }

void lr_clock_manual_init(lr_clock_manual *c, int64_t mono_ns, int64_t wall_ms) {
  c->clock.mono_ns = man_mono;
  c->clock.wall_ms = man_wall;
  c->clock.ctx = c;
  c->mono_ns = mono_ns;
  c->wall_ms = wall_ms;
}

void lr_clock_manual_advance(lr_clock_manual *c, int64_t ns) {
  c->mono_ns += ns;
  c->wall_ms += ns / 1000000;
}
