#!/usr/bin/env python3
"""Supervisor restart loop against a real pipeline: SIGKILL `lema run` (its whole process group) at random moments
and start it again the instant the kill is sent, without reaping the killed process first (as systemd
`Restart=always` or a shell `until` loop may), until CYCLES kills are done; then let it finish and compare every node
artifact with an uninterrupted run's. Prints refusals (exit 3), waits for exiting owners, and byte comparisons.

    scripts/restart-loop.py [--spec pipelines/lema.yaml] [--cycles 20] [--lema .build/release/lema]
"""
import argparse, os, random, shutil, signal, subprocess, sys, tempfile, time, hashlib, sqlite3


def tree(root):
    out = {}
    base = os.path.join(root, "runs")
    for dirpath, _, files in os.walk(base):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, base)
            if "/checkpoints/" in rel or rel.endswith(".log") or "state.sqlite" in rel:
                continue
            with open(path, "rb") as f:
                out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


def start(lema, spec, cwd):
    return subprocess.Popen([lema, "run", spec, "--runs-dir", "runs", "--progress", "quiet"], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", default="pipelines/lema.yaml")
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--lema", default=".build/release/lema")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    lema, spec = os.path.abspath(a.lema), os.path.abspath(a.spec)
    rng = random.Random(a.seed)

    ref_dir = tempfile.mkdtemp(prefix="lema-restart-ref-")
    t0 = time.time()
    p = start(lema, spec, ref_dir)
    _, err = p.communicate()
    clean = time.time() - t0
    if p.returncode != 0:
        sys.exit(f"reference run failed ({p.returncode}): {err.decode()[-2000:]}")
    reference = tree(ref_dir)
    print(f"reference: {clean:.1f} s, {len(reference)} files")

    work = tempfile.mkdtemp(prefix="lema-restart-")
    kills, refusals, unreaped = 0, 0, []
    started = time.time()
    while True:
        p = start(lema, spec, work)
        if kills >= a.cycles:
            break
        deadline = time.time() + rng.uniform(0, clean / (a.cycles / 2))
        while time.time() < deadline and p.poll() is None:
            time.sleep(0.002)
        code = p.poll()
        if code is not None:
            if code == 3:
                refusals += 1
                continue
            if code == 0:
                print("the run finished before all kills; starting over is not needed")
                break
            sys.exit(f"lema exited {code}: {p.stderr.read().decode()[-2000:]}")
        os.killpg(p.pid, signal.SIGKILL)  # and start the next one at once, unreaped
        unreaped.append(p)
        kills += 1
    _, err = p.communicate()
    for q in unreaped:
        q.wait()
        if q.returncode == 3:
            refusals += 1
    final = tree(work)
    differ = sorted(k for k in reference if final.get(k) != reference[k])
    extra = sorted(set(final) - set(reference))
    import glob
    db = sqlite3.connect(glob.glob(os.path.join(work, "runs", "*", "state.sqlite"))[0])
    events = [m for (m,) in db.execute("SELECT message FROM events WHERE kind = 'lock'")]
    waited = [m for m in events if "waited" in m]
    print(f"{kills} SIGKILLs, each followed at once by a restart ({time.time() - started:.0f} s); "
          f"final exit {p.returncode}; refusals {refusals}; takeovers {len(events)}, of which {len(waited)} waited "
          f"for an exiting owner: {[m.split('; ')[-1] for m in waited]}")
    print(f"files compared {len(reference)}, differing {len(differ)} {differ[:5]}, extra {len(extra)} {extra[:5]}")
    shutil.rmtree(ref_dir, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if refusals == 0 and not differ and not extra and p.returncode == 0 else 1)


if __name__ == "__main__":
    main()
