#!/usr/bin/env python3
"""Reproducible numbers (issue 16): the same output BYTES at every rank count and block size,
and sums equal to math.fsum, var/std to exact rationals (fractions.Fraction).

Runs through the CLI under mpirun: a by-key group-by of float columns (cancelling values such
as 1e16, 1, -1e16; mixed magnitudes; a large common offset; NaN; inf; inf and -inf) beside an
int column, at -np 1..4 with several CSV block sizes and exchange round sizes; then HDF5
reductions of the same float values (written once to HDF5 by a table job) along axis 0, and of
a generated 2-D grid along every axis, at -np 1..4 with several block_rows. Every output file
must equal the first byte for byte; the group-by and the 1-D reductions are also checked
against the oracle.

Usage: repro_check.py RANKFLOW [--ranks 1,2,3,4] [--rows 6000] [--seed 16]
Exit code 0: all equal; 1: a difference (printed).
"""
import argparse
import csv
import math
import os
import random
import subprocess
import sys
import tempfile
from fractions import Fraction

KEYS = 12


def group_values(rng, key, count):
    """Float values of one group: each group stresses another case."""
    if key == 0:  # cancelling: 1e16, 1, -1e16, ... (plain doubles lose every 1)
        out = []
        while len(out) < count:
            out += [1e16, 1.0, -1e16, rng.choice([3.0, -7.0, 0.5])]
        return out[:count]
    if key == 1:  # mixed magnitudes
        return [rng.choice([-1, 1]) * rng.random() * 10.0 ** rng.randint(-20, 20) for _ in range(count)]
    if key == 2:  # large common offset: var cancels in a naive sum of squares
        return [1e9 + rng.uniform(-1, 1) for _ in range(count)]
    if key == 3:
        return [rng.uniform(-1, 1) for _ in range(count - 1)] + [math.nan]
    if key == 4:
        return [rng.uniform(-1, 1) for _ in range(count - 1)] + [math.inf]
    if key == 5:
        return [rng.uniform(-1, 1) for _ in range(count - 2)] + [math.inf, -math.inf]
    if key == 6:  # huge values that cancel, and tiny ones
        out = []
        while len(out) < count:
            out += [1e300, rng.uniform(0, 1) * 1e-300, -1e300, 5e-324]
        return out[:count]
    if key == 7:
        return [1.0]  # var with ddof 1: null
    return [rng.uniform(-1000, 1000) for _ in range(count)]


