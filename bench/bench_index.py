#!/usr/bin/env python3
"""Index build benchmark: times `patsift index` and measures what it writes.

usage: bench/bench_index.py [--cli PATH] [--threads 1,2] [--repeat 3]
                            [--mem-budget SIZE] [--label NAME] [--variant NAME]
                            [--alloc NAME] [--cpus LIST] [--text-bytes N]
                            [--bench-parse PATH] [--workdir DIR] [--keep] INPUT...

Runs `/usr/bin/time -v patsift index -q -t T [--mem-budget SIZE] -o DIR
INPUT...` `--repeat` times per thread count, the thread counts interleaved
(1, 2, 1, 2, ...), each into a fresh folder (removed before the next run, not
timed), then `patsift stats --json DIR` for the documents, segments and bytes
per file kind. Prints one JSON line per thread count on standard output, notes
on standard error.

Input text: title + abstract + claims + description bytes of the records, as
`bench_parse` counts them (the same sum `patsift index` reports as "MB of
text"). Give it with --text-bytes N, or the script runs
`bench_parse --repeat 1 INPUT...` (--bench-parse PATH, default
BUILD/bench/bench_parse next to the CLI) once first, which also warms the
page cache.

--cpus LIST runs each build under `taskset -c LIST` (e.g. --cpus 0: one CPU,
to see what one core does on its own; patsift's reader thread then shares it).

Wall time is measured around the child (perf_counter); peak RSS, user and
system CPU come from /usr/bin/time -v. "Others' CPUs" = CPUs that other
processes kept busy meanwhile (/proc/stat busy time minus ours).

Exit status: 0 done, 1 a build or its input failed (or /usr/bin/time is
missing), 2 usage error, 3 runs that disagree on the number of documents or
a `stats --json` that does not parse (a bug, not a speed problem).
No wall-clock thresholds: nothing here fails on speed.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

from benchlib import cpu_busy, r6
import tempfile
import time

TIME = "/usr/bin/time"
DEFAULT_BUDGET = 1 << 30  # patsift index without --mem-budget (index.h: 0 -> 1 GiB)
KINDS = ["lexicon", "postings", "positions", "documents", "stored", "minhash", "deletions", "total"]


def note(msg):
    print("bench_index: %s" % msg, file=sys.stderr, flush=True)


def die(code, msg):
    note(msg)
    sys.exit(code)


def parse_size(s):
    """The CLI's SIZE syntax: digits, optional K/M/G (binary), optional B."""
    m = re.fullmatch(r"(\d+)([kKmMgG]?)[bB]?", s or "")
    if not m or int(m.group(1)) == 0:
        raise argparse.ArgumentTypeError("bad size %r (e.g. 256M, 2G)" % s)
    return int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[m.group(2).lower()]


def thread_list(s):
    try:
        v = [int(x) for x in s.split(",") if x]
    except ValueError:
        v = []
    if not v or any(t < 1 for t in v):
        raise argparse.ArgumentTypeError("bad thread list %r (e.g. 1,2)" % s)
    return v


