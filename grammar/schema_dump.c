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

/* ---- JSON ---------------------------------------------------------------- */

static void json_key(lr_buf *out, lr_str k) {
  lr_buf_json_str(out, k.p, k.n);
  lr_buf_putc(out, ':');
}

static void json_annots(lr_buf *out, const lr_schema_annots *an) {
  if (!an || !an->n) return;
  lr_buf_puts(out, ",\"annotations\":{");
  for (size_t i = 0; i < an->n; i++) {
    if (i) lr_buf_putc(out, ',');
    json_key(out, an->items[i].key);
    lr_buf_json_str(out, an->items[i].val.p, an->items[i].val.n);
  }
  lr_buf_putc(out, '}');
}

/* A resolved type as a JSON type object (without the closing brace, so an
 * attribute can add `required` and `annotations`). */
static void json_type_open(lr_buf *out, const lr_stype *t) {
  switch (t->kind) {
  case LR_STYPE_BOOL: lr_buf_puts(out, "{\"type\":\"Boolean\""); break;
  case LR_STYPE_LONG: lr_buf_puts(out, "{\"type\":\"Long\""); break;
  case LR_STYPE_STRING: lr_buf_puts(out, "{\"type\":\"String\""); break;
  case LR_STYPE_SET:
    lr_buf_puts(out, "{\"type\":\"Set\",\"element\":");
    json_type_open(out, t->elem);
    lr_buf_putc(out, '}');
    break;
  case LR_STYPE_RECORD:
    lr_buf_puts(out, "{\"type\":\"Record\",\"attributes\":{");
    for (size_t i = 0; i < t->nattrs; i++) {
      if (i) lr_buf_putc(out, ',');
      json_key(out, t->attrs[i].name);
      json_type_open(out, t->attrs[i].type);
      if (!t->attrs[i].required) lr_buf_puts(out, ",\"required\":false");
      json_annots(out, t->attrs[i].annots);
      lr_buf_putc(out, '}');
    }
    lr_buf_putc(out, '}');
    break;
  case LR_STYPE_ENTITY:
  case LR_STYPE_EXTENSION:
    lr_buf_puts(out, t->kind == LR_STYPE_ENTITY ? "{\"type\":\"Entity\",\"name\":"
                                                : "{\"type\":\"Extension\",\"name\":");
    lr_buf_json_str(out, t->name.p, t->name.n);
    break;
  }
}

static void json_type(lr_buf *out, const lr_stype *t) {
  json_type_open(out, t);
  lr_buf_putc(out, '}');
}

static void json_names(lr_buf *out, const lr_tref *r, size_t n) {
  lr_buf_putc(out, '[');
  for (size_t i = 0; i < n; i++) {
    if (i) lr_buf_putc(out, ',');
    lr_buf_json_str(out, r[i].full.p, r[i].full.n);
  }
  lr_buf_putc(out, ']');
}

static void json_entity(lr_buf *out, const lr_schema_entity *e) {
  json_key(out, e->base);
  if (e->is_enum) {
    lr_buf_puts(out, "{\"enum\":[");
    for (size_t i = 0; i < e->nchoices; i++) {
      if (i) lr_buf_putc(out, ',');
      lr_buf_json_str(out, e->choices[i].p, e->choices[i].n);
    }
    lr_buf_putc(out, ']');
  } else {
    lr_buf_puts(out, "{\"memberOfTypes\":");
    json_names(out, e->parents, e->nparents);
    lr_buf_puts(out, ",\"shape\":");
    json_type(out, e->shape);
    if (e->tags) {
      lr_buf_puts(out, ",\"tags\":");
      json_type(out, e->tags);
    }
  }
  json_annots(out, e->annots);
  lr_buf_putc(out, '}');
}