def write_inputs(folder, rows, seed):
    rng = random.Random(seed)
    table = []
    for key in range(KEYS):
        for value in group_values(rng, key, max(2, rows // KEYS)):
            table.append((key, value, rng.randint(-10**12, 10**12)))
    rng.shuffle(table)
    with open(os.path.join(folder, "facts.csv"), "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["k", "v", "n"])
        for key, value, number in table:
            writer.writerow([key, repr(value), number])
    finite = [value for _, value, _ in table if math.isfinite(value)]
    with open(os.path.join(folder, "finite.csv"), "w", newline="") as out:
        out.write("w\n" + "".join(repr(value) + "\n" for value in finite))
    return table, finite


GROUPBY_JOB = """[input]
path = {folder}/facts.csv
schema = k:int64, v:float64, n:int64
[groupby]
keys = k
ddof = 1
aggregate = sum(v) as sv, mean(v) as mv, var(v) as vv, std(v) as dv, min(v) as lo, max(v) as hi, sum(n) as sn, mean(n) as mn, var(n) as vn, count() as c
[output]
path = {folder}/out.csv
sort = k
table = off
"""

TO_HDF5_JOB = """[input]
path = {folder}/finite.csv
schema = w:float64
[output]
path = {folder}/finite.h5
"""

REDUCE_JOB = """[input]
path = {path}
dataset = {dataset}
[reduce]
functions = sum, mean, var, std, min, max, count
axis = {axis}
ddof = 0
[output]
path = {folder}/out.csv
table = off
"""


def run(rankflow, ranks, job, sets, env):
    command = ["mpirun", "-np", str(ranks), "--oversubscribe", rankflow, "run", job, "-q"]
    for item in sets:
        command += ["--set", item]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")


def same_bytes(name, rankflow, ranks_list, job, variants, out_path, env):
    """Runs every (ranks, sets) and returns the first output; a difference is an error."""
    first, failures = None, []
    for ranks in ranks_list:
        for sets in variants:
            run(rankflow, ranks, job, sets, env)
            with open(out_path, "rb") as handle:
                data = handle.read()
            if first is None:
                first = data
            elif data != first:
                failures.append(f"{name}: -np {ranks} {sets}: output differs from the first run")
    return first.decode(), failures


def exact_var(values, ddof):
    n = len(values)
    s1 = sum(Fraction(v) for v in values)
    s2 = sum(Fraction(v) * Fraction(v) for v in values)
    return float(n * s2 - s1 * s1) / (float(n) * float(n - ddof))


def expected_float_stats(values, ddof):
    """(sum, mean, var, std) as rankflow documents them: numpy's rules for NaN and inf."""
    if any(math.isnan(v) for v in values) or (math.inf in values and -math.inf in values):
        return [math.nan] * 4
    if any(math.isinf(v) for v in values):
        total = math.inf if math.inf in values else -math.inf
        return [total, total, math.nan, math.nan]
    total = math.fsum(values)
    if len(values) - ddof <= 0:
        return [total, total / len(values), None, None]
    if any(math.isinf(v * v) for v in values):  # documented: squares past the range give inf
        return [total, total / len(values), math.inf, math.inf]
    var = exact_var(values, ddof)
    return [total, total / len(values), var, math.sqrt(var)]


def same_float(got_text, expected):
    if expected is None:
        return got_text == ""
    got = float(got_text)
    if math.isnan(expected):
        return math.isnan(got)
    return got == expected and math.copysign(1, got) == math.copysign(1, expected)


def check_groupby(text, table):
    failures = []
    rows = list(csv.DictReader(text.splitlines()))
    if len(rows) != KEYS:
        return [f"group-by: {len(rows)} groups, expected {KEYS}"]
    for row in rows:
        key = int(row["k"])
        values = [v for k, v, _ in table if k == key]
        numbers = [n for k, _, n in table if k == key]
        expected = expected_float_stats(values, 1)
        for column, value in zip(["sv", "mv", "vv", "dv"], expected):
            if not same_float(row[column], value):
                failures.append(f"group-by k={key} {column}: {row[column]}, expected {value!r}")
        if int(row["sn"]) != sum(numbers):
            failures.append(f"group-by k={key} sn: {row['sn']}, expected {sum(numbers)}")
        if int(row["c"]) != len(values):
            failures.append(f"group-by k={key} c: {row['c']}, expected {len(values)}")
    return failures


def check_reduce(text, values):
    rows = list(csv.DictReader(text.splitlines()))
    expected = expected_float_stats(values, 0)
    failures = []
    for column, value in zip(["sum", "mean", "var", "std"], expected):
        if not same_float(rows[0][column], value):
            failures.append(f"reduce {column}: {rows[0][column]}, expected {value!r}")
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rankflow")
    parser.add_argument("--ranks", default="1,2,3,4")
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    ranks = [int(r) for r in args.ranks.split(",")]
    env = dict(os.environ)
    failures = []
    with tempfile.TemporaryDirectory(prefix="rankflow-repro-") as folder:
        table, finite = write_inputs(folder, args.rows, args.seed)
        job = os.path.join(folder, "groupby.ini")
        with open(job, "w") as out:
            out.write(GROUPBY_JOB.format(folder=folder))
        variants = [[], ["input.block_size=4KiB"], ["input.block_size=16KiB",
                    "job.exchange_round_bytes=1KiB"], ["input.block_size=5000"]]
        text, diff = same_bytes("group-by", args.rankflow, ranks, job, variants,
                                os.path.join(folder, "out.csv"), env)
        failures += diff + check_groupby(text, table)

        to_hdf5 = os.path.join(folder, "to_hdf5.ini")
        with open(to_hdf5, "w") as out:
            out.write(TO_HDF5_JOB.format(folder=folder))
        run(args.rankflow, 1, to_hdf5, [], env)
        grid = os.path.join(folder, "grid.h5")
        subprocess.run(["mpirun", "-np", "2", "--oversubscribe", args.rankflow, "generate",
                        "grid", grid, "--rows", "3000"], check=True, capture_output=True,
                       env=env, timeout=300)
        cases = [("1-D", os.path.join(folder, "finite.h5"), "/w", "0"),
                 ("1-D all", os.path.join(folder, "finite.h5"), "/w", "all")]
        for axis in ["0", "1", "all"]:
            cases.append((f"grid axis {axis}", grid, "/temperature", axis))
        for name, path, dataset, axis in cases:
            job = os.path.join(folder, "reduce.ini")
            with open(job, "w") as out:
                out.write(REDUCE_JOB.format(folder=folder, path=path, dataset=dataset, axis=axis))
            variants = [[], ["input.block_rows=7"], ["input.block_rows=100"],
                        ["input.block_size=4KiB"]]
            text, diff = same_bytes(f"reduce {name}", args.rankflow, ranks, job, variants,
                                    os.path.join(folder, "out.csv"), env)
            failures += diff
            if name.startswith("1-D"):
                failures += check_reduce(text, finite)
    for failure in failures:
        print(failure)
    print("repro_check:", "FAILED" if failures else "ok", f"({len(failures)} differences)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
