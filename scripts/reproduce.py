#!/usr/bin/env python3
"""Runs an experiment (arms x seeds of `ledgfn train`) and tabulates it at fixed budgets.

    scripts/reproduce.py experiments/bag-paper.json            # run, then aggregate
    scripts/reproduce.py experiments/bag-paper.json --jobs=2 --out=runs/reproduce/bag-paper
    scripts/reproduce.py experiments/bag-paper.json --aggregate_only
    scripts/reproduce.py experiments/bag-paper.json --dry_run  # print the commands

THE EXPERIMENT FILE (JSON; keys other than these are an error):
  "description"   optional text, copied into summary.md.
  "base"          arguments of `ledgfn train` shared by every run, e.g.
                  ["--task=bag", "--rounds=300", "--eval_every=25"].
  "seeds"         non-empty list of distinct integers, e.g. [0, 1, 2, 3, 4].
  "arms"          object: arm name -> extra arguments, e.g.
                  {"SubTB": ["--objective=subtb"], "LED-SubTB": ["--objective=led-subtb"]}.
  "sweep"         optional object: arm name -> {flag: [values]}. The arm is replaced by
                  one variant per combination of values (the cartesian product over its
                  flags), its flags appended after the arm's arguments (the last occurrence
                  of a flag wins) and named "<arm> <flag>=<value> ...", the value written as
                  in the file: {"LED-SubTB": {"--policy_lr": [1e-4, 3e-4]}} gives
                  "LED-SubTB policy_lr=1e-4" and "LED-SubTB policy_lr=3e-4".
  "budgets"       object: budget column -> list of budgets, columns among
                  trajectories, oracle_objects, round, policy_steps.
  "policy_steps_per_round"
                  optional number (default 1): when metrics.csv has no policy_steps
                  column, policy_steps is taken as round x this.
  "metrics"       optional list of metrics.csv columns to report (default: modes, l1,
                  log_z_error, top100). log_z_error is reported as its absolute value.
  "primary"       optional metrics.csv column (default: modes) that picks the best sweep
                  setting (highest mean) and is plotted; "-COLUMN" uses its negation,
                  e.g. "-test_mean_energy" (MIS: the mean |I|).
  "reference"     optional metrics.csv column plotted as a dashed line, its mean over
                  every run, negated like the primary one, e.g. "baseline_energy" (MIS:
                  the greedy sets' energy).
Arguments are strings starting with "--". --seed, --output_dir, --threads and
--plot_script are set by the runner and may not appear in the file. Runs start with the
repository root as their working directory, so relative paths in the file (e.g.
--bag_modes_file=../shared/data/...) are relative to it; an argument --*_file=PATH whose
PATH does not exist is refused before anything runs.

RUNNING: every arm x seed runs as
  BIN train BASE ARM-ARGS --seed=S --threads=1 --plot_script= --output_dir=OUT/<arm-slug>/seed-S
with --jobs runs at a time, its stdout and stderr in OUT/<arm-slug>/seed-S.log. A run that
exits with status 0 gets a marker (OUT/<arm-slug>/seed-S/reproduce-done.json, holding its
command); a run with a marker for the same command is skipped, so an interrupted
experiment resumes where it stopped (a run without one is deleted and started again).
Progress (runs done / total, elapsed, ETA) goes to stderr. A failed run is reported with
its exit status and log; the others continue, and the script then exits with status 1.

AGGREGATION (OUT/summary.md, printed to stdout; OUT/summary.csv, long format): for each
arm, budget column, budget b and metric, each finished run contributes the value of its
last evaluation row (metrics.csv) whose budget column is <= b; a run whose last row is
below b contributes nothing ("n/a": no extrapolation), and a row below b that is used is
marked in the tables. Over seeds: mean, sample sd, n and the 95% confidence interval of
the mean, mean +- t(0.975, n-1) sd / sqrt(n). NaN values and absent columns are skipped.
With a sweep, a table gives each arm family's best variant by the mean primary metric
(modes unless "primary" says otherwise) at the largest budget of the first budget column.
OUT/<primary>.png (modes.png by default) plots its mean against trajectories per arm with
a mean +- sd band and the reference line (gnuplot; skipped with a warning when gnuplot is
missing).

EXIT STATUS: 0 all runs finished; 1 a run failed (or was interrupted: 130); 2 bad input.
"""