static void json_action(lr_buf *out, const lr_schema_action *a) {
  json_key(out, a->id);
  lr_buf_puts(out, "{\"memberOf\":[");
  for (size_t i = 0; i < a->nparents; i++) {
    if (i) lr_buf_putc(out, ',');
    lr_buf_puts(out, "{\"id\":");
    lr_buf_json_str(out, a->parents[i].id.p, a->parents[i].id.n);
    lr_buf_puts(out, ",\"type\":");
    lr_buf_json_str(out, a->parents[i].type.p, a->parents[i].type.n);
    lr_buf_putc(out, '}');
  }
  lr_buf_putc(out, ']');
  if (a->applies) {
    lr_buf_puts(out, ",\"appliesTo\":{\"principalTypes\":");
    json_names(out, a->types[LR_SCHEMA_PRINCIPAL], a->ntypes[LR_SCHEMA_PRINCIPAL]);
    lr_buf_puts(out, ",\"resourceTypes\":");
    json_names(out, a->types[LR_SCHEMA_RESOURCE], a->ntypes[LR_SCHEMA_RESOURCE]);
    lr_buf_puts(out, ",\"context\":");
    json_type(out, a->context);
    lr_buf_putc(out, '}');
  }
  json_annots(out, a->annots);
  lr_buf_putc(out, '}');
}

/* Emits the members of the namespace ns from list (entities, actions or
 * commons, told apart by which). */
static void json_section(lr_buf *out, const lr_schema *s, lr_str ns, int which) {
  const lr_ptrvec *v = which == 0 ? &s->commons : which == 1 ? &s->entities : &s->actions;
  bool first = true;
  for (size_t i = 0; i < v->n; i++) {
    lr_str ens = which == 0   ? ((lr_schema_common *)v->items[i])->ns
                 : which == 1 ? ((lr_schema_entity *)v->items[i])->ns
                              : ((lr_schema_action *)v->items[i])->ns;
    if (!lr_str_eq(ens, ns)) continue;
    if (!first) lr_buf_putc(out, ',');
    first = false;
    if (which == 0) {
      const lr_schema_common *t = v->items[i];
      json_key(out, t->base);
      json_type_open(out, t->resolved);
      json_annots(out, t->annots);
      lr_buf_putc(out, '}');
    } else if (which == 1) {
      json_entity(out, v->items[i]);
    } else {
      json_action(out, v->items[i]);
    }
  }
}

static int cmp_lrstr(const void *x, const void *y) {
  return lr_str_cmp(*(const lr_str *)x, *(const lr_str *)y);
}

void lr_schema_to_json(const lr_schema *s, lr_buf *out) {
  if (!s->ok) {
    lr_buf_puts(out, "null");
    return;
  }
  /* Every namespace that declares something, plus annotated ones. */
  size_t cap = s->nss.n + s->entities.n + s->actions.n + s->commons.n + 1, n = 0;
  lr_str *names = lr_xmalloc(cap * sizeof *names);
  for (size_t i = 0; i < s->nss.n; i++) names[n++] = ((lr_schema_ns *)s->nss.items[i])->name;
  for (size_t i = 0; i < s->entities.n; i++)
    names[n++] = ((lr_schema_entity *)s->entities.items[i])->ns;
  for (size_t i = 0; i < s->actions.n; i++)
    names[n++] = ((lr_schema_action *)s->actions.items[i])->ns;
  for (size_t i = 0; i < s->commons.n; i++)
    names[n++] = ((lr_schema_common *)s->commons.items[i])->ns;
  qsort(names, n, sizeof *names, cmp_lrstr);
  lr_buf_putc(out, '{');
  for (size_t i = 0, k = 0; i < n; i++) {
    if (i && lr_str_eq(names[i], names[i - 1])) continue;
    if (k++) lr_buf_putc(out, ',');
    json_key(out, names[i]);
    lr_buf_puts(out, "{\"commonTypes\":{");
    json_section(out, s, names[i], 0);
    lr_buf_puts(out, "},\"entityTypes\":{");
    json_section(out, s, names[i], 1);
    lr_buf_puts(out, "},\"actions\":{");
    json_section(out, s, names[i], 2);
    lr_buf_putc(out, '}');
    for (size_t j = 0; j < s->nss.n; j++) {
      const lr_schema_ns *ns = s->nss.items[j];
      if (lr_str_eq(ns->name, names[i])) json_annots(out, ns->annots);
    }
    lr_buf_putc(out, '}');
  }
  lr_buf_puts(out, "}\n");
  free(names);
}
