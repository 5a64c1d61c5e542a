/*
 * bench/authorize_work.c — the workloads of bench_authorize (see
 * authorize.h): deterministic (fixed seeds), built through the same loaders
 * larch uses (Cedar text, Cedar JSON entities and contexts).
 */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authorize.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die_diags(const char *what, lr_diags *d) {
  lr_buf b = {0};
  lr_diags_render(d, &b);
  fprintf(stderr, "bench_authorize: %s:\n%s\n", what, b.p ? b.p : "");
  exit(1);
}

void workload_free(workload *w) {
  for (size_t i = 0; w->stores && i < w->nreq; i++) lr_entities_release(w->stores[i]);
  free(w->stores);
  free(w->reqs);
  lr_entities_release(w->base);
  lr_arena_free(w->arena);
  memset(w, 0, sizeof *w);
}

void workload_add_policies(workload *w, const char *name, const char *text, size_t len) {
  if (!w->arena) w->arena = lr_arena_new(1 << 16);
  lr_source *src = LR_NEW(w->arena, lr_source);
  *src = (lr_source){lr_arena_strdup(w->arena, name), lr_arena_strndup(w->arena, text, len), len};
  lr_diags d = {0};
  double t0 = now_ms();
  size_t from = w->set.npolicies;
  if (lr_policy_set_add_source(w->arena, &w->set, src, 0, &d) != LR_OK) die_diags(name, &d);
  w->parse_ms += now_ms() - t0;
  if (w->nsrcs < sizeof w->srcs / sizeof *w->srcs) {
    w->srcs[w->nsrcs] = src;
    w->src_from[w->nsrcs] = from;
    w->src_to[w->nsrcs++] = w->set.npolicies;
  }
  lr_diags_free(&d);
}

void workload_set_entities(workload *w, const char *json, size_t len) {
  lr_diags d = {0};
  w->base = lr_entities_from_json(json, len, "entities", NULL, &d);
  if (!w->base) die_diags("entities", &d);
  lr_diags_free(&d);
}

void workload_add_request(workload *w, const lr_uid *p, const lr_uid *a, const lr_uid *r,
                          const char *context_json, lr_entities *store) {
  if (!w->arena) w->arena = lr_arena_new(1 << 16);
  if ((w->nreq & (w->nreq - 1)) == 0) { /* grow at powers of two */
    size_t cap = w->nreq ? w->nreq * 2 : 1;
    w->reqs = lr_xrealloc(w->reqs, cap * sizeof *w->reqs);
    w->stores = lr_xrealloc(w->stores, cap * sizeof *w->stores);
  }
  lr_diags d = {0};
  json_t *j = lr_json_parse(context_json, strlen(context_json), "context", &d);
  lr_request *q = &w->reqs[w->nreq];
  q->principal = lr_uid_new(w->arena, p->type, p->id);
  q->action = lr_uid_new(w->arena, a->type, a->id);
  q->resource = lr_uid_new(w->arena, r->type, r->id);
  if (!j || lr_context_from_json(w->arena, j, NULL, q->action, "context", &d, &q->context) != LR_OK)
    die_diags(context_json, &d);
  json_decref(j);
  lr_diags_free(&d);
  w->stores[w->nreq++] = store;
}

static lr_uid U(const char *type, const char *id) { return (lr_uid){lr_str_c(type), lr_str_c(id)}; }

static char *read_all(const char *path, size_t *len) {
  lr_buf b = {0};
  if (lr_buf_read_file(&b, path) != LR_OK) {
    fprintf(stderr, "bench_authorize: cannot read %s\n", path);
    exit(1);
  }
  *len = b.len;
  return b.p;
}

static int cmp_name(const void *x, const void *y) {
  return strcmp(*(char *const *)x, *(char *const *)y);
}

/* ---- workload 1: rules/ ---------------------------------------------------------- */

