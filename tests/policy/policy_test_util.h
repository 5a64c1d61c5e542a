/*
 * policy_test_util.h — shared fixture for the policy tests: a small entity
 * store and request, and helpers that parse a Cedar expression, evaluate
 * it and render the result (or "error: ...") as text.
 */
#ifndef LARCH_POLICY_TEST_UTIL_H
#define LARCH_POLICY_TEST_UTIL_H

#include "policy.h"

typedef struct tenv {
  lr_arena *a;
  lr_entities *es;
  lr_request req;
} tenv;

/* The fixture:
 *   User::"alice" {name: "alice", age: 30, roles: ["admin", "dev"],
 *                  addr: {city: "Paris", zip: "75001"}, "two words": 1}
 *                 in [Group::"g1"], tags {dept: "eng", level: 3}
 *   Group::"g1" in [Group::"g2"];  Group::"g2" in [Group::"g3"] (g3 absent)
 *   Photo::"p" {owner: User::"alice"} in [Album::"a"] (Album::"a" absent)
 *   Action::"view" in [Action::"read"];  Action::"read"
 * request: User::"alice", Action::"view", Photo::"p",
 *          context {n: 5, s: "hi", set: [1, 2, 3], rec: {a: {b: true}}} */
void tenv_init(tenv *t);
void tenv_free(tenv *t);

/* Evaluates src; returns the value printed in Cedar syntax, or
 * "error: <message>" for an evaluation error, or "parse error" (strings
 * live in t->a). */
const char *tshow(tenv *t, const char *src);
/* Builds a store from a list of "Type::\"id\" in [parents...]" lines is
 * not needed; tests add entities directly with these helpers. */
const lr_uid *tuid(tenv *t, const char *type, const char *id);
lr_value tparse_value(tenv *t, const char *src); /* evaluates a constant expression */

#endif
