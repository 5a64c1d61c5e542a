/*
 * openapi.c — loading an OpenAPI 3.0/3.1 document into an operation matcher
 * and mapping a REST call onto it (openapi.h).
 *
 * Sources: OpenAPI 3.1.0 §4.8.1 (OpenAPI Object), §4.8.5 (Server Object and
 * variables), §4.8.8 (Paths: "When matching URLs, concrete (non-templated)
 * paths would be matched before their templated counterparts. Templated
 * paths with the same hierarchy but different templated names MUST NOT
 * exist as they are identical"), §4.8.10 (Operation: operationId unique),
 * §4.8.12 (Parameter: name, in, schema/content, style, explode),
 * §4.8.13 (Request Body). 3.0.3 has the same objects for what is read here.
 */
#include "openapi.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "openapi_int.h"

enum { OA_PATH, OA_QUERY, OA_OTHER };

typedef struct oa_param {
  lr_str name;
  int in;
  const lr_jtype *type;
  bool array;   /* schema type array */
  bool explode; /* query arrays: repeated names (true) or a,b,c (false) */
} oa_param;

/* A template segment: literal text, or prefix{param}suffix. */
typedef struct oa_seg {
  lr_str lit; /* literal, or the prefix before "{" */
  lr_str suffix;
  int param; /* -1 for a literal, else index into path[] */
} oa_seg;

typedef struct oa_op {
  char method[8];
  lr_str tool;
  lr_str template;
  size_t nsegs;
  oa_seg *segs;
  size_t npath;
  oa_param *path; /* in template order */
  size_t nquery;
  oa_param *query;
  const lr_jtype *body;
} oa_op;

typedef struct oa_base {
  size_t nsegs;
  const lr_str *segs;
} oa_base;

struct lr_openapi {
  lr_arena *arena;
  size_t nops;
  oa_op *ops;
  size_t nbases;
  oa_base *bases; /* longest first */
};

static const char *const methods[] = {"get",     "put",  "post",  "delete",
                                      "options", "head", "patch", "trace"};

typedef struct lcx {
  lr_arena *a;
  const json_t *root;
  const char *file;
  lr_diags *d;
} lcx;

static const json_t *deref(lcx *c, const json_t *v, const char *path) {
  const json_t *ref = json_is_object(v) ? json_object_get(v, "$ref") : NULL;
  for (int hops = 0; ref && hops < 16; hops++) {
    const json_t *t = oa_resolve_ref(c->root, json_string_value(ref));
    if (!t) {
      oa_error(c->d, c->file, path, "$ref does not resolve (only local \"#/...\" refs)");
      return NULL;
    }
    v = t;
    ref = json_is_object(v) ? json_object_get(v, "$ref") : NULL;
  }
  return v;
}

/* The schema of a parameter or media type: "schema", or (3.0) the first
 * entry of "content". */
static const json_t *param_schema(const json_t *p) {
  const json_t *s = json_object_get(p, "schema");
  if (s) return s;
  const json_t *content = json_object_get(p, "content");
  if (json_is_object(content)) {
    void *it = json_object_iter((json_t *)content);
    if (it) return json_object_get(json_object_iter_value(it), "schema");
  }
  return NULL;
}

