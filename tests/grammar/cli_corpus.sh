#!/bin/sh
# cli_corpus.sh LARCH CORPUS_DIR SHARED_DIR — runs the built `larch check` and
# `larch fmt` over Cedar's integration suite: everything checks clean, every
# file formats, the formatted copies check clean and are already canonical.
set -eu
larch=$1 corpus=$2 shared=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
"$larch" check "$corpus" "$shared/conformance/cedar/tests" >"$out/check.txt"
grep -qx "ok: 7839 policies in 7831 files, 0 errors" "$out/check.txt" || {
  cat "$out/check.txt"
  exit 1
}
mkdir "$out/fmt"
n=0
for f in "$corpus"/*.cedar "$shared"/conformance/cedar/tests/*/*.cedar; do
  n=$((n + 1))
  "$larch" fmt "$f" >"$out/fmt/$n.cedar"
done
[ "$n" -eq 7831 ]
"$larch" check --quiet "$out/fmt"
"$larch" fmt --check "$out"/fmt/*.cedar
# a broken file must fail with file:line:col
printf 'permit (principal, action, resource) when { 1 < 2 < 3 };\n' >"$out/bad.cedar"
if "$larch" check "$out/bad.cedar" 2>"$out/err.txt"; then exit 1; fi
grep -q "bad.cedar:1:45: error\[E0202\]" "$out/err.txt"
echo "cli corpus: $n files checked and formatted"
