/*
 * bench/authorize_apps.c — workloads 2 and 3 of bench_authorize: policy
 * sets shaped like the applications of Cedar's paper benchmarks (Google
 * Drive, GitHub, TinyTodo; n entities per type, relations as attributes
 * and groups), generated sets of N policies over 1,000 users and tools, and
 * a multi-tenant set (policies scoped to a tenant by a tag). Deterministic
 * seeds.
 */
#include <string.h>

#include "authorize.h"

static const char *app_context = "{}";

static void add_text(workload *w, const char *name, const char *text) {
  workload_add_policies(w, name, text, strlen(text));
}

static void entities_from(workload *w, lr_buf *b) {
  workload_set_entities(w, b->p, b->len);
  lr_buf_free(b);
}

/* "T::id" helpers for requests. */
static void request(workload *w, const char *pt, int pi, const char *act, const char *rt, int ri) {
  char pid[32], rid[32];
  snprintf(pid, sizeof pid, "%c%d", pt[0] | 32, pi);
  snprintf(rid, sizeof rid, "%c%d", rt[0] | 32, ri);
  lr_uid p = {lr_str_c(pt), lr_str_c(pid)}, a = {LR_STR("Action"), lr_str_c(act)},
         r = {lr_str_c(rt), lr_str_c(rid)};
  workload_add_request(w, &p, &a, &r, app_context, NULL);
}

static void ent(lr_buf *b, bool *first, const char *type, int i) {
  lr_buf_printf(b, "%s{\"uid\": {\"type\": \"%s\", \"id\": \"%c%d\"}, \"attrs\": {",
                *first ? "" : ",\n", type, type[0] | 32, i);
  *first = false;
}

static void ref(lr_buf *b, const char *type, int i) {
  lr_buf_printf(b, "{\"type\": \"%s\", \"id\": \"%c%d\"}", type, type[0] | 32, i);
}

/* Google Drive: users in groups, documents in folders (nested), each with
 * an owner, viewers and editors (sets of users and groups), public flag. */
void build_gdrive(workload *w, int n, size_t nreq) {
  snprintf(w->name, sizeof w->name, "gdrive (%d per type)", n);
  add_text(
      w, "gdrive.cedar",
      "permit(principal, action in [Action::\"view\", Action::\"edit\", Action::\"delete\", "
      "Action::\"share\"], resource is Document) when { resource.owner == principal };\n"
      "permit(principal, action == Action::\"view\", resource is Document) when { "
      "resource.public || principal in resource.viewers || principal in resource.editors };\n"
      "permit(principal, action == Action::\"edit\", resource is Document) when { principal "
      "in resource.editors };\n"
      "permit(principal, action == Action::\"view\", resource) when { resource in "
      "principal.shared_folders };\n"
      "permit(principal, action == Action::\"create\", resource is Folder) when { "
      "resource.owner == principal };\n"
      "forbid(principal, action in [Action::\"delete\", Action::\"share\"], resource) unless { "
      "resource has owner && resource.owner == principal };\n");
  bench_rng r = {0x6764726976ull + (uint64_t)n};
  lr_buf b = {0};
  bool first = true;
  lr_buf_putc(&b, '[');
  for (int i = 0; i < n; i++) {
    ent(&b, &first, "User", i);
    lr_buf_puts(&b, "\"shared_folders\": [");
    ref(&b, "Folder", bench_pick(&r, n));
    lr_buf_puts(&b, "]}, \"parents\": [");
    ref(&b, "Group", bench_pick(&r, n));
    lr_buf_puts(&b, ", ");
    ref(&b, "Group", bench_pick(&r, n));
    lr_buf_puts(&b, "]}");
  }
  for (int i = 0; i < n; i++) {
    ent(&b, &first, "Group", i);
    lr_buf_puts(&b, "}, \"parents\": []}");
  }
  for (int i = 0; i < n; i++) {
    ent(&b, &first, "Folder", i);
    lr_buf_puts(&b, "\"owner\": {\"__entity\": ");
    ref(&b, "User", bench_pick(&r, n));
    lr_buf_puts(&b, "}}, \"parents\": [");
    if (i + 1 < n) ref(&b, "Folder", i + 1 + bench_pick(&r, n - i - 1));
    lr_buf_puts(&b, "]}");
  }
  for (int i = 0; i < n; i++) {
    ent(&b, &first, "Document", i);
    lr_buf_puts(&b, "\"owner\": {\"__entity\": ");
    ref(&b, "User", bench_pick(&r, n));
    lr_buf_printf(&b, "}, \"public\": %s, \"viewers\": [", bench_pick(&r, 5) ? "false" : "true");
    for (int k = 0; k < 3; k++) {
      lr_buf_puts(&b, k ? ", {\"__entity\": " : "{\"__entity\": ");
      ref(&b, k == 2 ? "Group" : "User", bench_pick(&r, n));
      lr_buf_putc(&b, '}');
    }
    lr_buf_puts(&b, "], \"editors\": [{\"__entity\": ");
    ref(&b, "Group", bench_pick(&r, n));
    lr_buf_puts(&b, "}]}, \"parents\": [");
    ref(&b, "Folder", bench_pick(&r, n));
    lr_buf_puts(&b, "]}");
  }
  lr_buf_puts(&b, "]");
  entities_from(w, &b);
  static const char *const acts[] = {"view", "edit", "delete", "share", "create"};
  for (size_t i = 0; i < nreq; i++) {
    int a = bench_pick(&r, 5);
    request(w, "User", bench_pick(&r, n), acts[a], a == 4 ? "Folder" : "Document",
            bench_pick(&r, n));
  }
}

