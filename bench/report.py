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

  report.py markdown META RESULTS RSS OUT
      META: key<TAB>value lines (machine, versions, notes); RESULTS: the JSON
      lines of all runs; RSS: label<TAB>key<TAB>value lines from the
      /usr/bin/time runs (may be empty). Writes the report to OUT.

No wall-clock thresholds anywhere: only shape and consistency are checked.
"""
import json
import math
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
INDEX_KINDS = ["lexicon", "postings", "positions", "documents", "stored", "deletions", "total"]
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
    if kind not in FIELDS:
        print("check: unknown kind %r" % kind)
        return 2
    try:
        lines = load_lines(path)
    except OSError as e:
        print("check: %s" % e)
        return 1
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
    if kind == "parse":
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
        out.append("`-t 1` is one *analysis* thread; the caller's thread reads the next batch "
                   "meanwhile, so `-t 1` alone already uses more than one CPU. The pinned run "
                   "(`taskset -c 0 patsift index -t 1`) shows what one core does; its ratio to "
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
                   "title, abstract, claims, zstd); documents (`.doc`) = per-document metadata. "
                   "The input JSONL file is larger than its text (ids, dates, JSON syntax).")
        out.append("")
        rows = []
        for (label, variant, segs), o in sized.items():
            b = o["bytes"]
            name = label if variant == "main" else "%s, --mem-budget %s" % (label, size_str(o["mem_budget"]))
            rows.append([name, mb(o["text_bytes"]), mb(o["input_bytes"]), fmt(segs),
                         fmt(o["terms"]), mb(b["lexicon"]), mb(b["postings"]), mb(b["positions"]),
                         mb(b["documents"]), mb(b["stored"]), mb(b["total"]),
                         "%.1f%%" % o["inverted_pct"], "%.1f%%" % o["total_without_stored_pct"],
                         "%.1f%%" % o["total_pct"], "%.1f%%" % o["stored_pct"]])
        out.append(table(["input", "text MB", "JSONL MB", "segments", "terms", "lexicon MB",
                          "postings MB", "positions MB", "documents MB", "stored MB", "total MB",
                          "inverted index", "total without stored", "total with stored",
                          "stored alone"], rows))
        out.append("")
        for o in main:
            if not o["same_index"]:
                observations.append("%s, %d threads: the repeated builds did not write the same "
                                     "index (sizes or MANIFEST checksums differ)." % (o["label"], o["threads"]))

    out.append("### Peak memory and the memory budget")
    out.append("")
    out.append("`--mem-budget` bounds the in-memory segment: when its estimate plus room for the "
               "next batch passes the budget, the segment is written out and a new one started. "
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
    if notes:
        out.append("## Skipped and notes")
        out.append("")
        out += ["- " + n for n in notes]
        out.append("")
    out.append("## Raw results")
    out.append("")
    out.append("<details><summary>JSON lines from bench_parse, bench_analyze and bench_index.py</summary>")
    out.append("")
    out.append("```json")
    out += lines
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
