/*
 * schema_dump.c — the canonical text of a checked schema.
 *
 * One declaration per line, in Cedar schema syntax but with every name fully
 * qualified and common types inlined:
 *
 *   namespace NS @doc("…");                   (only namespaces with annotations)
 *   type NS::T = {"a": Long};                  (each common type, resolved)
 *   entity NS::User in [NS::Group] = {…} tags String;
 *   entity NS::Color enum ["green", "red"];
 *   action NS::Action::"view" in [NS::Action::"read"]
 *       appliesTo { principal: [NS::User], resource: [NS::Photo], context: {} };
 *
 * (the action stays on one line). Annotations print before their declaration
 * as `@key("value")`. Lists that are sets in Cedar (parents, principal and
 * resource types) are sorted; so are declarations and record attributes.
 * Both schema formats of the same schema therefore dump identically.
 */
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

static void put(lr_buf *out, lr_str s) { lr_buf_append(out, s.p, s.n); }

static void put_annots(lr_buf *out, const lr_schema_annots *an, const char *sep) {
  for (size_t i = 0; an && i < an->n; i++) {
    lr_buf_putc(out, '@');
    put(out, an->items[i].key);
    lr_buf_putc(out, '(');
    lr_schema_quote(out, an->items[i].val);
    lr_buf_putc(out, ')');
    lr_buf_puts(out, sep);
  }
}

static int cmp_str(const void *x, const void *y) {
  return lr_str_cmp(*(const lr_str *)x, *(const lr_str *)y);
}

/* Prints names as `[a, b]`, sorted and without repeats. */
static void put_name_set(lr_buf *out, lr_str *names, size_t n) {
  lr_str *v = lr_xmalloc((n ? n : 1) * sizeof *v);
  memcpy(v, names, n * sizeof *v);
  qsort(v, n, sizeof *v, cmp_str);
  lr_buf_putc(out, '[');
  for (size_t i = 0, k = 0; i < n; i++) {
    if (i && lr_str_eq(v[i], v[i - 1])) continue;
    if (k++) lr_buf_puts(out, ", ");
    put(out, v[i]);
  }
  lr_buf_putc(out, ']');
  free(v);
}

static void put_trefs(lr_buf *out, const lr_tref *refs, size_t n) {
  lr_str *v = lr_xmalloc((n ? n : 1) * sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = refs[i].full;
  put_name_set(out, v, n);
  free(v);
}

static void dump_entity(const lr_schema_entity *e, lr_buf *out) {
  put_annots(out, e->annots, "\n");
  lr_buf_puts(out, "entity ");
  put(out, e->name);
  if (e->is_enum) {
    lr_buf_puts(out, " enum [");
    for (size_t i = 0; i < e->nchoices; i++) {
      if (i) lr_buf_puts(out, ", ");
      lr_schema_quote(out, e->choices[i]);
    }
    lr_buf_puts(out, "];\n");
    return;
  }
  if (e->nparents) {
    lr_buf_puts(out, " in ");
    put_trefs(out, e->parents, e->nparents);
  }
  lr_buf_puts(out, " = ");
  lr_stype_print(e->shape, out);
  if (e->tags) {
    lr_buf_puts(out, " tags ");
    lr_stype_print(e->tags, out);
  }
  lr_buf_puts(out, ";\n");
}

static void dump_action(const lr_schema_action *a, lr_buf *out) {
  put_annots(out, a->annots, "\n");
  lr_buf_puts(out, "action ");
  put(out, a->type);
  lr_buf_puts(out, "::");
  lr_schema_quote(out, a->id);
  if (a->nparents) {
    /* Parents print as full uids, sorted. */
    lr_buf *uids = lr_xcalloc(a->nparents, sizeof *uids);
    lr_str *v = lr_xmalloc(a->nparents * sizeof *v);
    for (size_t i = 0; i < a->nparents; i++) {
      put(&uids[i], a->parents[i].type);
      lr_buf_puts(&uids[i], "::");
      lr_schema_quote(&uids[i], a->parents[i].id);
      v[i] = lr_buf_str(&uids[i]);
    }
    lr_buf_puts(out, " in ");
    put_name_set(out, v, a->nparents);
    for (size_t i = 0; i < a->nparents; i++) lr_buf_free(&uids[i]);
    free(uids);
    free(v);
  }
  if (a->applies) {
    lr_buf_puts(out, " appliesTo { principal: ");
    put_trefs(out, a->types[LR_SCHEMA_PRINCIPAL], a->ntypes[LR_SCHEMA_PRINCIPAL]);
    lr_buf_puts(out, ", resource: ");
    put_trefs(out, a->types[LR_SCHEMA_RESOURCE], a->ntypes[LR_SCHEMA_RESOURCE]);
    lr_buf_puts(out, ", context: ");
    lr_stype_print(a->context, out);
    lr_buf_puts(out, " }");
  }
  lr_buf_puts(out, ";\n");
}

void lr_schema_dump(const lr_schema *s, lr_buf *out) {
  if (!s->ok) {
    lr_buf_puts(out, "// schema not checked or not well formed\n");
    return;
  }
  for (size_t i = 0; i < s->nss.n; i++) {
    const lr_schema_ns *ns = s->nss.items[i];
    if (!ns->annots || !ns->annots->n) continue;
    lr_buf_puts(out, "namespace ");
    put(out, ns->name);
    lr_buf_putc(out, ' ');
    put_annots(out, ns->annots, "");
    lr_buf_puts(out, ";\n");
  }
  for (size_t i = 0; i < s->commons.n; i++) {
    const lr_schema_common *t = s->commons.items[i];
    put_annots(out, t->annots, "\n");
    lr_buf_puts(out, "type ");
    put(out, t->name);
    lr_buf_puts(out, " = ");
    lr_stype_print(t->resolved, out);
    lr_buf_puts(out, ";\n");
  }
  for (size_t i = 0; i < s->entities.n; i++) dump_entity(s->entities.items[i], out);
  for (size_t i = 0; i < s->actions.n; i++) dump_action(s->actions.items[i], out);
}
