/*
 * corpus.h — the deterministic tool-traffic corpus of bench/scan.
 */
#ifndef LARCH_BENCH_CORPUS_H
#define LARCH_BENCH_CORPUS_H

#include <stdint.h>

#include "base.h"

/* Appends about `bytes` bytes of mixed traffic to out; same seed, same bytes.
 * counts (may be NULL; indexed by lr_pii_type) is incremented for every
 * planted value whose type and validity are certain. */
void bench_corpus(lr_buf *out, size_t bytes, uint64_t seed, unsigned long *counts);

#endif /* LARCH_BENCH_CORPUS_H */