/* GitHub: per repository five teams (readers ⊇ triagers ⊇ writers ⊇
 * maintainers ⊇ admins, as a hierarchy), users in random teams, orgs. */
void build_github(workload *w, int n, size_t nreq) {
  snprintf(w->name, sizeof w->name, "github (%d per type)", n);
  add_text(w, "github.cedar",
           "permit(principal, action == Action::\"pull\", resource) when { principal in "
           "resource.readers };\n"
           "permit(principal, action == Action::\"fork\", resource) when { principal in "
           "resource.readers };\n"
           "permit(principal, action == Action::\"push\", resource) when { principal in "
           "resource.writers };\n"
           "permit(principal, action == Action::\"triage\", resource) when { principal in "
           "resource.triagers };\n"
           "permit(principal, action in [Action::\"add_reader\", Action::\"delete\"], resource) "
           "when { principal in resource.admins };\n"
           "permit(principal, action == Action::\"delete\", resource) when { principal in "
           "resource.org.owners };\n"
           "forbid(principal, action == Action::\"push\", resource) when { resource.archived };\n");
  static const char *const levels[] = {"readers", "triagers", "writers", "maintainers", "admins"};
  bench_rng r = {0x676974687562ull + (uint64_t)n};
  lr_buf b = {0};
  lr_buf_puts(&b, "[");
  bool first = true;
  for (int i = 0; i < n; i++) {
    ent(&b, &first, "Org", i);
    lr_buf_printf(&b,
                  "\"owners\": {\"__entity\": {\"type\": \"Team\", \"id\": \"owners%d\"}}}, "
                  "\"parents\": []},\n{\"uid\": {\"type\": \"Team\", \"id\": \"owners%d\"}, "
                  "\"attrs\": {}, \"parents\": []}",
                  i, i);
  }
  for (int i = 0; i < n; i++) { /* repository i and its teams */
    ent(&b, &first, "Repo", i);
    for (int l = 0; l < 5; l++)
      lr_buf_printf(&b, "\"%s\": {\"__entity\": {\"type\": \"Team\", \"id\": \"r%d-%s\"}}, ",
                    levels[l], i, levels[l]);
    lr_buf_printf(&b, "\"org\": {\"__entity\": ");
    ref(&b, "Org", bench_pick(&r, n));
    lr_buf_printf(&b, "}, \"archived\": %s}, \"parents\": []}",
                  bench_pick(&r, 8) ? "false" : "true");
    for (int l = 0; l < 5; l++) {
      lr_buf_printf(&b,
                    ",\n{\"uid\": {\"type\": \"Team\", \"id\": \"r%d-%s\"}, \"attrs\": {}, "
                    "\"parents\": [",
                    i, levels[l]);
      if (l) lr_buf_printf(&b, "{\"type\": \"Team\", \"id\": \"r%d-%s\"}", i, levels[l - 1]);
      lr_buf_puts(&b, "]}");
    }
  }
  for (int i = 0; i < n; i++) {
    ent(&b, &first, "User", i);
    lr_buf_puts(&b, "}, \"parents\": [");
    for (int k = 0, m = 1 + bench_pick(&r, 4); k < m; k++)
      lr_buf_printf(&b, "%s{\"type\": \"Team\", \"id\": \"r%d-%s\"}", k ? ", " : "",
                    bench_pick(&r, n), levels[bench_pick(&r, 5)]);
    if (bench_pick(&r, 10) == 0)
      lr_buf_printf(&b, ", {\"type\": \"Team\", \"id\": \"owners%d\"}", bench_pick(&r, n));
    lr_buf_puts(&b, "]}");
  }
  lr_buf_puts(&b, "]");
  entities_from(w, &b);
  static const char *const acts[] = {"pull", "fork", "push", "triage", "add_reader", "delete"};
  for (size_t i = 0; i < nreq; i++)
    request(w, "User", bench_pick(&r, n), acts[bench_pick(&r, 6)], "Repo", bench_pick(&r, n));
}

