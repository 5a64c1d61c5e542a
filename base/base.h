/*
 * base.h — larch's foundation: status codes, arenas with cleanup hooks,
 * string slices, growable buffers, a hash map, diagnostics and clocks.
 *
 * Plain C11, no dependencies. Every other folder builds on this header.
 * Allocation failure is fatal (lr_oom aborts with a message): a proxy that
 * cannot allocate a few bytes cannot answer correctly either, and checking
 * every small allocation would bury the logic (the Redis zmalloc approach).
 */
#ifndef LARCH_BASE_H
#define LARCH_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define LR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define LR_LIKELY(x) __builtin_expect(!!(x), 1)
#define LR_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define LR_PRINTF(f, a)
#define LR_LIKELY(x) (x)
#define LR_UNLIKELY(x) (x)
#endif

/* The small vocabulary of return codes (nginx style). Details travel in an
 * lr_diags list, never in the code itself. */
typedef enum { LR_OK = 0, LR_ERR = -1, LR_AGAIN = -2 } lr_status;

/* ---- memory ------------------------------------------------------------ */

/* Aborts the process with a message; called on allocation failure. */
_Noreturn void lr_oom(size_t wanted);

/* malloc/calloc/realloc that never return NULL (they call lr_oom). */
void *lr_xmalloc(size_t n);
void *lr_xcalloc(size_t count, size_t size);
void *lr_xrealloc(void *p, size_t n);
char *lr_xstrdup(const char *s);

/* An arena: many allocations, freed at once. Allocations are 16-byte
 * aligned. Cleanup hooks run in reverse order of registration when the
 * arena is freed or reset, for what is not arena memory (json_decref,
 * SSL_free, timers). Not thread-safe: one arena, one owner. */
typedef struct lr_arena lr_arena;
typedef void (*lr_cleanup_fn)(void *data);

/* chunk_size 0 picks a default (8 KiB). Caller frees with lr_arena_free. */
lr_arena *lr_arena_new(size_t chunk_size);
/* Runs the cleanup hooks, then releases all memory. NULL is accepted. */
void lr_arena_free(lr_arena *a);
/* Runs the cleanup hooks and forgets every allocation, keeping the first
 * chunk for reuse (per-request arenas on a keep-alive connection). */
void lr_arena_reset(lr_arena *a);
/* n bytes, uninitialised, 16-byte aligned; valid until free/reset. */
void *lr_arena_alloc(lr_arena *a, size_t n);
/* n zeroed bytes. */
void *lr_arena_zalloc(lr_arena *a, size_t n);
/* Copies n bytes and appends a NUL. */
char *lr_arena_strndup(lr_arena *a, const char *s, size_t n);
char *lr_arena_strdup(lr_arena *a, const char *s);
char *lr_arena_sprintf(lr_arena *a, const char *fmt, ...) LR_PRINTF(2, 3);
char *lr_arena_vsprintf(lr_arena *a, const char *fmt, va_list ap);
/* Registers fn(data) to run when the arena is freed or reset. */
void lr_arena_on_free(lr_arena *a, lr_cleanup_fn fn, void *data);
/* Bytes obtained from the system so far (for memory figures). */
size_t lr_arena_bytes(const lr_arena *a);

#define LR_NEW(a, T) ((T *)lr_arena_zalloc((a), sizeof(T)))
#define LR_NEW_N(a, T, n) ((T *)lr_arena_zalloc((a), sizeof(T) * (size_t)(n)))

/* ---- string slices ------------------------------------------------------ */

/* A borrowed byte range; not NUL-terminated in general. */
typedef struct lr_str {
  const char *p;
  size_t n;
} lr_str;

#define LR_STR(lit) ((lr_str){(lit), sizeof(lit) - 1})
static inline lr_str lr_str_make(const char *p, size_t n) { return (lr_str){p, n}; }
lr_str lr_str_c(const char *cstr);
bool lr_str_eq(lr_str a, lr_str b);
bool lr_str_eq_c(lr_str a, const char *cstr);
int lr_str_cmp(lr_str a, lr_str b);
bool lr_str_starts_with(lr_str s, lr_str prefix);
/* Copies into the arena, NUL-terminated. */
lr_str lr_str_dup(lr_arena *a, lr_str s);

