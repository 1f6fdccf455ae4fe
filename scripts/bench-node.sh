#!/usr/bin/env bash
# Node benchmarks (issue 12): round wall time of loopback clusters (10 nodes MNIST softmax, 4 nodes
# LeNet-5) against the simulator's virtual round time for the same scenario, where real round time
# goes (from the per-round phases of the nodes' telemetry rows), cold start of 20 nodes started at
# once from one bootstrap (10 starts: time until every view holds all 20, and whether any start
# splits), and RSS per node process. Builds decentral-node and decentral-sim once, runs the built
# dlls, prints progress on stderr and writes docs/benchmarks/node.md. Not part of the CI tests.
# Takes about 10 minutes (9 on this 2-core machine under load). Other jobs skew its times: it
# records the load it saw; run it alone when you can (flock /work/wt/heavy.lock here).
#
# Usage: scripts/bench-node.sh [options]
#   --only LIST          rounds,coldstart (default: both; the memory table comes with rounds)
#   --starts N           cold starts (default 10)
#   --softmax-seconds S  measured time of the softmax cluster (default 60)
#   --lenet-seconds S    measured time of the LeNet-5 cluster (default 90)
#   --min-peers N        founding:minPeers of the cold starts (default: the node's default, s)
#   --clusters LIST      softmax,lenet (default: both)
#   --port P             first port (default 27000; uses P..P+320; keep it below the kernel's
#                        ephemeral range, 32768 up, where outgoing connections may hold a port)
#   --work DIR           scratch folder (default runs/bench-node)
#   --out FILE           the report (default docs/benchmarks/node.md)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# As scripts/cluster.sh and the systemd unit run nodes: at most 2 glibc malloc arenas.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "bench-node: $*" >&2; exit 2; }

only=rounds,coldstart clusters=softmax,lenet starts=10 softmax=60 lenet=90 minpeers=0 port=27000 work=runs/bench-node out=docs/benchmarks/node.md
argv=("$@")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --only) only="${2:?--only needs a value}"; shift 2 ;;
    --starts) starts="${2:?--starts needs a value}"; shift 2 ;;
    --softmax-seconds) softmax="${2:?--softmax-seconds needs a value}"; shift 2 ;;
    --lenet-seconds) lenet="${2:?--lenet-seconds needs a value}"; shift 2 ;;
    --min-peers) minpeers="${2:?--min-peers needs a value}"; shift 2 ;;
    --clusters) clusters="${2:?--clusters needs a value}"; shift 2 ;;
    --port) port="${2:?--port needs a value}"; shift 2 ;;
    --work) work="${2:?--work needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a value}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see scripts/bench-node.sh --help)" ;;
  esac
done
for v in "$starts" "$softmax" "$lenet" "$minpeers" "$port"; do [[ "$v" =~ ^[0-9]+$ ]] || die "'$v' is not a number"; done
for part in ${only//,/ }; do [[ "$part" == rounds || "$part" == coldstart ]] || die "--only: unknown part '$part' (rounds, coldstart)"; done
command -v python3 >/dev/null || die "python3 is needed for the measurements"

scripts/fetch-data.sh >&2
data="${DECENTRAL_DATA:-$repo/data}"
echo "[bench-node] building decentral-node and decentral-sim (Release)" >&2
for project in node/Decentral.Node simulator/Decentral.Simulator.Cli; do
  build_log="$(mktemp)"
  if ! dotnet build "$project" -c Release --nologo -v quiet >"$build_log" 2>&1; then cat "$build_log" >&2; rm -f "$build_log"; exit 1; fi
  rm -f "$build_log"
done
node_dll="$repo/node/Decentral.Node/bin/Release/net10.0/decentral-node.dll"
sim_dll="$(ls "$repo"/simulator/Decentral.Simulator.Cli/bin/Release/net10.0/decentral-sim.dll)"
mkdir -p "$work" "$(dirname "$out")"
exec python3 "$repo/scripts/bench-node.py" --node-dll "$node_dll" --sim-dll "$sim_dll" --data "$data" --work "$(cd "$work" && pwd)" \
  --out "$out" --port "$port" --only "$only" --starts "$starts" --softmax-seconds "$softmax" --lenet-seconds "$lenet" \
  --coldstart-min-peers "$minpeers" --clusters "$clusters" --argv "${argv[@]}"
