/*
 * engine.c — loading the policy set, entities and schema `larch serve`
 * decides with, and the holder that swaps them atomically (see engine.h).
 */
#include "engine.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_files.h"
#include "guard.h"

struct lr_engine_holder {
  _Atomic(lr_engine *) cur;
  atomic_uint acquiring; /* acquires between reading cur and taking a ref */
  atomic_uint_fast64_t generation;
};

static lr_engine *engine_new(void) {
  lr_engine *e = lr_xcalloc(1, sizeof *e);
  atomic_init(&e->refs, 1);
  e->arena = lr_arena_new(0);
  return e;
}

lr_engine *lr_engine_retain(lr_engine *e) {
  if (e) atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
  return e;
}

void lr_engine_release(lr_engine *e) {
  if (!e || atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1) return;
  lr_cset_unref(e->compiled);
  lr_cset_unref(e->compiled_enforced);
  lr_obligation_prep_free(e->obligations);
  lr_entities_release(e->entities);
  lr_schema_free(e->schema);
  lr_map_free(&e->meta_by_id);
  lr_arena_free(e->arena);
  free(e);
}

/* Reads annotations of every instance into e->meta. */
static void build_meta(lr_engine *e) {
  e->meta = LR_NEW_N(e->arena, lr_policy_meta, e->set.ninsts ? e->set.ninsts : 1);
  e->enforced = LR_NEW_N(e->arena, lr_policy_inst, e->set.ninsts ? e->set.ninsts : 1);
  for (size_t i = 0; i < e->set.ninsts; i++) {
    const lr_policy_inst *in = &e->set.insts[i];
    lr_policy_meta *m = &e->meta[i];
    m->id = in->id;
    m->forbid = in->ast->effect == LR_EFFECT_FORBID;
    const lr_annotation *a = lr_policy_annotation(in->ast, "id");
    if (a && a->has_value) m->label = lr_str_dup(e->arena, a->value).p;
    a = lr_policy_annotation(in->ast, "deny_as");
    m->deny_tool_error = a && lr_str_eq_c(a->value, "tool_error");
    a = lr_policy_annotation(in->ast, "shadow");
    m->shadow = a && !lr_str_eq_c(a->value, "false");
    e->any_shadow |= m->shadow;
    e->uses_pii |= in->ast->effect == LR_EFFECT_MASK; /* masking needs the scan */
    e->any_mask |= in->ast->effect == LR_EFFECT_MASK;
    if (!m->shadow) e->enforced[e->nenforced++] = *in;
    lr_map_put(&e->meta_by_id, lr_str_c(m->id), m);
  }
}

typedef struct walk_ctx {
  lr_engine *e;
  lr_diags *d;
  lr_status st;
} walk_ctx;

/* Whether a policy file could read context.http.headers or context.pii:
 * every access names the attribute in the text (as an identifier or a
 * string), unless written with \u escapes, which count as "maybe". */
static void scan_mentions(lr_engine *e, const char *file) {
  lr_buf b = {0};
  bool maybe = lr_buf_read_file(&b, file) != LR_OK || !b.p || strstr(b.p, "\\u");
  e->uses_headers |= maybe || strstr(b.p, "headers");
  e->uses_pii |= maybe || strstr(b.p, "pii");
  lr_buf_free(&b);
}

static void on_policy_file(const char *file, void *arg) {
  walk_ctx *w = arg;
  w->e->nfiles++;
  scan_mentions(w->e, file);
  size_t before = w->e->set.npolicies;
  if (lr_policy_set_add_file(w->e->arena, &w->e->set, file, 0, w->d) != LR_OK) {
    w->st = LR_ERR;
    return;
  }
  /* constant `with` fields of mask/limit policies (G0001), with file:line:col */
  if (lr_obligation_check_policies(w->e->set.policies + before, w->e->set.npolicies - before,
                                   w->e->set.last_src, w->d) != LR_OK)
    w->st = LR_ERR;
}

static lr_status load_schema(lr_engine *e, const char *path, lr_diags *d) {
  lr_buf b = {0};
  if (lr_buf_read_file(&b, path) != LR_OK) {
    lr_diag_error(d, "S0001", NULL, 0, 0, "%s: cannot read: %s", path, strerror(errno));
    lr_buf_free(&b);
    return LR_ERR;
  }
  char *text = lr_arena_strndup(e->arena, b.p ? b.p : "", b.len);
  e->schema_src = (lr_source){lr_arena_strdup(e->arena, path), text, b.len};
  lr_buf_free(&b);
  e->schema = lr_schema_load(&e->schema_src, lr_schema_format_of(path), d);
  return e->schema ? LR_OK : LR_ERR;
}

