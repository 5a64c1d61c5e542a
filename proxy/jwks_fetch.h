/*
 * jwks_fetch.h — `--jwks-url`: fetch a JWK set in the background and keep
 * it fresh (private to proxy/). Requests never wait for the network: they
 * read whatever set the slot holds.
 */
#ifndef LARCH_PROXY_JWKS_FETCH_H
#define LARCH_PROXY_JWKS_FETCH_H

#include <stdint.h>

#include "base.h"
#include "identity.h"

typedef struct lr_jwks_fetcher lr_jwks_fetcher;

/* Starts a thread that fetches url (http:// or https://, certificates
 * checked against ca_file or the system store, host name verified) at
 * once, then every refresh_ms (0: 5 minutes; retried every second until
 * the first success), and swaps each set that parses into slot (borrowed;
 * must outlive the fetcher). A failed fetch or a bad document keeps the
 * previous set and is reported on stderr. NULL with a message in err for
 * a bad URL or TLS set-up. */
lr_jwks_fetcher *lr_jwks_fetcher_start(const char *url, lr_jwks_slot *slot, const char *ca_file,
                                       int64_t refresh_ms, lr_buf *err);
/* Stops the thread (waits for a fetch in progress) and frees. NULL is
 * accepted. */
void lr_jwks_fetcher_stop(lr_jwks_fetcher *f);

#endif /* LARCH_PROXY_JWKS_FETCH_H */
