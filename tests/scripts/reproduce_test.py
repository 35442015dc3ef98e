#!/usr/bin/env python3
"""Runs scripts/reproduce.py on a tiny experiment against the real ledgfn binary.

  reproduce_test.py SOURCE_DIR LEDGFN_BINARY

2 arms (one a one-value LR sweep) x 2 seeds of 10 hypergrid rounds (about a second each):
* summary.csv: n = 2 and the mean of l1 / abs(log Z error) / modes equal to the mean of
  the two runs' values read from their metrics.csv; the Student-t interval of the mean;
  n/a (n = 0) for a budget no run reached; policy_steps from metrics.csv's column
  (not the file's policy_steps_per_round fallback);
* summary.md: a table per budget column and metric, the sweep's best-setting table;
* a second invocation runs nothing (resume) and changes no run's files;
  --aggregate_only gives the same summary.csv;
* a failing arm: the others still run, the log is named, exit status 1;
* a primary metric other than modes, negated ("-l1"): the best sweep setting has the
  lowest l1, and the plot (l1.png) carries the reference line;
* bad input (unknown key, empty seeds, missing file, binary not executable, a bad
  primary or reference): exit 2,
  one line on stderr, no traceback.
Exit 0 = pass, 1 = fail (each problem printed).
"""
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

problems = []


def check(ok, what):
    if not ok:
        problems.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return ok


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240)


def metrics_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def value_at(rows, column, budget, metric):
    """The last row with column <= budget (the runner's rule), as a float."""
    used = None
    for r in rows:
        if float(r[column]) <= budget:
            used = r
    v = float(used[metric])
    return abs(v) if metric == "log_z_error" else v


