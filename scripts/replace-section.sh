#!/usr/bin/env bash
# Replaces what stands between "<!-- NAME:start -->" and "<!-- NAME:end -->" in DOC with FILE
# (benchmark scripts keep their tables inside a hand-written page this way). No-op without the markers.
# usage: scripts/replace-section.sh DOC NAME FILE
set -euo pipefail
doc="$1" name="$2" file="$3"
if [[ -f "$doc" ]] && grep -q "<!-- $name:start -->" "$doc"; then
  awk -v table="$file" -v start="<!-- $name:start -->" -v end="<!-- $name:end -->" '
    $0 == start { print; while ((getline line < table) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$doc" > "$doc.new" && mv "$doc.new" "$doc"
fi
