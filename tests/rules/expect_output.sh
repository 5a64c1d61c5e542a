#!/bin/sh
# expect_output.sh LARCH STATUS ARGS PATTERN... — runs `LARCH test ARGS`
# (ARGS is split at spaces),
# fails unless it exits with STATUS and its output (stdout and stderr)
# contains every PATTERN (fixed strings).
larch=$1 want=$2 args=$3
shift 3
# shellcheck disable=SC2086
out=$("$larch" test $args 2>&1)
got=$?
echo "$out"
if [ "$got" -ne "$want" ]; then
  echo "expected exit status $want, got $got" >&2
  exit 1
fi
for pat in "$@"; do
  if ! printf '%s\n' "$out" | grep -qF -- "$pat"; then
    echo "missing from the output: $pat" >&2
    exit 1
  fi
done
