#!/usr/bin/env bash
# patsift benchmarks. Usage: bench/run.sh [--smoke] [--out FILE] BUILD_DIR
#
# Full mode (`make bench`): reader and analysis throughput on the real data
# in ../shared/data (relative to the repo root) and on a 200,000-document
# generated corpus, peak RSS of `patsift analyze --corpus --threads 2`, and
# the index build (`patsift index` at 1 and 2 threads, sizes, peak RSS,
# jemalloc vs glibc malloc, a --mem-budget run), and patsift against its
# peers Lucene, Xapian and SQLite FTS5 (bench/bench_peers.py: index build,
# query latency and throughput, agreement, known-item retrieval, on 10,000
# and 100,000 generated documents and PatentsView); writes
# bench/results/YYYY-MM-DD-<hostname>.md (or --out FILE) and, for the
# peers, two PNG plots next to it.
#
# Smoke mode (`make test`): tiny inputs, one repeat, output in a temp dir
# only; the peers run on 300 generated documents and 10 queries. Fails
# (exit 1) when a benchmark program crashes, exits non-zero or prints
# malformed output; never on speed. Last line:
#   bench smoke: N passed, M failed
#
# Environment: PATSIFT_DATA (default ../shared/data from the repo root),
# BENCH_REPEAT (default 5), BENCH_REPEAT_BIG (generated corpus, default 3),
# BENCH_GEN_DOCS (default 200000), BENCH_SCALE=1m (generated corpus of
# 1,000,000 documents; report named ...-1m.md; the peers also run on
# 1,000,000 documents), BENCH_ONLY (some of parse,analyze,rss,index,peers,
# and minhash: not in the default set, MinHash quality and cost in a report
# of its own),
# BENCH_INDEX_BUDGET (default 256M), BENCH_GLIBC_BUILD (default
# BUILD_DIR/glibc), BENCH_PEER_DOCS (generated corpus sizes for the peers,
# default 10000,100000; 10000,100000,1000000 at BENCH_SCALE=1m),
# BENCH_PEER_QUERIES (per query file, default 200; 100 at 1,000,000
# documents), BENCH_PEER_ENGINES (default patsift,lucene,xapian,fts5),
# BENCH_PEER_BUILD_RUNS (patsift's and Lucene's builds, each repeated in
# interleaved rounds, median reported; default 1, 3 at 1,000,000 documents),
# BENCH_KEEP=1 (keep the temp dir with the peers' raw files), TMPDIR.
set -u

usage() {
    echo "usage: bench/run.sh [--smoke] [--out FILE] BUILD_DIR" >&2
    exit 2
}

SMOKE=0
OUT=
BUILD=
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) SMOKE=1 ;;
        --out) [ $# -ge 2 ] || usage; OUT=$2; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) usage ;;
        *) [ -z "$BUILD" ] || usage; BUILD=$1 ;;
    esac
    shift
done
[ -n "$BUILD" ] || usage

ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
DATA=${PATSIFT_DATA:-$ROOT/../shared/data}
PV=$DATA/patentsview-abstracts.jsonl
XMLDIR=$DATA/uspto-xml/weekly-grants
BA=$BUILD/bench/bench_analyze
BP=$BUILD/bench/bench_parse
CLI=$BUILD/patsift
GEN=$BUILD/patsift-gen
REPORT="python3 $ROOT/bench/report.py"
BI="python3 $ROOT/bench/bench_index.py"
BPP="python3 $ROOT/bench/bench_peers.py"
PEERS_DIR=$BUILD/peers
REPEAT=${BENCH_REPEAT:-5}
REPEAT_BIG=${BENCH_REPEAT_BIG:-3}
SCALE=${BENCH_SCALE:-default}
case "$SCALE" in
    default|200k) SCALE=default; GEN_DOCS=${BENCH_GEN_DOCS:-200000}
        PEER_DOCS=${BENCH_PEER_DOCS:-10000,100000} ;;
    1m|1M) SCALE=1m; GEN_DOCS=${BENCH_GEN_DOCS:-1000000}
        PEER_DOCS=${BENCH_PEER_DOCS:-10000,100000,1000000} ;;
    *) echo "bench: BENCH_SCALE must be 'default' or '1m', not '$SCALE'" >&2; exit 2 ;;
esac
ONLY=${BENCH_ONLY:-parse,analyze,rss,index,peers}
for part in ${ONLY//,/ }; do
    case "$part" in
        parse|analyze|rss|index|peers|minhash) ;;
        *) echo "bench: BENCH_ONLY takes parse, analyze, rss, index, peers, minhash (comma-separated), not '$part'" >&2; exit 2 ;;
    esac
