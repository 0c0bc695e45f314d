#!/usr/bin/env bash
# One `make run` step: `tools/step.sh [--show] NAME COMMAND...` runs COMMAND with its output in
# $SHOPLET_DATA_DIR/log/NAME.log and prints one line: the step and the seconds it took. --show
# also prints the command's output (indented); on failure the last 40 lines are printed.
set -u
show=""
if [ "${1:-}" = "--show" ]; then show=1; shift; fi
name=$1; shift
log_dir="${SHOPLET_DATA_DIR:-./var}/log"
mkdir -p "$log_dir"
log="$log_dir/$name.log"
start=${EPOCHREALTIME/[.,]/}
printf '  ... %s\n' "$name"
"$@" >"$log" 2>&1
status=$?
ms=$(( (${EPOCHREALTIME/[.,]/} - start) / 1000 ))
seconds=$(printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100)))
if [ $status -ne 0 ]; then
  printf '  FAIL %-24s %6ss  (log: %s)\n' "$name" "$seconds" "$log"
  tail -n 40 "$log" | sed 's/^/       /'
  exit $status
fi
printf '  ok   %-24s %6ss\n' "$name" "$seconds"
if [ -n "$show" ]; then sed 's/^/       /' "$log"; fi
