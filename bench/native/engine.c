/*
 * bench/native/engine.c: a native C implementation of the hetsyn fixed-point engine.
 *
 * It is written from docs/fixed-point.md (arithmetic spec version 1), docs/model-format.md
 * (format versions 1 and 2) and docs/spike-format.md alone, and serves two purposes:
 *
 *   1. the speed baseline `hetsyn bench` compares build/hetsyn.wasm against: the same integer
 *      algorithm, plain portable C11 (no intrinsics, no SIMD), built with `gcc -O2`;
 *   2. a second, independent implementation of the arithmetic spec: a test runs both engines on
 *      the same model and spike file and compares their --dump output string for string.
 *
 * Build (one file, no dependencies; *.out is git-ignored):
 *
 *     gcc -O2 -std=c11 -Wall -Wextra -Werror -o bench/native/engine.out bench/native/engine.c
 *
 * Usage:
 *
 *     engine MODEL.hsm SPIKES.spk --dump
 *     engine MODEL.hsm SPIKES.spk --time REPEATS
 *
 * --dump: reset the state, run every step of the binary spike file once and print one line per
 * step on stdout, fields separated by single spaces, lines ended by "\n":
 *
 *     t <step> scores <s0> <s1> ... <sC-1> spikes <group 0> | <group 1> | ... decision <d>
 *
 *   <step>     0-based index of the step in the spike file (= stepCount before the step)
 *   <sJ>       readout score of class J after this step (decimal i32), one per readout neuron
 *   <group l>  for each non-readout layer l in layer order: "<count>:<i0>,<i1>,..." with the
 *              indices of the neurons that spiked at this step in increasing order (decimal,
 *              comma-separated, no spaces); just "0:" when none spiked. Groups are separated by
 *              " | ". A model whose only layer is the readout has no group: "... spikes decision 0".
 *   <d>        the decision after this step (docs/fixed-point.md, "Decision over a window"):
 *              -1 while no step has been counted yet, else the class with the largest
 *              accumulator, lowest index on a tie.
 *
 *   Example (2 classes, layers of 4 and 3 neurons):
 *     t 0 scores 0 -12 spikes 0: | 0: decision 0
 *     t 1 scores 512 7 spikes 2:1,3 | 1:0 decision 0
 *
 * --time REPEATS: load once, then REPEATS times: reset the state and run the whole spike file.
 * Only the steps are timed (CLOCK_MONOTONIC around each pass; the resets are outside). Prints one
 * JSON line on stdout:
 *
 *     {"steps": <steps per pass * REPEATS>, "ns_per_step": <total ns / steps>, "checksum": "<8 hex>"}
 *
 * The checksum is FNV-1a 32 (offset basis 0x811c9dc5, prime 0x01000193) over the readout scores
 * of every step of the last pass, in step order then class order, each as 4 little-endian bytes
 * of its i32; printed as 8 lowercase hex digits. Every pass copies each step's scores (inside the
 * timed loop: C words per step) into the buffer the checksum is computed from after the timing,
 * so the compiler cannot drop any of the work. The decision
 * accumulators are updated in every step; the argmax (a query, not part of a step) is not timed.
 *
 * Exit codes: 0 success; 1 usage error (usage on stderr); 2 a bad or unreadable model or spike file
 * (a message on stderr naming the file, the byte offset and what is wrong).
 *
 * Format version 2 adds an optional FRONTEND section (id 3, between LABELS and the first LAYER)
 * describing the audio front-end the model was trained with. This engine takes spike files, not
 * audio, so it validates that section as the spec says (its size, every field's range, 2 * bands =
 * inputCount) and otherwise ignores it; the network and its arithmetic are those of version 1.
 * Format version 3 adds an optional DETECT section (id 4, after FRONTEND, before the first LAYER):
 * the continuous detector's settings, which run after a step, not in it; validated, then ignored.
 *
 * Like the device, the engine runs from the model file's bytes: weights, level indices, row starts,
 * columns, thresholds and drives are read in place (little-endian loads written byte by byte, which
 * gcc turns into single loads). The only copies are the K level decays of each layer and the
 * decoded input lists of the spike file (both tiny or outside the timed loop).
 *
 * Implementation notes (everything below is equivalent to the spec's order of operations):
 *   - decay(x, a) = sign(x) * floor((|x| * a + 2^15) / 2^16) is computed as
 *     (x * a + 2^15 - [x < 0]) >> 16 with a 64-bit product and an arithmetic (flooring) shift:
 *     for x < 0, -floor((-p + 2^15) / 2^16) = floor((p + 2^15 - 1) / 2^16) with p = x * a.
 *   - The spec's step 2 (reset current) only reads R and the previous spikes z, so it is done in
 *     the output loop of step 4, just before v is computed; the result is the same.
 *   - Step 1 (decay of S) of step t+1 is done in the output loop of step t, right after the sums
 *     of S are read: after a reset S = 0 and decay(0) = 0, so the state entering every step's
 *     input events is exactly the spec's. This saves one pass over the state per step.
 *   - Step 3's saturating additions are done as plain additions whenever a bound on |S| proves
 *     that none of them can saturate in this step (see net_step); otherwise every addition
 *     saturates, one by one in the spec's order.
 *   - The layout (dense/sparse x bucketBits) and the saturate-or-not choice are made once per
 *     layer and step, never per synapse; dense 4-bit level rows are walked two synapses per level
 *     byte (after one odd synapse when the row starts on a high nibble).
 */

#define _POSIX_C_SOURCE 199309L

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* decay() relies on >> of a negative signed value being a floor (arithmetic) shift, which C leaves
 * implementation-defined; gcc and clang define it so. Refuse to build anywhere it is not. */
_Static_assert((-1 >> 1) == -1 && ((int64_t)-3 >> 1) == -2, "needs an arithmetic right shift");

#define MAX_LAYERS 16
#define FORMAT_VERSION_MAX 3       /* reads versions 1 .. FORMAT_VERSION_MAX */
#define FIRST_FRONTEND_VERSION 2   /* the first version with a FRONTEND section */
#define FIRST_DETECT_VERSION 3     /* the first version with a DETECT section */
enum { SECTION_MODEL = 1, SECTION_LABELS = 2, SECTION_FRONTEND = 3, SECTION_DETECT = 4, SECTION_LAYER = 8 };
#define Q16_ONE 65536u

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                      */

static const char *g_prog = "engine";

static void usage(void) {
    fprintf(stderr,
            "usage: %s MODEL.hsm SPIKES.spk --dump\n"
            "       %s MODEL.hsm SPIKES.spk --time REPEATS\n"
            "  --dump          run the spike file once, print one line per step\n"
            "  --time REPEATS  run it REPEATS times (>= 1), print {steps, ns_per_step, checksum}\n",
            g_prog, g_prog);
    exit(1);
}

