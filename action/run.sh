#!/usr/bin/env bash
# The scan step of the leakhound GitHub Action. It decides what to scan from the workflow event,
# runs leakhound once (SARIF plus the JSON, annotation and job-summary reports of the same
# findings), publishes outputs, and fails the step on findings when asked to.
#
# Everything comes from the environment, so the script runs the same on a runner and in tests:
#   GITHUB_EVENT_NAME, GITHUB_EVENT_PATH      the event and its JSON payload
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY        files for step outputs and the job summary (optional)
#   INPUT_MODE                                auto|pull-request|push|history|directory (default auto)
#   INPUT_PATH                                repository or directory to scan (default .)
#   INPUT_ARGS                                extra leakhound arguments, shell-quoted
#   INPUT_BASELINE                            baseline file (optional)
#   INPUT_FAIL_ON_FINDINGS, INPUT_ANNOTATIONS, INPUT_SUMMARY   true|false (default true)
#   INPUT_SARIF                               SARIF path (default leakhound.sarif)
#   LEAKHOUND_BIN                             the leakhound binary (default: leakhound on PATH)
#
# Exit status: 0 clean (or findings with fail-on-findings false), 1 findings, 2 error.
# leakhound reads repositories itself; this script never runs git.
set -euo pipefail

readonly ZERO_SHA=0000000000000000000000000000000000000000

bin=${LEAKHOUND_BIN:-leakhound}
mode=${INPUT_MODE:-auto}
target=${INPUT_PATH:-.}
sarif=${INPUT_SARIF:-leakhound.sarif}
baseline=${INPUT_BASELINE:-}
event=${GITHUB_EVENT_NAME:-}
event_path=${GITHUB_EVENT_PATH:-}

# Prints an error for the log and as a workflow annotation, then exits with 2.
die() {
  echo "::error title=leakhound action::$*"
  exit 2
}

notice() {
  echo "::notice title=leakhound action::$*"
}

# Normalises a boolean input; anything but true/false is a configuration error.
boolean() {
  case "${2,,}" in
    true | yes | 1) echo true ;;
    false | no | 0) echo false ;;
    *) die "input $1 must be true or false, not '$2'" ;;
  esac
}

fail_on_findings=$(boolean fail-on-findings "${INPUT_FAIL_ON_FINDINGS:-true}")
annotations=$(boolean annotations "${INPUT_ANNOTATIONS:-true}")
summary=$(boolean summary "${INPUT_SUMMARY:-true}")

# Prints the value at a dotted path of the event payload, or nothing when it is absent or null.
event_field() {
  python3 - "$event_path" "$1" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    value = json.load(f)
for key in sys.argv[2].split("."):
    value = value.get(key) if isinstance(value, dict) else None
if value is not None:
    print(str(value).lower() if isinstance(value, bool) else value)
PY
}

# True when the checkout is shallow (actions/checkout defaults to fetch-depth: 1).
is_shallow() {
  [[ -f "$target/.git/shallow" || -f "$target/shallow" ]]
}

# True when REV names a commit in the repository. Resolving an empty range A..A costs little and
# lets leakhound, not git, read the repository.
has_commit() {
  "$bin" git "$target" --range "$1..$1" --quiet --format json -o /dev/null 2>/dev/null
}

# Fails clearly when a commit the event names is not in the checkout.
require_commit() {
  if ! has_commit "$1"; then
    if is_shallow; then
      die "commit $1 ($2) is not in the checkout because the clone is shallow: set 'fetch-depth: 0' on actions/checkout"
    fi
    die "commit $1 ($2) is not in the repository at '$target'"
  fi
}

