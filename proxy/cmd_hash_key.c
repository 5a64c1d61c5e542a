/*
 * cmd_hash_key.c — `larch hash-key`: prints the SHA-256 of an API key as
 * stored in the --api-keys file (key_sha256), or makes a new random key.
 * The key is read from stdin so it stays out of shell history and ps.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "identity.h"

static void usage(FILE *out) {
  fprintf(out, "usage: larch hash-key [--new]\n\n"
               "  Reads an API key from stdin (one line; the newline is not part of the key)\n"
               "  and prints its SHA-256 in hex, the key_sha256 of an --api-keys entry.\n"
               "  --new  generate a random key instead; prints the key (give it to the\n"
               "         client) and an --api-keys entry holding only its hash.\n");
}

int lr_cmd_hash_key(int argc, char **argv) {
  if (lr_cli_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  bool fresh = argc == 2 && strcmp(argv[1], "--new") == 0;
  if (argc > 2 || (argc == 2 && !fresh)) {
    usage(stderr);
    return 2;
  }
  char key[4096], hex[65];
  size_t n;
  if (fresh) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char rnd[32];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
      fprintf(stderr, "larch hash-key: no randomness available\n");
      return 1;
    }
    n = (size_t)snprintf(key, sizeof key, "lk_");
    for (size_t i = 0; i < sizeof rnd; i++) key[n++] = abc[rnd[i] & 63]; /* 6 bits each */
    key[n] = 0;
  } else {
    if (!fgets(key, sizeof key, stdin)) {
      fprintf(stderr, "larch hash-key: no key on stdin\n");
      return 1;
    }
    n = strlen(key);
    if (n == sizeof key - 1 && key[n - 1] != '\n') {
      fprintf(stderr, "larch hash-key: the key is too long (API keys are at most 4 KiB)\n");
      return 1;
    }
    if (n && key[n - 1] == '\n') key[--n] = 0;
    if (n && key[n - 1] == '\r') key[--n] = 0;
    if (n == 0) {
      fprintf(stderr, "larch hash-key: the key is empty\n");
      return 1;
    }
  }
  if (lr_apikey_hash_hex(key, n, hex) != LR_OK) {
    fprintf(stderr, "larch hash-key: hashing failed\n");
    return 1;
  }
  if (fresh)
    printf("key: %s\nentry: {\"key_sha256\": \"%s\", \"principal\": \"User::\\\"CHANGE-ME\\\"\"}\n",
           key, hex);
  else
    printf("%s\n", hex);
  return 0;
}