static const char *const tools[] = {
    "search",          "read_file",     "list_directory", "write_file",   "delete_file",
    "payments.refund", "db.query",      "db.execute",     "db.migrate",   "deploy.release",
    "git.push",        "git.log",       "slack.post",     "web.fetch",    "datadog.log",
    "metrics.read",    "crm.eu.lookup", "crm.us.lookup",  "translate.eu", "openai.chat",
    "weather"};
static const char *const roles[] = {"analyst", "engineer", "admin", "support", "manager", "reader"};

/* The arguments of a call to tool t (what an agent would send). */
static void tool_args(bench_rng *r, const char *t, lr_buf *b) {
  static const char *const sqls[] = {"SELECT * FROM orders WHERE id = 7", "select id from users",
                                     "DELETE FROM users", "SELECT 1; DROP TABLE users",
                                     " SELECT 1"};
  static const char *const refs[] = {"main", "feature/login", "refs/heads/main", "dev"};
  if (strcmp(t, "payments.refund") == 0)
    lr_buf_printf(b, "{\"amount\": %d, \"currency\": \"USD\", \"order\": \"o-%d\"}",
                  bench_pick(r, 250000) - 1000, bench_pick(r, 100000));
  else if (strncmp(t, "db.", 3) == 0)
    lr_buf_printf(b, "{\"sql\": \"%s\", \"timeout_ms\": 5000}", sqls[bench_pick(r, 5)]);
  else if (strcmp(t, "git.push") == 0)
    lr_buf_printf(b, "{\"%s\": \"%s\", \"remote\": \"origin\"}",
                  bench_pick(r, 3) ? "branch" : "refspec", refs[bench_pick(r, 4)]);
  else if (strstr(t, "crm."))
    lr_buf_printf(b, "{\"customer_region\": \"%s\", \"customer\": \"c-%d\"}",
                  bench_pick(r, 2) ? "eu" : "us", bench_pick(r, 5000));
  else if (strstr(t, "file") || strstr(t, "directory"))
    lr_buf_printf(b, "{\"path\": \"/srv/data/report-%d.txt\", \"content\": \"quarterly numbers\"}",
                  bench_pick(r, 100));
  else
    lr_buf_printf(b, "{\"query\": \"status of order %d\", \"limit\": 10}", bench_pick(r, 1000));
}

/* A context as the proxy maps one MCP request (DESIGN §3). */
static void rules_context(bench_rng *r, const char *method, const char *tool, lr_buf *b) {
  static const char *const pii[] = {"EMAIL", "PHONE", "CREDIT_CARD", "AWS_ACCESS_KEY", "IBAN"};
  int hour = bench_pick(r, 24), wd = 1 + bench_pick(r, 7);
  lr_buf_puts(b, "{\"args\": ");
  if (tool)
    tool_args(r, tool, b);
  else
    lr_buf_puts(b, "{}");
  lr_buf_puts(b, ", \"pii\": [");
  for (int i = 0, n = 0; i < 5; i++)
    if (bench_pick(r, 12) == 0) lr_buf_printf(b, "%s\"%s\"", n++ ? ", " : "", pii[i]);
  lr_buf_printf(b,
                "], \"client\": {\"ip\": {\"__extn\": {\"fn\": \"ip\", \"arg\": \"%s.%d.%d\"}}, "
                "\"port\": %d}, \"session\": \"sess-%d\", \"time\": {\"now\": {\"__extn\": "
                "{\"fn\": \"datetime\", \"arg\": \"2026-11-%02dT%02d:%02d:00Z\"}}, \"hour\": %d, "
                "\"weekday\": %d}, \"http\": {\"method\": \"POST\", \"path\": \"/mcp\", "
                "\"host\": \"mcp.internal\", \"headers\": {\"user-agent\": \"agent/1.4\"}}, "
                "\"mcp\": {\"method\": \"%s\", \"id\": %d, \"protocol\": \"2025-06-18\"}}",
                bench_pick(r, 4) ? "10.20" : "203.0", bench_pick(r, 256), bench_pick(r, 256),
                30000 + bench_pick(r, 30000), bench_pick(r, 500), 16 + wd, hour, bench_pick(r, 60),
                hour, wd, method, bench_pick(r, 100000));
}