# Sets `selection` to what a push calls for: the pushed range; for a new branch (or a forced push
# whose old tip is gone) the commits not on the default branch, or else the whole history of the
# new tip; nothing for a deleted branch.
push_selection() {
  local before after ref default deleted
  before=$(event_field before)
  after=$(event_field after)
  ref=$(event_field ref)
  default=$(event_field repository.default_branch)
  deleted=$(event_field deleted)
  if [[ "$deleted" == true || "$after" == "$ZERO_SHA" ]]; then
    notice "the push deleted a branch: nothing to scan"
    selection=()
    return
  fi
  [[ -n "$after" ]] || die "the push event has no 'after' commit"
  require_commit "$after" "the pushed commit"
  if [[ -n "$before" && "$before" != "$ZERO_SHA" ]]; then
    if has_commit "$before"; then
      selection=(--range "$before..$after")
      return
    fi
    is_shallow && die "the previous tip $before is not in the checkout because the clone is shallow: set 'fetch-depth: 0' on actions/checkout"
    notice "the previous tip $before is not in the repository (forced push?): scanning the commits not on the default branch instead"
  fi
  local base="refs/remotes/origin/$default"
  if [[ -n "$default" && "$ref" != "refs/heads/$default" ]] && has_commit "$base"; then
    selection=(--range "$base..$after")
  else
    notice "no default branch to compare with: scanning the full history of $after"
    selection=(--branch "$after")
  fi
}

if [[ "$mode" == auto ]]; then
  case "$event" in
    pull_request | pull_request_target) mode=pull-request ;;
    push) mode=push ;;
    *) mode=history ;;
  esac
fi

case "$mode" in
  pull-request | push)
    [[ -n "$event_path" && -f "$event_path" ]] || die "mode $mode needs the event payload, but GITHUB_EVENT_PATH is not a file"
    ;;
esac

cmd=()
selection=()
case "$mode" in
  pull-request)
    base=$(event_field pull_request.base.sha)
    head=$(event_field pull_request.head.sha)
    [[ -n "$base" && -n "$head" ]] || die "mode pull-request needs a pull_request event (event: '${event:-none}')"
    require_commit "$base" "the pull request base"
    require_commit "$head" "the pull request head"
    cmd=(git "$target" --range "$base..$head")
    ;;
  push)
    push_selection
    [[ ${#selection[@]} -eq 0 ]] || cmd=(git "$target" "${selection[@]}")
    ;;
  history)
    is_shallow && echo "::warning title=leakhound action::the clone is shallow, so older history is not scanned: set 'fetch-depth: 0' on actions/checkout"
    cmd=(git "$target")
    ;;
  directory)
    cmd=(scan "$target")
    ;;
  *)
    die "input mode must be auto, pull-request, push, history or directory, not '$mode'"
    ;;
esac

write_output() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

if [[ ${#cmd[@]} -eq 0 ]]; then
  write_output findings 0
  write_output exit-code 0
  exit 0
fi

if [[ -n "$baseline" ]]; then
  [[ -f "$baseline" ]] || die "baseline file '$baseline' does not exist"
  cmd+=(--baseline "$baseline")
fi

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/leakhound.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$sarif")"
cmd+=(--format sarif --output "$sarif" --report "json=$work/report.json")
[[ "$annotations" == true ]] && cmd+=(--report "github=$work/annotations.txt")
[[ "$summary" == true ]] && cmd+=(--report "markdown=$work/summary.md")

if [[ -n "${INPUT_ARGS:-}" ]]; then
  # shlex honours quotes in the args input; NUL separators survive any argument text.
  mapfile -d '' -t extra < <(python3 -c 'import shlex, sys; sys.stdout.write("".join(a + "\0" for a in shlex.split(sys.argv[1])))' "$INPUT_ARGS")
  cmd+=("${extra[@]}")
fi

echo "leakhound ${cmd[*]}"
set +e
"$bin" "${cmd[@]}"
code=$?
set -e
write_output exit-code "$code"

if [[ $code -eq 2 || ! -f "$work/report.json" ]]; then
  die "leakhound failed with exit code $code (an error, not findings): see its message above"
fi

findings=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1], encoding="utf-8"))["findings"]))' "$work/report.json")
write_output findings "$findings"
[[ -f "$sarif" ]] && write_output sarif "$sarif"

if [[ "$annotations" == true && -f "$work/annotations.txt" ]]; then
  cat "$work/annotations.txt"
fi
if [[ "$summary" == true && -n "${GITHUB_STEP_SUMMARY:-}" && -f "$work/summary.md" ]]; then
  cat "$work/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi

if [[ "$findings" -gt 0 ]]; then
  if [[ "$fail_on_findings" == true ]]; then
    echo "::error title=leakhound::$findings secret(s) found; see the annotations, the job summary or the code scanning alerts"
    exit 1
  fi
  echo "::warning title=leakhound::$findings secret(s) found (fail-on-findings is false)"
fi
exit 0
