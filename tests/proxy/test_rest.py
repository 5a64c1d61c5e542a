#!/usr/bin/env python3
"""test_rest.py — REST routes through `larch serve`: path tricks never change
which policy applies, with and without `--openapi` (python only, no node).

Upstream: tests/proxy/upstream.py (/echo reports the target it received; any
other path answers 404 "no such path", which shows the request was
forwarded). A denial is larch's 403 JSON naming the policies; a refused
target or argument is larch's 400.
"""
import json
import os

import harness as H
from harness import check

POLICIES = r'''
@id("reads") permit (principal, action == Action::"GET", resource);
@id("no-admin") forbid (principal, action, resource == Route::"/admin/users");
@id("pets-small-ids") forbid (principal, action, resource == Tool::"getPet")
when { context.args.petId >= 100 };
@id("orders") permit (principal, action == Action::"POST", resource == Tool::"createOrder")
when { context.args.amount.lessThanOrEqual(decimal("100.0")) && context.args.dryRun == false };
'''

OPENAPI = {
    "openapi": "3.1.0",
    "servers": [{"url": "https://api.example.com/v1"}],
    "paths": {
        "/pets/{petId}": {"get": {"operationId": "getPet", "parameters": [
            {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}]}},
        "/pets/mine": {"get": {"operationId": "myPets"}},
        "/orders": {"post": {"operationId": "createOrder",
                             "parameters": [{"name": "dryRun", "in": "query",
                                             "schema": {"type": "boolean"}}],
                             "requestBody": {"content": {"application/json": {"schema": {
                                 "type": "object",
                                 "properties": {"amount": {"type": "number"}}}}}}}},
    },
}


def start(*extra):
    up = H.start_upstream()
    d = os.path.join(H.TMP, "rest-policies")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "rest.cedar"), "w") as f:
        f.write(POLICIES)
    return H.Larch("http://127.0.0.1:%d" % up, "--policies", d, "--protocol", "rest", *extra)


def get(lx, path, method="GET", body=b"", headers=None):
    st, _, b = H.http_get(lx.port, path, method=method, body=body, headers=headers)
    return st, b


def forbidden(lx, path, policies, method="GET"):
    st, b = get(lx, path, method)
    check(st == 403, (path, st, b))
    check(json.loads(b)["policies"] == policies, (path, b))


def refused(lx, path):
    st, b = get(lx, path)
    check(st == 400, (path, st, b))


def forwarded(lx, path, want_target=None):
    st, b = get(lx, path)
    if want_target is None:
        check(st == 404 and b == b"no such path", (path, st, b))
    else:
        check(st == 200 and json.loads(b)["path"] == want_target, (path, st, b))


def test_route_tricks():
    lx = start()
    forbidden(lx, "/admin/users", ["no-admin"])
    for trick in ("/admin//users", "//admin/users/", "/admin/./users", "/admin/x/../users",
                  "/%61dmin/%75sers", "/ADMIN/../admin/users", "/admin;a=b/users;c",
                  "/admin/users/.", "/x/%2e%2e/admin/users", "/x/.%2E/admin/users",
                  "/public;/../admin/users", "/admin/users?x=/../y"):
        forbidden(lx, trick, ["no-admin"])
    for trick in ("/admin%2fusers", "/admin%2Fusers", "/admin\\users", "/admin%5cusers",
                  "/%252e%252e/admin/users", "/admin%3busers", "/admin%00/users",
                  "/%c0%ae%c0%ae/admin/users", "/../admin/users", "/admin/users/../../..",
                  "/admin/%u0075sers", "/admin/%zzusers"):
        refused(lx, trick)
    # the upstream gets the canonical form of what was authorised
    forwarded(lx, "/x/../echo;p=1?q=1", "/echo?q=1")
    forwarded(lx, "//echo/./", "/echo")
    forwarded(lx, "/%65cho", "/echo")
    forwarded(lx, "/admin/other")


def test_openapi_tricks():
    spec = os.path.join(H.TMP, "openapi.json")
    with open(spec, "w") as f:
        json.dump(OPENAPI, f)
    lx = start("--openapi", spec)
    forwarded(lx, "/v1/pets/5")
    forbidden(lx, "/v1/pets/500", ["pets-small-ids"])
    for trick in ("/v1/pets/%35%30%30", "/v1//pets/500/", "/v1/pets/5/../500", "/v1/x/../pets/500",
                  "/v1/pets/500;petId=5", "/v1/./pets/./500"):
        forbidden(lx, trick, ["pets-small-ids"])
    # a path parameter that is not an integer, or given again differently
    refused(lx, "/v1/pets/abc")
    refused(lx, "/v1/pets/5?petId=500")
    # literal beats template: /pets/mine is myPets, not getPet
    forwarded(lx, "/v1/pets/mine")
    # no operation matches: Route::"<path>" as without OpenAPI
    forwarded(lx, "/v1/unknown")
    forbidden(lx, "/admin/users", ["no-admin"])
    # body and query typed by the document: number → decimal, boolean → Bool
    hdr = {"Content-Type": "application/json"}
    st, b = get(lx, "/v1/orders?dryRun=false", "POST", b'{"amount": 100}', hdr)
    check(st == 404 and b == b"no such path", (st, b))
    st, b = get(lx, "/v1/orders?dryRun=false", "POST", b'{"amount": 100.01}', hdr)
    check(st == 403, (st, b))
    st, b = get(lx, "/v1/orders?dryRun=false&dryRun=true", "POST", b'{"amount": 1}', hdr)
    check(st == 400, (st, b))
    st, b = get(lx, "/v1/orders?dryRun=maybe", "POST", b'{"amount": 1}', hdr)
    check(st == 400, (st, b))


if __name__ == "__main__":
    H.run([test_route_tricks, test_openapi_tricks], budget=60)
