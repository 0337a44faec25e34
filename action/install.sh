#!/usr/bin/env bash
# Puts a leakhound binary at "$LEAKHOUND_ROOT/bin/leakhound" for the GitHub Action: kept as is when
# the cache restored it, otherwise built from the action's own source with cargo (no download of
# a prebuilt binary, no licence key). Also prints the cache key for the build: the runner and a
# hash of the sources, so a new action version or commit never reuses an older binary.
#
#   action/install.sh key      print "key=..." for $GITHUB_OUTPUT
#   action/install.sh build    build unless the binary is already there
set -euo pipefail

source_dir=${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}
root=${LEAKHOUND_ROOT:?LEAKHOUND_ROOT is not set}

case "${1:-}" in
  key)
    hash=$(cd "$source_dir" && find Cargo.toml Cargo.lock build.rs src rules -type f -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-32)
    echo "key=leakhound-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-$hash"
    ;;
  build)
    if [[ -x "$root/bin/leakhound" ]]; then
      echo "leakhound restored from the cache: $("$root/bin/leakhound" --version)"
      exit 0
    fi
    command -v cargo >/dev/null || {
      echo "::error title=leakhound action::cargo is not installed on this runner: add a Rust toolchain step (e.g. dtolnay/rust-toolchain) before this action"
      exit 2
    }
    cargo install --locked --root "$root" --path "$source_dir"
    ;;
  *)
    echo "usage: $0 key|build" >&2
    exit 2
    ;;
esac