import argparse
import csv
import datetime
import itertools
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUDGET_COLUMNS = ("trajectories", "oracle_objects", "round", "policy_steps")
DEFAULT_METRICS = ("modes", "l1", "log_z_error", "top100")
PRIMARY_METRIC = "modes"
RESERVED_FLAGS = ("--seed", "--output_dir", "--threads", "--plot_script")
KNOWN_KEYS = ("description", "base", "seeds", "arms", "sweep", "budgets",
              "policy_steps_per_round", "metrics", "primary", "reference")
MARKER = "reproduce-done.json"
PROG = "reproduce.py"


class InputError(Exception):
    """Bad input: reported as one line, exit status 2."""


# ---------------------------------------------------------------- statistics

def _betacf(a, b, x):
    """Continued fraction of the regularised incomplete beta (Numerical Recipes)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a, b, x):
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t, df):
    """P(T <= t) for Student's t with df degrees of freedom."""
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p, df):
    """The p-quantile (0.5 < p < 1) of Student's t with df degrees of freedom, by bisection."""
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def describe(values):
    """mean, sample sd, n, t quantile, CI low, CI high (sd, t and CI None when n < 2)."""
    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    if n < 2:
        return {"n": 1, "mean": mean, "sd": None, "t": None, "lo": None, "hi": None}
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    t = t_quantile(0.975, n - 1)
    half = t * sd / math.sqrt(n)
    return {"n": n, "mean": mean, "sd": sd, "t": t, "lo": mean - half, "hi": mean + half}


# ---------------------------------------------------------------- the experiment file

class Number(float):
    """A float that remembers how the JSON file wrote it (for variant names)."""

    def __new__(cls, text):
        value = super().__new__(cls, text)
        value.text = text
        return value


def value_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Number):
        return v.text
    return str(v)


def slugify(name):
    slug = re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-")
    return slug or "arm"


