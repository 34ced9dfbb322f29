#!/usr/bin/env python3
"""Issue #14's budget sweep: LJ, SORT and GB under shrinking memory budgets, beside DuckDB.

Each workload runs with rankflow (`mpirun -np RANKS`, [job] memory_per_rank = the budget,
[job] scratch on RUNDIR's disk) and with DuckDB (RANKS threads, memory_limit = RANKS x the
budget, temp_directory on the same disk), one after the other, inputs in the page cache:

  LJ    bench/lj.ini     big_left JOIN big_right USING (key) GROUP BY code (20M x 20M rows)
  SORT  bench/sort.ini   sales.csv ORDER BY value, every column, to one CSV (20M rows)
  GB    bench/gb_id.ini  sales.csv GROUP BY id: sum(value), count(*) (20M groups of one row)

Recorded per run: wall time, the largest resident set of one process (`/usr/bin/time` %M over
mpirun and its ranks: a rank's peak), rankflow's bytes spilled (the profile's sum over stages
and ranks) and, for both, the peak size of the scratch / temp folder (sampled every 0.2 s).
rankflow's result at every budget must equal its unlimited run byte for byte (LJ and SORT are
ordered; GB's rows are compared sorted); DuckDB's LJ is compared with rankflow's as numbers and
its other results by row count. Writes RUNDIR/results.csv, results.md and budgets.png.

  /usr/bin/python3 /work/shared/peers/gen_data.py --out /tmp/rfbench   # sales.csv
  /usr/bin/python3 bench/join/gen_join_data.py                         # big_left/right.csv
  /work/shared/peers/setup_peers.sh                                    # DuckDB for node
  /usr/bin/python3 bench/spill/run_budgets.py                          # ~15 min
  WORKLOADS="LJ" BUDGETS="unlimited 256MiB" /usr/bin/python3 bench/spill/run_budgets.py

Environment: DATA (/tmp/rfbench), RUNDIR (/tmp/rfbudgets), RANKFLOW (build/release/src/cli/
rankflow), RANKS (2), WORKLOADS ("LJ SORT GB"), BUDGETS ("unlimited 1GiB 512MiB 256MiB"),
PEERS ("rankflow duckdb"), DUCKDB_NODE_DIR (/tmp/duckdb).
"""
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.environ.get("DATA", "/tmp/rfbench")
RUNDIR = os.environ.get("RUNDIR", "/tmp/rfbudgets")
RANKFLOW = os.environ.get("RANKFLOW", os.path.join(ROOT, "build/release/src/cli/rankflow"))
RANKS = int(os.environ.get("RANKS", "2"))
WORKLOADS = os.environ.get("WORKLOADS", "LJ SORT GB").split()
BUDGETS = os.environ.get("BUDGETS", "unlimited 1GiB 512MiB 256MiB").split()
PEERS = os.environ.get("PEERS", "rankflow duckdb").split()

JOBS = {"LJ": "bench/lj.ini", "SORT": "bench/sort.ini", "GB": "bench/gb_id.ini"}
INPUTS = {"LJ": ["big_left.csv", "big_right.csv"], "SORT": ["sales.csv"], "GB": ["sales.csv"]}
UNITS = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def budget_bytes(budget):
    for unit, scale in UNITS.items():
        if budget.endswith(unit):
            return int(float(budget[: -len(unit)]) * scale)
    raise SystemExit(f"run_budgets: budget '{budget}' is not unlimited or N KiB/MiB/GiB")


def folder_bytes(path):
    total = 0
    for base, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(base, name)).st_blocks * 512
            except OSError:
                pass  # removed while walking
    return total


