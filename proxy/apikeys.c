/*
 * apikeys.c — API keys: a JSON file of SHA-256 key hashes, each mapped to
 * a principal uid with attributes and parents (format in identity.h), and
 * the constant-time lookup of a presented key.
 *
 * Diagnostic codes: I0111 not JSON / not an array, I0112 a bad entry,
 * I0113 unreadable file.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jose.h"

#define MAX_KEY_BYTES 4096

typedef struct apikey {
  unsigned char digest[32];
  lr_principal *principal;
} apikey;

struct lr_apikeys {
  atomic_uint refs;
  apikey *keys;
  size_t n;
  uint32_t *slots; /* open addressing: index + 1, 0 = empty */
  size_t mask;
  EVP_MD *sha256;
};

static uint64_t slot_of(const unsigned char d[32]) {
  uint64_t h;
  memcpy(&h, d, 8);
  return h;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool parse_hex32(const json_t *v, unsigned char out[32]) {
  if (!json_is_string(v) || json_string_length(v) != 64) return false;
  const char *s = json_string_value(v);
  for (int i = 0; i < 32; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return true;
}

/* Parses one entry into *k; a static reason and member on failure. */
static bool parse_entry(const json_t *e, apikey *k, const char **member, const char **why) {
  *member = NULL;
  if (!json_is_object(e)) {
    *why = "is not an object";
    return false;
  }
  const char *name;
  json_t *val;
  json_object_foreach((json_t *)e, name, val) {
    if (strcmp(name, "key_sha256") && strcmp(name, "principal") && strcmp(name, "attrs") &&
        strcmp(name, "parents") && strcmp(name, "comment")) {
      *member = name;
      *why = "is not a known member (key_sha256, principal, attrs, parents, comment)";
      return false;
    }
  }
  const json_t *attrs = json_object_get(e, "attrs"), *parents = json_object_get(e, "parents");
  lr_principal *p = lr_xcalloc(1, sizeof *p);
  atomic_init(&p->refs, 1);
  p->source = LR_PRINCIPAL_APIKEY;
  k->principal = p;
  if (!parse_hex32(json_object_get(e, "key_sha256"), k->digest)) {
    *member = "key_sha256";
    *why = "is not 64 hex digits";
  } else if (lr_uid_from_json(json_object_get(e, "principal"), &p->uid) != LR_OK) {
    *member = "principal";
    *why = "is not an entity uid (\"Type::\\\"id\\\"\" or {\"type\", \"id\"})";
  } else if (attrs && !json_is_object(attrs)) {
    *member = "attrs";
    *why = "is not an object";
  } else if (parents && !json_is_array(parents)) {
    *member = "parents";
    *why = "is not an array";
  } else {
    size_t n = json_array_size(parents);
    p->parents = lr_xcalloc(n ? n : 1, sizeof *p->parents);
    for (size_t i = 0; i < n; i++, p->nparents++)
      if (lr_uid_from_json(json_array_get(parents, i), &p->parents[i]) != LR_OK) {
        *member = "parents";
        *why = "holds something that is not an entity uid";
        return false;
      }
    p->attrs = json_incref((json_t *)attrs);
    return true;
  }
  return false;
}

lr_apikeys *lr_apikeys_ref(lr_apikeys *k) {
  if (k) atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
  return k;
}

void lr_apikeys_unref(lr_apikeys *k) {
  if (!k || atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) != 1) return;
  for (size_t i = 0; i < k->n; i++) lr_principal_unref(k->keys[i].principal);
  free(k->keys);
  free(k->slots);
  EVP_MD_free(k->sha256);
  free(k);
}

lr_apikeys *lr_apikeys_parse(const char *json, size_t n, const char *name, lr_diags *d) {
  if (!name) name = "<api-keys>";
  json_t *root = lr_id_json_parse(json, n, name, "the API key file", "I0111", d);
  if (!root) return NULL;
  if (!json_is_array(root) || json_array_size(root) > UINT32_MAX / 4) {
    lr_diag_error(d, "I0111", NULL, 0, 0, "%s: the API key file must be a JSON array", name);
    json_decref(root);
    return NULL;
  }
  lr_apikeys *k = lr_xcalloc(1, sizeof *k);
  atomic_init(&k->refs, 1);
  size_t count = json_array_size(root), nslots = 16;
  while (nslots < count * 2) nslots *= 2;
  k->keys = lr_xcalloc(count ? count : 1, sizeof *k->keys);
  k->slots = lr_xcalloc(nslots, sizeof *k->slots);
  k->mask = nslots - 1;
  k->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  size_t bad = 0;
  for (size_t i = 0; i < count; i++) {
    apikey *e = &k->keys[k->n];
    const char *member, *why;
    if (!parse_entry(json_array_get(root, i), e, &member, &why)) {
      lr_principal_unref(e->principal);
      memset(e, 0, sizeof *e);
      lr_diag_error(d, "I0112", NULL, 0, 0, "%s: [%zu]%s%s %s", name, i, member ? "." : "",
                    member ? member : "", why);
      bad++;
      continue;
    }
    size_t s = slot_of(e->digest) & k->mask;
    bool dup = false;
    for (; k->slots[s]; s = (s + 1) & k->mask)
      dup |= memcmp(k->keys[k->slots[s] - 1].digest, e->digest, 32) == 0;
    if (dup) {
      lr_diag_error(d, "I0112", NULL, 0, 0, "%s: [%zu].key_sha256 is listed twice", name, i);
      lr_principal_unref(e->principal);
      memset(e, 0, sizeof *e);
      bad++;
      continue;
    }
    k->slots[s] = (uint32_t)++k->n;
  }
  json_decref(root);
  if (bad || !k->sha256) {
    lr_apikeys_unref(k);
    return NULL;
  }
  return k;
}

lr_apikeys *lr_apikeys_load(const char *path, lr_diags *d) {
  lr_buf b = {0};
  if (lr_buf_read_file(&b, path) != LR_OK) {
    lr_diag_error(d, "I0113", NULL, 0, 0, "%s: cannot read the API key file", path);
    lr_buf_free(&b);
    return NULL;
  }
  lr_apikeys *k = lr_apikeys_parse(b.p ? b.p : "", b.len, path, d);
  lr_buf_free(&b);
  return k;
}

size_t lr_apikeys_count(const lr_apikeys *k) { return k ? k->n : 0; }

lr_id_error lr_apikeys_lookup(const lr_apikeys *k, const char *key, size_t n, lr_principal **out,
                              const char **why) {
  const char *dummy;
  if (!why) why = &dummy;
  *out = NULL;
  if (!key || n == 0) {
    *why = "no API key";
    return LR_ID_MISSING;
  }
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  if (n > MAX_KEY_BYTES) {
    *why = "the API key is too long";
    return LR_ID_MALFORMED;
  }
  if (!EVP_Digest(key, n, d, &dlen, k->sha256, NULL) || dlen != 32) {
    *why = "hashing the API key failed";
    return LR_ID_INTERNAL;
  }
  const apikey *found = NULL;
  for (size_t s = slot_of(d) & k->mask; k->slots[s]; s = (s + 1) & k->mask) {
    const apikey *e = &k->keys[k->slots[s] - 1];
    if (CRYPTO_memcmp(e->digest, d, 32) == 0) found = e;
  }
  OPENSSL_cleanse(d, sizeof d);
  if (!found) {
    *why = "unknown API key";
    return LR_ID_UNKNOWN_KEY;
  }
  *out = lr_principal_ref(found->principal);
  *why = NULL;
  return LR_ID_OK;
}

lr_status lr_apikey_hash_hex(const char *key, size_t n, char out[65]) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  if (!EVP_Digest(key, n, d, &dlen, EVP_sha256(), NULL) || dlen != 32) return LR_ERR;
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
  return LR_OK;
}