def _check_args(where, args):
    if not isinstance(args, list):
        raise InputError(f"{where} must be a list of strings, not {type(args).__name__}")
    for a in args:
        if not isinstance(a, str) or not a.startswith("--"):
            raise InputError(f"{where}: {a!r} is not a string starting with '--'")
        flag = a.split("=", 1)[0]
        if flag in RESERVED_FLAGS:
            raise InputError(f"{where}: {flag} is set by the runner; remove it")
        if flag.endswith("_file") and "=" in a:
            path = a.split("=", 1)[1]
            if path and not os.path.exists(os.path.join(REPO_ROOT, path)):
                hint = (" (scripts/get-paper-data.sh puts the paper's files there)"
                        if "shared/data" in path else "")
                raise InputError(f"{where}: {a}: no such file (relative paths are from "
                                 f"{REPO_ROOT}){hint}")
    return list(args)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _unique_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise InputError(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def load_experiment(path):
    if not os.path.isfile(path):
        raise InputError(f"experiment file {path}: no such file")
    try:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f, parse_float=Number, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as e:
        raise InputError(f"experiment file {path}: invalid JSON: {e}") from None
    except InputError as e:
        raise InputError(f"experiment file {path}: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"experiment file {path}: cannot read: {e}") from None
    if not isinstance(spec, dict):
        raise InputError(f"{path}: the top level must be an object")
    unknown = sorted(set(spec) - set(KNOWN_KEYS))
    if unknown:
        raise InputError(f"{path}: unknown key(s) {', '.join(unknown)} "
                         f"(known: {', '.join(KNOWN_KEYS)})")
    for key in ("base", "seeds", "arms", "budgets"):
        if key not in spec:
            raise InputError(f"{path}: missing key '{key}'")
    exp = {"path": path, "name": os.path.splitext(os.path.basename(path))[0]}
    exp["description"] = spec.get("description", "")
    if not isinstance(exp["description"], str):
        raise InputError(f"{path}: 'description' must be a string")
    exp["base"] = _check_args(f"{path}: base", spec["base"])

    seeds = spec["seeds"]
    if not isinstance(seeds, list) or not seeds:
        raise InputError(f"{path}: 'seeds' must be a non-empty list of integers")
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise InputError(f"{path}: 'seeds' must hold integers only: {seeds}")
    if len(set(seeds)) != len(seeds):
        raise InputError(f"{path}: 'seeds' has duplicates: {seeds}")
    exp["seeds"] = seeds

    arms_in = spec["arms"]
    if not isinstance(arms_in, dict) or not arms_in:
        raise InputError(f"{path}: 'arms' must be a non-empty object (name -> arguments)")
    sweep = spec.get("sweep", {})
    if not isinstance(sweep, dict):
        raise InputError(f"{path}: 'sweep' must be an object (arm -> {{flag: [values]}})")
    for arm in sweep:
        if arm not in arms_in:
            raise InputError(f"{path}: sweep names arm '{arm}', which is not in 'arms'")
    arms = []  # (name, family, args)
    for name, args in arms_in.items():
        if not name.strip():
            raise InputError(f"{path}: an arm has an empty name")
        args = _check_args(f"{path}: arm '{name}'", args)
        if name not in sweep:
            arms.append({"name": name, "family": name, "args": args, "swept": False})
            continue
        grid = sweep[name]
        if not isinstance(grid, dict) or not grid:
            raise InputError(f"{path}: sweep '{name}' must be a non-empty object "
                             "(flag -> list of values)")
        flags, value_lists = [], []
        for flag, values in grid.items():
            if not flag.startswith("--") or "=" in flag:
                raise InputError(f"{path}: sweep '{name}': {flag!r} is not a flag like "
                                 "'--policy_lr'")
            if flag in RESERVED_FLAGS:
                raise InputError(f"{path}: sweep '{name}': {flag} is set by the runner")
            if not isinstance(values, list) or not values:
                raise InputError(f"{path}: sweep '{name}': {flag} needs a non-empty list")
            for v in values:
                if not (_is_number(v) or isinstance(v, str)):
                    raise InputError(f"{path}: sweep '{name}': {flag}: {v!r} is not a "
                                     "number or a string")
            flags.append(flag)
            value_lists.append(values)
        for combo in itertools.product(*value_lists):
            parts = [f"{f[2:]}={value_text(v)}" for f, v in zip(flags, combo)]
            extra = [f"{f}={value_text(v)}" for f, v in zip(flags, combo)]
            arms.append({"name": f"{name} {' '.join(parts)}", "family": name,
                         "args": args + extra, "swept": True})
    slugs = {}
    for arm in arms:
        arm["slug"] = slugify(arm["name"])
        if arm["slug"] in slugs:
            raise InputError(f"{path}: arms '{slugs[arm['slug']]}' and '{arm['name']}' "
                             f"have the same directory name '{arm['slug']}'")
        slugs[arm["slug"]] = arm["name"]
    exp["arms"] = arms

    budgets = spec["budgets"]
    if not isinstance(budgets, dict) or not budgets:
        raise InputError(f"{path}: 'budgets' must be a non-empty object "
                         f"(column -> list of budgets; columns: {', '.join(BUDGET_COLUMNS)})")
    for column, values in budgets.items():
        if column not in BUDGET_COLUMNS:
            raise InputError(f"{path}: budget column '{column}' is not one of "
                             f"{', '.join(BUDGET_COLUMNS)}")
        if (not isinstance(values, list) or not values
                or not all(_is_number(v) and v >= 0 for v in values)):
            raise InputError(f"{path}: budgets '{column}' must be a non-empty list of "
                             "non-negative numbers")
    exp["budgets"] = {c: sorted(float(v) for v in vs) for c, vs in budgets.items()}

    psr = spec.get("policy_steps_per_round", 1)
    if not _is_number(psr) or psr <= 0:
        raise InputError(f"{path}: 'policy_steps_per_round' must be a positive number")
    exp["policy_steps_per_round"] = float(psr)

    metrics = spec.get("metrics", list(DEFAULT_METRICS))
    if (not isinstance(metrics, list) or not metrics
            or not all(isinstance(m, str) and m for m in metrics)):
        raise InputError(f"{path}: 'metrics' must be a non-empty list of column names")
    exp["metrics"] = metrics
    primary = spec.get("primary", PRIMARY_METRIC)
    reference = spec.get("reference")
    for key, value in (("primary", primary), ("reference", reference)):
        if value is not None and (not isinstance(value, str)
                                  or not value.lstrip("-")):
            raise InputError(f"{path}: '{key}' must be a metrics.csv column name")
    if reference is not None and reference.startswith("-"):
        raise InputError(f"{path}: 'reference' is negated with the primary metric, "
                         "not on its own")
    exp["sign"] = -1.0 if primary.startswith("-") else 1.0
    exp["primary"] = primary.lstrip("-")
    exp["reference"] = reference
    return exp


# ---------------------------------------------------------------- running

def run_dir(out, arm, seed):
    return os.path.join(out, arm["slug"], f"seed-{seed}")


def run_args(exp, arm, seed, out):
    """The command's arguments after the binary (what the done marker records)."""
    return (["train"] + exp["base"] + arm["args"] +
            [f"--seed={seed}", "--threads=1", "--plot_script=",
             f"--output_dir={run_dir(out, arm, seed)}"])


def read_marker(directory):
    try:
        with open(os.path.join(directory, MARKER), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _without_output_dir(args):
    return [a for a in args if not a.startswith("--output_dir=")]


def is_done(exp, arm, seed, out):
    """Finished with status 0, with the same arguments (the output folder may have moved)."""
    marker = read_marker(run_dir(out, arm, seed))
    return (marker is not None and isinstance(marker.get("args"), list) and
            _without_output_dir(marker["args"]) ==
            _without_output_dir(run_args(exp, arm, seed, out)))


def fmt_duration(seconds):
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def rounds_of(args):
    rounds = 2000  # ledgfn train's default
    for a in args:
        if a.startswith("--rounds="):
            try:
                rounds = int(a.split("=", 1)[1])
            except ValueError:
                pass
    return max(rounds, 1)


def partial_progress(directory, rounds):
    """Fraction of a running run done, from the last row of its metrics.csv."""
    try:
        with open(os.path.join(directory, "metrics.csv"), encoding="utf-8") as f:
            last = None
            for row in csv.DictReader(f):
                last = row
        return min(float(last["round"]) / rounds, 1.0) if last else 0.0
    except (OSError, KeyError, ValueError, TypeError):
        return 0.0


def run_all(exp, binary, out, jobs, heartbeat):
    """Runs every unfinished arm x seed; returns the list of failures."""
    everything = [(arm, seed) for arm in exp["arms"] for seed in exp["seeds"]]
    todo = [(a, s) for a, s in everything if not is_done(exp, a, s, out)]
    for arm, seed in todo:
        if read_marker(run_dir(out, arm, seed)) is not None:
            log(f"{arm['name']} seed {seed}: finished before with other arguments; "
                "running it again")
    total, already = len(everything), len(everything) - len(todo)
    log(f"{exp['name']}: {total} runs ({len(exp['arms'])} arms x {len(exp['seeds'])} seeds); "
        f"{already} already finished, {len(todo)} to run, {jobs} at a time; output in {out}")
    failures, running = [], {}
    pending = list(todo)
    start = time.time()
    finished_now, last_beat = 0, start

    def status_line():
        elapsed = time.time() - start
        work_done = finished_now + len(failures) + sum(
            partial_progress(r["dir"], r["rounds"]) for r in running.values())
        eta = "?"
        if work_done > 0.05:
            eta = fmt_duration(elapsed * (len(todo) - work_done) / work_done)
        failed = f", {len(failures)} failed" if failures else ""
        return (f"[{already + finished_now}/{total} done{failed}, {len(running)} running] "
                f"elapsed {fmt_duration(elapsed)}, ETA {eta}")

    try:
        while pending or running:
            while pending and len(running) < jobs:
                arm, seed = pending.pop(0)
                directory = run_dir(out, arm, seed)
                if os.path.isdir(directory):
                    shutil.rmtree(directory)  # an unfinished or outdated run of ours
                os.makedirs(directory)
                log_path = directory + ".log"
                args = run_args(exp, arm, seed, out)
                with open(log_path, "w", encoding="utf-8") as log_file:
                    log_file.write("# " + " ".join([binary] + args) + "\n")
                    log_file.flush()
                    try:
                        proc = subprocess.Popen([binary] + args, cwd=REPO_ROOT,
                                                stdout=log_file, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL)
                    except OSError as e:
                        log_file.write(f"cannot start: {e}\n")
                        what = f"{arm['name']} seed {seed}"
                        failures.append((what, f"not started ({e})", log_path))
                        log(f"FAILED {what}: not started ({e}); log: {log_path}")
                        continue
                running[proc.pid] = {"proc": proc, "arm": arm, "seed": seed,
                                     "dir": directory, "log": log_path, "args": args,
                                     "start": time.time(), "rounds": rounds_of(args)}
                log(f"start {arm['name']} seed {seed}")
            time.sleep(0.2)
            for pid in list(running):
                r = running[pid]
                rc = r["proc"].poll()
                if rc is None:
                    continue
                del running[pid]
                seconds = time.time() - r["start"]
                what = f"{r['arm']['name']} seed {r['seed']}"
                if rc == 0:
                    marker = os.path.join(r["dir"], MARKER)
                    with open(marker + ".tmp", "w", encoding="utf-8") as f:
                        json.dump({"args": r["args"], "binary": binary,
                                   "seconds": round(seconds, 3),
                                   "finished": datetime.datetime.now().isoformat(
                                       timespec="seconds")}, f, indent=1)
                    os.replace(marker + ".tmp", marker)
                    finished_now += 1
                    log(f"done  {what} ({seconds:.1f} s) {status_line()}")
                else:
                    status = f"exit status {rc}" if rc > 0 else f"killed by signal {-rc}"
                    failures.append((what, status, r["log"]))
                    log(f"FAILED {what}: {status}; log: {r['log']} {status_line()}")
            if heartbeat > 0 and time.time() - last_beat >= heartbeat and running:
                last_beat = time.time()
                log(status_line())
    except KeyboardInterrupt:
        for r in running.values():
            r["proc"].terminate()
        for r in running.values():
            try:
                r["proc"].wait(timeout=10)
            except subprocess.TimeoutExpired:
                r["proc"].kill()
        log(f"interrupted: {len(running)} run(s) stopped; run the same command to resume")
        raise
    if todo:
        log(f"{exp['name']}: {finished_now} run(s) finished, {len(failures)} failed, "
            f"in {fmt_duration(time.time() - start)}")
    return failures


# ---------------------------------------------------------------- aggregation

def to_float(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def read_metrics(path, exp):
    """Rows of metrics.csv as dicts of floats (None for nan or absent), and whether
    policy_steps came from the file."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        rows = []
        for raw in reader:
            row = {k: to_float(v) for k, v in raw.items() if k is not None}
            if "policy_steps" not in header and row.get("round") is not None:
                row["policy_steps"] = row["round"] * exp["policy_steps_per_round"]
            rows.append(row)
    return rows, "policy_steps" in header


def metric_value(row, metric):
    v = row.get(metric)
    if v is None:
        return None
    return abs(v) if metric == "log_z_error" else v


def value_at(rows, column, budget, metric):
    """(value, budget of the row used) at the last row with column <= budget, or None
    when the run's last row with this column is below budget."""
    with_col = [r for r in rows if r.get(column) is not None]
    if not with_col or max(r[column] for r in with_col) < budget:
        return None
    used = None
    for r in with_col:
        if r[column] <= budget:
            used = r
    if used is None:
        return None
    v = metric_value(used, metric)
    return None if v is None else (v, used[column])


def collect(exp, out):
    """Per arm: {seed: rows} of finished runs; notes on how policy_steps was found."""
    data, missing, ps_sources = {}, [], set()
    for arm in exp["arms"]:
        data[arm["name"]] = {}
        for seed in exp["seeds"]:
            directory = run_dir(out, arm, seed)
            path = os.path.join(directory, "metrics.csv")
            if not is_done(exp, arm, seed, out) or not os.path.isfile(path):
                missing.append(f"{arm['name']} seed {seed}")
                continue
            try:
                rows, has_ps = read_metrics(path, exp)
            except (OSError, csv.Error, UnicodeDecodeError) as e:
                log(f"warning: cannot read {path}: {e}")
                missing.append(f"{arm['name']} seed {seed}")
                continue
            ps_sources.add(has_ps)
            data[arm["name"]][seed] = rows
    return data, missing, ps_sources


def fmt_num(v, metric):
    if v is None:
        return "—"
    if metric in ("modes", "distinct", "oracle_objects", "trajectories", "round"):
        return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"
    return f"{v:.4f}" if abs(v) < 1000 else f"{v:.1f}"


def fmt_budget(b):
    return str(int(b)) if float(b).is_integer() else f"{b:g}"


def aggregate(exp, out, data):
    """Long-format records: one per arm x budget column x budget x metric."""
    records = []
    for arm in exp["arms"]:
        runs = data[arm["name"]]
        for column, budgets in exp["budgets"].items():
            for b in budgets:
                for metric in exp["metrics"]:
                    values, used = [], []
                    for seed, rows in sorted(runs.items()):
                        got = value_at(rows, column, b, metric)
                        if got is not None:
                            values.append((seed, got[0]))
                            used.append(got[1])
                    stats = describe([v for _, v in values])
                    ends = [max(r[column] for r in rows if r.get(column) is not None)
                            for rows in runs.values()
                            if any(r.get(column) is not None for r in rows)]
                    records.append({"arm": arm, "column": column, "budget": b,
                                    "metric": metric, "values": values, "stats": stats,
                                    "used_min": min(used) if used else None,
                                    "used_max": max(used) if used else None,
                                    "last_max": max(ends) if ends else None,
                                    "runs": len(runs)})
    return records


def cell(rec, seeds_total):
    s = rec["stats"]
    if s is None:
        if rec["runs"] == 0:
            return "n/a (no finished run)"
        if rec["last_max"] is not None and rec["last_max"] < rec["budget"]:
            return f"n/a (runs end at {fmt_budget(rec['last_max'])})"
        return "n/a"
    m = rec["metric"]
    text = fmt_num(s["mean"], m)
    if s["sd"] is not None:
        text += f" ± {fmt_num(s['sd'], m)} [{fmt_num(s['lo'], m)}, {fmt_num(s['hi'], m)}]"
    if s["n"] != seeds_total:
        text += f" (n={s['n']})"
    if rec["used_max"] is not None and rec["used_max"] < rec["budget"]:
        text += " †"
    return text


def write_summary(exp, out, binary, data, missing, failures, ps_sources, command):
    records = aggregate(exp, out, data)
    nseeds = len(exp["seeds"])
    lines = [f"# {exp['name']}", ""]
    if exp["description"]:
        lines += [exp["description"], ""]
    lines += [f"Experiment file `{exp['path']}`, seeds {', '.join(map(str, exp['seeds']))}; "
              f"binary `{binary}`; aggregated {datetime.datetime.now():%Y-%m-%d %H:%M}.",
              "", "    " + command, "",
              "Each run: `ledgfn train " + " ".join(exp["base"]) +
              " ARM-ARGS --seed=S --threads=1 --plot_script= --output_dir=...`", ""]
    lines += ["| arm | arguments | finished runs | mean wall time of a run (s) |",
              "|---|---|---|---|"]
    for arm in exp["arms"]:
        runs = data[arm["name"]]
        secs = []
        for seed in runs:
            marker = read_marker(run_dir(out, arm, seed)) or {}
            if _is_number(marker.get("seconds")):
                secs.append(marker["seconds"])
        wall = f"{sum(secs) / len(secs):.1f}" if secs else "—"
        lines.append(f"| {arm['name']} | `{' '.join(arm['args'])}` | {len(runs)}/{nseeds} "
                     f"| {wall} |")
    lines.append("")
    if missing:
        lines += [f"Not finished (left out): {', '.join(missing)}.", ""]
    if failures:
        lines += ["Failed in this invocation: " +
                  "; ".join(f"{w} ({status}, log {p})" for w, status, p in failures), ""]
    if "policy_steps" in exp["budgets"]:
        if False in ps_sources:
            lines += ["policy_steps: metrics.csv has no policy_steps column; taken as round × "
                      f"{fmt_budget(exp['policy_steps_per_round'])} (the experiment's "
                      "policy_steps_per_round).", ""]
    lines += ["Cells: mean ± sample sd [95% CI of the mean, Student t] over seeds, at the last "
              "evaluation at or before the budget; n/a: no run reached the budget; "
              "(n=k): only k seeds have a value; †: the evaluation used lies below the budget "
              "(see summary.csv, budget_used_min/max).", ""]
    by_key = {}
    for r in records:
        by_key[(r["arm"]["name"], r["column"], r["budget"], r["metric"])] = r
    for column, budgets in exp["budgets"].items():
        for metric in exp["metrics"]:
            if not any(by_key[(a["name"], column, b, metric)]["stats"]
                       for a in exp["arms"] for b in budgets):
                lines += [f"## {metric_title(metric)} at {column}", "",
                          "No values (column absent, nan, or no run reached a budget).", ""]
                continue
            lines += [f"## {metric_title(metric)} at {column}", "",
                      "| arm | " + " | ".join(fmt_budget(b) for b in budgets) + " |",
                      "|---|" + "---|" * len(budgets)]
            for arm in exp["arms"]:
                lines.append(f"| {arm['name']} | " + " | ".join(
                    cell(by_key[(arm["name"], column, b, metric)], nseeds)
                    for b in budgets) + " |")
            lines.append("")
    best = best_settings(exp, by_key)
    if best:
        lines += best
    text = "\n".join(lines)
    with open(os.path.join(out, "summary.md"), "w", encoding="utf-8") as f:
        f.write(text)
    write_csv(exp, out, records)
    return text


def metric_title(metric):
    return "abs(log_z_error)" if metric == "log_z_error" else metric


def best_settings(exp, by_key):
    families = {}
    for arm in exp["arms"]:
        if arm["swept"]:
            families.setdefault(arm["family"], []).append(arm)
    if not families:
        return []
    column = next(iter(exp["budgets"]))
    metric = exp["primary"]
    nseeds = len(exp["seeds"])
    lines = [f"## Best sweep setting per arm family ({metric}, mean at the largest "
             f"{column} budget that every setting of the family reached)", "",
             f"| family | {column} | best setting | {metric} | every setting (mean) |",
             "|---|---|---|---|---|"]
    for family, arms in families.items():
        budget = None
        for b in reversed(exp["budgets"][column]):
            if all(by_key[(a["name"], column, b, metric)]["stats"] for a in arms):
                budget = b
                break
        if budget is None:
            lines.append(f"| {family} | n/a | n/a | n/a | no budget reached by every "
                         "setting |")
            continue
        scored = []
        for arm in arms:
            rec = by_key.get((arm["name"], column, budget, metric))
            if rec and rec["stats"]:
                scored.append((rec["stats"]["mean"], arm, rec))
        top = max(scored, key=lambda t: exp["sign"] * t[0])  # the first of equal means
        every = ", ".join(f"{a['name'][len(family) + 1:]}: {fmt_num(m, metric)}"
                          for m, a, _ in scored)
        lines.append(f"| {family} | {fmt_budget(budget)} | {top[1]['name']} | "
                     f"{cell(top[2], nseeds)} | {every} |")
    return lines + [""]


def write_csv(exp, out, records):
    fields = ["experiment", "arm", "family", "budget_column", "budget", "metric", "n",
              "mean", "sd", "ci_low", "ci_high", "t_quantile", "budget_used_min",
              "budget_used_max", "budget_last_max", "values"]
    with open(os.path.join(out, "summary.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(fields)
        for r in records:
            s = r["stats"] or {}

            def g(key):
                v = s.get(key)
                return "" if v is None else repr(v)
            w.writerow([exp["name"], r["arm"]["name"], r["arm"]["family"], r["column"],
                        fmt_budget(r["budget"]), r["metric"], s.get("n", 0), g("mean"),
                        g("sd"), g("lo"), g("hi"), g("t"),
                        "" if r["used_min"] is None else fmt_budget(r["used_min"]),
                        "" if r["used_max"] is None else fmt_budget(r["used_max"]),
                        "" if r["last_max"] is None else fmt_budget(r["last_max"]),
                        ";".join(f"{seed}:{v!r}" for seed, v in r["values"])])


# ---------------------------------------------------------------- plot

def plot_primary(exp, out, data):
    if shutil.which("gnuplot") is None:
        log(f"warning: gnuplot is not installed; no {exp['primary']}.png "
            "(apt-get install gnuplot-nox)")
        return
    plot_dir = os.path.join(out, "plot-data")
    os.makedirs(plot_dir, exist_ok=True)
    metric, sign = exp["primary"], exp["sign"]
    label = ("-" if sign < 0 else "") + metric
    series = []
    references = []
    for arm in exp["arms"]:
        runs = list(data[arm["name"]].values())
        if not runs:
            continue
        points = {}  # trajectories -> primary metric per run
        for rows in runs:
            for r in rows:
                x, y = r.get("trajectories"), r.get(metric)
                if x is not None and y is not None:
                    points.setdefault(x, []).append(sign * y)
                if exp["reference"] and r.get(exp["reference"]) is not None:
                    references.append(sign * r[exp["reference"]])
        # Only x values every run reached, so that the mean is over the same runs.
        xs = sorted(x for x, ys in points.items() if len(ys) == len(runs))
        if not xs:
            continue
        path = os.path.join(plot_dir, arm["slug"] + ".dat")
        with open(path, "w", encoding="utf-8") as f:
            f.write("# trajectories mean sd n\n")
            for x in xs:
                s = describe(points[x])
                f.write(f"{x!r} {s['mean']!r} {(s['sd'] or 0.0)!r} {s['n']}\n")
        series.append((arm["name"], path))
    if not series:
        log(f"warning: no {label} against trajectories to plot")
        return
    png = os.path.join(out, metric + ".png")
    plots = []
    for i, (name, path) in enumerate(series, start=1):
        title = name.replace("\\", "\\\\").replace("'", "''")
        q = path.replace("'", "''")
        plots.append(f"'{q}' using 1:($2-$3):($2+$3) with filledcurves "
                     f"fs transparent solid 0.18 noborder lc {i} notitle")
        plots.append(f"'{q}' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc {i} "
                     f"title '{title}'")
    if references:
        reference = sum(references) / len(references)
        plots.append(f"{reference!r} with lines dt 2 lw 2 lc rgb '#555555' "
                     f"title '{exp['reference']} ({reference:.2f})'")
    title = exp["name"].replace("'", "''")
    script = "\n".join([
        "set terminal pngcairo size 1000,650 font ',10' noenhanced",
        "set output '" + png.replace("'", "''") + "'",
        f"set title '{title}: {label} (mean over seeds, band: ± sd)'",
        "set xlabel 'trajectories sampled'",
        f"set ylabel '{label}'",
        "set grid",
        "set key top left",
        "set linetype 1 lc rgb '#1f77b4'", "set linetype 2 lc rgb '#d62728'",
        "set linetype 3 lc rgb '#2ca02c'", "set linetype 4 lc rgb '#9467bd'",
        "set linetype 5 lc rgb '#ff7f0e'", "set linetype 6 lc rgb '#8c564b'",
        "set linetype 7 lc rgb '#e377c2'", "set linetype 8 lc rgb '#7f7f7f'",
        "set linetype cycle 8",
        "plot " + ", \\\n     ".join(plots), ""])
    with open(os.path.join(plot_dir, metric + ".gp"), "w", encoding="utf-8") as f:
        f.write(script)
    proc = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if proc.returncode != 0:
        log(f"warning: gnuplot failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
    else:
        log(f"plot: {png}")


# ---------------------------------------------------------------- main

def log(message):
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{PROG}: error: {message} (see --help)\n")


def main(argv):
    parser = Parser(prog="scripts/reproduce.py", description=__doc__,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("experiment", help="the experiment file (JSON, see above)")
    parser.add_argument("--bin", default=os.path.join("build", "launcher", "ledgfn"),
                        help="the ledgfn binary (default: build/launcher/ledgfn, relative "
                             "to the repository root; other relative paths are from the "
                             "current directory)")
    parser.add_argument("--out", default=None,
                        help="output folder (default: runs/reproduce/<experiment name> in "
                             "the repository root)")
    parser.add_argument("--jobs", type=int, default=2,
                        help="runs at a time, one compute thread each (default 2)")
    parser.add_argument("--aggregate_only", action="store_true",
                        help="run nothing: aggregate the finished runs in --out")
    parser.add_argument("--dry_run", action="store_true",
                        help="print each run's command and whether it is finished; "
                             "run nothing")
    parser.add_argument("--heartbeat", type=float, default=60.0,
                        help="seconds between progress lines while runs go on (default 60; "
                             "0: only when a run starts or ends)")
    args = parser.parse_args(argv)
    try:
        if args.jobs < 1:
            raise InputError(f"--jobs must be at least 1, not {args.jobs}")
        exp = load_experiment(args.experiment)
        if args.bin == parser.get_default("bin"):
            binary = os.path.join(REPO_ROOT, args.bin)
        else:
            binary = os.path.abspath(args.bin)
        out = os.path.abspath(args.out) if args.out else os.path.join(
            REPO_ROOT, "runs", "reproduce", exp["name"])
        if args.aggregate_only:
            if not os.path.isdir(out):
                raise InputError(f"--aggregate_only: {out}: no such folder")
        elif not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            raise InputError(f"--bin {binary}: not an executable file (build it, or pass "
                             "--bin=PATH)")
    except InputError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2

    if args.dry_run:
        for arm in exp["arms"]:
            for seed in exp["seeds"]:
                state = "finished" if is_done(exp, arm, seed, out) else "to run"
                print(f"[{state}] " + " ".join([binary] + run_args(exp, arm, seed, out)))
        return 0

    command = "scripts/reproduce.py " + " ".join(argv)
    failures = []
    if not args.aggregate_only:
        os.makedirs(out, exist_ok=True)
        try:
            failures = run_all(exp, binary, out, args.jobs, args.heartbeat)
        except KeyboardInterrupt:
            return 130
    data, missing, ps_sources = collect(exp, out)
    text = write_summary(exp, out, binary, data, missing, failures, ps_sources, command)
    plot_primary(exp, out, data)
    print(text)
    log(f"wrote {os.path.join(out, 'summary.md')} and summary.csv")
    if failures:
        for what, status, path in failures:
            log(f"FAILED {what}: {status}; log: {path}")
        return 1
    return 0


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt  # stop the runs we started, as for Ctrl-C


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _on_sigterm)
    sys.exit(main(sys.argv[1:]))
