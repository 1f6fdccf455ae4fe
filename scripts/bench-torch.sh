#!/usr/bin/env bash
# TorchSharp training benchmark: LeNet-5 on Fashion-MNIST, batch 32, SGD (lr 0.01, momentum
# 0.9), one intra-op thread, compared with Debian's python3-torch running the same model.
# Writes docs/benchmarks/torch.md (a results table plus how it was measured).
#
# Usage: scripts/bench-torch.sh [steps-per-repeat]   (default 1500 steps = 48,000 samples, x3)
# Needs: dotnet 10 SDK; apt-get (root) to install python3-torch for the reference column.
# python3-torch is installed here only, never in CI. Data: fetched by scripts/fetch-data.sh
# when missing; if that fails, both sides use random images of the same shape (throughput
# does not depend on pixel values).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
steps="${1:-1500}"
out="$repo_root/docs/benchmarks/torch.md"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
data_root="${DECENTRAL_DATA:-$repo_root/data}"

log() { printf '[bench-torch] %s\n' "$*"; }

if [ ! -f "$data_root/fashion-mnist/train-images-idx3-ubyte.gz" ]; then
  log "fetching data"
  "$repo_root/scripts/fetch-data.sh" || log "fetch failed: using random images"
fi

# Debian's python3-torch (1.13, OpenBLAS) is the reference; pip is not reachable here.
python=/usr/bin/python3
if ! "$python" -c 'import torch' 2>/dev/null; then
  log "installing python3-torch with apt"
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch >/dev/null \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch >/dev/null; }
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch >/dev/null
  fi
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
log "building and running the TorchSharp side ($steps steps x 3)"
(cd "$repo_root" && dotnet run -c Release scripts/bench-torch/BenchTorch.cs -- "$steps") | tee "$work/cs.tsv"
log "running the PyTorch side"
"$python" "$repo_root/scripts/bench-torch-reference.py" "$data_root" "$steps" | tee "$work/py.tsv"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

get() { awk -F'\t' -v k="$2" '$1 == k { print $2 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

cs1="$(get "$work/cs.tsv" train_samples_per_s_1thread)"
py1="$(get "$work/py.tsv" train_samples_per_s_1thread)"
cscpu="$(get "$work/cs.tsv" train_samples_per_cpu_s_1thread)"
pycpu="$(get "$work/py.tsv" train_samples_per_cpu_s_1thread)"

mkdir -p "$(dirname "$out")"
cat > "$out" <<MD
# TorchSharp training benchmark

Produced by \`scripts/bench-torch.sh $steps\` on $(date -u +%Y-%m-%d) ($(nproc) cores,
$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(. /etc/os-release && echo "$PRETTY_NAME")).
Load average before / after: $load_before / $load_after (other jobs share the machine: read
the wall-clock rows with that in mind; samples per CPU-second is less sensitive to it).

LeNet-5 (61,706 parameters), $(get "$work/cs.tsv" data), batch 32, SGD lr 0.01 momentum 0.9,
one intra-op thread (\`torch.set_num_threads(1)\`). Each side warms up 50 steps, then runs
$steps steps three times; the median is reported.

| metric | TorchSharp 0.107 (libtorch 2.10) | PyTorch $(get "$work/py.tsv" torch_version) (Debian python3-torch) | TorchSharp / PyTorch |
|---|---|---|---|
| train samples/s, 1 thread (wall) | $cs1 | $py1 | $(ratio "$cs1" "$py1") |
| train samples per CPU-second, 1 thread | $cscpu | $pycpu | $(ratio "$cscpu" "$pycpu") |
| train samples/s, 3 runs (wall) | $(get "$work/cs.tsv" train_samples_per_s_1thread_all) | $(get "$work/py.tsv" train_samples_per_s_1thread_all) | |
| train samples/s, 2 models on 2 threads, total | $(get "$work/cs.tsv" train_samples_per_s_2threads_total) | | |
| native init (load libtorch + build task model) | $(get "$work/cs.tsv" init_ms) ms | | |
| RSS after data load | $(get "$work/cs.tsv" rss_start_mb) MB | | |
| RSS after torch init | $(get "$work/cs.tsv" rss_after_init_mb) MB | | |
| peak RSS after 1-thread training | $(get "$work/cs.tsv" rss_training_peak_mb) MB | | |
| peak RSS at the end (2 threads, evaluation) | $(get "$work/cs.tsv" rss_end_peak_mb) MB | | |
| flat parameter write + read (61,706 floats) | $(get "$work/cs.tsv" flat_write_read_us) us | | |
| same, per 1M parameters | $(get "$work/cs.tsv" flat_write_read_us_per_1m_params) us | | |
| test accuracy after one $steps-step run from the seeded start | $(get "$work/cs.tsv" test_accuracy_after_run) | | |
| evaluate 10,000 test images (batch 250) | $(get "$work/cs.tsv" evaluate_10k_ms) ms | | |
| MF (20 factors, $(get "$work/cs.tsv" mf_parameters) parameters) train ratings/s, 1 thread | $(get "$work/cs.tsv" mf_train_ratings_per_s_1thread) | | |
| MF evaluate 100,004 ratings (batch 250) | $(get "$work/cs.tsv" mf_evaluate_100k_ms) ms | | |

How it was measured: the TorchSharp side is \`scripts/bench-torch/BenchTorch.cs\` (a .NET
file-based app referencing Decentral.Learning.Torch, Release build), timing
\`ILocalTrainer.Train\` with LocalSteps = $steps over the whole training set, so batch
assembly from the dataset, the flat parameter copy in and out, and the SGD update are all
included. CPU time is the process's user+system time over the same interval. The PyTorch side
is \`scripts/bench-torch-reference.py\`: the same architecture, \`torch.optim.SGD\`, batches
indexed from a preloaded tensor. RSS values are VmRSS / VmHWM from /proc/self/status; the
RSS after data load includes the 60,000 + 10,000 images as float32 (about 220 MB).
The MF rows use random ratings with MovieLens's id spaces (671 users, 9066 items), 100,004
ratings, lr 0.05, momentum 0.9, batch 32.

Loading on Debian 12: libLibTorchSharp.so asks for GLIBCXX_3.4.32, which Debian 12's
libstdc++ lacks. Decentral.Learning.Torch excludes TorchSharp's own copy and ships one made at
build time by an MSBuild task (node/Decentral.Learning.Torch/build/TorchNativePatch.cs) that
marks that one requirement weak when the system libstdc++ lacks the version; nothing is
needed by hand, here or on newer systems, where the copy is left unchanged.
MD
log "wrote $out"