/* ---- growable buffer ---------------------------------------------------- */

/* A heap byte buffer, always NUL-terminated after len when p != NULL.
 * Zero-initialise ({0}) to start; lr_buf_free releases. */
typedef struct lr_buf {
  char *p;
  size_t len, cap;
} lr_buf;

void lr_buf_reserve(lr_buf *b, size_t extra);
/* The small writes every printer makes, inline: they grow the buffer
 * (lr_buf_reserve) only when it is full. */
static inline void lr_buf_append(lr_buf *b, const void *data, size_t n) {
  if (n >= b->cap - b->len) lr_buf_reserve(b, n); /* len + n + 1 > cap */
  if (n) memcpy(b->p + b->len, data, n);
  b->len += n;
  b->p[b->len] = '\0';
}
static inline void lr_buf_puts(lr_buf *b, const char *s) { lr_buf_append(b, s, strlen(s)); }
static inline void lr_buf_putc(lr_buf *b, char c) {
  if (b->cap - b->len < 2) lr_buf_reserve(b, 1);
  b->p[b->len++] = c;
  b->p[b->len] = '\0';
}
void lr_buf_printf(lr_buf *b, const char *fmt, ...) LR_PRINTF(2, 3);
void lr_buf_vprintf(lr_buf *b, const char *fmt, va_list ap);
/* Appends i in decimal, as printf's %lld writes it (without printf). */
void lr_buf_put_i64(lr_buf *b, int64_t i);
/* Writes u in decimal into out (20 bytes suffice; no NUL); the length. */
size_t lr_u64_text(uint64_t u, char *out);
/* Appends s as a JSON string literal, quotes included (UTF-8 passed
 * through, control characters and invalid bytes escaped as \uXXXX/U+FFFD). */
void lr_buf_json_str(lr_buf *b, const char *s, size_t n);
void lr_buf_clear(lr_buf *b);
void lr_buf_free(lr_buf *b);
static inline lr_str lr_buf_str(const lr_buf *b) { return (lr_str){b->p ? b->p : "", b->len}; }

/* Reads a whole file into b (appending). Returns LR_ERR and sets errno on
 * failure. */
lr_status lr_buf_read_file(lr_buf *b, const char *path);

/* ---- hashing and the hash map ------------------------------------------ */

/* Unaligned native-order loads (memcpy of a constant size is one move). */
static inline uint64_t lr_rd64(const void *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}
static inline uint32_t lr_rd32(const void *p) {
  uint32_t w;
  memcpy(&w, p, 4);
  return w;
}

/* A fast non-cryptographic 64-bit hash of n bytes (seeded). */
uint64_t lr_hash(const void *data, size_t n, uint64_t seed);

/* Open-addressing hash map from byte-string keys to pointers. Keys are
 * borrowed: the caller keeps them alive as long as the map holds them.
 * Zero-initialise ({0}) to start; lr_map_free releases the table only. */
typedef struct lr_map_entry {
  lr_str key;
  uint64_t hash;
  void *value;
} lr_map_entry;

typedef struct lr_map {
  lr_map_entry *slots;
  size_t cap, len, tombs;
} lr_map;

/* Returns the value stored under key, or NULL. */
void *lr_map_get(const lr_map *m, lr_str key);
/* Like lr_map_get, but tells absent (false) from a stored NULL. */
bool lr_map_find(const lr_map *m, lr_str key, void **value);
/* Inserts or replaces; returns the previous value or NULL. */
void *lr_map_put(lr_map *m, lr_str key, void *value);
/* Removes key; returns its value or NULL. */
void *lr_map_del(lr_map *m, lr_str key);
void lr_map_free(lr_map *m);
/* The same with the key's hash computed by the caller (callers that hash a
 * key once for several purposes, such as choosing a shard, then save the
 * second hash; or who seed the hash). Every operation on one map must use
 * the same hash function: lr_map_hash(key) when mixed with the plain ones. */
