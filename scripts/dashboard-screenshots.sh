#!/usr/bin/env bash
# Takes the README's dashboard screenshots again with the browser test tooling (headless chromium
# driven by the dashboard's ScreenshotTests): docs/images/dashboard-run.png of a real crash run,
# docs/images/dashboard-fleet.png of a real loopback cluster (scripts/cluster.sh: 8 nodes, MNIST
# softmax; node 5 is killed with kill -9 after 40 s, the shot is taken 40 s later while the others
# still run). Needs chromium and chromium-driver (apt-get install -y chromium chromium-driver) and
# the data (fetched if missing). About 3 minutes.
#
# Usage: scripts/dashboard-screenshots.sh [RUNS_FOLDER holding a crash/ run]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
runs="${1:-}"
if [[ -z "$runs" ]]; then
  runs="$(mktemp -d)"
  runs_tmp=1
  echo "[screenshots] simulating the crash experiment into $runs/crash" >&2
  scripts/simulate.sh crash --out "$runs/crash" --quiet >/dev/null
fi
echo "[screenshots] building the dashboard tests" >&2
dotnet build tests/Decentral.Dashboard.Tests -c Release --nologo -v quiet -clp:ErrorsOnly

fleet="$(mktemp -d)"
cluster_log="$fleet/cluster.log"
scripts/cluster.sh 8 --out "$fleet/cluster" --port 4601 >"$cluster_log" 2>&1 &
cluster=$!
trap 'kill -TERM "$cluster" 2>/dev/null || true; wait "$cluster" 2>/dev/null || true; rm -rf "$fleet" ${runs_tmp:+"$runs"}' EXIT
for _ in $(seq 1 1200); do
  grep -q "Ctrl+C stops every node" "$cluster_log" && break
  kill -0 "$cluster" 2>/dev/null || { cat "$cluster_log" >&2; exit 1; }
  sleep 0.5
done
grep -q "Ctrl+C stops every node" "$cluster_log" || { echo "[screenshots] the cluster did not start within 10 minutes" >&2; cat "$cluster_log" >&2; exit 1; }
echo "[screenshots] cluster of 8 running; kill -9 of node 5 in 40 s, the shot 40 s later" >&2
sleep 40
kill -KILL "$(cat "$fleet/cluster/node-5/node.pid")"
sleep 40
DECENTRAL_SCREENSHOTS="$repo/docs/images" DECENTRAL_SCREENSHOT_RUNS="$runs" DECENTRAL_SCREENSHOT_RUN=crash \
  DECENTRAL_SCREENSHOT_FLEET="$fleet/cluster" dotnet test tests/Decentral.Dashboard.Tests -c Release --no-build --nologo --filter "FullyQualifiedName~ScreenshotTests"
echo "[screenshots] wrote docs/images/dashboard-run.png and docs/images/dashboard-fleet.png" >&2