/* Reads one parameter list into ps (replacing same name+in). */
static void read_params(lcx *c, const json_t *list, const char *path, oa_param **ps, size_t *n) {
  if (!list) return;
  if (!json_is_array(list)) {
    oa_error(c->d, c->file, path, "\"parameters\" must be an array");
    return;
  }
  size_t i;
  json_t *e;
  json_array_foreach(list, i, e) {
    const char *pp = lr_arena_sprintf(c->a, "%s[%zu]", path, i);
    const json_t *p = deref(c, e, pp);
    if (!p) continue;
    const char *name = json_string_value(json_object_get(p, "name"));
    const char *in = json_string_value(json_object_get(p, "in"));
    if (!json_is_object(p) || !name || !*name || !in) {
      oa_error(c->d, c->file, pp, "a parameter needs a non-empty \"name\" and \"in\"");
      continue;
    }
    oa_param q = {.name = lr_str_dup(c->a, lr_str_c(name)),
                  .in = !strcmp(in, "path")    ? OA_PATH
                        : !strcmp(in, "query") ? OA_QUERY
                                               : OA_OTHER};
    if (q.in == OA_OTHER && strcmp(in, "header") && strcmp(in, "cookie")) {
      oa_error(c->d, c->file, pp, "\"in\" must be path, query, header or cookie");
      continue;
    }
    if (lr_jtype_compile(c->a, param_schema(p), c->root, c->file,
                         lr_arena_sprintf(c->a, "%s.schema", pp), c->d, &q.type) != LR_OK)
      continue;
    q.array = lr_jtype_kind_of(q.type) == LR_JT_ARRAY;
    const json_t *ex = json_object_get(p, "explode");
    const char *style = json_string_value(json_object_get(p, "style"));
    q.explode = ex ? json_is_true(ex) : (!style || !strcmp(style, "form"));
    size_t k = 0;
    while (k < *n && !((*ps)[k].in == q.in && lr_str_eq((*ps)[k].name, q.name))) k++;
    if (k == *n) {
      *ps = lr_xrealloc(*ps, (*n + 1) * sizeof **ps);
      (*n)++;
    }
    (*ps)[k] = q;
  }
}

/* Splits a template into segments; path params are looked up in params. */
static lr_status read_template(lcx *c, oa_op *op, const char *tpl, const char *path,
                               const oa_param *params, size_t nparams) {
  size_t len = strlen(tpl), cap = 1;
  for (size_t i = 0; i < len; i++) cap += tpl[i] == '/';
  op->segs = LR_NEW_N(c->a, oa_seg, cap);
  op->path = LR_NEW_N(c->a, oa_param, cap);
  for (size_t i = 1; i <= len;) {
    size_t j = i;
    while (j < len && tpl[j] != '/') j++;
    lr_str raw = lr_str_make(tpl + i, j - i);
    i = j + 1;
    if (raw.n == 0) continue;
    const char *open = memchr(raw.p, '{', raw.n);
    const char *close = open ? memchr(open, '}', (size_t)(raw.p + raw.n - open)) : NULL;
    oa_seg *s = &op->segs[op->nsegs];
    s->param = -1;
    const char *why;
    if (!open) {
      if (memchr(raw.p, '}', raw.n)) goto unbalanced;
      if (lr_rest_decode(c->a, raw, false, &s->lit, &why) != LR_OK) {
        oa_error(c->d, c->file, path, "template segment: %s", why);
        return LR_ERR;
      }
      if (lr_str_eq(s->lit, LR_STR(".")) || lr_str_eq(s->lit, LR_STR(".."))) {
        oa_error(c->d, c->file, path, "dot segment in a path template");
        return LR_ERR;
      }
      op->nsegs++;
      continue;
    }
    if (!close) goto unbalanced;
    lr_str name = lr_str_make(open + 1, (size_t)(close - open - 1));
    lr_str pre = lr_str_make(raw.p, (size_t)(open - raw.p));
    lr_str suf = lr_str_make(close + 1, (size_t)(raw.p + raw.n - close - 1));
    if (name.n == 0 || memchr(name.p, '{', name.n)) goto unbalanced;
    if (memchr(suf.p, '{', suf.n) || memchr(pre.p, '}', pre.n)) {
      oa_error(c->d, c->file, path, "more than one parameter in one path segment");
      return LR_ERR;
    }
    if (memchr(suf.p, '}', suf.n)) goto unbalanced;
    for (size_t k = 0; k < op->npath; k++)
      if (lr_str_eq(op->path[k].name, name)) {
        oa_error(c->d, c->file, path, "parameter {%.*s} appears twice in the template", (int)name.n,
                 name.p);
        return LR_ERR;
      }
    if (lr_rest_decode(c->a, pre, false, &s->lit, &why) != LR_OK ||
        lr_rest_decode(c->a, suf, false, &s->suffix, &why) != LR_OK) {
      oa_error(c->d, c->file, path, "template segment: %s", why);
      return LR_ERR;
    }
    oa_param q = {.name = lr_str_dup(c->a, name), .in = OA_PATH};
    for (size_t k = 0; k < nparams; k++)
      if (params[k].in == OA_PATH && lr_str_eq(params[k].name, name)) q = params[k];
    s->param = (int)op->npath;
    op->path[op->npath++] = q;
    op->nsegs++;
  }
  return LR_OK;
unbalanced:
  oa_error(c->d, c->file, path, "unbalanced or empty \"{}\" in the path template");
  return LR_ERR;
}