/* TinyTodo: lists with an owner, readers and editors teams; the
 * application entity for creating lists; interns may not create. */
void build_tinytodo(workload *w, int n, size_t nreq) {
  snprintf(w->name, sizeof w->name, "tinytodo (%d per type)", n);
  add_text(w, "tinytodo.cedar",
           "permit(principal, action in [Action::\"CreateList\", Action::\"GetLists\"], resource "
           "== Application::\"a0\");\n"
           "permit(principal, action, resource is List) when { resource.owner == principal };\n"
           "permit(principal, action == Action::\"GetList\", resource is List) when { principal "
           "in resource.readers || principal in resource.editors };\n"
           "permit(principal, action in [Action::\"UpdateList\", Action::\"CreateTask\", "
           "Action::\"UpdateTask\", Action::\"DeleteTask\"], resource is List) when { principal "
           "in resource.editors };\n"
           "forbid(principal in Team::\"t0\", action == Action::\"CreateList\", resource == "
           "Application::\"a0\");\n");
  bench_rng r = {0x746f646full + (uint64_t)n};
  lr_buf b = {0};
  lr_buf_puts(&b, "[{\"uid\": {\"type\": \"Application\", \"id\": \"a0\"}, \"attrs\": {}, "
                  "\"parents\": []}");
  bool first = false;
  for (int i = 0; i < n; i++) {
    ent(&b, &first, "Team", i);
    lr_buf_puts(&b, "}, \"parents\": [");
    if (i + 1 < n && bench_pick(&r, 3) == 0) ref(&b, "Team", i + 1 + bench_pick(&r, n - i - 1));
    lr_buf_puts(&b, "]}");
  }
  for (int i = 0; i < n; i++) {
    ent(&b, &first, "User", i);
    lr_buf_puts(&b, "}, \"parents\": [");
    ref(&b, "Team", bench_pick(&r, n));
    lr_buf_puts(&b, "]}");
  }
  for (int i = 0; i < n; i++) {
    ent(&b, &first, "List", i);
    lr_buf_puts(&b, "\"owner\": {\"__entity\": ");
    ref(&b, "User", bench_pick(&r, n));
    lr_buf_puts(&b, "}, \"readers\": {\"__entity\": ");
    ref(&b, "Team", bench_pick(&r, n));
    lr_buf_puts(&b, "}, \"editors\": {\"__entity\": ");
    ref(&b, "Team", bench_pick(&r, n));
    lr_buf_puts(&b, "}}, \"parents\": [");
    ref(&b, "Application", 0);
    lr_buf_puts(&b, "]}");
  }
  lr_buf_puts(&b, "]");
  entities_from(w, &b);
  static const char *const acts[] = {"CreateList", "GetLists",   "GetList",
                                     "UpdateList", "CreateTask", "DeleteTask"};
  for (size_t i = 0; i < nreq; i++) {
    int a = bench_pick(&r, 6);
    if (a < 2)
      request(w, "User", bench_pick(&r, n), acts[a], "Application", 0);
    else
      request(w, "User", bench_pick(&r, n), acts[a], "List", bench_pick(&r, n));
  }
}

