/*
 * link.c — policy sets as `larch authorize` and the conformance runner load
 * them: policies from a file or a folder, numbered as Cedar numbers them
 * (policy0, policy1, ... in text order, templates included), and template
 * links from Cedar's JSON policy-set link format
 *   [{"templateId": "policy0", "newId": "link1",
 *     "values": {"?principal": {"type": "User", "id": "alice"}}}]
 * (cedar-policy-core/src/est/policy_set.rs; a linked policy is decided and
 * reported under its newId). Folders are walked by the caller (the CLI's
 * lr_cli_walk), file by file.
 */
#include <errno.h>
#include <string.h>

#include "json_internal.h"
#include "policy.h"

static void free_map(void *m) { lr_map_free(m); }

/* Appends an instance (amortised: the array doubles in the arena) and
 * indexes its id. */
static void push_inst(lr_arena *a, lr_policy_set *set, lr_policy_inst inst) {
  if (set->ninsts == set->insts_cap) {
    size_t cap = set->insts_cap ? set->insts_cap * 2 : 16;
    lr_policy_inst *n = LR_NEW_N(a, lr_policy_inst, cap);
    if (set->ninsts) memcpy(n, set->insts, set->ninsts * sizeof *n);
    set->insts = n, set->insts_cap = cap;
  }
  set->insts[set->ninsts++] = inst;
}

/* ids → the parsed policy, or &link_marker for a link's id */
static const char link_marker = 0;

static void index_id(lr_arena *a, lr_policy_set *set, const char *id, const void *what) {
  if (!set->ids) {
    set->ids = LR_NEW(a, lr_map);
    lr_arena_on_free(a, free_map, set->ids);
  }
  lr_map_put(set->ids, lr_str_c(id), (void *)what);
}

lr_status lr_policy_set_add_source(lr_arena *a, lr_policy_set *set, const lr_source *src,
                                   unsigned flags, lr_diags *d) {
  lr_policy_list list;
  if (lr_parse_policies_opts(a, src, set->next_id, flags, d, &list) != LR_OK) return LR_ERR;
  set->next_id = list.next_id;
  set->last_src = src;
  const lr_policy **ps = LR_NEW_N(a, const lr_policy *, set->npolicies + list.n + 1);
  if (set->npolicies) memcpy(ps, set->policies, set->npolicies * sizeof *ps);
  for (size_t i = 0; i < list.n; i++) {
    ps[set->npolicies + i] = list.items[i];
    index_id(a, set, list.items[i]->id, list.items[i]);
    if (!list.items[i]->is_template)
      push_inst(a, set, (lr_policy_inst){.id = list.items[i]->id, .ast = list.items[i]});
  }
  set->policies = ps;
  set->npolicies += list.n;
  return LR_OK;
}

lr_status lr_policy_set_add_file(lr_arena *a, lr_policy_set *set, const char *path, unsigned flags,
                                 lr_diags *d) {
  lr_buf text = {0};
  if (lr_buf_read_file(&text, path) != LR_OK) {
    lr_diag_error(d, "E0001", NULL, 0, 0, "%s: cannot read: %s", path, strerror(errno));
    lr_buf_free(&text);
    return LR_ERR;
  }
  lr_source *src = LR_NEW(a, lr_source);
  src->name = lr_arena_strdup(a, path);
  src->text = lr_arena_strndup(a, text.p ? text.p : "", text.len);
  src->len = text.len;
  lr_buf_free(&text);
  return lr_policy_set_add_source(a, set, src, flags, d);
}

static bool id_taken(const lr_policy_set *set, const char *id) {
  return set->ids && lr_map_get(set->ids, lr_str_c(id));
}

static bool uses_slot(const lr_policy *p, lr_slot slot) {
  const lr_scope *s = slot == LR_SLOT_PRINCIPAL ? &p->principal : &p->resource;
  return s->is_slot && (s->op == LR_SCOPE_EQ || s->op == LR_SCOPE_IN || s->op == LR_SCOPE_IS_IN);
}

static lr_status link_error(lr_diags *d, const char *file, const json_path *p, const char *fmt,
                            const char *a1, const char *a2) {
  json_error(d, LR_JSON_E_VALUE, file, p, fmt, a1, a2);
  return LR_ERR;
}