static lr_status load_entities(lr_engine *e, const char *path, lr_diags *d) {
  lr_buf b = {0};
  const char *text = "[]";
  size_t len = 2;
  if (path) {
    if (lr_buf_read_file(&b, path) != LR_OK) {
      lr_diag_error(d, "S0001", NULL, 0, 0, "%s: cannot read: %s", path, strerror(errno));
      lr_buf_free(&b);
      return LR_ERR;
    }
    text = b.p ? b.p : "", len = b.len;
  }
  e->entities = lr_entities_from_json(text, len, path ? path : "(entities)", e->schema, d);
  lr_buf_free(&b);
  return e->entities ? LR_OK : LR_ERR;
}

lr_engine *lr_engine_load(const lr_engine_config *cfg, lr_buf *err) {
  lr_engine *e = engine_new();
  lr_diags d = {0};
  lr_status st = LR_OK;
  if (cfg->schema && load_schema(e, cfg->schema, &d) != LR_OK) st = LR_ERR;
  if (cfg->policies) {
    walk_ctx w = {e, &d, LR_OK};
    if (lr_cli_walk(cfg->policies, ".cedar", on_policy_file, &w) != 0) {
      lr_diag_error(&d, "S0001", NULL, 0, 0, "%s: cannot read the policies", cfg->policies);
      st = LR_ERR;
    }
    if (w.st != LR_OK) st = LR_ERR;
  }
  if (st == LR_OK && load_entities(e, cfg->entities, &d) != LR_OK) st = LR_ERR;
  if (st != LR_OK || d.errors) {
    lr_diags_render(&d, err);
    if (!err->len) lr_buf_puts(err, "cannot load the policies\n");
    lr_diags_free(&d);
    lr_engine_release(e);
    return NULL;
  }
  lr_diags_free(&d);
  build_meta(e);
  e->obligations = lr_obligation_prepare(e->set.policies, e->set.npolicies);
  /* Compiled once per load; the instances stay in e->arena, which outlives
   * both sets (released together in lr_engine_release). */
  e->compiled = lr_cset_compile_insts(e->set.insts, e->set.ninsts, NULL);
  lr_cset_bind(e->compiled, e->entities); /* requests are decided over it or an overlay of it */
  if (e->any_shadow) {
    e->compiled_enforced = lr_cset_compile_insts(e->enforced, e->nenforced, NULL);
    lr_cset_bind(e->compiled_enforced, e->entities);
  } else {
    e->compiled_enforced = lr_cset_ref(e->compiled);
  }
  return e;
}

lr_engine *lr_engine_empty(void) {
  lr_engine_config cfg = {0};
  lr_buf err = {0};
  lr_engine *e = lr_engine_load(&cfg, &err);
  lr_buf_free(&err);
  return e;
}

const lr_policy_meta *lr_engine_meta(const lr_engine *e, const char *id) {
  return id ? lr_map_get(&e->meta_by_id, lr_str_c(id)) : NULL;
}

void lr_engine_authorize(const lr_engine *e, lr_engine_which which, lr_arena *a,
                         const lr_entities *es, const lr_request *req, lr_decision *out) {
  lr_cset_authorize(which == LR_ENGINE_ENFORCED ? e->compiled_enforced : e->compiled, a, es, req,
                    out);
}

/* ---- holder ---------------------------------------------------------------- */

lr_engine_holder *lr_engine_holder_new(lr_engine *initial) {
  lr_engine_holder *h = lr_xcalloc(1, sizeof *h);
  atomic_init(&h->cur, initial);
  atomic_init(&h->acquiring, 0);
  atomic_init(&h->generation, 0);
  return h;
}

void lr_engine_holder_free(lr_engine_holder *h) {
  if (!h) return;
  lr_engine_release(atomic_load(&h->cur));
  free(h);
}

/* The reader announces itself in `acquiring` before it reads the pointer
 * and leaves only after its reference is taken, so a writer that swapped
 * the pointer and then saw `acquiring` at zero knows that every reader that
 * could have read the old pointer holds a reference by now. */
lr_engine *lr_engine_acquire(lr_engine_holder *h) {
  atomic_fetch_add_explicit(&h->acquiring, 1, memory_order_seq_cst);
  lr_engine *e = atomic_load_explicit(&h->cur, memory_order_seq_cst);
  atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
  atomic_fetch_sub_explicit(&h->acquiring, 1, memory_order_release);
  return e;
}

void lr_engine_swap(lr_engine_holder *h, lr_engine *next) {
  lr_engine *old = atomic_exchange_explicit(&h->cur, next, memory_order_seq_cst);
  atomic_fetch_add_explicit(&h->generation, 1, memory_order_relaxed);
  while (atomic_load_explicit(&h->acquiring, memory_order_acquire) != 0) sched_yield();
  lr_engine_release(old);
}

uint64_t lr_engine_generation(lr_engine_holder *h) {
  return atomic_load_explicit(&h->generation, memory_order_relaxed);
}

lr_status lr_engine_reload(lr_engine_holder *h, const lr_engine_config *cfg, lr_buf *err) {
  lr_engine *e = lr_engine_load(cfg, err);
  if (!e) return LR_ERR;
  lr_engine_swap(h, e);
  return LR_OK;
}
