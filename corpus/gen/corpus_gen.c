/*
 * corpus_gen.c - patsift-gen: a deterministic generator of large synthetic
 * patent corpora (JSON Lines) for testing and benchmarking patsift.
 *
 * Build:
 *   cc -std=c11 -O2 -Wall -Wextra -o corpus/gen/patsift-gen \
 *      corpus/gen/corpus_gen.c -ljansson -lm
 *
 * Determinism: every random choice comes from our own xoshiro256** generator
 * (seeded through splitmix64), and every floating-point value that influences
 * the output is computed with IEEE-754 basic operations only (+ - * /), never
 * with libm functions whose last bit may differ between C libraries.  The
 * same arguments (and, with --learn, the same input bytes) therefore give
 * byte-identical output on every machine.
 *
 * Every document is generated from its own random stream derived from
 * (seed, document number), so a planted near-duplicate can regenerate its
 * source document on demand instead of keeping the corpus in memory.
 *
 * All text is synthetic: either made of a built-in vocabulary (a hand-written
 * list of technical English words plus deterministic syllable words), or of
 * word and word-pair frequencies learned from a JSON Lines file (--learn).
 * Learned mode keeps statistics only; sentences are sampled from a bigram
 * chain that is frequently interrupted by unigram and topic draws.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static const char *PROG = "patsift-gen";

/* ------------------------------------------------------------------ */
/* errors and memory                                                   */
/* ------------------------------------------------------------------ */

static void die(int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", PROG);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (code == 2)
        fprintf(stderr, "Try '%s --help' for more information.\n", PROG);
    exit(code);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die(1, "out of memory");
    return p;
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        die(1, "out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die(1, "out of memory");
    return p;
}

/* ------------------------------------------------------------------ */
/* PRNG: splitmix64 for seeding, xoshiro256** for streams              */
/* ------------------------------------------------------------------ */

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t mix3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t x = a;
    uint64_t h = splitmix64(&x);
    x = h ^ (b * 0xD1B54A32D192ED03ULL);
    h = splitmix64(&x);
    x = h ^ (c * 0x8CB92BA72F3D8DD7ULL);
    return splitmix64(&x);
}

static void rng_seed(rng_t *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* uniform integer in [0, n), n >= 1 and n < 2^32 */
static inline uint32_t rng_below(rng_t *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* uniform double in [0, 1) */
static inline double rng_unif(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* ------------------------------------------------------------------ */
/* deterministic math (basic IEEE operations only)                     */
/* ------------------------------------------------------------------ */

static double det_exp(double x)
{
    if (x > 700.0)
        x = 700.0;
    if (x < -700.0)
        return 0.0;
    double kf = x / 0.69314718055994530942;
    long k = (long)(kf < 0 ? kf - 0.5 : kf + 0.5);
    double r = (x - (double)k * 6.93147180369123816490e-01) -
               (double)k * 1.90821492927058770002e-10;
    double s = 1.0;
    for (int i = 24; i >= 1; i--)
        s = 1.0 + s * r / (double)i;
    while (k > 0) {
        s *= 2.0;
        k--;
    }
    while (k < 0) {
        s *= 0.5;
        k++;
    }
    return s;
}

static double det_log(double x)
{
    int e = 0;
    while (x > 1.41421356237309504880) {
        x *= 0.5;
        e++;
    }
    while (x < 0.70710678118654752440) {
        x *= 2.0;
        e--;
    }
    double t = (x - 1.0) / (x + 1.0), t2 = t * t, term = t, sum = 0.0;
    for (int i = 1; i < 61; i += 2) {
        sum += term / (double)i;
        term *= t2;
    }
    return 2.0 * sum + (double)e * 0.69314718055994530942;
}

static double det_pow(double b, double e)
{
    return det_exp(e * det_log(b));
}

/* approximately standard normal: Irwin-Hall sum of 12 uniforms */
static double rng_normal(rng_t *r)
{
    double s = 0.0;
    for (int i = 0; i < 12; i++)
        s += rng_unif(r);
    return s - 6.0;
}

static int rng_lognormal(rng_t *r, double median, double sigma, int lo, int hi)
{
    double v = median * det_exp(sigma * rng_normal(r));
    if (v < (double)lo)
        return lo;
    if (v > (double)hi)
        return hi;
    return (int)(v + 0.5);
}

/* ------------------------------------------------------------------ */
/* discrete distributions (integer cumulative table + guide table)     */
/* ------------------------------------------------------------------ */

#define GUIDE_N 4096

typedef struct {
    uint32_t n;
    uint64_t total;
    uint64_t bucket;
    uint64_t *cum;
    uint32_t guide[GUIDE_N];
} cdf_t;

static void cdf_build(cdf_t *c, const uint64_t *w, uint32_t n)
{
    c->n = n;
    c->cum = xmalloc((size_t)n * sizeof *c->cum);
    uint64_t acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        acc += w[i];
        c->cum[i] = acc;
    }
    if (acc == 0)
        die(1, "internal error: empty distribution");
    c->total = acc;
    c->bucket = acc / GUIDE_N + 1;
    uint32_t k = 0;
    for (uint32_t b = 0; b < GUIDE_N; b++) {
        uint64_t lo = (uint64_t)b * c->bucket;
        while (k + 1 < n && c->cum[k] <= lo)
            k++;
        c->guide[b] = k;
    }
}

static inline uint32_t cdf_sample(const cdf_t *c, rng_t *r)
{
    uint64_t u;
    if (c->total <= 0xFFFFFFFFULL)
        u = ((rng_next(r) >> 32) * c->total) >> 32;
    else
        u = rng_next(r) % c->total;
    uint32_t k = c->guide[u / c->bucket];
    while (c->cum[k] <= u)
        k++;
    return k;
}

/* Zipf weights 1/(rank+1)^s scaled so that the total stays below 2^32 */
static void zipf_weights(uint64_t *w, uint32_t n, double s)
{
    double *d = xmalloc((size_t)n * sizeof *d);
    double tot = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        d[i] = 1.0 / det_pow((double)(i + 1), s);
        tot += d[i];
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = (uint64_t)(d[i] / tot * 2147483648.0);
        w[i] = v ? v : 1;
    }
    free(d);
}

/* ------------------------------------------------------------------ */
/* growable buffers                                                    */
/* ------------------------------------------------------------------ */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static void buf_reserve(buf_t *b, size_t extra)
{
    if (b->len + extra <= b->cap)
        return;
    size_t nc = b->cap ? b->cap : 4096;
    while (nc < b->len + extra)
        nc *= 2;
    b->p = xrealloc(b->p, nc);
    b->cap = nc;
}

static inline void buf_put(buf_t *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static inline void buf_putc(buf_t *b, char c)
{
    buf_reserve(b, 1);
    b->p[b->len++] = c;
}

static inline void buf_puts(buf_t *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

/* append s as JSON string contents (no quotes) */
static void buf_json_escape(buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c == '\n') {
            buf_put(b, "\\n", 2);
        } else if (c == '\t') {
            buf_put(b, "\\t", 2);
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_put(b, e, 6);
        } else {
            buf_putc(b, (char)c);
        }
    }
}

typedef struct {
    uint32_t *t;
    size_t n, cap;
} tokv_t;

static inline void tv_push(tokv_t *v, uint32_t x)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->t = xrealloc(v->t, v->cap * sizeof *v->t);
    }
    v->t[v->n++] = x;
}

static void tv_insert(tokv_t *v, size_t pos, uint32_t x)
{
    tv_push(v, 0);
    memmove(v->t + pos + 1, v->t + pos, (v->n - 1 - pos) * sizeof *v->t);
    v->t[pos] = x;
}

static void tv_erase(tokv_t *v, size_t pos)
{
    memmove(v->t + pos, v->t + pos + 1, (v->n - pos - 1) * sizeof *v->t);
    v->n--;
}

/* ------------------------------------------------------------------ */
/* tokens                                                              */
/* ------------------------------------------------------------------ */

/* token < TK_GLUE: vocabulary word; then glue words, numbers, punctuation */
#define TK_GLUE 0x40000000u
#define TK_NUM 0x50000000u
#define TK_PUNCT 0x60000000u

enum { P_PERIOD, P_COMMA, P_SEMI, P_COLON, P_PARA };

#define GLUE_LIST                                                        \
    X(A, "a") X(THE, "the") X(COMPRISING, "comprising")                  \
    X(CONFIGURED, "configured") X(TO, "to") X(COUPLED, "coupled")        \
    X(WHEREIN, "wherein") X(OF, "of") X(CLAIM, "claim") X(AND, "and")    \
    X(FURTHER, "further") X(AT, "at") X(LEAST, "least") X(ONE, "one")    \
    X(DISPOSED, "disposed") X(ON, "on") X(BETWEEN, "between")            \
    X(IN, "in") X(RESPONSE, "response") X(HAVING, "having")              \
    X(PLURALITY, "plurality") X(FROM, "from") X(WITH, "with")            \
    X(IS, "is") X(FOR, "for") X(INCLUDES, "includes")                    \
    X(BASED, "based") X(USING, "using") X(COMPRISES, "comprises")        \
    X(SELECTED, "selected") X(GROUP, "group") X(CONSISTING, "consisting") \
    X(OR, "or") X(MOUNTED, "mounted") X(WITHIN, "within")                \
    X(ARRANGED, "arranged") X(ADJACENT, "adjacent")                      \
    X(METHOD, "method") X(SYSTEM, "system") X(APPARATUS, "apparatus")    \
    X(DEVICE, "device") X(ASSEMBLY, "assembly")                          \
    X(COMPOSITION, "composition") X(CIRCUIT, "circuit")                  \
    X(PROCESS, "process") X(MEDIUM, "medium") X(KIT, "kit")              \
    X(PROVIDING, "providing") X(RECEIVING, "receiving")                  \
    X(DETERMINING, "determining") X(GENERATING, "generating")            \
    X(APPLYING, "applying") X(MEASURING, "measuring")                    \
    X(STORING, "storing") X(TRANSMITTING, "transmitting")                \
    X(ADJUSTING, "adjusting") X(DETECTING, "detecting")                  \
    X(COMPARING, "comparing") X(FORMING, "forming") X(HEATING, "heating") \
    X(MIXING, "mixing") X(CONTROLLING, "controlling")

