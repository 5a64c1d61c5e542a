/*
 * schema_text.c — recursive-descent parser for the human-readable Cedar
 * schema format (`.cedarschema`), into the raw schema model.
 *
 * Grammar (cedar-policy-core validator/cedar_schema/grammar.lalrpop; docs
 * "Cedar schema grammar"):
 *
 *   Schema    := {Annotation} (Namespace | Decl) ...
 *   Namespace := 'namespace' Path '{' {{Annotation} Decl} '}'
 *   Decl      := Entity | Action | TypeDecl
 *   Entity    := 'entity' Idents ['in' EntTypes] [['='] RecType] ['tags' Type] ';'
 *              | 'entity' Idents 'enum' '[' STR {',' STR} ']' ';'
 *   Action    := 'action' Names ['in' QualNames] ['appliesTo' '{' AppDecls '}']
 *                ['attributes' '{' '}'] ';'
 *   TypeDecl  := 'type' IDENT '=' Type ';'
 *   AppDecls  := ('principal' | 'resource') ':' EntTypes | 'context' ':' (Path | RecType),
 *                comma separated, trailing comma allowed
 *   Type      := Path | 'Set' '<' Type '>' | RecType
 *   RecType   := '{' [{Annotation} Name ['?'] ':' Type {',' …} [',']] '}'
 *   QualName  := Name | Path '::' STR        Name := IDENT | STR
 *   EntTypes  := Path | '[' [Path {',' Path}] ']'
 *   Annotation:= '@' ANYIDENT ['(' STR ')']
 *
 * Keywords of the schema grammar (entity, type, Set, …) are ordinary words
 * and may be used as names; Cedar's reserved words (true, in, …) may not.
 * Errors are collected: after one, the parser skips to the end of the
 * declaration (`;` at its brace depth, or the `}` closing the namespace) and
 * goes on. Record/set nesting is capped at LR_SCHEMA_MAX_DEPTH.
 */
#include <setjmp.h>
#include <string.h>

#include "lexer.h"
#include "schema_int.h"

typedef struct parser {
  lr_schema *s;
  lr_arena *a;
  const lr_source *src;
  lr_diags *d;
  lr_lexer lx;
  lr_token tok;
  size_t prev_end;       /* end of the last consumed token */
  lr_tok_kind prev_kind; /* kind of the last consumed token */
  int braces;            /* `{` minus `}` consumed so far */
  int depth;             /* current type nesting */
  lr_str ns;             /* current namespace ("" at top level) */
  lr_buf sbuf;
  size_t errors0;
  jmp_buf *bail; /* where errors unwind to: the current declaration */
} parser;

#define SP(s) (int)(s).n, (s).p

/* Reads the next token, reporting (and skipping) lexical errors. */
static void advance(parser *p) {
  p->prev_end = p->tok.end;
  p->prev_kind = p->tok.kind;
  for (;;) {
    p->tok = lr_lexer_next(&p->lx);
    if (p->tok.kind != LR_TOK_ERROR) break;
    lr_lex_report(p->src, &p->tok, p->d);
  }
}

static _Noreturn void fail_at(parser *p, const char *code, size_t off, size_t end, const char *fmt,
                              ...) LR_PRINTF(5, 6);
static _Noreturn void fail_at(parser *p, const char *code, size_t off, size_t end, const char *fmt,
                              ...) {
  va_list ap;
  va_start(ap, fmt);
  lr_diags_vadd(p->d, LR_SEV_ERROR, code, p->src, off, end, fmt, ap);
  va_end(ap);
  longjmp(*p->bail, 1);
}

static _Noreturn void unexpected(parser *p, const char *wanted) {
  lr_str t = lr_tok_text(p->src, &p->tok);
  if (p->tok.kind == LR_TOK_EOF)
    fail_at(p, LR_SCHEMA_E_SYNTAX, p->tok.off, p->tok.end, "expected %s, found end of input",
            wanted);
  if (t.n > 40) t.n = 40;
  fail_at(p, LR_SCHEMA_E_SYNTAX, p->tok.off, p->tok.end, "expected %s, found `%.*s`", wanted,
          SP(t));
}

