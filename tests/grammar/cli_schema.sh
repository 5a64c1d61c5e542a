#!/bin/sh
# cli_schema.sh LARCH SOURCE_DIR SHARED_DIR — `larch check` on schemas: Cedar's
# sample-data schemas check clean (folder walk finds them), --dump prints the
# canonical form, a schema with errors exits 1 with file:line:col diagnostics.
set -eu
larch=$1 src=$2 shared=$3
out=$("$larch" check "$shared/conformance/cedar/sample-data")
[ "$out" = "ok: 0 policies in 0 files, 3 schemas, 0 errors" ] || { echo "got: $out"; exit 1; }
"$larch" check --quiet --dump "$src/tests/grammar/golden/schema/ok_text_all.cedarschema" \
  | cmp - "$src/tests/grammar/golden/schema/ok_text_all.out"
"$larch" check --quiet --dump "$src/tests/grammar/golden/schema/ok_json_all.json" \
  | cmp - "$src/tests/grammar/golden/schema/ok_text_all.out"
if "$larch" check "$src/tests/grammar/golden/schema/err_shadow.cedarschema" 2>/tmp/cli_schema.$$; then
  echo "an invalid schema checked clean"; exit 1
fi
grep -q "err_shadow.cedarschema:5:10: error\[S0206\]" /tmp/cli_schema.$$ || { cat /tmp/cli_schema.$$; exit 1; }
grep -q "^failed: 0 policies in 0 files, 1 schema, 3 errors$" /tmp/cli_schema.$$
rm -f /tmp/cli_schema.$$
echo "cli schema: ok"
