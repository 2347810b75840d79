#!/usr/bin/env python3
"""MinHash near-duplicate benchmark: estimate quality, LSH recall, the recall
and precision of `patsift dedup` on planted near-duplicates, and what the
signatures cost (index build share, dedup time and memory).

usage: bench/minhash_bench.py BUILD_DIR DATA_DIR OUT.md [--smoke]

Needs BUILD_DIR/bench/bench_minhash, BUILD_DIR/patsift, BUILD_DIR/patsift-gen,
/usr/bin/time and DATA_DIR/patentsview-abstracts.jsonl.

Parts:
1. PatentsView abstracts: `bench_minhash --quality` (exact Jaccard of all
   pairs against the one-permutation and classic-oracle estimates, per bin;
   LSH candidate recall vs theory; precision/recall after verification) and
   `bench_minhash --speed` (analysis, analysis + signature, sketches alone, at
   1 and 2 threads); the same pairs through `patsift index` + `patsift dedup`
   (must agree with the model).
2. Generated corpora with planted near-duplicates (patsift-gen --truth): the
   exact Jaccard J of every pair comes from `bench_minhash --quality
   --pairs-out` (inverted index over the shingle sets: ALL pairs, so pairs
   that LSH misses are counted too, and copies of one source that are
   near-duplicates of each other are found as well). `patsift dedup
   --threshold 0.8` (estimate) and `--exact` are scored against it: recall
   of the pairs with J >= 0.8 (planted ones, and all), precision = reported
   pairs with J >= 0.8 / reported.
3. At scale (200,000 generated documents; also 1,000,000 with
   BENCH_SCALE=1m): `patsift index` wall and CPU time (/usr/bin/time), the
   same build without signatures to speak of (--minhash-k 8
   --shingle-fields title), the signature-only time of `bench_minhash
   --speed` (OPH from pre-hashed tokens + LSH keys) on the same corpus, and
   `patsift dedup --threshold 0.8` wall time and peak RSS.

--smoke: tiny inputs (seconds); exits non-zero only when a program crashes or
prints malformed output. Without it, exit status 1 means a step failed (the
report says which); goals never fail the run.

Environment: BENCH_SCALE=1m (add the 1,000,000-document scale), TMPDIR,
BENCH_KEEP=1 (keep the temp dir).
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

import benchlib
import tempfile
import time

TIME = "/usr/bin/time"
THRESHOLD = 0.8
GOAL_RECALL, GOAL_SIG_SHARE, GOAL_DEDUP_S = 0.95, 0.15, 60.0


class Fail(Exception):
    """A program crashed, failed or printed malformed output."""


def note(msg):
    print("minhash_bench: %s" % msg, file=sys.stderr, flush=True)


def load():
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "?"


def cpu_busy():
    """Busy seconds of all CPUs since boot (/proc/stat), or None."""
    j = benchlib.cpu_busy()
    return None if j is None else j / os.sysconf("SC_CLK_TCK")


def run(cmd, out=None, timed=False, tmp=None):
    """Runs cmd; raises Fail unless it exits 0. Returns a dict: stdout (unless
    out, a file to write it to), stderr, and with timed: wall, cpu (user + sys),
    rss_kb (peak), other_cpus (CPUs other processes kept busy meanwhile)."""
    tfile = None
    full = list(cmd)
    if timed:
        tfile = os.path.join(tmp, "time.txt")
        full = [TIME, "-f", "%e %U %S %M", "-o", tfile] + full
    b0 = cpu_busy()
    t0 = time.perf_counter()
    fo = open(out, "w") if out else None
    try:
        p = subprocess.run(full, stdout=fo or subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        if fo:
            fo.close()
    wall = time.perf_counter() - t0
    b1 = cpu_busy()
    if p.returncode != 0:
        how = "killed by signal %d" % -p.returncode if p.returncode < 0 else "exit status %d" % p.returncode
        if timed and p.returncode > 128:
            how = "killed by signal %d" % (p.returncode - 128)
        raise Fail("%s: %s: %s" % (os.path.basename(cmd[0]) + " " + " ".join(cmd[1:3]), how,
                                   p.stderr.strip()[-600:]))
    r = {"stdout": p.stdout if not out else None, "stderr": p.stderr, "wall": wall}
    if timed:
        with open(tfile) as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
        try:
            e, u, s, m = lines[-1].split()
            r.update(wall_time=float(e), cpu=float(u) + float(s), rss_kb=int(m))
        except (IndexError, ValueError):
            raise Fail("cannot read /usr/bin/time output for %s" % cmd[0])
        if b0 is not None and b1 is not None and wall > 0:
            r["other_cpus"] = max(0.0, (b1 - b0 - r["cpu"]) / wall)
    return r


def json_lines(text, what):
    out = []
    for ln in text.splitlines():
        if not ln.strip():
            continue
        try:
            out.append(json.loads(ln))
        except ValueError:
            raise Fail("%s: malformed JSON line: %r" % (what, ln[:200]))
    return out


BIN_KEYS = ["lo", "hi", "pairs", "mean_j", "oph_mae", "oph_rmse", "oph_bias", "oracle_mae", "oracle_rmse",
            "oracle_bias", "candidates", "lsh_recall", "lsh_p_mean", "oracle_lsh_recall"]
SUM_KEYS = ["docs", "bytes", "empty_docs", "shingles", "k", "bands", "rows", "pairs_total", "pairs_zero",
            "pairs_positive", "candidates", "candidates_zero", "true_pairs", "lsh_recall_true",
            "verify_estimate", "verify_oracle", "verify_no_lsh", "verify_exact", "seconds"]
SPEED_KEYS = ["mode", "threads", "docs", "bytes", "seconds_median", "seconds_min", "docs_s", "mb_s",
              "cpu_seconds", "cpu_util", "speedup"]


def check_keys(o, keys, what):
    missing = [k for k in keys if k not in o]
    if missing:
        raise Fail("%s: output lacks %s" % (what, ", ".join(missing)))


def bench_quality(bm, inp, label, pairs_out, pairs_min, extra=()):
    r = run([bm, "--quality", "--label", label, "--pairs-out", pairs_out, "--pairs-min", str(pairs_min)]
            + list(extra) + [inp])
    objs = json_lines(r["stdout"], "bench_minhash --quality")
    bins = [o for o in objs if o.get("bench") == "minhash_quality" and o.get("kind") == "bin"]
    summ = [o for o in objs if o.get("bench") == "minhash_quality" and o.get("kind") == "summary"]
    if len(bins) != 10 or len(summ) != 1:
        raise Fail("bench_minhash --quality: expected 10 bins and 1 summary, got %d and %d" % (len(bins), len(summ)))
    for b in bins:
        check_keys(b, BIN_KEYS, "bench_minhash --quality bin")
    check_keys(summ[0], SUM_KEYS, "bench_minhash --quality summary")
    return {"bins": bins, "summary": summ[0], "pairs": read_pairs(pairs_out)}


def bench_speed(bm, inp, label, extra):
    r = run([bm, "--speed", "--label", label] + list(extra) + [inp])
    objs = json_lines(r["stdout"], "bench_minhash --speed")
    rows = [o for o in objs if o.get("bench") == "minhash_speed"]
    meta = [o for o in objs if o.get("bench") == "minhash_speed_meta"]
    if not rows or len(meta) != 1:
        raise Fail("bench_minhash --speed: no results or no meta line")
    for o in rows:
        check_keys(o, SPEED_KEYS, "bench_minhash --speed")
    return {"rows": rows, "meta": meta[0], "by": {(o["mode"], o["threads"]): o for o in rows}}


def read_pairs(path):
    """{(id, id) sorted: (exact, oph, oracle or None, candidate, shingles_a, shingles_b)}"""
    pairs = {}
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        if head[:6] != ["id_a", "id_b", "exact", "oph_estimate", "oracle_estimate", "candidate"]:
            raise Fail("bench_minhash --pairs-out: unexpected header %r" % head)
        for ln in f:
            v = ln.rstrip("\n").split("\t")
            try:
                pairs[key(v[0], v[1])] = (float(v[2]), float(v[3]), None if v[4] == "-" else float(v[4]),
                                          v[5] == "1", int(v[6]), int(v[7]))
            except (IndexError, ValueError):
                raise Fail("bench_minhash --pairs-out: malformed line %r" % ln[:200])
    return pairs


def key(a, b):
    return (a, b) if a < b else (b, a)


def read_truth(path):
    with open(path) as f:
        head = f.readline().split("\t")
        if head[0] != "id_a":
            raise Fail("patsift-gen --truth: unexpected header")
        return [(key(*ln.split("\t")[:2]), float(ln.split("\t")[2])) for ln in f if ln.strip()]


DEDUP_RE = re.compile(r"(\d+) pairs? at similarity >= [\d.]+, (\w+) \((\d+) candidates from the LSH tables, ([\d.]+) s\)")


def dedup(cli, idx, extra, tmp, out):
    r = run([cli, "dedup", idx, "--threshold", str(THRESHOLD), "-f", "tsv"] + list(extra), out=out, timed=True,
            tmp=tmp)
    m = DEDUP_RE.search(r["stderr"])
    if not m:
        raise Fail("patsift dedup: no summary line on stderr: %r" % r["stderr"][-300:])
    pairs = {}
    with open(out) as f:
        for ln in f:
            v = ln.rstrip("\n").split("\t")
            if len(v) != 4:
                raise Fail("patsift dedup -f tsv: malformed line %r" % ln[:200])
            try:
                pairs[key(v[0], v[1])] = (float(v[2]), None if v[3] == "-" else float(v[3]))
            except ValueError:
                raise Fail("patsift dedup -f tsv: malformed line %r" % ln[:200])
    if len(pairs) != int(m.group(1)):
        raise Fail("patsift dedup: %d lines but the summary says %s pairs" % (len(pairs), m.group(1)))
    r.update(pairs=pairs, candidates=int(m.group(3)), seconds_internal=float(m.group(4)))
    return r


def score(reported, model, truth_keys, planted_true):
    """Precision/recall of reported pairs against exact J (model: bench pairs)."""
    tp = sum(1 for k in reported if k in model and model[k][0] >= THRESHOLD)
    return {"reported": len(reported), "tp": tp,
            "precision": tp / len(reported) if reported else None,
            "recall": tp / len(truth_keys) if truth_keys else None,
            "planted_found": sum(1 for k in planted_true if k in reported),
            "planted_recall": (sum(1 for k in planted_true if k in reported) / len(planted_true))
            if planted_true else None}


def consistency(d_est, d_exact, model):
    """Largest differences between patsift dedup's numbers and the bench's."""
    de = max([abs(v[0] - model[k][1]) for k, v in d_est.items() if k in model] or [0.0])
    dx = max([abs(v[1] - model[k][0]) for k, v in d_exact.items() if k in model and v[1] is not None] or [0.0])
    missing = sum(1 for k in list(d_est) + list(d_exact) if k not in model)
    return {"max_estimate_diff": de, "max_exact_diff": dx, "pairs_unknown_to_bench": missing}


# ---------------------------------------------------------------- parts


def part_quality_real(ctx):
    """PatentsView: bins, speed, and patsift dedup on the same records."""
    pv = os.path.join(ctx["data"], "patentsview-abstracts.jsonl")
    tmp, bm, cli = ctx["tmp"], ctx["bm"], ctx["cli"]
    src = pv
    if ctx["smoke"]:
        src = os.path.join(tmp, "pv-small.jsonl")
        with open(pv) as f, open(src, "w") as g:
            for i, ln in enumerate(f):
                if i >= 300:
                    break
                g.write(ln)
    res = {"load_before": load()}
    res["quality"] = bench_quality(bm, src, "patentsview", os.path.join(tmp, "pv-pairs.tsv"), 0.5)
    res["speed"] = bench_speed(bm, src, "patentsview", ["--repeat", "1" if ctx["smoke"] else "5"])
    # the signature cost of records with and without an abstract (design patents: a title only)
    parts = {"title only": os.path.join(tmp, "pv-noabs.jsonl"), "with abstract": os.path.join(tmp, "pv-abs.jsonl")}
    with open(src) as fi, open(parts["title only"], "w") as fa, open(parts["with abstract"], "w") as fb:
        for ln in fi:
            try:
                has = bool(json.loads(ln).get("abstract", "").strip())
            except ValueError:
                continue
            (fb if has else fa).write(ln)
    res["split"] = {}
    for name, path in parts.items():
        if os.path.getsize(path):
            res["split"][name] = bench_speed(bm, path, name, ["--threads", "1", "--repeat", "1" if ctx["smoke"] else "5",
                                                              "--modes", "analyze,oph_tokens"])
    idx = os.path.join(tmp, "pv-idx")
    shutil.rmtree(idx, ignore_errors=True)
    run([cli, "index", "-q", "-o", idx, src])
    res["dedup"] = dedup(cli, idx, [], tmp, os.path.join(tmp, "pv-dedup.tsv"))
    res["dedup_exact"] = dedup(cli, idx, ["--exact"], tmp, os.path.join(tmp, "pv-dedup-x.tsv"))
    model = res["quality"]["pairs"]
    truth = {k for k, v in model.items() if v[0] >= THRESHOLD}
    res["score_est"] = score(res["dedup"]["pairs"], model, truth, set())
    res["score_exact"] = score(res["dedup_exact"]["pairs"], model, truth, set())
    res["consistency"] = consistency(res["dedup"]["pairs"], res["dedup_exact"]["pairs"], model)
    # pairs of records with at most 2 shingles each (title only, short): their J is 1 for equal titles
    res["tiny_true"] = sum(1 for k in truth if model[k][4] <= 2 and model[k][5] <= 2)
    res["truth"] = len(truth)
    shutil.rmtree(idx, ignore_errors=True)
    res["load_after"] = load()
    return res


def part_planted(ctx, name, docs, rate, edit, seed, short=False):
    tmp, bm, cli, gen = ctx["tmp"], ctx["bm"], ctx["cli"], ctx["gen"]
    corpus, truthf = os.path.join(tmp, "%s.jsonl" % name), os.path.join(tmp, "%s-truth.tsv" % name)
    res = {"name": name, "docs": docs, "rate": rate, "edit": edit, "seed": seed, "load_before": load()}
    run([gen, "--docs", str(docs), "--seed", str(seed), "--learn",
         os.path.join(ctx["data"], "patentsview-abstracts.jsonl"), "--dup-rate", str(rate), "--dup-edit", edit,
         "--truth", truthf, "--out", corpus])
    planted = read_truth(truthf)
    q = bench_quality(bm, corpus, name, os.path.join(tmp, "%s-pairs.tsv" % name), 0.01)
    res["quality"] = q
    if short:
        # the same documents shingled without their claims: short texts, as in PatentsView
        res["quality_short"] = bench_quality(bm, corpus, name + " title+abstract",
                                             os.path.join(tmp, "%s-pairs-short.tsv" % name), 0.5,
                                             ["--fields", "title,abstract"])
    model = q["pairs"]
    idx = os.path.join(tmp, "%s-idx" % name)
    shutil.rmtree(idx, ignore_errors=True)
    res["index"] = run([cli, "index", "-q", "-o", idx, corpus], timed=True, tmp=tmp)
    res["dedup"] = dedup(cli, idx, [], tmp, os.path.join(tmp, "%s-dedup.tsv" % name))
    res["dedup_exact"] = dedup(cli, idx, ["--exact"], tmp, os.path.join(tmp, "%s-dedup-x.tsv" % name))
    truth = {k for k, v in model.items() if v[0] >= THRESHOLD}
    planted_keys = {k for k, _ in planted}
    planted_true = {k for k in planted_keys if k in truth}
    # planted pairs by their exact J (pairs below the dump's 0.01 are "< 0.01")
    hist = [0] * 11
    for k in planted_keys:
        j = model[k][0] if k in model else None
        hist[10 if j is None else min(9, int(j * 10 + 1e-9))] += 1
    res.update(planted=len(planted), planted_hist=hist, planted_true=len(planted_true), truth=len(truth),
               truth_unplanted=len(truth - planted_keys))
    res["score_est"] = score(res["dedup"]["pairs"], model, truth, planted_true)
    res["score_exact"] = score(res["dedup_exact"]["pairs"], model, truth, planted_true)
    res["consistency"] = consistency(res["dedup"]["pairs"], res["dedup_exact"]["pairs"], model)
    res["lsh_planted_true"] = sum(1 for k in planted_true if model[k][3])
    shutil.rmtree(idx, ignore_errors=True)
    os.remove(corpus)
    res["load_after"] = load()
    return res


def median(v):
    return statistics.median(v) if v else None


def part_scale(ctx, docs):
    tmp, bm, cli, gen = ctx["tmp"], ctx["bm"], ctx["cli"], ctx["gen"]
    smoke = ctx["smoke"]
    corpus = os.path.join(tmp, "scale-%d.jsonl" % docs)
    res = {"docs": docs, "load_before": load()}
    t0 = time.perf_counter()
    run([gen, "--docs", str(docs), "--seed", "1", "--learn", os.path.join(ctx["data"], "patentsview-abstracts.jsonl"),
         "--out", corpus])
    res["gen_s"] = time.perf_counter() - t0
    res["corpus_mb"] = os.path.getsize(corpus) / 1e6
    reps = 1 if smoke else 3
    idx = os.path.join(tmp, "scale-idx")
    builds = {"default": [], "nosig": []}
    nosig = ["--minhash-k", "8", "--shingle-fields", "title"]
    for _ in range(reps):
        for variant in ("default", "nosig"):
            shutil.rmtree(idx, ignore_errors=True)
            extra = nosig if variant == "nosig" else []
            b = run([cli, "index", "-q", "-o", idx] + extra + [corpus], timed=True, tmp=tmp)
            b["load"] = load()
            builds[variant].append(b)
    res["builds"] = builds
    # the index the dedup runs use: the default build (rebuilt, untimed)
    shutil.rmtree(idx, ignore_errors=True)
    run([cli, "index", "-q", "-o", idx, corpus])
    st = json.loads(run([cli, "stats", "--json", idx])["stdout"])
    res["index_bytes"] = st.get("bytes", {})
    res["segments"] = st.get("segments")
    dd = []
    for _ in range(1 if smoke else 3):
        dd.append(dedup(cli, idx, [], tmp, os.path.join(tmp, "scale-dedup.tsv")))
    res["dedup"] = dd
    res["dedup_exact"] = dedup(cli, idx, ["--exact"], tmp, os.path.join(tmp, "scale-dedup-x.tsv"))
    shutil.rmtree(idx, ignore_errors=True)
    # signature-only time on the same corpus
    modes = "analyze,analyze_oph,oph_tokens,lsh_keys"
    sp_reps = "1" if smoke or docs > 200000 else "3"
    res["speed"] = bench_speed(bm, corpus, "generated %d" % docs,
                               ["--modes", modes, "--repeat", sp_reps, "--batch", "100000"])
    os.remove(corpus)
    res["load_after"] = load()
    return res


# ---------------------------------------------------------------- report


def f(v, fmt="%.3f", none="–"):
    return none if v is None else fmt % v


def n(v):
    return "–" if v is None else "{:,}".format(v)


def pct(v):
    return "–" if v is None else "%.1f%%" % (100 * v)


def bins_table(q, k):
    lines = ["| J bin | pairs | mean J | OPH MAE | OPH RMSE | OPH bias | oracle MAE | oracle RMSE | oracle bias "
             "| sqrt(J(1-J)/K) | LSH recall (OPH) | mean P(J) | LSH recall (oracle) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    s = q["summary"]
    lines.append("| J = 0 | %s | 0 | | | | | | | | %s candidates (key collisions) | ~0 | |"
                 % (n(s["pairs_zero"]), n(s["candidates_zero"])))
    for b in q["bins"]:
        mj = b["mean_j"]
        se = (mj * (1 - mj) / k) ** 0.5 if mj is not None else None
        lines.append("| %.1f-%.1f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            b["lo"], b["hi"], n(b["pairs"]), f(mj), f(b["oph_mae"], "%.4f"), f(b["oph_rmse"], "%.4f"),
            f(b["oph_bias"], "%+.4f"), f(b["oracle_mae"], "%.4f"), f(b["oracle_rmse"], "%.4f"),
            f(b["oracle_bias"], "%+.4f"), f(se, "%.4f"), f(b["lsh_recall"]), f(b["lsh_p_mean"]),
            f(b["oracle_lsh_recall"])))
    return lines


def verify_table(s):
    t = s["true_pairs"]
    lines = ["| verification (threshold %.1f) | reported | correct | precision | recall |" % s["threshold"],
             "|---|---|---|---|---|"]
    rows = [("LSH candidates, OPH estimate >= T (`patsift dedup`)", s["verify_estimate"]),
            ("LSH candidates, oracle estimate >= T (classic MinHash instead)", s["verify_oracle"]),
            ("every pair, OPH estimate >= T (no LSH: the estimate's own error)", s["verify_no_lsh"])]
    for name, v in rows:
        if v:
            lines.append("| %s | %s | %s | %s | %s |" % (name, n(v["reported"]), n(v["true_positives"]),
                                                       f(v["precision"]), f(v["recall"])))
    x = s["verify_exact"]
    lines.append("| LSH candidates, OPH estimate >= T - 0.1, then exact >= T (`--exact`; %s exact checks) "
                 "| %s | %s | %s | %s |" % (n(x["checked"]), n(x["reported"]), n(x["reported"]),
                                            f(x["precision"]), f(x["recall"])))
    lines.append("")
    lines.append("True pairs (exact J >= %.1f): %s; LSH candidates among them: recall %s (oracle bands: %s)."
                 % (s["threshold"], n(t), f(s["lsh_recall_true"]), f(s.get("oracle_lsh_recall_true"))))
    return lines


SPEED_DESC = {
    "analyze": "analysis alone (`ps_analyze_record`, tokens counted)",
    "analyze_hash": "analysis + XXH3 of each term",
    "analyze_oph": "analysis + OPH signature (what the index build does per document)",
    "oph_tokens": "OPH signature alone, from the pre-hashed token stream (shingle hashes, bins, densification)",
    "lsh_keys": "LSH band keys from the signatures",
    "shingle_set": "sorted shingle set from the pre-hashed token stream (what `--exact` rebuilds per document, analysis aside)",
    "oph_set": "OPH signature from the pre-built shingle set (one hash per shingle, no shingle hashing)",
    "oracle_set": "classic K-hash MinHash from the pre-built shingle set (K = 128 hashes per shingle)",
}


def speed_table(sp):
    lines = ["| mode | what | threads | seconds (median) | docs/s | MB/s | speedup | CPU util |",
             "|---|---|---|---|---|---|---|---|"]
    for o in sp["rows"]:
        lines.append("| %s | %s | %d | %s | %s | %s | %s | %s |" % (
            o["mode"], SPEED_DESC.get(o["mode"], ""), o["threads"], f(o["seconds_median"], "%.4f"),
            n(int(o["docs_s"])) if o["docs_s"] else "–", f(o["mb_s"], "%.1f"), f(o["speedup"], "%.2f"),
            f(o["cpu_util"], "%.2f")))
    return lines


def ratio(sp, a, b, t=1):
    x, y = sp["by"].get((a, t)), sp["by"].get((b, t))
    if not x or not y or not y["seconds_median"]:
        return None
    return x["seconds_median"] / y["seconds_median"]


def sig_share(r):
    """Signature-only CPU seconds (bench_minhash, 1 thread) vs the build."""
    sp = r["speed"]["by"]
    o, l = sp.get(("oph_tokens", 1)), sp.get(("lsh_keys", 1))
    sig = (o["seconds_median"] if o else 0) + (l["seconds_median"] if l else 0)
    ao, an = sp.get(("analyze_oph", 1)), sp.get(("analyze", 1))
    marginal = (ao["seconds_median"] - an["seconds_median"] + (l["seconds_median"] if l else 0)) if ao and an else None
    bd = r["builds"]["default"]
    ns = r["builds"]["nosig"]
    cpu, wall = median([b["cpu"] for b in bd]), median([b["wall_time"] for b in bd])
    ncpu, nwall = median([b["cpu"] for b in ns]), median([b["wall_time"] for b in ns])
    return {"sig_s": sig, "build_cpu": cpu, "build_wall": wall, "nosig_cpu": ncpu, "nosig_wall": nwall,
            "share_cpu": sig / cpu if cpu else None,
            "adds": sig / (cpu - sig) if cpu and cpu > sig else None,
            "marginal_s": marginal,
            "adds_marginal": marginal / (cpu - marginal) if marginal is not None and cpu and cpu > marginal else None,
            "others": median([b["other_cpus"] for b in bd + ns if b.get("other_cpus") is not None]),
            "ablation_wall": (wall - nwall) / nwall if nwall else None,
            "ablation_cpu": (cpu - ncpu) / ncpu if ncpu else None}


def report(ctx, R, out):
    L = []
    add = L.append
    add("# MinHash near-duplicates: estimate quality, LSH recall, dedup precision/recall, cost")
    add("")
    add("Written by `bench/minhash_bench.py`%s. Defaults throughout: K = 128 one-permutation MinHash "
        "with optimal densification, 5-word shingles of analysed title + abstract + claims, 25 bands x 5 rows "
        "(LSH built for threshold 0.8: P(0.7) >= 0.95), verification threshold 0.8." %
        (" (--smoke: tiny inputs, numbers meaningless)" if ctx["smoke"] else ""))
    add("")
    add("| | |")
    add("|---|---|")
    add("| date | %s |" % ctx["date"])
    add("| source tree | %s |" % ctx["tree"])
    add("| CPUs | %d |" % (os.cpu_count() or 0))
    add("| load average (1, 5, 15 min) at start / end | %s / %s |" % (ctx["load_start"], ctx["load_end"]))
    add("| total run time | %.0f s |" % ctx["elapsed"])
    add("")
    add("The machine may be shared: the load average before and after each part is given with it. "
        "Throughputs are for comparing on the same machine only.")
    add("")
    if ctx["failures"]:
        add("**Failed steps:**")
        add("")
        for p, e in ctx["failures"]:
            add("- %s: `%s`" % (p, e.replace("`", "'").replace("\n", " ")[:500]))
        add("")

    goals = []
    pv = R.get("pv")
    if pv:
        q = pv["quality"]
        s = q["summary"]
        add("## 1. Estimate quality and LSH recall on real data (PatentsView abstracts)")
        add("")
        add("`bench_minhash --quality`: %s records (title + abstract, no claims), %s shingles (%s distinct per "
            "document), %s pairs. Exact Jaccard J of all pairs from an inverted index shingle -> documents "
            "(%s pairs share at least one shingle; the others have J = 0 and are only counted). Per bin of J: "
            "mean absolute error, RMSE and bias (mean of estimate - J) of the one-permutation estimate (OPH, "
            "what the index stores) and of the classic K-hash MinHash (oracle); the binomial standard error "
            "sqrt(J(1-J)/K) of classic MinHash at the bin's mean J for comparison; LSH recall = share of the "
            "bin's pairs that share at least one band key, next to the theoretical mean P(J) = 1 - (1 - J^5)^25 "
            "over the same pairs. Load %s before, %s after." % (
                n(s["docs"]), n(s["shingles"]), n(s.get("shingles_distinct")), n(s["pairs_total"]),
                n(s["pairs_positive"]), pv["load_before"], pv["load_after"]))
        add("")
        L.extend(bins_table(q, s["k"]))
        add("")
        L.extend(verify_table(s))
        add("")
        c = pv["consistency"]
        add("The same records through `patsift index` + `patsift dedup --threshold 0.8`: %s pairs (model: %s), "
            "%s candidates (model: %s); `--exact`: %s pairs (model: %s). Largest difference between dedup's "
            "ESTIMATE and the bench's OPH estimate: %.4f; between dedup's EXACT and the bench's exact J: %.4f "
            "(dedup prints 4 decimals)." % (
                n(len(pv["dedup"]["pairs"])), n(s["verify_estimate"]["reported"]), n(pv["dedup"]["candidates"]),
                n(s["candidates"]), n(len(pv["dedup_exact"]["pairs"])), n(s["verify_exact"]["reported"]),
                c["max_estimate_diff"], c["max_exact_diff"]))
        add("")
        add("Of the %s true pairs, %s are pairs of records with at most 2 shingles each: design patents have "
            "a title and no abstract, a title shorter than 5 terms is one shingle, and two equal short titles "
            "(\"Chair\") have J = 1." % (n(pv["truth"]), n(pv["tiny_true"])))
        add("")

    for name in ("planted-near", "planted-wide"):
        P = R.get(name)
        if not P:
            continue
        q, s = P["quality"], P["quality"]["summary"]
        title = {"planted-near": "edits of 0.2-4% (planted pairs mostly around the threshold)",
                 "planted-wide": "edits of 2-50% (the issue's example corpus)"}[name]
        add("## 2%s. Planted near-duplicates, %s" % ("a" if name == "planted-near" else "b", title))
        add("")
        add("`patsift-gen --docs %s --seed %d --learn patentsview-abstracts.jsonl --dup-rate %s --dup-edit %s "
            "--truth`: %s planted pairs (an edited copy of an earlier document: that fraction of its title + "
            "abstract words, and of each claim's, replaced, inserted or deleted; a claim added or dropped "
            "60%% of the time). Load %s before, %s after." % (
                n(P["docs"]), P["seed"], P["rate"], P["edit"], n(P["planted"]), P["load_before"],
                P["load_after"]))
        add("")
        add("**Method.** The exact J of every pair of documents comes from `bench_minhash --quality "
            "--pairs-out` (the shingle sets of all documents, as the index makes them, and an inverted index "
            "shingle -> documents: every pair that shares a shingle is counted exactly, so the truth does not "
            "depend on LSH). This is the sound reference: `dedup --threshold 0.05 --exact` would only see "
            "the pairs LSH makes candidates (bands built for 0.8 rarely pair documents at J < 0.5) and whose "
            "estimate passes 0.05 - 0.1, so it would measure recall with the thing being measured. Truth "
            "= all pairs with exact J >= 0.8 (planted or not: two copies of one source are near-duplicates of "
            "each other too). `patsift dedup` ran on an index of the same file; a reported pair is correct "
            "when its exact J >= 0.8.")
        add("")
        h = P["planted_hist"]
        add("Planted pairs by exact J: " + ", ".join(
            ["%.1f-%.1f: %d" % (i / 10, (i + 1) / 10, h[i]) for i in range(10) if h[i]] +
            (["below 0.01: %d" % h[10]] if h[10] else [])) +
            ". With J >= 0.8: %s planted, %s in all (%s not planted)." % (
                n(P["planted_true"]), n(P["truth"]), n(P["truth_unplanted"])))
        add("")
        add("| method | reported | correct (J >= 0.8) | precision | recall, all pairs J >= 0.8 | recall, planted "
            "J >= 0.8 | dedup wall s | candidates |")
        add("|---|---|---|---|---|---|---|---|")
        for label, sc, d in (("`patsift dedup --threshold 0.8`", P["score_est"], P["dedup"]),
                             ("`patsift dedup --threshold 0.8 --exact`", P["score_exact"], P["dedup_exact"])):
            add("| %s | %s | %s | %s | %s | %s | %.2f | %s |" % (
                label, n(sc["reported"]), n(sc["tp"]), f(sc["precision"]), f(sc["recall"]),
                f(sc["planted_recall"]), d["wall_time"], n(d["candidates"])))
        add("")
        add("LSH candidates among the planted pairs with J >= 0.8: %s of %s. Agreement with the model "
            "(`bench_minhash`): dedup reported %s (model %s), `--exact` %s (model %s), candidates %s (model %s); "
            "largest estimate difference %.4f, exact difference %.4f." % (
                n(P["lsh_planted_true"]), n(P["planted_true"]), n(len(P["dedup"]["pairs"])),
                n(s["verify_estimate"]["reported"]), n(len(P["dedup_exact"]["pairs"])),
                n(s["verify_exact"]["reported"]), n(P["dedup"]["candidates"]), n(s["candidates"]),
                P["consistency"]["max_estimate_diff"], P["consistency"]["max_exact_diff"]))
        add("")
        if name == "planted-near":
            add("<details><summary>Bins and verification on this corpus (all pairs, `bench_minhash --quality`)"
                "</summary>")
            add("")
            L.extend(bins_table(q, s["k"]))
            add("")
            L.extend(verify_table(s))
            add("")
            add("</details>")
            add("")
        if P.get("quality_short"):
            qs = P["quality_short"]
            add("<details><summary>The same documents shingled without their claims (`--fields title,abstract`: "
                "%.0f shingles per document, short texts as in PatentsView, where many of the 128 bins are empty "
                "and densified)</summary>" % (qs["summary"]["shingles"] / max(1, qs["summary"]["docs"])))
            add("")
            L.extend(bins_table(qs, qs["summary"]["k"]))
            add("")
            L.extend(verify_table(qs["summary"]))
            add("")
            add("</details>")
            add("")
        if name == "planted-near":
            goals.append(("recall >= 0.95 of pairs with J >= 0.8 at the default settings (`dedup`, estimate "
                          "verification; %s)" % name, P["score_est"]["recall"], GOAL_RECALL, ">="))
            goals.append(("recall >= 0.95 of pairs with J >= 0.8 (`dedup --exact`; %s)" % name,
                          P["score_exact"]["recall"], GOAL_RECALL, ">="))
            goals.append(("precision 1.0 after verification (`dedup`, estimate; %s)" % name,
                          P["score_est"]["precision"], 1.0, ">="))
            goals.append(("precision 1.0 after verification (`dedup --exact`; %s)" % name,
                          P["score_exact"]["precision"], 1.0, ">="))

    if pv:
        sp = pv["speed"]
        add("## 3. Speed of the sketches (PatentsView abstracts)")
        add("")
        add("`bench_minhash --speed --repeat %d`: all records in memory, each mode timed on 1 and 2 threads "
            "(OpenMP, one analyzer per thread, made by that thread), runs interleaved; MB = 10^6 bytes of "
            "shingled text (title + abstract + claims). The \"alone\" modes work on the analyser's output "
            "prepared untimed: the same data for every mode, so ratios are meaningful. Load %s before, %s "
            "after." % (sp["meta"]["repeat"], pv["load_before"], pv["load_after"]))
        add("")
        L.extend(speed_table(sp))
        add("")
        split = pv.get("split", {})
        if split:
            add("The same at 1 thread, records split by whether they have an abstract (the title-only ones are "
                "design and plant patents):")
            add("")
            add("| records | docs | distinct shingles per doc | analysis us/doc | OPH signature us/doc (from tokens) "
                "| signature / analysis | share of all signature time |")
            add("|---|---|---|---|---|---|---|")
            tot = sum(v["by"][("oph_tokens", 1)]["seconds_median"] for v in split.values())
            for name, v in split.items():
                m, a, o = v["meta"], v["by"][("analyze", 1)], v["by"][("oph_tokens", 1)]
                add("| %s | %s | %.1f | %.2f | %.2f | %.1fx | %s |" % (
                    name, n(m["docs"]), m["shingles_distinct"] / m["docs"], 1e6 * a["seconds_median"] / m["docs"],
                    1e6 * o["seconds_median"] / m["docs"], o["seconds_median"] / a["seconds_median"],
                    pct(o["seconds_median"] / tot if tot else None)))
            add("")
        add("Ratios at 1 thread: oracle / OPH from the same shingle sets %s; oracle from sets / OPH from tokens "
            "%s; analysis + OPH / analysis alone %s (the signature adds %s to analysis); shingle set / OPH "
            "from tokens %s." % (
                f(ratio(sp, "oracle_set", "oph_set"), "%.1fx"), f(ratio(sp, "oracle_set", "oph_tokens"), "%.1fx"),
                f(ratio(sp, "analyze_oph", "analyze"), "%.2fx"),
                pct(ratio(sp, "analyze_oph", "analyze") - 1 if ratio(sp, "analyze_oph", "analyze") else None),
                f(ratio(sp, "shingle_set", "oph_tokens"), "%.2fx")))
        add("")

    scales = [R[k] for k in sorted(R) if k.startswith("scale-")]
    if scales:
        add("## 4. At scale: index build share of the signatures, dedup time and memory")
        add("")
        add("Corpus: `patsift-gen --docs N --seed 1 --learn patentsview-abstracts.jsonl` (the corpus of `make "
            "bench`: 2% planted near-duplicates, 2-20% edits). `patsift index` with its defaults (all cores); "
            "`/usr/bin/time` gives wall, user + system CPU and peak RSS; builds of the default and the "
            "no-signature variant alternate, each into a fresh folder.")
        add("")
        add("**Method for the signature share.** (a) Signature-only seconds from `bench_minhash --speed` on "
            "the same corpus, 1 thread, medians: (a1) modes `oph_tokens` + `lsh_keys`: the signature computed "
            "alone from the pre-hashed token stream (shingle hashes, OPH bins, densification, band keys), "
            "without the analysis and term hashing the build does anyway; (a2) `analyze_oph` - `analyze` + "
            "`lsh_keys`: the same work interleaved with analysis as the build does it (cache effects included). "
            "Share = that / the build's CPU seconds (user + system, /usr/bin/time); \"adds\" = that / (build "
            "CPU - that). The signature is computed in the build's parallel analysis pass, so its share of the wall "
            "time is about its share of the CPU time. Not counted by (a): writing the signatures and band tables (sorting 25 tables) to disk. (b) Check by "
            "ablation: the same build with `--minhash-k 8 --shingle-fields title` (8 values from title "
            "shingles only: signatures nearly free, the .mh file 1/8 as large); the difference includes "
            "writing the .mh files, but it is a difference of two noisy timings.")
        add("")
        add("| docs | corpus MB | builds | build wall s (median) | build CPU s | no-sig build wall s | no-sig CPU s "
            "| (a1) signature alone s | share of build CPU | adds | (a2) in-situ s | adds | (b) ablation: wall + "
            "| ablation: CPU + | build peak RSS MiB | .mh MB (% of index) | others' CPUs during builds | load "
            "after each build |")
        add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in scales:
            sh = sig_share(r)
            ib = r["index_bytes"]
            mh, tot = ib.get("minhash"), ib.get("total")
            add("| %s | %.0f | %d + %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                n(r["docs"]), r["corpus_mb"], len(r["builds"]["default"]), len(r["builds"]["nosig"]),
                f(sh["build_wall"], "%.1f"), f(sh["build_cpu"], "%.1f"),
                f(sh["nosig_wall"], "%.1f"), f(sh["nosig_cpu"], "%.1f"), f(sh["sig_s"], "%.2f"),
                pct(sh["share_cpu"]), pct(sh["adds"]), f(sh["marginal_s"], "%.2f"), pct(sh["adds_marginal"]),
                pct(sh["ablation_wall"]), pct(sh["ablation_cpu"]),
                n(max(b["rss_kb"] for b in r["builds"]["default"]) // 1024),
                "%.0f (%.0f%%)" % (mh / 1e6, 100.0 * mh / tot) if mh and tot else "–", f(sh["others"], "%.2f"),
                "; ".join(b["load"].split()[0] for b in r["builds"]["default"] + r["builds"]["nosig"])))
        add("")
        add("| docs | `dedup --threshold 0.8` wall s (median of %d) | its own timer s | peak RSS MiB | candidates | "
            "pairs | `--exact` wall s | `--exact` pairs | others' CPUs |" % len(scales[0]["dedup"]))
        add("|---|---|---|---|---|---|---|---|---|")
        for r in scales:
            d = r["dedup"]
            add("| %s | %s | %s | %s | %s | %s | %.2f | %s | %s |" % (
                n(r["docs"]), f(median([x["wall_time"] for x in d]), "%.2f"),
                f(median([x["seconds_internal"] for x in d]), "%.2f"), n(max(x["rss_kb"] for x in d) // 1024),
                n(d[0]["candidates"]), n(len(d[0]["pairs"])), r["dedup_exact"]["wall_time"],
                n(len(r["dedup_exact"]["pairs"])), f(median([x.get("other_cpus") for x in d
                                                             if x.get("other_cpus") is not None]), "%.2f")))
        add("")
        add("<details><summary>Every build and dedup run</summary>")
        add("")
        add("| docs | run | wall s | CPU s | peak RSS MiB | others' CPUs | load after |")
        add("|---|---|---|---|---|---|---|")
        for r in scales:
            for variant in ("default", "nosig"):
                for i, b in enumerate(r["builds"][variant]):
                    add("| %s | index, %s, %d | %.2f | %.2f | %s | %s | %s |" % (
                        n(r["docs"]), "no signatures" if variant == "nosig" else "default", i + 1, b["wall_time"],
                        b["cpu"], n(b["rss_kb"] // 1024), f(b.get("other_cpus"), "%.2f"), b["load"]))
            for i, d in enumerate(r["dedup"]):
                add("| %s | dedup --threshold 0.8, %d | %.2f | %.2f | %s | %s | |" % (
                    n(r["docs"]), i + 1, d["wall_time"], d["cpu"], n(d["rss_kb"] // 1024),
                    f(d.get("other_cpus"), "%.2f")))
            d = r["dedup_exact"]
            add("| %s | dedup --threshold 0.8 --exact | %.2f | %.2f | %s | %s | |" % (
                n(r["docs"]), d["wall_time"], d["cpu"], n(d["rss_kb"] // 1024), f(d.get("other_cpus"), "%.2f")))
        add("")
        add("</details>")
        add("")
        add("<details><summary>bench_minhash --speed on these corpora</summary>")
        add("")
        for r in scales:
            add("%s documents (load %s before, %s after):" % (n(r["docs"]), r["load_before"], r["load_after"]))
            add("")
            L.extend(speed_table(r["speed"]))
            add("")
        add("</details>")
        add("")
        big = max(scales, key=lambda r: r["docs"])
        sh = sig_share(big)
        at = "" if big["docs"] >= 1000000 else " (measured at %s documents; the goal is for 1,000,000)" % n(big["docs"])
        goals.append(("signatures add <= 15%% to the index build%s: (a1) bench_minhash, signature alone" % at,
                      sh["adds"], GOAL_SIG_SHARE, "<="))
        goals.append(("signatures add <= 15%% to the index build%s: (a2) bench_minhash, in-situ" % at,
                      sh["adds_marginal"], GOAL_SIG_SHARE, "<="))
        goals.append(("signatures add <= 15%% to the index build%s: (b) ablation, wall" % at, sh["ablation_wall"],
                      GOAL_SIG_SHARE, "<="))
        goals.append(("`dedup --threshold 0.8` under a minute on 2 cores%s" % at,
                      median([x["wall_time"] for x in big["dedup"]]), GOAL_DEDUP_S, "<="))

    if goals:
        add("## Goals (reported, not enforced)")
        add("")
        add("| goal | measured | met |")
        add("|---|---|---|")
        for g, v, lim, op in goals:
            met = None if v is None else (v >= lim - 1e-12 if op == ">=" else v <= lim)
            shown = "–" if v is None else ("%.1f s" % v if "minute" in g else
                                           (pct(v) if "add" in g else "%.3f" % v))
            add("| %s | %s | %s |" % (g, shown, "–" if met is None else ("yes" if met else "**no**")))
        add("")

    add("## Reading")
    add("")
    L.extend(reading(R))
    add("")
    with open(out, "w") as fo:
        fo.write("\n".join(L))


def lsh_fit(bins, min_pairs=100):
    """Largest |recall - mean P(J)| in binomial standard errors over bins with
    enough pairs: (z, bin lo) or None."""
    worst = None
    for b in bins:
        p, m = b["lsh_p_mean"], b["pairs"]
        if m < min_pairs or p is None or b["lsh_recall"] is None:
            continue
        se = max((p * (1 - p) / m) ** 0.5, 0.5 / m)
        z = abs(b["lsh_recall"] - p) / se
        if worst is None or z > worst[0]:
            worst = (z, b["lo"])
    return worst


def reading(R):
    out = []
    pv = R.get("pv")
    if pv:
        bins = [b for b in pv["quality"]["bins"] if b["pairs"] >= 30 and b["oph_rmse"] is not None
                and b["oracle_rmse"]]
        if bins:
            r = [b["oph_rmse"] / b["oracle_rmse"] for b in bins]
            bias = max(abs(b["oph_bias"]) for b in bins)
            out.append("- Estimates (PatentsView, bins with 30 or more pairs): the one-permutation RMSE is %.2f-%.2fx "
                       "the classic oracle's, largest |bias| %.4f (the binomial standard error at J = 0.5 is %.4f)."
                       % (min(r), max(r), bias, (0.25 / pv["quality"]["summary"]["k"]) ** 0.5))
    near = R.get("planted-near")
    for name, P in (("PatentsView", pv), ("section 2a", near)):
        if P:
            w = lsh_fit(P["quality"]["bins"])
            if w:
                out.append("- LSH (%s, bins with 100 or more pairs): candidate recall is within %.1f binomial "
                           "standard errors of the theoretical mean P(J) in every bin (largest gap in the %.1f bin)."
                           % (name, w[0], w[1]) if w[0] <= 3 else
                           "- LSH (%s): candidate recall differs from the theoretical mean P(J) by %.1f standard "
                           "errors in the %.1f bin: see the table." % (name, w[0], w[1]))
    if near:
        se, sx = near["score_est"], near["score_exact"]
        lsh_all = near["lsh_planted_true"] == near["planted_true"]
        out.append("- Planted pairs with J >= 0.8 (section 2a): %s of %s became LSH candidates. Verified by the "
                   "signature estimate, `dedup` has recall %s and precision %s%s. `dedup --exact` (candidates "
                   "down to 0.7 by estimate, then exact J) has recall %s and precision %s." % (
                       n(near["lsh_planted_true"]), n(near["planted_true"]), f(se["recall"]), f(se["precision"]),
                       ": the losses are pairs whose estimate falls on the other side of 0.8 (standard error ~0.035 "
                       "there), not LSH misses" if lsh_all and (se["recall"] or 0) < 1 else "",
                       f(sx["recall"]), f(sx["precision"])))
    wide = R.get("planted-wide")
    if wide:
        out.append("- With 2-50%% edits (section 2b), %s of %s planted pairs reach J >= 0.8: with 5-word shingles "
                   "one changed word breaks up to 5 shingles, so J falls fast with the edit fraction. That corpus "
                   "says more about false positives at low similarity than about recall at 0.8." % (
                       n(wide["planted_true"]), n(wide["planted"])))
    scales = [R[k] for k in sorted(R) if k.startswith("scale-")]
    if scales:
        big = max(scales, key=lambda r: r["docs"])
        sh = sig_share(big)
        out.append("- Cost at %s documents: the signature alone takes %.1f CPU s of the build's %.1f (%s; it adds "
                   "%s; in-situ it adds %s); by ablation the default build takes %s the wall time and %s the CPU time of the "
                   "build with signatures nearly off. `dedup --threshold 0.8` takes %.2f s with %s MiB peak RSS." % (
                       n(big["docs"]), sh["sig_s"], sh["build_cpu"], pct(sh["share_cpu"]), pct(sh["adds"]),
                       pct(sh["adds_marginal"]), f(1 + sh["ablation_wall"] if sh["ablation_wall"] is not None else None, "%.3fx"),
                       f(1 + sh["ablation_cpu"] if sh["ablation_cpu"] is not None else None, "%.3fx"),
                       median([x["wall_time"] for x in big["dedup"]]),
                       n(max(x["rss_kb"] for x in big["dedup"]) // 1024)))
    if pv:
        sp = pv["speed"]
        out.append("- Speed (PatentsView, 1 thread): the OPH signature from pre-hashed tokens costs %s of the "
                   "analysis time; classic MinHash costs %s the OPH signature from the same shingle sets." % (
                       pct(ratio(sp, "oph_tokens", "analyze")), f(ratio(sp, "oracle_set", "oph_set"), "%.1fx")))
        split = pv.get("split", {})
        t, w = split.get("title only"), split.get("with abstract")
        if t and w:
            per = lambda v, m: v["by"][(m, 1)]["seconds_median"] / v["meta"]["docs"]
            tot = t["by"][("oph_tokens", 1)]["seconds_median"] + w["by"][("oph_tokens", 1)]["seconds_median"]
            out.append("- The title-only records (%.1f shingles each) cost %.1f us per signature against %.1f us for "
                       "the ones with an abstract, and take %s of all the signature time on PatentsView. Optimal "
                       "densification probes random bins until it hits one that a shingle filled: with f filled "
                       "bins of K that is about (K - f) K / f hashes, 16,000 for a single shingle." % (
                           t["meta"]["shingles_distinct"] / t["meta"]["docs"], 1e6 * per(t, "oph_tokens"),
                           1e6 * per(w, "oph_tokens"),
                           pct(t["by"][("oph_tokens", 1)]["seconds_median"] / tot if tot else None)))
    return out


def tree_state(root):
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "src", "include", "Makefile"],
                               capture_output=True, text=True).stdout.strip()
        return "%s%s" % (head or "?", " (src/, include/ or Makefile modified)" if dirty else
                         " (src/, include/, Makefile as committed)")
    except OSError:
        return "?"


def main():
    args = [a for a in sys.argv[1:] if a != "--smoke"]
    smoke = "--smoke" in sys.argv[1:]
    if len(args) != 3 or any(a.startswith("-") for a in args):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    build, data, out = args
    bm, cli, gen = (os.path.join(build, p) for p in ("bench/bench_minhash", "patsift", "patsift-gen"))
    for p in (bm, cli, gen, TIME):
        if not os.access(p, os.X_OK):
            note("%s missing (build with `make all build/bench/bench_minhash`; /usr/bin/time: package 'time')" % p)
            sys.exit(2)
    if not os.path.isfile(os.path.join(data, "patentsview-abstracts.jsonl")):
        note("%s/patentsview-abstracts.jsonl not found" % data)
        sys.exit(2)
    scale = os.environ.get("BENCH_SCALE", "default")
    if scale not in ("default", "200k", "1m", "1M"):
        note("BENCH_SCALE must be 'default' or '1m', not %r" % scale)
        sys.exit(2)
    tmp = tempfile.mkdtemp(prefix="patsift-minhash.")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ctx = {"bm": bm, "cli": cli, "gen": gen, "data": data, "tmp": tmp, "smoke": smoke, "failures": [],
           "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "tree": tree_state(root),
           "load_start": load()}
    t0 = time.perf_counter()
    parts = [("pv", lambda: part_quality_real(ctx))]
    if smoke:
        parts += [("planted-near", lambda: part_planted(ctx, "planted-near", 600, 0.1, "0.002,0.04", 1, True)),
                  ("planted-wide", lambda: part_planted(ctx, "planted-wide", 600, 0.05, "0.02,0.5", 1)),
                  ("scale-0002000", lambda: part_scale(ctx, 2000))]
    else:
        parts += [("planted-near", lambda: part_planted(ctx, "planted-near", 20000, 0.1, "0.002,0.04", 1, True)),
                  ("planted-wide", lambda: part_planted(ctx, "planted-wide", 20000, 0.05, "0.02,0.5", 1)),
                  ("scale-0200000", lambda: part_scale(ctx, 200000))]
        if scale in ("1m", "1M"):
            parts.append(("scale-1000000", lambda: part_scale(ctx, 1000000)))
    R = {}
    crashed = False
    try:
        for name, fn in parts:
            note("%s (load %s)" % (name, load()))
            try:
                R[name] = fn()
            except Fail as e:
                note("FAIL %s: %s" % (name, e))
                ctx["failures"].append((name, str(e)))
                crashed = True
        ctx["elapsed"] = time.perf_counter() - t0
        ctx["load_end"] = load()
        try:
            report(ctx, R, out)
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:
            note("FAIL report: malformed results: %r" % e)
            crashed = True
    finally:
        if os.environ.get("BENCH_KEEP"):
            note("temp files kept in %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    note("wrote %s%s" % (out, "; some steps FAILED" if crashed else ""))
    sys.exit(1 if crashed else 0)


if __name__ == "__main__":
    main()
