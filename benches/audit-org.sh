#!/usr/bin/env bash
# Whole-process benchmark of `leakhound audit`: builds a fixture organization of 20
# repositories from real source trees (crates in ~/.cargo/registry/src, each imported over
# several commits, three of them forked), then times a first audit and a re-audit.
#
#   cargo build --release && benches/audit-org.sh [WORKDIR]
#
# Needs git (to build the fixture only) and python3; leakhound itself never runs git.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$here/target/release/leakhound"
work="${1:-/tmp/leakhound-audit-bench}"
src="$(ls -d ~/.cargo/registry/src/*/ | head -1)"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org

if [ ! -d "$work/org" ]; then
  mkdir -p "$work/org"
  # The 17 largest crates (by file count) become repositories; three are forked.
  mapfile -t crates < <(for d in "$src"*/; do echo "$(find "$d" -type f | wc -l) $d"; done | sort -rn | head -17 | awk '{print $2}')
  for crate in "${crates[@]}"; do
    name="$(basename "$crate")"
    repo="$work/org/$name"
    git init -q -b main "$repo"
    # Import in four commits (a quarter of the files each), as history.
    mapfile -t files < <(cd "$crate" && find . -type f | sort)
    total=${#files[@]}
    for part in 0 1 2 3; do
      from=$(( total * part / 4 )); to=$(( total * (part + 1) / 4 ))
      for f in "${files[@]:$from:$((to - from))}"; do
        mkdir -p "$repo/$(dirname "$f")"; cp "$crate/$f" "$repo/$f"
      done
      git -C "$repo" add -A
      GIT_AUTHOR_DATE="2024-0$((part + 1))-01T00:00:00Z" GIT_COMMITTER_DATE="2024-0$((part + 1))-01T00:00:00Z" \
        git -C "$repo" commit -q -m "import part $part" --allow-empty
    done
  done
  for name in $(ls "$work/org" | head -3); do
    git clone -q --bare "$work/org/$name" "$work/org/$name-fork.git"
  done
fi

count=$(ls "$work/org" | wc -l)
size=$(du -sh "$work/org" | cut -f1)
echo "fixture: $count repositories, $size on disk, in $work/org"
rm -f "$work/bench.db"*
/usr/bin/time -f "first audit: %e s, %M KB peak" "$bin" audit "$work/org" --datastore "$work/bench.db" -q || true
/usr/bin/time -f "re-audit (nothing changed): %e s, %M KB peak" "$bin" audit "$work/org" --datastore "$work/bench.db" -q || true
# One new commit in one repository.
first="$(ls "$work/org" | head -1)"
echo "// change $(date +%s%N)" >> "$work/org/$first/bench-change.rs"
git -C "$work/org/$first" add -A && git -C "$work/org/$first" commit -q -m change
/usr/bin/time -f "re-audit (one new commit): %e s, %M KB peak" "$bin" audit "$work/org" --datastore "$work/bench.db" -q || true
rm -f "$work/bench.db"*
"$bin" audit "$work/org" --datastore "$work/bench.db" 2>&1 | tail -2
