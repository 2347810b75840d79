"""Pieces the benchmark scripts share (import benchlib: the scripts run
from this folder)."""


def cpu_busy():
    """Busy jiffies of all CPUs (total - idle - iowait), or None."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v) - v[3] - v[4]
    except (OSError, ValueError, IndexError):
        return None


def r6(v):
    """v to 6 significant digits (None stays None)."""
    return None if v is None else float("%.6g" % v)


def ranks_of(results, want=None):
    """Results TSV (QUERY_ID RANK DOC_ID SCORE) -> {query: rank of its wanted
    document}; want maps a query to that document, None: the query's own id."""
    r = {}
    with open(results) as f:
        for line in f:
            q, rank, d, _ = line.rstrip("\n").split("\t")
            if (d == q if want is None else want.get(q) == d) and q not in r:
                r[q] = int(rank)
    return r


def recall_mrr(ranks, queries):
    """recall@1, recall@10 and MRR of the wanted documents' ranks over queries."""
    n = len(queries)
    return (sum(1 for q in queries if ranks.get(q) == 1) / n,
            sum(1 for q in queries if ranks.get(q, 10**9) <= 10) / n,
            sum(1 / ranks[q] for q in queries if q in ranks) / n)
