#!/usr/bin/env python3
"""Helpers for bench/run.sh: check benchmark output, write the Markdown report.

  report.py check KIND FILE N [--same-tokens-as FILE2]
      FILE must hold exactly N JSON lines of bench KIND (parse or analyze),
      each with every field present, of the right type and plausible
      (counts > 0, finite times > 0). With --same-tokens-as, every analyze
      line of FILE must report the same docs/bytes/tokens as those of FILE2.
      Prints one summary line; exit status 1 on any problem.

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
}
POSITIVE = {"parse": ["files", "records", "bytes", "mb", "repeat", "seconds_median",
                      "seconds_min", "mb_s", "mb_s_best", "records_s"],
            "analyze": ["threads", "docs", "bytes", "tokens", "repeat", "chunk",
                        "seconds_median", "seconds_min", "mb_s", "mb_s_best", "tokens_s",
                        "cpu_util"]}


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
    return recs, problems


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
    out.append("Written by `bench/run.sh%s %s`. See `bench/README.md` for what each number "
               "means. Throughput is in MB/s with MB = 10^6 bytes; a time is the median "
               "(or min, \"best\") of the repeated runs." %
               (" --smoke" if meta.get("mode") == "smoke" else "", meta.get("build", "build")))
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
    if notes:
        out.append("## Skipped and notes")
        out.append("")
        out += ["- " + n for n in notes]
        out.append("")
    out.append("## Raw results")
    out.append("")
    out.append("<details><summary>JSON lines from bench_parse and bench_analyze</summary>")
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
    if len(argv) < 2 or argv[1] not in ("check", "markdown"):
        print(__doc__, file=sys.stderr)
        return 2
    return cmd_check(argv[2:]) if argv[1] == "check" else cmd_markdown(argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
