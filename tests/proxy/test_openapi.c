/*
 * test_openapi.c — the OpenAPI matcher (proxy/openapi.c) and JSON Schema
 * typing (proxy/openapi_schema.c): loading and its errors, matching with
 * base paths and literal-over-template priority, context.args from path,
 * query and body, and the refusals.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "openapi.h"

static lr_arena *A;
static lr_openapi *api;

static const char doc[] =
    "{\"openapi\": \"3.1.0\", \"info\": {\"title\": \"pets\", \"version\": \"1\"},\n"
    " \"servers\": [{\"url\": \"https://api.example.com/{ver}\",\n"
    "               \"variables\": {\"ver\": {\"default\": \"v1\"}}}],\n"
    " \"paths\": {\n"
    "  \"/pets\": {\n"
    "   \"get\": {\"operationId\": \"listPets\", \"parameters\": [\n"
    "     {\"name\": \"limit\", \"in\": \"query\", \"schema\": {\"type\": \"integer\"}},\n"
    "     {\"name\": \"tags\", \"in\": \"query\",\n"
    "      \"schema\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}},\n"
    "     {\"name\": \"ids\", \"in\": \"query\", \"explode\": false,\n"
    "      \"schema\": {\"type\": \"array\", \"items\": {\"type\": \"integer\"}}},\n"
    "     {\"name\": \"min\", \"in\": \"query\", \"schema\": {\"type\": \"number\"}},\n"
    "     {\"name\": \"X-Trace\", \"in\": \"header\"}]},\n"
    "   \"post\": {\"operationId\": \"createPet\", \"requestBody\": {\"content\": {\n"
    "     \"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Pet\"}}}}}},\n"
    "  \"/pets/mine\": {\"get\": {\"operationId\": \"myPets\"}},\n"
    "  \"/pets/{petId}\": {\n"
    "   \"parameters\": [{\"$ref\": \"#/components/parameters/PetId\"}],\n"
    "   \"get\": {\"operationId\": \"showPetById\"},\n"
    "   \"put\": {\"operationId\": \"updatePet\", \"requestBody\": {\"content\": {\n"
    "     \"application/merge-patch+json\": {\"schema\": {\"$ref\": "
    "\"#/components/schemas/Pet\"}}}}},\n"
    "   \"delete\": {}},\n"
    "  \"/pets/{petId}/vaccinated\": {\"get\": {\"operationId\": \"isVaccinated\",\n"
    "   \"parameters\": [{\"name\": \"petId\", \"in\": \"path\", \"required\": true,\n"
    "                    \"schema\": {\"type\": \"string\"}}]}},\n"
    "  \"/files/{name}.json\": {\"get\": {\"operationId\": \"getJson\"}},\n"
    "  \"/files/{name}\": {\"get\": {\"operationId\": \"getFile\"}},\n"
    "  \"/flags/{on}\": {\"get\": {\"operationId\": \"flag\", \"parameters\": [\n"
    "     {\"name\": \"on\", \"in\": \"path\", \"schema\": {\"type\": \"boolean\"}}]}}\n"
    " },\n"
    " \"components\": {\n"
    "  \"parameters\": {\"PetId\": {\"name\": \"petId\", \"in\": \"path\", \"required\": true,\n"
    "                 \"schema\": {\"type\": \"integer\"}}},\n"
    "  \"schemas\": {\n"
    "   \"Pet\": {\"type\": \"object\", \"allOf\": [{\"$ref\": \"#/components/schemas/Named\"}],\n"
    "    \"properties\": {\"price\": {\"type\": \"number\"}, \"age\": {\"type\": \"integer\"},\n"
    "     \"weights\": {\"type\": \"array\", \"items\": {\"type\": \"number\"}},\n"
    "     \"parent\": {\"$ref\": \"#/components/schemas/Pet\"}}},\n"
    "   \"Named\": {\"properties\": {\"name\": {\"type\": \"string\"},\n"
    "                              \"score\": {\"type\": [\"number\", \"null\"]}}}}}\n"
    "}\n";

static void setup(void) {
  A = lr_arena_new(0);
  lr_diags d = {0};
  api = lr_openapi_parse(doc, strlen(doc), "pets.json", &d);
  lr_buf b = {0};
  lr_diags_render(&d, &b);
  cr_assert(api, "load failed: %.*s", (int)b.len, b.p);
  lr_buf_free(&b);
  lr_diags_free(&d);
}
static void teardown(void) {
  lr_openapi_free(api);
  lr_arena_free(A);
}
TestSuite(openapi, .init = setup, .fini = teardown);

/* "tool args" for a request, "-" for no match, "!why" for a refusal. */
static const char *call(const char *method, const char *target, const char *body) {
  lr_rest_path p;
  const char *why = NULL;
  if (lr_rest_normalize(A, lr_str_c(target), 0, &p, &why) != LR_OK)
    return lr_arena_sprintf(A, "!path: %s", why);
  lr_jfast_doc jd, *bd = NULL;
  if (body) {
    cr_assert_eq(lr_jfast_parse(A, body, strlen(body), &jd, NULL), LR_OK, "%s", body);
    bd = &jd;
  }
  lr_openapi_call c;
  bool matched;
  if (lr_openapi_match(A, api, lr_str_c(method), &p, bd, 0, &c, &matched, &why) != LR_OK)
    return lr_arena_sprintf(A, "!%s", why);
  if (!matched) return "-";
  lr_buf b = {0};
  lr_buf_append(&b, c.tool.p, c.tool.n);
  lr_buf_putc(&b, ' ');
  lr_value_print(c.args, &b);
  const char *s = lr_arena_strndup(A, b.p, b.len);
  lr_buf_free(&b);
  return s;
}

