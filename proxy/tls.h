/*
 * tls.h — OpenSSL contexts for the proxy (private to proxy/): the server
 * side (TLS 1.2/1.3, modern ciphers, ALPN http/1.1, optional client
 * certificates) and the client side towards https:// upstreams (certificate
 * and host name verified).
 */
#ifndef LARCH_PROXY_TLS_H
#define LARCH_PROXY_TLS_H

#include <openssl/ssl.h>

#include "base.h"

/* A server context from PEM files. client_ca (may be NULL) turns on client
 * certificate verification: a client without a certificate signed by it is
 * refused during the handshake. Returns NULL with a message in err. */
SSL_CTX *lr_tls_server_ctx(const char *cert, const char *key, const char *client_ca, lr_buf *err);
/* A client context verifying upstream certificates against ca (PEM file) or,
 * when ca is NULL, the system's trust store. */
SSL_CTX *lr_tls_client_ctx(const char *ca, lr_buf *err);
/* The verified peer identity of ssl: its first SAN URI, else its subject CN.
 * Returns a heap string (caller frees) or NULL without a verified
 * certificate. */
char *lr_tls_peer_identity(SSL *ssl);
/* Prepares a client SSL for host: SNI and host name verification. */
void lr_tls_client_prepare(SSL *ssl, const char *host);

#endif /* LARCH_PROXY_TLS_H */
