/*
 * test_cmd_authorize.c — runs the built `larch authorize` (both modes) on
 * files written to a temporary folder and checks its output and exit status.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base.h"

static char dir[256];

static void write_file(const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
}

static void setup(void) {
  snprintf(dir, sizeof dir, "/tmp/larch-authz-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  write_file("p.cedar",
             "permit (principal == User::\"alice\", action == Action::\"view\", resource)\n"
             "  when { context.ip.isInRange(ip(\"10.0.0.0/8\")) };\n"
             "forbid (principal, action, resource) when { resource.owner.age < 0 };\n"
             "permit (principal == ?principal, action, resource);\n");
  write_file("s.cedarschema", "entity User = { age: Long };\n"
                              "entity Photo = { owner: User };\n"
                              "action view appliesTo { principal: [User], resource: [Photo],\n"
                              "  context: { ip: ipaddr } };\n");
  write_file(
      "e.json",
      "[{\"uid\": {\"type\": \"User\", \"id\": \"alice\"}, \"attrs\": {\"age\": 30}, \"parents\": "
      "[]},"
      " {\"uid\": {\"type\": \"Photo\", \"id\": \"a.jpg\"},"
      "  \"attrs\": {\"owner\": {\"type\": \"User\", \"id\": \"nobody\"}}, \"parents\": []}]");
  write_file("links.json", "[{\"templateId\": \"policy2\", \"newId\": \"bob-all\","
                           " \"values\": {\"?principal\": \"User::\\\"bob\\\"\"}}]");
  write_file("r.jsonl",
             "{\"principal\": \"User::\\\"alice\\\"\", \"action\": \"Action::\\\"view\\\"\", "
             "\"resource\": \"Photo::\\\"a.jpg\\\"\", \"context\": {\"ip\": \"10.1.2.3\"}}\n"
             "\n"
             "{\"principal\": {\"type\": \"User\", \"id\": \"alice\"}, \"action\": "
             "\"Action::\\\"view\\\"\", \"resource\": \"Photo::\\\"a.jpg\\\"\", \"context\": "
             "{\"ip\": \"192.168.0.1\"}}\n"
             "{\"principal\": \"User::\\\"bob\\\"\", \"action\": \"Action::\\\"view\\\"\", "
             "\"resource\": \"Photo::\\\"a.jpg\\\"\", \"context\": {\"ip\": 7}}\n"
             "not json\n"
             "{\"principal\": \"User::\\\"bob\\\"\", \"action\": \"Action::\\\"view\\\"\", "
             "\"resource\": \"Photo::\\\"a.jpg\\\"\", \"context\": {\"ip\": \"::1\"}}\n");
}

static void teardown(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_expect_eq(system(cmd), 0);
}

/* Runs larch authorize with args (a shell fragment; %D is the temp dir),
 * returns the exit status and stdout in *out (caller frees). */
static int run(const char *args, char **out) {
  lr_buf cmd = {0};
  lr_buf_printf(&cmd, "cd '%s' && '%s/proxy/larch' authorize %s 2>&1", dir, LR_BINARY_DIR, args);
  FILE *p = popen(cmd.p, "r");
  cr_assert_not_null(p);
  lr_buf b = {0};
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) lr_buf_append(&b, chunk, n);
  int st = pclose(p);
  lr_buf_free(&cmd);
  *out = b.p ? b.p : lr_xstrdup("");
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define COMMON "--policies p.cedar --entities e.json --schema s.cedarschema --links links.json "

TestSuite(cmd_authorize, .init = setup, .fini = teardown);

Test(cmd_authorize, single_allow_deny) {
  char *out;
  int rc = run(COMMON "--principal 'User::\"alice\"' --action 'Action::\"view\"' "
                      "--resource 'Photo::\"a.jpg\"' --context '{\"ip\": \"10.9.9.9\"}'",
               &out);
  cr_expect_eq(rc, 0, "%s", out);
  /* the forbid errors (User::"nobody" is not an entity): reported, skipped */
  cr_expect(strncmp(out, "ALLOW\npolicy0\nerror: policy1: ", 29) == 0, "%s", out);
  free(out);
  write_file("ctx.json", "{\"ip\": \"11.0.0.1\"}");
  rc = run(COMMON "--principal 'User::\"alice\"' --action 'Action::\"view\"' "
                  "--resource 'Photo::\"a.jpg\"' --context-file ctx.json",
           &out);
  cr_expect_eq(rc, 2, "%s", out);
  cr_expect(strncmp(out, "DENY\nerror: policy1: ", 20) == 0, "%s", out);
  free(out);
}