#define CALL(m, t, body, want)                                                                     \
  do {                                                                                             \
    const char *got_ = call(m, t, body);                                                           \
    cr_expect_str_eq(got_, want, "%s %s: got %s", m, t, got_);                                     \
  } while (0)

Test(openapi, count) { cr_expect_eq(lr_openapi_count(api), 10); }

Test(openapi, matching_and_priority) {
  CALL("GET", "/v1/pets", NULL, "listPets {}");
  CALL("GET", "/v1/pets/mine", NULL, "myPets {}");
  CALL("GET", "/v1/pets/42", NULL, "showPetById {\"petId\": 42}");
  CALL("DELETE", "/v1/pets/42", NULL, "DELETE /pets/{petId} {\"petId\": 42}");
  CALL("GET", "/v1/pets/42/vaccinated", NULL, "isVaccinated {\"petId\": \"42\"}");
  CALL("GET", "/v1/files/a.json", NULL, "getJson {\"name\": \"a\"}");
  CALL("GET", "/v1/files/a.txt", NULL, "getFile {\"name\": \"a.txt\"}");
  CALL("GET", "/v1/files/.json", NULL, "getFile {\"name\": \".json\"}");
  CALL("GET", "/v1/flags/true", NULL, "flag {\"on\": true}");
  /* path tricks reach the same operation */
  CALL("GET", "/v1//pets/./%34%32/", NULL, "showPetById {\"petId\": 42}");
  CALL("GET", "/v1/x/../pets;a=b/mine", NULL, "myPets {}");
  /* no match: Route mapping applies */
  CALL("GET", "/pets/42", NULL, "-");
  CALL("GET", "/v2/pets", NULL, "-");
  CALL("HEAD", "/v1/pets", NULL, "-");
  CALL("get", "/v1/pets", NULL, "-");
  CALL("PATCH", "/v1/pets/42", NULL, "-");
  CALL("GET", "/v1/pets/42/x", NULL, "-");
  CALL("GET", "/v1", NULL, "-");
}

