/*
 * corpus.h — the deterministic tool-traffic corpus of bench/scan.
 */
#ifndef LARCH_BENCH_CORPUS_H
#define LARCH_BENCH_CORPUS_H

#include <stdint.h>

#include "base.h"

/* Appends about `bytes` bytes of mixed traffic to out; same seed, same bytes. */
void bench_corpus(lr_buf *out, size_t bytes, uint64_t seed);

#endif /* LARCH_BENCH_CORPUS_H */