Test(cmd_authorize, input_errors) {
  char *out;
  int rc = run(COMMON "--principal 'User::\"alice\"' --action 'Action::\"view\"' "
                      "--resource 'Photo::\"a.jpg\"' --context '{\"ip\": 3}'",
               &out);
  cr_expect_eq(rc, 1);
  cr_expect_str_eq(out, "error[J002]: --context: ip: expected an ipaddr, got a long\n");
  free(out);
  write_file("bad.json", "[{\"uid\": {\"type\": \"User\", \"id\": \"x\"}, \"attrs\": {\"age\": "
                         "\"old\"}, \"parents\": []}]");
  rc =
      run("--policies p.cedar --schema s.cedarschema --entities bad.json --requests r.jsonl", &out);
  cr_expect_eq(rc, 1);
  cr_expect_str_eq(out, "error[J002]: bad.json: [0].attrs.age: expected a long, got a string\n");
  free(out);
  rc = run("--policies p.cedar --principal x", &out);
  cr_expect_eq(rc, 1);
  free(out);
  write_file("broken.cedar", "permit (principal, action, resource) when { 1 + };\n");
  rc = run("--policies broken.cedar --requests r.jsonl", &out);
  cr_expect_eq(rc, 1);
  cr_expect(strstr(out, "broken.cedar:1:") != NULL, "%s", out);
  free(out);
  rc = run("--help", &out);
  cr_expect_eq(rc, 0);
  cr_expect(strstr(out, "--requests") && strstr(out, "--context-file") && strstr(out, "--links"));
  free(out);
}

Test(cmd_authorize, requests_mode) {
  char *out;
  int rc = run(COMMON "--requests r.jsonl", &out);
  cr_expect_eq(rc, 0, "%s", out);
  const char *want_prefix =
      "{\"decision\":\"allow\",\"reasons\":[\"policy0\"],\"errors\":[{\"policy\":\"policy1\","
      "\"message\":";
  cr_expect(strncmp(out, want_prefix, strlen(want_prefix)) == 0, "%s", out);
  char *lines[8] = {0};
  size_t n = 0;
  for (char *s = strtok(out, "\n"); s && n < 8; s = strtok(NULL, "\n")) lines[n++] = s;
  cr_assert_eq(n, 5, "%s", out);
  cr_expect(strncmp(lines[1],
                    "{\"decision\":\"deny\",\"reasons\":[],\"errors\":[{\"policy\":"
                    "\"policy1\"",
                    60) == 0,
            "%s", lines[1]);
  cr_expect_str_eq(lines[2],
                   "{\"error\":\"r.jsonl:4: context.ip: expected an ipaddr, got a long\"}");
  cr_expect(strncmp(lines[3], "{\"error\":\"r.jsonl:5:", 20) == 0, "%s", lines[3]);
  cr_expect(strncmp(lines[4], "{\"decision\":\"allow\",\"reasons\":[\"bob-all\"]", 41) == 0, "%s",
            lines[4]);
  free(out);
}

Test(cmd_authorize, policy_folder) {
  char path[512];
  snprintf(path, sizeof path, "%s/pols/sub", dir);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
  cr_assert_eq(system(cmd), 0);
  write_file("pols/a.cedar", "forbid (principal, action, resource) when { false };\n");
  write_file("pols/sub/b.cedar", "permit (principal, action, resource);\n");
  write_file("pols/notes.txt", "not policies");
  char *out;
  int rc = run("--policies pols --principal 'User::\"a\"' --action 'Action::\"view\"' "
               "--resource 'Photo::\"p\"'",
               &out);
  cr_expect_eq(rc, 0, "%s", out);
  cr_expect_str_eq(out, "ALLOW\npolicy1\n"); /* ids continue across files */
  free(out);
}

Test(cmd_authorize, schema_actions_without_entities) {
  write_file("g.cedarschema",
             "entity User;\n"
             "action all;\n"
             "action read in [all] appliesTo { principal: [User], resource: [User] };\n");
  write_file("g.cedar", "permit (principal, action in Action::\"all\", resource);\n");
  char *out;
  int rc = run("--policies g.cedar --schema g.cedarschema --principal 'User::\"a\"' "
               "--action 'Action::\"read\"' --resource 'User::\"b\"'",
               &out);
  cr_expect_eq(rc, 0, "%s", out);
  cr_expect_str_eq(out, "ALLOW\npolicy0\n");
  free(out);
}
