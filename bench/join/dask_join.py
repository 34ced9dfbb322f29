#!/usr/bin/python3
"""Dask (threaded scheduler) and pandas peers for the join and sort benchmarks.

usage: dask_join.py PEER WORKLOAD --data DIR --res RESULT_CSV [--threads N]
  PEER      dask-threads | pandas
  WORKLOAD  LJ    big_left JOIN big_right ON key, GROUP BY code: count, sum(value * amount)
            SORT  sales.csv sorted by value, every column, written to RESULT_CSV
Prints one JSON line with the peer's own time (internal_s).
"""
import argparse
import json
import time


def lj_pandas(data):
    import pandas as pd
    left = pd.read_csv(f"{data}/big_left.csv")
    right = pd.read_csv(f"{data}/big_right.csv")
    joined = left.merge(right, on="key")
    joined["va"] = joined["value"] * joined["amount"]
    return joined.groupby("code").agg(count=("va", "size"), sum_va=("va", "sum")).reset_index()


def lj_dask(data):
    import dask.dataframe as dd
    left = dd.read_csv(f"{data}/big_left.csv", blocksize="64MB")
    right = dd.read_csv(f"{data}/big_right.csv", blocksize="64MB")
    joined = left.merge(right, on="key")
    joined["va"] = joined["value"] * joined["amount"]
    result = joined.groupby("code").agg(count=("va", "size"), sum_va=("va", "sum"))
    return result.compute().reset_index()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("peer")
    parser.add_argument("workload")
    parser.add_argument("--data", required=True)
    parser.add_argument("--res", required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.peer == "dask-threads":
        import dask
        dask.config.set(scheduler="threads", num_workers=args.threads)
    started = time.time()
    if args.workload == "LJ":
        result = lj_pandas(args.data) if args.peer == "pandas" else lj_dask(args.data)
        result.sort_values("code").to_csv(args.res, index=False)
    elif args.workload == "SORT":
        if args.peer == "pandas":
            import pandas as pd
            frame = pd.read_csv(f"{args.data}/sales.csv")
            frame.sort_values("value", kind="stable").to_csv(args.res, index=False)
        else:
            import dask.dataframe as dd
            frame = dd.read_csv(f"{args.data}/sales.csv", blocksize="64MB")
            frame.sort_values("value").to_csv(args.res, single_file=True, index=False)
    else:
        print(json.dumps({"peer": args.peer, "workload": args.workload, "status": "unsupported"}))
        raise SystemExit(3)
    print(json.dumps({"peer": args.peer, "workload": args.workload,
                      "internal_s": round(time.time() - started, 4)}))


if __name__ == "__main__":
    main()
