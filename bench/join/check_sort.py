#!/usr/bin/python3
"""Checks a sorted CSV against its input, without a peer's result: SORT's check.

The shared report (report.py) compares result columns as numbers and cannot read SORT's string
and date columns, and rows with equal sort keys may come in any order from another engine, so
comparing with DuckDB's file row by row proves little. This check needs no reference:

  1. the header is the input's;
  2. the sort column never decreases (or never increases with --desc), nulls last;
  3. the rows are the input's rows, each as often: an order-independent hash (sum of the rows'
     hashes, modulo 2^64) and the row count agree. Fields are compared as numbers when both
     parse as numbers (rankflow writes 4.0 as 4), as text otherwise.

    /usr/bin/python3 bench/join/check_sort.py /tmp/rfbench/sales.csv /tmp/sorted.csv --by value

The two files are read in two processes (1-2 minutes for sales.csv's 20M rows on this machine).
Exit status 0 when every check passes, 1 with a message naming the first failure.
"""
import argparse
import csv
import math
import multiprocessing
import sys

MASK = (1 << 64) - 1


def normal(field):
    try:
        value = float(field)
    except ValueError:
        return field
    return value if not math.isnan(value) else "nan"


def digest(path, by, descending, check_order):
    """(header, rows, sum of row hashes, first out-of-order line or None)."""
    total = 0
    rows = 0
    bad = None
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        column = header.index(by) if by in header else -1
        previous = None
        seen_null = False
        for line, record in enumerate(reader, start=2):
            rows += 1
            total = (total + hash(tuple(normal(field) for field in record))) & MASK
            if not check_order or bad is not None or column < 0:
                continue
            text = record[column] if column < len(record) else ""
            key = float(text) if text != "" else None
            if key is None:
                seen_null = True
            elif seen_null:
                bad = line  # a value after a null: nulls come last (rankflow's default)
            elif previous is not None and (key > previous if descending else key < previous):
                bad = line
            if key is not None:
                previous = key
    return header, rows, total, bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--by", required=True, help="the sort column")
    parser.add_argument("--desc", action="store_true", help="sorted in descending order")
    args = parser.parse_args()

    # fork: both workers inherit this process's str hash seed, so their row hashes compare.
    with multiprocessing.get_context("fork").Pool(2) as pool:
        source = pool.apply_async(digest, (args.input, args.by, args.desc, False))
        sorted_ = pool.apply_async(digest, (args.output, args.by, args.desc, True))
        in_header, in_rows, in_hash, _ = source.get()
        out_header, out_rows, out_hash, out_of_order = sorted_.get()

    failures = []
    if in_header != out_header:
        failures.append(f"header {out_header} is not the input's {in_header}")
    if args.by not in out_header:
        failures.append(f"no column {args.by!r} in {args.output}")
    if out_of_order is not None:
        failures.append(f"{args.output}:{out_of_order}: {args.by} is out of order")
    if in_rows != out_rows:
        failures.append(f"{out_rows} rows, the input has {in_rows}")
    elif in_hash != out_hash:
        failures.append("the rows are not the input's rows (row hashes differ)")
    if failures:
        print("check_sort: FAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    print(f"check_sort: ok: {out_rows} rows, the input's, ordered by {args.by}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
