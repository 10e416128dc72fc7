#!/usr/bin/env bash
# Runs every fuzz target in the module for the given time each (default 30s).
#   scripts/fuzz.sh 2m
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-30s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "-- $pkg $target ($t)"
    # Minimising a new interesting input can take the fuzzer up to a minute
    # (shown as 0 execs/s); cap it so the time goes to fuzzing.
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" -fuzzminimizetime 3s "$pkg"
  done
done
