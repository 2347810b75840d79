#!/usr/bin/env python3
"""patsift against Lucene, Xapian and SQLite FTS5 on the same data and queries.

usage: bench/bench_peers.py corpus [OPTIONS] CORPUS.jsonl
       bench/bench_peers.py known-item [OPTIONS] --xml DIR BACKGROUND.jsonl

corpus: builds an index of CORPUS.jsonl with every engine (1 thread; also 2
threads for patsift and Lucene), then runs two query files made from the
corpus, 1 thread (latency) and 2 threads (throughput), top 100, mode `or`,
plus the approximate modes (Lucene `mlt`, Xapian `elite`, patsift `--doc`).
Prints one JSON line {"bench":"peers",...} with every number.

known-item: indexes BACKGROUND.jsonl plus the records `patsift parse DIR`
makes of the USPTO XML in DIR, then queries with the claims of each utility
grant (kind B*, with claims) and reports where the grant itself ranks:
recall@1, recall@10, MRR (rank > 100 counts 0). Prints one JSON line
{"bench":"known_item",...}.

options:
  --cli PATH         patsift binary (default build/patsift)
  --peers DIR        folder with peer-lucene, peer-xapian, peer-fts5
                     (default BUILD/peers next to the CLI)
  --engines LIST     some of patsift,lucene,xapian,fts5 (default all four)
  --queries N        queries per query file (default 200); known-item: at
                     most N targets (default: all)
  --label NAME       label in the output (default: the file name)
  --workdir DIR      raw files go to DIR/peers-LABEL/ (default TMPDIR); kept
  --warmup W         warm-up passes of Xapian and FTS5 (default 1)
  --lucene-warmup W  warm-up passes of Lucene (default 5: JIT)
  --elite-size S     Xapian elite set size for --mode elite (default 30)
  --build-runs R     build patsift and Lucene R times each, in interleaved
                     rounds, and keep the run with the median wall time
                     (default 1); Xapian and FTS5 build once
  --no-default-build skip patsift's extra build with its default weights
  --no-approx        skip the approximate modes
  --quiet            no progress notes on standard error

What is measured (see bench/README.md, "Peer comparison"):
- every engine indexes the same trimmed JSONL (id, title, abstract): the
  peers index title + abstract as one unweighted field, so patsift is run
  with --weight title=1 --weight abstract=1 --weight claims=0
  --weight description=0. One extra patsift build with its default weights
  reads the untrimmed corpus (all fields).
- build: wall time around the process (includes JVM start for Lucene), peak
  RSS and CPU from /usr/bin/time, index size = bytes of all files in the
  index folder; docs/s and MB/s of title + abstract text (MB = 10^6 bytes).
  With --build-runs R, patsift's and Lucene's builds run in R rounds (each
  round builds every engine and thread count once, so a machine that
  slows down over minutes slows all of them alike); the run with the
  median wall time is reported, with every run's wall time.
- latency: ANALYSIS_US + SEARCH_US per query from each engine's timings
  file, one thread, warm (peers: --warmup passes in the same process;
  patsift: the whole batch once untimed first); p50/p95/p99 nearest rank.
- throughput at 2 threads: peers report the wall time of their timed pass;
  patsift's is the wall time of the whole `patsift search -t 2` process
  (start, index open and output included: conservative), with the time of
  a one-query run given as its fixed cost. The 2-thread runs warm up like
  the 1-thread ones, except Xapian and FTS5 when their 1-thread batch took
  over 10 s (the page cache is warm, a cold start is a small share of it).
- overlap: mean over queries of |top10(A) & top10(B)| / max(|top10(A)|,
  |top10(B)|), queries where both are empty left out.

Exit status: 0 done, 1 a program failed or an input is missing, 2 usage
error, 3 malformed output from an engine (results, timings or JSON line).
Nothing here fails on speed.
"""
import argparse
import glob
import json
import math
import os
import re
import resource
import shutil
import subprocess
import struct
import sys

from benchlib import cpu_busy, r6
import time
import zipfile

TIME = "/usr/bin/time"
ENGINES = ["patsift", "lucene", "xapian", "fts5"]
BUILD_THREADS = {"patsift": [1, 2], "lucene": [1, 2], "xapian": [1], "fts5": [1]}
# built --build-runs times (Xapian's and FTS5's builds take minutes at 1M)
REPEATED_BUILDS = ("patsift", "lucene")
APPROX = {"patsift": "doc", "lucene": "mlt", "xapian": "elite"}
K = 100
LONG_BATCH_S = 10.0  # a 1-thread batch this long: its 2-thread run skips the warm-up
PATSIFT_WEIGHTS = ["--weight", "title=1", "--weight", "abstract=1", "--weight", "claims=0",
                   "--weight", "description=0"]