/* A token-authenticated user: tags from the claims, roles as parents. */
static void user_json(bench_rng *r, int u, lr_buf *b) {
  int nr = 1 + bench_pick(r, 2);
  lr_buf_printf(b, "{\"uid\": {\"type\": \"User\", \"id\": \"user%d@example.com\"}, \"attrs\": {",
                u);
  if (u % 5 == 0) lr_buf_puts(b, "\"data_region\": \"eu\"");
  lr_buf_puts(b, "}, \"parents\": [");
  for (int i = 0; i < nr; i++)
    lr_buf_printf(b, "%s{\"type\": \"Role\", \"id\": \"%s\"}", i ? ", " : "",
                  roles[(u * 7 + i * 3) % 6]);
  lr_buf_printf(b,
                "], \"tags\": {\"sub\": \"user%d@example.com\", \"email\": "
                "\"user%d@example.com\", \"iss\": \"https://idp.example.com\", \"tenant\": "
                "\"acme\", \"scope\": \"mcp:tools\", \"exp\": %d}}",
                u, u, 1795000000 + bench_pick(r, 100000));
}

/* The overlay store a proxy builds for one request: the user over base. */
static lr_entities *user_store(lr_entities *base, const char *user_json_text) {
  lr_diags d = {0};
  json_t *j = lr_json_parse(user_json_text, strlen(user_json_text), "user", &d);
  lr_entities *es = lr_entities_new_overlay(base);
  lr_arena *a = lr_entities_arena(es);
  const lr_uid *uid;
  lr_value attrs, tags;
  const json_t *parents = json_object_get(j, "parents");
  const lr_uid **ps = LR_NEW_N(a, const lr_uid *, json_array_size(parents) + 1);
  if (lr_json_uid(a, json_object_get(j, "uid"), false, "user", "uid", &d, &uid) != LR_OK ||
      lr_json_value(a, json_object_get(j, "attrs"), NULL, NULL, "user", "attrs", &d, &attrs) !=
          LR_OK ||
      lr_json_value(a, json_object_get(j, "tags"), NULL, NULL, "user", "tags", &d, &tags) != LR_OK)
    die_diags("user", &d);
  for (size_t i = 0; i < json_array_size(parents); i++)
    if (lr_json_uid(a, json_array_get(parents, i), false, "user", "parents", &d, &ps[i]) != LR_OK)
      die_diags("user", &d);
  lr_entities_add(es, uid, attrs, ps, json_array_size(parents), tags);
  lr_entities_finish(es, NULL);
  json_decref(j);
  return es;
}

static FILE *open_emit(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "bench_authorize: cannot write %s\n", path);
    exit(1);
  }
  return f;
}

static void load_rules_policies(workload *w, const char *dir) {
  DIR *dp = opendir(dir);
  if (!dp) {
    fprintf(stderr, "bench_authorize: cannot read %s\n", dir);
    exit(1);
  }
  char *names[256];
  size_t n = 0;
  for (struct dirent *de; (de = readdir(dp)) && n < 256;) {
    size_t l = strlen(de->d_name);
    if (l > 6 && strcmp(de->d_name + l - 6, ".cedar") == 0) names[n++] = lr_xstrdup(de->d_name);
  }
  closedir(dp);
  qsort(names, n, sizeof *names, cmp_name);
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    size_t len;
    char *text = read_all(path, &len);
    workload_add_policies(w, path, text, len);
    free(text);
    free(names[i]);
  }
}

/* {id: text} of the permit/forbid policies, for Cedar (which has no
 * mask/limit), under larch's ids: each policy's span in its source. */