static const json_t *json_body_schema(lcx *c, const json_t *rb, const char *path) {
  rb = deref(c, rb, path);
  const json_t *content = json_is_object(rb) ? json_object_get(rb, "content") : NULL;
  if (!json_is_object(content)) return NULL;
  const json_t *mt = json_object_get(content, "application/json");
  if (!mt) {
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)content, key, v) {
      if (strstr(key, "json")) {
        mt = v;
        break;
      }
    }
  }
  return json_is_object(mt) ? json_object_get(mt, "schema") : NULL;
}

/* The shape of a template for the "identical templates" check: literals
 * kept, parameter names dropped. */
static lr_str template_shape(lr_arena *a, const oa_op *op) {
  lr_buf b = {0};
  lr_buf_puts(&b, op->method);
  for (size_t i = 0; i < op->nsegs; i++) {
    lr_buf_putc(&b, '/');
    lr_buf_append(&b, op->segs[i].lit.p, op->segs[i].lit.n);
    if (op->segs[i].param >= 0) {
      lr_buf_puts(&b, "\x01{}");
      lr_buf_append(&b, op->segs[i].suffix.p, op->segs[i].suffix.n);
    }
  }
  lr_str s = lr_str_dup(a, lr_buf_str(&b));
  lr_buf_free(&b);
  return s;
}

static void read_servers(lcx *c, lr_openapi *o) {
  const json_t *servers = json_object_get(c->root, "servers");
  size_t n = json_is_array(servers) ? json_array_size(servers) : 0;
  o->bases = LR_NEW_N(c->a, oa_base, n ? n : 1);
  if (servers && !json_is_array(servers)) oa_error(c->d, c->file, "servers", "must be an array");
  for (size_t i = 0; i < n; i++) {
    const char *sp = lr_arena_sprintf(c->a, "servers[%zu].url", i);
    const json_t *srv = json_array_get(servers, i);
    const char *url = json_string_value(json_object_get(srv, "url"));
    if (!url) {
      oa_error(c->d, c->file, sp, "a server needs a \"url\" string");
      continue;
    }
    /* substitute {variables} with their defaults */
    lr_buf b = {0};
    const json_t *vars = json_object_get(srv, "variables");
    for (const char *p = url; *p;) {
      if (*p == '{') {
        const char *e = strchr(p, '}');
        char *name = e ? lr_arena_strndup(c->a, p + 1, (size_t)(e - p - 1)) : NULL;
        const char *def =
            name ? json_string_value(json_object_get(json_object_get(vars, name), "default"))
                 : NULL;
        if (!def) {
          oa_error(c->d, c->file, sp, "server variable without a default");
          lr_buf_free(&b);
          goto next;
        }
        lr_buf_puts(&b, def);
        p = e + 1;
      } else {
        lr_buf_putc(&b, *p++);
      }
    }
    lr_buf_putc(&b, 0);
    {
      const char *u = b.p, *scheme = strstr(u, "://");
      const char *path = scheme ? strchr(scheme + 3, '/') : (u[0] == '/' ? u : NULL);
      lr_rest_path rp;
      const char *why;
      if (!path) path = "/"; /* "https://host" or a relative "." style url */
      lr_str ps = lr_str_c(path);
      const char *cut = strpbrk(path, "?#");
      if (cut) ps.n = (size_t)(cut - path);
      if (lr_rest_normalize(c->a, ps, 0, &rp, &why) != LR_OK) {
        oa_error(c->d, c->file, sp, "base path: %s", why);
      } else {
        o->bases[o->nbases++] = (oa_base){rp.nsegs, rp.segs};
      }
    }
    lr_buf_free(&b);
  next:;
  }
  if (o->nbases == 0) o->bases[o->nbases++] = (oa_base){0, NULL}; /* default server "/" */
  for (size_t i = 1; i < o->nbases; i++)                          /* longest base path first */
    for (size_t j = i; j > 0 && o->bases[j - 1].nsegs < o->bases[j].nsegs; j--) {
      oa_base t = o->bases[j];
      o->bases[j] = o->bases[j - 1];
      o->bases[j - 1] = t;
    }
}

