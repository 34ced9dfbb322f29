#!/usr/bin/env python3
"""rankflow against pandas: the same jobs on messy random CSV, at -np 1..4, through the CLI.

The MPI tests compare rankflow with a serial oracle written in C++ by the same people; this
script compares it with an independent implementation. Each job below runs under
`mpirun -np N rankflow run` and the result is checked against pandas computing the same thing
with rankflow's documented SQL semantics (null keys form a group; null join keys never match;
an aggregate over no value is null; nulls sort last). The data has nulls in every column,
quoted fields holding commas, quotes and line breaks, non-ASCII text, negative numbers, keys
without partners on both sides of the joins, and tiny CSV blocks so that ranks and blocks split
inside quoted fields.

Usage: pandas_crosscheck.py RANKFLOW [--ranks 1,2,3,4] [--rows 20000] [--seed 7]
Exit code 0: every job equal at every rank count; 1: a difference (printed).
"""
import argparse
import csv
import math
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

CATEGORIES = ["alpha", "beta", "gamma, with a comma", 'say "hi"', "two\nlines", "ünïcödé", "x"]
REGIONS = ["north", "south", "east", "west", "centre"]


def write_inputs(folder, rows, seed):
    rng = random.Random(seed)
    with open(os.path.join(folder, "facts.csv"), "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "k", "cat", "v", "q", "d"])
        for row in range(rows):
            writer.writerow([
                row,
                "" if rng.random() < 0.03 else rng.randrange(0, 60),
                "" if rng.random() < 0.02 else rng.choice(CATEGORIES),
                "" if rng.random() < 0.05 else f"{rng.uniform(-1000, 1000):.2f}",
                rng.randrange(0, 10),
                f"20{rng.randrange(10, 30)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            ])
    with open(os.path.join(folder, "dim.csv"), "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["k", "region", "w"])
        for key in list(range(0, 50)) + list(range(60, 65)):  # 50-59: facts only; 60-64: dim only
            writer.writerow([key, rng.choice(REGIONS),
                             "" if rng.random() < 0.1 else f"{rng.uniform(0, 2):.3f}"])


def read_facts(folder):
    return pd.read_csv(os.path.join(folder, "facts.csv"), dtype={"cat": object},
                       keep_default_na=False, na_values=[""])


def read_dim(folder):
    return pd.read_csv(os.path.join(folder, "dim.csv"), dtype={"region": object},
                       keep_default_na=False, na_values=[""])


INPUTS = """[input]
path = {folder}/facts.csv
block_size = 4KiB
"""
TWO_INPUTS = """[input.facts]
path = {folder}/facts.csv
block_size = 4KiB
[input.dim]
path = {folder}/dim.csv
block_size = 512
"""


def job_groupby(facts, dim):
    config = INPUTS + """[groupby]
keys = cat
aggregate = sum(v), mean(v), min(v), max(v), count(), count(v), std(v), nunique(k), median(v), first(v), last(v)
"""
    grouped = facts.groupby("cat", dropna=False, sort=False)
    expected = pd.DataFrame({
        "sum_v": grouped["v"].sum(min_count=1),
        "mean_v": grouped["v"].mean(),
        "min_v": grouped["v"].min(),
        "max_v": grouped["v"].max(),
        "count": grouped.size(),
        "count_v": grouped["v"].count(),
        "std_v": grouped["v"].std(),
        "nunique_k": grouped["k"].nunique(),
        "median_v": grouped["v"].median(),
        "first_v": grouped["v"].first(),
        "last_v": grouped["v"].last(),
    }).reset_index()
    return config, expected, ["cat"]


def job_filter_derive(facts, dim):
    config = INPUTS + """[filter]
where = q > 3 and cat != "x"
[derive]
r = v * q
[groupby]
keys = cat, k
aggregate = sum(r) as total, count()
"""
    kept = facts[(facts["q"] > 3) & facts["cat"].notna() & (facts["cat"] != "x")].copy()
    kept["r"] = kept["v"] * kept["q"]
    grouped = kept.groupby(["cat", "k"], dropna=False, sort=False)
    expected = pd.DataFrame({"total": grouped["r"].sum(min_count=1),
                             "count": grouped.size()}).reset_index()
    return config, expected, ["cat", "k"]


def joined(facts, dim, how):
    # SQL: null keys never match. pandas would match NaN with NaN, so the null-key rows are
    # joined apart and added back as rows without a partner.
    left_null = facts[facts["k"].isna()]
    result = facts[facts["k"].notna()].merge(dim, on="k", how=how)
    if how in ("left", "outer"):
        result = pd.concat([result, left_null], ignore_index=True)
    return result


def job_join_groupby(facts, dim):
    config = TWO_INPUTS + """[join]
left = facts
right = dim
on = k
strategy = {strategy}
[derive]
vw = v * w
[groupby]
keys = region
aggregate = sum(vw), count()
"""
    rows = joined(facts, dim, "inner")
    rows["vw"] = rows["v"] * rows["w"]
    grouped = rows.groupby("region", dropna=False, sort=False)
    expected = pd.DataFrame({"sum_vw": grouped["vw"].sum(min_count=1),
                             "count": grouped.size()}).reset_index()
    return config, expected, ["region"]


def join_rows(how_rankflow, how_pandas):
    def job(facts, dim):
        config = TWO_INPUTS + f"""[join]
left = facts
right = dim
on = k
how = {how_rankflow}
strategy = {{strategy}}
"""
        if how_pandas == "semi":
            expected = facts[facts["k"].isin(dim["k"]) & facts["k"].notna()]
        elif how_pandas == "anti":
            expected = facts[~(facts["k"].isin(dim["k"]) & facts["k"].notna())]
        else:
            expected = joined(facts, dim, how_pandas)
        return config, expected.reset_index(drop=True), None
    return job


def job_sort_limit(facts, dim):
    config = INPUTS + """[sort]
by = v desc, id
[limit]
n = 100
"""
    expected = facts.sort_values(["v", "id"], ascending=[False, True], na_position="last",
                                 kind="stable").head(100)
    return config, expected.reset_index(drop=True), "ordered"


def job_distinct(facts, dim):
    config = INPUTS + """[distinct]
columns = cat, k
"""
    expected = facts.drop_duplicates(subset=["cat", "k"], keep="first")
    return config, expected.reset_index(drop=True), None


def job_top_per_group(facts, dim):
    config = INPUTS + """[top]
by = v desc
k = 3
per = cat
"""
    ordered = facts.sort_values("v", ascending=False, na_position="last", kind="stable")
    expected = ordered.groupby("cat", dropna=False, sort=False).head(3)
    return config, expected.reset_index(drop=True), None


JOBS = {
    "groupby": job_groupby,
    "filter-derive-groupby": job_filter_derive,
    "join-groupby": job_join_groupby,
    "join-inner": join_rows("inner", "inner"),
    "join-left": join_rows("left", "left"),
    "join-right": join_rows("right", "right"),
    "join-full": join_rows("full", "outer"),
    "join-semi": join_rows("semi", "semi"),
    "join-anti": join_rows("anti", "anti"),
    "sort-limit": job_sort_limit,
    "distinct": job_distinct,
    "top-per-group": job_top_per_group,
}


def canonical(frame, columns):
    """The rows as sorted tuples of comparable cells (None for null, floats rounded)."""
    def cell(value):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return (0, "")
        if isinstance(value, (float, np.floating)):
            return (1, float(f"{float(value):.9g}"))
        if isinstance(value, (int, np.integer)):
            return (1, float(value))
        return (2, str(value))
    return [tuple(cell(value) for value in row) for row in frame[columns].itertuples(index=False)]


def close(left, right):
    if len(left) != len(right):
        return False
    for a, b in zip(left, right):
        for x, y in zip(a, b):
            if x[0] != y[0]:
                return False
            if x[0] == 1 and not math.isclose(x[1], y[1], rel_tol=1e-7, abs_tol=1e-6):
                return False
            if x[0] != 1 and x != y:
                return False
    return True


def run_rankflow(rankflow, ranks, config_path, out_path, env):
    command = ["mpirun", "-np", str(ranks), "--oversubscribe", rankflow, "run", config_path, "-q",
               "--set", f"output.path={out_path}", "--set", "output.table=off"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return pd.read_csv(out_path, keep_default_na=False, na_values=[""], dtype=str)


def compare(name, got, expected, order):
    columns = list(expected.columns)
    if sorted(got.columns) != sorted(columns):
        return f"{name}: columns {list(got.columns)}, expected {columns}"
    expected = expected.astype(object).where(expected.notna(), None)
    got = got[columns]
    for column in columns:  # rankflow's CSV text to numbers where pandas has numbers
        if pd.api.types.is_numeric_dtype(expected[column].dropna().infer_objects()):
            got[column] = pd.to_numeric(got[column])
    got_rows = canonical(got, columns)
    expected_rows = canonical(expected, columns)
    if order != "ordered":
        got_rows.sort()
        expected_rows.sort()
    if not close(got_rows, expected_rows):
        for index, (a, b) in enumerate(zip(got_rows, expected_rows)):
            if not close([a], [b]):
                return f"{name}: {len(got_rows)} rows vs {len(expected_rows)}; first difference at row {index}:\n  rankflow {a}\n  pandas   {b}"
        return f"{name}: {len(got_rows)} rows, pandas {len(expected_rows)}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rankflow")
    parser.add_argument("--ranks", default="1,2,3,4")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    failures = []
    with tempfile.TemporaryDirectory(prefix="rankflow-crosscheck-") as folder:
        write_inputs(folder, args.rows, args.seed)
        facts, dim = read_facts(folder), read_dim(folder)
        for name, job in JOBS.items():
            config, expected, order = job(facts, dim)
            strategies = ["shuffle", "broadcast"] if "{strategy}" in config else [None]
            for strategy in strategies:
                label = name if strategy is None else f"{name} ({strategy})"
                config_path = os.path.join(folder, "job.ini")
                with open(config_path, "w", encoding="utf-8") as out:
                    out.write(config.format(folder=folder, strategy=strategy))
                for ranks in [int(value) for value in args.ranks.split(",")]:
                    out_path = os.path.join(folder, f"out-{ranks}.csv")
                    got = run_rankflow(args.rankflow, ranks, config_path, out_path, env)
                    problem = compare(f"{label}, -np {ranks}", got, expected, order)
                    print(f"{'ok  ' if problem is None else 'FAIL'} {label}, -np {ranks}: "
                          f"{len(got)} rows", flush=True)
                    if problem is not None:
                        failures.append(problem)
    for problem in failures:
        print(problem, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
