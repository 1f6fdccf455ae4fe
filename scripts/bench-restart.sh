#!/usr/bin/env bash
# Restart benchmark: one node of a real loopback cluster killed with kill -9 and started again at
# once from its data directory (identity, checkpoint), again and again. scripts/cluster.sh 8
# (MNIST softmax, s = 4, configs/node-local.json, as bench-crash-stall.sh); from 30 s after the
# cluster is up, node 5 is killed and restarted every 15 s, K times. From the nodes' logs and
# telemetry, per kill: when the node rejoined and trained again, the longest time without any
# aggregation, and what the other nodes' round checks found (an aggregator that answered with a
# higher membership index, one that did not answer; trainers that did not answer, or answered
# without the round's aggregate). Adds the run's table to docs/benchmarks/restart.md, above the
# earlier ones, and leaves the nodes' logs and telemetry in runs/bench-restart. About 3 minutes
# for 8 kills.
# Usage: scripts/bench-restart.sh [kills, default 8]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
kills="${1:-8}"
[[ "$kills" =~ ^[1-9][0-9]*$ ]] || { echo "bench-restart: kills must be a positive number (got '$kills')" >&2; exit 2; }
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
out=docs/benchmarks/restart.md
work="$(mktemp -d)"
logs=runs/bench-restart
restarted=""
cleanup() {
  if [[ -n "$restarted" ]]; then kill -TERM "$restarted" 2>/dev/null || true; wait "$restarted" 2>/dev/null || true; fi
  if [[ -d "$work/c" ]]; then rm -rf "$logs"; mkdir -p "$logs"; cp -r "$work/c/." "$logs/"; cp "$work/kills" "$logs/" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
every=15
# The build the cluster runs: cluster.sh builds the tree as it is now.
build="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- node || echo ' with uncommitted changes')"
duration=$(( 30 + kills * every + 10 ))

scripts/cluster.sh 8 --out "$work/c" --port 5101 --duration "$duration" >"$work/cluster.log" 2>&1 &
cluster=$!
for _ in $(seq 1 600); do grep -q "Ctrl+C stops every node" "$work/cluster.log" && break; sleep 1; done
grep -q "Ctrl+C stops every node" "$work/cluster.log" || { echo "bench-restart: the cluster did not start" >&2; cat "$work/cluster.log" >&2; exit 1; }
sleep 30

node5="$work/c/node-5"
: >"$work/kills"
for i in $(seq 1 "$kills"); do
  pid="$(pgrep -f -- "--data-dir $node5" | head -1)"
  [[ -n "$pid" ]] || { echo "bench-restart: node 5 is not running before kill $i (see $node5/node.log)" >&2; exit 1; }
  mapfile -d '' command <"/proc/$pid/cmdline"
  cwd="$(readlink "/proc/$pid/cwd")"
  date +%s.%N >>"$work/kills"
  kill -9 "$pid"
  if [[ "$pid" == "$restarted" ]]; then wait "$pid" 2>/dev/null || true; fi
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  # The same command line, in the same directory: the node comes back as itself.
  (cd "$cwd" && exec "${command[@]}" >>"$node5/node.log" 2>&1) &
  restarted=$!
  echo "[restart] kill $i of $kills: node 5 (pid $pid) killed and started again (pid $restarted)" >&2
  sleep "$every"
done
wait "$cluster" || true
kill -TERM "$restarted" 2>/dev/null || true
wait "$restarted" 2>/dev/null || true
restarted=""

rows="$work/rows"
python3 - "$work/c" "$work/kills" "$every" >"$rows" <<'PY'
import datetime, glob, json, re, sys
folder, kills_file, every = sys.argv[1], sys.argv[2], float(sys.argv[3])
kills = [float(line) for line in open(kills_file) if line.strip()]
aggregations = []
for path in glob.glob(folder + '/node-*/telemetry.jsonl'):
    for line in open(path):
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if row.get('role') == 'aggregator':
            aggregations.append(row['unix_s'])
aggregations.sort()

# Log lines start with a UTC time of day (HH:mm:ss.fff); the day is the kill's.
day = datetime.datetime.fromtimestamp(kills[0], datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
def stamped(path, pattern):
    times = []
    for line in open(path, errors='replace'):
        m = re.match(r'(\d\d):(\d\d):(\d\d\.\d+) ', line)
        if m and pattern in line:
            t = day + datetime.timedelta(hours=int(m[1]), minutes=int(m[2]), seconds=float(m[3]))
            times.append(t.timestamp())
    return times
victim = folder + '/node-5/node.log'
others = [p for p in glob.glob(folder + '/node-*/node.log') if p != victim]
def everywhere(pattern):
    return sorted(t for p in others for t in stamped(p, pattern))
rejoined = stamped(victim, 'Rejoining from the checkpoint')
trained = stamped(victim, 'Sampled: training round')
restarted = everywhere('higher membership index (it restarted')
silent = everywhere('did not answer the aggregator check')
trainers = everywhere('expected trainers did not answer the trainer check')
unsampled = everywhere('answered the trainer check without the aggregate')

first = kills[0]
baseline = sum(1 for t in aggregations if first - every <= t < first)
def first_after(times, since, until):
    later = [t - since for t in times if since <= t < until]
    return f"{later[0]:.1f}" if later else "-"
def count(times, since, until):
    return sum(1 for t in times if since <= t < until)
totals = [0, 0, 0, 0]
for i, killed in enumerate(kills):
    until = kills[i + 1] if i + 1 < len(kills) else killed + every
    window = [t for t in aggregations if killed <= t < until]
    gap = max(b - a for a, b in zip([killed] + window, window + [until]))
    found = [count(restarted, killed, until), count(silent, killed, until), count(trainers, killed, until), count(unsampled, killed, until)]
    totals = [a + b for a, b in zip(totals, found)]
    share = f"{len(window) / baseline:.2f}" if baseline else "-"
    print(f"| {i + 1} | {first_after(rejoined, killed, until)} | {first_after(trained, killed, until)} | {gap:.1f} | {len(window)} | {share} | {found[0]} | {found[1]} | {found[2]} | {found[3]} |")
print(f"| all {len(kills)} | | | | {sum(1 for t in aggregations if first <= t < kills[-1] + every)} | | {totals[0]} | {totals[1]} | {totals[2]} | {totals[3]} |")
print(f"BASELINE {baseline}")
PY
baseline="$(sed -n 's/^BASELINE //p' "$rows")"
sed -i '/^BASELINE /d' "$rows"
echo "[restart] aggregations in the $every s before the first kill: $baseline" >&2
cat "$rows" >&2

earlier="$work/earlier"
if [[ -f "$out" ]]; then sed -n '/^<!-- runs -->$/,$p' "$out" | tail -n +2 >"$earlier"; else : >"$earlier"; fi
{
  cat <<'HEADER'
# Restart: one node killed and started again at once, in a real cluster

Written by `scripts/bench-restart.sh` (do not edit by hand; rerun the script).

**What is measured.** `scripts/cluster.sh 8` (8 `decentral-node` processes on loopback, MNIST
softmax regression, s = 4, one aggregator a round, `configs/node-local.json`: aggregator and
trainer checks every 5 s, `ackTimeout` 30 s). From 30 s after the cluster is up, node 5 is killed
with `kill -9` and started again at once with the same command line (its identity and checkpoint
are in its data directory, so it rejoins as itself with a higher membership index), every 15 s.
Per kill, from the nodes' logs and telemetry (`telemetry.jsonl`, one row per round a node
aggregated): when the node logged its rejoin and its first training since the start, the longest
time without any aggregation until the next kill, the aggregations in those 15 s (and their share
of the 15 s before the first kill), and what the other nodes' round checks logged:
- **restarted**: a trainer's aggregator check found an aggregator it had sent its model to
  answering with a higher membership index than when the model went (it restarted and lost the
  round), and sent the model to the next aggregator of the round without marking it LEAVE;
- **silent aggregator**: the aggregator did not answer (it was still down): marked LEAVE, failover;
- **silent trainers**: an aggregator's trainer check found expected trainers silent;
- **trainer without the aggregate**: it found an expected trainer live but without the aggregate
  it would train (a restarted process holds none), so the round went on without it.

**How to read it.** Most kills hit node 5 when it holds no round (8 nodes, s = 4): the rounds go
on, the stall is short, and no check fires. When it held a round as the aggregator, its trainers
waited for an Ack that would never come; the aggregator check ends that wait after 5 s (restarted
or silent, whichever it was by then) instead of `ackTimeout`. When it was an awaited trainer, the
trainer check (5 s) counts it lost. When it was both, the aggregator of its round and one of that
round's trainers, the stall is 10 s: the aggregator the trainers failed over to counts the dead
trainer lost only at its own trainer check, 5 s after the models came (kill 10 of the 30-kill run
of 2026-12-03, read from its logs). The logs and telemetry of the latest run stay in
`runs/bench-restart` (`kills` holds the kill times, Unix seconds).
HEADER
  echo
  echo "<!-- runs -->"
  echo
  echo "**Machine.** $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(dotnet --version) SDK. Date: $(date -u +%F). Build: $build. Command: \`scripts/bench-restart.sh $kills\`. Aggregations in the $every s before the first kill: $baseline."
  echo
  echo "| kill | rejoined after (s) | trained again after (s) | longest stall (s) | aggregations until the next kill | of the $every s before | restarted | silent aggregator | silent trainers | trainer without the aggregate |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  cat "$rows"
  if [[ -s "$earlier" ]]; then echo; cat "$earlier"; fi
} >"$out.new"
mv "$out.new" "$out"
echo "wrote $out" >&2
