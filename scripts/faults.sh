#!/usr/bin/env bash
# Network faults on real processes, against the simulator's partition. N decentral-node processes
# on loopback (the built dll) in two halves, even and odd nodes, each half under its own group
# id (setpriv); iptables rules in a chain of their own match only those group ids and the nodes'
# ports (nothing else on the machine is touched). Four phases of PHASE each: calm; every packet
# between nodes dropped with probability LOSS (TCP retransmits: loss becomes delay; this kernel
# has no netem, so delay cannot be set directly); the halves partitioned (packets of one half to
# the other's ports dropped); healed. Then the simulator runs the same partition (same nodes, s,
# timeouts, MNIST softmax; partitioned at 2 PHASE, healed at 3 PHASE; no loss phase: calm until
# the partition). Reports rounds per minute per phase and the time from the heal to the first
# round trained by both halves (and, for the processes, to every view complete again).
#
# Needs root and iptables (apt-get install iptables). Writes the tables into
# docs/benchmarks/faults.md between its faults-table markers; the nodes' data directories, logs
# and the simulator's run under OUT = $FAULTS_OUT or out/faults.
#
# Long (4 phases of 2 minutes and the start: about 10 minutes): run it niced in the background,
# alone, e.g.   nice -n 10 scripts/faults.sh > out/faults.log 2>&1 &
# usage: scripts/faults.sh [decentral-soak faults options: --nodes 10 --sample-size 4 --phase 2m
#                           --loss 0.05 --port 48100]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then sed -n '2,20p' "$0"; exit 0; fi
out="${FAULTS_OUT:-$root/out/faults}"
export DECENTRAL_DATA="${DECENTRAL_DATA:-$root/data}"
nodes=10 sample=4 phase=120
args=("$@")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) nodes="$2"; shift 2 ;;
    --sample-size) sample="$2"; shift 2 ;;
    --phase) phase="$2"; shift 2 ;;
    *) shift ;;
  esac
done
case "$phase" in *m) phase=$(( ${phase%m} * 60 )) ;; *s) phase="${phase%s}" ;; esac

dotnet build node/Decentral.Node -c Release --nologo -v q -clp:ErrorsOnly >/dev/null
dotnet build tests/Decentral.Soak -c Release --nologo -v q -clp:ErrorsOnly >/dev/null
dotnet build simulator/Decentral.Simulator.Cli -c Release --nologo -v q -clp:ErrorsOnly >/dev/null
mkdir -p "$out/sim"
hms() { printf '%02d:%02d:%02d' $(( $1 / 3600 )) $(( $1 % 3600 / 60 )) $(( $1 % 60 )); }
# The processes' settings: configs/node-local.json's timeouts, minModels 2, Dirichlet alpha 0.5.
cat > "$out/sim/scenario.json" <<JSON
{
  "name": "faults-partition",
  "seed": 1,
  "nodes": $nodes,
  "stop": { "rounds": 100000, "time": "$(hms $(( 4 * phase )))" },
  "protocol": { "sampleSize": $sample, "minModels": 2, "pingTimeout": "00:00:02", "pingResend": "00:00:00.5", "pingFailFast": true,
                "viewCheckInterval": "00:00:10", "aggregationTimeout": "00:00:20", "ackTimeout": "00:00:30" },
  "learning": { "task": "mnist", "model": "softmax", "alpha": 0.5 },
  "churn": [
    { "kind": "partition", "at": "$(hms $(( 2 * phase )))", "groups": 2 },
    { "kind": "heal", "at": "$(hms $(( 3 * phase )))" }
  ]
}
JSON
dotnet simulator/Decentral.Simulator.Cli/bin/Release/net10.0/decentral-sim.dll run "$out/sim/scenario.json" --out "$out/sim" --quiet 2> "$out/sim/progress.txt"
table="$(mktemp)"
trap 'rm -f "$table"' EXIT
status=0
dotnet tests/Decentral.Soak/bin/Release/net10.0/decentral-soak.dll faults --out "$out/run" --sim "$out/sim/telemetry.jsonl" --markdown "$table" "${args[@]}" || status=$?
if [[ -s "$table" ]]; then
  scripts/replace-section.sh docs/benchmarks/faults.md faults-table "$table"
fi
exit "$status"
