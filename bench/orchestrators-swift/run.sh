#!/usr/bin/env bash
# lema adapter for the orchestrator-overhead harness (shared/bench/orchestrators/).
# usage: run.sh {setup|exec|resume|unlock|regen} WORKLOAD(chain|fan|sweep) WORKDIR N
# Every task runs `sh -c` that appends its name to WORKDIR/exec.log and writes one tiny file in its own output
# directory (the same bodies as the shell-based tools). State lives in WORKDIR/runs/<name>/state.sqlite.
# The lema binary: $LEMA, else `lema` on PATH, else the release build of this repository.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
mode=$1 wl=$2 wd=$3 n=$4
if [[ -n "${LEMA:-}" ]]; then :
elif command -v lema >/dev/null 2>&1; then LEMA=lema
else LEMA="$HERE/../../.build/release/lema"; fi
spec="$wd/$wl.yaml"

# A command stage whose body logs NAME; extra YAML lines (inputs) follow on stdin.
task() {  # task STAGE NAME
  printf '  %s:\n    kind: command\n    argv: [sh, -c, '"'"'echo %s >> exec.log; echo %s > "$0/out.txt"'"'"', "{out}"]\n' "$1" "$2" "$2"
}

write_spec() {
  mkdir -p "$wd"
  {
    case $wl in
      chain)
        printf 'name: chain\nstages:\n'
        task t0 t0
        for ((i = 1; i < n; i++)); do task "t$i" "t$i"; printf '    inputs: [t%d]\n' $((i - 1)); done ;;
      fan)
        printf 'name: fan\nstages:\n'
        task src src
        for ((i = 0; i < n; i++)); do task "t$i" "t$i"; printf '    inputs: [src]\n'; done
        task join join
        printf '    inputs: ['
        for ((i = 0; i < n; i++)); do printf '%st%d' "$([[ $i -gt 0 ]] && echo ', ')" "$i"; done
        printf ']\n' ;;
      sweep)
        printf 'name: sweep\nparams: {v: v0}\nsweep:\n  grid:\n    v: ['
        for ((i = 0; i < n; i++)); do printf '%sv%d' "$([[ $i -gt 0 ]] && echo ', ')" "$i"; done
        printf ']\nstages:\n'
        task sample sample
        task filter filter; printf '    inputs: [sample]\n'
        task correct correct; printf '    inputs: [filter]\n'
        task dedupe dedupe; printf '    inputs: [correct]\n'
        task train 'train_${params.v}'; printf '    inputs: [dedupe]\n'
        task evaluate 'evaluate_${params.v}'; printf '    inputs: [train]\n' ;;
      *) echo "lema adapter: unknown workload $wl" >&2; exit 2 ;;
    esac
  } > "$spec.tmp"
  mv "$spec.tmp" "$spec"
}

case $mode in
  setup | regen) write_spec ;;
  # Resume is just running again: a dead owner's lock is taken over and its half-done nodes are reclaimed.
  exec | resume) cd "$wd" && exec "$LEMA" run "$spec" --jobs 2 --quiet --runs-dir "$wd/runs" ;;
  unlock) ;;  # never needed
  *) echo "usage: run.sh {setup|exec|resume|unlock|regen} WORKLOAD WORKDIR N" >&2; exit 2 ;;
esac
