#!/usr/bin/env bash
# Throughput of a 16 MiB transfer on loopback: raw TCP vs our libp2p stack vs two js-libp2p
# peers, all in one run, plus managed memory per idle connection. Writes a Markdown table to
# docs/benchmarks/libp2p-transfer.md. Goal: ours >= 0.5x raw TCP, and faster than js-libp2p.
# Needs: .NET 10 SDK; Node 20.19+ with 'npm ci' done in tests/interop (else js is skipped).
# usage: scripts/bench-libp2p-transfer.sh [sizeMiB=16] [runs=5]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
size="${1:-16}"
runs="${2:-5}"
js="$root/tests/interop/bench-transfer.mjs"
if ! command -v node >/dev/null || [ ! -d "$root/tests/interop/node_modules/libp2p" ]; then
  echo "js-libp2p not installed (run npm ci in tests/interop): skipping the js row" >&2
  js="-"
fi
out="$root/docs/benchmarks/libp2p-transfer.md"
mkdir -p "$(dirname "$out")"
table="$(cd "$root/scripts" && dotnet run -c Release bench-libp2p-transfer.cs -- "$size" "$runs" "$js" 32)"
{
  echo "# libp2p transfer benchmark"
  echo
  echo "Measured by \`scripts/bench-libp2p-transfer.sh $size $runs\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m), .NET $(dotnet --version), node $(node --version 2>/dev/null || echo n/a))."
  echo
  echo "$table"
} > "$out"
cat "$out"