static void emit_policies(const workload *w, FILE *f) {
  fputs("{", f);
  bool first = true;
  for (size_t s = 0; s < w->nsrcs; s++) {
    for (size_t k = w->src_from[s]; k < w->src_to[s]; k++) {
      const lr_policy *p = w->set.policies[k];
      if (p->is_template || (p->effect != LR_EFFECT_PERMIT && p->effect != LR_EFFECT_FORBID))
        continue;
      lr_buf b = {0};
      lr_buf_json_str(&b, p->id, strlen(p->id));
      lr_buf_putc(&b, ':');
      lr_buf_json_str(&b, w->srcs[s]->text + p->off, p->end - p->off);
      fprintf(f, "%s\n %s", first ? "" : ",", b.p);
      first = false;
      lr_buf_free(&b);
    }
  }
  fputs("\n}\n", f);
}

void build_rules(workload *w, const char *rules_dir, size_t nreq, const char *emit) {
  snprintf(w->name, sizeof w->name, "rules/ tool calls");
  load_rules_policies(w, rules_dir);
  char path[4096];
  snprintf(path, sizeof path, "%s/entities.json", rules_dir);
  size_t len;
  char *ents = read_all(path, &len);
  workload_set_entities(w, ents, len);
  bench_rng r = {0x72756c6573ull};
  enum { NUSERS = 300 };
  lr_buf users[NUSERS];
  lr_entities *stores[NUSERS]; /* one per user, as a token cache keeps it */
  for (int u = 0; u < NUSERS; u++) {
    users[u] = (lr_buf){0};
    user_json(&r, u, &users[u]);
    stores[u] = user_store(w->base, users[u].p);
  }
  FILE *freq = emit ? open_emit(emit, "requests.jsonl") : NULL;
  if (emit) {
    FILE *f = open_emit(emit, "entities.json");
    char *end = strrchr(ents, ']');
    fwrite(ents, 1, (size_t)(end - ents), f);
    for (int u = 0; u < NUSERS; u++) fprintf(f, ",\n %s", users[u].p);
    fputs("\n]\n", f);
    fclose(f);
    f = open_emit(emit, "policies.json");
    emit_policies(w, f);
    fclose(f);
  }
  free(ents);
  static const char *const methods[] = {"tools/list", "initialize", "resources/list"};
  lr_buf ctx = {0}, id = {0};
  for (size_t i = 0; i < nreq; i++) {
    int u = bench_pick(&r, NUSERS);
    lr_buf_clear(&ctx);
    lr_buf_clear(&id);
    lr_buf_printf(&id, "user%d@example.com", u);
    lr_uid p = U("User", id.p), a, res;
    const char *tool = NULL, *method = "tools/call";
    if (bench_pick(&r, 10) < 8) {
      tool = tools[bench_pick(&r, sizeof tools / sizeof *tools)];
      a = U("Action", "tools/call");
      res = U("Tool", tool);
    } else if (bench_pick(&r, 2)) {
      method = methods[bench_pick(&r, 3)];
      a = U("Action", method);
      res = U("Server", "internal");
    } else {
      method = "GET";
      a = U("Action", "GET");
      res = U("Route", "/v1/orders");
    }
    rules_context(&r, method, tool, &ctx);
    if (!emit || i < 4096)
      workload_add_request(w, &p, &a, &res, ctx.p, lr_entities_retain(stores[u]));
    if (freq) {
      fprintf(freq,
              "{\"principal\": {\"type\": \"User\", \"id\": \"%s\"}, \"action\": {\"type\": "
              "\"Action\", \"id\": \"%s\"}, \"resource\": {\"type\": \"%.*s\", \"id\": "
              "\"%.*s\"}, \"context\": %s}\n",
              id.p, a.id.p, (int)res.type.n, res.type.p, (int)res.id.n, res.id.p, ctx.p);
    }
  }
  if (freq) fclose(freq);
  for (int u = 0; u < NUSERS; u++) lr_buf_free(&users[u]), lr_entities_release(stores[u]);
  lr_buf_free(&ctx);
  lr_buf_free(&id);
}