enum {
#define X(id, s) G_##id,
    GLUE_LIST
#undef X
    G_COUNT
};

static const char *const GLUE[] = {
#define X(id, s) s,
    GLUE_LIST
#undef X
};

#define GL(x) (TK_GLUE + (uint32_t)(x))
#define PU(x) (TK_PUNCT + (uint32_t)(x))
#define NUM(x) (TK_NUM + (uint32_t)(x))

static const int CATEGORIES[] = {G_SYSTEM, G_APPARATUS, G_DEVICE,  G_ASSEMBLY,
                                 G_COMPOSITION, G_CIRCUIT, G_MEDIUM, G_KIT};
static const int VERBS[] = {G_PROVIDING, G_RECEIVING, G_DETERMINING, G_GENERATING,
                            G_APPLYING, G_MEASURING, G_STORING, G_TRANSMITTING,
                            G_ADJUSTING, G_DETECTING, G_COMPARING, G_FORMING,
                            G_HEATING, G_MIXING, G_CONTROLLING};
static const int LINKS[] = {G_FROM, G_TO, G_USING, G_WITH, G_BASED};

/* ------------------------------------------------------------------ */
/* vocabulary                                                          */
/* ------------------------------------------------------------------ */

typedef struct {
    char *s; /* JSON-escaped text */
    uint32_t len;
} word_t;

static word_t *VOC;
static uint8_t *VSTOP;
static uint32_t NVOC;

static cdf_t CDF_ALL;     /* every word (free text) */
static cdf_t CDF_CONTENT; /* content words only (titles, claim templates) */

/* learned bigram chain (CSR); row NVOC is the sentence-start row */
static int LEARNED;
static uint32_t *BG_OFF;
static uint32_t *BG_NEXT;
static uint64_t *BG_CUM;

#define TOPIC_WORDS 48
#define N_GROUPS 12
static uint32_t *TOPIC_W; /* [ntopics][TOPIC_WORDS] */
static cdf_t CDF_TOPICW;

static const char *const STOPWORDS[] = {
    "the", "of", "a", "and", "to", "in", "is", "for", "said", "wherein", "an",
    "on", "with", "by", "at", "from", "as", "that", "which", "or", "be", "are",
    "first", "second", "each", "one", "least", "between", "into", "having",
    "further", "such", "can", "may", "this", "its", "it", "when", "than",
    "more", "also", "has", "have", "been", "being", "was", "were", "not", "no",
    "these", "those", "their", "there", "then", "so", "if", "but", "about",
    "over", "under", "via", "through", "upon", "other", "within", "thereof",
    "herein", "least", "plurality", "both", "all", "any", "some", "only",
    "same", "while", "where", "whereby", "thereby", "two", "three", "up",
    "out", "after", "before", "during", "least", "including", "includes",
    "comprising", "comprises", "provided", "disclosed", "described", "least",
    "will", "would", "should", "could", "must", "do", "does", "our", "we",
    "they", "them", "he", "she", "his", "her", "what", "who", "whom", "how",
    "i", "you", "your", "s", "e", "g", "ie", "eg", "etc", "least", "least"};

/* hand-written technical words used by the built-in vocabulary */
static const char *const TECH_WORDS[] = {
    "sensor", "substrate", "electrode", "housing", "controller", "processor",
    "signal", "layer", "module", "circuit", "battery", "cell", "membrane",
    "filter", "valve", "pump", "motor", "shaft", "gear", "bearing", "frame",
    "panel", "coating", "polymer", "resin", "fiber", "composite", "alloy",
    "catalyst", "solvent", "compound", "particle", "powder", "solution",
    "reactor", "chamber", "nozzle", "inlet", "outlet", "conduit", "channel",
    "sleeve", "spring", "lever", "bracket", "fastener", "hinge", "latch",
    "seal", "gasket", "terminal", "connector", "cable", "antenna", "receiver",
    "transmitter", "transceiver", "memory", "data", "network", "node",
    "packet", "protocol", "server", "client", "interface", "display", "pixel",
    "image", "camera", "lens", "optical", "light", "laser", "diode",
    "transistor", "capacitor", "inductor", "resistor", "voltage", "current",
    "power", "converter", "inverter", "charger", "anode", "cathode",
    "electrolyte", "separator", "temperature", "pressure", "flow", "fluid",
    "liquid", "gas", "vapor", "heat", "exchanger", "cooling", "thermal",
    "insulation", "wall", "beam", "column", "slab", "concrete", "cement",
    "aggregate", "mortar", "brick", "tile", "roof", "window", "door", "glass",
    "pane", "spacer", "sealant", "adhesive", "film", "sheet", "foil", "strip",
    "tube", "pipe", "hose", "tank", "vessel", "container", "lid", "closure",
    "cap", "package", "tray", "carton", "wrapper", "label", "barrier",
    "oxygen", "moisture", "water", "salt", "acid", "base", "ion", "metal",
    "oxide", "carbon", "silicon", "nitride", "copper", "aluminum", "steel",
    "titanium", "lithium", "nickel", "cobalt", "graphite", "graphene",
    "ceramic", "glassware", "rotor", "stator", "blade", "hub", "tower",
    "turbine", "generator", "wheel", "axle", "brake", "caliper", "disc",
    "pad", "cable", "handlebar", "pedal", "chain", "sprocket", "saddle",
    "vehicle", "engine", "piston", "cylinder", "crankshaft", "injector",
    "exhaust", "intake", "manifold", "throttle", "clutch", "transmission",
    "actuator", "solenoid", "encoder", "accelerometer", "gyroscope",
    "magnetometer", "imu", "gps", "lidar", "radar", "ultrasound", "probe",
    "catheter", "stent", "implant", "needle", "syringe", "patient", "tissue",
    "blood", "glucose", "heart", "pulse", "respiration", "oximetry",
    "electrocardiogram", "wearable", "strap", "patch", "skin", "drug",
    "dosage", "tablet", "capsule", "formulation", "excipient", "protein",
    "enzyme", "antibody", "peptide", "nucleic", "sequence", "gene", "vector",
    "culture", "yeast", "bacteria", "fermentation", "seed", "plant", "crop",
    "soil", "irrigation", "sprayer", "drone", "harvester", "tractor",
    "feed", "grain", "coffee", "beverage", "brewing", "grinder", "milk",
    "cartridge", "capsule", "kernel", "tensor", "matrix", "weight",
    "activation", "accelerator", "neural", "inference", "training", "model",
    "classifier", "feature", "vector", "cache", "buffer", "register",
    "pipeline", "instruction", "compiler", "thread", "queue", "scheduler",
    "latency", "bandwidth", "frequency", "spectrum", "channel", "carrier",
    "modulation", "beamforming", "handover", "uplink", "downlink", "slot",
    "frame", "codec", "audio", "speaker", "microphone", "headset", "touch",
    "keyboard", "cursor", "query", "index", "document", "record", "ledger",
    "token", "encryption", "key", "certificate", "authentication", "user",
    "account", "payment", "transaction", "robot", "gripper", "arm", "joint",
    "conveyor", "pallet", "storage", "rack", "shelf", "sorting", "welding",
    "torch", "mold", "extruder", "die", "press", "roller", "cutter",
    "abrasive", "polishing", "wafer", "photoresist", "etching", "deposition",
    "plasma", "vacuum", "target", "sputtering", "annealing", "doping",
    "junction", "gate", "drain", "source", "trench", "via", "interconnect",
    "solder", "bump", "die", "leadframe", "lamp", "luminaire", "phosphor",
    "reflector", "diffuser", "heatsink", "driver", "dimming", "solar",
    "photovoltaic", "wafer", "busbar", "junction", "tracker", "inverter",
    "hydrogen", "fuel", "electrolyzer", "stack", "bipolar", "plate"};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int is_stopword(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof STOPWORDS / sizeof *STOPWORDS; i++)
        if (strlen(STOPWORDS[i]) == n && memcmp(STOPWORDS[i], s, n) == 0)
            return 1;
    return 0;
}

/* built-in vocabulary: stop words, technical words, syllable words */
#define BUILTIN_VOCAB 4096