STOP = set("a an and are as at be by for from in into is it of on or the to with without "
           "its via".split())
QUIET = False


class Malformed(Exception):
    """An engine wrote output that does not follow the contract."""


class Failed(Exception):
    """An engine exited non-zero or was killed."""


def note(msg):
    if not QUIET:
        print("bench_peers: %s" % msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ running

def run(cmd, what, stdout=None, env=None):
    """Runs cmd under /usr/bin/time; returns wall, rss_kb, cpu_s, other_cpus,
    out (stdout text unless redirected to the file `stdout`)."""
    tfile = os.path.join(run.tmp, "time.txt")
    full = [TIME, "-f", "%M %U %S", "-o", tfile] + cmd
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    b0 = cpu_busy()
    t0 = time.perf_counter()
    if stdout:
        with open(stdout, "w") as f:
            p = subprocess.run(full, stdout=f, stderr=subprocess.PIPE, text=True, env=env)
        out = ""
    else:
        p = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=env)
        out = p.stdout
    wall = time.perf_counter() - t0
    b1 = cpu_busy()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        # /usr/bin/time exits 128 + N when the command was killed by signal N
        sig = "exit %d" % p.returncode
        if p.returncode < 0:
            sig = "/usr/bin/time killed by signal %d" % -p.returncode
        elif p.returncode > 128:
            sig = "killed by signal %d (crash?)" % (p.returncode - 128)
        raise Failed("%s failed (%s): %s\n  command: %s" % (
            what, sig, (p.stderr.strip() or "(no message)")[-800:], " ".join(cmd)))
    try:
        with open(tfile) as f:
            rss, usr, sy = f.read().split()[-3:]
        rss, cpu = int(rss), float(usr) + float(sy)
    except (OSError, ValueError):
        rss, cpu = None, (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    others = None
    if b0 is not None and b1 is not None and wall > 0:
        hz = os.sysconf("SC_CLK_TCK")
        ours = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
        others = max(0.0, ((b1 - b0) / hz - ours) / wall)
    return {"wall": wall, "rss_kb": rss, "cpu_s": cpu, "other_cpus": others, "out": out,
            "stderr": p.stderr}


run.tmp = "/tmp"


def peer_json(out, what, op):
    """The one JSON line a peer prints on stdout."""
    lines = [ln for ln in out.splitlines() if ln.strip()]
    try:
        o = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise Malformed("%s: stdout is not one JSON line: %r" % (what, out[-300:]))
    if not isinstance(o, dict) or o.get("op") != op or not isinstance(o.get("seconds"), (int, float)) \
            or o["seconds"] < 0:
        raise Malformed("%s: unexpected JSON line: %r" % (what, lines[-1][:300]))
    return o


def dir_bytes(d):
    n = 0
    for root, _, files in os.walk(d):
        for f in files:
            try:
                n += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return n


# Lucene 8.7's postings (.doc), positions (.pos) and terms dictionary
# (.tim, .tip, .tmd): its inverted index, without norms and stored fields
LUCENE_INVERTED = {"doc", "pos", "tim", "tip", "tmd"}


def vint(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def lucene_cfe_sizes(path):
    """{extension: bytes} of the files inside a Lucene 8 compound file, from
    its entries table (.cfe: codec header, vint count, then per entry a
    string name, a big-endian long offset and a long length)."""
    b = open(path, "rb").read()
    i = 4                                   # header magic
    n, i = vint(b, i)
    i += n + 4 + 16                         # codec name, version, segment id
    i += 1 + b[i]                           # suffix
    count, i = vint(b, i)
    sizes = {}
    for _ in range(count):
        n, i = vint(b, i)
        name = b[i:i + n].decode()
        i += n
        _, length = struct.unpack(">qq", b[i:i + 16])
        i += 16
        ext = name.rsplit(".", 1)[-1]
        sizes[ext] = sizes.get(ext, 0) + length
    return sizes


def lucene_inverted_bytes(idx):
    total = 0
    for f in os.listdir(idx):
        ext = f.rsplit(".", 1)[-1]
        if ext == "cfe":
            total += sum(v for k, v in lucene_cfe_sizes(os.path.join(idx, f)).items() if k in LUCENE_INVERTED)
        elif ext in LUCENE_INVERTED:
            total += os.path.getsize(os.path.join(idx, f))
    return total


def warm_file(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


# ------------------------------------------------------------------ inputs

def words(title):
    out, seen = [], set()
    for w in re.findall(r"[^\W_]+", title):
        lw = w.lower()
        if len(lw) < 3 or lw in STOP or lw.isdigit() or lw in seen:
            continue
        seen.add(lw)
        out.append(w)
    return out


def one_line(s):
    return " ".join(s.split())


def every_nth(cands, n):
    if n <= 0 or not cands:
        return []
    step = max(1, len(cands) // n)
    return [cands[i * step] for i in range(min(n, len(cands)))]


def prepare(corpus, wd, nq):
    """Writes wd/docs.jsonl (id, title, abstract), the query files, and
    returns docs, text bytes and the query counts."""
    trim = os.path.join(wd, "docs.jsonl")
    docs = text = 0
    kw_ok, ab_ok, ids = [], [], set()
    dups = 0
    with open(corpus, encoding="utf-8") as f, open(trim, "w", encoding="utf-8") as out:
        for ln in f:
            if not ln.strip():
                continue
            o = json.loads(ln)
            rid = str(o.get("id", ""))
            title = o.get("title") or ""
            abstract = o.get("abstract") or ""
            if rid in ids:
                dups += 1
            ids.add(rid)
            if len(words(title)) >= 2:
                kw_ok.append(docs)
            if abstract.strip():
                ab_ok.append(docs)
            text += len(title.encode("utf-8")) + len(abstract.encode("utf-8"))
            out.write(json.dumps({"id": rid, "title": title, "abstract": abstract},
                                 ensure_ascii=False) + "\n")
            docs += 1
    if dups:
        note("%s: %d duplicate ids (patsift keeps the last, the peers index every record)" %
             (corpus, dups))
    kw_pick = set(every_nth(kw_ok, nq))
    ab_pick = set(every_nth(ab_ok, nq))
    kw = os.path.join(wd, "keyword.tsv")
    qbd = os.path.join(wd, "qbd.tsv")
    qdoc = os.path.join(wd, "qbd-doc.jsonl")
    nkw = nab = 0
    with open(trim, encoding="utf-8") as f, open(kw, "w", encoding="utf-8") as fk, \
            open(qbd, "w", encoding="utf-8") as fq, open(qdoc, "w", encoding="utf-8") as fd:
        for i, ln in enumerate(f):
            if i not in kw_pick and i not in ab_pick:
                continue
            o = json.loads(ln)
            qid = one_line(o["id"]).replace("\t", " ")
            if i in kw_pick:
                fk.write("%s\t%s\n" % (qid, " ".join(words(o["title"])[:2 + nkw % 3])))
                nkw += 1
            if i in ab_pick:
                fq.write("%s\t%s\n" % (qid, one_line(o["abstract"])))
                fd.write(json.dumps({"id": o["id"], "abstract": o["abstract"]},
                                    ensure_ascii=False) + "\n")
                nab += 1
    return {"trim": trim, "docs": docs, "text_bytes": text, "duplicate_ids": dups,
            "sets": {"keyword": (kw, nkw), "qbd": (qbd, nab)}, "qdoc": qdoc}


# ------------------------------------------------------------------ output files

def read_results(path, qids, what):
    """QUERY_ID RANK DOC_ID SCORE lines -> {qid: [(doc, score), ...]}."""
    res = {}
    known = set(qids)
    with open(path, encoding="utf-8") as f:
        for n, ln in enumerate(f, 1):
            p = ln.rstrip("\n").split("\t")
            if len(p) != 4:
                raise Malformed("%s: %s:%d: %d fields, expected 4" % (what, path, n, len(p)))
            try:
                rank, score = int(p[1]), float(p[3])
            except ValueError:
                raise Malformed("%s: %s:%d: bad rank or score %r" % (what, path, n, ln[:120]))
            if p[0] not in known:
                raise Malformed("%s: %s:%d: unknown query id %r" % (what, path, n, p[0]))
            hits = res.setdefault(p[0], [])
            if rank != len(hits) + 1 or rank > K or not math.isfinite(score):
                raise Malformed("%s: %s:%d: rank %d out of order (or > %d)" % (what, path, n, rank, K))
            hits.append((p[2], score))
    return res


def read_timings(path, qids, what):
    """QUERY_ID N_TERMS ANALYSIS_US SEARCH_US -> [(qid, terms, total_us)]."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, ln in enumerate(f, 1):
            p = ln.rstrip("\n").split("\t")
            try:
                if len(p) != 4:
                    raise ValueError
                terms, a, s = int(p[1]), float(p[2]), float(p[3])
                if a < 0 or s < 0 or not math.isfinite(a + s):
                    raise ValueError
            except ValueError:
                raise Malformed("%s: %s:%d: malformed timing line %r" % (what, path, n, ln[:120]))
            rows.append((p[0], terms, a + s))
    if [r[0] for r in rows] != list(qids):
        raise Malformed("%s: %s: %d timing lines, not one per query in file order (%d queries)" %
                        (what, path, len(rows), len(qids)))
    return rows


def pctl(sorted_v, p):
    if not sorted_v:
        return None
    return sorted_v[max(0, math.ceil(p / 100.0 * len(sorted_v)) - 1)]


def latency(rows):
    v = sorted(r[2] for r in rows)
    if not v:
        return {}
    return {"p50_us": r6(pctl(v, 50)), "p95_us": r6(pctl(v, 95)), "p99_us": r6(pctl(v, 99)),
            "mean_us": r6(sum(v) / len(v)), "max_us": r6(v[-1]),
            "terms_mean": r6(sum(r[1] for r in rows) / len(rows))}


def overlap10(a, b, qids):
    vals = []
    for q in qids:
        x = [d for d, _ in a.get(q, [])[:10]]
        y = [d for d, _ in b.get(q, [])[:10]]
        if not x and not y:
            continue
        vals.append(len(set(x) & set(y)) / max(len(x), len(y)))
    return (r6(sum(vals) / len(vals)) if vals else None), len(vals)


def score_order_problems(res):
    """Queries whose scores rise with the rank (a ranking bug)."""
    bad = 0
    for hits in res.values():
        s = [h[1] for h in hits]
        if any(s[i + 1] > s[i] * (1 + 1e-5) + 1e-9 for i in range(len(s) - 1)):
            bad += 1
    return bad


def qids_of(path):
    with open(path, encoding="utf-8") as f:
        return [ln.split("\t", 1)[0] for ln in f if ln.strip()]


# ------------------------------------------------------------------ engines

class Bench:
    def __init__(self, args, wd):
        self.a = args
        self.wd = wd
        self.problems = []

    def peer(self, e):
        return os.path.join(self.a.peers, "peer-" + e)

    def warmup(self, e):
        return self.a.lucene_warmup if e == "lucene" else self.a.warmup

    # -- builds
    def build(self, e, threads, docs_file, idx, variant="main", text_bytes=None, docs=None):
        shutil.rmtree(idx, ignore_errors=True)
        what = "%s index (%d thread%s%s)" % (e, threads, "s" if threads > 1 else "",
                                              "" if variant == "main" else ", " + variant)
        warm_file(docs_file)
        engine_s = None
        if e == "patsift":
            cmd = [self.a.cli, "index", "-q", "-t", str(threads)]
            if variant == "main":
                cmd += PATSIFT_WEIGHTS
            r = run(cmd + ["-o", idx, docs_file], what)
            st = run([self.a.cli, "stats", "--json", idx], "patsift stats --json")
            try:
                sj = json.loads(st["out"])
                ndocs = int(sj["documents"])
                # the peers keep neither text nor signatures: compare the search index
                stored = int(sj["bytes"]["stored"]) + int(sj["bytes"].get("minhash", 0))
                inverted = sum(int(sj["bytes"][k]) for k in ("lexicon", "postings", "positions"))
            except (ValueError, KeyError, TypeError) as ex:
                raise Malformed("patsift stats --json: %s" % ex)
        else:
            r = run([self.peer(e), "index", "--threads", str(threads), idx, docs_file], what)
            o = peer_json(r["out"], what, "index")
            ndocs, engine_s, stored = o.get("docs"), o.get("seconds"), None
            try:
                inverted = lucene_inverted_bytes(idx) if e == "lucene" else None
            except (OSError, IndexError, UnicodeDecodeError, struct.error) as ex:
                raise Malformed("%s: cannot read the Lucene compound files: %s" % (what, ex))
        size = dir_bytes(idx)
        b = {"engine": e, "threads": threads, "variant": variant, "docs": ndocs,
             "wall_s": r6(r["wall"]), "engine_s": r6(engine_s),
             "docs_s": r6(ndocs / r["wall"]) if ndocs else None,
             "mb_s": r6(text_bytes / 1e6 / r["wall"]) if text_bytes else None,
             "rss_kb": r["rss_kb"], "cpu_s": r6(r["cpu_s"]),
             "cpu_util": r6(r["cpu_s"] / r["wall"]) if r["wall"] > 0 else None,
             "other_cpus": r6(r["other_cpus"]), "index_bytes": size,
             "index_pct": r6(100.0 * size / text_bytes) if text_bytes else None}
        if stored is not None:
            b["index_bytes_without_stored"] = size - stored
        if inverted is not None:
            b["inverted_bytes"] = inverted
        if docs is not None and ndocs != docs and variant == "main":
            self.problems.append("%s: %s documents indexed, the input has %d" % (what, ndocs, docs))
        note("%s: %.2f s, %s docs, %.1f MiB peak RSS, index %.1f MB" % (
            what, r["wall"], ndocs, (r["rss_kb"] or 0) / 1024, size / 1e6))
        return b

    # -- queries: returns dict with latency (1 thread) and raw file names
    def query(self, e, idx, qset, qfile, mode, threads, tag, qdoc=None, warmup=None):
        """One run; returns (timings rows, results, wall/qps info)."""
        base = os.path.join(self.wd, "%s-%s-%s-t%d" % (e, qset, mode, threads))
        res, tim = base + ".results.tsv", base + ".timings.tsv"
        what = "%s query %s %s, %d thread%s" % (e, qset, mode, threads, "s" if threads > 1 else "")
        qids = qids_of(qfile)
        info = {}
        if e == "patsift":
            if mode == "doc":
                cmd = [self.a.cli, "search", idx, "--doc", qdoc, "--before", "none"]
            else:
                cmd = [self.a.cli, "search", idx, "--queries", qfile]
            cmd += ["-k", str(K), "-t", str(threads), "--format", "tsv"]
            if threads == 1:
                run(cmd, what + " (warm-up)", stdout=os.devnull)
            r = run(cmd + ["--timings", tim], what, stdout=res)
            info["wall_s"] = r6(r["wall"])
            info["seconds"] = r6(r["wall"])  # whole process: see the docstring
        else:
            w = self.warmup(e) if warmup is None else warmup
            cmd = [self.peer(e), "query", "--threads", str(threads), "--k", str(K), "--mode", mode,
                   "--warmup", str(w), "--results", res, "--timings", tim]
            if mode == "elite":
                cmd += ["--elite-size", str(self.a.elite_size)]
            r = run(cmd + [idx, qfile], what)
            o = peer_json(r["out"], what, "query")
            if o.get("queries") != len(qids):
                raise Malformed("%s: the JSON line counts %r queries, the file has %d" %
                                (what, o.get("queries"), len(qids)))
            info["wall_s"] = r6(r["wall"])
            info["seconds"] = r6(o["seconds"])
        info["rss_kb"] = r["rss_kb"]
        info["other_cpus"] = r6(r["other_cpus"])
        results = read_results(res, qids, what)
        rows = read_timings(tim, qids, what)
        bad = score_order_problems(results)
        if bad:
            self.problems.append("%s: %d queries with scores rising with the rank" % (what, bad))
        empty = sum(1 for q in qids if not results.get(q))
        info["empty"] = empty
        note("%s: %.2f s (%d queries, %d without hits)" % (what, info["seconds"], len(qids), empty))
        return rows, results, info

    def startup(self, idx, qfile):
        """Wall time of patsift search with a one-query file: its fixed cost."""
        one = os.path.join(self.wd, "one.tsv")
        with open(qfile, encoding="utf-8") as f, open(one, "w", encoding="utf-8") as g:
            g.write(f.readline())
        cmd = [self.a.cli, "search", idx, "--queries", one, "-k", str(K), "-t", "2",
               "--format", "tsv"]
        return min(run(cmd, "patsift search, one query", stdout=os.devnull)["wall"] for _ in range(3))


def versions(args):
    v = {}
    for pkg in ("liblucene8-java", "libxapian30", "libsqlite3-0"):
        try:
            p = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg], capture_output=True,
                               text=True, timeout=30)
            v[pkg] = p.stdout.strip() if p.returncode == 0 and p.stdout.strip() else "not installed"
        except (OSError, subprocess.SubprocessError):
            v[pkg] = "unknown (no dpkg-query)"
    jars = sorted(glob.glob(os.path.join(os.environ.get("LUCENE_JAR_DIR", "/usr/share/java"),
                                         "lucene-core-*.jar")))
    if jars:
        try:
            with zipfile.ZipFile(jars[-1]) as z:
                m = z.read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
            s = re.search(r"^Specification-Version: *(\S+)", m, re.M)
            v["lucene-core jar"] = "%s (%s)" % (s.group(1) if s else "?", os.path.basename(jars[-1]))
        except (OSError, KeyError, zipfile.BadZipFile):
            pass
    try:
        p = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=60)
        v["java"] = " / ".join(ln.strip() for ln in p.stderr.splitlines()[:2])
    except (OSError, subprocess.SubprocessError):
        v["java"] = "not found"
    try:
        p = subprocess.run(["python3", "-c", "import sqlite3; print(sqlite3.sqlite_version)"],
                           capture_output=True, text=True, timeout=30)
        v["sqlite (runtime)"] = p.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return v


def settings(args):
    return {"k": K, "warmup": args.warmup, "lucene_warmup": args.lucene_warmup,
            "elite_size": args.elite_size, "patsift_weights": " ".join(PATSIFT_WEIGHTS[1::2]),
            "lucene_java_opts": os.environ.get("PEER_JAVA_OPTS", "-Xmx4g (default)")}


# ------------------------------------------------------------------ corpus

def median_run(bs):
    """The run with the median wall time (the lower middle one of an even
    count), with every run's wall time."""
    m = dict(sorted(bs, key=lambda b: b["wall_s"])[(len(bs) - 1) // 2])
    m["wall_runs"] = [b["wall_s"] for b in bs]
    return m


def cmd_corpus(args):
    label = args.label or os.path.basename(args.input)
    wd = workdir(args, label)
    b = Bench(args, wd)
    t_start = time.perf_counter()
    note("%s: preparing the inputs in %s" % (label, wd))
    prep = prepare(args.input, wd, args.queries)
    if prep["docs"] == 0:
        raise Failed("%s: no records" % args.input)
    docs, tb = prep["docs"], prep["text_bytes"]
    builds, queries = [], []
    results = {}  # (engine, set, mode) -> results of the 1-thread run
    # the repeated builds first, round by round; each engine's last 1-thread
    # index is the one queried
    repeated = [e for e in args.engines if e in REPEATED_BUILDS]
    runs = {}  # (engine, threads) -> build results
    for r in range(args.build_runs if repeated else 0):
        for e in repeated:
            for t in BUILD_THREADS[e]:
                d = os.path.join(wd, "idx-%s" % e) + ("" if t == 1 else "-t%d" % t)
                runs.setdefault((e, t), []).append(b.build(e, t, prep["trim"], d, text_bytes=tb, docs=docs))
                if t != 1:
                    shutil.rmtree(d, ignore_errors=True)
    for e in args.engines:
        idx = os.path.join(wd, "idx-%s" % e)
        for t in BUILD_THREADS[e]:
            if e in repeated:
                builds.append(median_run(runs[(e, t)]))
                continue
            d = idx if t == 1 else idx + "-t%d" % t
            builds.append(b.build(e, t, prep["trim"], d, text_bytes=tb, docs=docs))
            if t != 1:
                shutil.rmtree(d, ignore_errors=True)
        if e == "patsift" and args.default_build:
            d = idx + "-default"
            # the untrimmed corpus, default weights: text bytes unknown here
            bd = b.build(e, 2, args.input, d, variant="default-weights")
            bd["mb_s"] = None
            builds.append(bd)
            shutil.rmtree(d, ignore_errors=True)
        for qset, (qfile, nq) in prep["sets"].items():
            if nq == 0:
                continue
            modes = ["or"]
            if args.approx and qset == "qbd" and e in APPROX:
                modes.append(APPROX[e])
            for mode in modes:
                rows, res, info1 = b.query(e, idx, qset, qfile, mode, 1, "t1", qdoc=prep["qdoc"])
                results[(e, qset, mode)] = res
                q = {"engine": e, "set": qset, "mode": mode, "queries": nq}
                q.update(latency(rows))
                q["seconds_1t"] = info1["seconds"]
                q["rss_kb"] = info1["rss_kb"]
                q["other_cpus_1t"] = info1["other_cpus"]
                q["empty"] = info1["empty"]
                if mode == "or":
                    # A long batch needs no warm-up pass at 2 threads: the
                    # 1-thread run has just warmed the page cache and a cold
                    # start is a small share of it. Lucene keeps its passes
                    # (JIT, per process).
                    w2 = None
                    if e not in ("patsift", "lucene") and info1["seconds"] > LONG_BATCH_S:
                        w2 = 0
                    _, res2, info2 = b.query(e, idx, qset, qfile, mode, 2, "t2", warmup=w2)
                    q["warmup_2t"] = b.warmup(e) if w2 is None else w2
                    q["seconds_2t"] = info2["seconds"]
                    q["qps_2t"] = r6(nq / info2["seconds"]) if info2["seconds"] > 0 else None
                    q["other_cpus_2t"] = info2["other_cpus"]
                    same = all([h[0] for h in res.get(x, [])] == [h[0] for h in res2.get(x, [])]
                               for x in qids_of(qfile))
                    q["same_results_2t"] = same
                    if not same:
                        b.problems.append("%s %s: 1 and 2 query threads gave different results"
                                          % (e, qset))
                    if e == "patsift":
                        st = b.startup(idx, qfile)
                        q["fixed_s"] = r6(st)
                        q["qps_2t_without_fixed"] = r6(nq / (info2["seconds"] - st)) \
                            if info2["seconds"] > st else None
                queries.append(q)
        shutil.rmtree(idx, ignore_errors=True)

    # agreement with Lucene's exact results, approximate modes against exact
    for q in queries:
        key = (q["engine"], q["set"], q["mode"])
        qids = qids_of(prep["sets"][q["set"]][0])
        lu = results.get(("lucene", q["set"], "or"))
        if lu is not None:
            q["overlap_lucene_top10"], _ = overlap10(results[key], lu, qids)
        if q["mode"] != "or":
            q["overlap_exact_top10"], _ = overlap10(results[key], results[(q["engine"], q["set"], "or")], qids)
    for p in b.problems:
        note("problem: " + p)
    return {"bench": "peers", "label": label,
            "corpus": "generated" if args.generated else "real",
            "docs": docs, "text_bytes": tb, "duplicate_ids": prep["duplicate_ids"],
            "queries_keyword": prep["sets"]["keyword"][1], "queries_qbd": prep["sets"]["qbd"][1],
            "engines": args.engines, "settings": settings(args), "builds": builds,
            "queries": queries, "problems": b.problems, "versions": versions(args),
            "seconds": r6(time.perf_counter() - t_start), "workdir": wd}


# ------------------------------------------------------------------ known item

def claims_text(claims):
    if isinstance(claims, str):
        return claims
    out = []
    for c in claims or []:
        out.append(c.get("text", "") if isinstance(c, dict) else str(c))
    return " ".join(out)


def cmd_known_item(args):
    label = args.label or "known-item"
    wd = workdir(args, label)
    b = Bench(args, wd)
    t_start = time.perf_counter()
    xml_jsonl = os.path.join(wd, "grants.jsonl")
    run([args.cli, "parse", "-o", xml_jsonl, args.xml], "patsift parse %s" % args.xml)
    docs_file = os.path.join(wd, "docs.jsonl")
    qfile = os.path.join(wd, "claims.tsv")
    qdoc = os.path.join(wd, "claims-doc.jsonl")
    docs = text = 0
    ids = set()
    targets = []
    with open(docs_file, "w", encoding="utf-8") as out:
        for path in (args.input, xml_jsonl):
            with open(path, encoding="utf-8") as f:
                for ln in f:
                    if not ln.strip():
                        continue
                    o = json.loads(ln)
                    rid = str(o.get("id", ""))
                    if rid in ids:
                        continue  # one record per id for every engine
                    ids.add(rid)
                    title, abstract = o.get("title") or "", o.get("abstract") or ""
                    out.write(json.dumps({"id": rid, "title": title, "abstract": abstract},
                                         ensure_ascii=False) + "\n")
                    docs += 1
                    text += len(title.encode("utf-8")) + len(abstract.encode("utf-8"))
                    ct = one_line(claims_text(o.get("claims")))
                    if path == xml_jsonl and str(o.get("kind", "")).startswith("B") and ct:
                        targets.append((rid, ct))
    if args.queries:
        targets = every_nth(targets, args.queries)
    if not targets:
        raise Failed("no utility grant with claims in %s" % args.xml)
    with open(qfile, "w", encoding="utf-8") as f, open(qdoc, "w", encoding="utf-8") as g:
        for rid, ct in targets:
            f.write("%s\t%s\n" % (rid, ct))
            g.write(json.dumps({"id": rid, "claims": [ct]}, ensure_ascii=False) + "\n")
    qids = [t[0] for t in targets]
    note("%s: %d documents, %d targets" % (label, docs, len(targets)))
    rows_out, builds = [], []
    for e in args.engines:
        idx = os.path.join(wd, "idx-%s" % e)
        builds.append(b.build(e, 1, docs_file, idx, text_bytes=text, docs=docs))
        modes = ["or"]
        if e == "patsift":
            modes.append("doc")
        elif args.approx and e in APPROX:
            modes.append(APPROX[e])
        for mode in modes:
            rows, res, info = b.query(e, idx, "claims", qfile, mode, 1, "t1", qdoc=qdoc)
            ranks = []
            for q in qids:
                hit = [i for i, (d, _) in enumerate(res.get(q, []), 1) if d == q]
                ranks.append(hit[0] if hit else None)
            n = len(qids)
            r = {"engine": e, "mode": mode, "queries": n,
                 "recall_1": r6(sum(1 for x in ranks if x == 1) / n),
                 "recall_10": r6(sum(1 for x in ranks if x and x <= 10) / n),
                 "recall_100": r6(sum(1 for x in ranks if x) / n),
                 "mrr": r6(sum(1.0 / x for x in ranks if x) / n),
                 "missed": [q for q, x in zip(qids, ranks) if not x][:20]}
            r.update(latency(rows))
            rows_out.append(r)
        shutil.rmtree(idx, ignore_errors=True)
    for p in b.problems:
        note("problem: " + p)
    return {"bench": "known_item", "label": label, "docs": docs, "text_bytes": text,
            "targets": len(targets), "background": os.path.basename(args.input),
            "engines": args.engines, "settings": settings(args), "builds": builds,
            "results": rows_out, "problems": b.problems, "versions": versions(args),
            "seconds": r6(time.perf_counter() - t_start), "workdir": wd}


# ------------------------------------------------------------------ main

def workdir(args, label):
    base = args.workdir or os.environ.get("TMPDIR", "/tmp")
    wd = os.path.join(base, "peers-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-"))
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    run.tmp = wd
    return wd


def main(argv):
    global QUIET
    usage = __doc__.split("\n\n", 2)[1]
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stdout if len(argv) >= 2 else sys.stderr)
        return 0 if len(argv) >= 2 else 2
    cmd = argv[1]
    if cmd not in ("corpus", "known-item"):
        print(usage, file=sys.stderr)
        return 2
    ap = argparse.ArgumentParser(prog="bench_peers.py " + cmd, add_help=False)
    ap.add_argument("--cli", default="build/patsift")
    ap.add_argument("--peers", default=None)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--queries", type=int, default=None)
    ap.add_argument("--label", default=None)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--lucene-warmup", type=int, default=5)
    ap.add_argument("--elite-size", type=int, default=30)
    ap.add_argument("--build-runs", type=int, default=1)
    ap.add_argument("--no-default-build", dest="default_build", action="store_false")
    ap.add_argument("--no-approx", dest="approx", action="store_false")
    ap.add_argument("--generated", action="store_true")
    ap.add_argument("--xml", default=None)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("input", nargs="?")
    try:
        args = ap.parse_args(argv[2:])
    except SystemExit:
        print(usage, file=sys.stderr)
        return 2
    QUIET = args.quiet
    args.engines = [e for e in args.engines.split(",") if e]
    bad = [e for e in args.engines if e not in ENGINES]
    if bad or not args.engines or not args.input or (cmd == "known-item") != bool(args.xml) or \
            (args.queries is not None and args.queries < 1) or args.warmup < 0 or \
            args.lucene_warmup < 0 or args.elite_size < 1 or args.build_runs < 1:
        if bad:
            print("bench_peers: unknown engine(s) %s (%s)" % (",".join(bad), ",".join(ENGINES)),
                  file=sys.stderr)
        print(usage, file=sys.stderr)
        return 2
    if cmd == "corpus" and args.queries is None:
        args.queries = 200
    args.cli = os.path.abspath(args.cli)
    if args.peers is None:
        args.peers = os.path.join(os.path.dirname(args.cli), "peers")
    missing = []
    if not os.access(args.cli, os.X_OK):
        missing.append(args.cli)
    for e in args.engines:
        if e != "patsift" and not os.access(os.path.join(args.peers, "peer-" + e), os.X_OK):
            missing.append(os.path.join(args.peers, "peer-" + e))
    if not os.access(TIME, os.X_OK):
        missing.append(TIME + " (Debian package 'time')")
    if not os.path.isfile(args.input):
        missing.append(args.input)
    if args.xml and not os.path.exists(args.xml):
        missing.append(args.xml)
    if missing:
        print("bench_peers: missing: %s" % ", ".join(missing), file=sys.stderr)
        return 1
    try:
        o = cmd_corpus(args) if cmd == "corpus" else cmd_known_item(args)
    except Failed as ex:
        print("bench_peers: %s" % ex, file=sys.stderr)
        return 1
    except Malformed as ex:
        print("bench_peers: malformed output: %s" % ex, file=sys.stderr)
        return 3
    line = json.dumps(o, separators=(",", ":"))
    with open(os.path.join(o["workdir"], "summary.json"), "w", encoding="utf-8") as f:
        f.write(line + "\n")
    print(line, flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(130)
