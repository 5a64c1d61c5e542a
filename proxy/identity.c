/*
 * identity.c — the identity stage: which credential a request carries
 * (Authorization: Bearer, X-API-Key, client certificate), naming mTLS
 * peers, and the WWW-Authenticate value of a 401.
 */
#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "identity.h"

/* ---- mTLS ---------------------------------------------------------------- */

/* A workload name must be printable: no control bytes (NUL included). Non-
 * ASCII bytes are allowed only for the CN, which ASN1_STRING_to_UTF8 gave
 * us as UTF-8. */
static bool printable(const unsigned char *s, size_t n, bool ascii_only) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < 0x20 || s[i] == 0x7f || (ascii_only && s[i] >= 0x80)) return false;
  return true;
}

/* The first URI of the subjectAltName extension into *out (NULL when the
 * certificate has none). LR_ERR when that first URI is unusable: we then
 * refuse rather than silently fall back to another name. */
static lr_status first_san_uri(const X509 *cert, char **out) {
  GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
  lr_status st = LR_OK;
  *out = NULL;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
    if (g->type != GEN_URI) continue;
    const unsigned char *p = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
    int n = ASN1_STRING_length(g->d.uniformResourceIdentifier);
    if (n > 0 && printable(p, (size_t)n, true)) {
      *out = lr_xmalloc((size_t)n + 1);
      memcpy(*out, p, (size_t)n);
      (*out)[n] = 0;
    } else
      st = LR_ERR;
    break;
  }
  GENERAL_NAMES_free(names);
  return st;
}

static char *subject_cn(const X509 *cert) {
  const X509_NAME *nm = X509_get_subject_name(cert);
  int idx = nm ? X509_NAME_get_index_by_NID(nm, NID_commonName, -1) : -1;
  if (idx < 0) return NULL;
  const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, idx));
  unsigned char *utf8 = NULL;
  int n = s ? ASN1_STRING_to_UTF8(&utf8, s) : -1;
  char *out = NULL;
  if (n > 0 && printable(utf8, (size_t)n, false)) {
    out = lr_xmalloc((size_t)n + 1);
    memcpy(out, utf8, (size_t)n);
    out[n] = 0;
  }
  OPENSSL_free(utf8);
  return out;
}

lr_status lr_identity_from_cert(const void *x509, lr_principal **out) {
  *out = NULL;
  if (!x509) return LR_ERR;
  char *name;
  if (first_san_uri(x509, &name) != LR_OK) return LR_ERR;
  if (!name) name = subject_cn(x509);
  if (!name) return LR_ERR;
  *out = lr_principal_workload(name);
  free(name);
  return LR_OK;
}

lr_principal *lr_principal_workload(const char *name) {
  if (!name || !*name) return NULL;
  lr_principal *p = lr_xcalloc(1, sizeof *p);
  atomic_init(&p->refs, 1);
  p->source = LR_PRINCIPAL_MTLS;
  lr_uid_set_heap(&p->uid, "Workload", name, strlen(name));
  return p;
}

/* ---- headers ---------------------------------------------------------------- */

static lr_str trim(lr_str s) {
  while (s.n && (*s.p == ' ' || *s.p == '\t')) s.p++, s.n--;
  while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t')) s.n--;
  return s;
}

bool lr_identity_bearer(const char *value, size_t n, lr_str *token) {
  lr_str v = trim(lr_str_make(value, n));
  if (v.n < 7 || strncasecmp(v.p, "bearer", 6) != 0 || (v.p[6] != ' ' && v.p[6] != '\t'))
    return false;
  *token = trim(lr_str_make(v.p + 7, v.n - 7));
  /* b64token (RFC 6750 §2.1) has no inner whitespace */
  for (size_t i = 0; i < token->n; i++)
    if (token->p[i] == ' ' || token->p[i] == '\t') return false;
  return token->n > 0;
}

static size_t count_dots(lr_str s) {
  size_t n = 0;
  for (size_t i = 0; i < s.n; i++) n += s.p[i] == '.';
  return n;
}

lr_id_error lr_identity_resolve(const lr_identity *id, const lr_identity_input *in,
                                lr_principal **out, const char **why) {
  const char *dummy;
  if (!why) why = &dummy;
  *out = NULL;
  *why = NULL;
  if (in->x_api_key.p && id->apikeys) {
    lr_str key = trim(in->x_api_key);
    return lr_apikeys_lookup(id->apikeys, key.p, key.n, out, why);
  }
  if (in->authorization.p && (id->jwt || id->apikeys)) {
    lr_str tok;
    if (!lr_identity_bearer(in->authorization.p, in->authorization.n, &tok)) {
      *why = "the Authorization header is not a Bearer token";
      return LR_ID_MALFORMED;
    }
    if (id->jwt && (count_dots(tok) == 2 || !id->apikeys))
      return lr_jwt_verify(id->jwt, tok.p, tok.n, out, why);
    return lr_apikeys_lookup(id->apikeys, tok.p, tok.n, out, why);
  }
  if (in->peer_cert || in->peer_name) {
    if (in->peer_cert ? lr_identity_from_cert(in->peer_cert, out) == LR_OK
                      : (*out = lr_principal_workload(in->peer_name)) != NULL)
      return LR_ID_OK;
    *why = "the client certificate has no SAN URI and no usable CN";
    return LR_ID_MALFORMED;
  }
  *out = lr_principal_anonymous();
  return LR_ID_OK;
}

void lr_identity_www_authenticate(lr_buf *out, lr_id_error e, const char *why,
                                  const char *metadata_url) {
  lr_buf_puts(out, "Bearer realm=\"larch\"");
  /* RFC 6750 §3.1: no error code when the request had no credential. */
  if (e != LR_ID_MISSING && e != LR_ID_OK) {
    lr_buf_puts(out, ", error=\"invalid_token\"");
    if (why) {
      /* error_description: %x20-21 / %x23-5B / %x5D-7E (no quote, no backslash) */
      lr_buf_puts(out, ", error_description=\"");
      for (const char *p = why; *p; p++)
        if (*p >= 0x20 && *p <= 0x7e && *p != '"' && *p != '\\') lr_buf_putc(out, *p);
      lr_buf_putc(out, '"');
    }
  }
  if (metadata_url) {
    lr_buf_puts(out, ", resource_metadata=\"");
    for (const char *p = metadata_url; *p; p++)
      if (*p >= 0x20 && *p <= 0x7e && *p != '"' && *p != '\\') lr_buf_putc(out, *p);
    lr_buf_putc(out, '"');
  }
}