static bool at(parser *p, lr_tok_kind k) { return p->tok.kind == k; }
static bool at_word(parser *p, const char *w) {
  return lr_tok_is_word(p->tok.kind) && lr_tok_is(p->src, &p->tok, w);
}

static void consume(parser *p) {
  if (p->tok.kind == LR_TOK_LBRACE)
    p->braces++;
  else if (p->tok.kind == LR_TOK_RBRACE)
    p->braces--;
  advance(p);
}

static bool accept(parser *p, lr_tok_kind k) {
  if (!at(p, k)) return false;
  consume(p);
  return true;
}

static void expect(parser *p, lr_tok_kind k) {
  if (!accept(p, k)) unexpected(p, lr_tok_name(k));
}

/* ---- names and literals ------------------------------------------------- */

/* Any word (keywords included); returns its text. */
static lr_str any_ident(parser *p, const char *wanted) {
  if (!lr_tok_is_word(p->tok.kind)) unexpected(p, wanted);
  lr_str s = lr_tok_text(p->src, &p->tok);
  consume(p);
  return s;
}

/* A word that is not one of Cedar's reserved identifiers. */
static lr_str ident(parser *p, const char *wanted) {
  size_t off = p->tok.off, end = p->tok.end;
  lr_str s = any_ident(p, wanted);
  if (lr_schema_is_reserved(s))
    fail_at(p, LR_SCHEMA_E_RESERVED, off, end, "`%.*s` is a reserved identifier", SP(s));
  return s;
}

/* A string literal, decoded into the arena. */
static lr_str string_lit(parser *p) {
  if (!at(p, LR_TOK_STRING)) unexpected(p, "string literal");
  /* Cedar reads text as UTF-8; the lexer passes string bodies through. */
  size_t bad = lr_utf8_check(p->src->text + p->tok.off, p->tok.end - p->tok.off);
  if (bad < p->tok.end - p->tok.off)
    fail_at(p, "E0105", p->tok.off + bad, p->tok.off + bad + 1,
            "invalid UTF-8 byte sequence in a string");
  if (lr_lex_unescape(p->src, &p->tok, &p->sbuf, p->d) != LR_OK) longjmp(*p->bail, 1);
  lr_str s = lr_str_dup(p->a, lr_buf_str(&p->sbuf));
  consume(p);
  return s;
}

/* Name := IDENT | STR */
static lr_str name(parser *p, const char *wanted) {
  if (at(p, LR_TOK_STRING)) return string_lit(p);
  if (!lr_tok_is_word(p->tok.kind)) unexpected(p, wanted);
  return ident(p, wanted);
}

/* Path := IDENT {'::' IDENT}; stops before `::` followed by a string. */
static lr_str path(parser *p, const char *wanted) {
  size_t off = p->tok.off;
  ident(p, wanted);
  while (at(p, LR_TOK_COLONCOLON)) {
    lr_lexer save = p->lx;
    lr_token next = lr_lexer_next(&save);
    if (next.kind == LR_TOK_STRING) break;
    consume(p);
    ident(p, "identifier");
  }
  return lr_str_dup(p->a, lr_str_make(p->src->text + off, p->prev_end - off));
}

/* ---- annotations -------------------------------------------------------- */

static lr_schema_annots *annotations(parser *p) {
  lr_schema_annots *an = LR_NEW(p->a, lr_schema_annots);
  while (at(p, LR_TOK_AT)) {
    size_t off = p->tok.off;
    consume(p);
    lr_str key = any_ident(p, "annotation name");
    lr_str val = LR_STR("");
    if (accept(p, LR_TOK_LPAREN)) {
      val = string_lit(p);
      expect(p, LR_TOK_RPAREN);
    }
    lr_schema_annot_add(p->a, an, key, val, off, p->prev_end, p->src, p->d);
  }
  return an;
}

/* ---- types -------------------------------------------------------------- */

static lr_stype *type(parser *p);

