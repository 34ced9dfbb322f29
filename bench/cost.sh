#!/usr/bin/env bash
# What a feature costs, side by side in one run (not a test; bench/README.md "Reproducible
# sums" and "Profile and report"): W1 (CSV group-by, 854 MB) and W4 (HDF5 column mean and std,
# 4 GiB) under `mpirun -np 2`, alternating the variants rep by rep so that drift in the
# machine's state hits each the same, then the median wall time of each.
#
#   BASE=/path/to/old/rankflow bench/cost.sh      # also time a build of the previous method
#   REPS=7 WORKLOADS="W4" bench/cost.sh
# Variants: `base` (BASE, when given: e.g. a build of commit dafaf87, the last one before
# exact float sums), `rankflow` (this tree's release build), `profile` (`--profile`),
# `report` (`--profile` and `--report`), `progress` (`--progress lines`; the others run -q).
# Environment: DATA (default /tmp/rfbench, made by /work/shared/peers/gen_data.py), REPS
# (default 5), WORKLOADS (default "W1 W4"; also W2, W3, W6), VARIANTS (default "rankflow
# profile report progress"), RANKFLOW (default: build the release preset), BASE.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${DATA:-/tmp/rfbench}
reps=${REPS:-5}
workloads=${WORKLOADS:-"W1 W4"}
work=$(mktemp -d /tmp/rankflow-cost.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ -z "${RANKFLOW:-}" ]; then
  (cd "$root" && cmake --preset release > /dev/null &&
   cmake --build --preset release -j "${JOBS:-2}" --target rankflow > /dev/null)
  RANKFLOW=$root/build/release/src/cli/rankflow
fi
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

job_args() {  # workload -> the job file and its --set arguments
  case "$1" in
    W1) echo "$root/jobs/w1_sales_by_key.ini --set input.path=$data/sales.csv" ;;
    W2) echo "$root/jobs/w2_filter_by_category.ini --set input.path=$data/sales.csv" ;;
    W3) echo "$root/jobs/w3_join_by_region.ini --set input.sales.path=$data/sales.csv --set input.dim.path=$data/dim.csv" ;;
    W4) echo "$root/bench/w4.ini --set input.path=$data/grid.h5" ;;
    W6) echo "$root/jobs/w6_station_means.ini --set input.path=$data/grid.h5" ;;
    *) echo "cost: unknown workload $1" >&2; exit 2 ;;
  esac
}
variants=${VARIANTS:-"rankflow profile report progress"}
[ -n "${BASE:-}" ] && variants="base $variants"

echo "cost: load before the run: $(cut -d' ' -f1-3 /proc/loadavg); $reps reps; data $data"
for workload in $workloads; do
  read -r -a args <<< "$(job_args "$workload")"
  for ((rep = 0; rep < reps; ++rep)); do
    for variant in $variants; do
      bin=$RANKFLOW; extra=(-q)
      case "$variant" in
        base) bin=$BASE ;;
        profile) extra=(-q --profile "$work/p.json") ;;
        report) extra=(-q --profile "$work/p.json" --report "$work/r.html") ;;
        progress) extra=(--progress lines) ;;
      esac
      start=$(date +%s.%N)
      mpirun -np 2 "$bin" run "${args[@]}" --set "output.path=$work/$workload-$variant.csv" \
        "${extra[@]}" > /dev/null 2> "$work/err"
      end=$(date +%s.%N)
      echo "$workload $variant $(echo "$end - $start" | bc)" >> "$work/times"
    done
  done
  # The outputs of every variant must be the same bytes (base: the previous method may differ
  # in the last bits of float sums; that difference is what it shows).
  for variant in $variants; do
    [ "$variant" = base ] && continue
    cmp -s "$work/$workload-rankflow.csv" "$work/$workload-$variant.csv" ||
      { echo "cost: $workload $variant wrote other bytes" >&2; exit 1; }
  done
done

printf '%-8s %-9s %8s %8s\n' workload variant median "vs rankflow"
for workload in $workloads; do
  ref=$(awk -v w="$workload" '$1 == w && $2 == "rankflow" {print $3}' "$work/times" | sort -n |
        awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  for variant in $variants; do
    median=$(awk -v w="$workload" -v v="$variant" '$1 == w && $2 == v {print $3}' "$work/times" |
             sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
    printf '%-8s %-9s %8.3f %8.3f\n' "$workload" "$variant" "$median" "$(echo "$median / $ref" | bc -l)"
  done
done
echo "cost: every time: $(tr '\n' ';' < "$work/times")"
