#!/usr/bin/env bash
# Resident memory of a node under floods, per GC configuration. The victim is the node
# executable's p2p verb (a libp2p host with gossip, the default limits); the attacker is
# decentral-soak's flood verb (tests/Decentral.Soak, the soak's attacker too). For every GC configuration and every flood (idle sockets, connect/close
# churn, 1 MiB of garbage per connection, a peer publishing 64 KiB gossip messages flat out) it
# samples the victim's VmRSS every 250 ms: at rest before the flood, the peak during it, at its
# end, and 5 s after it. Writes the table to docs/benchmarks/flood-memory.md.
#
# Long (about 10 minutes): run it niced in the background, e.g.
#   nice -n 10 scripts/bench-flood.sh > out/bench-flood.log 2>&1 &
# usage: scripts/bench-flood.sh [SECONDS_PER_FLOOD=15]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds="${1:-15}"
work="$(mktemp -d)"
trap 'kill "$victim" 2>/dev/null || true; rm -rf "$work"' EXIT
victim=0

dotnet build node/Decentral.Node -c Release --nologo -v q -clp:ErrorsOnly >/dev/null
node_dll="$root/node/Decentral.Node/bin/Release/net10.0/decentral-node.dll"
dotnet build tests/Decentral.Soak -c Release --nologo -v q -clp:ErrorsOnly >/dev/null
flood() { dotnet "$root/tests/Decentral.Soak/bin/Release/net10.0/decentral-soak.dll" flood "$@"; }

# name|environment (DOTNET_* settings override the executable's runtimeconfig)
configs=(
  "workstation, concurrent (runtime default)|DOTNET_gcServer=0 DOTNET_gcConcurrent=1 DOTNET_GCConserveMemory=0"
  "server|DOTNET_gcServer=1 DOTNET_gcConcurrent=1 DOTNET_GCConserveMemory=0"
  "workstation, non-concurrent, ConserveMemory=7 (shipped)|DOTNET_gcServer=0 DOTNET_gcConcurrent=0 DOTNET_GCConserveMemory=7"
  "shipped + gen0 budget 4 MiB|DOTNET_gcServer=0 DOTNET_gcConcurrent=0 DOTNET_GCConserveMemory=7 DOTNET_GCgen0size=0x400000"
  "shipped + GCHeapHardLimit 256 MiB|DOTNET_gcServer=0 DOTNET_gcConcurrent=0 DOTNET_GCConserveMemory=7 DOTNET_GCHeapHardLimit=0x10000000"
)
floods=(idle churn garbage gossip)

rss() { awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$1/status" 2>/dev/null || echo 0; }

rows=()
for config in "${configs[@]}"; do
  name="${config%%|*}"
  settings="${config#*|}"
  for mode in "${floods[@]}"; do
    out="$work/victim.out"
    : > "$out"
    env $settings dotnet "$node_dll" p2p --listen /ip4/127.0.0.1/tcp/0 --timeout 10m > "$out" 2> "$work/victim.err" &
    victim=$!
    for _ in $(seq 1 300); do grep -q '"listening"' "$out" && break; sleep 0.2; done
    addr="$(grep -m1 '"listening"' "$out" | sed 's/.*"addrs":\["\([^"]*\)".*/\1/')"
    sleep 2
    rest=$(rss "$victim")
    flood "$mode" "$addr" "$seconds" > "$work/flood.json" &
    attacker=$!
    peak=0
    while kill -0 "$attacker" 2>/dev/null; do
      now=$(rss "$victim")
      if (( now > peak )); then peak=$now; fi
      sleep 0.25
    done
    wait "$attacker" || true
    at_end=$(rss "$victim")
    sleep 5
    after=$(rss "$victim")
    ops="$(sed 's/.*"ops":\([0-9]*\).*/\1/' "$work/flood.json")"
    # SIGTERM: a background job of a script ignores SIGINT; .NET shuts down cleanly on SIGTERM.
    kill "$victim" 2>/dev/null || true
    wait "$victim" || true
    rows+=("| $name | $mode | $ops | $rest | $peak | $at_end | $after |")
    echo "[flood] $name / $mode: ops $ops, RSS rest $rest, peak $peak, end $at_end, +5 s $after MiB"
  done
done

doc="docs/benchmarks/flood-memory.md"
table="$work/table.md"
{
  echo "Measured by \`scripts/bench-flood.sh $seconds\` on $(date -u +%Y-%m-%d) ($(nproc) cores, .NET $(dotnet --version), niced, other jobs running). Ops: sockets opened (idle, churn, garbage) or messages published (gossip). RSS in MiB."
  echo
  echo "| GC configuration | flood | ops | RSS at rest | peak RSS | RSS at flood end | RSS 5 s later |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$table"
"$root/scripts/replace-section.sh" "$doc" flood-table "$table"
cat "$table"