static void builtin_vocab(double zipf_s)
{
    static const char *const ON[] = {"b",  "c",  "d",  "f",  "g",  "h",  "j",
                                     "k",  "l",  "m",  "n",  "p",  "r",  "s",
                                     "t",  "v",  "w",  "z",  "br", "cr", "dr",
                                     "fl", "gr", "kl", "pl", "pr", "sk", "sl",
                                     "st", "tr", "ch", "sh", "th", "qu"};
    static const char *const VO[] = {"a",  "e",  "i",  "o",  "u",  "ae",
                                     "ai", "ea", "io", "ou", "y",  "ei"};
    static const char *const CO[] = {"",  "",  "",  "n", "r",  "l",  "s",
                                     "m", "x", "t", "k", "nd", "rt", "st"};
    char **words = xmalloc(BUILTIN_VOCAB * sizeof *words);
    uint32_t n = 0;
    uint32_t cap = 16384, *slot = xcalloc(cap, sizeof *slot);

#define ADD_WORD(str)                                                         \
    do {                                                                      \
        const char *w_ = (str);                                               \
        size_t l_ = strlen(w_);                                               \
        uint32_t h_ = (uint32_t)fnv1a(w_, l_) & (cap - 1);                    \
        int dup_ = 0;                                                         \
        while (slot[h_]) {                                                    \
            if (strcmp(words[slot[h_] - 1], w_) == 0) {                       \
                dup_ = 1;                                                     \
                break;                                                        \
            }                                                                 \
            h_ = (h_ + 1) & (cap - 1);                                        \
        }                                                                     \
        if (!dup_ && n < BUILTIN_VOCAB) {                                     \
            words[n] = strdup(w_);                                            \
            if (!words[n])                                                    \
                die(1, "out of memory");                                      \
            slot[h_] = ++n;                                                   \
        }                                                                     \
    } while (0)

    /* ranks 0..: the 40 most frequent stop words first */
    for (size_t i = 0; i < 40; i++)
        ADD_WORD(STOPWORDS[i]);
    uint32_t nstop = n;
    for (size_t i = 0; i < sizeof TECH_WORDS / sizeof *TECH_WORDS; i++)
        ADD_WORD(TECH_WORDS[i]);
    rng_t r;
    rng_seed(&r, 0x5EED0F5A7E17ULL); /* fixed: same vocabulary for any --seed */
    char tmp[64];
    while (n < BUILTIN_VOCAB) {
        int syl = 2 + (int)rng_below(&r, 2); /* 2 or 3 syllables */
        size_t l = 0;
        for (int k = 0; k < syl; k++) {
            const char *on = ON[rng_below(&r, sizeof ON / sizeof *ON)];
            const char *vo = VO[rng_below(&r, sizeof VO / sizeof *VO)];
            const char *co = (k == syl - 1) ? CO[rng_below(&r, sizeof CO / sizeof *CO)]
                                            : (rng_below(&r, 4) == 0 ? "n" : "");
            l += (size_t)snprintf(tmp + l, sizeof tmp - l, "%s%s%s", on, vo, co);
        }
        if (l >= 4 && l <= 10 && !is_stopword(tmp, l))
            ADD_WORD(tmp);
    }
#undef ADD_WORD
    free(slot);

    NVOC = n;
    VOC = xmalloc(n * sizeof *VOC);
    VSTOP = xcalloc(n, 1);
    uint64_t *w = xmalloc(n * sizeof *w);
    zipf_weights(w, n, zipf_s);
    for (uint32_t i = 0; i < n; i++) {
        VOC[i].s = words[i];
        VOC[i].len = (uint32_t)strlen(words[i]);
        VSTOP[i] = i < nstop;
    }
    free(words);
    cdf_build(&CDF_ALL, w, n);
    for (uint32_t i = 0; i < nstop; i++)
        w[i] = 0;
    cdf_build(&CDF_CONTENT, w, n);
    free(w);
}

/* ------------------------------------------------------------------ */
/* learning word statistics from a JSON Lines file                      */
/* ------------------------------------------------------------------ */

typedef struct {
    char *s;
    uint32_t len;
    uint64_t count;
} lword_t;

static lword_t *LW;
static uint32_t NLW, CAPLW;
static uint32_t *LW_SLOT;
static uint32_t LW_SLOTCAP;

typedef struct {
    uint64_t key; /* (a << 32) | b, never 0 because b >= 1 */
    uint64_t count;
} bient_t;

static bient_t *BI;
static size_t NBI, BICAP;

static void lw_rehash(void)
{
    uint32_t nc = LW_SLOTCAP ? LW_SLOTCAP * 2 : 65536;
    uint32_t *ns = xcalloc(nc, sizeof *ns);
    for (uint32_t i = 1; i < NLW; i++) {
        uint32_t h = (uint32_t)fnv1a(LW[i].s, LW[i].len) & (nc - 1);
        while (ns[h])
            h = (h + 1) & (nc - 1);
        ns[h] = i;
    }
    free(LW_SLOT);
    LW_SLOT = ns;
    LW_SLOTCAP = nc;
}

static uint32_t lw_intern(const char *s, size_t n)
{
    if ((uint64_t)NLW * 2 >= LW_SLOTCAP)
        lw_rehash();
    uint32_t h = (uint32_t)fnv1a(s, n) & (LW_SLOTCAP - 1);
    while (LW_SLOT[h]) {
        lword_t *w = &LW[LW_SLOT[h]];
        if (w->len == n && memcmp(w->s, s, n) == 0)
            return LW_SLOT[h];
        h = (h + 1) & (LW_SLOTCAP - 1);
    }
    if (NLW == CAPLW) {
        CAPLW = CAPLW ? CAPLW * 2 : 65536;
        LW = xrealloc(LW, CAPLW * sizeof *LW);
    }
    LW[NLW].s = xmalloc(n + 1);
    memcpy(LW[NLW].s, s, n);
    LW[NLW].s[n] = 0;
    LW[NLW].len = (uint32_t)n;
    LW[NLW].count = 0;
    LW_SLOT[h] = NLW;
    return NLW++;
}

static void bi_add(uint32_t a, uint32_t b)
{
    if ((NBI + 1) * 2 >= BICAP) {
        size_t nc = BICAP ? BICAP * 2 : 1u << 18;
        bient_t *nb = xcalloc(nc, sizeof *nb);
        for (size_t i = 0; i < BICAP; i++) {
            if (!BI[i].key)
                continue;
            size_t h = (size_t)(mix3(BI[i].key, 0, 0) & (nc - 1));
            while (nb[h].key)
                h = (h + 1) & (nc - 1);
            nb[h] = BI[i];
        }
        free(BI);
        BI = nb;
        BICAP = nc;
    }
    uint64_t key = ((uint64_t)a << 32) | b;
    size_t h = (size_t)(mix3(key, 0, 0) & (BICAP - 1));
    while (BI[h].key && BI[h].key != key)
        h = (h + 1) & (BICAP - 1);
    if (!BI[h].key) {
        BI[h].key = key;
        NBI++;
    }
    BI[h].count++;
}

static int is_wordbyte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80;
}

static void learn_text(const char *s, size_t n)
{
    char w[64];
    size_t wl = 0;
    int toolong = 0;
    uint32_t prev = 0; /* id 0 = sentence start */
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)s[i] : ' ';
        int keep = is_wordbyte(c) ||
                   (c == '-' && wl > 0 && i + 1 < n && is_wordbyte((unsigned char)s[i + 1]));
        if (keep) {
            if (wl < sizeof w - 1)
                w[wl++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
            else
                toolong = 1;
            continue;
        }
        if (wl > 0) {
            size_t nd = 0;
            while (nd < wl && w[nd] >= '0' && w[nd] <= '9')
                nd++;
            if (nd == wl && wl > 3)
                toolong = 1; /* long bare numbers: entity codes, years, part numbers */
            if (!toolong) {
                uint32_t id = lw_intern(w, wl);
                LW[id].count++;
                bi_add(prev, id);
                prev = id;
            }
            wl = 0;
            toolong = 0;
        }
        if ((c == '.' || c == '!' || c == '?' || c == ';') &&
            (i + 1 >= n || s[i + 1] == ' ' || s[i + 1] == '\n' || s[i + 1] == '"'))
            prev = 0;
    }
}

static int cmp_lw_rank(const void *pa, const void *pb)
{
    const lword_t *a = &LW[*(const uint32_t *)pa], *b = &LW[*(const uint32_t *)pb];
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    size_t m = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, m);
    if (c)
        return c;
    return a->len < b->len ? -1 : (a->len > b->len);
}

typedef struct {
    uint32_t a, b;
    uint64_t count;
} trip_t;

static int cmp_trip(const void *pa, const void *pb)
{
    const trip_t *x = pa, *y = pb;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->b < y->b ? -1 : (x->b > y->b);
}

#define LEARN_MIN_COUNT 2
#define LEARN_MAX_VOCAB 200000

static void learn_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(2, "cannot open --learn file '%s': %s", path, strerror(errno));
    NLW = 0;
    lw_intern("", 0); /* id 0: sentence start */
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    size_t lineno = 0, ndocs = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t l = (size_t)len;
        while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r' || line[l - 1] == ' '))
            l--;
        if (l == 0)
            continue;
        json_error_t err;
        json_t *o = json_loadb(line, l, 0, &err);
        if (!o)
            die(1, "%s:%zu: invalid JSON: %s", path, lineno, err.text);
        if (json_is_object(o)) {
            const char *keys[2] = {"title", "abstract"};
            for (int k = 0; k < 2; k++) {
                json_t *v = json_object_get(o, keys[k]);
                if (json_is_string(v))
                    learn_text(json_string_value(v), json_string_length(v));
            }
            ndocs++;
        }
        json_decref(o);
    }
    if (ferror(f))
        die(1, "error reading '%s': %s", path, strerror(errno));
    free(line);
    fclose(f);

    /* rank the words */
    uint32_t *order = xmalloc(NLW * sizeof *order);
    uint32_t nk = 0;
    for (uint32_t i = 1; i < NLW; i++)
        if (LW[i].count >= LEARN_MIN_COUNT)
            order[nk++] = i;
    qsort(order, nk, sizeof *order, cmp_lw_rank);
    if (nk > LEARN_MAX_VOCAB)
        nk = LEARN_MAX_VOCAB;
    if (nk < 100)
        die(1, "'%s' has too little text to learn from (%u distinct words seen at "
               "least %d times in %zu records; need 100)",
            path, nk, LEARN_MIN_COUNT, ndocs);
    uint32_t *map = xmalloc(NLW * sizeof *map);
    for (uint32_t i = 0; i < NLW; i++)
        map[i] = UINT32_MAX;
    NVOC = nk;
    VOC = xmalloc(nk * sizeof *VOC);
    VSTOP = xcalloc(nk, 1);
    uint64_t *w = xmalloc(nk * sizeof *w);
    for (uint32_t r = 0; r < nk; r++) {
        lword_t *lw = &LW[order[r]];
        map[order[r]] = r;
        buf_t b = {0};
        buf_json_escape(&b, lw->s, lw->len);
        buf_putc(&b, 0);
        VOC[r].s = b.p;
        VOC[r].len = (uint32_t)(b.len - 1);
        VSTOP[r] = (uint8_t)is_stopword(lw->s, lw->len);
        w[r] = lw->count;
    }
    map[0] = nk; /* the start row */
    cdf_build(&CDF_ALL, w, nk);
    int any = 0;
    for (uint32_t r = 0; r < nk; r++) {
        if (VSTOP[r])
            w[r] = 0;
        else
            any = 1;
    }
    if (!any)
        die(1, "'%s': no content words learned", path);
    cdf_build(&CDF_CONTENT, w, nk);
    free(w);

    /* bigram chain in CSR form */
    trip_t *tr = xmalloc((NBI ? NBI : 1) * sizeof *tr);
    size_t nt = 0;
    for (size_t i = 0; i < BICAP; i++) {
        if (!BI[i].key)
            continue;
        uint32_t a = map[(uint32_t)(BI[i].key >> 32)];
        uint32_t b = map[(uint32_t)(BI[i].key & 0xFFFFFFFFu)];
        if (a == UINT32_MAX || b == UINT32_MAX || b == nk)
            continue;
        tr[nt].a = a;
        tr[nt].b = b;
        tr[nt].count = BI[i].count;
        nt++;
    }
    qsort(tr, nt, sizeof *tr, cmp_trip);
    BG_OFF = xcalloc((size_t)nk + 2, sizeof *BG_OFF);
    BG_NEXT = xmalloc((nt ? nt : 1) * sizeof *BG_NEXT);
    BG_CUM = xmalloc((nt ? nt : 1) * sizeof *BG_CUM);
    for (size_t i = 0; i < nt; i++)
        BG_OFF[tr[i].a + 1]++;
    for (uint32_t r = 0; r <= nk; r++)
        BG_OFF[r + 1] += BG_OFF[r];
    for (size_t i = 0; i < nt; i++) {
        BG_NEXT[i] = tr[i].b;
        uint64_t prev = (i > 0 && tr[i - 1].a == tr[i].a) ? BG_CUM[i - 1] : 0;
        BG_CUM[i] = prev + tr[i].count;
    }
    free(tr);
    free(map);
    free(order);
    for (uint32_t i = 0; i < NLW; i++)
        free(LW[i].s);
    free(LW);
    free(LW_SLOT);
    free(BI);
    LW = NULL;
    LW_SLOT = NULL;
    BI = NULL;
    LEARNED = 1;
}

