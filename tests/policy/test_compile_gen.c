/* test_compile_gen.c — differential test of the compiled path against the
 * interpreter on generated policy sets: random scopes (==, in, is, is-in,
 * action groups, `in []`, template links), random conditions mixing the
 * fast-path shapes with errors (missing attributes and entities, type
 * errors, overflow, bad extension literals), mask/limit guards, random
 * entity hierarchies (two stores per set, entities sometimes missing) and
 * random contexts. Deterministic seed; thousands of requests, bounded in
 * time. Every answer (decision, reasons, errors with messages, guards)
 * must be identical; a mismatch prints the policies and the request. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "policy.h"

typedef struct rng {
  uint64_t s;
} rng;

static uint32_t next(rng *r) {
  r->s ^= r->s << 13;
  r->s ^= r->s >> 7;
  r->s ^= r->s << 17;
  return (uint32_t)(r->s >> 11);
}
static int pick(rng *r, int n) { return (int)(next(r) % (uint32_t)n); }
static bool chance(rng *r, int pct) { return pick(r, 100) < pct; }

enum { NUSER = 6, NGROUP = 4, NDOC = 5, NFOLDER = 3, NACT = 4, NAG = 2 };

static void atom(rng *r, lr_buf *b) {
  static const char *likes[] = {"a*", "*c", "*b*", "abc", "*", "a*c*", "", "u*", "\\*", "*abc"};
  static const char *strs[] = {"abc", "a*c", "", "xyz", "abcabc", "u1"};
  static const long long bigs[] = {1, -1, 9223372036854775807LL, -9223372036854775807LL, 5};
  switch (pick(r, 40)) {
  case 0: lr_buf_printf(b, "principal.age > %d", pick(r, 40) - 5); break;
  case 1: lr_buf_puts(b, "principal.age <= context.n"); break;
  case 2: lr_buf_puts(b, "resource.owner == principal"); break;
  case 3: lr_buf_printf(b, "resource.level >= %d", pick(r, 5)); break;
  case 4: lr_buf_puts(b, "resource.public"); break;
  case 5: lr_buf_printf(b, "principal in Group::\"g%d\"", pick(r, NGROUP)); break;
  case 6: lr_buf_printf(b, "resource in Folder::\"f%d\"", pick(r, NFOLDER)); break;
  case 7:
    lr_buf_printf(b, "principal in [Group::\"g%d\", Group::\"g%d\"]", pick(r, NGROUP),
                  pick(r, NGROUP));
    break;
  case 8: lr_buf_printf(b, "context.n < %d", pick(r, 20) - 5); break;
  case 9: lr_buf_printf(b, "context.n + %lld > 0", bigs[pick(r, 5)]); break;
  case 10: lr_buf_printf(b, "context.s like \"%s\"", likes[pick(r, 10)]); break;
  case 11: lr_buf_printf(b, "context.s == \"%s\"", strs[pick(r, 6)]); break;
  case 12: lr_buf_puts(b, "principal has age"); break;
  case 13: lr_buf_puts(b, "context has rec.a.b"); break;
  case 14: lr_buf_printf(b, "context.set.contains(%d)", pick(r, 5)); break;
  case 15: lr_buf_printf(b, "context.set.containsAny([%d, %d])", pick(r, 5), pick(r, 5)); break;
  case 16: lr_buf_printf(b, "context.set.containsAll([%d])", pick(r, 5)); break;
  case 17: lr_buf_puts(b, "context.set.isEmpty()"); break;
  case 18: lr_buf_puts(b, "principal.hasTag(\"t\")"); break;
  case 19: lr_buf_puts(b, "principal.getTag(\"t\") == \"x\""); break;
  case 20: lr_buf_puts(b, "resource is Doc"); break;
  case 21: lr_buf_printf(b, "principal is User in Group::\"g%d\"", pick(r, NGROUP)); break;
  case 22: lr_buf_puts(b, "context.ip.isInRange(ip(\"10.0.0.0/8\"))"); break;
  case 23: lr_buf_printf(b, "decimal(\"1.5\").lessThan(decimal(\"%d.0\"))", pick(r, 3)); break;
  case 24: lr_buf_puts(b, "ip(\"bad\").isIpv4()"); break;
  case 25: lr_buf_puts(b, "(if context.flag then context.n else \"x\") == 1"); break;
  case 26: lr_buf_puts(b, "principal.name like \"u*\""); break;
  case 27: lr_buf_puts(b, "principal.name > 3"); break;
  case 28: lr_buf_puts(b, "principal.manager.age > 10"); break;
  case 29: lr_buf_puts(b, "[principal.age, 1].contains(1)"); break;
  case 30: lr_buf_puts(b, "{a: context.n, b: principal}.a == 1"); break;
  case 31: lr_buf_puts(b, "context.rec.a.b"); break;
  case 32: lr_buf_puts(b, "-context.n < 0"); break;
  case 33: lr_buf_puts(b, "context.n * 4611686018427387904 == 0"); break;
  case 34: lr_buf_printf(b, "action in Action::\"ag%d\"", pick(r, NAG)); break;
  case 35: lr_buf_printf(b, "action == Action::\"a%d\"", pick(r, NACT)); break;
  case 36:
    lr_buf_puts(b, "datetime(\"2024-01-01\").offset(duration(\"1h\")) > datetime(\"2024-01-01\")");
    break;
  case 37: lr_buf_puts(b, "context.ip.isLoopback()"); break;
  case 38: lr_buf_puts(b, "1 in principal"); break;
  default: lr_buf_puts(b, chance(r, 50) ? "true" : "false"); break;
  }
}

static void expr(rng *r, lr_buf *b, int depth) {
  if (depth == 0 || chance(r, 40)) {
    atom(r, b);
    return;
  }
  switch (pick(r, 4)) {
  case 0:
  case 1:
    lr_buf_putc(b, '(');
    expr(r, b, depth - 1);
    lr_buf_puts(b, pick(r, 2) ? " && " : " || ");
    expr(r, b, depth - 1);
    lr_buf_putc(b, ')');
    break;
  case 2:
    lr_buf_puts(b, "!(");
    expr(r, b, depth - 1);
    lr_buf_putc(b, ')');
    break;
  default:
    lr_buf_puts(b, "(if ");
    expr(r, b, depth - 1);
    lr_buf_puts(b, " then ");
    expr(r, b, depth - 1);
    lr_buf_puts(b, " else ");
    expr(r, b, depth - 1);
    lr_buf_putc(b, ')');
    break;
  }
}

/* One policy; *slots gets 1 (principal) | 2 (resource) for templates. */
static void policy(rng *r, lr_buf *b, int *slots) {
  static const char *effects[] = {"permit", "permit", "permit", "forbid",
                                  "forbid", "mask",   "limit"};
  int eff = pick(r, 7);
  *slots = 0;
  lr_buf_printf(b, "%s (", effects[eff]);
  switch (pick(r, 7)) {
  case 0: lr_buf_printf(b, "principal == User::\"u%d\"", pick(r, NUSER)); break;
  case 1: lr_buf_printf(b, "principal in Group::\"g%d\"", pick(r, NGROUP)); break;
  case 2: lr_buf_puts(b, "principal is User"); break;
  case 3: lr_buf_printf(b, "principal is User in Group::\"g%d\"", pick(r, NGROUP)); break;
  case 4:
    lr_buf_puts(b, "principal in ?principal");
    *slots |= 1;
    break;
  default: lr_buf_puts(b, "principal"); break;
  }
  switch (pick(r, 6)) {
  case 0: lr_buf_printf(b, ", action == Action::\"a%d\"", pick(r, NACT)); break;
  case 1: lr_buf_printf(b, ", action in Action::\"ag%d\"", pick(r, NAG)); break;
  case 2:
    lr_buf_printf(b, ", action in [Action::\"a%d\", Action::\"ag%d\"]", pick(r, NACT),
                  pick(r, NAG));
    break;
  case 3: lr_buf_puts(b, chance(r, 20) ? ", action in []" : ", action"); break;
  default: lr_buf_puts(b, ", action"); break;
  }
  switch (pick(r, 7)) {
  case 0: lr_buf_printf(b, ", resource == Doc::\"d%d\")", pick(r, NDOC)); break;
  case 1: lr_buf_printf(b, ", resource in Folder::\"f%d\")", pick(r, NFOLDER)); break;
  case 2: lr_buf_puts(b, ", resource is Doc)"); break;
  case 3: lr_buf_printf(b, ", resource is Doc in Folder::\"f%d\")", pick(r, NFOLDER)); break;
  case 4:
    lr_buf_puts(b, ", resource == ?resource)");
    *slots |= 2;
    break;
  default: lr_buf_puts(b, ", resource)"); break;
  }
  /* a condition starting with `operand == "literal"`: indexed by value when
   * the scope names no principal or only its type (compile_index.h); six
   * operands for at most four indexed */
  if (chance(r, 25)) {
    static const char *eqs[] = {"principal.getTag(\"t\") == \"x\"",
                                "principal.getTag(\"t\") == \"y\"",
                                "principal.name == \"u%d\"", "context.s == \"abc\"",
                                "context.s == \"\"", "principal.manager.name == \"u%d\"",
                                "context.rec.a.b == \"u%d\"", "resource.title == \"t%d\""};
    lr_buf_puts(b, chance(r, 80) ? " when { " : " unless { ");
    lr_buf_printf(b, eqs[pick(r, 8)], pick(r, 3));
    if (chance(r, 60)) lr_buf_puts(b, " && "), expr(r, b, 2);
    lr_buf_puts(b, " }");
  }
  for (int c = pick(r, 4); c > 0; c--) {
    lr_buf_puts(b, chance(r, 70) ? " when { " : " unless { ");
    expr(r, b, 3);
    lr_buf_puts(b, " }");
  }
  if (eff >= 5) lr_buf_puts(b, " with { max: 1 }");
  lr_buf_puts(b, ";\n");
}