Test(openapi, query_parameters) {
  CALL("GET", "/v1/pets?limit=10", NULL, "listPets {\"limit\": 10}");
  CALL("GET", "/v1/pets?tags=a&tags=b&tags=a", NULL, "listPets {\"tags\": [\"a\", \"b\"]}");
  CALL("GET", "/v1/pets?ids=3,1,2", NULL, "listPets {\"ids\": [1, 2, 3]}");
  CALL("GET", "/v1/pets?min=2.5", NULL, "listPets {\"min\": decimal(\"2.5000\")}");
  CALL("GET", "/v1/pets?min=-2", NULL, "listPets {\"min\": decimal(\"-2.0000\")}");
  CALL("GET", "/v1/pets?q=a+b&q=c&z=%21", NULL, "listPets {\"q\": [\"a b\", \"c\"], \"z\": \"!\"}");
  CALL("GET", "/v1/pets?limit=10&limit=20", NULL,
       "!query parameter 'limit' is given more than once");
  CALL("GET", "/v1/pets?limit=ten", NULL, "!query parameter 'limit': expected an integer");
  CALL("GET", "/v1/pets?limit=99999999999999999999", NULL,
       "!query parameter 'limit': expected an integer");
  CALL("GET", "/v1/pets?min=1.23456", NULL,
       "!query parameter 'min': expected a number with at most 4 fraction digits");
  CALL("GET", "/v1/pets?min=1e3", NULL, "!query parameter 'min': expected a number");
  CALL("GET", "/v1/pets?ids=1,x", NULL, "!query parameter 'ids': expected an integer");
  CALL("GET", "/v1/pets?a=%zz", NULL, "!'%' not followed by two hex digits");
}

Test(openapi, path_parameters) {
  CALL("GET", "/v1/pets/abc", NULL, "!path parameter 'petId': expected an integer");
  CALL("GET", "/v1/pets/-7", NULL, "showPetById {\"petId\": -7}");
  CALL("GET", "/v1/flags/yes", NULL, "!path parameter 'on': expected true or false");
}

Test(openapi, body) {
  CALL("POST", "/v1/pets",
       "{\"name\": \"rex\", \"price\": 3, \"age\": 2.0, \"weights\": [1, 2.5], \"score\": 1,"
       " \"parent\": {\"price\": 10, \"name\": \"old\"}, \"extra\": 7, \"gone\": null}",
       "createPet {\"age\": 2, \"extra\": 7, \"name\": \"rex\", \"parent\": {\"name\": \"old\", "
       "\"price\": decimal(\"10.0000\")}, \"price\": decimal(\"3.0000\"), \"score\": "
       "decimal(\"1.0000\"), "
       "\"weights\": [decimal(\"1.0000\"), decimal(\"2.5000\")]}");
  /* merge-patch+json is a JSON media type too */
  CALL("PUT", "/v1/pets/5", "{\"price\": 4}",
       "updatePet {\"petId\": 5, \"price\": decimal(\"4.0000\")}");
  /* same name from path and body: equal values pass, different ones are refused */
  CALL("PUT", "/v1/pets/5", "{\"petId\": 5}", "updatePet {\"petId\": 5}");
  CALL("PUT", "/v1/pets/5", "{\"petId\": 6}",
       "!argument 'petId' is given twice (path, query, body) with different values");
  CALL("POST", "/v1/pets?name=a", "{\"name\": \"b\"}",
       "!argument 'name' is given twice (path, query, body) with different values");
  /* non-object bodies go under "body"; null adds nothing */
  CALL("POST", "/v1/pets", "[1, 2]", "createPet {\"body\": [1, 2]}");
  CALL("POST", "/v1/pets", "null", "createPet {}");
  CALL("POST", "/v1/pets", "{\"price\": 1.23456}",
       "!body.price: too many digits after the decimal (at most 4 are supported)");
}

static const char *load_error(const char *text) {
  lr_diags d = {0};
  lr_openapi *o = lr_openapi_parse(text, strlen(text), "bad.json", &d);
  lr_buf b = {0};
  lr_diags_render_short(&d, &b);
  const char *s = lr_arena_strndup(A, b.p ? b.p : "", b.len);
  lr_buf_free(&b);
  lr_diags_free(&d);
  if (o) {
    lr_openapi_free(o);
    return "loaded";
  }
  return s;
}

#define LOAD_ERR(text, want)                                                                       \
  do {                                                                                             \
    const char *e_ = load_error(text);                                                             \
    cr_expect(strstr(e_, want), "error for %s: got %s, want %s", text, e_, want);                  \
  } while (0)