/* A bad model or spike file: say which file, where, and what; exit 2. */
static void bad_file(const char *i_path, uint64_t i_offset, const char *i_fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s: %s: bad file at byte %" PRIu64 ": ", g_prog, i_path, i_offset);
    va_start(ap, i_fmt);
    vfprintf(stderr, i_fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* ------------------------------------------------------------------------------------------ */
/* Little-endian loads (portable; gcc -O2 merges them into single loads)                        */

static inline uint32_t ld_u16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }

static inline uint32_t ld_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline int32_t ld_i32(const uint8_t *p) {
    uint32_t u = ld_u32(p);
    return u <= INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Arithmetic (docs/fixed-point.md, "Named operations")                                         */

static inline int32_t sat32(int64_t x) {
    return x > INT32_MAX ? INT32_MAX : x < INT32_MIN ? INT32_MIN : (int32_t)x;
}

/* sign(x) * floor((|x| * a + 2^15) / 2^16), a in 0..65536: round half away from zero. */
static inline int32_t decay(int32_t x, uint32_t a) {
    int64_t p = (int64_t)x * (int64_t)a + 32768 - (x < 0);
    return (int32_t)(p >> 16);
}

/* ------------------------------------------------------------------------------------------ */
/* Model and state                                                                             */

enum { KIND_FEEDFORWARD = 0, KIND_RECURRENT = 1, KIND_READOUT = 2 };
enum { LAYOUT_DENSE_NEURON, LAYOUT_DENSE_4, LAYOUT_DENSE_8, LAYOUT_SPARSE_NEURON, LAYOUT_SPARSE_4, LAYOUT_SPARSE_8 };

typedef struct {
    /* from the LAYER section */
    uint32_t kind, bucketBits, levelCount, sparse;
    uint32_t inputCount, neuronCount, rows;
    uint32_t weightShift;
    uint32_t resetDecayQ16;
    uint32_t synapseCount;
    uint32_t stateWidth;          /* Ks: levelCount when levels are per synapse, else 1 */
    int32_t weightScale;          /* 2^weightShift */
    uint32_t maxAdd;              /* 128 * 2^weightShift: the largest |w| * 2^weightShift */
    uint32_t layout;              /* LAYOUT_*: dense/sparse x per-neuron/4-bit/8-bit levels */
    uint32_t levelDecayQ16[64];   /* copy of the K decays (the only copied model data) */
    /* arrays in the file bytes (NULL when absent) */
    const uint8_t *threshold;     /* i32[neuronCount] */
    const uint8_t *drive;         /* i32[neuronCount] */
    const uint8_t *neuronLevel;   /* u8[neuronCount] */
    const uint8_t *rowStart;      /* u32[rows + 1] */
    const uint8_t *column;        /* u16[synapseCount] */
    const int8_t *weight;         /* i8[synapseCount] */
    const uint8_t *synapseLevel;  /* u8 per synapse or two per byte */
    /* state */
    int32_t *sum;                 /* S[j * Ks + k] */
    int32_t *resetCurrent;        /* R[j], spiking layers */
    uint8_t *spiked;              /* z[j] of the latest step */
    uint16_t *spikeList;          /* the j with z[j] = 1, increasing */
    uint32_t spikeCount;
    uint64_t absBound;            /* >= max |S| over the layer (0 after a reset), see net_step */
} Layer;

typedef struct {
    uint32_t inputCount, layerCount, decisionSkipSteps, classes;
    Layer layer[MAX_LAYERS];
    int32_t *score;               /* the readout's scores of the latest step */
    int64_t *acc;                 /* decision accumulators */
    uint64_t stepCount;
    uint64_t countedSteps;
    void *stateArena;
    size_t stateBytes;
} Net;

/* ------------------------------------------------------------------------------------------ */
/* CRC-32 (IEEE 802.3, reflected 0xEDB88320)                                                    */

static uint32_t crc32_ieee(const uint8_t *i_bytes, size_t i_len) {
    static uint32_t table[256];
    static int ready = 0;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int b = 0; b < 8; b++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < i_len; i++) crc = table[(crc ^ i_bytes[i]) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

/* ------------------------------------------------------------------------------------------ */
/* Model parser (docs/model-format.md). Every size is computed in 64 bits against the bytes    */
/* present before anything is read; the file is fully checked before the state is allocated.   */

typedef struct {
    const char *path;
    const uint8_t *b;             /* whole file */
    uint64_t end;                 /* offset of the CRC: sections must end exactly here */
    uint32_t version;             /* formatVersion, 1 .. FORMAT_VERSION_MAX */
} Parser;

static uint64_t pad4(uint64_t n) { return (n + 3) & ~(uint64_t)3; }


/* Section header at *io_off; checks it fits (padding content is not checked: the CRC covers it); returns the payload offset. */
static uint64_t section_header(const Parser *p, uint64_t *io_off, uint32_t i_index, uint32_t *o_id,
                               uint32_t *o_payload) {
    uint64_t off = *io_off;
    if (off + 8 > p->end)
        bad_file(p->path, off, "section %" PRIu32 " header runs past the end of the sections", i_index);
    uint32_t id = ld_u16(p->b + off);
    uint32_t reserved = ld_u16(p->b + off + 2);
    uint32_t payload = ld_u32(p->b + off + 4);
    if (reserved != 0) bad_file(p->path, off + 2, "section %" PRIu32 ": reserved field is %" PRIu32, i_index, reserved);
    if (off + 8 + pad4(payload) > p->end)
        bad_file(p->path, off + 4, "section %" PRIu32 " (id %" PRIu32 "): payload of %" PRIu32 " bytes runs past the end of the sections",
                 i_index, id, payload);
    *io_off = off + 8 + pad4(payload);
    *o_id = id;
    *o_payload = payload;
    return off + 8;
}

static void expect_section(const Parser *p, uint64_t i_at, uint32_t i_index, uint32_t i_id, uint32_t i_want,
                           const char *i_name) {
    const int frontend = i_id == SECTION_FRONTEND && p->version >= FIRST_FRONTEND_VERSION;
    const int detect = i_id == SECTION_DETECT && p->version >= FIRST_DETECT_VERSION;
    if (i_id != SECTION_MODEL && i_id != SECTION_LABELS && i_id != SECTION_LAYER && !frontend && !detect)
        bad_file(p->path, i_at, "section %" PRIu32 ": unknown section id %" PRIu32 " in format version %" PRIu32, i_index,
                 i_id, p->version);
    if (i_id != i_want)
        bad_file(p->path, i_at, "section %" PRIu32 ": id %" PRIu32 " out of order, expected %s (id %" PRIu32 ")", i_index,
                 i_id, i_name, i_want);
}

static void parse_model_section(const Parser *p, uint64_t at, uint32_t payload, Net *o_net) {
    const uint8_t *s = p->b + at;
    if (payload < 13) bad_file(p->path, at, "MODEL payload is %" PRIu32 " bytes, needs at least 13", payload);
    uint32_t timestepUs = ld_u32(s);
    uint32_t inputCount = ld_u16(s + 4);
    uint32_t layerCount = ld_u16(s + 6);
    uint32_t decisionMode = s[8];
    uint32_t nameBytes = s[12];
    if (timestepUs < 1) bad_file(p->path, at, "MODEL timestepUs is 0");
    if (inputCount < 1) bad_file(p->path, at + 4, "MODEL inputCount is 0");
    if (layerCount < 1 || layerCount > MAX_LAYERS)
        bad_file(p->path, at + 6, "MODEL layerCount %" PRIu32 " not in 1..16", layerCount);
    if (decisionMode != 0) bad_file(p->path, at + 8, "unknown decisionMode %" PRIu32, decisionMode);
    if (s[9] != 0) bad_file(p->path, at + 9, "MODEL reserved byte is %u", s[9]);
    if (nameBytes > 63) bad_file(p->path, at + 12, "MODEL nameBytes %" PRIu32 " > 63", nameBytes);
    if (payload != 13 + nameBytes)
        bad_file(p->path, at - 4, "MODEL payloadBytes %" PRIu32 " != 13 + nameBytes (%" PRIu32 ")", payload, 13 + nameBytes);
    o_net->inputCount = inputCount;
    o_net->layerCount = layerCount;
    o_net->decisionSkipSteps = ld_u16(s + 10);
}

static uint32_t parse_labels_section(const Parser *p, uint64_t at, uint32_t payload) {
    const uint8_t *s = p->b + at;
    if (payload < 2) bad_file(p->path, at, "LABELS payload is %" PRIu32 " bytes, needs at least 2", payload);
    uint32_t labelCount = ld_u16(s);
    uint64_t q = 2;
    for (uint32_t i = 0; i < labelCount; i++) {
        if (q + 1 > payload) bad_file(p->path, at + q, "label %" PRIu32 " runs past the LABELS payload", i);
        uint32_t len = s[q];
        if (len < 1 || len > 63) bad_file(p->path, at + q, "label %" PRIu32 " length %" PRIu32 " not in 1..63", i, len);
        if (q + 1 + len > payload) bad_file(p->path, at + q, "label %" PRIu32 " runs past the LABELS payload", i);
        q += 1 + len;
    }
    if (q != payload)
        bad_file(p->path, at - 4, "LABELS payloadBytes %" PRIu32 " != %" PRIu64 " bytes of labels", payload, q);
    return labelCount;
}

/* FRONTEND (format version 2): checked field by field, then ignored (this engine takes spikes). */
static void parse_frontend_section(const Parser *p, uint64_t at, uint32_t payload, uint32_t i_inputCount) {
    const uint8_t *s = p->b + at;
    if (payload != 12) bad_file(p->path, at - 4, "FRONTEND payloadBytes %" PRIu32 " != 12", payload);
    uint32_t sampleRateHz = ld_u32(s);
    uint32_t bands = ld_u16(s + 4);
    uint32_t windowMs = s[6], hopMs = s[7];
    uint32_t thresholdQ8 = ld_u16(s + 8);
    if (sampleRateHz != 8000 && sampleRateHz != 16000)
        bad_file(p->path, at, "FRONTEND sampleRateHz %" PRIu32 " is not 8000 or 16000", sampleRateHz);
    if (bands < 1 || bands > 64) bad_file(p->path, at + 4, "FRONTEND bands %" PRIu32 " not in 1..64", bands);
    if (2 * bands != i_inputCount)
        bad_file(p->path, at + 4, "FRONTEND 2 * bands = %" PRIu32 " != the model's inputCount %" PRIu32, 2 * bands, i_inputCount);
    if (windowMs < 1 || windowMs > 32) bad_file(p->path, at + 6, "FRONTEND windowMs %" PRIu32 " not in 1..32", windowMs);
    if (hopMs < 1 || hopMs > windowMs)
        bad_file(p->path, at + 7, "FRONTEND hopMs %" PRIu32 " not in 1..windowMs (%" PRIu32 ")", hopMs, windowMs);
    if (thresholdQ8 < 1) bad_file(p->path, at + 8, "FRONTEND thresholdQ8 is 0");
    if (s[10] != 0) bad_file(p->path, at + 10, "FRONTEND encoding %u unknown (0 = per-band up/down delta)", s[10]);
    if (s[11] != 0) bad_file(p->path, at + 11, "FRONTEND reserved byte is %u", s[11]);
}

/* DETECT (format version 3): checked field by field, then ignored (detection follows a step). */
static void parse_detect_section(const Parser *p, uint64_t at, uint32_t payload, uint32_t i_labelCount) {
    const uint8_t *s = p->b + at;
    if (payload < 8) bad_file(p->path, at - 4, "DETECT payloadBytes %" PRIu32 " < 8", payload);
    uint32_t classes = ld_u16(s + 4);
    if (payload != 8 + 4 * classes)
        bad_file(p->path, at - 4, "DETECT payloadBytes %" PRIu32 " != 8 + 4 * %" PRIu32 " classes", payload, classes);
    if (s[0] > 10) bad_file(p->path, at, "DETECT smoothingShift %u above 10", s[0]);
    if (s[1] != 0 || ld_u16(s + 6) != 0) bad_file(p->path, at + 1, "DETECT reserved bytes are not 0");
    if (classes != i_labelCount)
        bad_file(p->path, at + 4, "DETECT labelCount %" PRIu32 " != the model's %" PRIu32, classes, i_labelCount);
}

static void parse_layer_section(const Parser *p, uint64_t at, uint32_t payload, uint32_t i_index,
                                uint32_t i_expectInputs, int i_isLast, Layer *o_layer) {
    const uint8_t *s = p->b + at;
    const char *path = p->path;
    Layer *L = o_layer;
    if (payload < 20) bad_file(path, at, "layer %" PRIu32 ": payload is %" PRIu32 " bytes, needs at least 20", i_index, payload);
    L->kind = s[0];
    L->bucketBits = s[1];
    L->levelCount = s[2];
    uint32_t flags = s[3];
    L->inputCount = ld_u16(s + 4);
    L->neuronCount = ld_u16(s + 6);
    L->weightShift = s[8];
    uint32_t stateFracBits = s[9];
    uint32_t reserved = ld_u16(s + 10);
    L->resetDecayQ16 = ld_u32(s + 12);
    L->synapseCount = ld_u32(s + 16);

    if (L->kind > KIND_READOUT) bad_file(path, at, "layer %" PRIu32 ": unknown kind %" PRIu32, i_index, L->kind);
    if (flags & ~1u) bad_file(path, at + 3, "layer %" PRIu32 ": unknown flags 0x%02" PRIx32, i_index, flags);
    if (reserved != 0) bad_file(path, at + 10, "layer %" PRIu32 ": reserved field is %" PRIu32, i_index, reserved);
    if (L->weightShift > 16) bad_file(path, at + 8, "layer %" PRIu32 ": weightShift %" PRIu32 " > 16", i_index, L->weightShift);
    if (stateFracBits > 62) bad_file(path, at + 9, "layer %" PRIu32 ": stateFracBits %" PRIu32 " > 62", i_index, stateFracBits);
    if (L->kind == KIND_READOUT && L->resetDecayQ16 != 0)
        bad_file(path, at + 12, "layer %" PRIu32 ": a readout with resetDecayQ16 %" PRIu32 " (must be 0)", i_index, L->resetDecayQ16);
    if (L->resetDecayQ16 > Q16_ONE)
        bad_file(path, at + 12, "layer %" PRIu32 ": resetDecayQ16 %" PRIu32 " > 65536", i_index, L->resetDecayQ16);
    if (L->inputCount != i_expectInputs)
        bad_file(path, at + 4, "layer %" PRIu32 ": inputCount %" PRIu32 " != %" PRIu32 " (what feeds it)", i_index, L->inputCount,
                 i_expectInputs);
    if (i_isLast && L->kind != KIND_READOUT) bad_file(path, at, "the last layer (%" PRIu32 ") is not a readout", i_index);
    if (!i_isLast && L->kind == KIND_READOUT) bad_file(path, at, "layer %" PRIu32 " is a readout but not the last layer", i_index);
    if (L->bucketBits != 0 && L->bucketBits != 4 && L->bucketBits != 8)
        bad_file(path, at + 1, "layer %" PRIu32 ": bucketBits %" PRIu32 " not 0, 4 or 8", i_index, L->bucketBits);
    uint32_t maxLevels = L->bucketBits == 8 ? 64 : 16;
    if (L->levelCount < 1 || L->levelCount > maxLevels)
        bad_file(path, at + 2, "layer %" PRIu32 ": levelCount %" PRIu32 " not in 1..%" PRIu32, i_index, L->levelCount, maxLevels);
    if (L->neuronCount < 1) bad_file(path, at + 6, "layer %" PRIu32 ": neuronCount is 0", i_index);

    L->sparse = flags & 1u;
    L->rows = L->inputCount + (L->kind == KIND_RECURRENT ? L->neuronCount : 0);
    L->stateWidth = L->bucketBits == 0 ? 1 : L->levelCount;
    L->weightScale = (int32_t)1 << L->weightShift;
    L->maxAdd = 128u << L->weightShift;
    L->layout = (L->sparse ? LAYOUT_SPARSE_NEURON : LAYOUT_DENSE_NEURON) + (L->bucketBits == 4 ? 1 : L->bucketBits == 8 ? 2 : 0);
    const uint64_t n = L->neuronCount, K = L->levelCount, rows = L->rows, syn = L->synapseCount;
    const int spiking = L->kind != KIND_READOUT;
    if (!L->sparse && syn != rows * n)
        bad_file(path, at + 16, "layer %" PRIu32 ": dense synapseCount %" PRIu64 " != rows * neuronCount = %" PRIu64, i_index, syn,
                 rows * n);

    /* array layout, all in 64 bits */
    uint64_t off = 20;
    const uint64_t oDecay = off;   off += 4 * K;
    const uint64_t oThresh = off;  off += spiking ? 4 * n : 0;
    const uint64_t oDrive = off;   off += 4 * n;
    const uint64_t oNLevel = off;  off += L->bucketBits == 0 ? pad4(n) : 0;
    const uint64_t oRowStart = off; off += L->sparse ? 4 * (rows + 1) : 0;
    const uint64_t oColumn = off;  off += L->sparse ? pad4(2 * syn) : 0;
    const uint64_t oWeight = off;  off += pad4(syn);
    const uint64_t levelBytes = L->bucketBits == 8 ? syn : L->bucketBits == 4 ? (syn + 1) / 2 : 0;
    const uint64_t oSLevel = off;  off += pad4(levelBytes);
    if (off != payload)
        bad_file(path, at - 4, "layer %" PRIu32 ": payloadBytes %" PRIu32 " != %" PRIu64 " (20 + its padded arrays)", i_index,
                 payload, off);

    /* level decays */
    for (uint64_t k = 0; k < K; k++) {
        uint32_t a = ld_u32(s + oDecay + 4 * k);
        if (a > Q16_ONE) bad_file(path, at + oDecay + 4 * k, "layer %" PRIu32 ": levelDecayQ16[%" PRIu64 "] = %" PRIu32 " > 65536", i_index, k, a);
        L->levelDecayQ16[k] = a;
    }
    /* thresholds */
    L->threshold = spiking ? s + oThresh : NULL;
    if (spiking)
        for (uint64_t j = 0; j < n; j++) {
            int32_t th = ld_i32(s + oThresh + 4 * j);
            if (th < 1) bad_file(path, at + oThresh + 4 * j, "layer %" PRIu32 ": threshold[%" PRIu64 "] = %" PRId32 " < 1", i_index, j, th);
        }
    L->drive = s + oDrive;
    /* per-neuron levels */
    L->neuronLevel = NULL;
    if (L->bucketBits == 0) {
        L->neuronLevel = s + oNLevel;
        for (uint64_t j = 0; j < n; j++)
            if (s[oNLevel + j] >= K)
                bad_file(path, at + oNLevel + j, "layer %" PRIu32 ": neuronLevel[%" PRIu64 "] = %u >= levelCount", i_index, j, s[oNLevel + j]);
    }
    /* sparse rows */
    L->rowStart = L->column = NULL;
    if (L->sparse) {
        L->rowStart = s + oRowStart;
        L->column = s + oColumn;
        if (ld_u32(s + oRowStart) != 0) bad_file(path, at + oRowStart, "layer %" PRIu32 ": rowStart[0] != 0", i_index);
        if (ld_u32(s + oRowStart + 4 * rows) != syn)
            bad_file(path, at + oRowStart + 4 * rows, "layer %" PRIu32 ": rowStart[rows] = %" PRIu32 " != synapseCount %" PRIu64, i_index,
                     ld_u32(s + oRowStart + 4 * rows), syn);
        for (uint64_t r = 0; r < rows; r++)
            if (ld_u32(s + oRowStart + 4 * r + 4) < ld_u32(s + oRowStart + 4 * r))
                bad_file(path, at + oRowStart + 4 * r + 4, "layer %" PRIu32 ": rowStart[%" PRIu64 "] decreases", i_index, r + 1);
        for (uint64_t r = 0; r < rows; r++) {
            /* 0 <= a <= e <= syn now holds: the starts never decrease and the last one is syn */
            const uint64_t a = ld_u32(s + oRowStart + 4 * r), e = ld_u32(s + oRowStart + 4 * r + 4);
            for (uint64_t q = a; q < e; q++) {
                uint32_t c = ld_u16(s + oColumn + 2 * q);
                if (c >= n) bad_file(path, at + oColumn + 2 * q, "layer %" PRIu32 ": column[%" PRIu64 "] = %" PRIu32 " >= neuronCount", i_index, q, c);
                if (q > a && c <= ld_u16(s + oColumn + 2 * q - 2))
                    bad_file(path, at + oColumn + 2 * q, "layer %" PRIu32 ": columns of row %" PRIu64 " do not strictly increase", i_index, r);
            }
        }
    }
    /* weights */
    L->weight = (const int8_t *)(s + oWeight);
    /* per-synapse levels */
    L->synapseLevel = NULL;
    if (L->bucketBits == 8) {
        L->synapseLevel = s + oSLevel;
        for (uint64_t q = 0; q < syn; q++)
            if (s[oSLevel + q] >= K)
                bad_file(path, at + oSLevel + q, "layer %" PRIu32 ": synapse level %u of synapse %" PRIu64 " >= levelCount", i_index, s[oSLevel + q], q);
    } else if (L->bucketBits == 4) {
        L->synapseLevel = s + oSLevel;
        for (uint64_t q = 0; q < syn; q++) {
            uint32_t lv = (s[oSLevel + q / 2] >> (4 * (q & 1))) & 15u;
            if (lv >= K) bad_file(path, at + oSLevel + q / 2, "layer %" PRIu32 ": synapse level %" PRIu32 " of synapse %" PRIu64 " >= levelCount", i_index, lv, q);
        }
        if ((syn & 1) && (s[oSLevel + syn / 2] >> 4) != 0)
            bad_file(path, at + oSLevel + syn / 2, "layer %" PRIu32 ": unused high nibble of the last level byte is not 0", i_index);
    }
}

/* Parses and fully validates the model bytes; allocates and resets the state. Exits 2 on a bad file. */
static void load_model(Net *o_net, const uint8_t *i_bytes, size_t i_size, const char *i_path) {
    Parser p = {i_path, i_bytes, 0, 0};
    memset(o_net, 0, sizeof *o_net);
    if (i_size < 20) bad_file(i_path, 0, "truncated: %zu bytes, a header and CRC need 20", i_size);
    if (memcmp(i_bytes, "HSYN", 4) != 0) bad_file(i_path, 0, "bad magic (not a .hsm model file)");
    p.version = ld_u16(i_bytes + 4);
    if (p.version < 1 || p.version > FORMAT_VERSION_MAX)
        bad_file(i_path, 4, "formatVersion %" PRIu32 " is not one this engine reads (1 to %d)", p.version, FORMAT_VERSION_MAX);
    if (ld_u16(i_bytes + 6) != 0) bad_file(i_path, 6, "header flags 0x%04" PRIx32 " set (reserved)", ld_u16(i_bytes + 6));
    uint32_t fileBytes = ld_u32(i_bytes + 8);
    if (fileBytes > i_size) bad_file(i_path, 8, "truncated: fileBytes is %" PRIu32 " but the file has %zu", fileBytes, i_size);
    if (fileBytes != i_size) bad_file(i_path, 8, "fileBytes is %" PRIu32 " but the file has %zu", fileBytes, i_size);
    uint32_t crcWant = ld_u32(i_bytes + i_size - 4), crcHave = crc32_ieee(i_bytes, i_size - 4);
    if (crcWant != crcHave)
        bad_file(i_path, i_size - 4, "CRC-32 mismatch (file says %08" PRIx32 ", bytes give %08" PRIx32 "): corrupted", crcWant, crcHave);
    uint32_t sectionCount = ld_u32(i_bytes + 12);
    p.end = i_size - 4;

    uint64_t off = 16;
    uint32_t id, payload;
    uint64_t at = section_header(&p, &off, 0, &id, &payload);
    expect_section(&p, at - 8, 0, id, SECTION_MODEL, "MODEL");
    parse_model_section(&p, at, payload, o_net);

    at = section_header(&p, &off, 1, &id, &payload);
    expect_section(&p, at - 8, 1, id, SECTION_LABELS, "LABELS");
    uint32_t labelCount = parse_labels_section(&p, at, payload);
    uint64_t labelsAt = at;

    /* an optional FRONTEND right after LABELS (version 2), then an optional DETECT (version 3);
     * anywhere else, or in an older version, the section checks below reject them as out of order
     * or unknown */
    uint32_t optional = 0;
    const int hasFrontend =
        p.version >= FIRST_FRONTEND_VERSION && off + 8 <= p.end && ld_u16(i_bytes + off) == SECTION_FRONTEND;
    if (hasFrontend) {
        at = section_header(&p, &off, 2, &id, &payload);
        parse_frontend_section(&p, at, payload, o_net->inputCount);
        optional++;
    }
    const int hasDetect = p.version >= FIRST_DETECT_VERSION && off + 8 <= p.end && ld_u16(i_bytes + off) == SECTION_DETECT;
    if (hasDetect) {
        at = section_header(&p, &off, 2 + optional, &id, &payload);
        parse_detect_section(&p, at, payload, labelCount);
        optional++;
    }

    for (uint32_t l = 0; l < o_net->layerCount; l++) {
        at = section_header(&p, &off, 2 + optional + l, &id, &payload);
        expect_section(&p, at - 8, 2 + optional + l, id, SECTION_LAYER, "LAYER");
        uint32_t feeds = l == 0 ? o_net->inputCount : o_net->layer[l - 1].neuronCount;
        parse_layer_section(&p, at, payload, l, feeds, l + 1 == o_net->layerCount, &o_net->layer[l]);
    }
    const uint32_t sections = 2 + optional + o_net->layerCount;
    if (off != p.end) {
        if (off + 8 <= p.end) /* most likely a section out of order, e.g. a FRONTEND after the layers */
            bad_file(i_path, off, "%" PRIu64 " bytes between the last LAYER and the CRC (a section %" PRIu32 " with id %" PRIu32 "?)",
                     p.end - off, sections, ld_u16(i_bytes + off));
        bad_file(i_path, off, "%" PRIu64 " bytes between the last section and the CRC", p.end - off);
    }
    if (sectionCount != sections)
        bad_file(i_path, 12, "sectionCount %" PRIu32 " != %" PRIu32 " (MODEL, LABELS, %s%s%" PRIu32 " layers)", sectionCount,
                 sections, hasFrontend ? "FRONTEND, " : "", hasDetect ? "DETECT, " : "", o_net->layerCount);
    o_net->classes = o_net->layer[o_net->layerCount - 1].neuronCount;
    if (labelCount != o_net->classes)
        bad_file(i_path, labelsAt, "labelCount %" PRIu32 " != readout neuronCount %" PRIu32, labelCount, o_net->classes);

    /* state: one zeroed arena, each array 8-byte aligned */
    size_t bytes = 0;
#define ARENA_ADD(count, size) (bytes = (bytes + 7) & ~(size_t)7, bytes += (size_t)(count) * (size))
    for (uint32_t l = 0; l < o_net->layerCount; l++) {
        const Layer *L = &o_net->layer[l];
        ARENA_ADD((size_t)L->neuronCount * L->stateWidth, sizeof(int32_t));
        if (L->kind != KIND_READOUT) {
            ARENA_ADD(L->neuronCount, sizeof(int32_t));
            ARENA_ADD(L->neuronCount, sizeof(uint8_t));
            ARENA_ADD(L->neuronCount, sizeof(uint16_t));
        }
    }
    ARENA_ADD(o_net->classes, sizeof(int32_t));
    ARENA_ADD(o_net->classes, sizeof(int64_t));
    bytes = (bytes + 7) & ~(size_t)7;
    uint8_t *arena = calloc(1, bytes ? bytes : 1);
    if (!arena) {
        fprintf(stderr, "%s: out of memory (%zu bytes of state)\n", g_prog, bytes);
        exit(2);
    }
    o_net->stateArena = arena;
    o_net->stateBytes = bytes;
    size_t pos = 0;
#define ARENA_TAKE(ptr, count, type) \
    (pos = (pos + 7) & ~(size_t)7, (ptr) = (type *)(void *)(arena + pos), pos += (size_t)(count) * sizeof(type))
    for (uint32_t l = 0; l < o_net->layerCount; l++) {
        Layer *L = &o_net->layer[l];
        ARENA_TAKE(L->sum, (size_t)L->neuronCount * L->stateWidth, int32_t);
        if (L->kind != KIND_READOUT) {
            ARENA_TAKE(L->resetCurrent, L->neuronCount, int32_t);
            ARENA_TAKE(L->spiked, L->neuronCount, uint8_t);
            ARENA_TAKE(L->spikeList, L->neuronCount, uint16_t);
        }
    }
    ARENA_TAKE(o_net->score, o_net->classes, int32_t);
    ARENA_TAKE(o_net->acc, o_net->classes, int64_t);
#undef ARENA_ADD
#undef ARENA_TAKE
}

/* docs/fixed-point.md "State reset": every S, R, z, score, accumulator and stepCount to 0. */
static void net_reset(Net *io_net) {
    memset(io_net->stateArena, 0, io_net->stateBytes);
    for (uint32_t l = 0; l < io_net->layerCount; l++) {
        io_net->layer[l].spikeCount = 0;
        io_net->layer[l].absBound = 0;
    }
    io_net->stepCount = 0;
    io_net->countedSteps = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* One timestep (docs/fixed-point.md, "One timestep")                                           */

/* Step 3 for the rows rowBase + rowList[i], i < count, as one function per way of adding:
 * apply_rows_sat() saturates every addition (addw), apply_rows_exact() adds plainly and is used
 * only when no addition of this step can leave the i32 range (see net_step). Inside, one loop
 * per layout (dense/sparse x bucketBits 0/4/8); the layout switch is outside the synapse loops.
 * ADD(p, d) adds d = w * 2^weightShift to the state word *p (addw or a plain addition). */
static inline void add_sat(int32_t *io_s, int32_t d) { *io_s = sat32((int64_t)*io_s + d); }
static inline void add_exact(int32_t *io_s, int32_t d) { *io_s += d; }
#define DEFINE_APPLY_ROWS(NAME, ADD)                                                                        \
    static void NAME(const Layer *L, const uint16_t *i_rowList, uint32_t i_count, uint32_t i_rowBase) {    \
        int32_t *const S = L->sum;                                                                          \
        const uint32_t n = L->neuronCount, K = L->stateWidth;                                               \
        const int32_t scale = L->weightScale;                                                               \
        const int8_t *const W = L->weight;                                                                  \
        const uint8_t *const LV = L->synapseLevel;                                                          \
        const uint8_t *const RS = L->rowStart;                                                              \
        const uint8_t *const COL = L->column;                                                               \
        switch (L->layout) {                                                                                \
        case LAYOUT_DENSE_NEURON: /* synapse s = row * n + j, slot 0 */                                     \
            for (uint32_t i = 0; i < i_count; i++) {                                                        \
                const int8_t *w = W + (size_t)(i_rowBase + i_rowList[i]) * n;                               \
                for (size_t j = 0; j < n; j++) ADD(&S[j], w[j] * scale);                                    \
            }                                                                                               \
            break;                                                                                          \
        case LAYOUT_DENSE_8:                                                                                \
            for (uint32_t i = 0; i < i_count; i++) {                                                        \
                const size_t s0 = (size_t)(i_rowBase + i_rowList[i]) * n;                                   \
                const int8_t *w = W + s0, *const wEnd = w + n;                                              \
                const uint8_t *lv = LV + s0;                                                                \
                for (int32_t *Sj = S; w < wEnd; w++, lv++, Sj += K) ADD(&Sj[*lv], *w * scale);              \
            }                                                                                               \
            break;                                                                                          \
        case LAYOUT_DENSE_4: /* level of s in byte s / 2: low nibble for even s, high for odd */          \
            for (uint32_t i = 0; i < i_count; i++) {                                                        \
                const size_t s0 = (size_t)(i_rowBase + i_rowList[i]) * n;                                   \
                const int8_t *w = W + s0, *const wEnd = w + n;                                              \
                const uint8_t *lv = LV + s0 / 2;                                                            \
                int32_t *Sj = S;                                                                            \
                if (s0 & 1) { /* the row starts on a high nibble */                                         \
                    ADD(&Sj[*lv++ >> 4], *w++ * scale);                                                     \
                    Sj += K;                                                                                \
                }                                                                                           \
                const int8_t *const wPairs = w + ((size_t)(wEnd - w) & ~(size_t)1);                        \
                for (; w < wPairs; w += 2, Sj += 2 * K) { /* two synapses per level byte */                 \
                    const uint32_t b = *lv++;                                                               \
                    ADD(&Sj[b & 15u], w[0] * scale);                                                        \
                    ADD(&Sj[K + (b >> 4)], w[1] * scale);                                                   \
                }                                                                                           \
                if (w < wEnd) ADD(&Sj[*lv & 15u], *w * scale);                                              \
            }                                                                                               \
            break;                                                                                          \
        case LAYOUT_SPARSE_NEURON: /* synapses rowStart[r] .. rowStart[r + 1] - 1, neuron column[s] */     \
            for (uint32_t i = 0; i < i_count; i++) {                                                        \
                const uint8_t *rs = RS + 4 * (size_t)(i_rowBase + i_rowList[i]);                            \
                for (uint32_t q = ld_u32(rs), e = ld_u32(rs + 4); q < e; q++)                               \
                    ADD(&S[ld_u16(COL + 2 * (size_t)q)], W[q] * scale);                                     \
            }                                                                                               \
            break;                                                                                          \
        case LAYOUT_SPARSE_8:                                                                               \
            for (uint32_t i = 0; i < i_count; i++) {                                                        \
                const uint8_t *rs = RS + 4 * (size_t)(i_rowBase + i_rowList[i]);                            \
                for (uint32_t q = ld_u32(rs), e = ld_u32(rs + 4); q < e; q++)                               \
                    ADD(&S[(size_t)ld_u16(COL + 2 * (size_t)q) * K + LV[q]], W[q] * scale);                 \
            }                                                                                               \
            break;                                                                                          \
        default: /* LAYOUT_SPARSE_4 */                                                                      \
            for (uint32_t i = 0; i < i_count; i++) {                                                        \
                const uint8_t *rs = RS + 4 * (size_t)(i_rowBase + i_rowList[i]);                            \
                uint32_t q = ld_u32(rs);                                                                    \
                const uint32_t e = ld_u32(rs + 4);                                                          \
                if ((q & 1) && q < e) {                                                                     \
                    ADD(&S[(size_t)ld_u16(COL + 2 * (size_t)q) * K + (LV[q / 2] >> 4)], W[q] * scale);      \
                    q++;                                                                                    \
                }                                                                                           \
                for (; q + 1 < e; q += 2) {                                                                 \
                    const uint32_t b = LV[q / 2];                                                           \
                    ADD(&S[(size_t)ld_u16(COL + 2 * (size_t)q) * K + (b & 15u)], W[q] * scale);             \
                    ADD(&S[(size_t)ld_u16(COL + 2 * (size_t)q + 2) * K + (b >> 4)], W[q + 1] * scale);      \
                }                                                                                           \
                if (q < e) ADD(&S[(size_t)ld_u16(COL + 2 * (size_t)q) * K + (LV[q / 2] & 15u)], W[q] * scale); \
            }                                                                                               \
            break;                                                                                          \
        }                                                                                                   \
    }

DEFINE_APPLY_ROWS(apply_rows_sat, add_sat)
DEFINE_APPLY_ROWS(apply_rows_exact, add_exact)

/* max |S| over the layer (a pass over the state, needed only when the cheap bound runs out). */
static uint64_t measure_abs_max(const Layer *L) {
    const int32_t *S = L->sum;
    const size_t cells = (size_t)L->neuronCount * L->stateWidth;
    int32_t lo = 0, hi = 0;
    for (size_t i = 0; i < cells; i++) {
        lo = S[i] < lo ? S[i] : lo;
        hi = S[i] > hi ? S[i] : hi;
    }
    return (uint64_t)-(int64_t)lo > (uint64_t)hi ? (uint64_t)-(int64_t)lo : (uint64_t)hi;
}

/* Step 1 of the NEXT step is fused into this step's output loop: read_then_decay() returns the
 * 64-bit sum of neuron j's state slots and decays them in place (see the file comment). */
static inline int64_t read_then_decay(int32_t *io_s, uint32_t i_K, const uint32_t *i_alpha) {
    int64_t sum0 = 0, sum1 = 0;
    uint32_t k = 0;
    for (; k + 1 < i_K; k += 2) { /* unrolled by two: K is 16 or so, the loop overhead matters */
        const int32_t x0 = io_s[k], x1 = io_s[k + 1];
        sum0 += x0;
        sum1 += x1;
        io_s[k] = decay(x0, i_alpha[k]);
        io_s[k + 1] = decay(x1, i_alpha[k + 1]);
    }
    if (k < i_K) {
        const int32_t x = io_s[k];
        sum0 += x;
        io_s[k] = decay(x, i_alpha[k]);
    }
    return sum0 + sum1;
}

/* The per-neuron arrays of a spiking layer, copied to locals once per step: a store through
 * z (a u8 array) may alias anything, so fields read through the Layer would be reloaded. */
typedef struct {
    const uint8_t *threshold, *drive;
    int32_t *resetCurrent;
    uint8_t *spiked;
    uint16_t *spikeList;
    uint32_t resetDecayQ16;
} SpikingArrays;

/* Steps 2 and 4 for spiking neuron j whose state slots sum to i_sum; appends j to the spike list
 * when it fires (the list slot is written either way, the count advances only on a spike). */
static inline uint32_t spiking_output(const SpikingArrays a, uint32_t j, int64_t i_sum, uint32_t i_count) {
    const int32_t th = ld_i32(a.threshold + 4 * (size_t)j);
    const int32_t r = sat32((int64_t)decay(a.resetCurrent[j], a.resetDecayQ16) + (a.spiked[j] ? th : 0));
    a.resetCurrent[j] = r;
    const int32_t v = sat32(i_sum + ld_i32(a.drive + 4 * (size_t)j) - r);
    const uint32_t fire = v >= th;
    a.spiked[j] = (uint8_t)fire;
    a.spikeList[i_count] = (uint16_t)j;
    return i_count + fire;
}

/* Steps 2 and 4 of a spiking layer, and step 1 of the next step. */
static void output_spiking(Layer *L) {
    const uint32_t n = L->neuronCount, K = L->stateWidth;
    const SpikingArrays a = {L->threshold, L->drive, L->resetCurrent, L->spiked, L->spikeList, L->resetDecayQ16};
    const uint32_t *const alpha = L->levelDecayQ16;
    int32_t *S = L->sum;
    uint32_t count = 0;
    if (L->bucketBits == 0) { /* one slot per neuron, decayed with the neuron's own level */
        const uint8_t *lvl = L->neuronLevel;
        for (uint32_t j = 0; j < n; j++) {
            const int32_t x = S[j];
            S[j] = decay(x, alpha[lvl[j]]);
            count = spiking_output(a, j, x, count);
        }
    } else {
        for (uint32_t j = 0; j < n; j++, S += K) count = spiking_output(a, j, read_then_decay(S, K, alpha), count);
    }
    L->spikeCount = count;
}

/* Step 4 of the readout, and step 1 of the next step. */
static void output_readout(Layer *L, int32_t *o_score) {
    const uint32_t n = L->neuronCount, K = L->stateWidth;
    int32_t *S = L->sum;
    const uint8_t *B = L->drive;
    if (L->bucketBits == 0) {
        const uint8_t *lvl = L->neuronLevel;
        for (uint32_t j = 0; j < n; j++) {
            const int32_t x = S[j];
            S[j] = decay(x, L->levelDecayQ16[lvl[j]]);
            o_score[j] = sat32((int64_t)x + ld_i32(B + 4 * (size_t)j));
        }
    } else {
        for (uint32_t j = 0; j < n; j++, S += K)
            o_score[j] = sat32(read_then_decay(S, K, L->levelDecayQ16) + ld_i32(B + 4 * (size_t)j));
    }
}

/* One step: i_inputs[0..i_count) are the input channels that spiked (already checked < inputCount).
 *
 * Saturation without a test per synapse: a row adds to each state word at most once (dense: one
 * synapse per neuron; sparse: columns strictly increase within a row), by at most
 * maxAdd = 128 * 2^weightShift, and decay never makes |x| larger. So absBound, a bound on max |S|
 * of the layer, grows by at most rows * maxAdd per step and needs no work per synapse or per
 * state word. When absBound + rows * maxAdd <= 2^31 - 1, no partial sum of this step can leave the
 * i32 range, every sat32 of step 3 would be the identity and plain additions are exact. When the
 * bound runs out it is re-measured (one pass over the state, every few thousand steps at typical
 * activity); only if the state itself is near 2^31 (which a sensible quantizer never produces)
 * does the step take the path that saturates every addition. */
static void net_step(Net *io_net, const uint16_t *i_inputs, uint32_t i_count) {
    const uint16_t *rows = i_inputs;
    uint32_t rowCount = i_count;
    for (uint32_t l = 0; l < io_net->layerCount; l++) {
        Layer *L = &io_net->layer[l];
        /* step 1 was done at the end of the previous step */
        const uint32_t recCount = L->kind == KIND_RECURRENT ? L->spikeCount : 0;
        const uint64_t growth = ((uint64_t)rowCount + recCount) * L->maxAdd;
        if (L->absBound + growth > INT32_MAX) L->absBound = measure_abs_max(L);
        if (L->absBound + growth <= INT32_MAX) {
            apply_rows_exact(L, rows, rowCount, 0);
            if (recCount) apply_rows_exact(L, L->spikeList, recCount, L->inputCount);
            L->absBound += growth;
        } else {
            apply_rows_sat(L, rows, rowCount, 0);
            if (recCount) apply_rows_sat(L, L->spikeList, recCount, L->inputCount);
            L->absBound = (uint64_t)INT32_MAX + 1;
        }
        if (L->kind == KIND_READOUT) {
            output_readout(L, io_net->score);
        } else {
            output_spiking(L);
            rows = L->spikeList;
            rowCount = L->spikeCount;
        }
    }
    if (io_net->stepCount >= io_net->decisionSkipSteps) {
        for (uint32_t j = 0; j < io_net->classes; j++) io_net->acc[j] += io_net->score[j];
        io_net->countedSteps++;
    }
    io_net->stepCount++;
}

static int32_t net_decision(const Net *i_net) {
    if (i_net->countedSteps == 0) return -1;
    uint32_t best = 0;
    for (uint32_t j = 1; j < i_net->classes; j++)
        if (i_net->acc[j] > i_net->acc[best]) best = j;
    return (int32_t)best;
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                       */

static uint8_t *read_whole_file(const char *i_path, size_t *o_size) {
    FILE *f = fopen(i_path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s: cannot open: %s\n", g_prog, i_path, strerror(errno));
        exit(2);
    }
    size_t cap = 1 << 16, size = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fprintf(stderr, "%s: %s: out of memory\n", g_prog, i_path);
            exit(2);
        }
        size += fread(buf + size, 1, cap - size, f);
        if (size < cap) break;
        cap *= 2;
        buf = realloc(buf, cap);
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: %s: read error: %s\n", g_prog, i_path, strerror(errno));
        exit(2);
    }
    fclose(f);
    /* exactly the file's size, so that a memory checker would catch any read past the end */
    uint8_t *fit = realloc(buf, size ? size : 1);
    *o_size = size;
    return fit ? fit : buf;
}

/* A binary spike file (docs/spike-format.md), decoded into one list of channels per step. */
typedef struct {
    uint32_t steps;
    uint32_t *start;    /* the channels of step t are channel[start[t] .. start[t + 1]) */
    uint16_t *channel;
} Spikes;

static void load_spikes(Spikes *o_sp, const uint8_t *b, size_t size, const char *path, uint32_t i_modelInputs) {
    if (size < 12) bad_file(path, size, "truncated: %zu bytes, the header needs 12", size);
    if (memcmp(b, "HSPK", 4) != 0) bad_file(path, 0, "bad magic (not a binary .spk spike file)");
    if (ld_u16(b + 4) != 1) bad_file(path, 4, "version %" PRIu32 " (this reader reads 1)", ld_u16(b + 4));
    uint32_t channelCount = ld_u16(b + 6);
    uint32_t steps = ld_u32(b + 8);
    /* each record is at least 2 bytes: bound the step count by the bytes present before allocating */
    if ((uint64_t)steps * 2 > size - 12) bad_file(path, 8, "truncated: %" PRIu32 " steps cannot fit in %zu bytes", steps, size);
    uint64_t total = (size - 12) / 2; /* every channel takes 2 bytes: an upper bound on their number */
    o_sp->steps = steps;
    o_sp->start = malloc(((size_t)steps + 1) * sizeof(uint32_t));
    o_sp->channel = malloc((size_t)(total ? total : 1) * sizeof(uint16_t));
    if (!o_sp->start || !o_sp->channel) {
        fprintf(stderr, "%s: %s: out of memory\n", g_prog, path);
        exit(2);
    }
    uint64_t off = 12;
    uint32_t m = 0;
    for (uint32_t t = 0; t < steps; t++) {
        o_sp->start[t] = m;
        if (off + 2 > size) bad_file(path, off, "truncated: step %" PRIu32 " record missing", t);
        uint32_t count = ld_u16(b + off);
        if (off + 2 + 2 * (uint64_t)count > size)
            bad_file(path, off, "truncated: step %" PRIu32 " record of %" PRIu32 " channels runs past the end", t, count);
        if (count > i_modelInputs)
            bad_file(path, off, "step %" PRIu32 ": %" PRIu32 " channels, more than the model's inputCount %" PRIu32, t, count,
                     i_modelInputs);
        off += 2;
        for (uint32_t i = 0; i < count; i++, off += 2) {
            uint32_t c = ld_u16(b + off);
            if (c >= channelCount)
                bad_file(path, off, "step %" PRIu32 ": channel %" PRIu32 " >= channelCount %" PRIu32, t, c, channelCount);
            if (c >= i_modelInputs)
                bad_file(path, off, "step %" PRIu32 ": channel %" PRIu32 " >= the model's inputCount %" PRIu32, t, c, i_modelInputs);
            o_sp->channel[m++] = (uint16_t)c;
        }
    }
    o_sp->start[steps] = m;
    if (off != size) bad_file(path, off, "%" PRIu64 " bytes after the last record", (uint64_t)size - off);
}

/* ------------------------------------------------------------------------------------------ */
/* Commands                                                                                    */

static void print_i64(char **io_p, int64_t v) { *io_p += sprintf(*io_p, "%" PRId64, v); }

static void run_dump(Net *net, const Spikes *sp) {
    /* the longest line: 16 layers * 65535 indices * 6 chars, plus scores; allocate for it once */
    size_t cap = 64 + (size_t)net->classes * 12;
    for (uint32_t l = 0; l < net->layerCount; l++) cap += 16 + (size_t)net->layer[l].neuronCount * 6;
    char *line = malloc(cap);
    if (!line) {
        fprintf(stderr, "%s: out of memory\n", g_prog);
        exit(2);
    }
    net_reset(net);
    for (uint32_t t = 0; t < sp->steps; t++) {
        net_step(net, sp->channel + sp->start[t], sp->start[t + 1] - sp->start[t]);
        char *p = line;
        p += sprintf(p, "t %" PRIu32 " scores", t);
        for (uint32_t j = 0; j < net->classes; j++) {
            *p++ = ' ';
            print_i64(&p, net->score[j]);
        }
        p += sprintf(p, " spikes");
        for (uint32_t l = 0; l + 1 < net->layerCount; l++) {
            const Layer *L = &net->layer[l];
            p += sprintf(p, l == 0 ? " %" PRIu32 ":" : " | %" PRIu32 ":", L->spikeCount);
            for (uint32_t i = 0; i < L->spikeCount; i++) {
                if (i) *p++ = ',';
                print_i64(&p, L->spikeList[i]);
            }
        }
        p += sprintf(p, " decision %" PRId32 "\n", net_decision(net));
        fwrite(line, 1, (size_t)(p - line), stdout);
    }
    free(line);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void run_time(Net *net, const Spikes *sp, uint64_t repeats) {
    const size_t perStep = net->classes;
    int32_t *record = malloc(((size_t)sp->steps * perStep + 1) * sizeof(int32_t));
    if (!record) {
        fprintf(stderr, "%s: out of memory for %" PRIu32 " steps of scores\n", g_prog, sp->steps);
        exit(2);
    }
    uint64_t totalNs = 0;
    for (uint64_t r = 0; r < repeats; r++) {
        net_reset(net);
        int32_t *out = record;
        const uint64_t t0 = now_ns();
        for (uint32_t t = 0; t < sp->steps; t++) {
            net_step(net, sp->channel + sp->start[t], sp->start[t + 1] - sp->start[t]);
            memcpy(out, net->score, perStep * sizeof(int32_t));
            out += perStep;
        }
        totalNs += now_ns() - t0;
    }
    uint32_t h = 0x811c9dc5u;
    for (size_t i = 0; i < (size_t)sp->steps * perStep; i++) {
        uint32_t u = (uint32_t)record[i];
        for (int b = 0; b < 4; b++) {
            h ^= (u >> (8 * b)) & 0xFFu;
            h *= 0x01000193u;
        }
    }
    const uint64_t steps = (uint64_t)sp->steps * repeats;
    printf("{\"steps\": %" PRIu64 ", \"ns_per_step\": %.3f, \"checksum\": \"%08" PRIx32 "\"}\n", steps,
           steps ? (double)totalNs / (double)steps : 0.0, h);
    free(record);
}

int main(int argc, char **argv) {
    if (argc < 4) usage();
    int dump = 0;
    uint64_t repeats = 0;
    if (argc == 4 && strcmp(argv[3], "--dump") == 0) {
        dump = 1;
    } else if (argc == 5 && strcmp(argv[3], "--time") == 0) {
        const char *s = argv[4];
        char *end;
        if (*s < '0' || *s > '9') usage();
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end || v < 1 || v > 1000000000ull) usage();
        repeats = v;
    } else {
        usage();
    }

    size_t modelSize, spikeSize;
    uint8_t *model = read_whole_file(argv[1], &modelSize);
    Net net;
    load_model(&net, model, modelSize, argv[1]);
    uint8_t *spikeBytes = read_whole_file(argv[2], &spikeSize);
    Spikes sp;
    load_spikes(&sp, spikeBytes, spikeSize, argv[2], net.inputCount);

    if (dump)
        run_dump(&net, &sp);
    else
        run_time(&net, &sp, repeats);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "%s: write error: %s\n", g_prog, strerror(errno));
        return 2;
    }
    free(sp.start);
    free(sp.channel);
    free(spikeBytes);
    free(net.stateArena);
    free(model);
    return 0;
}