done
PEER_QUERIES=${BENCH_PEER_QUERIES:-200}
INDEX_BUDGET=${BENCH_INDEX_BUDGET:-256M}
GLIBC_BUILD=${BENCH_GLIBC_BUILD:-$BUILD/glibc}
case "$GLIBC_BUILD" in /*) ;; *) GLIBC_BUILD=$ROOT/$GLIBC_BUILD ;; esac
# want PART: is PART (parse, analyze, rss, index, peers) in BENCH_ONLY?
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/patsift-bench.XXXXXX") || exit 1
if [ -n "${BENCH_KEEP:-}" ]; then
    trap 'echo "bench: temp files kept in $TMP"' EXIT
else
    trap 'rm -rf "$TMP"' EXIT
fi
trap 'exit 130' INT TERM

RESULTS=$TMP/results.jsonl   # every JSON line, for the report
META=$TMP/meta.tsv           # key<TAB>value for the report
RSS=$TMP/rss.tsv             # label<TAB>key<TAB>value from /usr/bin/time
: >"$RESULTS"
: >"$META"
: >"$RSS"

say() { echo "bench: $*"; }
note() { say "$*"; printf 'note\t%s\n' "$*" >>"$META"; }

have_data=0
if [ -f "$PV" ] && [ -d "$XMLDIR" ]; then
    have_data=1
else
    note "real data not found at $DATA (patentsview-abstracts.jsonl, uspto-xml/weekly-grants): skipping the parts that need it"
fi

# ---------------------------------------------------------------- running

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); say "ok   $1${2:+: $2}"; }
fail() {
    FAILED=$((FAILED + 1))
    say "FAIL $1${2:+: $2}"
    if [ -s "$TMP/err" ]; then sed 's/^/    | /' "$TMP/err" | tail -n 20; fi
}

# run NAME OUTFILE CMD...: runs CMD with stdout to OUTFILE, stderr to
# $TMP/err (shown on failure), and says how it ended. Returns CMD's status.
run() {
    local name=$1 out=$2
    shift 2
    "$@" >"$out" 2>"$TMP/err"
    local rc=$?
    if [ $rc -gt 128 ]; then
        say "$name: killed by signal $((rc - 128)) (crash?)"
    elif [ $rc -ne 0 ]; then
        say "$name: exit status $rc"
    fi
    return $rc
}

# bench NAME KIND N CMD...: runs one benchmark program and checks its output
# is N well-formed JSON lines of KIND; keeps them for the report.
bench() {
    local name=$1 kind=$2 n=$3
    shift 3
    local out=$TMP/out.$PASSED.$FAILED.jsonl
    if ! run "$name" "$out" "$@"; then
        fail "$name" "the program failed"
        return 1
    fi
    [ "$SMOKE" = 1 ] || cat "$TMP/err" >&2
    local msg
    if msg=$($REPORT check "$kind" "$out" "$n" 2>&1); then
        pass "$name" "$msg"
        cat "$out" >>"$RESULTS"
        cp "$out" "$TMP/last.jsonl"
        # (the peers' lines are long: they go to the report only)
        [ "$SMOKE" = 1 ] || [ "$kind" = peers ] || [ "$kind" = known_item ] || sed 's/^/    /' "$out"
        return 0
    fi
    : >"$TMP/err"
    fail "$name" "$msg"
    return 1
}

# rss LABEL INPUT...: peak RSS of `patsift analyze --corpus --threads 2`.
rss() {
    local label=$1
    shift
    if [ ! -x /usr/bin/time ]; then
        note "/usr/bin/time not found (Debian package 'time'): peak RSS not measured"
        return 0
    fi
    if [ ! -x "$CLI" ]; then
        note "$CLI not built: peak RSS not measured"
        return 0
    fi
    /usr/bin/time -v -o "$TMP/time.txt" "$CLI" analyze --corpus --threads 2 --top 0 "$@" \
        >"$TMP/cli.txt" 2>"$TMP/err"
    local rc=$?
    local kb wall cpu
    kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): *\([0-9]*\).*/\1/p' "$TMP/time.txt")
    wall=$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time.*): *//p' "$TMP/time.txt")
    cpu=$(sed -n 's/^[[:space:]]*Percent of CPU this job got: *//p' "$TMP/time.txt")
    {
        printf '%s\tmax_rss_kb\t%s\n' "$label" "${kb:-?}"
        printf '%s\twall\t%s\n' "$label" "${wall:-?}"
        printf '%s\tcpu\t%s\n' "$label" "${cpu:-?}"
        printf '%s\texit\t%s\n' "$label" "$rc"
        printf '%s\tspeed\t%s\n' "$label" "$(sed -n 's/^analysis speed *//p' "$TMP/cli.txt")"
    } >>"$RSS"
    if [ $rc -ne 0 ] || [ -z "$kb" ]; then
        fail "peak RSS of patsift analyze --corpus ($label)" "exit $rc, RSS '${kb:-none}'"
        return 1
    fi
    pass "peak RSS of patsift analyze --corpus ($label)" "$((kb / 1024)) MiB, $wall"
}

# ---------------------------------------------------------------- index build

# text_bytes LABEL: the input text bytes of LABEL measured earlier in this
# run (bench_parse, else an index line), or nothing.
text_bytes() {
    $REPORT field "$RESULTS" parse "$1" text_bytes 2>/dev/null ||
        $REPORT field "$RESULTS" index "$1" text_bytes 2>/dev/null
}