/* sample a successor of word p (p == NVOC: sentence start); UINT32_MAX if none */
static uint32_t bigram_next(rng_t *r, uint32_t p)
{
    uint32_t lo = BG_OFF[p], hi = BG_OFF[p + 1];
    if (lo == hi)
        return UINT32_MAX;
    uint64_t tot = BG_CUM[hi - 1];
    uint64_t u = rng_next(r) % tot;
    while (lo < hi) { /* first index with cum > u */
        uint32_t mid = lo + (hi - lo) / 2;
        if (BG_CUM[mid] <= u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return BG_NEXT[lo];
}

/* ------------------------------------------------------------------ */
/* CPC topics and applicants                                           */
/* ------------------------------------------------------------------ */

/* real CPC subclasses, most frequently used first */
static const char *const SUBCLASSES[] = {
    "G06F", "H04L", "H04W", "H01L", "A61B", "G06N", "H04N", "G06Q", "A61K", "G06T",
    "H01M", "A61F", "G01N", "B60W", "G01S", "H02J", "A61M", "G06V", "C07D", "H05K",
    "B65D", "G02B", "H01Q", "G16H", "C08L", "B01D", "H02K", "G05B", "F16H", "C12N",
    "H04B", "B25J", "G01R", "A47J", "F21V", "H05B", "C02F", "B62L", "F03D", "H02S",
    "E04B", "E06B", "C04B", "B64U", "A01M", "A01B", "A01G", "A23L", "A47L", "A63B",
    "B01J", "B05B", "B23K", "B29C", "B32B", "B60L", "B62D", "B62J", "B64C", "B65G",
    "C01B", "C08G", "C08J", "C08K", "C09D", "C12Q", "C22C", "C25B", "D01F", "D06F",
    "E01C", "E02F", "E04F", "E21B", "F01D", "F02M", "F16K", "F21K", "F24F", "F24S",
    "F25B", "F28F", "G01C", "G08G", "G09G", "G10L", "G11C", "H01G", "H02M", "H03M",
    "H04R", "H01B", "F16B", "A61N", "B33Y"};
#define N_SUBCLASSES (sizeof SUBCLASSES / sizeof *SUBCLASSES)

static uint8_t GROUPS[N_SUBCLASSES][N_GROUPS];
static cdf_t CDF_SUBCLASS, CDF_GROUP;

#define N_APPLICANTS 6000
static char *APP_NAME[N_APPLICANTS];
static uint8_t APP_TIER[N_APPLICANTS]; /* 0 micro, 1 small, 2 large */
static cdf_t CDF_APP;
static const char *const ENTITY[] = {"micro", "small", "large"};

static void setup_topics_and_applicants(void)
{
    rng_t r;
    rng_seed(&r, 0xC0FFEE1234ULL);
    for (size_t s = 0; s < N_SUBCLASSES; s++) {
        for (int g = 0; g < N_GROUPS; g++) {
            uint8_t mg;
            int again;
            do {
                mg = (uint8_t)(1 + rng_below(&r, 99));
                again = 0;
                for (int k = 0; k < g; k++)
                    if (GROUPS[s][k] == mg)
                        again = 1;
            } while (again);
            GROUPS[s][g] = mg;
        }
    }
    uint64_t w[N_APPLICANTS];
    zipf_weights(w, N_SUBCLASSES, 0.9);
    cdf_build(&CDF_SUBCLASS, w, N_SUBCLASSES);
    zipf_weights(w, N_GROUPS, 1.0);
    cdf_build(&CDF_GROUP, w, N_GROUPS);
    zipf_weights(w, TOPIC_WORDS, 0.6);
    cdf_build(&CDF_TOPICW, w, TOPIC_WORDS);

    /* topic word lists: content words from the upper-middle ranks */
    size_t ntopics = N_SUBCLASSES * N_GROUPS;
    TOPIC_W = xmalloc(ntopics * TOPIC_WORDS * sizeof *TOPIC_W);
    uint32_t lo = 20, hi = NVOC < 3000 ? NVOC : 3000;
    if (hi <= lo + TOPIC_WORDS)
        lo = 0;
    for (size_t t = 0; t < ntopics; t++) {
        for (int k = 0; k < TOPIC_WORDS; k++) {
            uint32_t id = 0;
            for (int tries = 0; tries < 50; tries++) {
                id = lo + rng_below(&r, hi - lo);
                if (!VSTOP[id])
                    break;
            }
            TOPIC_W[t * TOPIC_WORDS + (size_t)k] = id;
        }
    }

    /* applicants: Zipf over a fixed pool; the pool's head files most */
    zipf_weights(w, N_APPLICANTS, 1.0);
    cdf_build(&CDF_APP, w, N_APPLICANTS);
    static const char *const S1[] = {"Kor", "Vel", "Tran", "Ald", "Bren", "Cas", "Dor",
                                     "El", "Fen", "Gal", "Hol", "Is", "Jun", "Kal",
                                     "Lum", "Mar", "Nor", "Or", "Pel", "Quin", "Ros",
                                     "Sol", "Tor", "Ul", "Ven", "Wex", "Yar", "Zen"};
    static const char *const S2[] = {"anta", "ex", "ion", "ora", "ix", "um", "eta",
                                     "ovo", "ara", "is", "onic", "tek", "ima", "or",
                                     "ena", "ulo", "ent", "ada", "yx", "ium"};
    static const char *const IND[] = {"Technologies", "Systems", "Medical", "Energy",
                                      "Materials", "Instruments", "Robotics", "Devices",
                                      "Semiconductor", "Networks", "Labs", "Industries",
                                      "Biosciences", "Optics", "Motors", "Chemical"};
    static const char *const LEGAL_L[] = {"Inc.", "Corporation", "GmbH", "AG",
                                          "Co., Ltd.", "S.A.", "N.V.", "K.K.", "plc"};
    static const char *const LEGAL_S[] = {"LLC", "Ltd.", "GmbH", "B.V.", "Oy", "AB",
                                          "S.r.l.", "Inc.", "SAS"};
    static const char *const FIRST[] = {"Anna", "Ben", "Carla", "David", "Elena",
                                        "Farid", "Grace", "Hiro", "Ines", "Jonas",
                                        "Kofi", "Lena", "Mateo", "Nadia", "Omar",
                                        "Priya", "Quentin", "Rosa", "Sven", "Tara"};
    uint64_t acc = 0, tot = CDF_APP.total;
    char tmp[128];
    for (int i = 0; i < N_APPLICANTS; i++) {
        acc = CDF_APP.cum[i];
        uint8_t tier = acc <= tot / 2 ? 2 : (acc <= tot / 10 * 8 ? 1 : 0);
        APP_TIER[i] = tier;
        const char *a = S1[rng_below(&r, sizeof S1 / sizeof *S1)];
        const char *b = S2[rng_below(&r, sizeof S2 / sizeof *S2)];
        if (tier == 0 && rng_below(&r, 2) == 0) {
            snprintf(tmp, sizeof tmp, "%s %s%s", FIRST[rng_below(&r, 20)], a,
                     S2[rng_below(&r, sizeof S2 / sizeof *S2)]);
        } else if (tier == 2) {
            snprintf(tmp, sizeof tmp, "%s%s %s %s", a, b,
                     IND[rng_below(&r, sizeof IND / sizeof *IND)],
                     LEGAL_L[rng_below(&r, sizeof LEGAL_L / sizeof *LEGAL_L)]);
        } else {
            snprintf(tmp, sizeof tmp, "%s%s %s %s", a, b,
                     IND[rng_below(&r, sizeof IND / sizeof *IND)],
                     LEGAL_S[rng_below(&r, sizeof LEGAL_S / sizeof *LEGAL_S)]);
        }
        buf_t e = {0};
        buf_json_escape(&e, tmp, strlen(tmp));
        buf_putc(&e, 0);
        APP_NAME[i] = e.p;
    }
}

/* ------------------------------------------------------------------ */
/* dates                                                               */
/* ------------------------------------------------------------------ */

static int days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int yy = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yy + (*m <= 2);
}

static void buf_date(buf_t *b, int days)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    char s[11] = {(char)('0' + y / 1000),        (char)('0' + y / 100 % 10),
                  (char)('0' + y / 10 % 10),     (char)('0' + y % 10),
                  '-',                           (char)('0' + m / 10),
                  (char)('0' + m % 10),          '-',
                  (char)('0' + d / 10),          (char)('0' + d % 10),
                  0};
    buf_put(b, s, 10);
}