static void uid_json(lr_buf *b, const char *type, const char *prefix, int i) {
  lr_buf_printf(b, "{\"type\": \"%s\", \"id\": \"%s%d\"}", type, prefix, i);
}

/* An entities document: each entity present with probability 85%,
 * parents only towards higher indices (no cycles). */
static void entities(rng *r, lr_buf *b) {
  lr_buf_putc(b, '[');
  bool first = true;
#define SEP() (first ? (first = false, "") : ",\n")
  for (int i = 0; i < NUSER; i++) {
    if (!chance(r, 85)) continue;
    lr_buf_printf(b, "%s{\"uid\": ", SEP());
    uid_json(b, "User", "u", i);
    lr_buf_puts(b, ", \"attrs\": {");
    lr_buf_printf(b, "\"name\": \"u%d\"", i);
    if (chance(r, 80)) lr_buf_printf(b, ", \"age\": %d", pick(r, 40));
    if (chance(r, 50)) {
      lr_buf_puts(b, ", \"manager\": {\"__entity\": ");
      uid_json(b, "User", "u", pick(r, NUSER));
      lr_buf_putc(b, '}');
    }
    lr_buf_puts(b, "}, \"parents\": [");
    for (int g = 0, n = 0; g < NGROUP; g++)
      if (chance(r, 30)) lr_buf_puts(b, n++ ? ", " : ""), uid_json(b, "Group", "g", g);
    lr_buf_puts(b, "]");
    if (chance(r, 10))
      lr_buf_puts(b, ", \"tags\": {\"t\": 1}"); /* not a string: == "x" is false */
    else if (chance(r, 50))
      lr_buf_printf(b, ", \"tags\": {\"t\": \"%s\"}", chance(r, 50) ? "x" : "y");
    lr_buf_puts(b, "}");
  }
  for (int g = 0; g < NGROUP; g++) {
    if (!chance(r, 85)) continue;
    lr_buf_printf(b, "%s{\"uid\": ", SEP());
    uid_json(b, "Group", "g", g);
    lr_buf_puts(b, ", \"attrs\": {}, \"parents\": [");
    for (int h = g + 1, n = 0; h < NGROUP; h++)
      if (chance(r, 40)) lr_buf_puts(b, n++ ? ", " : ""), uid_json(b, "Group", "g", h);
    lr_buf_puts(b, "]}");
  }
  for (int d = 0; d < NDOC; d++) {
    if (!chance(r, 85)) continue;
    lr_buf_printf(b, "%s{\"uid\": ", SEP());
    uid_json(b, "Doc", "d", d);
    lr_buf_puts(b, ", \"attrs\": {\"owner\": {\"__entity\": ");
    uid_json(b, "User", "u", pick(r, NUSER));
    lr_buf_puts(b, "}");
    if (chance(r, 70)) lr_buf_printf(b, ", \"level\": %d", pick(r, 5));
    if (chance(r, 70)) lr_buf_printf(b, ", \"public\": %s", chance(r, 50) ? "true" : "false");
    if (chance(r, 10))
      lr_buf_puts(b, ", \"title\": 2"); /* not a string */
    else if (chance(r, 70))
      lr_buf_printf(b, ", \"title\": \"t%d\"", pick(r, 3));
    lr_buf_puts(b, "}, \"parents\": [");
    if (chance(r, 70)) uid_json(b, "Folder", "f", pick(r, NFOLDER));
    lr_buf_puts(b, "]}");
  }
  for (int f = 0; f < NFOLDER; f++) {
    if (!chance(r, 85)) continue;
    lr_buf_printf(b, "%s{\"uid\": ", SEP());
    uid_json(b, "Folder", "f", f);
    lr_buf_puts(b, ", \"attrs\": {}, \"parents\": [");
    if (f + 1 < NFOLDER && chance(r, 50)) uid_json(b, "Folder", "f", f + 1);
    lr_buf_puts(b, "]}");
  }
  for (int a = 0; a < NACT; a++) {
    if (!chance(r, 85)) continue;
    lr_buf_printf(b, "%s{\"uid\": ", SEP());
    uid_json(b, "Action", "a", a);
    lr_buf_puts(b, ", \"attrs\": {}, \"parents\": [");
    for (int g = 0, n = 0; g < NAG; g++)
      if (chance(r, 50)) lr_buf_puts(b, n++ ? ", " : ""), uid_json(b, "Action", "ag", g);
    lr_buf_puts(b, "]}");
  }
#undef SEP
  lr_buf_putc(b, ']');
}