/* ---- workload 3: generated sets ---------------------------------------------------- */

enum { GUSERS = 1000, GTOOLS = 1000, GROLES = 100, GSERVERS = 50 };

/* The 1,000 tools, each on one of the 50 servers; ends the entity list and
 * sets it. */
static void tools_and_end(workload *w, lr_buf *b, bench_rng *r) {
  for (int i = 0; i < GTOOLS; i++)
    lr_buf_printf(b,
                  ",\n{\"uid\": {\"type\": \"Tool\", \"id\": \"t%d\"}, \"attrs\": {}, "
                  "\"parents\": [{\"type\": \"Server\", \"id\": \"s%d\"}]}",
                  i, bench_pick(r, GSERVERS));
  lr_buf_puts(b, "]");
  entities_from(w, b);
}

/* A request: User::"u<u>" calls Tool::"t<t>" with context ctx. */
static void tool_call(workload *w, int u, int t, const char *ctx) {
  char uid[16], tid[16];
  snprintf(uid, sizeof uid, "u%d", u);
  snprintf(tid, sizeof tid, "t%d", t);
  lr_uid p = {LR_STR("User"), lr_str_c(uid)}, a = {LR_STR("Action"), LR_STR("tools/call")},
         res = {LR_STR("Tool"), lr_str_c(tid)};
  workload_add_request(w, &p, &a, &res, ctx, NULL);
}

static void generated_entities(workload *w) {
  bench_rng r = {0x67656e65ull};
  lr_buf b = {0};
  lr_buf_puts(&b, "[");
  for (int i = 0; i < GUSERS; i++) {
    lr_buf_printf(&b,
                  "%s{\"uid\": {\"type\": \"User\", \"id\": \"u%d\"}, \"attrs\": {}, "
                  "\"parents\": [",
                  i ? ",\n" : "", i);
    for (int k = 0, m = 1 + bench_pick(&r, 3); k < m; k++)
      lr_buf_printf(&b, "%s{\"type\": \"Role\", \"id\": \"r%d\"}", k ? ", " : "",
                    bench_pick(&r, GROLES));
    lr_buf_printf(&b, "], \"tags\": {\"tenant\": \"t%d\"}}", i % 20);
  }
  tools_and_end(w, &b, &r);
}

void build_generated(workload *w, size_t npol, size_t nreq) {
  snprintf(w->name, sizeof w->name, "generated %zu policies", npol);
  bench_rng r = {0x706f6c73ull}; /* the same policies prefix for every size */
  lr_buf b = {0};
  for (size_t i = 0; i < npol; i++) {
    int u = bench_pick(&r, GUSERS), t = bench_pick(&r, GTOOLS), ro = bench_pick(&r, GROLES);
    int s = bench_pick(&r, GSERVERS), k = bench_pick(&r, 20);
    switch (bench_pick(&r, 20)) {
    case 0 ... 7:
      lr_buf_printf(&b,
                    "permit(principal == User::\"u%d\", action == Action::\"tools/call\", "
                    "resource == Tool::\"t%d\") when { context.args.amount <= %d };\n",
                    u, t, 1000 * (k + 1));
      break;
    case 8 ... 12:
      lr_buf_printf(&b,
                    "permit(principal in Role::\"r%d\", action == Action::\"tools/call\", "
                    "resource in Server::\"s%d\") when { context.time.hour >= %d && "
                    "context.time.hour < %d };\n",
                    ro, s, k % 10, 12 + k % 12);
      break;
    case 13 ... 15:
      lr_buf_printf(&b,
                    "forbid(principal == User::\"u%d\", action, resource in Server::\"s%d\") "
                    "unless { context.client.ip.isInRange(ip(\"10.0.0.0/8\")) };\n",
                    u, s);
      break;
    case 16 ... 17:
      lr_buf_printf(&b,
                    "permit(principal in Role::\"r%d\", action == Action::\"tools/call\", "
                    "resource == Tool::\"t%d\") when { context.args.path like \"/tmp/%d/*\" "
                    "};\n",
                    ro, t, k);
      break;
    default:
      lr_buf_printf(&b,
                    "forbid(principal, action == Action::\"tools/call\", resource == "
                    "Tool::\"t%d\") when { principal.getTag(\"tenant\") == \"t%d\" && "
                    "context.pii.containsAny([\"EMAIL\", \"US_SSN\"]) };\n",
                    t, k);
      break;
    }
  }
  add_text(w, "generated.cedar", b.p ? b.p : "");
  lr_buf_free(&b);
  generated_entities(w);
  bench_rng q = {0x72657173ull}; /* the same requests for every size */
  lr_buf ctx = {0};
  for (size_t i = 0; i < nreq; i++) {
    int u = bench_pick(&q, GUSERS), t = bench_pick(&q, GTOOLS);
    lr_buf_clear(&ctx);
    lr_buf_printf(&ctx,
                  "{\"args\": {\"amount\": %d, \"path\": \"/tmp/%d/x\"}, \"pii\": [%s], "
                  "\"time\": {\"hour\": %d, \"weekday\": %d}, \"client\": {\"ip\": {\"__extn\": "
                  "{\"fn\": \"ip\", \"arg\": \"%s\"}}}}",
                  bench_pick(&q, 30000), bench_pick(&q, 20), bench_pick(&q, 10) ? "" : "\"EMAIL\"",
                  bench_pick(&q, 24), 1 + bench_pick(&q, 7),
                  bench_pick(&q, 4) ? "10.1.2.3" : "192.0.2.7");
    tool_call(w, u, t, ctx.p);
  }
  lr_buf_free(&ctx);
}

