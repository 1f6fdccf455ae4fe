#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need (the js-libp2p
# peers for the interop tests, the real datasets for the real-data tests), builds, and runs
# every test project. Idempotent: a second run skips what is already in place.
#
# Usage: scripts/test.sh [extra dotnet test arguments, e.g. --filter Category!=RealData]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '[test] %s\n' "$*"; }

if [[ -f tests/interop/package-lock.json && ! -f tests/interop/node_modules/.package-lock.json ]]; then
  log "installing the js-libp2p interop peers (npm ci in tests/interop)"
  npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error
fi

log "fetching datasets (skipped when present and verified)"
scripts/fetch-data.sh

log "building"
dotnet build Decentral.sln -c Release --nologo -v quiet -clp:ErrorsOnly

log "running tests"
results="$(mktemp -d)"
status=0
dotnet test Decentral.sln -c Release --no-build --nologo "$@" 2>&1 | tee "$results/out.txt" || status=$?

# One closing line for all assemblies: "N passed, N failed, N skipped".
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { f += $(i+1) + 0 }
      if ($i == "Passed:")  { p += $(i+1) + 0 }
      if ($i == "Skipped:") { s += $(i+1) + 0 }
    }
  }
  END { printf "%d %d %d\n", p, f, s }' "$results/out.txt")
rm -rf "$results"
echo "Tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [[ $status -ne 0 || $failed -ne 0 || $passed -eq 0 ]]; then
  exit 1
fi