def main():
    if len(sys.argv) != 3:
        print("usage: reproduce_test.py SOURCE_DIR LEDGFN_BINARY", file=sys.stderr)
        return 2
    source, binary = sys.argv[1], sys.argv[2]
    runner = [sys.executable, os.path.join(source, "scripts", "reproduce.py")]
    tmp = tempfile.mkdtemp(prefix="reproduce_test_")
    try:
        test(runner, binary, tmp)
    except Exception as e:  # a check that could not even run is a failure too
        check(False, f"the test stopped: {type(e).__name__}: {e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("reproduce_test: all checks passed")
    return 0


def test(runner, binary, tmp):
    exp_path = os.path.join(tmp, "tiny.json")
    with open(exp_path, "w") as f:
        json.dump({
            "description": "reproduce_test: 2 arms x 2 seeds, 10 hypergrid rounds",
            "base": ["--task=hypergrid", "--hypergrid_dim=2", "--rounds=10",
                     "--eval_every=5"],
            "seeds": [0, 1],
            "arms": {"SubTB": ["--objective=subtb"], "TB": ["--objective=tb"]},
            "sweep": {"TB": {"--policy_lr": [0.003]}},
            "budgets": {"trajectories": [80, 100, 160, 1000], "policy_steps": [10, 20]},
            "policy_steps_per_round": 2,
        }, f)
    out = os.path.join(tmp, "out")
    first = run(runner + [exp_path, f"--bin={binary}", f"--out={out}", "--jobs=2"])
    if not check(first.returncode == 0,
                 f"first run: exit {first.returncode}\n{first.stderr}"):
        return
    check("4 to run" in first.stderr, "first run: progress line names 4 runs to run")
    check("[4/4 done" in first.stderr, "first run: progress reaches [4/4 done")
    summary_md = os.path.join(out, "summary.md")
    with open(summary_md) as f:
        md = f.read()
    check(first.stdout.strip() == md.strip(), "summary.md is printed to stdout")
    for title in ("## modes at trajectories", "## l1 at trajectories",
                  "## abs(log_z_error) at policy_steps", "## top100 at trajectories",
                  "Best sweep setting", "TB policy_lr=0.003"):
        check(title in md, f"summary.md has '{title}'")

    with open(os.path.join(out, "summary.csv"), newline="") as f:
        records = list(csv.DictReader(f))
    by_key = {(r["arm"], r["budget_column"], r["budget"], r["metric"]): r for r in records}
    check(len(records) == 2 * (4 + 2) * 4, f"summary.csv has 48 rows, not {len(records)}")
    slugs = {"SubTB": "subtb", "TB policy_lr=0.003": "tb-policy-lr-0.003"}
    for arm, slug in slugs.items():
        runs = [metrics_rows(os.path.join(out, slug, f"seed-{s}", "metrics.csv"))
                for s in (0, 1)]
        for metric in ("l1", "log_z_error", "modes"):
            for column, budget, rows_column in (("trajectories", 160, "trajectories"),
                                                ("trajectories", 100, "trajectories")):
                rec = by_key.get((arm, column, str(budget), metric))
                if not check(rec is not None, f"summary.csv row {arm} {column} {budget} "
                             f"{metric}"):
                    continue
                values = [value_at(rows, rows_column, budget, metric) for rows in runs]
                mean = sum(values) / 2
                check(rec["n"] == "2", f"{arm} {metric} at {budget}: n = {rec['n']}, not 2")
                check(math.isclose(float(rec["mean"]), mean, rel_tol=1e-12, abs_tol=1e-12),
                      f"{arm} {metric} at {budget}: mean {rec['mean']} != {mean} "
                      f"(from metrics.csv: {values})")
                sd = abs(values[0] - values[1]) / math.sqrt(2)
                check(math.isclose(float(rec["sd"]), sd, rel_tol=1e-9, abs_tol=1e-12),
                      f"{arm} {metric} at {budget}: sd {rec['sd']} != {sd}")
                half = 12.706204736174698 * sd / math.sqrt(2)  # t(0.975, 1)
                check(math.isclose(float(rec["ci_high"]), mean + half, rel_tol=1e-6,
                                   abs_tol=1e-9),
                      f"{arm} {metric} at {budget}: ci_high {rec['ci_high']} != "
                      f"{mean + half}")
        # 100 trajectories is between evaluations (80, 160): the row at 80 is used.
        rec = by_key[(arm, "trajectories", "100", "l1")]
        check(rec["budget_used_max"] == "80", f"{arm}: budget 100 used row "
              f"{rec['budget_used_max']}, not 80")
        # metrics.csv's policy_steps column (one a round here) wins over the
        # file's policy_steps_per_round (2): 10 steps = round 10, not round 5.
        rec = by_key[(arm, "policy_steps", "10", "l1")]
        expected = sum(value_at(rows, "round", 10, "l1") for rows in runs) / 2
        check(rec["n"] == "2" and math.isclose(float(rec["mean"]), expected, rel_tol=1e-12),
              f"{arm}: l1 at 10 policy steps ({rec['mean']}) is not the value at round 10 "
              f"({expected})")
        rec = by_key[(arm, "trajectories", "1000", "l1")]
        check(rec["n"] == "0" and rec["mean"] == "" and rec["budget_last_max"] == "160",
              f"{arm}: budget 1000 (never reached) is not n/a: {rec}")
    check("n/a (runs end at 160)" in md, "summary.md says n/a for an unreached budget")
    if shutil.which("gnuplot"):
        check(os.path.getsize(os.path.join(out, "modes.png")) > 0, "modes.png written")

    # A primary metric other than modes, negated: the best setting has the
    # lowest l1, and the plot is l1.png with the reference line.
    low_path = os.path.join(tmp, "lowest.json")
    with open(low_path, "w") as f:
        json.dump({"base": ["--task=hypergrid", "--hypergrid_dim=2", "--rounds=10",
                            "--eval_every=10"],
                   "seeds": [0],
                   "arms": {"TB": ["--objective=tb"]},
                   "sweep": {"TB": {"--policy_lr": [0.0001, 0.03]}},
                   "budgets": {"trajectories": [160]},
                   "metrics": ["l1"],
                   "primary": "-l1",
                   "reference": "exact_log_z"}, f)
    low_out = os.path.join(tmp, "lowest-out")
    low = run(runner + [low_path, f"--bin={binary}", f"--out={low_out}", "--jobs=2"])
    if check(low.returncode == 0, f"primary -l1: exit {low.returncode}\n{low.stderr}"):
        l1 = {}
        for lr, slug in (("0.0001", "tb-policy-lr-0.0001"), ("0.03", "tb-policy-lr-0.03")):
            rows = metrics_rows(os.path.join(low_out, slug, "seed-0", "metrics.csv"))
            l1[lr] = value_at(rows, "trajectories", 160, "l1")
        best = min(l1, key=l1.get)
        check(l1["0.0001"] != l1["0.03"], f"primary -l1: the two rates tie: {l1}")
        check(f"| TB | 160 | TB policy_lr={best} |" in low.stdout,
              f"primary -l1: best setting is not policy_lr={best} ({l1}):\n{low.stdout}")
        if shutil.which("gnuplot"):
            check(os.path.getsize(os.path.join(low_out, "l1.png")) > 0, "l1.png written")
            with open(os.path.join(low_out, "plot-data", "l1.gp")) as f:
                check("title 'exact_log_z" in f.read(), "l1.gp has the reference line")

    # Resume: nothing runs again, no run's files change.
    marker = os.path.join(out, "subtb", "seed-0", "reproduce-done.json")
    metrics = os.path.join(out, "subtb", "seed-0", "metrics.csv")
    before = (os.stat(marker).st_mtime_ns, os.stat(metrics).st_mtime_ns)
    with open(os.path.join(out, "summary.csv")) as f:
        csv_before = f.read()
    second = run(runner + [exp_path, f"--bin={binary}", f"--out={out}"])
    check(second.returncode == 0, f"second run: exit {second.returncode}\n{second.stderr}")
    check("4 already finished, 0 to run" in second.stderr and "start " not in second.stderr,
          f"second run ran something:\n{second.stderr}")
    check((os.stat(marker).st_mtime_ns, os.stat(metrics).st_mtime_ns) == before,
          "second run touched a finished run")
    agg = run(runner + [exp_path, f"--out={out}", "--aggregate_only",
                        "--bin=/nonexistent/ledgfn"])
    check(agg.returncode == 0, f"--aggregate_only: exit {agg.returncode}\n{agg.stderr}")
    with open(os.path.join(out, "summary.csv")) as f:
        check(f.read() == csv_before, "--aggregate_only gives the same summary.csv")

    # A failing arm: reported with its log, the other arm still runs, exit 1.
    fail_path = os.path.join(tmp, "fail.json")
    with open(fail_path, "w") as f:
        json.dump({"base": ["--task=hypergrid", "--hypergrid_dim=2", "--rounds=5",
                            "--eval_every=5"],
                   "seeds": [0],
                   "arms": {"broken": ["--objective=no-such-objective"],
                            "fine": ["--objective=subtb"]},
                   "budgets": {"round": [5]}}, f)
    fail_out = os.path.join(tmp, "fail-out")
    failed = run(runner + [fail_path, f"--bin={binary}", f"--out={fail_out}", "--jobs=1"])
    check(failed.returncode == 1, f"failing arm: exit {failed.returncode}, not 1")
    log_path = os.path.join(fail_out, "broken", "seed-0.log")
    check(f"FAILED broken seed 0" in failed.stderr and log_path in failed.stderr,
          f"failing arm: no FAILED line naming {log_path}:\n{failed.stderr}")
    check(os.path.isfile(os.path.join(fail_out, "fine", "seed-0", "reproduce-done.json")),
          "failing arm: the other arm did not finish")
    check(not os.path.exists(os.path.join(fail_out, "broken", "seed-0",
                                          "reproduce-done.json")),
          "failing arm: has a done marker")

    # Bad input: exit 2, one line, no traceback.
    def bad(name, args):
        r = run(runner + args)
        lines = r.stderr.strip().splitlines()
        check(r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr,
              f"bad input '{name}': exit {r.returncode}, stderr:\n{r.stderr}")

    def bad_spec(name, spec):
        path = os.path.join(tmp, "bad.json")
        with open(path, "w") as f:
            json.dump(spec, f)
        bad(name, [path, f"--bin={binary}", f"--out={os.path.join(tmp, 'bad-out')}"])

    good = {"base": [], "seeds": [0], "arms": {"a": ["--objective=tb"]},
            "budgets": {"round": [1]}}
    bad_spec("unknown key", dict(good, extra=1))
    bad_spec("empty seeds", dict(good, seeds=[]))
    bad_spec("unknown budget column", dict(good, budgets={"steps": [1]}))
    bad_spec("primary not a name", dict(good, primary=3))
    bad_spec("reference negated", dict(good, reference="-l1"))
    bad("missing file", [os.path.join(tmp, "nope.json"), f"--bin={binary}"])
    bad("binary not executable", [exp_path, f"--bin={exp_path}"])
    check(not os.path.exists(os.path.join(tmp, "bad-out")), "bad input created output")


if __name__ == "__main__":
    sys.exit(main())