static lr_status link_at(lr_arena *a, lr_policy_set *set, const char *template_id,
                         const char *new_id, const lr_uid *principal, const lr_uid *resource,
                         const char *file, const json_path *p, lr_diags *d) {
  const void *known = set->ids ? lr_map_get(set->ids, lr_str_c(template_id)) : NULL;
  const lr_policy *t = known && known != &link_marker ? known : NULL;
  if (!t) return link_error(d, file, p, "no template with id \"%s\"%s", template_id, "");
  if (!t->is_template)
    return link_error(d, file, p, "\"%s\" is a static policy, not a template%s", template_id, "");
  if (id_taken(set, new_id))
    return link_error(d, file, p, "the id \"%s\" is already used%s", new_id, "");
  bool need_p = uses_slot(t, LR_SLOT_PRINCIPAL), need_r = uses_slot(t, LR_SLOT_RESOURCE);
  if (need_p != (principal != NULL))
    return link_error(d, file, p,
                      need_p ? "template \"%s\" needs a value for ?principal%s"
                             : "template \"%s\" has no ?principal slot%s",
                      template_id, "");
  if (need_r != (resource != NULL))
    return link_error(d, file, p,
                      need_r ? "template \"%s\" needs a value for ?resource%s"
                             : "template \"%s\" has no ?resource slot%s",
                      template_id, "");
  const char *id = lr_arena_strdup(a, new_id);
  index_id(a, set, id, &link_marker);
  push_inst(
      a, set,
      (lr_policy_inst){.id = id, .ast = t, .slot_principal = principal, .slot_resource = resource});
  return LR_OK;
}

lr_status lr_policy_set_link(lr_arena *a, lr_policy_set *set, const char *template_id,
                             const char *new_id, const lr_uid *principal, const lr_uid *resource,
                             const char *file, lr_diags *d) {
  return link_at(a, set, template_id, new_id, principal, resource, file, NULL, d);
}

static lr_status one_link(lr_arena *a, lr_policy_set *set, const json_t *l, json_cx *c) {
  if (!json_is_object(l)) {
    json_error(c->d, LR_JSON_E_SHAPE, c->file, &c->path, "expected a link object, got %s",
               json_kind_name(l));
    return LR_ERR;
  }
  const json_t *tid = json_object_get(l, "templateId"), *nid = json_object_get(l, "newId");
  const json_t *vals = json_object_get(l, "values");
  if (!json_is_string(tid) || !json_is_string(nid)) {
    json_error(c->d, LR_JSON_E_SHAPE, c->file, &c->path,
               "a link needs string \"templateId\" and \"newId\"");
    return LR_ERR;
  }
  if (vals && !json_is_object(vals)) {
    json_error(c->d, LR_JSON_E_SHAPE, c->file, &c->path, "\"values\" must be an object");
    return LR_ERR;
  }
  const lr_uid *slots[2] = {NULL, NULL};
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)vals, key, v) {
    int k = strcmp(key, "?principal") == 0 ? 0 : strcmp(key, "?resource") == 0 ? 1 : -1;
    size_t m = json_path_push_key(&c->path, "values", 6);
    size_t mk = json_path_push_key(&c->path, key, strlen(key));
    lr_status st = LR_OK;
    if (k < 0) {
      json_error(c->d, LR_JSON_E_SHAPE, c->file, &c->path,
                 "unknown slot (only ?principal and ?resource exist)");
      st = LR_ERR;
    } else {
      st = lr_json_uid(a, v, true, c->file, c->path.buf.p, c->d, &slots[k]);
    }
    json_path_pop(&c->path, mk);
    json_path_pop(&c->path, m);
    if (st != LR_OK) return st;
  }
  return link_at(a, set, json_string_value(tid), json_string_value(nid), slots[0], slots[1],
                 c->file, &c->path, c->d);
}

lr_status lr_policy_set_link_json(lr_arena *a, lr_policy_set *set, const char *text, size_t len,
                                  const char *file, lr_diags *d) {
  json_t *doc = lr_json_parse(text, len, file, d);
  if (!doc) return LR_ERR;
  json_cx c = {.a = a, .file = file, .d = d};
  lr_status st = LR_OK;
  if (!json_is_array(doc)) {
    json_error(d, LR_JSON_E_SHAPE, file, NULL, "expected an array of links, got %s",
               json_kind_name(doc));
    st = LR_ERR;
  }
  for (size_t i = 0, n = json_array_size(doc); i < n && st == LR_OK; i++) {
    size_t m = json_path_push_index(&c.path, i);
    st = one_link(a, set, json_array_get(doc, i), &c);
    json_path_pop(&c.path, m);
  }
  lr_buf_free(&c.path.buf);
  json_decref(doc);
  return st;
}
