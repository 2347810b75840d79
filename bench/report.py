#!/usr/bin/env python3
"""Helpers for bench/run.sh: check benchmark output, write the Markdown report.

  report.py check KIND FILE N [--same-tokens-as FILE2]
      FILE must hold exactly N JSON lines of bench KIND (parse or analyze),
      each with every field present, of the right type and plausible
      (counts > 0, finite times > 0). With --same-tokens-as, every analyze
      line of FILE must report the same docs/bytes/tokens as those of FILE2.
      Prints one summary line; exit status 1 on any problem.

  report.py check index FILE N
      The same for bench_index.py output (index builds), plus: the bytes per
      file kind add up, every line agrees on the documents and text bytes.

  report.py field RESULTS KIND LABEL FIELD
      Prints FIELD of the first KIND line with that label in RESULTS (run.sh
      uses it to hand bench_parse's text_bytes to bench_index.py); exit 1 if
      there is none.

  report.py check peers FILE N
  report.py check known_item FILE N
      The same for bench_peers.py output (corpus and known-item runs): every
      engine's builds and query runs present, numbers finite and positive,
      overlaps and recalls within [0, 1], percentiles in order.

  report.py markdown META RESULTS RSS OUT
      META: key<TAB>value lines (machine, versions, notes); RESULTS: the JSON
      lines of all runs; RSS: label<TAB>key<TAB>value lines from the
      /usr/bin/time runs (may be empty). Writes the report to OUT. With
      bench_peers.py lines in RESULTS it also draws two log-log plots with
      gnuplot (when installed) next to OUT: OUT-stem-build.png (index build
      time against corpus size) and OUT-stem-qbd-p50.png (p50 latency of
      query-by-document against corpus size).

No wall-clock thresholds anywhere: only shape and consistency are checked.
"""
import json
import math
import os
import shutil
import subprocess
import sys

COMMON = {"bench": str, "label": str, "repeat": int, "seconds_median": float,
          "seconds_min": float, "mb_s": float, "mb_s_best": float}
FIELDS = {
    "parse": dict(COMMON, format=str, files=int, records=int, skipped=int, errors=int,
                  bytes=int, text_bytes=int, mb=float, records_s=float),
    "analyze": dict(COMMON, stem=bool, create=str, threads=int, docs=int, bytes=int,
                    tokens=int, analysed_bytes=int, chunk=int, tokens_s=float, speedup=(float, type(None)),
                    speedup_best=(float, type(None)), cpu_util=float,
                    other_cpus=(float, type(None))),
    "index": dict(COMMON, variant=str, alloc=str, threads=int, cpus=(str, type(None)), mem_budget=int,
                  mem_budget_set=bool, docs=int, text_bytes=int, input_bytes=int,
                  docs_s=float, speedup=(float, type(None)), speedup_best=(float, type(None)),
                  cpu_util=float, cpu_seconds=float, other_cpus=(float, type(None)),
                  rss_kb=int, rss_kb_median=int, rss_budget=float, segments=int, terms=int,
                  bytes=dict, inverted_pct=float, total_pct=float,
                  total_without_stored_pct=float, stored_pct=float, same_index=bool,
                  same_index_as_1_thread=(bool, type(None)), runs=list),
}
INDEX_KINDS = ["lexicon", "postings", "positions", "documents", "stored", "minhash", "deletions", "total"]
POSITIVE = {"parse": ["files", "records", "bytes", "mb", "repeat", "seconds_median",
                      "seconds_min", "mb_s", "mb_s_best", "records_s"],
            "analyze": ["threads", "docs", "bytes", "tokens", "repeat", "chunk",
                        "seconds_median", "seconds_min", "mb_s", "mb_s_best", "tokens_s",
                        "cpu_util"],
            "index": ["threads", "repeat", "mem_budget", "docs", "text_bytes", "input_bytes",
                      "seconds_median", "seconds_min", "mb_s", "mb_s_best", "docs_s",
                      "rss_kb", "rss_kb_median", "rss_budget", "segments", "terms",
                      "inverted_pct", "total_pct"]}


def load_lines(path):
    with open(path, encoding="utf-8") as f:
        return [ln for ln in f.read().split("\n") if ln.strip()]


def type_ok(v, want):
    wants = want if isinstance(want, tuple) else (want,)
    for w in wants:
        if w is float and isinstance(v, (int, float)) and not isinstance(v, bool):
            return math.isfinite(v)
        if w is int and isinstance(v, int) and not isinstance(v, bool):
            return True
        if w is not float and w is not int and isinstance(v, w):
            return True
    return False


def validate(kind, lines):
    """Returns (records, problems)."""
    recs, problems = [], []
    for i, ln in enumerate(lines, 1):
        try:
            o = json.loads(ln)
        except ValueError as e:
            problems.append("line %d is not JSON (%s): %.80s" % (i, e, ln))
            continue
        if not isinstance(o, dict):
            problems.append("line %d is not a JSON object" % i)
            continue
        if o.get("bench") != kind:
            problems.append("line %d: bench is %r, expected %r" % (i, o.get("bench"), kind))
            continue
        for k, t in FIELDS[kind].items():
            if k not in o:
                problems.append("line %d: field %s missing" % (i, k))
            elif not type_ok(o[k], t):
                problems.append("line %d: field %s has a bad value %r" % (i, k, o[k]))
        for k in POSITIVE[kind]:
            if type_ok(o.get(k), float) and o[k] <= 0:
                problems.append("line %d: field %s is %r, expected > 0" % (i, k, o[k]))
        if kind == "index" and not problems:
            if o["seconds_min"] > o["seconds_median"]:
                problems.append("line %d: min time above the median" % i)
            if o["threads"] == 1 and o["speedup"] is not None and abs(o["speedup"] - 1) > 1e-9:
                problems.append("line %d: 1-thread speedup is %r" % (i, o["speedup"]))
            b = o["bytes"]
            if any(not type_ok(b.get(k), int) or b[k] < 0 for k in INDEX_KINDS):
                problems.append("line %d: bytes per file kind malformed: %r" % (i, b))
            elif sum(b[k] for k in INDEX_KINDS[:-1]) != b["total"] or b["total"] <= 0:
                problems.append("line %d: bytes per file kind do not add up: %r" % (i, b))
            if len(o["runs"]) != o["repeat"]:
                problems.append("line %d: %d runs listed, repeat is %d" % (i, len(o["runs"]), o["repeat"]))
        if kind == "analyze" and not problems:
            if o["seconds_min"] > o["seconds_median"]:
                problems.append("line %d: min time above the median" % i)
            if o["threads"] == 1 and o["speedup"] is not None and abs(o["speedup"] - 1) > 1e-9:
                problems.append("line %d: 1-thread speedup is %r" % (i, o["speedup"]))
        recs.append(o)
    if kind == "analyze" and recs and not problems:
        keys = {(o["docs"], o["bytes"], o["tokens"], o["analysed_bytes"]) for o in recs}
        if len(keys) != 1:
            problems.append("runs disagree on docs/bytes/tokens/analysed bytes: %s" % sorted(keys))
        if any(o["analysed_bytes"] > o["bytes"] for o in recs):
            problems.append("analysed_bytes above bytes")
    if kind == "index" and recs and not problems:
        keys = {(o["label"], o["docs"], o["text_bytes"]) for o in recs}
        if len(keys) != len({o["label"] for o in recs}):
            problems.append("runs disagree on docs/text bytes: %s" % sorted(keys))
    return recs, problems