static void read_operation(lcx *c, lr_openapi *o, size_t *cap, lr_map *tools, lr_map *shapes,
                           const char *tpl, const json_t *item, const char *ipath, int m,
                           const oa_param *common, size_t ncommon) {
  const char *opath = lr_arena_sprintf(c->a, "%s.%s", ipath, methods[m]);
  const json_t *opj = json_object_get(item, methods[m]);
  if (!json_is_object(opj)) {
    oa_error(c->d, c->file, opath, "an operation must be an object");
    return;
  }
  oa_param *params = NULL;
  size_t nparams = ncommon;
  if (ncommon) {
    params = lr_xmalloc(ncommon * sizeof *params);
    memcpy(params, common, ncommon * sizeof *params);
  }
  read_params(c, json_object_get(opj, "parameters"), lr_arena_sprintf(c->a, "%s.parameters", opath),
              &params, &nparams);
  oa_op op = {0};
  for (size_t i = 0; methods[m][i]; i++) op.method[i] = (char)(methods[m][i] - 32);
  op.template = lr_str_dup(c->a, lr_str_c(tpl));
  if (read_template(c, &op, tpl, ipath, params, nparams) != LR_OK) goto out;
  size_t nq = 0;
  for (size_t i = 0; i < nparams; i++) nq += params[i].in == OA_QUERY;
  op.query = LR_NEW_N(c->a, oa_param, nq ? nq : 1);
  for (size_t i = 0; i < nparams; i++)
    if (params[i].in == OA_QUERY) op.query[op.nquery++] = params[i];
  const json_t *rb = json_object_get(opj, "requestBody");
  if (rb) {
    const char *bp = lr_arena_sprintf(c->a, "%s.requestBody", opath);
    const json_t *schema = json_body_schema(c, rb, bp);
    if (lr_jtype_compile(c->a, schema, c->root, c->file, bp, c->d, &op.body) != LR_OK) goto out;
  }
  const json_t *id = json_object_get(opj, "operationId");
  if (id && (!json_is_string(id) || !*json_string_value(id))) {
    oa_error(c->d, c->file, lr_arena_sprintf(c->a, "%s.operationId", opath),
             "operationId must be a non-empty string");
    goto out;
  }
  op.tool = id ? lr_str_dup(c->a, lr_str_c(json_string_value(id)))
               : lr_str_c(lr_arena_sprintf(c->a, "%s %s", op.method, tpl));
  if (lr_map_get(tools, op.tool)) {
    oa_error(c->d, c->file, opath, "operationId \"%s\" is used twice", op.tool.p);
    goto out;
  }
  lr_map_put(tools, op.tool, (void *)op.tool.p);
  lr_str shape = template_shape(c->a, &op);
  const char *other = lr_map_get(shapes, shape);
  if (other) {
    oa_error(c->d, c->file, opath, "same template as %s (only parameter names differ)", other);
    goto out;
  }
  lr_map_put(shapes, shape, (void *)opath);
  if (o->nops == *cap) {
    *cap = *cap ? *cap * 2 : 16;
    oa_op *grown = LR_NEW_N(c->a, oa_op, *cap);
    if (o->nops) memcpy(grown, o->ops, o->nops * sizeof *grown);
    o->ops = grown;
  }
  o->ops[o->nops++] = op;
out:
  free(params);
}

