#!/usr/bin/env python3
"""How many terms should a query document keep? (patsift search --terms)

Known-item retrieval on real data: an index of title + abstract of every
shared document (the PatentsView abstracts and the USPTO XML grants); each
utility grant, queried by its claims alone, should find itself. For each
--terms value: recall@1, recall@10, MRR and the median latency; and the same
claims as a plain OR of all their terms (what the peers run), for reference.

usage: bench/query_terms.py BUILD_DIR DATA_DIR OUT.md
"""
import json
import os
import subprocess
import sys
import tempfile

from benchlib import ranks_of, recall_mrr

TERMS = [10, 20, 40, 60, 100, 200, 1000]


def known_item(results, timings):
    ranks = ranks_of(results)
    rows = [line.rstrip("\n").split("\t") for line in open(timings)]
    n = len(rows)
    lat = sorted(float(r[2]) + float(r[3]) for r in rows)
    terms = sorted(int(r[1]) for r in rows)
    r1, r10, mrr = recall_mrr(ranks, [r[0] for r in rows])
    return {
        "queries": n,
        "r1": r1,
        "r10": r10,
        "mrr": mrr,
        "p50_us": lat[n // 2],
        "terms": terms[n // 2],
    }


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    build, data, out = sys.argv[1:]
    cli = os.path.join(build, "patsift")
    tmp = tempfile.mkdtemp(prefix="patsift-terms.")
    grants = os.path.join(tmp, "grants.jsonl")
    with open(grants, "w") as f:
        subprocess.run([cli, "parse", "-q", os.path.join(data, "uspto-xml")], stdout=f, check=True)
    claims_doc, claims_tsv = os.path.join(tmp, "claims.jsonl"), os.path.join(tmp, "claims.tsv")
    with open(grants) as f, open(claims_doc, "w") as d, open(claims_tsv, "w") as t:
        for line in f:
            r = json.loads(line)
            if not r.get("kind", "").startswith("B") or not r.get("claims"):
                continue  # utility grants with claims only
            d.write(json.dumps({"id": r["id"], "claims": r["claims"]}) + "\n")
            text = " ".join(c["text"] if isinstance(c, dict) else c for c in r["claims"])
            t.write(r["id"] + "\t" + " ".join(text.split()) + "\n")
    idx = os.path.join(tmp, "idx")
    subprocess.run([cli, "index", "-q", "-o", idx, "--weight", "title=1", "--weight", "abstract=1",
                    "--weight", "claims=0", "--weight", "description=0",
                    os.path.join(data, "patentsview-abstracts.jsonl"), grants], check=True)
    rows = []
    for n in TERMS:
        res, tim = os.path.join(tmp, f"r{n}.tsv"), os.path.join(tmp, f"t{n}.tsv")
        with open(res, "w") as f:
            subprocess.run([cli, "search", idx, "--doc", claims_doc, "--before", "none", "-k", "100", "-t", "1",
                            "-f", "tsv", "--terms", str(n), "--timings", tim], stdout=f, check=True)
        rows.append((f"--doc --terms {n}", known_item(res, tim)))
    res, tim = os.path.join(tmp, "ror.tsv"), os.path.join(tmp, "tor.tsv")
    with open(res, "w") as f:
        subprocess.run([cli, "search", idx, "--queries", claims_tsv, "-k", "100", "-t", "1", "-f", "tsv",
                        "--timings", tim], stdout=f, check=True)
    rows.append(("--queries (OR of every term, weight 1)", known_item(res, tim)))
    docs = sum(1 for _ in open(os.path.join(data, "patentsview-abstracts.jsonl"))) + sum(1 for _ in open(grants))
    with open(out, "w") as f:
        f.write("# Query-by-document: how many terms to keep (known-item retrieval)\n\n")
        f.write(f"Index: title + abstract of {docs} real documents (PatentsView abstracts and the USPTO XML grants "
                "in ../shared/data), weights 1 and 1. Queries: the claims of each of the "
                f"{rows[0][1]['queries']} utility grants; the right answer is that grant. "
                "Top 100, one thread; latency = analysis + search, median. Written by bench/query_terms.py.\n\n")
        f.write("| query | median terms | recall@1 | recall@10 | MRR | p50 latency (us) |\n|---|---|---|---|---|---|\n")
        for name, r in rows:
            f.write(f"| {name} | {r['terms']} | {r['r1']:.3f} | {r['r10']:.3f} | {r['mrr']:.3f} | {r['p50_us']:.0f} |\n")
    subprocess.run(["rm", "-rf", tmp])
    print(f"query_terms: wrote {out}")


if __name__ == "__main__":
    main()