static void context(rng *r, lr_buf *b) {
  static const char *strs[] = {"abc", "a*c", "", "xyz", "abcabc", "*", "ab", "c"};
  static const char *ips[] = {"10.1.2.3", "127.0.0.1", "192.168.0.1", "::1"};
  static const long long ns[] = {0, 1, 5, -3, 9223372036854775807LL, -9223372036854775807LL - 1};
  lr_buf_puts(b, "{\"flag\": ");
  lr_buf_puts(b, chance(r, 50) ? "true" : "false");
  if (chance(r, 85)) lr_buf_printf(b, ", \"n\": %lld", ns[pick(r, 6)]);
  if (chance(r, 10))
    lr_buf_puts(b, ", \"s\": 7");
  else if (chance(r, 85))
    lr_buf_printf(b, ", \"s\": \"%s\"", strs[pick(r, 8)]);
  if (chance(r, 85)) {
    lr_buf_puts(b, ", \"set\": [");
    for (int i = 0, n = 0; i < 5; i++)
      if (chance(r, 40)) lr_buf_printf(b, "%s%d", n++ ? ", " : "", i);
    lr_buf_putc(b, ']');
  }
  if (chance(r, 70))
    lr_buf_printf(b, ", \"ip\": {\"__extn\": {\"fn\": \"ip\", \"arg\": \"%s\"}}", ips[pick(r, 4)]);
  else if (chance(r, 50))
    lr_buf_puts(b, ", \"ip\": \"10.0.0.1\"");
  if (chance(r, 50))
    lr_buf_printf(b, ", \"rec\": {\"a\": {\"b\": %s}}", chance(r, 50) ? "true" : "1");
  lr_buf_putc(b, '}');
}

