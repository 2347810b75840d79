#!/bin/bash
# End-to-end tests of the real binary: exit codes, messages, output shape.
# Usage: tests/cli/run.sh BUILD/patsift BUILD/patsift-gen
set -u
BIN=$1
GEN=$2
DATA=${PATSIFT_DATA:-../shared/data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect CODE DESCRIPTION -- command...: runs it, output in $T/out and $T/err
expect() {
    local code=$1 what=$2
    shift 3
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" = "$code" ]; then ok; else no "$what: exit $got, wanted $code"; sed 's/^/  | /' "$T/err" | head -5; fi
}
has() { if grep -q -- "$2" "$1"; then ok; else no "$3: '$2' not in $1"; sed 's/^/  | /' "$1" | head -5; fi; }
lines() { local n; n=$(wc -l <"$1"); if [ "$n" = "$2" ]; then ok; else no "$3: $n lines, wanted $2"; fi; }

# --- help and usage
expect 0 "top help" -- "$BIN" --help
has "$T/out" "parse" "top help lists parse"
expect 2 "no command" -- "$BIN"
expect 2 "unknown command" -- "$BIN" frobnicate
has "$T/err" "unknown command 'frobnicate'" "unknown command named"
for cmd in parse analyze; do
    expect 0 "$cmd --help" -- "$BIN" "$cmd" --help
    has "$T/out" "usage: patsift $cmd" "$cmd help has a usage line"
    has "$T/out" "examples:" "$cmd help has examples"
done
expect 2 "bad option" -- "$BIN" parse --bogus x
expect 2 "bad format" -- "$BIN" parse --format yaml x
has "$T/err" "unknown format 'yaml'" "bad format named"
expect 2 "parse without input" -- "$BIN" parse
expect 1 "missing file" -- "$BIN" parse /nonexistent.xml
has "$T/err" "/nonexistent.xml: No such file" "missing file named"

# --- parse: JSON Lines, errors with file:line, strict, atomic output
printf '{"id":"A1","title":"Pump"}\n{"id":\n{"id":"A2","entity":"huge"}\n{"id":"A3"}\n' >"$T/mixed.jsonl"
expect 1 "bad lines exit 1" -- "$BIN" parse "$T/mixed.jsonl"
lines "$T/out" 2 "good records still printed"
has "$T/err" "mixed.jsonl:2: invalid JSON" "line 2 reported"
has "$T/err" "mixed.jsonl:3: field \"entity\"" "line 3 reported"
has "$T/err" "2 records from 1 file, 0 non-patent documents skipped, 2 errors" "summary"
expect 1 "strict" -- "$BIN" parse --strict -o "$T/strict.jsonl" "$T/mixed.jsonl"
[ ! -e "$T/strict.jsonl" ] && ok || no "strict failure must not leave an output file"
ls "$T"/strict.jsonl.tmp.* >/dev/null 2>&1 && no "temporary file left behind" || ok
echo '{"id":"OLD"}' >"$T/keep.jsonl"
expect 1 "strict keeps old output" -- "$BIN" parse --strict -o "$T/keep.jsonl" "$T/mixed.jsonl"
has "$T/keep.jsonl" "OLD" "old output untouched"
expect 0 "stdin" -- bash -c "printf '{\"id\":\"S1\"}\n' | '$BIN' parse -"
has "$T/out" '"id":"S1"' "stdin record"
expect 0 "quiet" -- "$BIN" parse -q "$T/keep.jsonl"
[ -s "$T/err" ] && no "quiet printed a summary" || ok

if [ -f corpus/sample/patents.jsonl ]; then
    expect 0 "sample corpus parses strictly" -- "$BIN" parse --strict corpus/sample
    n=$(wc -l <"$T/out")
    [ "$n" -ge 150 ] && ok || no "sample corpus has $n records, wanted >= 150"
    # the canonical form reads back to itself
    cp "$T/out" "$T/canon.jsonl"
    expect 0 "round trip" -- "$BIN" parse --strict "$T/canon.jsonl"
    cmp -s "$T/out" "$T/canon.jsonl" && ok || no "canonical JSON does not round-trip"
else
    no "corpus/sample/patents.jsonl is missing"
fi

if [ -d "$DATA/uspto-xml" ]; then
    expect 0 "shared XML" -- "$BIN" parse "$DATA/uspto-xml"
    lines "$T/out" 233 "233 patent documents in the shared XML"
    has "$T/err" "233 records from 17 files, 5 non-patent documents skipped, 0 errors" "XML summary"
    gzip -c "$DATA/uspto-xml/weekly-grants/ipg130416.small.xml" >"$T/week.xml.gz"
    expect 0 "gzip XML" -- "$BIN" parse "$T/week.xml.gz"
    lines "$T/out" 25 "25 grants in the gzipped weekly file"
    has "$T/out" '"id":"USD680087S1"' "design patent kept"
    # XML -> JSONL -> parse again gives the same records
    "$BIN" parse -q "$DATA/uspto-xml" >"$T/x1.jsonl"
    "$BIN" parse -q "$T/x1.jsonl" >"$T/x2.jsonl"
    cmp -s "$T/x1.jsonl" "$T/x2.jsonl" && ok || no "XML-derived JSONL does not round-trip"
else
    echo "note: $DATA absent, real-data CLI tests skipped"
fi

# --- analyze
expect 0 "analyze text" -- "$BIN" analyze --format tsv "The said batteries, wherein 锂电池"
has "$T/out" "batteri" "stemmed"
has "$T/out" "锂电" "CJK bigram"
grep -q "	said	" "$T/out" && no "stop word 'said' kept" || ok
expect 0 "analyze stdin" -- bash -c "echo 'Rotor blades' | '$BIN' analyze --no-stem --format json -"
has "$T/out" '"term":"blades"' "json token"
expect 2 "unknown language" -- "$BIN" analyze --language klingon x
has "$T/err" "no Snowball stemmer for language 'klingon'" "language named"
expect 0 "stopword list" -- "$BIN" analyze --stopwords
has "$T/out" "patent	wherein" "patent list shown"
if [ -f corpus/sample/patents.jsonl ]; then
    expect 0 "analyze corpus" -- "$BIN" analyze --corpus --threads 2 --top 5 corpus/sample/patents.jsonl
    has "$T/out" "^documents" "corpus stats"
    # same statistics whatever the thread count
    "$BIN" analyze --corpus --threads 1 --top 50 corpus/sample/patents.jsonl | grep -v speed >"$T/t1"
    "$BIN" analyze --corpus --threads 2 --top 50 corpus/sample/patents.jsonl | grep -v speed >"$T/t2"
    cmp -s "$T/t1" "$T/t2" && ok || no "term statistics differ between 1 and 2 threads"
fi

# --- index, stats, show, check
if [ -f corpus/sample/patents.jsonl ]; then
    expect 0 "index the sample" -- "$BIN" index -o "$T/idx" --threads 2 corpus/sample
    has "$T/err" "237 documents" "index summary"
    expect 2 "index over an index" -- "$BIN" index -o "$T/idx" corpus/sample
    has "$T/err" "already holds an index" "existing index named"
    expect 0 "stats" -- "$BIN" stats "$T/idx"
    has "$T/out" "237 live" "stats documents"
    has "$T/out" "entity size      micro" "stats entities"
    expect 0 "stats json" -- "$BIN" stats --json "$T/idx"
    has "$T/out" '"documents": 237' "json documents"
    expect 0 "check" -- "$BIN" check "$T/idx"
    has "$T/out" "^ok: 237 documents" "check ok"
    expect 0 "show" -- "$BIN" show "$T/idx" US9100001B2
    has "$T/out" "Claims (" "show claims"
    expect 0 "show json" -- "$BIN" show --json "$T/idx" US9100001B2
    "$BIN" parse -q corpus/sample/patents.jsonl | grep '"id":"US9100001B2"' \
        | sed 's/"description":"[^"]*"/"description":""/' >"$T/want.json"
    cmp -s "$T/out" "$T/want.json" && ok || no "show --json differs from the parsed record"
    expect 1 "show unknown id" -- "$BIN" show "$T/idx" NOPE123
    has "$T/err" "no document 'NOPE123'" "unknown id named"
    expect 1 "stats of no index" -- "$BIN" stats "$T"
    has "$T/err" "no index here" "missing index explained"
    # a damaged postings file is named by check
    cp -r "$T/idx" "$T/bad"
    f=$(ls "$T"/bad/*.pst)
    printf '\xff\xff\xff\xff' | dd of="$f" bs=1 seek=200 conv=notrunc status=none
    expect 1 "check damaged" -- "$BIN" check "$T/bad"
    has "$T/err" ".pst: corrupt: checksum mismatch" "damaged file named"
    expect 2 "bad weight" -- "$BIN" index -o "$T/w" --weight colour=3 corpus/sample
    expect 2 "tiny budget" -- "$BIN" index -o "$T/w" --mem-budget 1K corpus/sample
    # append replaces by id; more than 10 segments merge by themselves
    # (one revised record per append: each append is a segment of its own)
    for i in 1 2 3 4 5 6 7 8 9 10; do  # the 10th makes 11 segments: merged
        sed -n "${i}p" corpus/sample/patents.jsonl | sed 's/"title": "/"title": "Revised /' >"$T/rev.jsonl"
        "$BIN" index -q --append -o "$T/idx" "$T/rev.jsonl" || no "append $i"
    done
    expect 0 "stats after appends" -- "$BIN" stats "$T/idx"
    has "$T/out" "237 live, 0 deleted" "appends replace, not add; the merge dropped the replaced"
    has "$T/out" "segments         1 " "automatic merge past 10 segments"
    expect 0 "show revised" -- "$BIN" show "$T/idx" US9100001B2
    has "$T/out" "Revised Tethered" "the newest record wins"
    expect 0 "merge" -- "$BIN" merge "$T/idx"
    expect 0 "check after merge" -- "$BIN" check "$T/idx"
    # a bad record in strict mode leaves no index behind
    expect 1 "strict index" -- "$BIN" index --strict -o "$T/strict-idx" "$T/mixed.jsonl"
    [ ! -e "$T/strict-idx/MANIFEST" ] && ok || no "strict failure left a MANIFEST"
    # JSON lines are parsed on the builder's threads: errors still come in
    # input order, and strict mode names the first one
    printf '{"id":"J1","title":"widget"}\n{bad json\n' >"$T/bad1.jsonl"
    printf '<?xml version="1.0"?>\n<us-patent-grant><broken>\n' >"$T/bad2.xml"
    for t in 1 2; do
        expect 1 "errors in order, -t $t" -- "$BIN" index -t "$t" -o "$T/order-$t" "$T/bad1.jsonl" "$T/bad2.xml"
        [ "$(grep -c -e 'bad1.jsonl:2:' -e 'bad2.xml:3:' "$T/err")" = 2 ] && ok || no "both errors reported (-t $t)"
        [ "$(grep -m1 -o -e 'bad1.jsonl:2:' -e 'bad2.xml:3:' "$T/err")" = "bad1.jsonl:2:" ] && ok ||
            no "the JSON error, read first, is reported first (-t $t)"
        has "$T/err" "2 errors" "the summary counts both (-t $t)"
        expect 1 "strict, -t $t" -- "$BIN" index --strict -t "$t" -o "$T/sorder-$t" "$T/bad1.jsonl" "$T/bad2.xml"
        has "$T/err" "bad1.jsonl:2: invalid JSON" "strict names the first bad record (-t $t)"
        [ ! -e "$T/sorder-$t/MANIFEST" ] && ok || no "strict failure left a MANIFEST (-t $t)"
    done
fi

# --- search
"$BIN" index -q -o "$T/sx" corpus/sample/patents.jsonl
expect 0 "search --help" -- "$BIN" search --help
has "$T/out" "usage: patsift search" "search help has a usage line"
has "$T/out" "examples:" "search help has examples"
expect 2 "search without a query" -- "$BIN" search "$T/sx"
has "$T/err" "no query" "missing query named"
expect 2 "two kinds of query" -- "$BIN" search "$T/sx" --id X membrane
expect 2 "bad -k" -- "$BIN" search "$T/sx" -k 0 membrane
expect 2 "bad date" -- "$BIN" search "$T/sx" --before 2020-13-01 membrane
has "$T/err" "YYYY-MM-DD" "bad date explained"
expect 2 "bad format" -- "$BIN" search "$T/sx" -f xml membrane
expect 1 "no index" -- "$BIN" search "$T/none" membrane
has "$T/err" "no index here" "missing index named"
expect 1 "unknown --id" -- "$BIN" search "$T/sx" --id NOPE
has "$T/err" "NOPE: no document with this id" "unknown id named"
expect 0 "keyword search tsv" -- "$BIN" search "$T/sx" -k 5 -f tsv membrane salt rejection
lines "$T/out" 5 "five hits"
awk -F'\t' 'NF != 4 || $1 != "query" || $2 != NR { bad = 1 } END { exit bad }' "$T/out" && ok || no "tsv rows are QUERY_ID RANK ID SCORE"
sort -t"$(printf '\t')" -k4,4gr "$T/out" | cmp -s - "$T/out" && ok || no "hits best first"
expect 0 "exhaustive gives the same" -- "$BIN" search "$T/sx" -k 5 -f tsv --exhaustive membrane salt rejection
cp "$T/out" "$T/exh"
"$BIN" search "$T/sx" -k 5 -f tsv membrane salt rejection >"$T/pruned"
cmp -s "$T/exh" "$T/pruned" && ok || no "pruned and exhaustive results differ"
expect 0 "search --id excludes itself" -- "$BIN" search "$T/sx" --id US9100001B2 -k 20 -f tsv --before none
awk -F'\t' '$3 == "US9100001B2" { found = 1 } END { exit !found }' "$T/out" && no "--id returned the query document" || ok
lines "$T/out" 20 "twenty hits"
expect 0 "date filter" -- "$BIN" search "$T/sx" -k 50 -f json --before 2010-01-01 membrane
grep -o '"date":"[0-9-]*"' "$T/out" | awk -F'"' '$4 >= "2010-01-01" { bad = 1 } END { exit bad }' && ok || no "a hit dated 2010 or later passed --before 2010-01-01"
expect 0 "cpc filter" -- "$BIN" search "$T/sx" -k 50 -f json --cpc C02F membrane
grep -v '"cpc":\[[^]]*"C02F' "$T/out" | grep -q . && no "a hit without a C02F code passed --cpc C02F" || ok
expect 0 "explain" -- "$BIN" search "$T/sx" -k 3 -f table --explain membrane salt rejection
has "$T/out" "terms: membran" "explain lists the terms"
has "$T/out" "\[membrane\]" "explain marks matched words"
expect 0 "query by document, batch" -- "$BIN" search "$T/sx" --doc corpus/sample/pending.jsonl -k 3 -f tsv --timings "$T/tim"
n=$(wc -l <corpus/sample/pending.jsonl)
lines "$T/tim" "$n" "one timing line per query document"
awk -F'\t' 'NF != 4 || $2 < 1 { bad = 1 } END { exit bad }' "$T/tim" && ok || no "timings are QUERY_ID TERMS ANALYSIS_US SEARCH_US"
for t in 1 2; do "$BIN" search "$T/sx" --doc corpus/sample/pending.jsonl -k 10 -f tsv -t $t >"$T/thr$t"; done
cmp -s "$T/thr1" "$T/thr2" && ok || no "1 and 2 threads give different results"
printf 'q1\tmembrane salt\nbroken line\n' >"$T/badq.tsv"
expect 1 "bad query file" -- "$BIN" search "$T/sx" --queries "$T/badq.tsv"
has "$T/err" "badq.tsv:2: expected QUERY_ID<TAB>TEXT" "bad query line named"

expect 0 "hybrid rerank" -- "$BIN" search "$T/sx" --id US9100258B2 --before none --rerank hybrid -k 3 -f json
has "$T/out" '"jaccard":' "hits carry the Jaccard estimate"
head -1 "$T/out" | grep -q '"id":"US9100302B2"' && ok || no "the planted near-duplicate ranks first with --rerank hybrid"
expect 2 "bad rerank" -- "$BIN" search "$T/sx" --id US9100258B2 --rerank magic

# --- dedup and similar
expect 0 "dedup --help" -- "$BIN" dedup --help
has "$T/out" "examples:" "dedup help has examples"
expect 2 "dedup bad threshold" -- "$BIN" dedup "$T/sx" --threshold 2
has "$T/err" "similarity from 0.05 to 1" "bad threshold explained"
expect 0 "dedup pairs by estimate" -- "$BIN" dedup "$T/sx" --threshold 0.8 --estimate -f tsv
awk -F'\t' 'NF != 4 || $3 < 0.8 || $4 != "-" { bad = 1 } END { exit bad }' "$T/out" && ok || no "dedup --estimate rows are ID_A ID_B ESTIMATE - with estimate >= 0.8"
expect 0 "dedup pairs, exact by default" -- "$BIN" dedup "$T/sx" --threshold 0.8 -f tsv
awk -F'\t' 'NF != 4 || $4 < 0.8 { bad = 1 } END { exit bad }' "$T/out" && ok || no "dedup rows are ID_A ID_B ESTIMATE EXACT with exact >= 0.8"
expect 0 "dedup below the design threshold" -- "$BIN" dedup "$T/sx" --threshold 0.3
has "$T/err" "find a pair of similarity 0.30 with probability" "low threshold warned about"
has "$T/err" "candidates from the LSH tables" "dedup summary"
expect 0 "dedup exact" -- "$BIN" dedup "$T/sx" --threshold 0.7 --exact -f tsv
awk -F'\t' '$4 < 0.7 { bad = 1 } END { exit bad }' "$T/out" && ok || no "exact pairs below the threshold"
expect 0 "dedup clusters" -- "$BIN" dedup "$T/sx" --threshold 0.5 --clusters -f json
has "$T/out" '"ids":\[' "clusters as JSON"
expect 0 "explain-lsh" -- "$BIN" dedup "$T/sx" --explain-lsh -f tsv
has "$T/err" "P(s) = 1 - (1 - s^5)^25" "S-curve printed"
expect 0 "similar --id" -- "$BIN" similar "$T/sx" --id US9100258B2 --threshold 0.6 -f tsv
has "$T/out" "US9100302B2" "planted partner found"
awk -F'\t' '$2 == "US9100258B2" { bad = 1 } END { exit bad }' "$T/out" && ok || no "similar --id returned itself"
expect 2 "similar without a query" -- "$BIN" similar "$T/sx"
expect 1 "similar unknown id" -- "$BIN" similar "$T/sx" --id NOPE
expect 0 "similar --doc" -- "$BIN" similar "$T/sx" --doc corpus/sample/pending.jsonl --threshold 0.6 -f tsv
has "$T/out" "US9101034B2" "a pending application's prior near-duplicate found"

# --- generator: deterministic
if [ -x "$GEN" ]; then
    "$GEN" --docs 200 --seed 7 --out "$T/g1.jsonl" 2>/dev/null
    "$GEN" --docs 200 --seed 7 --out "$T/g2.jsonl" 2>/dev/null
    cmp -s "$T/g1.jsonl" "$T/g2.jsonl" && ok || no "generator is not deterministic"
    expect 0 "generated corpus parses" -- "$BIN" parse --strict "$T/g1.jsonl"
    lines "$T/out" 200 "200 generated records"
fi

# --- a failed write names its cause, also for the files written on the
# segment writer's second thread (stored text, signatures: the largest here)
if [ -x "$GEN" ]; then
    "$GEN" --docs 3000 --seed 5 --out "$T/g3k.jsonl" 2>/dev/null
    for t in 1 2; do
        expect 1 "index past the file size limit, $t thread(s)" -- \
            bash -c "trap '' XFSZ; ulimit -f 1000; exec '$BIN' index -q -t $t -o '$T/fsz$t' '$T/g3k.jsonl'"
        has "$T/err" "write failed: File too large" "the file size limit named, $t thread(s)"
        [ ! -e "$T/fsz$t/MANIFEST" ] && ok || no "no index after a failed write, $t thread(s)"
    done
fi

# --- crash safety: kill -9 an appending process at random moments
if [ -x "$GEN" ] && [ -f corpus/sample/patents.jsonl ]; then
    "$GEN" --docs 20000 --seed 3 --out "$T/big.jsonl" 2>/dev/null
    "$BIN" index -q -o "$T/crash" corpus/sample/patents.jsonl
    for delay in 0.05 0.2 0.5 0.9 1.5 2.2; do
        "$BIN" index -q --append --mem-budget 64M -o "$T/crash" "$T/big.jsonl" &
        pid=$!
        sleep "$delay"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        if "$BIN" check "$T/crash" >"$T/out" 2>"$T/err"; then ok; else no "check after kill at ${delay}s"; sed 's/^/  | /' "$T/err"; fi
        n=$("$BIN" stats --json "$T/crash" | grep -m1 '"documents":' | tr -dc 0-9)
        case "$n" in 200|20200) ok ;; *) no "after kill at ${delay}s the index holds $n documents (200 or 20200 expected)" ;; esac
    done
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
