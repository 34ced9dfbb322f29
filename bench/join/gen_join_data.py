#!/usr/bin/python3
"""Two large tables for the large-join benchmark (LJ), deterministic.

  big_left.csv   id,key,value          N rows; key uniform in [0, N): a foreign key
  big_right.csv  key,amount,code       N rows; key a permutation of [0, N): a primary key;
                                       code in [0, 100)

LJ joins them on key (every left row finds exactly one right row: N output rows) and groups
the result by code: count(*), sum(value * amount). Both sides are far above any broadcast
threshold, so the join shuffles both. Written in chunks with numpy (no pandas), ~1 GB in all
at the default 20M rows.

usage: gen_join_data.py [--rows N] [--out DIR] [--seed S]
"""
import argparse
import json
import os
import time

import numpy as np

CHUNK = 1_000_000


def write_csv(path, header, columns_of_chunk, rows):
    tmp = path + ".tmp"
    with open(tmp, "w") as out:
        out.write(header + "\n")
        for begin in range(0, rows, CHUNK):
            end = min(rows, begin + CHUNK)
            columns = columns_of_chunk(begin, end)
            lines = np.char.add(columns[0], ",")
            for column in columns[1:-1]:
                lines = np.char.add(np.char.add(lines, column), ",")
            lines = np.char.add(lines, columns[-1])
            out.write("\n".join(lines.tolist()))
            out.write("\n")
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--out", default="/tmp/rfbench")
    parser.add_argument("--seed", type=int, default=20240607)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    n = args.rows
    left_key = rng.integers(0, n, size=n)
    left_value = rng.integers(0, 1_000_000, size=n)  # cents: value = x / 100
    right_key = rng.permutation(n)
    right_amount = rng.integers(0, 10_000, size=n)   # amount = x / 100
    right_code = rng.integers(0, 100, size=n)

    def money(cents):
        whole = (cents // 100).astype(str)
        frac = np.char.zfill((cents % 100).astype(str), 2)
        return np.char.add(np.char.add(whole, "."), frac)

    started = time.time()
    write_csv(os.path.join(args.out, "big_left.csv"), "id,key,value",
              lambda b, e: [np.arange(b, e).astype(str), left_key[b:e].astype(str),
                            money(left_value[b:e])], n)
    write_csv(os.path.join(args.out, "big_right.csv"), "key,amount,code",
              lambda b, e: [right_key[b:e].astype(str), money(right_amount[b:e]),
                            right_code[b:e].astype(str)], n)
    manifest = {"rows": n, "seed": args.seed, "seconds": round(time.time() - started, 1),
                "files": ["big_left.csv", "big_right.csv"]}
    with open(os.path.join(args.out, "big_join_manifest.json"), "w") as out:
        json.dump(manifest, out, indent=1)
    print(json.dumps(manifest))


if __name__ == "__main__":
    main()
