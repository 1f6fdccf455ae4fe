#!/usr/bin/env bash
# Coverage-guided fuzzing of every wire decoder. AFL++ (Debian package afl++) drives the .NET
# targets of tests/Decentral.Fuzz through SharpFuzz, which instruments a copy of the libraries
# (Decentral.Libp2p, Decentral.Libp2p.Gossip, Decentral.Core) for branch coverage. Each target
# runs until it has executed EXECS inputs (default 10^6), one target after the other.
#
# Writes: the results table (inputs, inputs/s, corpus, crashes, hangs, peak memory of the target
# process) into docs/benchmarks/fuzzing.md between its fuzz-table markers; crashing and hanging
# inputs into $FUZZ_WORK/findings/TARGET (reproduce with: dotnet tests/Decentral.Fuzz/bin/Release/
# net10.0/decentral-fuzz.dll run TARGET FILE). With --update-corpus the AFL queue, minimized by
# afl-cmin, replaces tests/fuzz/corpus/TARGET (the seeded CI tier starts from it).
#
# Long: run it niced in the background, e.g.
#   nice -n 10 scripts/fuzz.sh > out/fuzz.log 2>&1 &
# usage: scripts/fuzz.sh [--execs N] [--update-corpus] [TARGET...]   (default: every target)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
execs=1000000
update=0
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --execs) execs="$2"; shift 2 ;;
    --update-corpus) update=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
work="${FUZZ_WORK:-$root/out/fuzz}"
log() { printf '[fuzz] %s\n' "$*"; }

if ! command -v afl-fuzz >/dev/null; then
  log "installing afl++ (apt)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends afl++
fi
if [[ ! -x "$root/.tools/sharpfuzz" ]]; then
  log "installing the SharpFuzz instrumenter (dotnet tool SharpFuzz.CommandLine) into .tools"
  dotnet tool install --tool-path "$root/.tools" SharpFuzz.CommandLine >/dev/null
fi

log "building the harness (plain, for seeds and replays; instrumented copy, for AFL)"
dotnet build tests/Decentral.Fuzz -c Release --nologo -v q -clp:ErrorsOnly >/dev/null
plain="$root/tests/Decentral.Fuzz/bin/Release/net10.0/decentral-fuzz.dll"
# afl-cmin wants the path of the program it runs.
dotnet_bin="$(readlink -f "$(command -v dotnet)")"
rm -rf "$work/bin"
dotnet build tests/Decentral.Fuzz -c Release --nologo -v q -clp:ErrorsOnly -o "$work/bin" >/dev/null
for dll in Decentral.Libp2p.dll Decentral.Libp2p.Gossip.dll Decentral.Core.dll; do
  "$root/.tools/sharpfuzz" "$work/bin/$dll" >/dev/null
done
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(dotnet "$plain" list | awk '{print $1}')
fi

# A .NET target is not an instrumented native binary, and containers often lack core_pattern
# and CPU governor control: tell AFL so instead of changing the machine. AFL_ALLOW_TMP: afl-cmin
# refuses a FUZZ_WORK under /tmp otherwise (and the corpus update with it).
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_ALLOW_TMP=1

rows=()
for target in "${targets[@]}"; do
  dir="$work/$target"
  rm -rf "$dir" && mkdir -p "$dir/in"
  dotnet "$plain" seeds "$target" "$dir/in"
  if [[ -d "tests/fuzz/corpus/$target" ]]; then
    cp "tests/fuzz/corpus/$target"/* "$dir/in/" 2>/dev/null || true
  fi
  find "$dir/in" -type f -empty -delete
  log "$target: $execs inputs from $(ls "$dir/in" | wc -l) seeds"
  start=$(date +%s)
  afl-fuzz -i "$dir/in" -o "$dir/out" -E "$execs" -t 2000 -m none -- dotnet "$work/bin/decentral-fuzz.dll" afl "$target" > "$dir/afl.log" 2>&1 &
  afl=$!
  # Peak memory of the target process (AFL's child), sampled while it runs.
  peak=0
  while kill -0 "$afl" 2>/dev/null; do
    for child in $(pgrep -P "$afl" || true); do
      hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0)
      if (( hwm > peak )); then peak=$hwm; fi
    done
    sleep 2
  done
  wait "$afl" || { log "$target: afl-fuzz failed, see $dir/afl.log"; tail -20 "$dir/afl.log"; exit 1; }
  seconds=$(( $(date +%s) - start ))
  stats="$dir/out/default/fuzzer_stats"
  field() { awk -v k="$1" '$1 == k {print $3}' "$stats"; }
  done_execs=$(field execs_done)
  crashes=$(field saved_crashes)
  hangs=$(field saved_hangs)
  corpus=$(field corpus_count)
  mkdir -p "$work/findings/$target"
  cp "$dir/out/default/crashes"/id:* "$dir/out/default/hangs"/id:* "$work/findings/$target/" 2>/dev/null || true
  rate=$(( done_execs / (seconds > 0 ? seconds : 1) ))
  rows+=("| \`$target\` | $done_execs | $rate | $corpus | $crashes | $hangs | $(( peak / 1024 )) |")
  log "$target: $done_execs inputs in ${seconds}s, $crashes crashes, $hangs hangs, corpus $corpus, peak RSS $(( peak / 1024 )) MiB"

  if [[ $update -eq 1 && $crashes -eq 0 && $hangs -eq 0 ]]; then
    mkdir -p "$dir/min"
    if afl-cmin -i "$dir/out/default/queue" -o "$dir/min" -t 5000 -m none -- "$dotnet_bin" "$work/bin/decentral-fuzz.dll" afl "$target" > "$dir/cmin.log" 2>&1; then
      rm -rf "tests/fuzz/corpus/$target" && mkdir -p "tests/fuzz/corpus/$target"
      # Small files only: the corpus is committed and replayed by the CI tier.
      find "$dir/min" -type f -size -16k | sort | head -200 | while read -r f; do cp "$f" "tests/fuzz/corpus/$target/$(sha1sum "$f" | cut -c1-16)"; done
      log "$target: corpus now $(ls "tests/fuzz/corpus/$target" | wc -l) files"
    else
      log "$target: afl-cmin failed (see $dir/cmin.log); corpus unchanged"
    fi
  fi
done

table="$work/table.md"
{
  echo "Measured by \`scripts/fuzz.sh --execs $execs\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(afl-fuzz -h 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | grep -o 'afl-fuzz++[0-9a-z.]*' | head -1), .NET $(dotnet --version), niced, other jobs running)."
  echo
  echo "| target | inputs | inputs/s | corpus | crashes | hangs | peak RSS MiB |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$table"
doc="docs/benchmarks/fuzzing.md"
"$root/scripts/replace-section.sh" "$doc" fuzz-table "$table"
cat "$table"
