#!/usr/bin/env python3
"""Dask's client.map over the same task list as bench/map/map_bench.sh: one process per
worker, one thread each, every task a subprocess (`true`, or `sleep SECONDS`).

usage: map_dask.py WORKERS LIST {true|sleep}
"""
import subprocess
import sys

from dask.distributed import Client, LocalCluster


def run(item, kind):
    argv = ["true", item] if kind == "true" else ["sleep", item]
    return subprocess.run(argv, check=False).returncode


def main():
    workers, list_path, kind = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with open(list_path) as f:
        items = [line.strip() for line in f if line.strip()]
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        codes = client.gather(client.map(run, items, kind=kind, pure=False))
    sys.exit(1 if any(codes) else 0)


if __name__ == "__main__":
    main()