/* ------------------------------------------------------------------ */
/* configuration                                                       */
/* ------------------------------------------------------------------ */

static struct {
    uint64_t docs;
    uint64_t seed;
    const char *learn;
    double dup_rate;
    double edit_lo, edit_hi;
    const char *truth;
    const char *out;
    int description;
    double zipf_s;
} CFG = {0, 1, NULL, 0.02, 0.02, 0.20, NULL, "-", 0, 1.07};

static int D_START, D_END;
static uint64_t DUP_THRESHOLD; /* on 53-bit hash values */
static uint64_t WINDOW;

enum { ST_CONTENT = 1, ST_META = 2, ST_KIND = 3, ST_ISDUP = 4, ST_DUP = 5, ST_EDIT = 6 };

static void stream(rng_t *r, uint64_t idx, uint64_t which)
{
    rng_seed(r, mix3(CFG.seed, idx, which));
}

static const char *const KINDS[] = {"B2", "B1", "A1"};

static int kind_of(uint64_t idx)
{
    uint64_t h = mix3(CFG.seed, idx, ST_KIND) % 100;
    return h < 70 ? 0 : (h < 85 ? 1 : 2);
}

static int is_dup(uint64_t idx)
{
    if (idx < 2)
        return 0;
    return (mix3(CFG.seed, idx, ST_ISDUP) >> 11) < DUP_THRESHOLD;
}

static void buf_id(buf_t *b, uint64_t idx)
{
    char s[32];
    int n = snprintf(s, sizeof s, "G%09llu%s", (unsigned long long)idx, KINDS[kind_of(idx)]);
    buf_put(b, s, (size_t)n);
}

/* ------------------------------------------------------------------ */
/* document model                                                      */
/* ------------------------------------------------------------------ */

#define MAXC 32
#define MAXCPC 8
#define MAXCITE 12

typedef struct {
    tokv_t title, abstract, desc;
    tokv_t claim[MAXC];
    tokv_t np[MAXC]; /* preamble noun phrase of independent claims */
    int ncl;
    int dep[MAXC]; /* 0 = independent, else number of the claim referred to */
    int topic, subclass;
    uint32_t applicant;
    char cpc[MAXCPC][24];
    int ncpc;
    char ipc[3][24];
    int nipc;
    int prio, filing, pub;
    int fast;
    uint64_t cite[MAXCITE];
    int ncite;
} doc_t;

static inline uint32_t topic_word(rng_t *r, int topic)
{
    return TOPIC_W[(size_t)topic * TOPIC_WORDS + cdf_sample(&CDF_TOPICW, r)];
}

static inline uint32_t content_word(rng_t *r, int topic)
{
    if (rng_below(r, 100) < 22)
        return topic_word(r, topic);
    return cdf_sample(&CDF_CONTENT, r);
}

/* next free-text word after prev (prev == NVOC: start of sentence) */
static inline uint32_t free_word(rng_t *r, int topic, uint32_t prev)
{
    uint32_t u = rng_below(r, 100);
    if (u < 10)
        return topic_word(r, topic);
    if (LEARNED && u < 70) {
        uint32_t w = bigram_next(r, prev);
        if (w != UINT32_MAX)
            return w;
    }
    return cdf_sample(&CDF_ALL, r);
}

static void gen_sentence(tokv_t *v, rng_t *r, int topic, int nwords)
{
    uint32_t prev = NVOC;
    for (int k = 0; k < nwords; k++) {
        uint32_t w = free_word(r, topic, prev);
        tv_push(v, w);
        prev = w;
        if (k > 2 && k < nwords - 3 && rng_below(r, 100) < 5)
            tv_push(v, PU(P_COMMA));
    }
    tv_push(v, PU(P_PERIOD));
}

/* free text of about nwords words, in sentences; paragraphs if para > 0 */
static void gen_text(tokv_t *v, rng_t *r, int topic, int nwords, int para)
{
    int left = nwords, in_para = 0, para_len = para ? 3 + (int)rng_below(r, 4) : 0;
    while (left > 0) {
        int len = rng_lognormal(r, 18.0, 0.35, 6, 40);
        if (len > left || left - len < 5)
            len = left;
        gen_sentence(v, r, topic, len);
        left -= len;
        if (para && ++in_para == para_len && left > 0) {
            tv_push(v, PU(P_PARA));
            in_para = 0;
            para_len = 3 + (int)rng_below(r, 4);
        }
    }
}

static void push_np(tokv_t *v, rng_t *r, int topic, int maxw)
{
    int n = 1 + (int)rng_below(r, (uint32_t)maxw);
    for (int i = 0; i < n; i++)
        tv_push(v, content_word(r, topic));
}

static void gen_element(tokv_t *v, rng_t *r, int topic)
{
    switch (rng_below(r, 7)) {
    case 0:
        tv_push(v, GL(G_A));
        push_np(v, r, topic, 2);
        tv_push(v, GL(G_CONFIGURED));
        tv_push(v, GL(G_TO));
        tv_push(v, content_word(r, topic));
        tv_push(v, GL(G_THE));
        push_np(v, r, topic, 2);
        break;
    case 1:
        tv_push(v, GL(G_A));
        push_np(v, r, topic, 2);
        tv_push(v, GL(G_COUPLED));
        tv_push(v, GL(G_TO));
        tv_push(v, GL(G_THE));
        push_np(v, r, topic, 2);
        break;
    case 2:
        tv_push(v, GL(G_A));
        tv_push(v, GL(G_PLURALITY));
        tv_push(v, GL(G_OF));
        push_np(v, r, topic, 2);
        tv_push(v, GL(G_DISPOSED));
        tv_push(v, GL(G_ON));
        tv_push(v, GL(G_THE));
        push_np(v, r, topic, 1);
        break;
    case 3:
        tv_push(v, GL(G_AT));
        tv_push(v, GL(G_LEAST));
        tv_push(v, GL(G_ONE));
        push_np(v, r, topic, 2);
        tv_push(v, GL(G_HAVING));
        tv_push(v, GL(G_A));
        push_np(v, r, topic, 2);
        break;
    case 4:
        tv_push(v, GL(G_A));
        push_np(v, r, topic, 2);
        tv_push(v, GL(G_DISPOSED));
        tv_push(v, GL(G_BETWEEN));
        tv_push(v, GL(G_THE));
        push_np(v, r, topic, 1);
        tv_push(v, GL(G_AND));
        tv_push(v, GL(G_THE));
        push_np(v, r, topic, 2);
        break;
    case 5:
        tv_push(v, GL(G_A));
        push_np(v, r, topic, 3);
        tv_push(v, GL(G_CONFIGURED));
        tv_push(v, GL(G_TO));
        tv_push(v, content_word(r, topic));
        tv_push(v, GL(G_THE));
        push_np(v, r, topic, 2);
        tv_push(v, GL(G_IN));
        tv_push(v, GL(G_RESPONSE));
        tv_push(v, GL(G_TO));
        tv_push(v, GL(G_A));
        push_np(v, r, topic, 2);
        break;
    default:
        tv_push(v, GL(G_A));
        push_np(v, r, topic, 2);
        tv_push(v, GL(G_MOUNTED));
        tv_push(v, GL(rng_below(r, 2) ? G_WITHIN : G_ADJACENT));
        if (v->t[v->n - 1] == GL(G_ADJACENT))
            tv_push(v, GL(G_TO));
        tv_push(v, GL(G_THE));
        push_np(v, r, topic, 2);
        break;
    }
}

static void gen_step(tokv_t *v, rng_t *r, int topic)
{
    tv_push(v, GL(VERBS[rng_below(r, sizeof VERBS / sizeof *VERBS)]));
    tv_push(v, GL(rng_below(r, 2) ? G_A : G_THE));
    push_np(v, r, topic, 3);
    if (rng_below(r, 100) < 55) {
        int l = LINKS[rng_below(r, sizeof LINKS / sizeof *LINKS)];
        tv_push(v, GL(l));
        if (l == G_BASED)
            tv_push(v, GL(G_ON));
        tv_push(v, GL(G_THE));
        push_np(v, r, topic, 2);
    }
}

static void gen_independent(doc_t *d, int c, rng_t *r, int method)
{
    tokv_t *v = &d->claim[c], *np = &d->np[c];
    v->n = 0;
    np->n = 0;
    tv_push(v, GL(G_A));
    if (method) {
        tv_push(np, GL(G_METHOD));
        tv_push(v, GL(G_METHOD));
        tv_push(v, GL(rng_below(r, 2) ? G_OF : G_FOR));
        push_np(v, r, d->topic, 2);
        tv_push(v, PU(P_COMMA));
        tv_push(v, GL(G_COMPRISING));
        tv_push(v, PU(P_COLON));
        int k = 2 + (int)rng_below(r, 4);
        for (int i = 0; i < k; i++) {
            if (i == k - 1)
                tv_push(v, GL(G_AND));
            gen_step(v, r, d->topic);
            tv_push(v, PU(i == k - 1 ? P_PERIOD : P_SEMI));
        }
    } else {
        push_np(np, r, d->topic, 2);
        tv_push(np, GL(CATEGORIES[rng_below(r, sizeof CATEGORIES / sizeof *CATEGORIES)]));
        for (size_t i = 0; i < np->n; i++)
            tv_push(v, np->t[i]);
        tv_push(v, PU(P_COMMA));
        tv_push(v, GL(G_COMPRISING));
        tv_push(v, PU(P_COLON));
        int k = 2 + (int)rng_below(r, 4);
        for (int i = 0; i < k; i++) {
            if (i == k - 1)
                tv_push(v, GL(G_AND));
            gen_element(v, r, d->topic);
            tv_push(v, PU(i == k - 1 ? P_PERIOD : P_SEMI));
        }
    }
}

