// Freezes llama.cpp's own results for jmoe's IQ / MXFP4 / TQ codec tests (run once by hand; tests never need it).
//
// For each type: quantized rows (ggml_quantize_chunk on seeded Gaussian data with a seeded importance matrix) plus
// crafted "coverage" blocks whose grid indices walk the whole lattice table (and, for MXFP4, the E8M0 exponents),
// dequantized by llama.cpp (ggml_get_type_traits(type)->to_float), one activation row quantized by ggml-cpu's
// from_float of the vec_dot_type, and the dot of every row with it by ggml_vec_dot_*_generic (baseline x86-64 build,
// no FMA) and by the AVX2 (haswell) kernel that llama.cpp runs on such CPUs.
//
// build (llama.cpp headers from the node-llama-cpp 3.21.1 source bundle, libs from @node-llama-cpp/linux-x64 3.21.1):
//   B=/tmp/llamacpp/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
//   gcc -O1 -I$SRC/ggml/include iq_golden.c -L$B -lggml-base -ldl -lm -Wl,-rpath,$B -o iq_golden
//   ./iq_golden $B OUTDIR && gzip -9n OUTDIR/*.bin
// file layout (little-endian): "JMIQ", int version=1, int ggml type id, int rows, int perRow, int rowBytes,
//   int actBytes, then quantized bytes [rows*rowBytes], llama.cpp dequantized f32 [rows*perRow], activation f32
//   [perRow], llama.cpp's quantized activation bytes [actBytes], dot generic f32 [rows], dot haswell f32 [rows].
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ggml.h"
#include "ggml-cpu.h"

typedef void (*vec_dot_fn)(int, float *, size_t, const void *, size_t, const void *, size_t, int);
typedef const struct ggml_type_traits_cpu *(*traits_fn)(enum ggml_type);

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t) (rng >> 11); }
static float uniform(void) { return (next() & 0xffffff) / 16777216.0f; }
static float gauss(void) { float u = uniform() + 1e-7f, v = uniform(); return sqrtf(-2 * logf(u)) * cosf(6.2831853f * v); }
static uint16_t rand_d(void) { float m = 0.002f + 0.05f * uniform(); return ggml_fp32_to_fp16(next() & 1 ? -m : m); }
static void put16(uint8_t *p, uint16_t v) { p[0] = v & 0xff; p[1] = v >> 8; }
static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }

// Coverage blocks: random bytes, a sane fp16 d, grid indices (or exponents) walking the whole table.
static int coverage(enum ggml_type t, uint8_t *out) {
    int nb, bytes = ggml_type_size(t);
    switch (t) {
        case GGML_TYPE_IQ2_XXS: nb = 8; break;
        case GGML_TYPE_IQ2_XS: nb = 16; break;
        case GGML_TYPE_IQ2_S: nb = 32; break;
        case GGML_TYPE_IQ3_XXS: nb = 4; break;
        case GGML_TYPE_IQ3_S: nb = 8; break;
        case GGML_TYPE_IQ1_S: case GGML_TYPE_IQ1_M: nb = 64; break;
        case GGML_TYPE_MXFP4: nb = 256; break;
        default: nb = 4;
    }
    for (int c = 0; c < nb; c++) {
        uint8_t *b = out + (size_t) c * bytes;
        for (int i = 0; i < bytes; i++) b[i] = next() & 0xff;
        for (int ib = 0; ib < 8; ib++) for (int l = 0; l < 4; l++) {
            int k = c * 32 + ib * 4 + l;
            switch (t) {
                case GGML_TYPE_IQ2_XXS: b[2 + 8 * ib + l] = k & 255; break;
                case GGML_TYPE_IQ2_XS: put16(b + 2 + 2 * (4 * ib + l), (k & 511) | (next() & 127) << 9); break;
                case GGML_TYPE_IQ2_S:
                    k &= 1023; b[2 + 4 * ib + l] = k & 255;
                    b[66 + ib] = (b[66 + ib] & ~(3 << 2 * l)) | (k >> 8) << 2 * l; break;
                case GGML_TYPE_IQ1_S: {
                    k &= 2047; b[2 + 4 * ib + l] = k & 255;
                    uint16_t qh = get16(b + 34 + 2 * ib);
                    put16(b + 34 + 2 * ib, (qh & ~(7 << 3 * l)) | (k >> 8) << 3 * l); break;
                }
                case GGML_TYPE_IQ1_M: {
                    k &= 2047; b[4 * ib + l] = k & 255;
                    uint8_t *qh = b + 32 + 2 * ib + l / 2; int sh = (l % 2) * 4;
                    *qh = (*qh & ~(7 << sh)) | (k >> 8) << sh; break;
                }
                default: break;
            }
        }
        if (t == GGML_TYPE_IQ3_XXS || t == GGML_TYPE_IQ3_S) {
            for (int i = 0; i < 64; i++) {
                int k = c * 64 + i;
                b[2 + i] = k & 255;
                if (t == GGML_TYPE_IQ3_S) b[66 + i / 8] = (b[66 + i / 8] & ~(1 << i % 8)) | ((k >> 8) & 1) << i % 8;
            }
        }
        switch (t) {
            case GGML_TYPE_MXFP4: b[0] = c % 230; break;  // all exponents that keep the dots finite
            case GGML_TYPE_TQ1_0: put16(b + 52, rand_d()); break;
            case GGML_TYPE_TQ2_0: put16(b + 64, rand_d()); break;
            case GGML_TYPE_IQ1_M: {
                uint16_t d = rand_d();
                for (int i = 0; i < 4; i++) {
                    uint16_t s = get16(b + 48 + 2 * i);
                    put16(b + 48 + 2 * i, (s & 0x0fff) | ((d >> 4 * i) & 0xf) << 12);
                }
                break;
            }
            default: put16(b, rand_d());
        }
    }
    return nb;
}