PEER_ENGINES = ["patsift", "lucene", "xapian", "fts5"]
PEER_BUILD = {"engine": str, "threads": int, "variant": str, "docs": int, "wall_s": float,
              "rss_kb": int, "cpu_s": float, "index_bytes": int}
PEER_QUERY = {"engine": str, "set": str, "mode": str, "queries": int, "p50_us": float,
              "p95_us": float, "p99_us": float, "mean_us": float, "terms_mean": float,
              "seconds_1t": float}
PEER_KNOWN = {"engine": str, "mode": str, "queries": int, "recall_1": float, "recall_10": float,
              "recall_100": float, "mrr": float, "p50_us": float}
PEER_TOP = {"peers": {"label": str, "corpus": str, "docs": int, "text_bytes": int,
                      "queries_keyword": int, "queries_qbd": int, "engines": list,
                      "settings": dict, "builds": list, "queries": list, "problems": list,
                      "versions": dict},
            "known_item": {"label": str, "docs": int, "text_bytes": int, "targets": int,
                           "engines": list, "settings": dict, "builds": list, "results": list,
                           "problems": list, "versions": dict}}


def check_fields(where, o, fields, problems):
    if not isinstance(o, dict):
        problems.append("%s is not an object" % where)
        return False
    ok = True
    for k, t in fields.items():
        if k not in o:
            problems.append("%s: field %s missing" % (where, k))
            ok = False
        elif not type_ok(o[k], t):
            problems.append("%s: field %s has a bad value %r" % (where, k, o[k]))
            ok = False
    return ok


def validate_peers(kind, lines):
    """bench_peers.py output: returns (records, problems)."""
    recs, problems = [], []
    for i, ln in enumerate(lines, 1):
        try:
            o = json.loads(ln)
        except ValueError as e:
            problems.append("line %d is not JSON (%s): %.80s" % (i, e, ln))
            continue
        if not isinstance(o, dict) or o.get("bench") != kind:
            problems.append("line %d: bench is %r, expected %r" % (
                i, o.get("bench") if isinstance(o, dict) else None, kind))
            continue
        if not check_fields("line %d" % i, o, PEER_TOP[kind], problems):
            continue
        engines = o["engines"]
        if not engines or any(e not in PEER_ENGINES for e in engines):
            problems.append("line %d: engines %r" % (i, engines))
        for j, b in enumerate(o["builds"]):
            where = "line %d build %d" % (i, j + 1)
            if check_fields(where, b, PEER_BUILD, problems):
                if b["wall_s"] <= 0 or b["docs"] <= 0 or b["index_bytes"] <= 0 or b["rss_kb"] <= 0:
                    problems.append("%s (%s): non-positive time, docs, size or RSS" % (where, b["engine"]))
                if b["variant"] == "main" and b["docs"] != o["docs"] and b["engine"] != "patsift":
                    problems.append("%s (%s): %d docs indexed of %d" % (where, b["engine"], b["docs"], o["docs"]))
        built = {b.get("engine") for b in o["builds"] if isinstance(b, dict)}
        if set(engines) - built:
            problems.append("line %d: no build of %s" % (i, ",".join(sorted(set(engines) - built))))
        rows = o["queries"] if kind == "peers" else o["results"]
        fields = PEER_QUERY if kind == "peers" else PEER_KNOWN
        for j, q in enumerate(rows):
            where = "line %d query run %d" % (i, j + 1)
            if not check_fields(where, q, fields, problems):
                continue
            what = "%s (%s %s %s)" % (where, q["engine"], q.get("set", ""), q["mode"])
            pc = [q.get(k) for k in ("p50_us", "p95_us", "p99_us")]
            if all(type_ok(x, float) for x in pc) and not pc[0] <= pc[1] <= pc[2]:
                problems.append("%s: percentiles out of order" % what)
            if q["p50_us"] <= 0 or q["queries"] <= 0:
                problems.append("%s: non-positive latency or query count" % what)
            for k in ("overlap_lucene_top10", "overlap_exact_top10", "recall_1", "recall_10",
                      "recall_100", "mrr"):
                v = q.get(k)
                if v is not None and (not type_ok(v, float) or not 0 <= v <= 1):
                    problems.append("%s: %s = %r, expected 0..1" % (what, k, v))
            if kind == "peers" and q["mode"] == "or":
                if not type_ok(q.get("qps_2t"), float) or q["qps_2t"] <= 0:
                    problems.append("%s: no 2-thread throughput" % what)
            if kind == "known_item" and not q["recall_1"] <= q["recall_10"] <= q["recall_100"]:
                problems.append("%s: recall@1 <= @10 <= @100 does not hold" % what)
        ran = {q.get("engine") for q in rows if isinstance(q, dict)}
        if set(engines) - ran:
            problems.append("line %d: no query run of %s" % (i, ",".join(sorted(set(engines) - ran))))
        recs.append(o)
    return recs, problems


def cmd_field(args):
    if len(args) != 4:
        print("usage: report.py field RESULTS KIND LABEL FIELD", file=sys.stderr)
        return 2
    try:
        lines = load_lines(args[0])
    except OSError:
        return 1
    for ln in lines:
        try:
            o = json.loads(ln)
        except ValueError:
            continue
        if isinstance(o, dict) and o.get("bench") == args[1] and o.get("label") == args[2] \
                and args[3] in o:
            print(o[args[3]])
            return 0
    return 1


def cmd_check(args):
    if len(args) not in (3, 5) or (len(args) == 5 and args[3] != "--same-tokens-as"):
        print("usage: report.py check KIND FILE N [--same-tokens-as FILE2]", file=sys.stderr)
        return 2
    kind, path, n = args[0], args[1], int(args[2])
    if kind not in FIELDS and kind not in PEER_TOP:
        print("check: unknown kind %r" % kind)
        return 2
    try:
        lines = load_lines(path)
    except OSError as e:
        print("check: %s" % e)
        return 1
    if kind in PEER_TOP:
        recs, problems = validate_peers(kind, lines)
    else:
        recs, problems = validate(kind, lines)
    if len(lines) != n:
        problems.append("%d lines, expected %d" % (len(lines), n))
    if len(args) == 5 and not problems:
        other, p2 = validate(kind, load_lines(args[4]))
        problems += ["(reference) " + p for p in p2]
        if other and recs and (other[0]["docs"], other[0]["tokens"]) != (recs[0]["docs"], recs[0]["tokens"]):
            problems.append("docs/tokens %s differ from %s in %s" % (
                (recs[0]["docs"], recs[0]["tokens"]), (other[0]["docs"], other[0]["tokens"]), args[4]))
    if problems:
        print("malformed %s output in %s: %s" % (kind, path, "; ".join(problems[:5])))
        return 1
    if kind == "peers":
        o = recs[0]
        what = "%s: %d docs, %s; %d builds, %d query runs%s" % (
            o["label"], o["docs"], ",".join(o["engines"]), len(o["builds"]), len(o["queries"]),
            "; problems: " + "; ".join(o["problems"]) if o["problems"] else "")
    elif kind == "known_item":
        o = recs[0]
        what = "%s: %d docs, %d targets; recall@10 %s%s" % (
            o["label"], o["docs"], o["targets"],
            ", ".join("%s %s %.2f" % (r["engine"], r["mode"], r["recall_10"]) for r in o["results"]),
            "; problems: " + "; ".join(o["problems"]) if o["problems"] else "")
    elif kind == "parse":
        what = ", ".join("%s %d records" % (o["format"], o["records"]) for o in recs)
    elif kind == "index":
        what = "%d docs, threads %s, %s, %d segment(s), inverted index %.1f%% of the text" % (
            recs[0]["docs"], ",".join(str(o["threads"]) for o in recs), recs[0]["alloc"],
            recs[-1]["segments"], recs[-1]["inverted_pct"])
    else:
        what = "%d docs, %d tokens, threads %s" % (recs[0]["docs"], recs[0]["tokens"],
                                                   ",".join(str(o["threads"]) for o in recs))
    print(what)
    return 0