static const lr_uid *rand_uid(rng *r, lr_arena *a, bool action) {
  char id[16];
  if (action) {
    if (chance(r, 80)) {
      snprintf(id, sizeof id, "a%d", pick(r, NACT));
    } else {
      snprintf(id, sizeof id, "ag%d", pick(r, NAG));
    }
    return lr_uid_new(a, LR_STR("Action"), lr_str_c(id));
  }
  static const char *types[] = {"User", "Group", "Doc", "Folder"};
  static const char pre[] = {'u', 'g', 'd', 'f'};
  static const int counts[] = {NUSER, NGROUP, NDOC, NFOLDER};
  int k = pick(r, 4);
  snprintf(id, sizeof id, "%c%d", pre[k], pick(r, counts[k] + 1)); /* one id never present */
  return lr_uid_new(a, lr_str_c(types[k]), lr_str_c(id));
}

static lr_entities *make_store(rng *r, lr_buf *text) {
  lr_buf_clear(text);
  entities(r, text);
  lr_diags d = {0};
  lr_entities *es = lr_entities_from_json(text->p, text->len, "gen", NULL, &d);
  cr_assert(es, "entities: %s", d.n ? d.items[0].msg : "?");
  lr_diags_free(&d);
  return es;
}

/* Links every template of set once or twice with random uids. */
static void link_templates(rng *r, lr_arena *a, lr_policy_set *set, const int *slots) {
  lr_diags d = {0};
  int k = 0;
  for (size_t i = 0; i < set->npolicies; i++) {
    const lr_policy *p = set->policies[i];
    if (!p->is_template) continue;
    for (int n = 1 + pick(r, 2); n > 0; n--) {
      char id[32];
      snprintf(id, sizeof id, "link%d", k++);
      const lr_uid *pu = (slots[p->index] & 1) ? rand_uid(r, a, false) : NULL;
      const lr_uid *ru = (slots[p->index] & 2) ? rand_uid(r, a, false) : NULL;
      cr_assert_eq(lr_policy_set_link(a, set, p->id, lr_arena_strdup(a, id), pu, ru, NULL, &d),
                   LR_OK, "link %s: %s", p->id, d.n ? d.items[0].msg : "?");
    }
  }
  lr_diags_free(&d);
}