/* ---- multi-tenant: policies scoped to a tenant by a principal tag ---------------- */

/* ntenants tenants of 20 policies each, every one naming no principal and
 * starting with the tenant test (`principal.getTag("tenant") == "tN" &&
 * ...`) as a gateway serving many tenants writes them; 1,000 users spread
 * over the tenants, the generated set's tools and servers. */
void build_tenants(workload *w, int ntenants, size_t nreq) {
  snprintf(w->name, sizeof w->name, "tenants %d x 20", ntenants);
  bench_rng r = {0x74656e61ull};
  lr_buf b = {0};
  for (int t = 0; t < ntenants; t++) {
    for (int k = 0; k < 12; k++)
      lr_buf_printf(&b,
                    "permit(principal, action == Action::\"tools/call\", resource in "
                    "Server::\"s%d\") when { principal.getTag(\"tenant\") == \"t%d\" && "
                    "context.args.amount <= %d };\n",
                    bench_pick(&r, GSERVERS), t, 1000 * (1 + bench_pick(&r, 20)));
    for (int k = 0; k < 6; k++)
      lr_buf_printf(&b,
                    "forbid(principal, action == Action::\"tools/call\", resource == "
                    "Tool::\"t%d\") when { principal.getTag(\"tenant\") == \"t%d\" && "
                    "context.time.hour >= %d };\n",
                    bench_pick(&r, GTOOLS), t, 12 + bench_pick(&r, 12));
    for (int k = 0; k < 2; k++)
      lr_buf_printf(&b,
                    "permit(principal, action == Action::\"tools/call\", resource) when { "
                    "principal.getTag(\"tenant\") == \"t%d\" && context.time.hour >= %d && "
                    "context.time.hour < %d };\n",
                    t, 6 + bench_pick(&r, 4), 16 + bench_pick(&r, 6));
  }
  add_text(w, "tenants.cedar", b.p ? b.p : "");
  lr_buf_clear(&b);
  lr_buf_puts(&b, "[");
  for (int i = 0; i < GUSERS; i++)
    lr_buf_printf(&b,
                  "%s{\"uid\": {\"type\": \"User\", \"id\": \"u%d\"}, \"attrs\": {}, "
                  "\"parents\": [], \"tags\": {\"tenant\": \"t%d\"}}",
                  i ? ",\n" : "", i, i % ntenants);
  tools_and_end(w, &b, &r);
  lr_buf ctx = {0};
  for (size_t i = 0; i < nreq; i++) {
    int u = bench_pick(&r, GUSERS), t = bench_pick(&r, GTOOLS);
    lr_buf_clear(&ctx);
    lr_buf_printf(&ctx, "{\"args\": {\"amount\": %d}, \"time\": {\"hour\": %d}}",
                  bench_pick(&r, 30000), bench_pick(&r, 24));
    tool_call(w, u, t, ctx.p);
  }
  lr_buf_free(&ctx);
}