# index_bench LABEL REPEAT INPUT: 1- and 2-thread builds, REPEAT each.
index_bench() {
    local label=$1 repeat=$2 input=$3 tb
    tb=$(text_bytes "$label")
    bench "index build $label" index 2 $BI --cli "$CLI" --bench-parse "$BP" --threads 1,2 --repeat "$repeat" \
        --label "$label" ${tb:+--text-bytes "$tb"} --workdir "$TMP" "$input"
}

# pinned_bench LABEL REPEAT INPUT: -t 1 pinned to CPU 0.
pinned_bench() {
    local label=$1 repeat=$2 input=$3 tb
    tb=$(text_bytes "$label")
    bench "index build $label, 1 thread pinned to 1 CPU" index 1 $BI --cli "$CLI" --bench-parse "$BP" --threads 1 \
        --repeat "$repeat" --cpus 0 --variant 1cpu --label "$label" ${tb:+--text-bytes "$tb"} \
        --workdir "$TMP" "$input"
}

# objects_sum DIR: checksum of the objects a patsift binary is linked from.
objects_sum() { cat "$1/libpatsift.a" "$1"/src/cli/*.o 2>/dev/null | md5sum | cut -d' ' -f1; }

# freeze_cli: the full run uses a copy of BUILD/patsift taken now, so a
# rebuild during the run (make in another terminal) cannot mix two builds in
# one report.
BUILT_SUM=
freeze_cli() {
    [ -x "$CLI" ] || return 0
    mkdir -p "$TMP/bin" && cp "$CLI" "$TMP/bin/patsift" || return 0
    BUILT_SUM=$(objects_sum "$BUILD")
    CLI=$TMP/bin/patsift
}

# glibc_build: builds GLIBC_BUILD/patsift from the same sources without
# jemalloc (make BUILD=... ALLOC_LIBS=) and sets GLIBC_CLI to a copy of it
# when that worked. Run right after freeze_cli.
GLIBC_CLI=
glibc_build() {
    local rel=$GLIBC_BUILD
    case "$rel" in "$ROOT"/*) rel=${rel#"$ROOT"/} ;; esac
    if ! command -v make >/dev/null 2>&1; then
        note "make not found: jemalloc vs glibc malloc not measured"
        return 1
    fi
    say "building $rel/patsift without jemalloc: make BUILD=$rel ALLOC_LIBS= $rel/patsift"
    if ! make -C "$ROOT" --no-print-directory -j"$(nproc)" BUILD="$rel" ALLOC_LIBS= "$rel/patsift" \
        >"$TMP/glibc-make.log" 2>&1; then
        note "make BUILD=$rel ALLOC_LIBS= $rel/patsift failed ($(tail -n 1 "$TMP/glibc-make.log")): jemalloc vs glibc malloc not measured"
        return 1
    fi
    if ldd "$GLIBC_BUILD/patsift" 2>/dev/null | grep -q jemalloc; then
        note "$rel/patsift still links jemalloc (ALLOC_LIBS no longer holds -ljemalloc?): jemalloc vs glibc malloc not measured"
        return 1
    fi
    ldd "$CLI" 2>/dev/null | grep -q jemalloc ||
        note "$CLI does not link jemalloc: both allocator runs use glibc malloc"
    # the same sources compile to the same objects (the build is
    # reproducible): compare them with those of the frozen binary
    if [ "$(objects_sum "$GLIBC_BUILD")" != "$BUILT_SUM" ]; then
        note "$rel/patsift was compiled from other sources than ${BUILD#"$ROOT"/}/patsift (src/ changed since that build; run make and rerun): the allocator comparison is not like for like"
    fi
    printf 'glibc_build\t%s\n' "$rel" >>"$META"
    cp "$GLIBC_BUILD/patsift" "$TMP/bin/patsift-glibc" || return 1
    GLIBC_CLI=$TMP/bin/patsift-glibc
}

# alloc_pair LABEL INPUT: one 2-thread build with jemalloc, then one with glibc.
alloc_pair() {
    local label=$1 input=$2 tb
    tb=$(text_bytes "$label")
    bench "index build $label, jemalloc" index 1 $BI --cli "$CLI" --bench-parse "$BP" --threads 2 --repeat 1 \
        --variant alloc --label "$label" ${tb:+--text-bytes "$tb"} --workdir "$TMP" "$input"
    tb=$(text_bytes "$label")
    bench "index build $label, glibc malloc" index 1 $BI --cli "$GLIBC_CLI" --bench-parse "$BP" --threads 2 --repeat 1 \
        --variant alloc --alloc glibc --label "$label" ${tb:+--text-bytes "$tb"} --workdir "$TMP" "$input"
}

# index_all G: the whole index part of the full run (G: generated corpus or "").
index_all() {
    local G=$1
    if [ ! -x /usr/bin/time ]; then
        note "/usr/bin/time not found (Debian package 'time'): index build not measured"
        return 0
    fi
    if [ ! -x "$CLI" ]; then
        note "$CLI not built: index build not measured"
        return 0
    fi
    [ "$have_data" = 1 ] && index_bench patentsview "$REPEAT" "$PV"
    [ -n "$G" ] && index_bench "generated $GEN_DOCS" "$REPEAT_BIG" "$G"
    # what one core does alone (-t 1 also keeps a reader thread busy)
    if command -v taskset >/dev/null 2>&1; then
        [ "$have_data" = 1 ] && pinned_bench patentsview "$REPEAT" "$PV"
        [ -n "$G" ] && pinned_bench "generated $GEN_DOCS" 1 "$G"
    else
        note "taskset not found: the one-CPU index build is not measured"
    fi
    if [ -n "$GLIBC_CLI" ]; then
        [ "$have_data" = 1 ] && alloc_pair patentsview "$PV"
        [ -n "$G" ] && alloc_pair "generated $GEN_DOCS" "$G"
    fi
    # the memory budget, on the largest corpus of the run
    local label=patentsview input=$PV tb
    if [ -n "$G" ]; then
        label="generated $GEN_DOCS"
        input=$G
    elif [ "$have_data" != 1 ]; then
        return 0
    fi
    tb=$(text_bytes "$label")
    bench "index build $label, --mem-budget $INDEX_BUDGET" index 1 $BI --cli "$CLI" --bench-parse "$BP" --threads 2 \
        --repeat 1 --variant budget --mem-budget "$INDEX_BUDGET" --label "$label" \
        ${tb:+--text-bytes "$tb"} --workdir "$TMP" "$input"
}

# ---------------------------------------------------------------- peers

# build_peers: builds PEERS_DIR/peer-{lucene,xapian,fts5} with
# bench/peers/X/build.sh when missing or older than a file of bench/peers/X.
# Returns 1 if one of them could not be built.
build_peers() {
    local p f stale rc=0
    for p in lucene xapian fts5; do
        stale=0
        if [ ! -x "$PEERS_DIR/peer-$p" ]; then
            stale=1
        else
            for f in "$ROOT/bench/peers/$p"/*; do
                [ "$f" -nt "$PEERS_DIR/peer-$p" ] && stale=1
            done
        fi
        [ "$stale" = 1 ] || continue
        say "building ${PEERS_DIR#"$ROOT"/}/peer-$p (bench/peers/$p/build.sh)"
        if "$ROOT/bench/peers/$p/build.sh" "$PEERS_DIR" >"$TMP/err" 2>&1 && [ -x "$PEERS_DIR/peer-$p" ]; then
            pass "build peer-$p"
        else
            fail "build peer-$p" "bench/peers/$p/build.sh $PEERS_DIR failed (scripts/deps.sh build bench installs what it needs)"
            rc=1
        fi
    done
    return $rc
}

# peer_engines: patsift and every peer that is built (or BENCH_PEER_ENGINES).
peer_engines() {
    local e=patsift p
    for p in lucene xapian fts5; do
        [ -x "$PEERS_DIR/peer-$p" ] && e=$e,$p
    done
    echo "${BENCH_PEER_ENGINES:-$e}"
}

# peers_all: the peers part of the full run.
peers_all() {
    if [ ! -x /usr/bin/time ] || [ ! -x "$CLI" ] || [ ! -x "$GEN" ]; then
        note "/usr/bin/time, $CLI or $GEN missing: peer comparison not run"
        return 0
    fi
    build_peers || note "a peer could not be built: the comparison runs without it"
    local engines n g q learn=()
    engines=$(peer_engines)
    [ "$have_data" = 1 ] && learn=(--learn "$PV")
    for n in ${PEER_DOCS//,/ }; do
        g=$TMP/peers-gen$n.jsonl
        say "generating $n documents for the peers: $GEN --docs $n --seed 1 ${learn[*]}"
        if ! run "patsift-gen --docs $n" "$TMP/gen.out" "$GEN" --docs "$n" --seed 1 "${learn[@]}" --out "$g" ||
            [ ! -s "$g" ]; then
            fail "patsift-gen --docs $n" "no corpus"
            continue
        fi
        q=$PEER_QUERIES
        [ "$n" -ge 1000000 ] && q=${BENCH_PEER_QUERIES:-100}
        say "peers on $n generated documents ($engines; $q queries per file)"
        runs=${BENCH_PEER_BUILD_RUNS:-1}
        [ "$n" -ge 1000000 ] && runs=${BENCH_PEER_BUILD_RUNS:-3}
        bench "peers, generated $n" peers 1 $BPP corpus --cli "$CLI" --peers "$PEERS_DIR" \
            --engines "$engines" --queries "$q" --build-runs "$runs" --generated --label "generated $n" \
            --workdir "$TMP" "$g"
        rm -f "$g"
    done
    if [ "$have_data" = 1 ]; then
        say "peers on PatentsView ($engines)"
        bench "peers, patentsview" peers 1 $BPP corpus --cli "$CLI" --peers "$PEERS_DIR" \
            --engines "$engines" --queries "$PEER_QUERIES" --build-runs "${BENCH_PEER_BUILD_RUNS:-1}" \
            --label patentsview --workdir "$TMP" "$PV"
        say "known-item retrieval: patentsview + uspto-xml ($engines)"
        bench "peers, known-item" known_item 1 $BPP known-item --cli "$CLI" --peers "$PEERS_DIR" \
            --engines "$engines" --label "patentsview + uspto-xml" --workdir "$TMP" \
            --xml "$DATA/uspto-xml" "$PV"
    fi
}

# ---------------------------------------------------------------- machine

cpu_busy() { # total and busy jiffies of all CPUs, and steal
    awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t, t-$5-$6, $9; exit}' /proc/stat
}
child_jiffies() { # CPU of this script's finished children (utime+stime)
    awk '{print $16 + $17}' /proc/$$/stat
}

source_tree() { # commit, and whether src/ include/ Makefile have uncommitted changes
    local rev dirty
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) || { echo "not a git checkout"; return; }
    dirty=$(git -C "$ROOT" status --porcelain -- src include Makefile 2>/dev/null | wc -l)
    local state="src/, include/, Makefile as committed"
    [ "$dirty" -gt 0 ] && state="+ uncommitted changes in $dirty file(s) of src/, include/, Makefile"
    # the programs were checked against this tree before the run (stale_programs)
    local built=
    [ "$SMOKE" != 1 ] && command -v make >/dev/null 2>&1 && built="; ${BUILD#"$ROOT"/}/patsift and the bench programs are up to date with it"
    echo "$rev ($state)$built"
}

# The programs of BUILD that make would rebuild (make -q: exit 0 when up to
# date): measuring them would measure older sources than the report names.
stale_programs() {
    local rel=${BUILD#"$ROOT"/} t stale=
    for t in patsift bench/bench_parse bench/bench_analyze bench/bench_minhash; do
        (cd "$ROOT" && MAKEFLAGS='' make -q BUILD="$rel" "$rel/$t" >/dev/null 2>&1) || stale="$stale $rel/$t"
    done
    echo "${stale# }"
}

machine_meta() {
    {
        printf 'mode\t%s\n' "$([ "$SMOKE" = 1 ] && echo smoke || echo full)"
        printf 'build\t%s\n' "${BUILD#"$ROOT"/}"
        printf 'date\t%s\n' "$(date +%F)"
        printf 'datetime\t%s\n' "$(date '+%F %T %Z')"
        printf 'host\t%s\n' "$(hostname)"
        printf 'cpu\t%s\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
        printf 'cores\t%s\n' "$(nproc)"
        printf 'memory\t%s\n' "$(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
        printf 'kernel\t%s\n' "$(uname -sr)"
        printf 'compiler\t%s\n' "$(${CC:-cc} --version 2>/dev/null | head -n 1)"
        printf 'cflags\t%s\n' "${CFLAGS:--O2 -g (Makefile default)} -fopenmp, jemalloc"
        printf 'source\t%s\n' "$(source_tree)"
        printf 'scale\t%s\n' "$SCALE"
        printf 'only\t%s\n' "$ONLY"
        printf 'load_before\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
        local p v
        for p in libstemmer0d 'libutf8proc*' libexpat1 libjson-c5 libjansson4 libjemalloc2; do
            # installed versions only (a pattern may match several packages)
            v=$(dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Version}\n' "$p" 2>/dev/null |
                awk -F'\t' '$1 ~ /^ii/ {print "lib\t" $2 "\t" $3}')
            if [ -n "$v" ]; then echo "$v"; else printf 'lib\t%s\tnot installed (or no dpkg)\n' "$p"; fi
        done
    } >>"$META"
}

# ---------------------------------------------------------------- inputs

for b in "$BA" "$BP"; do
    if [ ! -x "$b" ]; then
        say "$b is missing: build it first (make $([ "$SMOKE" = 1 ] && echo bench-smoke || echo bench))"
        [ "$SMOKE" = 1 ] && echo "bench smoke: 0 passed, 1 failed"
        exit 1
    fi
done
command -v python3 >/dev/null 2>&1 || { say "python3 is needed (scripts/deps.sh installs it)"; exit 1; }
if [ "$SMOKE" != 1 ] && command -v make >/dev/null 2>&1; then
    STALE=$(stale_programs)
    if [ -n "$STALE" ]; then
        say "not up to date with the sources: $STALE; run make bench (or make them) first"
        exit 1
    fi
fi

machine_meta
read -r T0_TOTAL T0_BUSY T0_STEAL <<<"$(cpu_busy)"
C0=$(child_jiffies)
START=$(date +%s)

# A few records that need nothing else, for when there is no data at all.
fallback_jsonl() {
    cat >"$1" <<'EOF'
{"id":"US9000001B2","title":"Lithium-ion battery cell with a ceramic separator","abstract":"A battery cell comprising a cathode, an anode and a ceramic-coated separator, wherein the separator prevents dendrite growth at 4.2 V.","claims":["1. A battery cell comprising: a cathode; an anode; and a separator.","2. The battery cell of claim 1, wherein the separator is ceramic."],"date":"2015-03-02"}
{"id":"US9000002B2","title":"Baseball pitching machine","abstract":"A pitching machine throws baseballs at adjustable speeds using two counter-rotating wheels.","claims":["1. A machine comprising two wheels."],"date":"2016-07-12"}
{"id":"US9000003B1","title":"Neural network accelerator","abstract":"Ein neuronales Netz. A systolic array multiplies matrices; データ処理装置 processes data.","date":"2018-01-09"}
EOF
}

smoke() {
    say "smoke test of the benchmark programs (tiny inputs, 1 repeat; no speed checks)"
    local J X G
    if [ -f "$ROOT/corpus/sample/patents.jsonl" ]; then
        J=$ROOT/corpus/sample/patents.jsonl
    elif [ "$have_data" = 1 ]; then
        J=$TMP/pv300.jsonl
        head -n 300 "$PV" >"$J"
    else
        J=$TMP/fallback.jsonl
        fallback_jsonl "$J"
        say "using 3 built-in records as JSONL input"
    fi
    X=
    if [ "$have_data" = 1 ]; then
        X=$(find "$XMLDIR" -name '*.xml' | sort | head -n 1)
    elif [ -d "$ROOT/corpus/sample/xml" ]; then
        X=$(find "$ROOT/corpus/sample/xml" -name '*.xml' | sort | head -n 1)
    fi

    # the programs answer --help and refuse bad usage without crashing
    if run "bench_parse --help" "$TMP/help" "$BP" --help && grep -q usage "$TMP/help"; then
        pass "bench_parse --help"
    else fail "bench_parse --help"; fi
    "$BA" >"$TMP/help" 2>"$TMP/err"
    if [ $? -eq 2 ]; then pass "bench_analyze without inputs is a usage error"
    else fail "bench_analyze without inputs is a usage error"; fi

    bench "bench_parse jsonl" parse 1 "$BP" --repeat 1 "$J"
    if [ -n "$X" ]; then
        bench "bench_parse uspto-xml" parse 1 "$BP" --repeat 1 "$X"
        bench "bench_parse jsonl + uspto-xml (one line per format)" parse 2 "$BP" --repeat 1 "$J" "$X"
    else
        note "no USPTO XML file (no data, no corpus/sample/xml): XML parse smoke skipped"
    fi
    if bench "bench_analyze jsonl, 1,2 threads" analyze 2 "$BA" --threads 1,2 --repeat 1 "$J"; then
        cp "$TMP/last.jsonl" "$TMP/ref.jsonl"
        # stemming changes terms, never their number: same tokens expected
        if run "bench_analyze --no-stem --create-on-main" "$TMP/ns.jsonl" \
            "$BA" --threads 1,2 --repeat 1 --no-stem --create-on-main "$J"; then
            if msg=$($REPORT check analyze "$TMP/ns.jsonl" 2 --same-tokens-as "$TMP/ref.jsonl" 2>&1); then
                pass "bench_analyze --no-stem --create-on-main" "$msg"
                cat "$TMP/ns.jsonl" >>"$RESULTS"
            else : >"$TMP/err"; fail "bench_analyze --no-stem --create-on-main" "$msg"; fi
        else fail "bench_analyze --no-stem --create-on-main" "the program failed"; fi
    fi
    [ -n "$X" ] && bench "bench_analyze uspto-xml" analyze 1 "$BA" --threads 2 --repeat 1 "$X"

    if [ -x "$GEN" ]; then
        G=$TMP/gen.jsonl
        local learn=()
        [ "$J" = "$TMP/fallback.jsonl" ] || learn=(--learn "$J")
        if run "patsift-gen" "$TMP/gen.out" "$GEN" --docs 200 --seed 1 "${learn[@]}" --out "$G" && [ -s "$G" ]; then
            pass "patsift-gen --docs 200" "$(wc -l <"$G") lines"
            bench "bench_parse generated" parse 1 "$BP" --repeat 1 --label generated "$G"
            bench "bench_analyze generated" analyze 2 "$BA" --threads 1,2 --repeat 1 --label generated "$G"
        else
            fail "patsift-gen --docs 200" "no output"
        fi
    else
        note "$GEN not built yet: generated-corpus smoke skipped"
    fi

    rss "smoke input" "$J"

    # index build: 1 run at 1 and 2 threads, a small budget (checks exit
    # codes, stats --json, the output's shape; never the speed)
    if [ -x /usr/bin/time ] && [ -x "$CLI" ]; then
        $BI >"$TMP/help" 2>"$TMP/err"
        if [ $? -eq 2 ]; then pass "bench_index.py without inputs is a usage error"
        else fail "bench_index.py without inputs is a usage error"; fi
        bench "bench_index.py jsonl, 1,2 threads, --mem-budget 64M" index 2 \
            $BI --cli "$CLI" --bench-parse "$BP" --threads 1,2 --repeat 1 --mem-budget 64M --label smoke --workdir "$TMP" "$J"
    else
        note "/usr/bin/time or $CLI missing: index build smoke skipped"
    fi

    # the peers: all four engines on 300 generated documents, 10 queries, and
    # known-item on those plus the XML grants (checks exit codes and the
    # output's shape; never the speed)
    if [ -x /usr/bin/time ] && [ -x "$CLI" ] && [ -x "$GEN" ]; then
        if build_peers; then
            local P=$TMP/peers300.jsonl XD=
            if run "patsift-gen --docs 300" "$TMP/gen.out" "$GEN" --docs 300 --seed 2 "${learn[@]}" --out "$P" &&
                [ -s "$P" ]; then
                bench "bench_peers.py corpus, 300 docs, 10 queries, 4 engines" peers 1 \
                    $BPP corpus --cli "$CLI" --peers "$PEERS_DIR" --queries 10 --lucene-warmup 1 \
                    --generated --label smoke --workdir "$TMP" "$P"
                if [ "$have_data" = 1 ]; then
                    XD=$DATA/uspto-xml
                elif [ -d "$ROOT/corpus/sample/xml" ]; then
                    XD=$ROOT/corpus/sample/xml
                fi
                if [ -n "$XD" ]; then
                    bench "bench_peers.py known-item, 10 targets, 4 engines" known_item 1 \
                        $BPP known-item --cli "$CLI" --peers "$PEERS_DIR" --queries 10 --lucene-warmup 1 \
                        --label smoke-known-item --workdir "$TMP" --xml "$XD" "$P"
                else
                    note "no USPTO XML (no data, no corpus/sample/xml): known-item smoke skipped"
                fi
            else
                fail "patsift-gen --docs 300" "no output"
            fi
        fi
    else
        note "/usr/bin/time, $CLI or $GEN missing: peers smoke skipped"
    fi

    # MinHash quality and cost (its own report): tiny inputs, shape only
    if [ -x "$BUILD/bench/bench_minhash" ] && [ "$have_data" = 1 ] && [ -x /usr/bin/time ]; then
        if run "minhash_bench.py --smoke" "$TMP/minhash.out" python3 "$ROOT/bench/minhash_bench.py" \
            "$BUILD" "$DATA" "$TMP/minhash.md" --smoke && grep -q '^#' "$TMP/minhash.md"; then
            pass "minhash_bench.py --smoke" "$(wc -l <"$TMP/minhash.md") report lines"
        else
            fail "minhash_bench.py --smoke" "failed or wrote no report"
        fi
    else
        note "bench_minhash, the real data or /usr/bin/time missing: MinHash smoke skipped"
    fi

    # the report writer works on what we have
    finish_meta
    if $REPORT markdown "$META" "$RESULTS" "$RSS" "$TMP/report.md" 2>"$TMP/err" &&
        grep -q '^## Analysis throughput' "$TMP/report.md" && grep -q '^## Reader throughput' "$TMP/report.md" &&
        { ! grep -q '"bench":"index"' "$RESULTS" || grep -q '^## Index build' "$TMP/report.md"; } &&
        { ! grep -q '"bench":"peers"' "$RESULTS" ||
            { grep -q '^## Headline: patsift against' "$TMP/report.md" &&
                grep -q '^## Peer comparison' "$TMP/report.md"; }; } &&
        { ! grep -q '"bench":"known_item"' "$RESULTS" || grep -q '^### Known-item' "$TMP/report.md"; }; then
        pass "Markdown report" "$(wc -l <"$TMP/report.md") lines (in the temp dir, removed)"
    else
        fail "Markdown report"
    fi
    echo "bench smoke: $PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

finish_meta() {
    read -r T1_TOTAL T1_BUSY T1_STEAL <<<"$(cpu_busy)"
    local c1 secs
    c1=$(child_jiffies)
    secs=$(($(date +%s) - START))
    [ "$secs" -gt 0 ] || secs=1
    local hz
    hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
    {
        printf 'load_after\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
        awk -v t="$((T1_TOTAL - T0_TOTAL))" -v s="$((T1_STEAL - T0_STEAL))" \
            'BEGIN{printf "steal\t%.1f%% of all CPU time\n", (t > 0 ? 100*s/t : 0)}'
        awk -v b="$((T1_BUSY - T0_BUSY))" -v c="$((c1 - C0))" -v hz="$hz" -v secs="$secs" \
            'BEGIN{o=(b-c)/hz; if (o<0) o=0; printf "others\t%.1f CPU seconds in %d s (%.2f CPUs on average; the benchmarks themselves used %.1f CPU s)\n", o, secs, o/secs, c/hz}'
        printf 'seconds\t%s\n' "$secs"
    } >>"$META"
}

full() {
    say "full benchmark run (repeat $REPEAT, generated corpus of $GEN_DOCS documents, repeat $REPEAT_BIG; parts: $ONLY); $([ "$SCALE" = 1m ] && echo "at 1M documents the index part alone takes about 12 minutes, everything 30 or more, the peers about an hour more" || echo "this takes about 5 minutes, and about 10 more for the peers")"
    say "load average now: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine skews the numbers)"
    if want rss || want index || want peers; then
        freeze_cli
        if want index && [ -x /usr/bin/time ] && [ -x "$CLI" ]; then glibc_build; fi
    fi
    local G=
    if ! want parse && ! want analyze && ! want rss && ! want index; then
        :  # only the peers, which generate their own corpora
    elif [ -x "$GEN" ]; then
        G=$TMP/gen$GEN_DOCS.jsonl
        local learn=()
        if [ "$have_data" = 1 ]; then
            learn=(--learn "$PV")
        else
            note "generated corpus made without --learn (no real data)"
        fi
        say "generating $GEN_DOCS documents: $GEN --docs $GEN_DOCS --seed 1 ${learn[*]}"
        local t0=$SECONDS
        if run "patsift-gen" "$TMP/gen.out" "$GEN" --docs "$GEN_DOCS" --seed 1 "${learn[@]}" --out "$G" && [ -s "$G" ]; then
            pass "patsift-gen" "$(wc -l <"$G") documents, $(du -m "$G" | cut -f1) MB in $((SECONDS - t0)) s"
            printf 'note\tgenerated corpus: patsift-gen --docs %s --seed 1 %s (%s MB, %s s to generate)\n' \
                "$GEN_DOCS" "${learn[*]:+--learn patentsview-abstracts.jsonl}" "$(du -m "$G" | cut -f1)" \
                "$((SECONDS - t0))" >>"$META"
        else
            fail "patsift-gen" "no corpus"
            G=
        fi
    else
        note "$GEN not built yet: generated-corpus benchmarks skipped (build it and run again)"
    fi

    if want parse; then
        say "--- reader throughput"
        if [ "$have_data" = 1 ]; then
            bench "parse weekly XML" parse 1 "$BP" --repeat "$REPEAT" --label "weekly-grants XML" "$XMLDIR"
            bench "parse patentsview JSONL" parse 1 "$BP" --repeat "$REPEAT" --label patentsview "$PV"
        fi
        [ -n "$G" ] && bench "parse generated JSONL" parse 1 "$BP" --repeat "$REPEAT_BIG" --label "generated $GEN_DOCS" "$G"
    fi

    local mode
    if want analyze; then
        say "--- analysis throughput"
        if [ "$have_data" = 1 ]; then
            for mode in "" --no-stem --create-on-main; do
                bench "analyze patentsview $mode" analyze 2 "$BA" --threads 1,2 --repeat "$REPEAT" $mode --label patentsview "$PV"
            done
            bench "analyze weekly XML" analyze 2 "$BA" --threads 1,2 --repeat "$REPEAT" --label "weekly-grants XML" "$XMLDIR"
            bench "analyze weekly XML --no-stem" analyze 2 "$BA" --threads 1,2 --repeat "$REPEAT" --no-stem --label "weekly-grants XML" "$XMLDIR"
        fi
        if [ -n "$G" ]; then
            for mode in "" --no-stem --create-on-main; do
                bench "analyze generated $mode" analyze 2 "$BA" --threads 1,2 --repeat "$REPEAT_BIG" $mode --label "generated $GEN_DOCS" "$G"
            done
        fi
    fi

    if want rss; then
        say "--- peak memory"
        [ "$have_data" = 1 ] && rss patentsview "$PV"
        [ -n "$G" ] && rss "generated $GEN_DOCS" "$G"
    fi

    if want index; then
        say "--- index build"
        index_all "$G"
    fi

    if want peers; then
        say "--- patsift against Lucene, Xapian, SQLite FTS5"
        [ -n "$G" ] && rm -f "$G"  # the peers generate their own corpora
        peers_all
    fi

    if want minhash; then
        # its own report: a separate part, not in the default set (about 6
        # minutes here, 14 at BENCH_SCALE=1m)
        say "--- MinHash near-duplicates (bench/minhash_bench.py)"
        local mh=$ROOT/bench/results/$(date +%F)-$(hostname)-minhash.md
        [ "$SCALE" = default ] || mh=$ROOT/bench/results/$(date +%F)-$(hostname)-minhash-$SCALE.md
        if BENCH_SCALE=$SCALE python3 "$ROOT/bench/minhash_bench.py" "$BUILD" "$DATA" "$mh"; then
            say "MinHash report written to $mh"
        else
            fail "minhash_bench.py" "failed"
        fi
    fi

    finish_meta
    local out=$OUT
    if [ -z "$out" ]; then
        mkdir -p "$ROOT/bench/results"
        local suffix=
        [ "$SCALE" = default ] || suffix=-$SCALE
        [ -z "${BENCH_ONLY:-}" ] || suffix=$suffix-$(echo "$ONLY" | tr ',' '-')
        out=$ROOT/bench/results/$(date +%F)-$(hostname)$suffix.md
    fi
    if $REPORT markdown "$META" "$RESULTS" "$RSS" "$out"; then
        say "report written to $out"
    else
        fail "Markdown report"
    fi
    say "$PASSED benchmarks ran, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

if [ "$SMOKE" = 1 ]; then smoke; else full; fi