def busy(o):
    """CPUs other processes used during run o (None if unknown)."""
    return o.get("other_cpus")


def fmt(v, digits=3):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return "{:,}".format(v)
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    dec = max(0, digits - 1 - mag)
    return "{:,.{}f}".format(v, dec)


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def mib(kb):
    return fmt(kb / 1024)


def mb(n):
    return fmt(n / 1e6)


def size_str(n):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, unit)
    return str(n)


def index_section(index, meta):
    """The '## Index build' part of the report, from bench_index.py lines."""
    out = []
    main = [o for o in index if o["variant"] == "main"]
    out.append("## Index build (`patsift index`)")
    out.append("")
    out.append("`bench/bench_index.py`: `/usr/bin/time -v patsift index -q -t T -o DIR INPUT`, "
               "1- and 2-thread runs alternated, each into an empty folder on the same disk as "
               "the temp dir (the build fsyncs its files: the time includes writing them out), "
               "then `patsift stats --json DIR`. Input text = title + abstract + claims + "
               "description bytes of the records, counted by `bench_parse` (the same sum "
               "`patsift index` prints as \"MB of text\"); MB = 10^6 bytes, MiB = 2^20. "
               "Peak RSS = maximum resident set size over the runs. The default memory "
               "budget is 1 GiB.")
    out.append("")
    if main:
        out.append("### Throughput")
        out.append("")
        rows = []
        for o in main:
            rows.append([o["label"], o["alloc"], o["threads"], fmt(o["repeat"]), fmt(o["docs"]),
                         mb(o["text_bytes"]), fmt(o["seconds_median"]), fmt(o["seconds_min"]),
                         fmt(o["docs_s"]), fmt(o["mb_s"]), fmt(o["mb_s_best"]),
                         fmt(o["speedup"]), fmt(o["cpu_util"]), fmt(o["other_cpus"], 2),
                         mib(o["rss_kb"]), fmt(o["segments"])])
        out.append(table(["input", "malloc", "threads", "runs", "docs", "text MB", "median s",
                          "min s", "docs/s", "MB/s", "best MB/s", "speedup", "CPU util",
                          "others' CPUs", "peak RSS MiB", "segments"], rows))
        out.append("")

    groups = {}
    for o in main:
        groups.setdefault(o["label"], {})[o["threads"]] = o
    observations = []
    rows = []
    for label, by in groups.items():
        if 1 in by and 2 in by:
            a, b = by[1], by[2]
            rows.append([label, fmt(a["seconds_median"] / b["seconds_median"]),
                         fmt(a["seconds_min"] / b["seconds_min"]), fmt(a["cpu_util"]),
                         fmt(b["cpu_util"]), fmt(a["other_cpus"], 2), fmt(b["other_cpus"], 2),
                         fmt(b["same_index_as_1_thread"])])
            worst = max(a["other_cpus"] or 0, b["other_cpus"] or 0)
            if worst > 0.25:
                observations.append(
                    "%s: other processes kept up to %.2f CPUs busy during the builds, so the "
                    "2-thread speedup %.2f says more about the machine than about the code." %
                    (label, worst, a["seconds_median"] / b["seconds_median"]))
            elif b["cpu_util"] < 1.7:
                observations.append(
                    "%s: at 2 threads the build kept only %.2f CPUs busy on a quiet machine: "
                    "part of the build runs on one thread while the other waits (see "
                    "\"Where the time goes\" in bench/README.md)." % (label, b["cpu_util"]))
    if rows:
        out.append("### Speedup, 2 threads / 1 thread")
        out.append("")
        out.append(table(["input", "speedup (median)", "speedup (best)", "CPU util at 1 thread",
                          "CPU util at 2 threads", "others' CPUs at 1 thread",
                          "others' CPUs at 2 threads", "same index at 1 and 2 threads"], rows))
        out.append("")
    pinned = {o["label"]: o for o in index if o["variant"] == "1cpu"}
    rows = []
    for label, p in pinned.items():
        by = groups.get(label, {})
        if 1 in by and 2 in by:
            rows.append([label, fmt(p["seconds_median"]), fmt(p["cpu_util"]),
                         fmt(by[1]["seconds_median"]), fmt(by[2]["seconds_median"]),
                         fmt(p["seconds_median"] / by[1]["seconds_median"]),
                         fmt(p["seconds_median"] / by[2]["seconds_median"]),
                         fmt(p["other_cpus"], 2)])
    if rows:
        out.append("### Scaling with CPUs: one thread pinned to one CPU")
        out.append("")
        out.append("With `-t 1` reading and building take turns on one thread (before 9574681 a "
                   "reading thread parsed JSON beside it, so `-t 1` used about 1.5 CPUs). The pinned "
                   "run (`taskset -c 0 patsift index -t 1`) shows what one core does; its ratio to "
                   "the 2-thread time is how the build scales from one core to two.")
        out.append("")
        out.append(table(["input", "1 thread on 1 CPU, s", "its CPU util", "1 thread, s",
                          "2 threads, s", "1 CPU / 1 thread", "1 CPU / 2 threads",
                          "others' CPUs (pinned run)"], rows))
        out.append("")

    sized = {}
    for o in index:  # one row per input and segment layout
        if o["variant"] in ("main", "budget"):
            key = (o["label"], o["variant"], o["segments"])
            sized.setdefault(key, o)
    if sized:
        out.append("### Index size, % of the input text")
        out.append("")
        out.append("Inverted index = lexicon (`.lex`) + postings (`.pst`) + positions (`.pos`); "
                   "\"without stored text\" leaves out the compressed stored text (`.sto`: "
                   "title, abstract, claims, zstd) and the MinHash signatures with their LSH "
                   "tables (`.mh`); documents (`.doc`) = per-document metadata. "
                   "The input JSONL file is larger than its text (ids, dates, JSON syntax).")
        out.append("")
        rows = []
        for (label, variant, segs), o in sized.items():
            b = o["bytes"]
            name = label if variant == "main" else "%s, --mem-budget %s" % (label, size_str(o["mem_budget"]))
            rows.append([name, mb(o["text_bytes"]), mb(o["input_bytes"]), fmt(segs),
                         fmt(o["terms"]), mb(b["lexicon"]), mb(b["postings"]), mb(b["positions"]),
                         mb(b["documents"]), mb(b["stored"]), mb(b.get("minhash", 0)), mb(b["total"]),
                         "%.1f%%" % o["inverted_pct"], "%.1f%%" % o["total_without_stored_pct"],
                         "%.1f%%" % o["total_pct"], "%.1f%%" % o["stored_pct"]])
        out.append(table(["input", "text MB", "JSONL MB", "segments", "terms", "lexicon MB",
                          "postings MB", "positions MB", "documents MB", "stored MB", "signatures MB", "total MB",
                          "inverted index", "total without stored and signatures", "total with stored",
                          "stored alone"], rows))
        out.append("")
        for o in main:
            if not o["same_index"]:
                observations.append("%s, %d threads: the repeated builds did not write the same "
                                     "index (sizes or MANIFEST checksums differ)." % (o["label"], o["threads"]))

    out.append("### Peak memory and the memory budget")
    out.append("")
    out.append("`--mem-budget` bounds the whole build: when the estimate of the in-memory segment, "
               "the id map, the batches in flight and the fixed costs would pass the budget, the "
               "segment is written out and a new one started (bench/README.md). "
               "Peak RSS / budget is the whole process's peak against that number.")
    out.append("")
    rows = []
    for o in index:
        what = {"main": "repeated runs", "alloc": "allocator run", "budget": "budget run",
                "1cpu": "pinned to CPU %s" % o["cpus"]}.get(
            o["variant"], o["variant"])
        rows.append([o["label"], what, o["alloc"], o["threads"],
                     size_str(o["mem_budget"]) + ("" if o["mem_budget_set"] else " (default)"),
                     fmt(o["segments"]), mib(o["rss_kb"]), "%.2f" % o["rss_budget"],
                     fmt(o["seconds_median"])])
    out.append(table(["input", "run", "malloc", "threads", "budget", "segments", "peak RSS MiB",
                      "peak RSS / budget", "median s"], rows))
    out.append("")

    alloc = [o for o in index if o["variant"] == "alloc"]
    if alloc:
        out.append("### jemalloc vs glibc malloc (one 2-thread build each)")
        out.append("")
        out.append("The same sources linked twice: `%s` with jemalloc (the default) and "
                   "`make BUILD=%s ALLOC_LIBS=` without it; run back to back." %
                   (meta.get("build", "build") + "/patsift", meta.get("glibc_build", "BUILD/glibc")))
        out.append("")
        rows = []
        by = {}
        for o in alloc:
            by.setdefault(o["label"], {})[o["alloc"]] = o
            rows.append([o["label"], o["alloc"], o["threads"], fmt(o["seconds_median"]),
                         fmt(o["mb_s"]), fmt(o["docs_s"]), fmt(o["cpu_seconds"]),
                         fmt(o["cpu_util"]), mib(o["rss_kb"]), fmt(o["other_cpus"], 2)])
        out.append(table(["input", "malloc", "threads", "wall s", "MB/s", "docs/s", "CPU s",
                          "CPU util", "peak RSS MiB", "others' CPUs"], rows))
        out.append("")
        rows = []
        for label, d in by.items():
            if "jemalloc" in d and "glibc" in d:
                j, g = d["jemalloc"], d["glibc"]
                rows.append([label, fmt(g["seconds_median"] / j["seconds_median"]),
                             fmt(g["cpu_seconds"] / j["cpu_seconds"]), fmt(g["rss_kb"] / j["rss_kb"])])
        if rows:
            out.append(table(["input", "glibc / jemalloc wall", "glibc / jemalloc CPU",
                              "glibc / jemalloc peak RSS"], rows))
            out.append("")

    out.append("### The issue's goals, next to this run")
    out.append("")
    out.append("For reading, not a pass/fail check (a busy machine moves the speedup).")
    out.append("")
    rows = []
    for label, by in groups.items():
        if 1 in by and 2 in by:
            rows.append(["2 threads >= 1.7x the throughput of 1 thread", label,
                         "%.2fx (best %.2fx)" % (by[1]["seconds_median"] / by[2]["seconds_median"],
                                                 by[1]["seconds_min"] / by[2]["seconds_min"])])
            if label in pinned:
                rows.append(["(the same, against 1 thread pinned to 1 CPU)", label,
                             "%.2fx" % (pinned[label]["seconds_median"] / by[2]["seconds_median"])])
    for (label, variant, segs), o in sized.items():
        if variant == "main":
            rows.append(["inverted index (without stored text) <= 30% of the input text", label,
                         "%.1f%%" % o["inverted_pct"]])
    biggest = max(index, key=lambda o: o["docs"])
    for o in index:
        if o["label"] == biggest["label"] and o["variant"] in ("main", "budget") and o["threads"] == 2:
            rows.append(["peak RSS within 10% of the budget (1M corpus)",
                         "%s, budget %s" % (o["label"], size_str(o["mem_budget"])),
                         "%s MiB = %.2f x the budget, %d segment(s)" % (mib(o["rss_kb"]), o["rss_budget"],
                                                                       o["segments"])])
    out.append(table(["goal", "input", "this run"], rows))
    out.append("")
    if observations:
        out.append("### Observations (computed from the numbers above)")
        out.append("")
        out += ["- " + s for s in observations]
        out.append("")
    return out


