/*
 * rest.h — REST request targets as policy sees them: the path normalised
 * into the id of `Route::"<path>"` (and the operation matcher's segments),
 * and the query string split into parameters.
 *
 * Pure functions over byte strings (no sockets, no libevent): the mapping
 * stage calls them, tests and the fuzzer drive them directly. Everything
 * returned lives in the caller's (request) arena.
 *
 * The guarantee: two request targets that an origin server could resolve to
 * the same resource give the same normalised path, or one of them is
 * refused. Tricks (`%2e%2e`, `//`, `/./`, `;params`, encoded unreserved
 * characters, trailing slashes) can therefore never make a request match a
 * different Route than the plain path would. The rules and the reasons for
 * each decision are in proxy/README.md ("REST paths, OpenAPI and the
 * agentcore profile").
 */
#ifndef LARCH_PROXY_REST_H
#define LARCH_PROXY_REST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"

#define LR_REST_MAX_TARGET 8192u /* bytes of request target accepted */
#define LR_REST_MAX_SEGMENTS 256u

/* Flags for lr_rest_normalize. */
#define LR_REST_FOLD_CASE 1u /* ASCII-lowercase the path (case-insensitive upstreams) */

/* A normalised request target. */
typedef struct lr_rest_path {
  /* The canonical path: "/" followed by the decoded segments joined with
   * "/" ("/" alone for the root); no empty, "." or ".." segments, no
   * trailing slash, no matrix parameters; valid UTF-8 without control
   * characters. NUL-terminated. This is the id of Route::"<path>". */
  lr_str path;
  /* The same path percent-encoded canonically (RFC 3986 unreserved
   * characters and "!$&'()*+,=:@" literal, every other byte as %XX with
   * upper-case hex) followed by "?" and the raw query when there was one:
   * a request target the proxy may forward so the upstream resolves exactly
   * the path that was authorised. NUL-terminated. */
  lr_str forward;
  lr_str query;   /* raw bytes after the first '?' (borrowed from the input) */
  bool has_query; /* a '?' was present (query may still be empty) */
  size_t nsegs;
  const lr_str *segs; /* the decoded segments, slices of path */
} lr_rest_path;

/* Normalises an origin-form request target ("/a/b?x=1"). Steps, per raw
 * segment (split at raw "/" only): cut matrix parameters at the first raw
 * ";", percent-decode, check, then drop empty and "." segments and let ".."
 * remove the previous one (RFC 3986 §5.2.4 on decoded segments).
 * Refused (LR_ERR, *why a static reason, for a 400): a target not starting
 * with "/", longer than LR_REST_MAX_TARGET or with more than
 * LR_REST_MAX_SEGMENTS segments; raw control bytes, space, "\" or "#";
 * a "%" not followed by two hex digits; decoded NUL or control bytes,
 * "/" (%2F), "\" (%5C) or ";" (%3B); a decoded "%" followed by two hex digits
 * (double encoding); invalid UTF-8 (overlong forms such as %C0%AE,
 * surrogates, beyond U+10FFFF); ".." above the root. */
lr_status lr_rest_normalize(lr_arena *a, lr_str target, unsigned flags, lr_rest_path *out,
                            const char **why);

/* One query parameter, decoded ("+" is a space, %XX a byte), NUL-terminated. */
typedef struct lr_rest_param {
  lr_str name;
  lr_str value;
} lr_rest_param;

/* Splits a query string at "&" into name=value pairs in order (empty pairs
 * skipped; a pair without "=" has an empty value). Refused (LR_ERR, *why
 * static): a bad "%" escape, a decoded NUL, invalid UTF-8, more than 1024
 * pairs. *out is an arena array of *n parameters. */
lr_status lr_rest_query_parse(lr_arena *a, lr_str query, lr_rest_param **out, size_t *n,
                              const char **why);

/* Decodes one percent-encoded component: "%XX" → byte, "+" → space when
 * plus_space, everything else as is; refuses a bad escape, a decoded NUL
 * and invalid UTF-8. The result is NUL-terminated in a. */
lr_status lr_rest_decode(lr_arena *a, lr_str in, bool plus_space, lr_str *out, const char **why);

/* True when s[0..n) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
bool lr_rest_utf8_valid(const unsigned char *s, size_t n);

#endif /* LARCH_PROXY_REST_H */
