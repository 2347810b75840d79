// Benchmark peer: Apache Lucene 8.7 (Debian liblucene8-java).
//
// Implements the contract in bench/peers/README.md:
//
//   peer-lucene index [--threads N] INDEX_DIR DOCS.jsonl
//   peer-lucene query [--threads N] [--k K] [--mode or|mlt] [--warmup W]
//                     [--results FILE] [--timings FILE] INDEX_DIR QUERIES.tsv
//
// Only lucene-core, lucene-analyzers-common and lucene-queries are used; the
// JSON Lines input is read by the small parser in JsonRecord below (Debian
// ships no JSON jar among the installed packages).

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.queries.mlt.MoreLikeThis;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

public final class PeerLucene {
    static final String ENGINE = "lucene";
    static final String FIELD_TEXT = "text";
    static final String FIELD_ID = "id";
    static final Set<String> ID_ONLY = Collections.singleton(FIELD_ID);

    static final String USAGE =
        "usage: peer-lucene index [--threads N] INDEX_DIR DOCS.jsonl\n"
        + "       peer-lucene query [--threads N] [--k K] [--mode or|mlt] [--warmup W]\n"
        + "                         [--results FILE] [--timings FILE] INDEX_DIR QUERIES.tsv\n";

    /** Exit with a status after a message on stderr (used for all errors). */
    static final class Fail extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        Fail(int status, String msg) {
            super(msg);
            this.status = status;
        }
    }

    static Fail usage(String why) {
        return new Fail(2, (why == null ? "" : "peer-lucene: " + why + "\n") + USAGE.stripTrailing());
    }

    static BM25Similarity bm25() {
        return new BM25Similarity(1.2f, 0.75f);
    }

    public static void main(String[] args) {
        int status = 0;
        try {
            if (args.length == 0)
                throw usage(null);
            String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
            switch (args[0]) {
                case "index": runIndex(new Opts(rest, false)); break;
                case "query": runQuery(new Opts(rest, true)); break;
                case "-h": case "--help":
                    System.out.print(USAGE);
                    break;
                default: throw usage("unknown command '" + args[0] + "'");
            }
        } catch (Fail f) {
            System.err.println(f.getMessage());
            status = f.status;
        } catch (IOException | RuntimeException e) {
            System.err.println("peer-lucene: " + e);
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    // ------------------------------------------------------------------
    // Command line

    static final class Opts {
        int threads = 1, k = 100, warmup = 0;
        String mode = "or", results, timings, indexDir, input;

        Opts(String[] a, boolean query) {
            List<String> pos = new ArrayList<>();
            for (int i = 0; i < a.length; i++) {
                String o = a[i];
                if (!o.startsWith("--") || o.equals("--")) {
                    if (o.equals("--")) {
                        pos.addAll(java.util.Arrays.asList(a).subList(i + 1, a.length));
                        break;
                    }
                    pos.add(o);
                    continue;
                }
                boolean known = o.equals("--threads")
                    || (query && (o.equals("--k") || o.equals("--mode") || o.equals("--warmup")
                                  || o.equals("--results") || o.equals("--timings")));
                if (!known)
                    throw usage("unknown option " + o);
                if (i + 1 >= a.length)
                    throw usage(o + " needs a value");
                String v = a[++i];
                switch (o) {
                    case "--threads": threads = intArg(o, v, 1); break;
                    case "--k": k = intArg(o, v, 1); break;
                    case "--warmup": warmup = intArg(o, v, 0); break;
                    case "--mode":
                        if (!v.equals("or") && !v.equals("mlt"))
                            throw usage("--mode must be or or mlt");
                        mode = v;
                        break;
                    case "--results": results = v; break;
                    case "--timings": timings = v; break;
                    default: throw new AssertionError(o);
                }
            }
            if (pos.size() != 2)
                throw usage(pos.size() < 2 ? "missing arguments" : "too many arguments");
            indexDir = pos.get(0);
            input = pos.get(1);
        }

        static int intArg(String opt, String v, int min) {
            try {
                int n = Integer.parseInt(v);
                if (n >= min)
                    return n;
            } catch (NumberFormatException e) {
                // fall through
            }
            throw usage(opt + " needs an integer >= " + min + ", not '" + v + "'");
        }
    }

    // ------------------------------------------------------------------
    // index

    /** A run of consecutive input lines handed to an indexing thread. */
    static final class Batch {
        final long firstLine;
        final List<String> lines;

        Batch(long firstLine, List<String> lines) {
            this.firstLine = firstLine;
            this.lines = lines;
        }
    }

    static final Batch END = new Batch(0, Collections.emptyList());
    static final int BATCH_LINES = 256;

    /** Counters and the first bad line, shared by the indexing threads. */
    static final class IndexState {
        final String file;
        final IndexWriter writer;
        long docs, bytes;
        long errLine = Long.MAX_VALUE;
        String errMsg;
        Throwable ioErr;

        IndexState(String file, IndexWriter writer) {
            this.file = file;
            this.writer = writer;
        }

        synchronized boolean failed() {
            return errMsg != null || ioErr != null;
        }

        synchronized void add(long d, long b) {
            docs += d;
            bytes += b;
        }

        synchronized void badLine(long line, String msg) {
            if (line < errLine) {
                errLine = line;
                errMsg = msg;
            }
        }

        synchronized void ioError(Throwable t) {
            if (ioErr == null)
                ioErr = t;
        }
    }

    static void runIndex(Opts o) throws IOException {
        Path dir = Paths.get(o.indexDir);
        Path in = Paths.get(o.input);
        if (!Files.isReadable(in) || Files.isDirectory(in))
            throw new Fail(1, "peer-lucene: cannot read " + o.input);
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir))
                throw new Fail(1, "peer-lucene: " + o.indexDir + " exists and is not a directory");
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent())
                    throw new Fail(1, "peer-lucene: " + o.indexDir + " is not empty");
            }
        }
        Files.createDirectories(dir);

        Analyzer analyzer = new EnglishAnalyzer();
        IndexWriterConfig cfg = new IndexWriterConfig(analyzer)
            .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
            .setSimilarity(bm25())
            .setRAMBufferSizeMB(256);
        // No forceMerge: the index is left with the segments the flushes and
        // the default TieredMergePolicy produce, as a normal Lucene
        // application would serve it. Background merges (if any) finish
        // inside close(), which is part of the timed build.

        long t0 = System.nanoTime();
        try (Directory fsd = FSDirectory.open(dir);
             BufferedReader r = new BufferedReader(
                 new InputStreamReader(Files.newInputStream(in), StandardCharsets.UTF_8), 1 << 16)) {
            IndexWriter w = new IndexWriter(fsd, cfg);
            IndexState st = new IndexState(o.input, w);
            boolean ok = false;
            try {
                if (o.threads == 1)
                    indexSerial(r, st);
                else
                    indexThreaded(r, st, o.threads);
                if (st.ioErr != null)
                    throw new IOException("indexing failed: " + st.ioErr, st.ioErr);
                if (st.errMsg != null)
                    throw new Fail(1, st.file + ":" + st.errLine + ": " + st.errMsg);
                w.commit();
                w.close();
                ok = true;
            } finally {
                if (!ok) {
                    // Leave INDEX_DIR empty again (rollback keeps the lock file).
                    w.rollback();
                    Files.deleteIfExists(dir.resolve(IndexWriter.WRITE_LOCK_NAME));
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long indexBytes = dirBytes(dir);
            System.out.println("{\"engine\":\"" + ENGINE + "\",\"op\":\"index\",\"threads\":" + o.threads
                + ",\"docs\":" + st.docs + ",\"bytes\":" + st.bytes + ",\"seconds\":" + fmtG(secs)
                + ",\"index_bytes\":" + indexBytes + "}");
        }
    }

    /** --threads 1: read, parse and add documents on the calling thread. */
    static void indexSerial(BufferedReader r, IndexState st) throws IOException {
        long lineNo = 0, docs = 0, bytes = 0;
        JsonRecord rec = new JsonRecord();
        Document doc = new Document();
        Field idF = new StringField(FIELD_ID, "", Field.Store.YES);
        Field textF = new TextField(FIELD_TEXT, "", Field.Store.NO);
        doc.add(idF);
        doc.add(textF);
        for (String line; (line = r.readLine()) != null; ) {
            lineNo++;
            int res = rec.parse(line, lineNo == 1);
            if (res == JsonRecord.BLANK)
                continue;
            if (res == JsonRecord.BAD) {
                st.badLine(lineNo, rec.error);
                return;
            }
            idF.setStringValue(rec.id);
            textF.setStringValue(rec.title + " " + rec.abstract_);
            st.writer.addDocument(doc);
            docs++;
            bytes += utf8Length(rec.title) + utf8Length(rec.abstract_);
        }
        st.add(docs, bytes);
    }

    /**
     * --threads N > 1: the calling thread only reads lines (cheap) and hands
     * batches to N workers, which parse the JSON and call addDocument
     * concurrently (IndexWriter is thread-safe; each thread fills its own
     * in-memory segment). On a bad line the reader stops and the workers
     * still parse (but no longer index) every batch already read, so the
     * smallest bad line number reported is the first one in the file.
     */
    static void indexThreaded(BufferedReader r, IndexState st, int n) throws IOException {
        BlockingQueue<Batch> q = new ArrayBlockingQueue<>(4 * n);
        Thread[] workers = new Thread[n];
        for (int i = 0; i < n; i++) {
            workers[i] = new Thread(() -> indexWorker(q, st), "index-" + i);
            workers[i].start();
        }
        long lineNo = 0;
        try {
            List<String> cur = new ArrayList<>(BATCH_LINES);
            long first = 1;
            for (String line; !st.failed() && (line = r.readLine()) != null; ) {
                lineNo++;
                cur.add(line);
                if (cur.size() == BATCH_LINES) {
                    putQuietly(q, new Batch(first, cur));
                    cur = new ArrayList<>(BATCH_LINES);
                    first = lineNo + 1;
                }
            }
            if (!cur.isEmpty())
                putQuietly(q, new Batch(first, cur));
        } finally {
            for (int i = 0; i < n; i++)
                putQuietly(q, END);
            for (Thread t : workers) {
                while (true) {
                    try {
                        t.join();
                        break;
                    } catch (InterruptedException e) {
                        // keep waiting: the workers must finish before commit
                    }
                }
            }
        }
    }

    static void indexWorker(BlockingQueue<Batch> q, IndexState st) {
        JsonRecord rec = new JsonRecord();
        Document doc = new Document();
        Field idF = new StringField(FIELD_ID, "", Field.Store.YES);
        Field textF = new TextField(FIELD_TEXT, "", Field.Store.NO);
        doc.add(idF);
        doc.add(textF);
        long docs = 0, bytes = 0;
        try {
            for (Batch b; (b = q.take()) != END; ) {
                for (int i = 0; i < b.lines.size(); i++) {
                    long lineNo = b.firstLine + i;
                    int res = rec.parse(b.lines.get(i), lineNo == 1);
                    if (res == JsonRecord.BLANK)
                        continue;
                    if (res == JsonRecord.BAD) {
                        st.badLine(lineNo, rec.error);
                        break;
                    }
                    if (st.failed())
                        continue;
                    idF.setStringValue(rec.id);
                    textF.setStringValue(rec.title + " " + rec.abstract_);
                    st.writer.addDocument(doc);
                    docs++;
                    bytes += utf8Length(rec.title) + utf8Length(rec.abstract_);
                }
            }
        } catch (InterruptedException e) {
            st.ioError(e);
        } catch (IOException | RuntimeException e) {
            st.ioError(e);
            // drain so the reader never blocks on a full queue
            while (q.poll() != null) { }
        }
        st.add(docs, bytes);
    }

    static void putQuietly(BlockingQueue<Batch> q, Batch b) {
        while (true) {
            try {
                q.put(b);
                return;
            } catch (InterruptedException e) {
                // retry: nothing interrupts these threads on purpose
            }
        }
    }

    static long dirBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            long total = 0;
            for (Path p : (Iterable<Path>) s::iterator)
                if (Files.isRegularFile(p))
                    total += Files.size(p);
            return total;
        }
    }

    /** UTF-8 length of a Java string (the parser leaves no lone surrogates). */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80)
                n += 1;
            else if (c < 0x800)
                n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                     && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else
                n += 3;
        }
        return n;
    }

    // ------------------------------------------------------------------
    // JSON Lines

    /**
     * Reads one JSON object per line and keeps the string fields id, title
     * and abstract; every other value (numbers, literals, arrays, objects) is
     * checked for well-formedness and skipped. A missing or null title or
     * abstract is empty; a missing id is an error.
     */
    static final class JsonRecord {
        static final int OK = 0, BLANK = 1, BAD = 2;

        String id, title, abstract_;
        /** The message when parse() returned BAD. */
        String error;
        private String s;
        private int p;
        private final StringBuilder sb = new StringBuilder();

        static final class Bad extends Exception {
            private static final long serialVersionUID = 1L;

            Bad(String msg) {
                super(msg, null, false, false);
            }
        }

        /** OK (fields set), BLANK (only white space: skipped) or BAD (see error). */
        int parse(String line, boolean firstLine) {
            s = line;
            p = 0;
            id = null;
            title = "";
            abstract_ = "";
            if (firstLine)
                while (p < s.length() && s.charAt(p) == '\uFEFF')
                    p++;
            try {
                ws();
                if (p == s.length())
                    return BLANK;
                expect('{');
                ws();
                if (peek() == '}') {
                    p++;
                } else {
                    while (true) {
                        ws();
                        if (peek() != '"')
                            throw bad("expected a string key");
                        String key = string();
                        ws();
                        expect(':');
                        ws();
                        boolean wanted = key.equals("id") || key.equals("title") || key.equals("abstract");
                        if (wanted && peek() == '"') {
                            String v = string();
                            if (key.equals("id"))
                                id = v;
                            else if (key.equals("title"))
                                title = v;
                            else
                                abstract_ = v;
                        } else if (wanted && !key.equals("id") && s.startsWith("null", p)) {
                            p += 4;
                            if (key.equals("title"))
                                title = "";
                            else
                                abstract_ = "";
                        } else if (wanted) {
                            throw bad("field \"" + key + "\" is not a string");
                        } else {
                            skipValue(0);
                        }
                        ws();
                        char c = next();
                        if (c == '}')
                            break;
                        if (c != ',')
                            throw bad("expected ',' or '}'", p - 1);
                    }
                }
                ws();
                if (p != s.length())
                    throw bad("trailing characters after the object");
                if (id == null)
                    throw new Bad("record has no \"id\"");
                return OK;
            } catch (Bad e) {
                error = e.getMessage();
                return BAD;
            }
        }

        private Bad bad(String msg) {
            return bad(msg, p);
        }

        private Bad bad(String msg, int at) {
            return new Bad("bad JSON at column " + (at + 1) + ": " + msg);
        }

        private void ws() {
            while (p < s.length()) {
                char c = s.charAt(p);
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
                    break;
                p++;
            }
        }

        private char peek() throws Bad {
            if (p >= s.length())
                throw bad("unexpected end of line");
            return s.charAt(p);
        }

        private char next() throws Bad {
            char c = peek();
            p++;
            return c;
        }

        private void expect(char c) throws Bad {
            if (peek() != c)
                throw bad("expected '" + c + "'");
            p++;
        }

        /** A JSON string at p (which is '"'), decoded. */
        private String string() throws Bad {
            p++;
            // fast path: no escapes
            int start = p;
            while (p < s.length()) {
                char c = s.charAt(p);
                if (c == '"') {
                    String v = s.substring(start, p);
                    p++;
                    return v;
                }
                if (c == '\\' || c < 0x20 || Character.isSurrogate(c))
                    break;
                p++;
            }
            sb.setLength(0);
            sb.append(s, start, p);
            while (true) {
                char c = next();
                if (c == '"')
                    return sb.toString();
                if (c < 0x20)
                    throw bad("control character in a string", p - 1);
                if (c == '\\') {
                    char e = next();
                    switch (e) {
                        case '"': sb.append('"'); break;
                        case '\\': sb.append('\\'); break;
                        case '/': sb.append('/'); break;
                        case 'b': sb.append('\b'); break;
                        case 'f': sb.append('\f'); break;
                        case 'n': sb.append('\n'); break;
                        case 'r': sb.append('\r'); break;
                        case 't': sb.append('\t'); break;
                        case 'u': unicodeEscape(); break;
                        default: throw bad("bad escape \\" + e, p - 1);
                    }
                } else if (Character.isHighSurrogate(c) && p < s.length()
                           && Character.isLowSurrogate(s.charAt(p))) {
                    sb.append(c).append(s.charAt(p++));
                } else if (Character.isSurrogate(c)) {
                    sb.append('\uFFFD'); // unpaired surrogate (cannot come from valid UTF-8)
                } else {
                    sb.append(c);
                }
            }
        }

        /** After "\\u": one code unit, or a surrogate pair written as two escapes. */
        private void unicodeEscape() throws Bad {
            char u = hex4();
            if (Character.isHighSurrogate(u)) {
                if (s.startsWith("\\u", p)) {
                    int save = p;
                    p += 2;
                    char lo = hex4();
                    if (Character.isLowSurrogate(lo)) {
                        sb.append(u).append(lo);
                        return;
                    }
                    p = save; // not a pair: the next escape stands on its own
                }
                sb.append('\uFFFD');
            } else if (Character.isLowSurrogate(u)) {
                sb.append('\uFFFD');
            } else {
                sb.append(u);
            }
        }

        private char hex4() throws Bad {
            if (p + 4 > s.length())
                throw bad("short \\u escape");
            int v = 0;
            for (int i = 0; i < 4; i++) {
                int d = Character.digit(s.charAt(p + i), 16);
                if (d < 0)
                    throw bad("bad hex digit in \\u escape", p + i);
                v = v * 16 + d;
            }
            p += 4;
            return (char) v;
        }

        /** Skips any JSON value, checking its syntax (depth-limited). */
        private void skipValue(int depth) throws Bad {
            if (depth > 1000)
                throw bad("nesting too deep");
            char c = peek();
            switch (c) {
                case '"':
                    skipString();
                    return;
                case '{':
                    p++;
                    ws();
                    if (peek() == '}') {
                        p++;
                        return;
                    }
                    while (true) {
                        ws();
                        if (peek() != '"')
                            throw bad("expected a string key");
                        skipString();
                        ws();
                        expect(':');
                        ws();
                        skipValue(depth + 1);
                        ws();
                        char d = next();
                        if (d == '}')
                            return;
                        if (d != ',')
                            throw bad("expected ',' or '}'", p - 1);
                    }
                case '[':
                    p++;
                    ws();
                    if (peek() == ']') {
                        p++;
                        return;
                    }
                    while (true) {
                        ws();
                        skipValue(depth + 1);
                        ws();
                        char d = next();
                        if (d == ']')
                            return;
                        if (d != ',')
                            throw bad("expected ',' or ']'", p - 1);
                    }
                case 't': literal("true"); return;
                case 'f': literal("false"); return;
                case 'n': literal("null"); return;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        number();
                        return;
                    }
                    throw bad("unexpected character '" + c + "'");
            }
        }

        private void skipString() throws Bad {
            p++;
            while (true) {
                char c = next();
                if (c == '"')
                    return;
                if (c < 0x20)
                    throw bad("control character in a string", p - 1);
                if (c == '\\') {
                    char e = next();
                    if (e == 'u')
                        hex4();
                    else if ("\"\\/bfnrt".indexOf(e) < 0)
                        throw bad("bad escape \\" + e, p - 1);
                }
            }
        }

        private void literal(String w) throws Bad {
            if (!s.startsWith(w, p))
                throw bad("bad literal");
            p += w.length();
        }

        /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
        private void number() throws Bad {
            int start = p;
            if (peek() == '-')
                p++;
            if (peek() == '0')
                p++;
            else if (digits() == 0)
                throw bad("bad number", start);
            if (p < s.length() && s.charAt(p) == '.') {
                p++;
                if (digits() == 0)
                    throw bad("bad number", start);
            }
            if (p < s.length() && (s.charAt(p) == 'e' || s.charAt(p) == 'E')) {
                p++;
                if (p < s.length() && (s.charAt(p) == '+' || s.charAt(p) == '-'))
                    p++;
                if (digits() == 0)
                    throw bad("bad number", start);
            }
        }

        private int digits() {
            int n = 0;
            while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
                p++;
                n++;
            }
            return n;
        }
    }

    // ------------------------------------------------------------------
    // query

    static final class QueryLine {
        final String qid, text;
        // outputs of the timed pass
        int nTerms;
        long analysisUs, searchUs;
        String[] ids;
        float[] scores;

        QueryLine(String qid, String text) {
            this.qid = qid;
            this.text = text;
        }
    }

    /** Per-thread query state over the one shared IndexSearcher. */
    static final class Worker {
        final IndexSearcher searcher;
        final Analyzer analyzer;
        final String mode;
        final int k;
        final MoreLikeThis mlt;
        final LinkedHashSet<String> terms = new LinkedHashSet<>();

        Worker(IndexSearcher searcher, Analyzer analyzer, String mode, int k) {
            this.searcher = searcher;
            this.analyzer = analyzer;
            this.mode = mode;
            this.k = k;
            if (mode.equals("mlt")) {
                // MoreLikeThis approximates the full disjunction: it keeps only
                // the query text's top maxQueryTerms (default 25) terms ranked
                // by tf * idf (ClassicSimilarity idf from this index) and ORs
                // them, each TermQuery then scored by the searcher's BM25 (no
                // per-term boosts: setBoost stays false). minTermFreq = 1 and
                // minDocFreq = 1 so short keyword queries keep all their terms.
                mlt = new MoreLikeThis(searcher.getIndexReader());
                mlt.setAnalyzer(analyzer);
                mlt.setFieldNames(new String[] {FIELD_TEXT});
                mlt.setMinTermFreq(1);
                mlt.setMinDocFreq(1);
            } else {
                mlt = null;
            }
        }

        /** Runs one query; with record, keeps hits and timings in q. */
        void run(QueryLine q, boolean record) throws IOException {
            long t0 = System.nanoTime();
            Query query;
            int nTerms;
            if (mlt != null) {
                // Analysis here includes MoreLikeThis's term selection, which
                // looks up document frequencies in the index.
                query = mlt.like(FIELD_TEXT, new StringReader(q.text));
                nTerms = query instanceof BooleanQuery ? ((BooleanQuery) query).clauses().size() : 1;
            } else {
                terms.clear();
                try (TokenStream ts = analyzer.tokenStream(FIELD_TEXT, q.text)) {
                    CharTermAttribute att = ts.addAttribute(CharTermAttribute.class);
                    ts.reset();
                    while (ts.incrementToken())
                        terms.add(att.toString());
                    ts.end();
                }
                BooleanQuery.Builder b = new BooleanQuery.Builder();
                for (String t : terms)
                    b.add(new TermQuery(new Term(FIELD_TEXT, t)), BooleanClause.Occur.SHOULD);
                query = b.build();
                nTerms = terms.size();
            }
            long t1 = System.nanoTime();
            String[] ids;
            float[] scores;
            if (nTerms == 0) {
                ids = new String[0];
                scores = new float[0];
            } else {
                // Top-k by BM25. Lucene may skip non-competitive documents
                // (block-max WAND) because the exact total hit count is not
                // asked for; the top k are the same as an exhaustive scan.
                TopDocs td = searcher.search(query, k);
                ScoreDoc[] sd = td.scoreDocs;
                ids = new String[sd.length];
                scores = new float[sd.length];
                for (int i = 0; i < sd.length; i++) {
                    ids[i] = searcher.doc(sd[i].doc, ID_ONLY).get(FIELD_ID);
                    scores[i] = sd[i].score;
                }
            }
            long t2 = System.nanoTime();
            if (record) {
                q.nTerms = nTerms;
                q.analysisUs = (t1 - t0) / 1000;
                q.searchUs = (t2 - t1) / 1000;
                q.ids = ids;
                q.scores = scores;
            }
        }
    }

    static List<QueryLine> readQueries(String file) throws IOException {
        List<QueryLine> qs = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(Paths.get(file), StandardCharsets.UTF_8)) {
            long lineNo = 0;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (lineNo == 1)
                    while (line.startsWith("\uFEFF"))
                        line = line.substring(1);
                if (line.isEmpty())
                    continue;
                int tab = line.indexOf('\t');
                if (tab <= 0)
                    throw new Fail(1, file + ":" + lineNo + ": expected QUERY_ID<TAB>TEXT");
                qs.add(new QueryLine(line.substring(0, tab), line.substring(tab + 1)));
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new Fail(1, "peer-lucene: cannot read " + file);
        }
        return qs;
    }

    static void runQuery(Opts o) throws IOException {
        List<QueryLine> qs = readQueries(o.input);
        Path dir = Paths.get(o.indexDir);
        if (!Files.isDirectory(dir))
            throw new Fail(1, "peer-lucene: no index at " + o.indexDir);
        // Long query documents (whole abstracts) can have hundreds of terms.
        BooleanQuery.setMaxClauseCount(1 << 20);
        Analyzer analyzer = new EnglishAnalyzer();
        try (Directory fsd = FSDirectory.open(dir);
             DirectoryReader reader = DirectoryReader.open(fsd)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            searcher.setSimilarity(bm25());
            // No query cache: it only caches non-scoring clauses anyway, and
            // repeated warm-up passes must not leave cached results behind.
            searcher.setQueryCache(null);

            int n = Math.min(o.threads, Math.max(1, qs.size()));
            Worker[] workers = new Worker[n];
            for (int i = 0; i < n; i++)
                workers[i] = new Worker(searcher, analyzer, o.mode, o.k);

            for (int w = 0; w < o.warmup; w++)
                pass(qs, workers, false);
            long t0 = System.nanoTime();
            pass(qs, workers, true);
            double secs = (System.nanoTime() - t0) / 1e9;

            if (o.results != null)
                writeResults(o.results, qs);
            if (o.timings != null)
                writeTimings(o.timings, qs);
            System.out.println("{\"engine\":\"" + ENGINE + "\",\"op\":\"query\",\"mode\":\"" + o.mode
                + "\",\"threads\":" + o.threads + ",\"queries\":" + qs.size()
                + ",\"seconds\":" + fmtG(secs) + "}");
        } catch (org.apache.lucene.index.IndexNotFoundException e) {
            throw new Fail(1, "peer-lucene: no index at " + o.indexDir + ": " + e.getMessage());
        }
    }

    /**
     * One pass over all queries. Threads take the next query index from a
     * shared counter (so a slow query does not leave a thread idle); each
     * query's output lands in its own QueryLine, so file order is kept.
     */
    static void pass(List<QueryLine> qs, Worker[] workers, boolean record) throws IOException {
        if (workers.length == 1) {
            for (QueryLine q : qs)
                workers[0].run(q, record);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Throwable[] err = new Throwable[1];
        Thread[] ts = new Thread[workers.length];
        for (int i = 0; i < ts.length; i++) {
            Worker w = workers[i];
            ts[i] = new Thread(() -> {
                try {
                    for (int j; (j = next.getAndIncrement()) < qs.size(); )
                        w.run(qs.get(j), record);
                } catch (IOException | RuntimeException e) {
                    synchronized (err) {
                        if (err[0] == null)
                            err[0] = e;
                    }
                    next.set(qs.size());
                }
            }, "query-" + i);
            ts[i].start();
        }
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IOException("interrupted", e);
            }
        }
        if (err[0] instanceof IOException)
            throw (IOException) err[0];
        if (err[0] != null)
            throw (RuntimeException) err[0];
    }

    static Writer openOut(String file) throws IOException {
        return new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(Paths.get(file)),
                                                         StandardCharsets.UTF_8), 1 << 16);
    }

    static void writeResults(String file, List<QueryLine> qs) throws IOException {
        try (Writer w = openOut(file)) {
            for (QueryLine q : qs)
                for (int i = 0; i < q.ids.length; i++)
                    w.write(q.qid + "\t" + (i + 1) + "\t" + q.ids[i] + "\t" + fmtG(q.scores[i]) + "\n");
        }
    }

    static void writeTimings(String file, List<QueryLine> qs) throws IOException {
        try (Writer w = openOut(file)) {
            for (QueryLine q : qs)
                w.write(q.qid + "\t" + q.nTerms + "\t" + q.analysisUs + "\t" + q.searchUs + "\n");
        }
    }

    // ------------------------------------------------------------------
    // Number formatting

    static final MathContext SIX = new MathContext(6, RoundingMode.HALF_EVEN);

    /**
     * C's printf("%.6g"): 6 significant digits, trailing zeros dropped,
     * exponent form when the exponent is < -4 or >= 6. Done by hand because
     * Java's %g keeps trailing zeros and switches to exponent form at other
     * bounds; rounding is on the exact binary value, as glibc does, so the
     * text matches patsift's (bench/bench_util.h) digit for digit.
     */
    static String fmtG(double v) {
        if (Double.isNaN(v))
            return "nan";
        if (Double.isInfinite(v))
            return v > 0 ? "inf" : "-inf";
        if (v == 0)
            return (1 / v < 0) ? "-0" : "0";
        BigDecimal r = new BigDecimal(v).round(SIX);
        int x = r.precision() - r.scale() - 1;
        BigDecimal s = r.stripTrailingZeros();
        if (x < -4 || x >= 6) {
            String d = s.unscaledValue().abs().toString();
            StringBuilder b = new StringBuilder();
            if (v < 0)
                b.append('-');
            b.append(d.charAt(0));
            if (d.length() > 1)
                b.append('.').append(d, 1, d.length());
            b.append('e').append(x < 0 ? '-' : '+');
            int ax = Math.abs(x);
            if (ax < 10)
                b.append('0');
            return b.append(ax).toString();
        }
        return s.toPlainString();
    }
}