/* RecType := '{' [AttrDecls] '}' with the `{` current. */
static lr_stype *record_type(parser *p) {
  size_t off = p->tok.off;
  if (++p->depth > LR_SCHEMA_MAX_DEPTH)
    fail_at(p, LR_SCHEMA_E_NESTING, off, off + 1, "types are nested deeper than %d levels",
            LR_SCHEMA_MAX_DEPTH);
  expect(p, LR_TOK_LBRACE);
  lr_ptrvec attrs = {0};
  while (!at(p, LR_TOK_RBRACE)) {
    lr_sattr *at_ = LR_NEW(p->a, lr_sattr);
    at_->annots = annotations(p);
    at_->off = p->tok.off;
    at_->name = name(p, "attribute name");
    at_->end = p->prev_end;
    at_->required = !accept(p, LR_TOK_QUESTION);
    expect(p, LR_TOK_COLON);
    at_->type = type(p);
    lr_ptrvec_push(p->a, &attrs, at_);
    if (!accept(p, LR_TOK_COMMA)) break;
  }
  if (!at(p, LR_TOK_RBRACE)) unexpected(p, "`,` or `}`");
  consume(p);
  lr_stype *t = lr_stype_new(p->a, LR_STYPE_RECORD, off, p->prev_end);
  t->nattrs = attrs.n;
  t->attrs = LR_NEW_N(p->a, lr_sattr, attrs.n ? attrs.n : 1);
  for (size_t i = 0; i < attrs.n; i++) t->attrs[i] = *(lr_sattr *)attrs.items[i];
  p->depth--;
  return t;
}

/* A reference written as a path, resolved later by lr_schema_check. */
static lr_stype *type_ref(parser *p, int ref) {
  size_t off = p->tok.off;
  lr_str n = path(p, "type");
  lr_stype *t = lr_stype_new(p->a, LR_STYPE_REF, off, p->prev_end);
  t->name = n;
  t->ns = p->ns;
  t->ref = ref;
  return t;
}

/* Type := Path | 'Set' '<' Type '>' | RecType */
static lr_stype *type(parser *p) {
  if (at(p, LR_TOK_LBRACE)) return record_type(p);
  if (at_word(p, "Set")) {
    lr_lexer save = p->lx;
    lr_token next = lr_lexer_next(&save);
    if (next.kind == LR_TOK_LT) {
      size_t off = p->tok.off;
      if (++p->depth > LR_SCHEMA_MAX_DEPTH)
        fail_at(p, LR_SCHEMA_E_NESTING, off, p->tok.end, "types are nested deeper than %d levels",
                LR_SCHEMA_MAX_DEPTH);
      consume(p);
      consume(p);
      lr_stype *elem = type(p);
      expect(p, LR_TOK_GT);
      p->depth--;
      lr_stype *t = lr_stype_new(p->a, LR_STYPE_SET, off, p->prev_end);
      t->elem = elem;
      return t;
    }
  }
  if (!lr_tok_is_word(p->tok.kind)) unexpected(p, "a type");
  return type_ref(p, LR_REF_EITHER);
}

/* EntTypes := Path | '[' [Path {',' Path}] ']' (no trailing comma) */
static void ent_types(parser *p, lr_tref **out, size_t *n) {
  lr_ptrvec v = {0};
  bool list = accept(p, LR_TOK_LBRACKET);
  if (!list || !at(p, LR_TOK_RBRACKET)) {
    do {
      lr_tref *r = LR_NEW(p->a, lr_tref);
      r->off = p->tok.off;
      r->raw = path(p, "entity type");
      r->end = p->prev_end;
      lr_ptrvec_push(p->a, &v, r);
    } while (list && accept(p, LR_TOK_COMMA));
  }
  if (list && !at(p, LR_TOK_RBRACKET)) unexpected(p, "`,` or `]`");
  if (list) consume(p);
  *out = LR_NEW_N(p->a, lr_tref, v.n ? v.n : 1);
  for (size_t i = 0; i < v.n; i++) (*out)[i] = *(lr_tref *)v.items[i];
  *n = v.n;
}

