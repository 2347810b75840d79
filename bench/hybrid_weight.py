#!/usr/bin/env python3
"""How much should the Jaccard estimate weigh in --rerank hybrid?

Two tasks, each at several weights W (0 = plain BM25F):
1. near-duplicate retrieval: a generated corpus with planted near-duplicates
   (edited copies, 5-60% of title and abstract words changed); each copy,
   as a query document, should find its source (MRR, recall@1);
2. topical known-item retrieval (must not suffer): each real utility grant,
   queried by its claims against the titles and abstracts of the shared
   documents, should find itself (recall@1, MRR).

usage: bench/hybrid_weight.py BUILD_DIR DATA_DIR OUT.md
"""
import json
import os
import subprocess
import sys
import tempfile

from benchlib import ranks_of, recall_mrr

WEIGHTS = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0]


def search(cli, idx, doc, weight, out, extra):
    cmd = [cli, "search", idx, "--doc", doc, "--before", "none", "-k", "10", "-f", "tsv"] + extra
    if weight > 0:
        cmd += ["--rerank", "hybrid", "--hybrid-weight", str(weight)]
    with open(out, "w") as f:
        subprocess.run(cmd, stdout=f, check=True)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    build, data, out = sys.argv[1:]
    cli, gen = os.path.join(build, "patsift"), os.path.join(build, "patsift-gen")
    tmp = tempfile.mkdtemp(prefix="patsift-hybrid.")
    corpus, truth = os.path.join(tmp, "g.jsonl"), os.path.join(tmp, "truth.tsv")
    subprocess.run([gen, "--docs", "20000", "--seed", "7", "--dup-rate", "0.05", "--dup-edit", "0.05,0.6",
                    "--learn", os.path.join(data, "patentsview-abstracts.jsonl"), "--truth", truth,
                    "--out", corpus], check=True)
    source = {}
    with open(truth) as f:
        next(f)
        for line in f:
            a, b, _ = line.rstrip("\n").split("\t")
            source[b] = a
    dups = os.path.join(tmp, "dups.jsonl")
    with open(corpus) as f, open(dups, "w") as o:
        for line in f:
            if json.loads(line)["id"] in source:
                o.write(line)
    idx = os.path.join(tmp, "gidx")
    subprocess.run([cli, "index", "-q", "-o", idx, corpus], check=True)

    grants = os.path.join(tmp, "grants.jsonl")
    with open(grants, "w") as f:
        subprocess.run([cli, "parse", "-q", os.path.join(data, "uspto-xml")], stdout=f, check=True)
    claims = os.path.join(tmp, "claims.jsonl")
    self_of = {}
    with open(grants) as f, open(claims, "w") as o:
        for line in f:
            r = json.loads(line)
            if r.get("kind", "").startswith("B") and r.get("claims"):
                o.write(json.dumps({"id": r["id"], "claims": r["claims"]}) + "\n")
                self_of[r["id"]] = r["id"]
    kidx = os.path.join(tmp, "kidx")
    subprocess.run([cli, "index", "-q", "-o", kidx, "--weight", "title=1", "--weight", "abstract=1",
                    "--weight", "claims=0", "--weight", "description=0",
                    os.path.join(data, "patentsview-abstracts.jsonl"), grants], check=True)
    rows = []
    for w in WEIGHTS:
        res = os.path.join(tmp, "d%s.tsv" % w)
        search(cli, idx, dups, w, res, ["--exclude-self"])
        d1, _, dm = recall_mrr(ranks_of(res, source), list(source))
        res = os.path.join(tmp, "k%s.tsv" % w)
        search(cli, kidx, claims, w, res, [])
        k1, _, km = recall_mrr(ranks_of(res), list(self_of))
        rows.append((w, d1, dm, k1, km))
    with open(out, "w") as f:
        f.write("# --rerank hybrid: the weight of the Jaccard estimate\n\n")
        f.write("Written by bench/hybrid_weight.py. Near-duplicates: 20,000 generated documents "
                f"(seed 7, learned from the PatentsView abstracts), {len(source)} planted edited copies "
                "(5-60% of title and abstract words changed); each copy as a query document "
                "(--exclude-self) should find its source. Known items: the "
                f"{len(self_of)} real utility grants, queried by their claims against the titles and "
                "abstracts of the shared documents. Top 10, W = 0 is plain BM25F.\n\n")
        f.write("| W | near-dup recall@1 | near-dup MRR | known-item recall@1 | known-item MRR |\n"
                "|---|---|---|---|---|\n")
        for w, d1, dm, k1, km in rows:
            f.write(f"| {w} | {d1:.3f} | {dm:.3f} | {k1:.3f} | {km:.3f} |\n")
    subprocess.run(["rm", "-rf", tmp])
    print(f"hybrid_weight: wrote {out}")


if __name__ == "__main__":
    main()