# ---------------------------------------------------------------- peers

PEER_NAMES = {"patsift": "patsift", "lucene": "Lucene", "xapian": "Xapian", "fts5": "FTS5"}
SET_NAMES = {"keyword": "keyword", "qbd": "query-by-document", "claims": "claims"}


def corpus_order(peers):
    return sorted(peers, key=lambda o: (o["corpus"] != "generated", o["docs"]))


def p_build(o, e, threads=1, variant="main"):
    for b in o["builds"]:
        if b["engine"] == e and b["threads"] == threads and b["variant"] == variant:
            return b
    return None


def p_best_build(o, e):
    bs = [b for b in o["builds"] if b["engine"] == e and b["variant"] == "main"]
    return min(bs, key=lambda b: b["wall_s"]) if bs else None


def p_query(o, e, qset, mode="or"):
    for q in o["queries"]:
        if q["engine"] == e and q["set"] == qset and q["mode"] == mode:
            return q
    return None


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def rfmt(v):
    return "-" if v is None else "%.2f" % v if v < 10 else "%.1f" % v


def ms(us):
    return "-" if us is None else fmt(us / 1000.0)


def peer_ratio_rows(o, peer):
    """[(measure, ratio, patsift value, peer value)] of one corpus against one peer."""
    rows = []

    def add(name, a, b, unit, scale=1.0):
        rows.append((name, ratio(a, b), a, b, unit, scale))

    ps1, pe1 = p_build(o, "patsift", 1), p_build(o, peer, 1)
    add("build, 1 thread", ps1 and ps1["wall_s"], pe1 and pe1["wall_s"], "s")
    psb, peb = p_best_build(o, "patsift"), p_best_build(o, peer)
    add("build, best thread count", psb and psb["wall_s"], peb and peb["wall_s"], "s")
    add("index size", ps1 and ps1["index_bytes"], pe1 and pe1["index_bytes"], "MB", 1e-6)
    add("index size, patsift without stored text and signatures",
        ps1 and ps1.get("index_bytes_without_stored"), pe1 and pe1["index_bytes"], "MB", 1e-6)
    add("inverted index (postings, positions, terms), 1-thread build", ps1 and ps1.get("inverted_bytes"),
        pe1 and pe1.get("inverted_bytes"), "MB", 1e-6)
    add("peak RSS, 1-thread build", ps1 and ps1["rss_kb"], pe1 and pe1["rss_kb"], "MiB", 1 / 1024.0)
    for qset in ("keyword", "qbd"):
        a, b = p_query(o, "patsift", qset), p_query(o, peer, qset)
        for pc in ("p50", "p99"):
            add("%s %s" % (SET_NAMES[qset], pc), a and a[pc + "_us"], b and b[pc + "_us"], "ms", 1e-3)
        # throughput as time per query: peer's queries/s over patsift's
        add("%s, 2-thread time per query" % SET_NAMES[qset],
            a and a.get("qps_2t") and 1.0 / a["qps_2t"], b and b.get("qps_2t") and 1.0 / b["qps_2t"],
            "ms", 1e3)
    return rows