/* Generates sets of minpol to minpol + spread - 1 policies (seed) and holds
 * the compiled path to the interpreter on 30 requests each. */
static void check_sets(uint64_t seed, int minpol, int spread) {
  rng r = {seed};
  size_t requests = 0, sets = 0, allows = 0, errors = 0, guards = 0, bound = 0, by_value = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  lr_buf pol = {0}, ents = {0}, ctx = {0};
  for (; sets < 1000; sets++) {
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (t1.tv_sec - t0.tv_sec > 20) break; /* bounded (slow sanitizer builds) */
    lr_arena *a = lr_arena_new(0);
    lr_buf_clear(&pol);
    int npol = minpol + pick(&r, spread), slots[64] = {0};
    for (int i = 0; i < npol; i++) policy(&r, &pol, &slots[i]);
    lr_source *src = LR_NEW(a, lr_source);
    *src = (lr_source){"gen.cedar", lr_arena_strdup(a, pol.p), pol.len};
    lr_policy_set set = {0};
    lr_diags d = {0};
    lr_status st = lr_policy_set_add_source(a, &set, src, 0, &d);
    cr_assert_eq(st, LR_OK, "generated policies do not parse: %s\n%s", d.n ? d.items[0].msg : "",
                 pol.p);
    lr_diags_free(&d);
    link_templates(&r, a, &set, slots);
    lr_cset *c = lr_cset_compile(&set, NULL);
    lr_entities *stores[2] = {make_store(&r, &ents), make_store(&r, &ents)};
    /* the same set bound to the first store (lr_cset_bind): its entities'
     * keys come from the table, the second store's are looked up */
    lr_cset *cb = lr_cset_compile(&set, NULL);
    lr_cset_bind(cb, stores[0]);
    lr_cset_stats bst;
    lr_cset_get_stats(cb, &bst);
    cr_assert_eq(bst.bound, lr_entities_count(stores[0]));
    bound += bst.bound;
    by_value += bst.by_value;
    lr_arena *ra = lr_arena_new(0);
    for (int q = 0; q < 30; q++, requests++) {
      lr_request req = {rand_uid(&r, ra, false), rand_uid(&r, ra, true), rand_uid(&r, ra, false),
                        lr_value_empty_record()};
      lr_buf_clear(&ctx);
      context(&r, &ctx);
      json_t *j = lr_json_parse(ctx.p, ctx.len, "ctx", &d);
      cr_assert(j);
      cr_assert_eq(lr_context_from_json(ra, j, NULL, req.action, "ctx", &d, &req.context), LR_OK);
      json_decref(j);
      const lr_entities *es = stores[q % 2];
      lr_decision di, dc[2];
      lr_authorize(ra, set.insts, set.ninsts, es, &req, &di);
      const lr_cset *compiled[2] = {c, cb};
      static const char *const how[2] = {"compiled", "compiled bound to store 0"};
      for (int v = 0; v < 2; v++) {
        lr_cset_authorize(compiled[v], ra, es, &req, &dc[v]);
        lr_buf why = {0};
        if (!lr_decision_same(&di, &dc[v], &why)) {
          lr_buf rq = {0};
          lr_uid_print(req.principal, &rq), lr_buf_puts(&rq, ", ");
          lr_uid_print(req.action, &rq), lr_buf_puts(&rq, ", ");
          lr_uid_print(req.resource, &rq);
          cr_assert_fail("set %zu request %d (store %d): interpreter vs %s differ: %s\n"
                         "policies:\n%s\nrequest: %s context %s\n",
                         sets, q, q % 2, how[v], why.p, pol.p, rq.p, ctx.p);
        }
        lr_buf_free(&why);
      }
      allows += di.allow, errors += di.nerrors > 0, guards += di.nguards > 0;
      lr_arena_reset(ra);
    }
    lr_arena_free(ra);
    lr_entities_release(stores[0]);
    lr_entities_release(stores[1]);
    lr_cset_unref(c);
    lr_cset_unref(cb);
    lr_arena_free(a);
  }
  lr_buf_free(&pol), lr_buf_free(&ents), lr_buf_free(&ctx);
  cr_log_info("%zu sets, %zu requests: %zu allowed, %zu with errors, %zu with guards", sets,
              requests, allows, errors, guards);
  /* The workload must exercise every outcome, or it proves little. */
  cr_expect_geq(requests, 3000); /* 30,000 unless the time bound hit */
  cr_expect_gt(allows, requests / 20);
  cr_expect_gt(errors, requests / 20);
  cr_expect_gt(guards, requests / 50);
  cr_expect_gt(bound, sets); /* the bound stores held entities */
  cr_expect_gt(by_value, sets / 10); /* policies indexed by value (or only scanned) */
}

/* Sets of 1 to 12 policies: scanned in full up to SCAN_MAX (7), indexed
 * above. */
Test(compile_gen, compiled_equals_interpreter_on_generated_sets) {
  check_sets(0x6c617263682d3432ull, 1, 12);
}

/* Sets of 13 to 60 policies: decided through the scope index (exact, so
 * scopes are not checked again there). */
Test(compile_gen, compiled_equals_interpreter_on_indexed_sets) {
  check_sets(0x696e6465782d3133ull, 13, 48);
}