Test(openapi, load_errors) {
  LOAD_ERR("{\"swagger\": \"2.0\"}", "bad.json: swagger: Swagger 2.0 is not supported");
  LOAD_ERR("{\"openapi\": \"2.5\"}", "bad.json: openapi: expected");
  LOAD_ERR("[1]", "bad.json: (top): an OpenAPI document must be a JSON object");
  LOAD_ERR("{\"openapi\": ", "bad.json:1:");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"paths\": {\"pets\": {}}}",
           "bad.json: paths[\"pets\"]: a path must start with");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"paths\": {\"/a/{x\": {\"get\": {}}}}",
           "bad.json: paths[\"/a/{x\"]: unbalanced");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"paths\": {\"/a/{x}{y}\": {\"get\": {}}}}",
           "more than one parameter in one path segment");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"paths\": {\"/a/{}\": {\"get\": {}}}}", "unbalanced");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"paths\": {\"/a/{x}/{x}\": {\"get\": {}}}}",
           "parameter {x} appears twice");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"paths\": {\"/a\": {\"get\": {\"operationId\": \"o\"}},"
           " \"/b\": {\"get\": {\"operationId\": \"o\"}}}}",
           "paths[\"/b\"].get: operationId \"o\" is used twice");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"paths\": {\"/a/{x}\": {\"get\": {}}, \"/a/{y}\": "
           "{\"get\": {}}}}",
           "paths[\"/a/{y}\"].get: same template as paths[\"/a/{x}\"].get");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"paths\": {\"/a\": {\"get\": {\"parameters\": ["
           "{\"name\": \"q\", \"in\": \"body\"}]}}}}",
           "paths[\"/a\"].get.parameters[0]: \"in\" must be");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"paths\": {\"/a\": {\"get\": {\"parameters\": ["
           "{\"$ref\": \"#/components/parameters/nope\"}]}}}}",
           "paths[\"/a\"].get.parameters[0]: $ref does not resolve");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"paths\": {\"/a\": {\"post\": {\"requestBody\": {\"content\":"
           " {\"application/json\": {\"schema\": {\"$ref\": \"other.json#/x\"}}}}}}}}",
           "only local");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"paths\": {\"/a\": {\"get\": {\"operationId\": 3}}}}",
           "paths[\"/a\"].get.operationId: operationId must be a non-empty string");
  LOAD_ERR("{\"openapi\": \"3.0.3\", \"servers\": [{\"url\": \"/{v}\"}], \"paths\": {}}",
           "servers[0].url: server variable without a default");
  cr_expect_str_eq(load_error("{\"openapi\": \"3.0.3\", \"paths\": {}}"), "loaded");
  cr_expect_str_eq(load_error("{\"openapi\": \"3.1.0\", \"webhooks\": {}}"), "loaded");
}

Test(openapi, servers_and_defaults) {
  static const char two[] = "{\"openapi\": \"3.0.3\", \"servers\": [{\"url\": \"/\"}, {\"url\": "
                            "\"http://h:8080/api/v2/\"}],"
                            " \"paths\": {\"/x\": {\"get\": {\"operationId\": \"x\"}}}}";
  lr_openapi_free(api);
  lr_diags d = {0};
  api = lr_openapi_parse(two, strlen(two), "two.json", &d);
  cr_assert(api);
  lr_diags_free(&d);
  CALL("GET", "/x", NULL, "x {}");
  CALL("GET", "/api/v2/x", NULL, "x {}");
  CALL("GET", "/api/x", NULL, "-");
}

Test(openapi, load_file) {
  lr_diags d = {0};
  cr_expect_null(lr_openapi_load("/nonexistent/openapi.json", &d));
  cr_expect_eq(d.errors, 1);
  lr_diags_free(&d);
}

Test(openapi, query_record_without_openapi) {
  lr_rest_param *ps;
  size_t n;
  const char *why;
  cr_assert_eq(lr_rest_query_parse(A, LR_STR("b=2&a=1&b=3"), &ps, &n, &why), LR_OK);
  lr_value v;
  cr_assert_eq(lr_rest_query_record(A, ps, n, &v), LR_OK);
  lr_buf b = {0};
  lr_value_print(v, &b);
  cr_expect(lr_str_eq(lr_buf_str(&b), LR_STR("{\"a\": \"1\", \"b\": [\"2\", \"3\"]}")), "%.*s",
            (int)b.len, b.p);
  lr_buf_free(&b);
}
