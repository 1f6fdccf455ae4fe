#!/usr/bin/env bash
# Takes the README's dashboard screenshots again (docs/images/dashboard-run.png of a real crash
# run, docs/images/dashboard-fleet.png of a synthetic fleet) with the browser test tooling:
# headless chromium driven by the dashboard's ScreenshotTests. Needs chromium and
# chromium-driver (apt-get install -y chromium chromium-driver) and the data (fetched if missing).
#
# Usage: scripts/dashboard-screenshots.sh [RUNS_FOLDER holding a crash/ run]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
runs="${1:-}"
if [[ -z "$runs" ]]; then
  runs="$(mktemp -d)"
  trap 'rm -rf "$runs"' EXIT
  echo "[screenshots] simulating the crash experiment into $runs/crash" >&2
  scripts/simulate.sh crash --out "$runs/crash" --quiet >/dev/null
fi
echo "[screenshots] building the dashboard tests" >&2
dotnet build tests/Decentral.Dashboard.Tests -c Release --nologo -v quiet -clp:ErrorsOnly
DECENTRAL_SCREENSHOTS="$repo/docs/images" DECENTRAL_SCREENSHOT_RUNS="$runs" DECENTRAL_SCREENSHOT_RUN=crash \
  dotnet test tests/Decentral.Dashboard.Tests -c Release --no-build --nologo --filter "FullyQualifiedName~ScreenshotTests"
echo "[screenshots] wrote docs/images/dashboard-run.png and docs/images/dashboard-fleet.png" >&2