def detect_alloc(cli):
    try:
        out = subprocess.run(["ldd", cli], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return "jemalloc" if "jemalloc" in out else "glibc"


def time_field(text, name):
    m = re.search(r"^\s*%s: *(.*)$" % re.escape(name), text, re.M)
    return m.group(1).strip() if m else None


def text_bytes_of(args):
    """(text bytes, records) from bench_parse --repeat 1 INPUT..."""
    bp = args.bench_parse or os.path.join(os.path.dirname(os.path.abspath(args.cli)), "bench",
                                          "bench_parse")
    if not os.access(bp, os.X_OK):
        die(1, "%s not found: give the input text size with --text-bytes N" % bp)
    p = subprocess.run([bp, "--repeat", "1"] + args.inputs, capture_output=True, text=True)
    if p.returncode != 0:
        die(1, "bench_parse failed (exit %d): %s" % (p.returncode, p.stderr.strip()[-500:]))
    tb = recs = 0
    for ln in p.stdout.splitlines():
        if ln.strip():
            o = json.loads(ln)
            tb += o["text_bytes"]
            recs += o["records"]
    return tb, recs


def fingerprint(d):
    """Hash of the MANIFEST: it names every segment and holds its checksum,
    so two builds with the same MANIFEST wrote the same index."""
    try:
        with open(os.path.join(d, "MANIFEST"), "rb") as f:
            return hashlib.sha1(f.read()).hexdigest()
    except OSError:
        return None


def one_build(args, threads, out_dir, tmp):
    shutil.rmtree(out_dir, ignore_errors=True)
    tfile = os.path.join(tmp, "time.txt")
    cmd = [TIME, "-v", "-o", tfile, args.cli, "index", "-q", "-t", str(threads)]
    if args.cpus:
        cmd = ["taskset", "-c", args.cpus] + cmd
    if args.mem_budget_text:
        cmd += ["--mem-budget", args.mem_budget_text]
    cmd += ["-o", out_dir] + args.inputs
    b0 = cpu_busy()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    b1 = cpu_busy()
    try:
        with open(tfile) as f:
            tv = f.read()
    except OSError:
        tv = ""
    if p.returncode != 0:
        status = time_field(tv, "Exit status")
        sig = re.search(r"Command terminated by signal (\d+)", tv)
        die(1, "patsift index -t %d failed (%s): %s" % (
            threads, "signal " + sig.group(1) if sig else "exit %s" % (status or p.returncode),
            (p.stderr.strip() or "(no message)")[-800:]))
    try:
        rss = int(time_field(tv, "Maximum resident set size (kbytes)"))
        cpu = float(time_field(tv, "User time (seconds)")) + float(time_field(tv, "System time (seconds)"))
    except (TypeError, ValueError):
        die(1, "cannot read %s -v output: %r" % (TIME, tv[-300:]))
    others = None
    if b0 is not None and b1 is not None and wall > 0:
        hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        others = max(0.0, ((b1 - b0) / hz - cpu) / wall)
    s = subprocess.run([args.cli, "stats", "--json", out_dir], capture_output=True, text=True)
    if s.returncode != 0:
        die(3, "patsift stats --json failed after a successful build (exit %d): %s" %
            (s.returncode, s.stderr.strip()[-500:]))
    try:
        st = json.loads(s.stdout)
        sizes = {k: int(st["bytes"][k]) for k in KINDS}
        docs = int(st["documents"]) + int(st.get("deleted", 0))
        segs = int(st["segments"])
        terms = int(st["terms"])
    except (ValueError, KeyError, TypeError) as e:
        die(3, "patsift stats --json output does not parse (%s): %r" % (e, s.stdout[:300]))
    if sum(sizes[k] for k in KINDS if k != "total") != sizes["total"]:
        die(3, "patsift stats --json: bytes per kind do not add up to the total: %r" % sizes)
    return {"threads": threads, "seconds": wall, "rss_kb": rss, "cpu_s": cpu,
            "other_cpus": others, "docs": docs, "segments": segs, "terms": terms,
            "bytes": sizes, "manifest": fingerprint(out_dir)}


def pct(a, b):
    return 100.0 * a / b if b else None


def main():
    ap = argparse.ArgumentParser(prog="bench_index.py", add_help=False)
    ap.add_argument("--cli", default="build/patsift")
    ap.add_argument("--threads", type=thread_list, default=[1, 2])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--mem-budget", dest="mem_budget_text", default=None)
    ap.add_argument("--label", default=None)
    ap.add_argument("--variant", default="main")
    ap.add_argument("--alloc", default=None)
    ap.add_argument("--cpus", default=None)
    ap.add_argument("--text-bytes", type=int, default=None)
    ap.add_argument("--bench-parse", default=None)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-h", "--help", action="store_true")
    ap.add_argument("inputs", nargs="*")
    try:
        args = ap.parse_args()
    except SystemExit:
        sys.exit(2)
    if args.help:
        print(__doc__.strip())
        return 0
    if not args.inputs or args.repeat < 1:
        print("usage: " + __doc__.split("usage: ", 1)[1].split("\n\n", 1)[0], file=sys.stderr)
        return 2
    budget = DEFAULT_BUDGET
    if args.mem_budget_text:
        try:
            budget = parse_size(args.mem_budget_text)
        except argparse.ArgumentTypeError as e:
            die(2, str(e))
    if not os.access(args.cli, os.X_OK):
        die(1, "%s is not an executable (build it first)" % args.cli)
    if args.cpus and not shutil.which("taskset"):
        die(1, "--cpus needs taskset (util-linux)")
    if not os.access(TIME, os.X_OK):
        die(1, "%s not found (Debian package 'time'): peak RSS cannot be measured" % TIME)
    for i in args.inputs:
        if not os.path.exists(i):
            die(1, "%s: no such input" % i)
    label = args.label or os.path.basename(args.inputs[0].rstrip("/"))
    alloc = args.alloc or detect_alloc(args.cli)

    input_bytes = 0
    for i in args.inputs:
        if os.path.isdir(i):
            for root, _, files in os.walk(i):
                input_bytes += sum(os.path.getsize(os.path.join(root, f)) for f in files)
        else:
            input_bytes += os.path.getsize(i)
    records = None
    if args.text_bytes is not None:
        text_bytes = args.text_bytes
        for i in args.inputs:  # warm the page cache as bench_parse would have
            if os.path.isfile(i):
                with open(i, "rb") as f:
                    while f.read(1 << 24):
                        pass
    else:
        text_bytes, records = text_bytes_of(args)
    if text_bytes <= 0:
        die(1, "the input has no text")

    tmp = tempfile.mkdtemp(prefix="bench-index.", dir=args.workdir)
    out_dir = os.path.join(tmp, "index")
    runs = []
    try:
        for rep in range(args.repeat):
            for t in args.threads:
                r = one_build(args, t, out_dir, tmp)
                runs.append(r)
                note("%s %s t=%d run %d/%d: %.2f s, %d docs, %.1f MiB peak RSS, %d segment(s)" % (
                    label, alloc, t, rep + 1, args.repeat, r["seconds"], r["docs"],
                    r["rss_kb"] / 1024, r["segments"]))
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            note("last index kept in %s" % out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    docs = {r["docs"] for r in runs}
    if len(docs) != 1:
        die(3, "runs disagree on the number of documents: %s" % sorted(docs))
    docs = docs.pop()
    if records is not None and records != docs:
        note("bench_parse read %d records, the index holds %d documents (duplicate ids?)" % (records, docs))

    by_t = {t: [r for r in runs if r["threads"] == t] for t in args.threads}
    base = by_t.get(1)
    base_med = statistics.median(r["seconds"] for r in base) if base else None
    base_min = min(r["seconds"] for r in base) if base else None
    for t in args.threads:
        rs = by_t[t]
        secs = [r["seconds"] for r in rs]
        med, mn = statistics.median(secs), min(secs)
        last = rs[-1]
        b = last["bytes"]
        inv = b["lexicon"] + b["postings"] + b["positions"]
        oth = [r["other_cpus"] for r in rs if r["other_cpus"] is not None]
        rss = [r["rss_kb"] for r in rs]
        same_sizes = all(r["bytes"] == b for r in rs)
        same_index = same_sizes and len({r["manifest"] for r in rs}) == 1
        same_as_1 = None
        if base and t != 1:
            same_as_1 = base[-1]["manifest"] == last["manifest"] and base[-1]["bytes"] == b
        o = {
            "bench": "index", "label": label, "variant": args.variant, "alloc": alloc,
            "threads": t, "cpus": args.cpus, "repeat": len(rs), "mem_budget": budget,
            "mem_budget_set": bool(args.mem_budget_text),
            "docs": docs, "text_bytes": text_bytes, "input_bytes": input_bytes,
            "seconds_median": r6(med), "seconds_min": r6(mn),
            "docs_s": r6(docs / med), "mb_s": r6(text_bytes / 1e6 / med),
            "mb_s_best": r6(text_bytes / 1e6 / mn),
            "speedup": r6(base_med / med) if base else None,
            "speedup_best": r6(base_min / mn) if base else None,
            "cpu_util": r6(statistics.median(r["cpu_s"] / r["seconds"] for r in rs)),
            "cpu_seconds": r6(statistics.median(r["cpu_s"] for r in rs)),
            "other_cpus": r6(sum(x * r["seconds"] for x, r in zip(oth, rs)) / sum(secs)) if oth else None,
            "rss_kb": max(rss), "rss_kb_median": int(statistics.median(rss)),
            "rss_budget": r6(max(rss) * 1024 / budget),
            "segments": last["segments"], "terms": last["terms"], "bytes": b,
            "inverted_pct": r6(pct(inv, text_bytes)),
            "total_pct": r6(pct(b["total"], text_bytes)),
            "total_without_stored_pct": r6(pct(b["total"] - b["stored"] - b["minhash"], text_bytes)),
            "minhash_pct": r6(pct(b["minhash"], text_bytes)),
            "stored_pct": r6(pct(b["stored"], text_bytes)),
            "same_index": same_index, "same_index_as_1_thread": same_as_1,
            "runs": [{"seconds": r6(r["seconds"]), "rss_kb": r["rss_kb"], "cpu_s": r6(r["cpu_s"]),
                      "other_cpus": r6(r["other_cpus"])} for r in rs],
        }
        if not same_index:
            note("%s t=%d: the %d runs did not write the same index (sizes or MANIFEST differ)" %
                 (label, t, len(rs)))
        print(json.dumps(o, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