lr_openapi *lr_openapi_parse(const char *text, size_t len, const char *file, lr_diags *d) {
  size_t errors0 = d->errors;
  json_t *root = lr_json_parse(text, len, file, d);
  if (!root) return NULL;
  lr_openapi *o = lr_xcalloc(1, sizeof *o);
  o->arena = lr_arena_new(0);
  lcx c = {.a = o->arena, .root = root, .file = file, .d = d};
  const char *ver = json_string_value(json_object_get(root, "openapi"));
  if (!json_is_object(root)) {
    oa_error(d, file, "", "an OpenAPI document must be a JSON object");
    goto done;
  }
  if (json_object_get(root, "swagger")) {
    oa_error(d, file, "swagger", "Swagger 2.0 is not supported: convert to OpenAPI 3");
    goto done;
  }
  if (!ver || (strncmp(ver, "3.0", 3) && strncmp(ver, "3.1", 3))) {
    oa_error(d, file, "openapi", "expected \"openapi\": \"3.0.x\" or \"3.1.x\"");
    goto done;
  }
  read_servers(&c, o);
  const json_t *paths = json_object_get(root, "paths");
  if (paths && !json_is_object(paths)) {
    oa_error(d, file, "paths", "must be an object");
    goto done;
  }
  lr_map tools = {0}, shapes = {0};
  size_t cap = 0;
  const char *tpl;
  json_t *item;
  json_object_foreach((json_t *)paths, tpl, item) {
    const char *ipath = lr_arena_sprintf(o->arena, "paths[\"%s\"]", tpl);
    if (tpl[0] != '/') {
      oa_error(d, file, ipath, "a path must start with \"/\"");
      continue;
    }
    const json_t *it = deref(&c, item, ipath);
    if (!json_is_object(it)) {
      if (it) oa_error(d, file, ipath, "a path item must be an object");
      continue;
    }
    oa_param *common = NULL;
    size_t ncommon = 0;
    read_params(&c, json_object_get(it, "parameters"),
                lr_arena_sprintf(o->arena, "%s.parameters", ipath), &common, &ncommon);
    for (int m = 0; m < 8; m++)
      if (json_object_get(it, methods[m]))
        read_operation(&c, o, &cap, &tools, &shapes, tpl, it, ipath, m, common, ncommon);
    free(common);
  }
  lr_map_free(&tools);
  lr_map_free(&shapes);
done:
  json_decref(root);
  if (d->errors > errors0) {
    lr_openapi_free(o);
    return NULL;
  }
  return o;
}

lr_openapi *lr_openapi_load(const char *path, lr_diags *d) {
  lr_buf b = {0};
  if (lr_buf_read_file(&b, path) != LR_OK) {
    lr_diag_error(d, "OA001", NULL, 0, 0, "%s: cannot read the OpenAPI document", path);
    lr_buf_free(&b);
    return NULL;
  }
  lr_openapi *o = lr_openapi_parse(b.p ? b.p : "", b.len, path, d);
  lr_buf_free(&b);
  return o;
}

void lr_openapi_free(lr_openapi *o) {
  if (!o) return;
  lr_arena_free(o->arena);
  free(o);
}

size_t lr_openapi_count(const lr_openapi *o) { return o ? o->nops : 0; }

/* ---- matching -------------------------------------------------------------- */

static bool seg_match(const oa_seg *s, lr_str v) {
  if (s->param < 0) return lr_str_eq(s->lit, v);
  if (v.n <= s->lit.n + s->suffix.n) return false; /* a parameter is never empty */
  return memcmp(v.p, s->lit.p, s->lit.n) == 0 &&
         memcmp(v.p + v.n - s->suffix.n, s->suffix.p, s->suffix.n) == 0;
}