static inline uint64_t lr_map_hash(lr_str key) { return lr_hash(key.p, key.n, 0); }
void *lr_map_get_h(const lr_map *m, lr_str key, uint64_t hash);
void *lr_map_put_h(lr_map *m, lr_str key, uint64_t hash, void *value);
void *lr_map_del_h(lr_map *m, lr_str key, uint64_t hash);
/* Iteration: for (size_t i = 0; lr_map_next(m, &i, &e);) — order unspecified. */
bool lr_map_next(const lr_map *m, size_t *iter, lr_map_entry **out);

/* ---- diagnostics -------------------------------------------------------- */

/* A source text that diagnostics point into. The text is borrowed. */
typedef struct lr_source {
  const char *name; /* file path or "<stdin>" */
  const char *text;
  size_t len;
} lr_source;

typedef enum { LR_SEV_ERROR, LR_SEV_WARNING, LR_SEV_NOTE } lr_severity;

/* One diagnostic: a stable code (e.g. "E0102"), a position and a message.
 * line and col are 1-based; col counts UTF-8 characters. off..end is the
 * byte span the caret line underlines (end == off underlines one char). */
typedef struct lr_diag {
  lr_severity sev;
  const char *code;
  const lr_source *src; /* may be NULL for errors with no source */
  size_t off, end;
  uint32_t line, col;
  char *msg;
} lr_diag;

/* A list of diagnostics; zero-initialise ({0}) to start. */
typedef struct lr_diags {
  lr_diag *items;
  size_t n, cap;
  size_t errors;
} lr_diags;

/* Adds a diagnostic spanning src[off, end). src may be NULL. */
void lr_diags_add(lr_diags *d, lr_severity sev, const char *code, const lr_source *src,
                  size_t off, size_t end, const char *fmt, ...) LR_PRINTF(7, 8);
void lr_diags_vadd(lr_diags *d, lr_severity sev, const char *code, const lr_source *src,
                   size_t off, size_t end, const char *fmt, va_list ap);
/* Shorthand for an error. */
void lr_diag_error(lr_diags *d, const char *code, const lr_source *src, size_t off, size_t end,
                   const char *fmt, ...) LR_PRINTF(6, 7);
/* Computes 1-based line and column (in characters) of byte offset off. */
void lr_source_position(const lr_source *src, size_t off, uint32_t *line, uint32_t *col);
/* Renders every diagnostic as
 *   file:line:col: error[CODE]: message
 *      12 | the source line
 *         |     ^^^^
 * into out. */
void lr_diags_render(const lr_diags *d, lr_buf *out);
/* Renders just "file:line:col: message" lines (for one-line contexts). */
void lr_diags_render_short(const lr_diags *d, lr_buf *out);
void lr_diags_free(lr_diags *d);

/* ---- clocks ------------------------------------------------------------- */

/* Time is a parameter: code that needs time takes an lr_clock, and tests
 * pass one they control. */
typedef struct lr_clock {
  int64_t (*mono_ns)(void *ctx); /* monotonic nanoseconds */
  int64_t (*wall_ms)(void *ctx); /* Unix epoch milliseconds */
  void *ctx;
} lr_clock;

/* The system clock (CLOCK_MONOTONIC and CLOCK_REALTIME). */
const lr_clock *lr_clock_system(void);
/* A manual clock for tests: times start at the given values and move
 * only through lr_clock_manual_advance. */
typedef struct lr_clock_manual {
  lr_clock clock;
  int64_t mono_ns, wall_ms;
} lr_clock_manual;
void lr_clock_manual_init(lr_clock_manual *c, int64_t mono_ns, int64_t wall_ms);
void lr_clock_manual_advance(lr_clock_manual *c, int64_t ns);
static inline int64_t lr_clock_mono_ns(const lr_clock *c) { return c->mono_ns(c->ctx); }
static inline int64_t lr_clock_wall_ms(const lr_clock *c) { return c->wall_ms(c->ctx); }

#endif /* LARCH_BASE_H */