/* dependent claim number c (0-based) referring to claim ref (1-based) whose
   independent root is claim root (0-based) */
static void gen_dependent(doc_t *d, int c, int ref, int root, rng_t *r)
{
    tokv_t *v = &d->claim[c];
    const tokv_t *np = &d->np[root];
    v->n = 0;
    tv_push(v, GL(G_THE));
    for (size_t i = 0; i < np->n; i++)
        tv_push(v, np->t[i]);
    tv_push(v, GL(G_OF));
    tv_push(v, GL(G_CLAIM));
    tv_push(v, NUM((uint32_t)ref));
    tv_push(v, PU(P_COMMA));
    int method = np->n == 1 && np->t[0] == GL(G_METHOD);
    switch (rng_below(r, 5)) {
    case 0:
        tv_push(v, GL(G_FURTHER));
        tv_push(v, GL(G_COMPRISING));
        if (method)
            gen_step(v, r, d->topic);
        else
            gen_element(v, r, d->topic);
        break;
    case 1:
        tv_push(v, GL(G_WHEREIN));
        tv_push(v, GL(G_THE));
        push_np(v, r, d->topic, 2);
        tv_push(v, GL(G_IS));
        tv_push(v, GL(G_SELECTED));
        tv_push(v, GL(G_FROM));
        tv_push(v, GL(G_THE));
        tv_push(v, GL(G_GROUP));
        tv_push(v, GL(G_CONSISTING));
        tv_push(v, GL(G_OF));
        tv_push(v, content_word(r, d->topic));
        tv_push(v, PU(P_COMMA));
        tv_push(v, content_word(r, d->topic));
        tv_push(v, PU(P_COMMA));
        tv_push(v, GL(G_AND));
        tv_push(v, content_word(r, d->topic));
        break;
    case 2:
        tv_push(v, GL(G_WHEREIN));
        tv_push(v, GL(G_THE));
        push_np(v, r, d->topic, 2);
        tv_push(v, GL(G_COMPRISES));
        tv_push(v, GL(G_AT));
        tv_push(v, GL(G_LEAST));
        tv_push(v, NUM(2 + rng_below(r, 98)));
        push_np(v, r, d->topic, 2);
        break;
    case 3:
        tv_push(v, GL(G_WHEREIN));
        tv_push(v, GL(G_THE));
        push_np(v, r, d->topic, 2);
        tv_push(v, GL(G_IS));
        tv_push(v, GL(G_ARRANGED));
        tv_push(v, GL(G_BETWEEN));
        tv_push(v, GL(G_THE));
        push_np(v, r, d->topic, 1);
        tv_push(v, GL(G_AND));
        tv_push(v, GL(G_THE));
        push_np(v, r, d->topic, 2);
        break;
    default:
        tv_push(v, GL(G_WHEREIN));
        tv_push(v, GL(G_THE));
        push_np(v, r, d->topic, 2);
        tv_push(v, GL(G_INCLUDES));
        tv_push(v, GL(G_A));
        push_np(v, r, d->topic, 3);
        if (rng_below(r, 2)) {
            tv_push(v, GL(G_HAVING));
            tv_push(v, GL(G_A));
            push_np(v, r, d->topic, 2);
        }
        break;
    }
    tv_push(v, PU(P_PERIOD));
}

static void add_cpc(doc_t *d, int subclass, int mg, const char *sg)
{
    if (d->ncpc >= MAXCPC)
        return;
    char s[24];
    snprintf(s, sizeof s, "%s %d/%s", SUBCLASSES[subclass], mg, sg);
    for (int i = 0; i < d->ncpc; i++)
        if (strcmp(d->cpc[i], s) == 0)
            return;
    memcpy(d->cpc[d->ncpc++], s, sizeof s);
}

static void subgroup(rng_t *r, char *sg)
{
    uint32_t u = rng_below(r, 100);
    if (u < 20)
        strcpy(sg, "00");
    else if (u < 70)
        snprintf(sg, 8, "%02u", 2 + 2 * rng_below(r, 48));
    else if (u < 90)
        snprintf(sg, 8, "%03u", 100 + rng_below(r, 900));
    else
        snprintf(sg, 8, "%04u", 1 + rng_below(r, 9999));
}

/* content of document idx: topic, classification, applicant and text */
static void gen_content(doc_t *d, uint64_t idx)
{
    rng_t r;
    stream(&r, idx, ST_CONTENT);
    int sc = (int)cdf_sample(&CDF_SUBCLASS, &r);
    int g = (int)cdf_sample(&CDF_GROUP, &r);
    d->subclass = sc;
    d->topic = sc * N_GROUPS + g;
    d->applicant = cdf_sample(&CDF_APP, &r);

    char sg[8];
    d->ncpc = 0;
    subgroup(&r, sg);
    add_cpc(d, sc, GROUPS[sc][g], sg);
    int extra = (int)rng_below(&r, 6);
    for (int i = 0; i < extra; i++) {
        uint32_t u = rng_below(&r, 100);
        subgroup(&r, sg);
        if (u < 60)
            add_cpc(d, sc, GROUPS[sc][g], sg);
        else if (u < 85)
            add_cpc(d, sc, GROUPS[sc][cdf_sample(&CDF_GROUP, &r)], sg);
        else {
            int s2 = (int)cdf_sample(&CDF_SUBCLASS, &r);
            add_cpc(d, s2, GROUPS[s2][cdf_sample(&CDF_GROUP, &r)], sg);
        }
    }
    d->nipc = 0;
    snprintf(d->ipc[d->nipc++], 24, "%s %d/00", SUBCLASSES[sc], GROUPS[sc][g]);
    if (d->ncpc > 1 && rng_below(&r, 2))
        snprintf(d->ipc[d->nipc++], 24, "%s", d->cpc[1]);

    /* title: 4-15 words */
    int tl = rng_lognormal(&r, 8.0, 0.3, 4, 15);
    d->title.n = 0;
    if (tl >= 6 && rng_below(&r, 100) < 60) {
        static const int JOIN[] = {G_FOR, G_WITH, G_OF, G_AND, G_FOR, G_USING};
        int a = tl / 2;
        for (int i = 0; i < a; i++)
            tv_push(&d->title, content_word(&r, d->topic));
        tv_push(&d->title, GL(JOIN[rng_below(&r, 6)]));
        for (int i = a + 1; i < tl; i++)
            tv_push(&d->title, content_word(&r, d->topic));
    } else {
        for (int i = 0; i < tl; i++)
            tv_push(&d->title, content_word(&r, d->topic));
    }

    /* abstract: log-normal around 110 words, opening with a claim-like sentence */
    int al = rng_lognormal(&r, 110.0, 0.35, 25, 400);
    d->abstract.n = 0;
    tv_push(&d->abstract, GL(G_A));
    push_np(&d->abstract, &r, d->topic, 2);
    tv_push(&d->abstract, GL(CATEGORIES[rng_below(&r, sizeof CATEGORIES / sizeof *CATEGORIES)]));
    tv_push(&d->abstract, GL(G_INCLUDES));
    int parts = 2 + (int)rng_below(&r, 2);
    for (int i = 0; i < parts; i++) {
        if (i == parts - 1)
            tv_push(&d->abstract, GL(G_AND));
        tv_push(&d->abstract, GL(G_A));
        push_np(&d->abstract, &r, d->topic, 2);
        if (i < parts - 2)
            tv_push(&d->abstract, PU(P_COMMA));
    }
    tv_push(&d->abstract, PU(P_PERIOD));
    int used = 0;
    for (size_t i = 0; i < d->abstract.n; i++)
        used += d->abstract.t[i] < TK_PUNCT;
    if (al - used > 0)
        gen_text(&d->abstract, &r, d->topic, al - used, 0);

    /* claims: 3-25, one to three independent */
    int ncl = rng_below(&r, 100) < 30 ? 20 : rng_lognormal(&r, 12.0, 0.45, 3, 25);
    uint32_t u = rng_below(&r, 100);
    int nind = u < 55 ? 1 : (u < 85 ? 2 : 3);
    if (nind > ncl / 3)
        nind = ncl / 3 > 0 ? ncl / 3 : 1;
    int indep[MAXC] = {0};
    indep[0] = 1;
    for (int k = 1; k < nind; k++) {
        int pos = (int)((int64_t)ncl * k / nind);
        pos += (int)rng_below(&r, 3) - 1;
        if (pos < 1)
            pos = 1;
        if (pos >= ncl)
            pos = ncl - 1;
        indep[pos] = 1;
    }
    d->ncl = ncl;
    int root = 0;
    int method_first = rng_below(&r, 100) < 30;
    for (int c = 0; c < ncl; c++) {
        if (indep[c]) {
            root = c;
            d->dep[c] = 0;
            gen_independent(d, c, &r, c == 0 ? method_first : rng_below(&r, 2) == 0);
        } else {
            int ref = root + 1;
            if (c - 1 > root && rng_below(&r, 100) < 35)
                ref = root + 2 + (int)rng_below(&r, (uint32_t)(c - 1 - root));
            d->dep[c] = ref;
            gen_dependent(d, c, ref, root, &r);
        }
    }

    d->desc.n = 0;
    if (CFG.description)
        gen_text(&d->desc, &r, d->topic, rng_lognormal(&r, 300.0, 0.4, 150, 600), 1);
}