static int seg_rank(const oa_seg *s) {
  return s->param < 0 ? 2 : (s->lit.n || s->suffix.n) ? 1 : 0;
}

/* >0 when a is more specific than b (first differing segment decides). */
static int specificity(const oa_op *a, const oa_op *b) {
  for (size_t i = 0; i < a->nsegs; i++) {
    int d = seg_rank(&a->segs[i]) - seg_rank(&b->segs[i]);
    if (d) return d;
  }
  return 0;
}

typedef struct fieldvec {
  lr_field *f;
  size_t n, cap;
} fieldvec;

static void field_add(lr_arena *a, fieldvec *v, lr_str key, lr_value val) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 8;
    lr_field *g = LR_NEW_N(a, lr_field, cap);
    if (v->n) memcpy(g, v->f, v->n * sizeof *g);
    v->f = g;
    v->cap = cap;
  }
  v->f[v->n++] = (lr_field){key, val};
}

static const char *fail(lr_arena *a, const char **why, const char *fmt, lr_str name,
                        const char *detail) {
  *why = lr_arena_sprintf(a, fmt, (int)name.n, name.p, detail);
  return *why;
}

static lr_status query_args(lr_arena *a, const oa_op *op, const lr_rest_path *p, fieldvec *fv,
                            const char **why) {
  if (!p->has_query) return LR_OK;
  lr_rest_param *ps;
  size_t n;
  if (lr_rest_query_parse(a, p->query, &ps, &n, why) != LR_OK) return LR_ERR;
  bool *used = LR_NEW_N(a, bool, n ? n : 1);
  for (size_t k = 0; k < op->nquery; k++) {
    const oa_param *q = &op->query[k];
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += lr_str_eq(ps[i].name, q->name);
    if (!count) continue;
    lr_value v;
    if (!q->array) {
      if (count > 1) {
        fail(a, why, "query parameter '%.*s'%s", q->name, " is given more than once");
        return LR_ERR;
      }
      for (size_t i = 0; i < n; i++)
        if (lr_str_eq(ps[i].name, q->name)) {
          used[i] = true;
          if (lr_jtype_text(a, q->type, ps[i].value, &v, why) != LR_OK) {
            fail(a, why, "query parameter '%.*s': %s", q->name, *why);
            return LR_ERR;
          }
        }
    } else {
      const lr_jtype *it = lr_jtype_items(q->type);
      size_t cap = 0, m = 0;
      for (size_t i = 0; i < n; i++)
        if (lr_str_eq(ps[i].name, q->name)) {
          cap++;
          if (!q->explode)
            for (size_t j = 0; j < ps[i].value.n; j++) cap += ps[i].value.p[j] == ',';
        }
      lr_value *vs = LR_NEW_N(a, lr_value, cap);
      for (size_t i = 0; i < n; i++) {
        if (!lr_str_eq(ps[i].name, q->name)) continue;
        used[i] = true;
        lr_str rest = ps[i].value;
        for (;;) {
          const char *comma = q->explode ? NULL : memchr(rest.p, ',', rest.n);
          lr_str item = lr_str_make(rest.p, comma ? (size_t)(comma - rest.p) : rest.n);
          if (lr_jtype_text(a, it, item, &vs[m], why) != LR_OK) {
            fail(a, why, "query parameter '%.*s': %s", q->name, *why);
            return LR_ERR;
          }
          m++;
          if (!comma) break;
          rest = lr_str_make(comma + 1, rest.n - item.n - 1);
        }
      }
      v = lr_value_set(a, vs, m);
    }
    field_add(a, fv, q->name, v);
  }
  /* undeclared parameters: strings, a set when repeated */
  size_t nu = 0;
  lr_rest_param *un = LR_NEW_N(a, lr_rest_param, n ? n : 1);
  for (size_t i = 0; i < n; i++)
    if (!used[i]) un[nu++] = ps[i];
  if (nu) {
    lr_value rec;
    if (lr_rest_query_record(a, un, nu, &rec) != LR_OK) return LR_ERR;
    for (size_t i = 0; i < rec.n; i++) field_add(a, fv, rec.u.fields[i].key, rec.u.fields[i].value);
  }
  return LR_OK;
}