/* ---- declarations ------------------------------------------------------- */

static void entity_decl(parser *p, lr_schema_annots *an) {
  consume(p); /* entity */
  lr_ptrvec names = {0}, spans = {0};
  do {
    size_t off = p->tok.off;
    lr_str n = ident(p, "entity type name");
    lr_ptrvec_push(p->a, &names, (void *)lr_str_dup(p->a, n).p);
    size_t *sp = LR_NEW_N(p->a, size_t, 3);
    sp[0] = off, sp[1] = p->prev_end, sp[2] = n.n;
    lr_ptrvec_push(p->a, &spans, sp);
  } while (accept(p, LR_TOK_COMMA));
  lr_schema_entity proto = {0};
  if (at_word(p, "enum")) {
    consume(p);
    expect(p, LR_TOK_LBRACKET);
    lr_ptrvec ch = {0};
    do {
      lr_str *s = LR_NEW(p->a, lr_str);
      *s = string_lit(p);
      lr_ptrvec_push(p->a, &ch, s);
    } while (accept(p, LR_TOK_COMMA));
    expect(p, LR_TOK_RBRACKET);
    proto.is_enum = true;
    proto.nchoices = ch.n;
    proto.choices = LR_NEW_N(p->a, lr_str, ch.n);
    for (size_t i = 0; i < ch.n; i++) proto.choices[i] = *(lr_str *)ch.items[i];
  } else {
    if (at(p, LR_TOK_KW_IN)) {
      consume(p);
      ent_types(p, &proto.parents, &proto.nparents);
    }
    if (accept(p, LR_TOK_EQ) && !at(p, LR_TOK_LBRACE)) unexpected(p, "`{`");
    if (at(p, LR_TOK_LBRACE)) proto.shape = record_type(p);
    if (at_word(p, "tags")) {
      consume(p);
      proto.tags = type(p);
    }
  }
  if (!at(p, LR_TOK_SEMI)) unexpected(p, proto.is_enum ? "`;`" : "`in`, `{`, `tags` or `;`");
  consume(p);
  for (size_t i = 0; i < names.n; i++) {
    lr_schema_entity *e = LR_NEW(p->a, lr_schema_entity);
    *e = proto;
    size_t *sp = spans.items[i];
    e->base = lr_str_make(names.items[i], sp[2]);
    e->ns = p->ns;
    e->name = lr_schema_join(p->a, p->ns, e->base);
    e->off = sp[0], e->end = sp[1];
    e->annots = an;
    lr_ptrvec_push(p->a, &p->s->entities, e);
  }
}

/* QualName := Name | Path '::' STR */
static void qual_name(parser *p, lr_aref *r) {
  r->off = p->tok.off;
  if (at(p, LR_TOK_STRING)) {
    r->id = string_lit(p);
  } else {
    lr_str t = path(p, "action name");
    if (accept(p, LR_TOK_COLONCOLON)) {
      r->type_raw = t;
      r->id = string_lit(p);
    } else {
      for (size_t i = 0; i < t.n; i++)
        if (t.p[i] == ':')
          fail_at(p, LR_SCHEMA_E_SYNTAX, r->off, p->prev_end,
                  "expected an action name or `Type::\"id\"`, found the path `%.*s`", SP(t));
      r->id = t;
    }
  }
  r->end = p->prev_end;
}