def peer_headline(peers):
    out = []
    out.append("## Headline: patsift against Lucene, Xapian and SQLite FTS5")
    out.append("")
    out.append("**Every number is a ratio patsift / peer** on the same corpus and the same queries: "
               "time (or size, or memory) of patsift divided by the peer's. **Below 1 means patsift "
               "is faster (or smaller)**: 0.25 = patsift takes a quarter of the peer's time; above 1 "
               "means patsift is slower. Throughput is turned into time per query (the peer's "
               "queries/s divided by patsift's), so it reads the same way. Every engine indexes "
               "title + abstract only, unweighted (patsift: `--weight title=1 --weight abstract=1 "
               "--weight claims=0 --weight description=0`); queries are exact disjunctions of all "
               "query terms ranked by BM25 (k1 1.2, b 0.75), top 100. \"Best thread count\": "
               "patsift and Lucene at 1 or 2 threads, whichever was faster; Xapian and FTS5 build "
               "with one thread only. Details, raw numbers and the method are in \"Peer "
               "comparison\" below.")
    out.append("")
    peers = corpus_order(peers)
    measures = None
    rows = []
    for peer in ("lucene", "xapian", "fts5"):
        for o in peers:
            if peer not in o["engines"] or "patsift" not in o["engines"]:
                continue
            rr = peer_ratio_rows(o, peer)
            measures = [r[0] for r in rr]
            rows.append([PEER_NAMES[peer], o["label"]] + ["**%s**" % rfmt(r[1]) if r[1] is not None
                                                          and r[1] < 1 else rfmt(r[1]) for r in rr])
    if not rows:
        out.append("(no run with patsift and a peer)")
        out.append("")
        return out
    out.append(table(["peer", "corpus"] + measures, rows))
    out.append("")
    out.append("Bold: patsift is faster (smaller). Query latency is ANALYSIS_US + SEARCH_US per "
               "query at one thread, warm; the 2-thread ratio compares whole batches.")
    out.append("")
    return out


def peer_observations(peers, known):
    obs = []
    for o in corpus_order(peers):
        for peer in ("lucene", "xapian", "fts5"):
            if peer not in o["engines"] or "patsift" not in o["engines"]:
                continue
            for name, r, a, b, unit, scale in peer_ratio_rows(o, peer):
                if r is not None and r > 1.05:
                    obs.append("%s: patsift is behind %s on **%s**: %s %s against %s %s (ratio %.2f)." % (
                        o["label"], PEER_NAMES[peer], name, fmt(a * scale), unit, fmt(b * scale), unit, r))
        worst = max([b.get("other_cpus") or 0 for b in o["builds"]] +
                    [q.get(k) or 0 for q in o["queries"] for k in ("other_cpus_1t", "other_cpus_2t")])
        if worst > 0.25:
            obs.append("%s: other processes kept up to %.2f CPUs busy during some of these runs "
                       "(see the \"others' CPUs\" columns): those rows are noisy, the 2-thread "
                       "ones most." % (o["label"], worst))
        for p in o["problems"]:
            obs.append("%s: %s" % (o["label"], p))
        ps, lu = p_query(o, "patsift", "qbd"), p_query(o, "lucene", "qbd")
        if ps and lu and ps.get("terms_mean") and lu.get("terms_mean") and \
                ps["terms_mean"] < 0.95 * lu["terms_mean"]:
            obs.append("%s: patsift's query-by-document queries have %.1f distinct terms on average, "
                       "Lucene's %.1f: patsift drops more stop words (English and patent "
                       "boilerplate), which lowers its top-10 agreement with Lucene (%s)." % (
                           o["label"], ps["terms_mean"], lu["terms_mean"],
                           rfmt(ps.get("overlap_lucene_top10"))))
    for k in known:
        for p in k["problems"]:
            obs.append("%s: %s" % (k["label"], p))
        best = max(k["results"], key=lambda r: r["mrr"]) if k["results"] else None
        ps = [r for r in k["results"] if r["engine"] == "patsift" and r["mode"] == "or"]
        if best and ps and best["mrr"] > ps[0]["mrr"] + 1e-9:
            obs.append("%s: the best MRR is %s `%s` (%.3f); patsift `or` has %.3f." % (
                k["label"], PEER_NAMES[best["engine"]], best["mode"], best["mrr"], ps[0]["mrr"]))
    return obs


def peer_plots(peers, out_path):
    """Two log-log PNGs next to out_path; returns (markdown lines, note)."""
    gp = shutil.which("gnuplot")
    if not gp:
        return [], "gnuplot not found (Debian package gnuplot-nox): no plots"
    stem = os.path.splitext(out_path)[0]
    made = []
    specs = [("build", "index build, 1 thread: wall seconds",
              lambda o, e: (p_build(o, e, 1) or {}).get("wall_s")),
             ("qbd-p50", "query by document, 1 thread: p50 latency in ms",
              lambda o, e: (p_query(o, e, "qbd") or {}).get("p50_us") and
              p_query(o, e, "qbd")["p50_us"] / 1000.0)]
    engines = [e for e in PEER_ENGINES if any(e in o["engines"] for o in peers)]
    for suffix, ylabel, get in specs:
        png = "%s-%s.png" % (stem, suffix)
        script = ["set terminal pngcairo size 900,600 noenhanced font 'sans,11'",
                  "set output '%s'" % png.replace("'", "''"),
                  "set logscale xy", "set grid", "set key top left", "set rmargin 6",
                  "set format x '%.0f'",
                  "set xlabel 'documents in the corpus'", "set ylabel '%s'" % ylabel,
                  "set title 'filled: generated corpora (lines); open: real PatentsView corpus'"]
        plots = []
        for n, e in enumerate(engines, 1):
            for kind, pt in (("generated", 7), ("real", 6)):
                pts = sorted((o["docs"], get(o, e)) for o in peers
                             if o["corpus"] == kind and e in o["engines"] and get(o, e))
                if not pts:
                    continue
                name = "$%s_%s" % (e, kind)
                script.append("%s << EOD" % name)
                script += ["%d %.6g" % p for p in pts]
                script.append("EOD")
                style = "linespoints" if kind == "generated" else "points"
                title = ("title '%s'" % PEER_NAMES[e]) if kind == "generated" else "notitle"
                plots.append("%s using 1:2 with %s lt %d lw 2 pt %d ps 1.5 %s" % (
                    name, style, n, pt, title))
        if not plots:
            continue
        xs = [o["docs"] for o in peers]
        script.insert(3, "set xrange [%g:%g]" % (min(xs) / 2.0, max(xs) * 2.0))
        script.append("plot " + ", ".join(plots))
        p = subprocess.run([gp], input="\n".join(script) + "\n", capture_output=True, text=True)
        if p.returncode != 0 or not os.path.exists(png):
            return [], "gnuplot failed: %s" % p.stderr.strip()[-300:]
        made.append((suffix, os.path.basename(png)))
    lines = []
    alt = {"build": "index build time against corpus size",
           "qbd-p50": "p50 query-by-document latency against corpus size"}
    for suffix, name in made:
        lines.append("![%s, log-log](%s)" % (alt[suffix], name))
        lines.append("")
    return lines, None