static int cmp_field(const void *x, const void *y) {
  return lr_str_cmp(((const lr_field *)x)->key, ((const lr_field *)y)->key);
}

static lr_status build_args(lr_arena *a, const oa_op *op, const lr_str *segs, const lr_rest_path *p,
                            const lr_jfast_doc *body, uint32_t body_tok, lr_value *out,
                            const char **why) {
  fieldvec fv = {0};
  for (size_t i = 0; i < op->nsegs; i++) {
    const oa_seg *s = &op->segs[i];
    if (s->param < 0) continue;
    const oa_param *q = &op->path[s->param];
    lr_str v = lr_str_make(segs[i].p + s->lit.n, segs[i].n - s->lit.n - s->suffix.n);
    lr_value val;
    if (lr_jtype_text(a, q->type, v, &val, why) != LR_OK) {
      fail(a, why, "path parameter '%.*s': %s", q->name, *why);
      return LR_ERR;
    }
    field_add(a, &fv, q->name, val);
  }
  if (query_args(a, op, p, &fv, why) != LR_OK) return LR_ERR;
  if (body && body->toks[body_tok].kind != LR_JFAST_NULL) {
    lr_value bv;
    lr_jfast_err err;
    if (lr_jtype_value(a, op->body, body, body_tok, "", &bv, &err) != LR_OK) {
      *why = lr_arena_sprintf(a, "body%s%s: %s", *err.path ? "." : "", err.path, err.msg);
      return LR_ERR;
    }
    if (bv.kind == LR_V_RECORD)
      for (size_t i = 0; i < bv.n; i++) field_add(a, &fv, bv.u.fields[i].key, bv.u.fields[i].value);
    else
      field_add(a, &fv, LR_STR("body"), bv);
  }
  /* one name from two sources: the same value, or refused */
  if (fv.n > 1) qsort(fv.f, fv.n, sizeof *fv.f, cmp_field);
  size_t k = 0;
  for (size_t i = 0; i < fv.n; i++) {
    if (k && lr_str_eq(fv.f[k - 1].key, fv.f[i].key)) {
      if (!lr_value_eq(fv.f[k - 1].value, fv.f[i].value)) {
        fail(a, why, "argument '%.*s'%s", fv.f[i].key,
             " is given twice (path, query, body) with different values");
        return LR_ERR;
      }
      continue;
    }
    fv.f[k++] = fv.f[i];
  }
  return lr_value_record(a, fv.f, k, out, NULL);
}

lr_status lr_openapi_match(lr_arena *a, const lr_openapi *o, lr_str method, const lr_rest_path *p,
                           const lr_jfast_doc *body, uint32_t body_tok, lr_openapi_call *call,
                           bool *matched, const char **why) {
  *matched = false;
  for (size_t b = 0; b < o->nbases; b++) {
    const oa_base *base = &o->bases[b];
    if (p->nsegs < base->nsegs) continue;
    bool prefix = true;
    for (size_t i = 0; i < base->nsegs && prefix; i++)
      prefix = lr_str_eq(p->segs[i], base->segs[i]);
    if (!prefix) continue;
    const lr_str *segs = p->segs + base->nsegs;
    size_t n = p->nsegs - base->nsegs;
    const oa_op *best = NULL;
    for (size_t k = 0; k < o->nops; k++) {
      const oa_op *op = &o->ops[k];
      if (op->nsegs != n || !lr_str_eq_c(method, op->method)) continue;
      size_t i = 0;
      while (i < n && seg_match(&op->segs[i], segs[i])) i++;
      if (i == n && (!best || specificity(op, best) > 0)) best = op;
    }
    if (!best) continue;
    *matched = true;
    call->tool = best->tool;
    call->template = best->template;
    return build_args(a, best, segs, p, body, body_tok, &call->args, why);
  }
  return LR_OK;
}
