/*
 * tls.c — OpenSSL contexts and peer identities (see tls.h).
 */
#include "tls.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

static const unsigned char alpn_http11[] = "\x08http/1.1";

static void ssl_error(lr_buf *err, const char *what, const char *path) {
  char buf[256] = "";
  unsigned long e = ERR_get_error();
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  lr_buf_printf(err, "%s %s: %s", what, path ? path : "", buf[0] ? buf : "failed");
  ERR_clear_error();
}

static int on_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg) {
  (void)ssl, (void)arg;
  unsigned char *sel = NULL;
  if (SSL_select_next_proto(&sel, outlen, alpn_http11, sizeof alpn_http11 - 1, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

static void harden(SSL_CTX *ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  /* TLS 1.2: forward-secret AEAD suites only; TLS 1.3 suites are all modern. */
  SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20");
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
}

SSL_CTX *lr_tls_server_ctx(const char *cert, const char *key, const char *client_ca, lr_buf *err) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    ssl_error(err, "cannot create TLS context", NULL);
    return NULL;
  }
  harden(ctx);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
    ssl_error(err, "cannot load certificate", cert);
    goto fail;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    ssl_error(err, "cannot load private key", key);
    goto fail;
  }
  SSL_CTX_set_alpn_select_cb(ctx, on_alpn_select, NULL);
  static const unsigned char sid[] = "larch";
  SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
  if (client_ca) {
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca);
    if (!names || SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
      ssl_error(err, "cannot load client CA", client_ca);
      goto fail;
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }
  return ctx;
fail:
  SSL_CTX_free(ctx);
  return NULL;
}

SSL_CTX *lr_tls_client_ctx(const char *ca, lr_buf *err) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    ssl_error(err, "cannot create TLS context", NULL);
    return NULL;
  }
  harden(ctx);
  SSL_CTX_set_alpn_protos(ctx, alpn_http11, sizeof alpn_http11 - 1);
  int ok =
      ca ? SSL_CTX_load_verify_locations(ctx, ca, NULL) : SSL_CTX_set_default_verify_paths(ctx);
  if (ok != 1) {
    ssl_error(err, "cannot load upstream CA", ca);
    SSL_CTX_free(ctx);
    return NULL;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  return ctx;
}

void lr_tls_client_prepare(SSL *ssl, const char *host) {
  SSL_set_tlsext_host_name(ssl, host);
  SSL_set1_host(ssl, host);
}

char *lr_tls_peer_identity(SSL *ssl) {
  if (!ssl) return NULL;
  X509 *cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return NULL;
  char *out = NULL;
  if (SSL_get_verify_result(ssl) != X509_V_OK) goto done;
  GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && !out; i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
    if (g->type != GEN_URI) continue;
    const ASN1_STRING *s = g->d.uniformResourceIdentifier;
    out = lr_xmalloc((size_t)ASN1_STRING_length(s) + 1);
    memcpy(out, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
    out[ASN1_STRING_length(s)] = 0;
  }
  GENERAL_NAMES_free(names);
  if (!out) {
    char cn[256];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    if (n > 0) out = lr_xstrdup(cn);
  }
done:
  X509_free(cert);
  return out;
}