def peer_section(peers, known, meta, out_path):
    out = []
    out.append("## Peer comparison (bench/bench_peers.py)")
    out.append("")
    first = (peers or known)[0]
    st = first["settings"]
    out.append("Method (details in bench/README.md, \"Peer comparison\"): every engine reads the "
               "same JSON Lines (id, title, abstract: the corpus trimmed to what is indexed) and "
               "indexes title + abstract as unweighted text; patsift with `--weight %s` "
               "(its normal weights are title 3, abstract 2, claims 2, description 1: the "
               "\"default-weights\" line is that build, of the untrimmed corpus with all its "
               "fields). Build time = wall time around the process (Lucene's includes starting "
               "the JVM; the engine's own figure is the \"engine s\" column). Index size = all "
               "files of the index folder: patsift's includes its compressed stored text "
               "(title, abstract), the peers store only the id (FTS5 is contentless). Queries: "
               "keyword = 2-4 title words of every Nth document; query by document = the "
               "abstract of every Nth document with one (the document itself is in the index); "
               "mode `or` = every distinct analysed term, OR, BM25 k1 1.2 b 0.75, top %d. "
               "Latency = ANALYSIS_US + SEARCH_US from each engine's timings file, 1 thread, "
               "warm: Lucene %d warm-up passes in the same process (JIT), Xapian and FTS5 %d, "
               "patsift runs the batch once untimed first. Throughput = queries / wall time of "
               "the batch at 2 threads: the peers time their timed pass inside the process; "
               "patsift's is the wall time of the whole `patsift search -t 2` process "
               "(start, index open, output: conservative), its fixed cost (a one-query run) is "
               "shown. The 2-thread runs warm up as the 1-thread ones, except Xapian and FTS5 "
               "when their 1-thread batch took over 10 s (marked \"no warm-up\": the page cache "
               "is warm, a cold start is a small share of such a batch). Approximate modes: Lucene MoreLikeThis (`mlt`: 25 terms), Xapian "
               "OP_ELITE_SET (`elite`, --elite-size %d; 100 would equal plain OR on abstracts), "
               "patsift query by document (`--doc`: the 60 most informative terms, weighted). "
               "Overlap = mean over queries of |top 10 of A and top 10 of B| / 10 (/ the longer "
               "list when one has fewer than 10 hits; queries where both have none left out)." % (
                   st["patsift_weights"].replace(" ", " --weight "), st["k"], st["lucene_warmup"],
                   st["warmup"], st["elite_size"]))
    out.append("")
    vers = first.get("versions", {})
    rows = [["CPU", meta.get("cpu", "?")], ["cores (online)", meta.get("cores", "?")],
            ["patsift", meta.get("source", "?")]]
    rows += [[k, v] for k, v in vers.items()]
    rows.append(["Lucene JVM options", st.get("lucene_java_opts", "?") + ", -XX:+UseParallelGC"])
    out.append("### Engines and machine")
    out.append("")
    out.append(table(["what", "version"], rows))
    out.append("")
    if vers.get("lucene-core jar", "").startswith("8.8") and "8.7.0" in vers.get("lucene-core jar", ""):
        out.append("Debian's liblucene8-java %s ships Lucene 8.8.1 in jar files named 8.7.0 "
                   "(the manifest says 8.8.1)." % vers.get("liblucene8-java", "?"))
        out.append("")

    peers = corpus_order(peers)
    if peers:
        out.append("### Index build (title + abstract)")
        out.append("")
        out.append("MB/s = title + abstract text (10^6 bytes) per wall second. CPU util = (user + "
                   "system CPU) / wall: above 1 at one thread means the engine also works on other "
                   "threads (patsift's reader; Lucene's merges, JIT and GC). Others' CPUs = CPUs "
                   "other processes on the machine kept busy meanwhile. Runs: when a build was "
                   "repeated (`BENCH_PEER_BUILD_RUNS`, in interleaved rounds), the wall time of "
                   "each run; the row is the run with the median wall time.")
        out.append("")
        rows = []
        for o in peers:
            for b in o["builds"]:
                name = PEER_NAMES[b["engine"]] + (" (default weights, all fields)"
                                                  if b["variant"] != "main" else "")
                runs = b.get("wall_runs")
                rows.append([o["label"], name, b["threads"], fmt(b["docs"]), fmt(b["wall_s"]),
                             " ".join(fmt(w) for w in runs) if runs and len(runs) > 1 else "-",
                             fmt(b.get("engine_s")), fmt(b.get("docs_s")), fmt(b.get("mb_s")),
                             fmt(b.get("cpu_util")), mib(b["rss_kb"]), mb(b["index_bytes"]),
                             "%.0f%%" % b["index_pct"] if b.get("index_pct") else "-",
                             mb(b["index_bytes_without_stored"]) if "index_bytes_without_stored" in b else "-",
                             mb(b["inverted_bytes"]) if "inverted_bytes" in b else "-",
                             fmt(b.get("other_cpus"), 2)])
        out.append(table(["corpus", "engine", "threads", "docs", "wall s", "runs, wall s", "engine s", "docs/s",
                          "MB/s", "CPU util", "peak RSS MiB", "index MB", "index / text",
                          "patsift without stored text and signatures, MB",
                          "inverted index MB (postings, positions, terms)", "others' CPUs"], rows))
        out.append("")

        out.append("### Query latency, 1 thread, and 2-thread throughput (mode `or`)")
        out.append("")
        out.append("Latency in ms (ANALYSIS_US + SEARCH_US, nearest-rank percentiles). Terms = "
                   "distinct analysed query terms, mean. Overlap = top-10 overlap with Lucene's `or` "
                   "results on the same queries (Lucene against itself: 1). 2-thread q/s: see the "
                   "method above; \"same\" = the 2-thread run returned the same ranked ids.")
        out.append("")
        rows = []
        for o in peers:
            for qset in ("keyword", "qbd"):
                for q in o["queries"]:
                    if q["set"] != qset or q["mode"] != "or":
                        continue
                    extra = ""
                    if q.get("warmup_2t") == 0 and q["engine"] != "patsift":
                        extra = " (no warm-up)"
                    if q.get("fixed_s") is not None:
                        extra = " (fixed cost %s ms; %s q/s without it)" % (
                            fmt(q["fixed_s"] * 1000), fmt(q.get("qps_2t_without_fixed")))
                    rows.append([o["label"], SET_NAMES[qset], PEER_NAMES[q["engine"]],
                                 fmt(q["queries"]), fmt(q["terms_mean"]), ms(q["p50_us"]),
                                 ms(q["p95_us"]), ms(q["p99_us"]), ms(q["mean_us"]),
                                 rfmt(q.get("overlap_lucene_top10")),
                                 fmt(q.get("qps_2t")) + extra,
                                 rfmt(ratio(q.get("seconds_1t"), q.get("seconds_2t"))),
                                 fmt(q.get("same_results_2t")),
                                 "%s / %s" % (fmt(q.get("other_cpus_1t"), 2), fmt(q.get("other_cpus_2t"), 2))])
        out.append(table(["corpus", "queries", "engine", "n", "terms", "p50 ms", "p95 ms", "p99 ms",
                          "mean ms", "top-10 overlap with Lucene", "2 threads: q/s",
                          "2 threads / 1 thread speed", "same", "others' CPUs 1t / 2t"], rows))
        out.append("")

        rows = []
        for o in peers:
            for q in o["queries"]:
                if q["mode"] == "or":
                    continue
                ex = p_query(o, q["engine"], q["set"])
                rows.append([o["label"], SET_NAMES[q["set"]], PEER_NAMES[q["engine"]], q["mode"],
                             fmt(q["terms_mean"]), ms(q["p50_us"]), ms(q["p99_us"]),
                             rfmt(ratio(q["p50_us"], ex and ex["p50_us"])),
                             rfmt(q.get("overlap_exact_top10")), rfmt(q.get("overlap_lucene_top10"))])
        if rows:
            out.append("### Approximate modes against the same engine's exact `or`")
            out.append("")
            out.append("1 thread, same warm-up as `or`. p50 / `or` p50 below 1 = faster than the "
                       "exact disjunction; overlap with own `or` = how much of the exact top 10 it "
                       "keeps.")
            out.append("")
            out.append(table(["corpus", "queries", "engine", "mode", "terms", "p50 ms", "p99 ms",
                              "p50 / `or` p50", "top-10 overlap with own `or`",
                              "top-10 overlap with Lucene `or`"], rows))
            out.append("")

    for k in known:
        out.append("### Known-item retrieval: %s" % k["label"])
        out.append("")
        out.append("Index: title + abstract of %s plus the records of the USPTO XML grants "
                   "(`patsift parse`), one record per id: %s documents. Queries: the claims "
                   "(all of them, joined) of each utility grant (kind B*, with claims): %d. The "
                   "grant itself is the one right answer; recall@N = share of queries that "
                   "rank it in the top N, MRR = mean of 1/rank (0 beyond rank 100). patsift "
                   "`or` = `--queries` (the same OR query as the peers); patsift `doc` = "
                   "`--doc` of a JSONL with id and claims (its query-by-document mode)." % (
                       k.get("background", "?"), fmt(k["docs"]), k["targets"]))
        out.append("")
        rows = []
        for r in k["results"]:
            rows.append([PEER_NAMES[r["engine"]], r["mode"], fmt(r["queries"]),
                         "%.3f" % r["recall_1"], "%.3f" % r["recall_10"], "%.3f" % r["recall_100"],
                         "%.3f" % r["mrr"], fmt(r.get("terms_mean")), ms(r["p50_us"]),
                         ms(r.get("p99_us")), ", ".join(r.get("missed", [])[:5]) or "-"])
        out.append(table(["engine", "mode", "queries", "recall@1", "recall@10", "recall@100",
                          "MRR", "terms", "p50 ms", "p99 ms", "not in the top 100"], rows))
        out.append("")

    if peers:
        lines, why = peer_plots(peers, out_path)
        if lines:
            out.append("### Scaling with the corpus size (log-log)")
            out.append("")
            out += lines
        elif why:
            out.append("(%s)" % why)
            out.append("")
    obs = peer_observations(peers, known)
    if obs:
        out.append("### Observations (computed from the numbers above)")
        out.append("")
        out += ["- " + x for x in obs]
        out.append("")
    return out


