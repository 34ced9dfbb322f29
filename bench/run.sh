#!/usr/bin/env bash
# rankflow's benchmark (not a test): builds the release preset, then runs the workloads of
# /work/shared/peers (CSV W1-W3, HDF5 W4-W6) and rankflow's own (LJ large join, SORT) with
# rankflow (mpirun -np 2) beside pandas/numpy+h5py, Dask (threads and processes), DuckDB,
# Polars and the cat/dd floors, in one run of the shared runner, so that every number comes
# from the same conditions. The report (medians, peak memory, correctness of
# every result against numpy) is written to the run folder; bench/README.md has one run's table.
#
#   bench/run.sh                          # 3 repetitions of every workload (~30 min)
#   WORKLOADS="W1 W2" bench/run.sh        # some of them
# SORT is not in the default list: the shared report compares result columns as numbers and
# SORT's output has string columns; time it by hand (bench/join/README.md).
#   REPS=1 WORKLOADS=W4 bench/run.sh      # a quick look
# Environment: PEERS_DIR (default /work/shared/peers), PEERS (a regex of peers), DATA (/tmp/rfbench), REPS, WORKLOADS, JOBS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS_DIR:-/work/shared/peers}
export DATA=${DATA:-/tmp/rfbench}

if [ ! -f "$DATA/manifest.json" ]; then
  echo "bench: no $DATA/manifest.json; generate the data once with:" >&2
  echo "  /usr/bin/python3 $peers/gen_data.py --out $DATA" >&2
  exit 1
fi

cd "$root"
cmake --preset release > /dev/null
cmake --build --preset release -j "${JOBS:-2}"

export RANKFLOW=$root/build/release/src/cli/rankflow
export RANKFLOW_BUILD=$root/build/release
export RANKFLOW_BENCH=$root/bench
export RANKFLOW_JOBS=$root/jobs
# Open MPI refuses to run as root unless told; more ranks than cores are never used here.
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

echo "bench: load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
WORKLOADS=${WORKLOADS:-"W1 W2 W3 W4 W4c W5 W6 LJ"} PEERS_CONF=$root/bench/peers.conf exec "$peers/run_peers.sh"
