#!/usr/bin/env bash
# Scale benchmark of the whole simulator (MoDeST core + simulated network + synthetic learning):
# runs configs/scale.json (50 rounds) at 10^3, 10^4 and 10^5 nodes and writes a Markdown table
# to docs/benchmarks/scale.md: wall time, rounds per second, events, peak RSS, marginal memory
# per node, and piggybacked view bytes against full views.
# Wall-clock numbers depend on machine load; run it on an idle machine and read them as rough.
#
# Usage: scripts/bench-scale.sh [N ...]        (default: 1000 10000 100000)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000 10000 100000)
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
dotnet build simulator/Decentral.Simulator.Cli -c Release --nologo -v quiet -clp:ErrorsOnly
sim=simulator/Decentral.Simulator.Cli/bin/Release/net10.0/decentral-sim.dll
out=docs/benchmarks/scale.md
mkdir -p docs/benchmarks
tmp="$(mktemp -d)"
{
  echo "# Simulator scale benchmark"
  echo
  echo "Command: \`scripts/bench-scale.sh ${sizes[*]}\` on $(nproc) cores, $(date -u +%Y-%m-%d)."
  echo "Scenario: configs/scale.json (MoDeST s=10, a=1, 50 rounds, synthetic softmax task, synthetic site latency)."
  echo "Peak RSS includes the .NET runtime; 'per node' is the marginal RSS over the smallest run."
  echo
  echo "| nodes | wall s | rounds/s | events | peak RSS MB | RSS per node (marginal) | view bytes (deltas) | full-view bytes | saving |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$out"
base_rss=""; base_n=""
for n in "${sizes[@]}"; do
  echo "[bench-scale] $n nodes" >&2
  /usr/bin/time -f "%e %M" -o "$tmp/time" dotnet "$sim" run scale --nodes "$n" --quiet --out "$tmp/run$n" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  read -r wall rss_kb < "$tmp/time"
  python3 - "$tmp/run$n/summary.json" "$n" "$wall" "$rss_kb" "${base_rss:-}" "${base_n:-}" >> "$out" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); n = int(sys.argv[2]); wall = float(sys.argv[3]); rss = int(sys.argv[4]) / 1024
base_rss = float(sys.argv[5]) / 1024 if sys.argv[5] else None; base_n = int(sys.argv[6]) if sys.argv[6] else None
per_node = f"{(rss - base_rss) * 1024 / (n - base_n):.1f} KB" if base_rss and n > base_n else "-"
print(f"| {n:,} | {wall:.1f} | {s['rounds'] / wall:.1f} | {s['events']:,} | {rss:.0f} | {per_node} | {s['view_bytes'] / 1e6:.1f} MB | {s['full_view_bytes'] / 1e6:.1f} MB | {s['full_view_bytes'] / max(1, s['view_bytes']):.1f}x |")
PY
  if [[ -z "$base_rss" ]]; then base_rss="$rss_kb"; base_n="$n"; fi
done
rm -rf "$tmp"
cat "$out"