def cmd_markdown(args):
    if len(args) != 4:
        print("usage: report.py markdown META RESULTS RSS OUT", file=sys.stderr)
        return 2
    meta, notes, libs = {}, [], []
    with open(args[0], encoding="utf-8") as f:
        for ln in f:
            ln = ln.rstrip("\n")
            if "\t" not in ln:
                continue
            k, v = ln.split("\t", 1)
            if k == "note":
                notes.append(v)
            elif k == "lib":
                libs.append(v.split("\t"))
            else:
                meta[k] = v
    lines = load_lines(args[1])
    parse = [json.loads(ln) for ln in lines if '"bench":"parse"' in ln]
    analyze = [json.loads(ln) for ln in lines if '"bench":"analyze"' in ln]
    index = [json.loads(ln) for ln in lines if '"bench":"index"' in ln]
    peers = [json.loads(ln) for ln in lines if '"bench":"peers"' in ln]
    known = [json.loads(ln) for ln in lines if '"bench":"known_item"' in ln]
    lines = [ln for ln in lines if '"bench":"peers"' not in ln and '"bench":"known_item"' not in ln]
    rss = []
    try:
        with open(args[2], encoding="utf-8") as f:
            cur = {}
            for ln in f:
                parts = ln.rstrip("\n").split("\t")
                if len(parts) != 3:
                    continue
                label, k, v = parts
                if cur.get("label") != label:
                    cur = {"label": label}
                    rss.append(cur)
                cur[k] = v
    except OSError:
        pass

    out = []
    out.append("# patsift benchmarks: %s on %s" % (meta.get("date", "?"), meta.get("host", "?")))
    out.append("")
    out.append("Written by `%sbench/run.sh%s %s`. See `bench/README.md` for what each number "
               "means. Throughput is in MB/s with MB = 10^6 bytes; a time is the median "
               "(or min, \"best\") of the repeated runs." %
               ("BENCH_SCALE=1m " if meta.get("scale") == "1m" else "",
                " --smoke" if meta.get("mode") == "smoke" else "", meta.get("build", "build")))
    out.append("")
    out.append("## Machine")
    out.append("")
    out.append(table(["what", "value"], [
        ["date", meta.get("datetime", meta.get("date", "?"))],
        ["host", meta.get("host", "?")],
        ["CPU", meta.get("cpu", "?")],
        ["cores (online)", meta.get("cores", "?")],
        ["memory", meta.get("memory", "?")],
        ["kernel", meta.get("kernel", "?")],
        ["compiler", meta.get("compiler", "?")],
        ["CFLAGS", meta.get("cflags", "?")],
        ["source tree", meta.get("source", "?")],
        ["parts run", "%s; generated corpus scale: %s" % (meta.get("only", "?"), meta.get("scale", "?"))],
        ["load average before / after", "%s / %s" % (meta.get("load_before", "?"),
                                                     meta.get("load_after", "?"))],
        ["CPU stolen by the hypervisor during the run", meta.get("steal", "?")],
        ["CPU used by other processes during the run", meta.get("others", "?")],
    ]))
    out.append("")
    out.append("The machine may be shared: other work running at the same time (see the load "
               "average and the CPU used by other processes above) lowers throughput and "
               "especially the 2-thread speedup. Compare runs on the same machine only.")
    out.append("")
    if libs:
        out.append("Library versions (dpkg-query):")
        out.append("")
        out.append(table(["package", "version"], libs))
        out.append("")
    if peers:
        out += peer_headline(peers)

    if parse:
        out.append("## Reader throughput (bench_parse, 1 thread)")
        out.append("")
        out.append("Each input set is read once untimed (page cache warm), then timed "
                   "`repeat` times; MB is uncompressed input bytes.")
        out.append("")
        rows = []
        for o in parse:
            rows.append([o["label"], o["format"], fmt(o["files"]), fmt(o["records"]),
                         fmt(o["skipped"]), fmt(o["mb"]), fmt(o["repeat"]),
                         fmt(o["seconds_median"]), fmt(o["seconds_min"]), fmt(o["mb_s"]),
                         fmt(o["mb_s_best"]), fmt(o["records_s"])])
        out.append(table(["input", "format", "files", "records", "non-patents skipped", "MB",
                          "runs", "median s", "min s", "MB/s", "best MB/s", "records/s"], rows))
        out.append("")

    if analyze:
        out.append("## Analysis throughput (bench_analyze)")
        out.append("")
        out.append("All records in memory first; then `ps_analyze_record` over all of them, "
                   "timed. MB is title + abstract + claims + description text. "
                   "\"analyzers made by\": `in-threads` = each thread creates its own (the "
                   "default, as `patsift analyze --corpus` does), `main` = the main thread "
                   "creates them all (`--create-on-main`, shows false sharing). CPU util = process CPU seconds / wall seconds (ideal: "
                   "the thread count). Others' CPUs = how many CPUs other processes on the machine "
                   "kept busy meanwhile (from /proc/stat; 0 on a quiet machine).")
        out.append("")
        rows = []
        for o in analyze:
            rows.append([o["label"], "yes" if o["stem"] else "no", o["create"], o["threads"],
                         fmt(o["docs"]), fmt(o["bytes"] / 1e6), fmt(o["tokens"]),
                         fmt(o["repeat"]), fmt(o["seconds_median"]), fmt(o["seconds_min"]),
                         fmt(o["mb_s"]), fmt(o["mb_s_best"]), fmt(o["tokens_s"]),
                         fmt(o["speedup"]), fmt(o["cpu_util"]), fmt(o["other_cpus"], 2)])
        out.append(table(["input", "stem", "analyzers made by", "threads", "docs", "MB",
                          "tokens", "runs", "median s", "min s", "MB/s", "best MB/s",
                          "tokens/s", "speedup", "CPU util", "others' CPUs"], rows))
        out.append("")

        out.append("### Speedup, 2 threads / 1 thread")
        out.append("")
        groups = {}
        for o in analyze:
            groups.setdefault((o["label"], o["stem"], o["create"]), {})[o["threads"]] = o
        rows, observations, rows_fs = [], [], []
        for (label, stem, create), by in groups.items():
            if 1 in by and 2 in by:
                s_med = by[1]["seconds_median"] / by[2]["seconds_median"]
                s_min = by[1]["seconds_min"] / by[2]["seconds_min"]
                rows.append([label, "yes" if stem else "no", create, fmt(s_med), fmt(s_min),
                             fmt(by[2]["cpu_util"]), fmt(busy(by[1]), 2), fmt(busy(by[2]), 2)])
                worst = max(busy(by[1]) or 0, busy(by[2]) or 0)
                if worst > 0.25:
                    observations.append(
                        "%s (stem %s, analyzers made by %s): other processes kept up to %.2f "
                        "CPUs busy during these runs (2-thread CPU util %.2f), so the speedup "
                        "%.2f says more about the machine than about the code." %
                        (label, "on" if stem else "off", create, worst, by[2]["cpu_util"], s_med))
        out.append(table(["input", "stem", "analyzers made by", "speedup (median)",
                          "speedup (best)", "CPU util at 2 threads", "others' CPUs at 1 thread",
                          "others' CPUs at 2 threads"], rows))
        out.append("")
        for label in sorted({k[0] for k in groups}):
            a = groups.get((label, True, "main"), {})
            b = groups.get((label, True, "in-threads"), {})
            if 1 in a and 2 in a and 1 in b and 2 in b:
                sa = a[1]["seconds_median"] / a[2]["seconds_median"]
                sb = b[1]["seconds_median"] / b[2]["seconds_median"]
                rows_fs.append([label, fmt(sa), fmt(sb)])
            if 1 in a and 2 in a and 1 in b and 2 in b:
                sa = a[1]["seconds_median"] / a[2]["seconds_median"]
                sb = b[1]["seconds_median"] / b[2]["seconds_median"]
                quiet = all((busy(x) or 0) <= 0.25 for x in (a[1], a[2], b[1], b[2]))
                if sb - sa > 0.15 and quiet and min(a[2]["cpu_util"], b[2]["cpu_util"]) >= 1.8:
                    observations.append(
                        "%s: analyzers made on the main thread scale %.2fx, made in their own "
                        "threads %.2fx, with both CPUs busy in either case: the threads slow each "
                        "other down through shared cache lines (false sharing), not through a "
                        "lock. See \"False sharing\" in bench/README.md." % (label, sa, sb))

        if rows_fs:
            out.append("### Where the analyzers are created (2-thread speedup)")
            out.append("")
            out.append("Analyzers created one after another by the main thread put their "
                       "libstemmer state in shared cache lines; see \"False sharing\" in "
                       "bench/README.md.")
            out.append("")
            out.append(table(["input", "created on main", "created in threads"], rows_fs))
            out.append("")

        out.append("### Stemmer share of the analysis time")
        out.append("")
        rows = []
        for (label, stem, create), by in groups.items():
            if not stem:
                continue
            ns = groups.get((label, False, create), {})
            for t in sorted(by):
                if t in ns:
                    ts, tn = by[t]["seconds_median"], ns[t]["seconds_median"]
                    rows.append([label, create, t, fmt(ts), fmt(tn), "%.0f%%" % (100 * (1 - tn / ts))])
        if rows:
            out.append("share = 1 - (time without stemmer / time with it), same input, same threads.")
            out.append("")
            out.append(table(["input", "analyzers made by", "threads", "median s with stemmer",
                              "median s without", "stemmer share"], rows))
        else:
            out.append("(no --no-stem runs)")
        out.append("")
        if observations:
            out.append("### Observations (computed from the numbers above)")
            out.append("")
            out += ["- " + s for s in observations]
            out.append("")

    if rss or "rss" in meta.get("only", "rss").split(","):
        out.append("## Peak memory: `patsift analyze --corpus --threads 2`")
        out.append("")
        if rss:
            rows = []
            for r in rss:
                kb = r.get("max_rss_kb")
                rows.append([r["label"], fmt(int(kb) / 1024) + " MiB" if kb and kb.isdigit() else "?",
                             r.get("wall", "?"), r.get("cpu", "?"), r.get("exit", "?"),
                             r.get("speed", "-")])
            out.append("Measured with `/usr/bin/time -v` (maximum resident set size); the CLI "
                       "reads in batches of 2048 records, so memory should not grow with the corpus.")
            out.append("")
            out.append(table(["input", "peak RSS", "wall", "CPU", "exit", "CLI's own speed line"], rows))
        else:
            out.append("(not measured)")
        out.append("")
    if index:
        out += index_section(index, meta)
    if peers or known:
        out += peer_section(peers, known, meta, args[3])
    if notes:
        out.append("## Skipped and notes")
        out.append("")
        out += ["- " + n for n in notes]
        out.append("")
    out.append("## Raw results")
    out.append("")
    if lines or not (peers or known):
        out.append("<details><summary>JSON lines from bench_parse, bench_analyze and bench_index.py</summary>")
        out.append("")
        out.append("```json")
        out += lines
        out.append("```")
        out.append("")
        out.append("</details>")
        out.append("")
    if peers or known:
        out.append("<details><summary>JSON lines from bench_peers.py (one per corpus, and the "
                   "known-item run)</summary>")
        out.append("")
        out.append("```json")
        out += [json.dumps(o, separators=(",", ":")) for o in peers + known]
        out.append("```")
        out.append("")
        out.append("</details>")
        out.append("")
    with open(args[3], "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    return 0


def main(argv):
    cmds = {"check": cmd_check, "field": cmd_field, "markdown": cmd_markdown}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
