#!/usr/bin/env bash
# Aggregation rules against the weighted mean (n = 10 models of a LeNet-5-sized and a 1M-parameter
# model); writes docs/benchmarks/aggregation.md.
# Usage: scripts/bench-aggregation.sh [parameter counts, default 61706,1000000] [repeats, default 15]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-61706,1000000}"
repeats="${2:-15}"
out=docs/benchmarks/aggregation.md
table="$(mktemp)"
trap 'rm -f "$table"' EXIT

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build -c Release tests/Decentral.Benchmarks/Decentral.Benchmarks.csproj -v quiet -nologo >/dev/null
dotnet tests/Decentral.Benchmarks/bin/Release/net10.0/Decentral.Benchmarks.dll aggregation --params "$sizes" --models 10 --repeats "$repeats" --out "$table"

mkdir -p "$(dirname "$out")"
{
  cat <<'HEADER'
# Aggregation rules against the mean

Written by `scripts/bench-aggregation.sh` (do not edit by hand; rerun the script).

**What is timed.** One aggregation of n = 10 models (a MoDeST round with s = 10) of 61,706
parameters (LeNet-5 on MNIST) and of 1,000,000, through `IAggregationRule.Aggregate` into a
reused destination, as the aggregator does it. Every case runs once per repeat, in turn, so all
cases of a repeat see the same machine state; the table gives the median time over the repeats
and the median of the per-repeat ratios to the mean of the same repeat (the ratio is the number
to quote on a shared machine). `MB/s of input` is n x parameters x 4 bytes over the median time.
Three warm-up calls per case first.

**Cases.** `mean` is `FedAvg.Average` (the default rule, bit for bit the accumulator's result).
`median` and `trimmed mean` load one Vector<float> from each model and sort the 10 vectors with
a pruned Batcher network of lane-wise min/max (no branches), then average the kept positions in
double. `clipped mean` computes the median, each model's distance from it (double, 8 fixed
lanes), and the mean of the clipped deviations. `Krum` sums all 45 pairwise squared distances
over 2048-coordinate blocks (every model's block stays in cache) and copies the winner;
`multi-Krum` averages the 6 best with the mean. `validation` is the finite check plus the
relative norm bound (median and distances). `naive median` gathers each coordinate and sorts it
with `Array.Sort`: what the network replaces. `memcpy` copies each input once into the
destination: the floor of any pass over the inputs.

HEADER
  echo "**Machine.** $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(dotnet --version) SDK, Vector<float> of $(grep -qw avx2 /proc/cpuinfo && echo 8 || echo 4) lanes; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg). Date: $(date -u +%Y-%m-%d). Other engineers share the machine: absolute times move with their builds, ratios much less."
  echo
  cat "$table"
} > "$out"
echo "wrote $out"
