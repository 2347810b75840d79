#!/bin/bash
# `make demo`: patsift on the bundled corpus, as far as patsift goes today
# (read, analyse, index, search, near-duplicates; triage comes in a later issue).
set -eu
BIN=${1:-build/patsift}
S=corpus/sample
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

step "1. Read the bundled corpus (JSON Lines, USPTO XML, plain text) into canonical records" \
     "patsift parse $S > /tmp/patsift-demo.jsonl"
"$BIN" parse "$S" >/tmp/patsift-demo.jsonl

step "2. One record, as every reader delivers it" "head -1 /tmp/patsift-demo.jsonl"
head -1 /tmp/patsift-demo.jsonl | cut -c1-600
echo "..."

step "3. A USPTO bulk XML file: several documents in one file, sequence listings skipped" \
     "patsift parse $S/xml/sample-grants.xml"
"$BIN" parse "$S/xml/sample-grants.xml" | cut -c1-160

step "4. What a sentence becomes when indexed (stop words out, stems, CJK bigrams)" \
     "patsift analyze 'The said lithium-ion cells, wherein each cell ... 锂离子电池'"
"$BIN" analyze "The said lithium-ion cells, wherein each cell's separator is 3.5 µm thick; 锂离子电池"

step "5. Term statistics of the whole corpus, analysed on all cores" \
     "patsift analyze --corpus --top 10 $S"
"$BIN" analyze --corpus --top 10 "$S"

step "6. Pending applications waiting for triage (entity size, fast-track request, claims)" \
     "patsift parse --tsv $S/pending.jsonl | head -12"
"$BIN" parse --tsv -q "$S/pending.jsonl" | cut -c1-150 | head -12
rm -f /tmp/patsift-demo.jsonl

IDX=$(mktemp -d)/index
step "7. Index the published patents (not the pending applications) on all cores" \
     "patsift index -o $IDX $S/patents.jsonl $S/xml $S/txt"
"$BIN" index -o "$IDX" "$S/patents.jsonl" "$S/xml" "$S/txt"

step "8. What the index holds" "patsift stats $IDX"
"$BIN" stats "$IDX"

step "9. A stored document, read back from the index" "patsift show $IDX US9100001B2"
"$BIN" show "$IDX" US9100001B2 | head -14
echo "..."

step "10. Verify every byte of the index" "patsift check $IDX"
"$BIN" check "$IDX"

step "11. Prior art for a few keywords" "patsift search $IDX -k 5 -f table membrane salt rejection"
"$BIN" search "$IDX" -k 5 -f table membrane salt rejection

step "12. Prior art for each pending application, with the evidence (first 2 shown)" \
     "patsift search $IDX --doc $S/pending.jsonl -k 3 -f table --explain"
"$BIN" search "$IDX" --doc "$S/pending.jsonl" -k 3 -f table --explain | awk '/^query / { n++ } n <= 2'

step "13. Near-duplicate pairs (continuations, divisionals, copied filings), verified exactly" \
     "patsift dedup $IDX --threshold 0.7 -f table"
"$BIN" dedup "$IDX" --threshold 0.7 -f table
rm -rf "$(dirname "$IDX")"
printf '\nNext: triage and pre-filing checks (see README.md, "Roadmap").\n'