int main(int argc, char **argv) {
    char path[4096];
    snprintf(path, sizeof path, "%s/libggml-cpu-x64.so", argv[1]);
    void *base = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    snprintf(path, sizeof path, "%s/libggml-cpu-haswell.so", argv[1]);
    void *hsw = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!base || !hsw) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
    ((void (*)(void)) dlsym(base, "ggml_cpu_init"))();
    ((void (*)(void)) dlsym(hsw, "ggml_cpu_init"))();
    traits_fn traits = (traits_fn) dlsym(hsw, "ggml_get_type_traits_cpu");

    struct { enum ggml_type t; const char *dot; } types[] = {
        {GGML_TYPE_IQ2_XXS, "iq2_xxs_q8_K"}, {GGML_TYPE_IQ2_XS, "iq2_xs_q8_K"}, {GGML_TYPE_IQ2_S, "iq2_s_q8_K"},
        {GGML_TYPE_IQ3_XXS, "iq3_xxs_q8_K"}, {GGML_TYPE_IQ3_S, "iq3_s_q8_K"}, {GGML_TYPE_IQ1_S, "iq1_s_q8_K"},
        {GGML_TYPE_IQ1_M, "iq1_m_q8_K"}, {GGML_TYPE_IQ4_XS, "iq4_xs_q8_K"}, {GGML_TYPE_MXFP4, "mxfp4_q8_0"},
        {GGML_TYPE_TQ1_0, "tq1_0_q8_K"}, {GGML_TYPE_TQ2_0, "tq2_0_q8_K"},
    };
    const int perRow = 512, qRows = 2;
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        enum ggml_type t = types[ti].t;
        int bs = ggml_blck_size(t), tsz = ggml_type_size(t);
        int rowBytes = perRow / bs * tsz;
        uint8_t *q = calloc(64, rowBytes);
        float *src = malloc(sizeof(float) * qRows * perRow), *imat = malloc(sizeof(float) * perRow);
        for (int i = 0; i < qRows * perRow; i++) src[i] = gauss() * (0.2f + (i / 32 % 5));
        for (int i = 0; i < perRow; i++) imat[i] = 0.1f + 2 * uniform();
        ggml_quantize_chunk(t, src, q, 0, qRows, perRow, imat);
        int cov = coverage(t, q + (size_t) qRows * rowBytes);
        int rows = qRows + (cov * bs + perRow - 1) / perRow;  // coverage blocks fill whole rows
        float *deq = malloc(sizeof(float) * rows * perRow);
        ggml_get_type_traits(t)->to_float(q, deq, (int64_t) rows * perRow);

        const struct ggml_type_traits_cpu *tr = traits(t);
        enum ggml_type at = tr->vec_dot_type;
        int actBytes = perRow / ggml_blck_size(at) * ggml_type_size(at);
        float *x = malloc(sizeof(float) * perRow);
        uint8_t *xq = malloc(actBytes);
        for (int i = 0; i < perRow; i++) x[i] = gauss() * (i % 97 == 0 ? 4.0f : 1.0f);
        traits(at)->from_float(x, xq, perRow);
        snprintf(path, sizeof path, "ggml_vec_dot_%s_generic", types[ti].dot);
        vec_dot_fn generic = (vec_dot_fn) dlsym(base, path);
        if (!generic) { fprintf(stderr, "no %s\n", path); return 1; }
        float *dg = malloc(sizeof(float) * rows), *dh = malloc(sizeof(float) * rows);
        for (int r = 0; r < rows; r++) {
            generic(perRow, &dg[r], 0, q + (size_t) r * rowBytes, 0, xq, 0, 1);
            tr->vec_dot(perRow, &dh[r], 0, q + (size_t) r * rowBytes, 0, xq, 0, 1);
        }
        snprintf(path, sizeof path, "%s/%s.bin", argv[2], ggml_type_name(t));
        FILE *f = fopen(path, "wb");
        int hdr[7] = {0, 1, (int) t, rows, perRow, rowBytes, actBytes};
        memcpy(hdr, "JMIQ", 4);
        fwrite(hdr, 4, 7, f);
        fwrite(q, 1, (size_t) rows * rowBytes, f);
        fwrite(deq, 4, (size_t) rows * perRow, f);
        fwrite(x, 4, perRow, f);
        fwrite(xq, 1, actBytes, f);
        fwrite(dg, 4, rows, f);
        fwrite(dh, 4, rows, f);
        fclose(f);
        printf("%-8s rows=%d act=%s dot[0] generic=%.9g haswell=%.9g\n", ggml_type_name(t), rows, ggml_type_name(at), dg[0], dh[0]);
    }
    return 0;
}