def timed(cmd, env, scratch):
    """Runs cmd; returns (wall s, peak RSS of one process in bytes, peak scratch bytes)."""
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.wait(0.2):
            peak[0] = max(peak[0], folder_bytes(scratch))

    sampler = threading.Thread(target=sample)
    sampler.start()
    time_file = os.path.join(RUNDIR, "time.txt")
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", time_file] + cmd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        print(proc.stdout[-3000:], file=sys.stderr)
        raise SystemExit(f"run_budgets: failed (exit {proc.returncode}): {' '.join(cmd)}")
    with open(time_file) as fh:
        rss_kib = int(fh.read().split()[-1])
    return wall, rss_kib * 1024, peak[0], proc.stdout


def bytes_spilled(path):
    """Bytes spilled over every stage and rank of a --profile trace."""
    with open(path) as fh:
        trace = json.load(fh)
    return sum(event.get("args", {}).get("bytes_spilled", 0)
               for event in trace["traceEvents"] if event.get("ph") == "X")


def digest(path, ordered):
    h = hashlib.sha256()
    if ordered:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    out = subprocess.run(f"LC_ALL=C sort -S 1G --parallel={RANKS} '{path}' | sha256sum",
                         shell=True, check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.split()[0]


def line_count(path):
    with open(path, "rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def lj_rows(path):
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    return {int(r["code"]): (int(r["count"]), float(r["sum_va"])) for r in rows}


def run_rankflow(workload, budget, result, scratch):
    profile = os.path.join(RUNDIR, f"{workload}-{budget}.profile.json")
    cmd = ["mpirun", "-np", str(RANKS), RANKFLOW, "run", os.path.join(ROOT, JOBS[workload]), "-q",
           "--set", f"output.path={result}", "--set", f"job.scratch={scratch}",
           "--profile", profile]
    for name in INPUTS[workload]:
        key = {"big_left.csv": "input.left.path", "big_right.csv": "input.right.path"}.get(
            name, "input.path")
        cmd += ["--set", f"{key}={os.path.join(DATA, name)}"]
    if budget != "unlimited":
        cmd += ["--set", f"job.memory_per_rank={budget}"]
    env = dict(os.environ)
    if os.getuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    wall, rss, peak_scratch, _ = timed(cmd, env, scratch)
    return wall, rss, bytes_spilled(profile), peak_scratch


def run_duckdb(workload, budget, result, scratch):
    cmd = ["node", os.path.join(ROOT, "bench/join/duckdb_join.js"), workload, DATA, result,
           str(RANKS)]
    env = dict(os.environ, DUCKDB_TEMP_DIR=scratch)
    if budget != "unlimited":
        env["DUCKDB_MEMORY_LIMIT"] = f"{RANKS * budget_bytes(budget) // UNITS['MiB']}MiB"
    wall, rss, peak_scratch, _ = timed(cmd, env, scratch)
    return wall, rss, None, peak_scratch


def main():
    os.makedirs(RUNDIR, exist_ok=True)
    for workload in WORKLOADS:
        for name in INPUTS[workload]:
            if not os.path.exists(os.path.join(DATA, name)):
                raise SystemExit(f"run_budgets: no {DATA}/{name} (see the commands in this file)")
    load = open("/proc/loadavg").read().split()[:3]
    print(f"run_budgets: load before the run {' '.join(load)}; results in {RUNDIR}")
    rows = []
    for workload in WORKLOADS:
        reference = {}
        for budget in BUDGETS:
            for peer in PEERS:
                for name in INPUTS[workload]:  # warm: every run reads from the page cache
                    subprocess.run(["cat", os.path.join(DATA, name)], stdout=subprocess.DEVNULL,
                                   check=True)
                scratch = os.path.join(RUNDIR, f"scratch-{peer}")
                shutil.rmtree(scratch, ignore_errors=True)
                os.makedirs(scratch)
                result = os.path.join(RUNDIR, f"{workload}-{peer}-{budget}.csv")
                runner = run_rankflow if peer == "rankflow" else run_duckdb
                wall, rss, spilled, peak_scratch = runner(workload, budget, result, scratch)
                left = folder_bytes(scratch)
                shutil.rmtree(scratch, ignore_errors=True)
                if peer == "rankflow":
                    got = digest(result, ordered=workload != "GB")
                    check = reference.setdefault("rankflow", got) == got and left == 0
                    note = "same bytes as unlimited" if check else "DIFFERS or scratch left"
                    if left:
                        note += f" ({left} B left in scratch)"
                    if budget == BUDGETS[0]:
                        note = "reference"
                        reference["lines"] = line_count(result)
                        if workload == "LJ":
                            reference["lj"] = lj_rows(result)
                else:
                    if workload == "LJ" and "lj" in reference:
                        theirs, ours = lj_rows(result), reference["lj"]
                        check = theirs.keys() == ours.keys() and all(
                            theirs[k][0] == ours[k][0]
                            and abs(theirs[k][1] - ours[k][1]) <= 1e-9 * max(1.0, abs(ours[k][1]))
                            for k in ours)
                        note = "equals rankflow's" if check else "DIFFERS from rankflow's"
                    else:
                        check = line_count(result) == reference.get("lines")
                        note = "same row count" if check else "row count DIFFERS"
                if peer == "rankflow" and budget == BUDGETS[0] and workload == "SORT":
                    sorted_ok = subprocess.run(
                        ["/usr/bin/python3", os.path.join(ROOT, "bench/join/check_sort.py"),
                         os.path.join(DATA, "sales.csv"), result, "--by", "value"]).returncode == 0
                    check = check and sorted_ok
                    note += ", check_sort.py " + ("passed" if sorted_ok else "FAILED")
                os.remove(result)
                row = dict(workload=workload, peer=peer, budget=budget, wall_s=round(wall, 3),
                           peak_rss_mib=round(rss / UNITS["MiB"], 1),
                           spilled_mib="" if spilled is None else round(spilled / UNITS["MiB"], 1),
                           peak_scratch_mib=round(peak_scratch / UNITS["MiB"], 1),
                           check=note, ok=check)
                print("run_budgets: " + ", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
                rows.append(row)
                if not check:
                    print(f"run_budgets: check failed: {row}", file=sys.stderr)
    for row in rows:
        row["check"] = row["check"] if row.pop("ok") else "FAILED: " + row["check"]
    write_results(rows)
    return 0 if not any(r["check"].startswith("FAILED") for r in rows) else 1


def write_results(rows):
    with open(os.path.join(RUNDIR, "results.csv"), "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    with open(os.path.join(RUNDIR, "results.md"), "w") as fh:
        fh.write("| workload | budget per rank | peer | wall (s) | peak RSS, one process (MiB) | "
                 "spilled (MiB) | peak scratch (MiB) | check |\n|---|---|---|---:|---:|---:|---:|---|\n")
        for r in rows:
            fh.write(f"| {r['workload']} | {r['budget']} | {r['peer']} | {r['wall_s']} | "
                     f"{r['peak_rss_mib']} | {r['spilled_mib']} | {r['peak_scratch_mib']} | "
                     f"{r['check']} |\n")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("run_budgets: no matplotlib (Debian: python3-matplotlib): no plot")
        return
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    fig, axes = plt.subplots(1, len(workloads), figsize=(4.2 * len(workloads), 3.6), squeeze=False)
    for ax, workload in zip(axes[0], workloads):
        for peer, style in (("rankflow", "o-"), ("duckdb", "s--")):
            mine = [r for r in rows if r["workload"] == workload and r["peer"] == peer]
            if mine:
                ax.plot([r["budget"] for r in mine], [r["wall_s"] for r in mine], style,
                        label=f"{peer} ({RANKS} {'ranks' if peer == 'rankflow' else 'threads'})")
        ax.set_title(workload)
        ax.set_xlabel("memory budget per rank (DuckDB: x%d in total)" % RANKS)
        ax.set_ylabel("wall time (s)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(RUNDIR, "budgets.png"), dpi=110)


if __name__ == "__main__":
    sys.exit(main())
