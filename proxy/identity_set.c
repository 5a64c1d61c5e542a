/*
 * identity_set.c — the identity stage as the command line configures it:
 * the JWKS slot and JWT verifier, the API key set, loaded together,
 * reloaded atomically per source, resolved from any worker thread.
 */
#include <pthread.h>
#include <stdlib.h>

#include "identity.h"

struct lr_identity_set {
  char *jwks_path, *api_keys_path;
  unsigned jwks_flags;
  lr_jwks_slot *jwks;   /* NULL when JWT is off */
  lr_jwt_verifier *jwt; /* idem */
  pthread_mutex_t mu;   /* guards apikeys (the pointer, not the set) */
  lr_apikeys *apikeys;  /* NULL when not configured */
};

lr_identity_set *lr_identity_set_load(const lr_identity_options *o, const lr_clock *clock,
                                      lr_diags *d) {
  lr_jwks *keys = NULL;
  lr_apikeys *ak = NULL;
  if (o->jwks_path && !(keys = lr_jwks_load(o->jwks_path, o->jwks_flags, d))) return NULL;
  if (o->api_keys_path && !(ak = lr_apikeys_load(o->api_keys_path, d))) {
    lr_jwks_unref(keys);
    return NULL;
  }
  lr_identity_set *s = lr_xcalloc(1, sizeof *s);
  s->jwks_path = o->jwks_path ? lr_xstrdup(o->jwks_path) : NULL;
  s->api_keys_path = o->api_keys_path ? lr_xstrdup(o->api_keys_path) : NULL;
  s->jwks_flags = o->jwks_flags;
  if (o->jwks_path || o->jwt) {
    s->jwks = lr_jwks_slot_new(keys);
    s->jwt = lr_jwt_verifier_new(&o->jwt_config, s->jwks, clock);
  }
  pthread_mutex_init(&s->mu, NULL);
  s->apikeys = ak;
  return s;
}

void lr_identity_set_free(lr_identity_set *s) {
  if (!s) return;
  lr_jwt_verifier_free(s->jwt);
  lr_jwks_slot_free(s->jwks);
  lr_apikeys_unref(s->apikeys);
  pthread_mutex_destroy(&s->mu);
  free(s->jwks_path);
  free(s->api_keys_path);
  free(s);
}

lr_status lr_identity_set_reload(lr_identity_set *s, lr_diags *d) {
  lr_status st = LR_OK;
  if (s->jwks_path && lr_jwks_slot_reload(s->jwks, s->jwks_path, s->jwks_flags, d) != LR_OK)
    st = LR_ERR;
  if (s->api_keys_path) {
    lr_apikeys *next = lr_apikeys_load(s->api_keys_path, d), *old;
    if (!next) return LR_ERR;
    pthread_mutex_lock(&s->mu);
    old = s->apikeys;
    s->apikeys = next;
    pthread_mutex_unlock(&s->mu);
    lr_apikeys_unref(old);
  }
  return st;
}

lr_jwks_slot *lr_identity_set_jwks(lr_identity_set *s) { return s->jwks; }

lr_id_error lr_identity_set_resolve(lr_identity_set *s, const lr_identity_input *in,
                                    lr_principal **out, const char **why) {
  pthread_mutex_lock(&s->mu);
  lr_apikeys *ak = lr_apikeys_ref(s->apikeys);
  pthread_mutex_unlock(&s->mu);
  lr_identity id = {s->jwt, ak};
  lr_id_error e = lr_identity_resolve(&id, in, out, why);
  lr_apikeys_unref(ak);
  return e;
}
