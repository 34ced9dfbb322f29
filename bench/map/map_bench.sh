#!/usr/bin/env bash
# [map] jobs against GNU parallel, xargs -P and (when importable) Dask's client.map, on the
# same task lists, at each rank count (not a test; docs/map.md, bench/README.md "Map"):
#   A: 2,000 tasks of `true`: per-task overhead = (wall - wall of an empty list) * ranks / tasks
#   B: 200 tasks `sleep D` of skewed length (20 of 0.8 s first, 180 of 0.05 s): makespan
#      (wall - wall of an empty list) against the ideal max(sum / ranks, longest task); the
#      static round-robin and block splits of the same list are shown for comparison.
# Every command is timed end to end (mpirun start-up included, then taken out through the
# empty-list run of the same tool). Targets: overhead <= 5 ms per task, makespan <= 1.15x ideal.
#
#   bench/map/map_bench.sh                      # RANKS="2 4", release build
#   RANKS=2 SHORT=500 SKEWED=50 bench/map/map_bench.sh    # a quick look
# Environment: RANKS, SHORT (tasks in A), SKEWED (tasks in B), RANKFLOW (the rankflow command;
# default: build the release preset), PY (python with dask.distributed, default /usr/bin/python3),
# WORK (scratch folder, default a fresh mktemp -d).
# Needs GNU parallel (Debian: apt-get install parallel); Dask is skipped when not importable.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ranks_list=${RANKS:-"2 4"}
short=${SHORT:-2000}
skewed=${SKEWED:-200}
py=${PY:-/usr/bin/python3}
work=${WORK:-$(mktemp -d /tmp/rankflow-map-bench.XXXXXX)}
mkdir -p "$work"

if [ -z "${RANKFLOW:-}" ]; then
  (cd "$root" && cmake --preset release > /dev/null && cmake --build --preset release -j "${JOBS:-2}" --target rankflow > /dev/null)
  RANKFLOW=$root/build/release/src/cli/rankflow
fi
command -v parallel > /dev/null || { echo "map_bench: GNU parallel is missing (apt-get install parallel)" >&2; exit 1; }
have_dask=0
"$py" -c 'import dask.distributed' 2> /dev/null && have_dask=1
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

# The lists: A's items are names (true ignores them), B's are the durations themselves.
seq -f "task-%05g" 0 $((short - 1)) > "$work/short.txt"
: > "$work/empty.txt"
{ for ((i = 0; i < skewed; ++i)); do if ((i < skewed / 10)); then echo 0.8; else echo 0.05; fi; done; } > "$work/skewed.txt"

# rankflow job for a list and a program (true | sleep).
job() {  # job NAME LIST PROGRAM
  cat > "$work/$1.ini" <<INI
[map]
inputs = @$2
command = $3 {input}
rerun = all
log_dir = $work/$1.logs
[output]
path = $work/$1.csv
INI
  echo "$work/$1.ini"
}

now() { date +%s.%N; }
# wall TOOL RANKS LIST PROGRAM: seconds end to end.
wall() {
  local tool=$1 np=$2 list=$3 program=$4 start end
  start=$(now)
  case $tool in
    rankflow) mpirun -np "$np" "$RANKFLOW" run "$(job "rf-$np-$(basename "$list" .txt)" "$list" "$program")" -q > /dev/null ;;
    parallel) parallel --will-cite -j "$np" "$program" {} < "$list" ;;
    xargs) xargs -r -P "$np" -n 1 "$program" < "$list" ;;
    dask) "$py" "$root/bench/map/map_dask.py" "$np" "$list" "$program" 2> /dev/null ;;
  esac
  end=$(now)
  echo "$end - $start" | bc -l
}

# Makespans of static splits of the skewed list: round-robin (task i on rank i % N) and blocks.
static_split() {  # static_split RANKS rr|block
  awk -v np="$1" -v how="$2" '{ d[NR - 1] = $1 } END {
    n = NR; for (r = 0; r < np; ++r) t[r] = 0
    for (i = 0; i < n; ++i) { r = how == "rr" ? i % np : int(i * np / n); t[r] += d[i] }
    m = 0; for (r = 0; r < np; ++r) if (t[r] > m) m = t[r]; printf "%.2f", m }' "$work/skewed.txt"
}

tools="rankflow parallel xargs"
[ "$have_dask" = 1 ] && tools="$tools dask"
sum=$(awk '{ s += $1 } END { printf "%.4f", s }' "$work/skewed.txt")
longest=$(sort -g "$work/skewed.txt" | tail -1)

echo "map_bench: load before the run: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; work in $work"
echo
echo "| tool | ranks | empty list (s) | A: $short x true (s) | A: overhead per task (ms) | B: $skewed skewed (s) | B: ideal (s) | B: makespan / ideal | static round-robin / ideal | static blocks / ideal |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for np in $ranks_list; do
  ideal=$(echo "s = $sum / $np; if (s < $longest) s = $longest; s" | bc -l)
  rr=$(static_split "$np" rr)
  block=$(static_split "$np" block)
  for tool in $tools; do
    empty=$(wall "$tool" "$np" "$work/empty.txt" true)
    a=$(wall "$tool" "$np" "$work/short.txt" true)
    b=$(wall "$tool" "$np" "$work/skewed.txt" sleep)
    overhead=$(echo "($a - $empty) * $np / $short * 1000" | bc -l)
    ratio=$(echo "($b - $empty) / $ideal" | bc -l)
    printf "| %s | %d | %.3f | %.3f | %.2f | %.3f | %.2f | %.3f | %.2f | %.2f |\n" "$tool" "$np" \
      "$empty" "$a" "$overhead" "$b" "$ideal" "$ratio" "$(echo "$rr / $ideal" | bc -l)" \
      "$(echo "$block / $ideal" | bc -l)"
  done
done
