#!/usr/bin/env bash
# Soak under churn: N decentral-node processes (the built dll) on loopback learning MNIST; first a
# calm run (no kills, no attacker), then, on a fresh cluster, a chaos run in which a random node
# is killed -9 every --kill-every and restarted on its data directory (from its checkpoint)
# while one attacker floods (idle sockets, connect/close churn, garbage, gossip spam on the
# session topic) and a slow reader and a slow writer stall the nodes' message streams. Reports
# problem lines in every node's log (unhandled exceptions, crit, stack traces), each node's peak
# RSS (VmHWM), every restarted node's rejoin and first training, the views at the end, and rounds
# per minute under chaos against the calm run. Exit 1 when a goal fails.
#
# Writes: the tables into docs/benchmarks/soak.md between its soak-table markers; the nodes' data
# directories and logs (OUT/{calm,chaos}/node-i/node.log), OUT/chaos/rss.csv (every node's VmRSS
# every 5 s), OUT/{calm,chaos}.json and OUT/soak.md, with OUT = $SOAK_OUT or out/soak.
#
# Long (the defaults: about 20 minutes with the start-ups): run it niced in the background, alone
# (other benchmarks on the machine skew it), e.g.
#   nice -n 10 scripts/soak.sh > out/soak.log 2>&1 &
# usage: scripts/soak.sh [decentral-soak soak options: --nodes 20 --sample-size 5 --duration 10m
#                         --kill-every 30s --baseline 3m --no-attack --port 48000 --seed 1]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then sed -n '2,19p' "$0"; exit 0; fi
out="${SOAK_OUT:-$root/out/soak}"
export DECENTRAL_DATA="${DECENTRAL_DATA:-$root/data}"
scripts/fetch-data.sh >&2

dotnet build node/Decentral.Node -c Release --nologo -v q -clp:ErrorsOnly >/dev/null
dotnet build tests/Decentral.Soak -c Release --nologo -v q -clp:ErrorsOnly >/dev/null
mkdir -p "$out"
table="$(mktemp)"
trap 'rm -f "$table"' EXIT
status=0
dotnet tests/Decentral.Soak/bin/Release/net10.0/decentral-soak.dll soak --out "$out" --markdown "$table" "$@" || status=$?
if [[ -s "$table" ]]; then
  scripts/replace-section.sh docs/benchmarks/soak.md soak-table "$table"
fi
exit "$status"
