#!/usr/bin/env python3
"""Pass@1 across seeds with paired comparisons, from runs made once per seed (`lema run SPEC --set seed=N
--set name=NAME-sN`). For each (stage, variant) it prints the mean pass@1 over seeds with a 95% t interval, the
per-seed figures and, against a baseline variant, the mean paired difference with its t interval and McNemar's exact
p over all (seed, question) pairs. Within one pipeline `replicates: N` gives the same numbers in report.md; this
script is for runs made before replicates existed, and for notebooks.

usage: scripts/seed-table.py RUN_DIR... --baseline VARIANT [--pair VARIANT=BASELINE ...] [--stage evaluate]
(--pair compares a variant with another baseline, e.g. one evaluated on the same test questions)
"""
import argparse, json, math, os, sqlite3, sys

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}

def mean_interval(xs):
    n = len(xs); m = sum(xs) / n
    if n < 2: return m, None, None
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    h = T975.get(n - 1, 1.96) * sd / math.sqrt(n)
    return m, m - h, m + h

def mcnemar_exact(b, c):
    """Two-sided exact McNemar p: discordant pairs b (only A right) and c (only B right)."""
    n = b + c
    if n == 0: return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)

def predictions(run, stage):
    """variant → {problem_id: correct} of the stage's node in that variant."""
    db = sqlite3.connect(f"file:{os.path.join(run, 'state.sqlite')}?mode=ro", uri=True)
    out = {}
    for variant, node in db.execute("select variant, node from variant_stages where stage = ?", (stage,)):
        (artifacts,) = db.execute("select artifacts from nodes where id = ?", (node,)).fetchone() or (None,)
        path = None
        if artifacts:
            a = json.loads(artifacts)
            path = a.get("predictions")
        if not path:
            cands = [d for d in os.listdir(os.path.join(run, "nodes")) if d.startswith(f"{stage}-{node[:12]}")]
            if not cands: continue
            path = os.path.join(run, "nodes", cands[0], "predictions.jsonl")
        elif not os.path.isabs(path):
            path = os.path.join(run, path)
        rows = {}
        for line in open(path):
            r = json.loads(line)
            rows[r["problem_id"]] = bool(r["correct"])
        out[variant] = rows
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--stage", default="evaluate")
    ap.add_argument("--pair", action="append", default=[], help="VARIANT=BASELINE")
    args = ap.parse_args()
    per_run = [predictions(r, args.stage) for r in args.runs]
    variants = [v for v in per_run[0] if all(v in p for p in per_run)]
    if args.baseline not in variants: sys.exit(f"baseline {args.baseline!r} not in {variants}")
    pairs = dict(p.split("=", 1) for p in args.pair)
    print(f"| variant | pass@1 mean [95% t] | per seed | vs | paired Δ [95% t] | McNemar p (pooled; only this / only baseline) |")
    print("| --- | ---: | --- | --- | ---: | ---: |")
    for v in variants:
        baseline = pairs.get(v, args.baseline)
        accs = [100 * sum(p[v].values()) / len(p[v]) for p in per_run]
        m, lo, hi = mean_interval(accs)
        diffs, b, c = [], 0, 0
        for p in per_run:
            base, this = p[baseline], p[v]
            common = base.keys() & this.keys()
            diffs.append(100 * (sum(this[q] for q in common) - sum(base[q] for q in common)) / len(common))
            b += sum(1 for q in common if this[q] and not base[q])
            c += sum(1 for q in common if base[q] and not this[q])
        dm, dlo, dhi = mean_interval(diffs)
        span = f"[{lo:.1f}, {hi:.1f}]" if lo is not None else ""
        dspan = f"[{dlo:+.1f}, {dhi:+.1f}]" if dlo is not None else ""
        same = v == baseline
        p = "–" if same else f"{mcnemar_exact(b, c):.2g} ({b}/{c})"
        print(f"| {v} | {m:.1f} {span} | {' / '.join(f'{a:.1f}' for a in accs)} | {'–' if same else baseline} | "
              f"{'–' if same else f'{dm:+.1f} {dspan}'} | {p} |")

main()