static void applies_to(parser *p, lr_schema_action *proto) {
  size_t off = p->tok.off;
  consume(p); /* appliesTo */
  expect(p, LR_TOK_LBRACE);
  bool seen[3] = {false, false, false};
  do {
    if (at(p, LR_TOK_RBRACE) && (seen[0] || seen[1] || seen[2])) break;
    size_t koff = p->tok.off, kend = p->tok.end;
    int which = at(p, LR_TOK_KW_PRINCIPAL)  ? 0
                : at(p, LR_TOK_KW_RESOURCE) ? 1
                : at(p, LR_TOK_KW_CONTEXT)  ? 2
                                            : -1;
    if (which < 0) unexpected(p, "`principal`, `resource` or `context`");
    consume(p);
    expect(p, LR_TOK_COLON);
    if (seen[which])
      fail_at(p, LR_SCHEMA_E_APPLIES, koff, kend, "`%s` is declared twice in appliesTo",
              which == 0   ? "principal"
              : which == 1 ? "resource"
                           : "context");
    seen[which] = true;
    if (which < 2) {
      ent_types(p, &proto->types[which], &proto->ntypes[which]);
    } else if (at(p, LR_TOK_LBRACE)) {
      proto->context = record_type(p);
    } else {
      proto->context = type_ref(p, LR_REF_COMMON);
    }
  } while (accept(p, LR_TOK_COMMA));
  expect(p, LR_TOK_RBRACE);
  for (int i = 0; i < 2; i++)
    if (!seen[i])
      fail_at(p, LR_SCHEMA_E_APPLIES, off, p->prev_end, "appliesTo must declare `%s`",
              i == 0 ? "principal" : "resource");
  proto->applies = true;
}

static void action_decl(parser *p, lr_schema_annots *an) {
  consume(p); /* action */
  lr_ptrvec names = {0};
  do {
    lr_aref *r = LR_NEW(p->a, lr_aref);
    r->off = p->tok.off;
    r->id = name(p, "action name");
    r->end = p->prev_end;
    lr_ptrvec_push(p->a, &names, r);
  } while (accept(p, LR_TOK_COMMA));
  lr_schema_action proto = {0};
  if (at(p, LR_TOK_KW_IN)) {
    consume(p);
    lr_ptrvec v = {0};
    bool list = accept(p, LR_TOK_LBRACKET);
    do {
      lr_aref *r = LR_NEW(p->a, lr_aref);
      qual_name(p, r);
      lr_ptrvec_push(p->a, &v, r);
    } while (list && accept(p, LR_TOK_COMMA));
    if (list) expect(p, LR_TOK_RBRACKET);
    proto.nparents = v.n;
    proto.parents = LR_NEW_N(p->a, lr_aref, v.n);
    for (size_t i = 0; i < v.n; i++) proto.parents[i] = *(lr_aref *)v.items[i];
  }
  if (at_word(p, "appliesTo")) applies_to(p, &proto);
  if (at_word(p, "attributes")) {
    size_t off = p->tok.off;
    consume(p);
    expect(p, LR_TOK_LBRACE);
    expect(p, LR_TOK_RBRACE);
    fail_at(p, LR_SCHEMA_E_SYNTAX, off, p->prev_end, "action attributes are not supported");
  }
  if (!at(p, LR_TOK_SEMI)) unexpected(p, "`in`, `appliesTo` or `;`");
  consume(p);
  lr_str type = lr_schema_join(p->a, p->ns, LR_STR("Action"));
  for (size_t i = 0; i < names.n; i++) {
    lr_aref *r = names.items[i];
    lr_schema_action *ac = LR_NEW(p->a, lr_schema_action);
    *ac = proto;
    ac->type = type;
    ac->ns = p->ns;
    ac->id = r->id;
    ac->off = r->off, ac->end = r->end;
    ac->annots = an;
    lr_ptrvec_push(p->a, &p->s->actions, ac);
  }
}

static void type_decl(parser *p, lr_schema_annots *an) {
  consume(p); /* type */
  lr_schema_common *t = LR_NEW(p->a, lr_schema_common);
  t->off = p->tok.off;
  t->base = ident(p, "common type name");
  t->end = p->prev_end;
  expect(p, LR_TOK_EQ);
  t->def = type(p);
  expect(p, LR_TOK_SEMI);
  t->ns = p->ns;
  t->name = lr_schema_join(p->a, p->ns, t->base);
  t->annots = an;
  lr_ptrvec_push(p->a, &p->s->commons, t);
}

static bool starts_decl(parser *p) {
  return at(p, LR_TOK_AT) || at(p, LR_TOK_KW_ACTION) || at_word(p, "entity") ||
         at_word(p, "type") || at_word(p, "namespace");
}