/* dates, fast-track flag and citations of an original document */
static void gen_meta(doc_t *d, uint64_t idx, int with_cites)
{
    rng_t r;
    stream(&r, idx, ST_META);
    uint64_t span = (uint64_t)(D_END - D_START);
    uint64_t denom = CFG.docs > 1 ? CFG.docs - 1 : 1;
    int base = D_START + (int)(span * ((idx - 1) % CFG.docs) / denom);
    int p = base + (int)rng_below(&r, 361) - 180;
    if (p < D_START)
        p = D_START;
    if (p > D_END)
        p = D_END;
    d->prio = p;
    d->filing = p + (rng_below(&r, 100) < 40 ? 0 : 180 + (int)rng_below(&r, 186));
    int kind = kind_of(idx);
    if (kind == 2) {
        d->pub = d->prio + 548 + (int)rng_below(&r, 14);
        if (d->pub < d->filing + 30)
            d->pub = d->filing + 30;
    } else {
        d->pub = d->filing + rng_lognormal(&r, 1000.0, 0.35, 400, 2600);
    }
    uint8_t tier = APP_TIER[d->applicant];
    uint32_t ft = tier == 2 ? 5 : (tier == 1 ? 12 : 15);
    d->fast = rng_below(&r, 100) < ft;
    d->ncite = 0;
    if (!with_cites || idx < 2)
        return;
    static const int NC[] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8};
    int n = NC[rng_below(&r, sizeof NC / sizeof *NC)];
    uint64_t lo = idx > 5 * WINDOW ? idx - 5 * WINDOW : 1;
    for (int k = 0; k < n && d->ncite < MAXCITE; k++) {
        uint64_t range = idx - lo;
        uint64_t j = lo + (range <= 0xFFFFFFFFULL ? rng_below(&r, (uint32_t)range)
                                                  : rng_next(&r) % range);
        int seen = 0;
        for (int q = 0; q < d->ncite; q++)
            seen |= d->cite[q] == j;
        if (!seen)
            d->cite[d->ncite++] = j;
    }
}

/* ------------------------------------------------------------------ */
/* near-duplicate edits                                                 */
/* ------------------------------------------------------------------ */

static int n_words(const tokv_t *v)
{
    int n = 0;
    for (size_t i = 0; i < v->n; i++)
        n += v->t[i] < TK_PUNCT;
    return n;
}

/* one random word edit on vocabulary tokens of v; returns 1 if applied */
static int edit_once(tokv_t *v, rng_t *r, int topic, int min_words)
{
    if (v->n == 0)
        return 0;
    size_t pos = 0;
    int found = 0;
    for (int tries = 0; tries < 32 && !found; tries++) {
        pos = rng_below(r, (uint32_t)v->n);
        found = v->t[pos] < TK_GLUE;
    }
    if (!found)
        return 0;
    uint32_t op = rng_below(r, 100);
    if (op < 50) {
        uint32_t w;
        int tries = 0;
        do {
            w = content_word(r, topic);
        } while (w == v->t[pos] && ++tries < 8);
        if (w == v->t[pos])
            return 0;
        v->t[pos] = w;
    } else if (op < 75 || n_words(v) <= min_words) {
        tv_insert(v, pos + 1, content_word(r, topic));
    } else {
        tv_erase(v, pos);
    }
    return 1;
}

/* turn d (a copy of the source) into an edited continuation; returns the
   edit fraction in units of 1/10000 of the title + abstract words */
static int apply_edits(doc_t *d, rng_t *r)
{
    double f = CFG.edit_lo + (CFG.edit_hi - CFG.edit_lo) * rng_unif(r);
    int tw = n_words(&d->title), aw = n_words(&d->abstract);
    int total = tw + aw;
    int ops = (int)(f * (double)total + 0.5);
    if (ops < 1)
        ops = 1;
    int done = 0;
    if (rng_below(r, 100) < 25)
        done += edit_once(&d->title, r, d->topic, 4);
    for (int tries = 0; done < ops && tries < ops * 4; tries++)
        done += edit_once(&d->abstract, r, d->topic, 10);
    for (int c = 0; c < d->ncl; c++) {
        int cw = n_words(&d->claim[c]);
        int cops = (int)(f * (double)cw + rng_unif(r));
        for (int k = 0; k < cops; k++)
            edit_once(&d->claim[c], r, d->topic, 6);
    }
    uint32_t u = rng_below(r, 100);
    if (u < 30 && d->ncl > 3 && d->dep[d->ncl - 1] != 0) {
        d->ncl--; /* drop the last (dependent) claim */
    } else if (u < 60 && d->ncl < MAXC) {
        int c = d->ncl++;
        d->dep[c] = 1;
        gen_dependent(d, c, 1, 0, r);
    }
    return (int)(((int64_t)done * 10000 + total / 2) / total);
}

/* ------------------------------------------------------------------ */
/* rendering                                                            */
/* ------------------------------------------------------------------ */

static const char *tok_str(uint32_t t, char *tmp, uint32_t *len)
{
    if (t >= TK_NUM) {
        int n = snprintf(tmp, 16, "%u", t - TK_NUM);
        *len = (uint32_t)n;
        return tmp;
    }
    if (t >= TK_GLUE) {
        const char *s = GLUE[t - TK_GLUE];
        *len = (uint32_t)strlen(s);
        return s;
    }
    *len = VOC[t].len;
    return VOC[t].s;
}

static void render(buf_t *b, const uint32_t *t, size_t n)
{
    int cap = 1, first = 1;
    char tmp[16];
    for (size_t i = 0; i < n; i++) {
        uint32_t tok = t[i];
        if (tok >= TK_PUNCT) {
            switch (tok - TK_PUNCT) {
            case P_PERIOD:
                buf_putc(b, '.');
                cap = 1;
                break;
            case P_COMMA:
                buf_putc(b, ',');
                break;
            case P_SEMI:
                buf_putc(b, ';');
                break;
            case P_COLON:
                buf_putc(b, ':');
                break;
            default:
                buf_put(b, "\\n\\n", 4);
                first = 1;
                cap = 1;
                break;
            }
            continue;
        }
        uint32_t len;
        const char *s = tok_str(tok, tmp, &len);
        if (tok == GL(G_A) && i + 1 < n && t[i + 1] < TK_NUM) {
            uint32_t nl;
            char tmp2[16];
            const char *ns = tok_str(t[i + 1], tmp2, &nl);
            char c0 = ns[0];
            if (c0 == 'a' || c0 == 'e' || c0 == 'i' || c0 == 'o' || c0 == 'u') {
                s = "an";
                len = 2;
            }
        }
        if (!first)
            buf_putc(b, ' ');
        if (cap && s[0] >= 'a' && s[0] <= 'z') {
            buf_putc(b, (char)(s[0] - 'a' + 'A'));
            buf_put(b, s + 1, len - 1);
        } else {
            buf_put(b, s, len);
        }
        cap = 0;
        first = 0;
    }
}

static void render_doc(buf_t *b, const doc_t *d, uint64_t idx)
{
    buf_puts(b, "{\"id\":\"");
    buf_id(b, idx);
    buf_puts(b, "\",\"kind\":\"");
    buf_puts(b, KINDS[kind_of(idx)]);
    buf_puts(b, "\",\"title\":\"");
    render(b, d->title.t, d->title.n);
    buf_puts(b, "\",\"abstract\":\"");
    render(b, d->abstract.t, d->abstract.n);
    buf_puts(b, "\",\"claims\":[");
    for (int c = 0; c < d->ncl; c++) {
        char num[16];
        int n = snprintf(num, sizeof num, "%s\"%d. ", c ? "," : "", c + 1);
        buf_put(b, num, (size_t)n);
        render(b, d->claim[c].t, d->claim[c].n);
        buf_putc(b, '"');
    }
    buf_putc(b, ']');
    if (CFG.description) {
        buf_puts(b, ",\"description\":\"");
        render(b, d->desc.t, d->desc.n);
        buf_putc(b, '"');
    }
    buf_puts(b, ",\"cpc\":[");
    for (int i = 0; i < d->ncpc; i++) {
        buf_puts(b, i ? ",\"" : "\"");
        buf_puts(b, d->cpc[i]);
        buf_putc(b, '"');
    }
    buf_puts(b, "],\"ipc\":[");
    for (int i = 0; i < d->nipc; i++) {
        buf_puts(b, i ? ",\"" : "\"");
        buf_puts(b, d->ipc[i]);
        buf_putc(b, '"');
    }
    buf_puts(b, "],\"applicant\":\"");
    buf_puts(b, APP_NAME[d->applicant]);
    buf_puts(b, "\",\"entity\":\"");
    buf_puts(b, ENTITY[APP_TIER[d->applicant]]);
    buf_puts(b, d->fast ? "\",\"fast_track\":true" : "\",\"fast_track\":false");
    buf_puts(b, ",\"filing_date\":\"");
    buf_date(b, d->filing);
    buf_puts(b, "\",\"priority_date\":\"");
    buf_date(b, d->prio);
    buf_puts(b, "\",\"publication_date\":\"");
    buf_date(b, d->pub);
    buf_puts(b, "\",\"citations\":[");
    for (int i = 0; i < d->ncite; i++) {
        buf_puts(b, i ? ",\"" : "\"");
        buf_id(b, d->cite[i]);
        buf_putc(b, '"');
    }
    buf_puts(b, "]}\n");
}

/* ------------------------------------------------------------------ */
/* command line                                                         */
/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
"Usage: patsift-gen --docs N [options]\n"
"\n"
"Writes N synthetic patent documents as JSON Lines, deterministically: the\n"
"same options (and the same --learn input) give byte-identical output on\n"
"every machine.\n"
"\n"
"Options:\n"
"  --docs N          number of documents to write (required; 0 .. 999999999)\n"
"  --seed S          64-bit seed, decimal or 0x-hex (default 1); different\n"
"                    seeds give different corpora\n"
"  --learn FILE      learn the vocabulary and a word-bigram chain from the\n"
"                    \"title\" and \"abstract\" fields of a JSON Lines file\n"
"                    (words seen at least twice); without it a built-in\n"
"                    vocabulary of 4096 words with Zipf ranks is used\n"
"  --zipf S          Zipf exponent of the built-in vocabulary (default 1.07;\n"
"                    0.5 .. 2.0; ignored with --learn, which uses the learned\n"
"                    frequencies)\n"
"  --dup-rate R      fraction of documents that are planted near-duplicates:\n"
"                    edited copies of an earlier document (default 0.02;\n"
"                    0 .. 0.5)\n"
"  --dup-edit LO,HI  range of the fraction of title+abstract words that a\n"
"                    near-duplicate replaces, inserts or deletes (default\n"
"                    0.02,0.20; 0 < LO <= HI <= 0.9)\n"
"  --truth FILE      write the planted pairs as TSV: a header line, then\n"
"                    id_a<TAB>id_b<TAB>edit_fraction (id_a is the source)\n"
"  --with-description\n"
"                    also write a \"description\" field (150-600 words)\n"
"  --out FILE|-      output file (default '-', standard output)\n"
"  -h, --help        show this help and exit\n"
"\n"
"Each record: id (G + 9-digit number + kind), kind (B2/B1/A1), title,\n"
"abstract, claims (\"1. A ... comprising: ...\", dependent claims say \"of\n"
"claim N\"), cpc, ipc, applicant, entity (micro/small/large), fast_track,\n"
"filing_date, priority_date, publication_date, citations (earlier ids).\n"
"\n"
"Lengths: titles 4-15 words (log-normal, median 8); abstracts log-normal\n"
"around 110 words (25-400); 3-25 claims (30%% exactly 20), 1-3 independent.\n"
"Progress is printed to standard error only when it is a terminal.\n"
"Exit status: 0 ok, 1 runtime error (I/O, bad --learn data), 2 bad arguments.\n");
}

