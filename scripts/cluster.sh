#!/usr/bin/env bash
# Starts N Decentral nodes on loopback: one build, then N processes of the built program, each
# with its own port, data directory and share of the data; node 0 is the bootstrap of the others.
# Prints each node's peer id, address and telemetry file, and stops them all (gracefully: LEAVE,
# checkpoint) on Ctrl+C. Watch it live with the dashboard (the command is printed).
#
# Usage: scripts/cluster.sh N [options] [-- extra decentral-node run options for every node]
#   --algorithm NAME    modest (default), or a baseline: fedavg, dpsgd, gossip, epidemic
#   --task NAME         mnist (default), fashion-mnist, movielens, synthetic
#   --model NAME        softmax (default), lenet, mf
#   --sample-size S     MoDeST's s (default: N/2, at least 2, at most 10)
#   --alpha A           Dirichlet label skew of the split (default 0.5; 0 = IID)
#   --seed N            the run seed, the same for every node (default 1)
#   --out DIR           where the data directories go (default runs/cluster)
#   --port P            node i listens on 127.0.0.1:P+i (default 4101)
#   --session NAME      the learning session (default cluster)
#   --keep              keep the data directories of a previous run (identities, checkpoints,
#                       telemetry): the nodes rejoin from their checkpoints and resume the
#                       session after founding:resumeAfter (40 s); by default they are deleted
#   --duration D        stop after D seconds (default: run until Ctrl+C)
# Example: scripts/cluster.sh 10 --task mnist --model softmax
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Nodes run with at most 2 glibc malloc arenas, as the systemd unit sets it (configs/decentral-node.service).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "cluster: $*" >&2; exit 2; }

[[ $# -ge 1 ]] || { usage >&2; exit 2; }
case "$1" in -h|--help|help) usage; exit 0 ;; esac
n="$1"; shift
[[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 200 ]] || die "N must be a number from 1 to 200 (got '$n')"
algorithm=modest task=mnist model=softmax sample="" alpha=0.5 seed=1 out=runs/cluster port=4101 session=cluster fresh=1 duration=""
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --algorithm) algorithm="${2:?--algorithm needs a value}"; shift 2 ;;
    --task) task="${2:?--task needs a value}"; shift 2 ;;
    --model) model="${2:?--model needs a value}"; shift 2 ;;
    --sample-size) sample="${2:?--sample-size needs a value}"; shift 2 ;;
    --alpha) alpha="${2:?--alpha needs a value}"; shift 2 ;;
    --seed) seed="${2:?--seed needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a value}"; shift 2 ;;
    --port) port="${2:?--port needs a value}"; shift 2 ;;
    --session) session="${2:?--session needs a value}"; shift 2 ;;
    --duration) duration="${2:?--duration needs a value}"; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --keep) fresh=0; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see scripts/cluster.sh --help)" ;;
  esac
done
if [[ -z "$sample" ]]; then sample=$(( n / 2 )); (( sample < 2 )) && sample=2; (( sample > 10 )) && sample=10; (( sample > n )) && sample=$n; fi
minmodels=$(( sample < 3 ? sample : 3 ))

if [[ "$task" != synthetic ]]; then scripts/fetch-data.sh >&2; fi
echo "[cluster] building decentral-node" >&2
build_log="$(mktemp)"
if ! dotnet build node/Decentral.Node -c Release --nologo -v quiet >"$build_log" 2>&1; then
  cat "$build_log" >&2; rm -f "$build_log"; exit 1
fi
rm -f "$build_log"
dll="$repo/node/Decentral.Node/bin/Release/net10.0/decentral-node.dll"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
if [[ $fresh -eq 1 ]]; then rm -rf "$out"/node-*; fi
pids=()
stop() {
  trap - INT TERM
  echo "[cluster] stopping ${#pids[@]} nodes (LEAVE, checkpoint)" >&2
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "[cluster] stopped; data in $out" >&2
  exit 0
}
trap stop INT TERM

start() {
  local i="$1"; shift
  local dir="$out/node-$i"
  mkdir -p "$dir"
  rm -f "$dir/node.json"
  dotnet "$dll" run --config configs/node-local.json --data-dir "$dir" --session "$session" \
    --listen "/ip4/127.0.0.1/tcp/$((port + i))" --task "$task" --model "$model" --partition "$i/$n" \
    --set "learning:partition:alpha=$alpha" --set "learning:partition:seed=$seed" \
    --set "protocol:sampleSize=$sample" --set "protocol:minModels=$minmodels" --set "founding:minPeers=$n" \
    --set "node:statusInterval=00:00:02" --set "node:algorithm=$algorithm" \
    "$@" "${extra[@]}" >"$dir/node.log" 2>&1 &
  pids+=("$!")
}

wait_status() {
  local dir="$1" pid="$2"
  for _ in $(seq 1 600); do
    [[ -s "$dir/node.json" ]] && return 0
    kill -0 "$pid" 2>/dev/null || { echo "[cluster] a node exited at start; its log ($dir/node.log):" >&2; tail -20 "$dir/node.log" >&2; stop; }
    sleep 0.1
  done
  die "no node.json in $dir after 60 s"
}

# One field of a node.json (the first element of a list), read with Node.js, which the README already requires.
field() { node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = d[process.argv[2]]; console.log(Array.isArray(v) ? v[0] : v)' "$@"; }

start 0
wait_status "$out/node-0" "${pids[0]}"
bootstrap="$(field "$out/node-0/node.json" announce)"
for ((i = 1; i < n; i++)); do start "$i" --bootstrap "$bootstrap"; done
for ((i = 1; i < n; i++)); do wait_status "$out/node-$i" "${pids[$i]}"; done

printf '%-5s %-54s %-24s %s\n' node "peer id" address telemetry
for ((i = 0; i < n; i++)); do
  dir="$out/node-$i"
  printf '%-5s %-54s %-24s %s\n' "$i" "$(field "$dir/node.json" peer_id)" "127.0.0.1:$((port + i))" "$dir/telemetry.jsonl"
done
echo "[cluster] $n nodes, session '$session', $algorithm, s=$sample, $task/$model; logs in $out/node-*/node.log" >&2
echo "[cluster] dashboard: dotnet run -c Release --project simulator/Decentral.Dashboard -- $(dirname "$out")   then open http://127.0.0.1:8077/?run=$(basename "$out")" >&2
echo "[cluster] Ctrl+C stops every node" >&2
if [[ -n "$duration" ]]; then
  sleep "$duration" & wait $! || true
  stop
fi
while true; do
  for idx in "${!pids[@]}"; do
    if ! kill -0 "${pids[$idx]}" 2>/dev/null; then
      wait "${pids[$idx]}" || echo "[cluster] node $idx exited (code $?); see $out/node-$idx/node.log" >&2
      unset 'pids[idx]'
    fi
  done
  [[ ${#pids[@]} -gt 0 ]] || { echo "[cluster] every node exited" >&2; exit 1; }
  sleep 1 & wait $! || true
done
