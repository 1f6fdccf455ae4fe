#!/usr/bin/env bash
# Runs a simulated MoDeST network learning on real data (default: the quickstart scenario,
# 100 peers learning MNIST). Fetches the data first (skipped when present and verified).
#
# Usage: scripts/simulate.sh [SCENARIO] [options]     (see: scripts/simulate.sh help)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
scripts/fetch-data.sh >&2
dll=simulator/Decentral.Simulator.Cli/bin/Release/net10.0/decentral-sim.dll
if [[ -f "$dll" ]]; then
  echo "[simulate] building the simulator" >&2
else
  echo "[simulate] building the simulator (the first build takes a minute)" >&2
fi
build_log="$(mktemp)"
if ! dotnet build simulator/Decentral.Simulator.Cli -c Release --nologo -v quiet >"$build_log" 2>&1; then
  cat "$build_log" >&2; rm -f "$build_log"; exit 1
fi
rm -f "$build_log"
exec dotnet "$dll" "$@"