/* Skips to the end of the failed declaration: a `;` at the brace depth the
 * declaration started at (consumed), the `}` closing the enclosing namespace
 * (not consumed), a declaration keyword right after a `;` or `}` at that
 * depth (not consumed), or the end of input. */
static void resync(parser *p, int braces0) {
  size_t start = p->tok.off; /* stopping where the error was would loop */
  while (!at(p, LR_TOK_EOF)) {
    if (p->tok.off > start && p->braces == braces0 && starts_decl(p) &&
        (p->prev_kind == LR_TOK_SEMI || p->prev_kind == LR_TOK_RBRACE))
      return;
    if (p->braces == braces0 && at(p, LR_TOK_SEMI)) {
      consume(p);
      return;
    }
    if (p->braces <= braces0 && at(p, LR_TOK_RBRACE)) {
      p->braces = braces0; /* forget unbalanced opens of the failed decl */
      return;
    }
    consume(p);
  }
}

/* One declaration (with its annotations parsed by the caller). Returns false
 * when the current token starts no declaration. */
static bool decl(parser *p, lr_schema_annots *an) {
  if (at_word(p, "entity"))
    entity_decl(p, an);
  else if (at(p, LR_TOK_KW_ACTION))
    action_decl(p, an);
  else if (at_word(p, "type"))
    type_decl(p, an);
  else
    return false;
  return true;
}

static void namespace_decl(parser *p, lr_schema_annots *an) {
  size_t off = p->tok.off;
  consume(p); /* namespace */
  size_t noff = p->tok.off;
  lr_str n = path(p, "namespace name");
  lr_schema_ns *ns = LR_NEW(p->a, lr_schema_ns);
  ns->name = n;
  ns->off = noff, ns->end = p->prev_end;
  ns->annots = an;
  lr_ptrvec_push(p->a, &p->s->nss, ns);
  expect(p, LR_TOK_LBRACE);
  int braces0 = p->braces;
  p->ns = n;
  jmp_buf here, *outer = p->bail;
  p->bail = &here;
  while (!at(p, LR_TOK_RBRACE)) {
    if (at(p, LR_TOK_EOF)) {
      lr_diag_error(p->d, LR_SCHEMA_E_SYNTAX, p->src, off, off + 9,
                    "namespace `%.*s` is not closed", SP(n));
      break;
    }
    if (setjmp(here)) {
      p->depth = 0;
      resync(p, braces0);
      continue;
    }
    lr_schema_annots *dan = annotations(p);
    if (at_word(p, "namespace"))
      fail_at(p, LR_SCHEMA_E_SYNTAX, p->tok.off, p->tok.end, "namespaces cannot be nested");
    if (!decl(p, dan)) unexpected(p, "`entity`, `action`, `type` or `}`");
  }
  p->bail = outer;
  p->ns = (lr_str){"", 0};
  accept(p, LR_TOK_RBRACE);
}

lr_schema *lr_schema_parse_text(const lr_source *src, lr_diags *d) {
  lr_schema *s = lr_schema_new(src, LR_SCHEMA_TEXT);
  parser p = {.s = s, .a = s->arena, .src = src, .d = d, .ns = {"", 0}, .errors0 = d->errors};
  jmp_buf top;
  p.bail = &top;
  lr_lexer_init(&p.lx, src);
  advance(&p);
  while (!at(&p, LR_TOK_EOF)) {
    if (setjmp(top)) {
      p.depth = 0;
      p.ns = (lr_str){"", 0};
      resync(&p, 0);
      if (at(&p, LR_TOK_RBRACE)) consume(&p); /* a stray `}` */
      continue;
    }
    lr_schema_annots *an = annotations(&p);
    if (at_word(&p, "namespace"))
      namespace_decl(&p, an);
    else if (!decl(&p, an))
      unexpected(&p, "`namespace`, `entity`, `action` or `type`");
  }
  lr_buf_free(&p.sbuf);
  if (d->errors != p.errors0) {
    lr_schema_free(s);
    return NULL;
  }
  return s;
}