static uint64_t parse_u64(const char *opt, const char *v, uint64_t max)
{
    if (!v || !*v)
        die(2, "option %s needs a value", opt);
    if (*v == '-' || *v == '+' || *v == ' ')
        die(2, "invalid value '%s' for %s: expected a non-negative integer", v, opt);
    errno = 0;
    char *end;
    unsigned long long x = strtoull(v, &end, 0);
    if (errno || *end || end == v)
        die(2, "invalid value '%s' for %s: expected a non-negative integer", v, opt);
    if (x > max)
        die(2, "value %s for %s is too large (max %llu)", v, opt, (unsigned long long)max);
    return (uint64_t)x;
}

static double parse_double(const char *opt, const char *v, double lo, double hi)
{
    if (!v || !*v)
        die(2, "option %s needs a value", opt);
    errno = 0;
    char *end;
    double x = strtod(v, &end);
    if (errno || *end || end == v || !(x >= lo && x <= hi))
        die(2, "invalid value '%s' for %s: expected a number in [%g, %g]", v, opt, lo, hi);
    return x;
}

static void parse_args(int argc, char **argv)
{
    int have_docs = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strncmp(a, "--", 2) != 0)
            die(2, "unexpected argument '%s'", a);
        char name[64];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name)
            die(2, "unknown option '%s'", a);
        memcpy(name, a, nl);
        name[nl] = 0;
        int takes = strcmp(name, "--with-description") != 0;
        if (!takes) {
            if (eq)
                die(2, "option %s takes no value", name);
            CFG.description = 1;
            continue;
        }
        static const char *const known[] = {"--docs", "--seed",  "--learn", "--dup-rate",
                                            "--dup-edit", "--truth", "--out", "--zipf"};
        int ok = 0;
        for (size_t k = 0; k < sizeof known / sizeof *known; k++)
            ok |= strcmp(name, known[k]) == 0;
        if (!ok)
            die(2, "unknown option '%s'", name);
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else
            die(2, "option %s needs a value", name);
        if (strcmp(name, "--docs") == 0) {
            CFG.docs = parse_u64(name, val, 999999999ULL);
            have_docs = 1;
        } else if (strcmp(name, "--seed") == 0) {
            CFG.seed = parse_u64(name, val, UINT64_MAX);
        } else if (strcmp(name, "--learn") == 0) {
            if (!*val)
                die(2, "option --learn needs a file name");
            CFG.learn = val;
        } else if (strcmp(name, "--dup-rate") == 0) {
            CFG.dup_rate = parse_double(name, val, 0.0, 0.5);
        } else if (strcmp(name, "--zipf") == 0) {
            CFG.zipf_s = parse_double(name, val, 0.5, 2.0);
        } else if (strcmp(name, "--dup-edit") == 0) {
            const char *comma = strchr(val, ',');
            if (!comma)
                die(2, "invalid value '%s' for --dup-edit: expected LO,HI (e.g. 0.02,0.20)", val);
            char lo[64];
            size_t ll = (size_t)(comma - val);
            if (ll >= sizeof lo)
                die(2, "invalid value '%s' for --dup-edit", val);
            memcpy(lo, val, ll);
            lo[ll] = 0;
            CFG.edit_lo = parse_double("--dup-edit (LO)", lo, 0.0, 0.9);
            CFG.edit_hi = parse_double("--dup-edit (HI)", comma + 1, 0.0, 0.9);
            if (!(CFG.edit_lo > 0.0) || CFG.edit_lo > CFG.edit_hi)
                die(2, "invalid value '%s' for --dup-edit: need 0 < LO <= HI <= 0.9", val);
        } else if (strcmp(name, "--truth") == 0) {
            if (!*val)
                die(2, "option --truth needs a file name");
            CFG.truth = val;
        } else if (strcmp(name, "--out") == 0) {
            if (!*val)
                die(2, "option --out needs a file name or '-'");
            CFG.out = val;
        }
    }
    if (!have_docs)
        die(2, "missing required option --docs N");
    if (CFG.truth && strcmp(CFG.out, "-") != 0 && strcmp(CFG.truth, CFG.out) == 0)
        die(2, "--truth and --out must be different files");
    if (CFG.truth && strcmp(CFG.truth, "-") == 0)
        die(2, "--truth needs a file name, not '-'");
}

/* ------------------------------------------------------------------ */
/* main                                                                 */
/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    parse_args(argc, argv);

    if (CFG.learn)
        learn_file(CFG.learn);
    else
        builtin_vocab(CFG.zipf_s);
    setup_topics_and_applicants();

    D_START = days_from_civil(1998, 1, 1);
    D_END = days_from_civil(2019, 12, 31);
    DUP_THRESHOLD = (uint64_t)(CFG.dup_rate * 9007199254740992.0);
    WINDOW = CFG.docs / 10 > 50 ? CFG.docs / 10 : 50;

    FILE *out = stdout;
    const char *out_name = "standard output";
    if (strcmp(CFG.out, "-") != 0) {
        out = fopen(CFG.out, "wb");
        if (!out)
            die(1, "cannot create '%s': %s", CFG.out, strerror(errno));
        out_name = CFG.out;
    }
    FILE *truth = NULL;
    if (CFG.truth) {
        truth = fopen(CFG.truth, "wb");
        if (!truth)
            die(1, "cannot create '%s': %s", CFG.truth, strerror(errno));
        fputs("id_a\tid_b\tedit_fraction\n", truth);
    }

    int progress = isatty(STDERR_FILENO);
    doc_t *d = xcalloc(1, sizeof *d);
    buf_t ob = {0}, tb = {0};
    for (uint64_t idx = 1; idx <= CFG.docs; idx++) {
        uint64_t src = 0;
        if (is_dup(idx)) {
            rng_t r;
            stream(&r, idx, ST_DUP);
            uint64_t lo = idx > WINDOW ? idx - WINDOW : 1;
            for (int tries = 0; tries < 8 && !src; tries++) {
                uint64_t j = lo + rng_below(&r, (uint32_t)(idx - lo));
                if (!is_dup(j))
                    src = j;
            }
        }
        if (!src) {
            gen_content(d, idx);
            gen_meta(d, idx, 1);
        } else {
            rng_t r;
            stream(&r, idx, ST_EDIT);
            gen_content(d, src);
            gen_meta(d, src, 0);
            int prio = d->prio, filing = d->filing;
            int frac = apply_edits(d, &r);
            gen_meta(d, idx, 1); /* fast-track flag and citations of its own */
            d->prio = prio;
            d->filing = filing + 60 + (int)rng_below(&r, 1441);
            if (kind_of(idx) == 2)
                d->pub = d->filing + 120 + (int)rng_below(&r, 200);
            else
                d->pub = d->filing + rng_lognormal(&r, 900.0, 0.35, 300, 2400);
            /* a continuation cites its parent first */
            if (d->ncite == MAXCITE)
                d->ncite--;
            memmove(d->cite + 1, d->cite, (size_t)d->ncite * sizeof *d->cite);
            d->cite[0] = src;
            d->ncite++;
            for (int q = 1; q < d->ncite; q++)
                if (d->cite[q] == src) {
                    memmove(d->cite + q, d->cite + q + 1,
                            (size_t)(d->ncite - q - 1) * sizeof *d->cite);
                    d->ncite--;
                    q--;
                }
            if (truth) {
                tb.len = 0;
                buf_id(&tb, src);
                buf_putc(&tb, '\t');
                buf_id(&tb, idx);
                char fr[24];
                int n = snprintf(fr, sizeof fr, "\t%d.%04d\n", frac / 10000, frac % 10000);
                buf_put(&tb, fr, (size_t)n);
                if (fwrite(tb.p, 1, tb.len, truth) != tb.len)
                    die(1, "write error on '%s': %s", CFG.truth, strerror(errno));
            }
        }
        render_doc(&ob, d, idx);
        if (ob.len >= (1u << 20)) {
            if (fwrite(ob.p, 1, ob.len, out) != ob.len)
                die(1, "write error on %s: %s", out_name, strerror(errno));
            ob.len = 0;
        }
        if (progress && (idx & 0xFFFF) == 0)
            fprintf(stderr, "\r%s: %llu/%llu documents", PROG, (unsigned long long)idx,
                    (unsigned long long)CFG.docs);
    }
    if (ob.len && fwrite(ob.p, 1, ob.len, out) != ob.len)
        die(1, "write error on %s: %s", out_name, strerror(errno));
    if (fflush(out) != 0 || (out != stdout && fclose(out) != 0))
        die(1, "write error on %s: %s", out_name, strerror(errno));
    if (truth && fclose(truth) != 0)
        die(1, "write error on '%s': %s", CFG.truth, strerror(errno));
    if (progress && CFG.docs >= 0x10000)
        fprintf(stderr, "\r%s: %llu/%llu documents\n", PROG, (unsigned long long)CFG.docs,
                (unsigned long long)CFG.docs);
    return 0;
}
