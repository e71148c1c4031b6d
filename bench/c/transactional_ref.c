/*
 * transactional_ref.c -- C reference kernels for the steps Sam.Dsl writes transactionally, next to
 * ../shared/bench/stream_triad.c's sam36 and sgd20 (which are in place).
 *
 * The target puts AdamW "at its byte count" relative to the C fused SAM step: 44 B per parameter (norm of g 4,
 * perturbation 12, AdamW 28: w, g, m, v read; w, m, v written). That count is an in-place step. Sam.Dsl's step is
 * transactional (a step whose result is not finite leaves weights and state as they were), so it cannot overwrite w,
 * m, v before every result is known to be finite. These kernels measure, on the same machine and in the same run,
 * what the in-place step costs and what the two transactional ways to write it cost in plain C:
 *
 *   adamw28          in place (not transactional)                            read w,g,m,v  write w,m,v   28 B
 *   adamw44_total    norm of g + perturbation + adamw28: the byte-count reference (not transactional)
 *   adamw_into       into second buffers (w', m', v'), cached stores: the caller keeps w, m, v until the results
 *                    are checked, then swaps the buffers' roles (transactional)  28 B counted (+12 B write-allocate)
 *   adamw_dry_then   every result computed and checked without a store, then adamw28 (transactional)    44 B
 *   adamw_txn_total  norm + perturbation + the faster of adamw_into / adamw_dry_then: the transactional reference
 *
 * and, for the base SGD-momentum step (stream_triad's sgd20 is in place: d = g + wd·p; b = mu·m + d; p -= lr·b):
 *
 *   sgd20_into       into second buffers (p', m'), cached stores               20 B counted (+8 B write-allocate)
 *   sgd20_into_nt    into second buffers, non-temporal stores (what Sam.Dsl's step does for large buffers)   20 B
 *
 * The element operations are PyTorch's AdamW (decoupled decay, bias corrections), without fused multiply-add
 * contraction so gcc's loops do what the C# kernels do. sqrtf vectorizes only with -fno-math-errno.
 *
 * Build: gcc -O3 -march=native -fno-math-errno -fopenmp -o transactional_ref transactional_ref.c -lm
 * Usage: ./transactional_ref [n_elems] [reps] [threads]   (the arguments and JSON lines of stream_triad)
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct { float decay, b1, c1, b2, c2, bc2s, eps, step; } coef;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* page-aligned, then k KiB + 64·k B further, so the seven streams of a step never share a 4 KiB offset (4K aliasing) */
static float *alloc_f(size_t n, int k) {
    void *p = NULL;
    size_t pad = (size_t)k * (1024 + 64);
    if (posix_memalign(&p, 4096, n * sizeof(float) + pad + 4096) != 0) { perror("posix_memalign"); exit(1); }
    return (float *)((char *)p + pad);
}

/* each thread's static share of [0, n) */
#define SHARE(lo, hi, n) \
    int t_ = omp_get_thread_num(), nt_ = omp_get_num_threads(); \
    size_t lo = (n) * t_ / nt_, hi = (n) * (t_ + 1) / nt_

static double sumsq_range(const float *restrict x, size_t lo, size_t hi) {
    float acc[64];
    for (int j = 0; j < 64; j++) acc[j] = 0.f;
    size_t i = lo;
    for (; i + 64 <= hi; i += 64)
        for (int j = 0; j < 64; j++) acc[j] += x[i + j] * x[i + j];
    double local = 0.0;
    for (; i < hi; i++) local += (double)x[i] * x[i];
    for (int j = 0; j < 64; j++) local += acc[j];
    return local;
}

static double k_sumsq(const float *restrict x, size_t n) {
    double total = 0.0;
#pragma omp parallel reduction(+ : total)
    {
        SHARE(lo, hi, n);
        total += sumsq_range(x, lo, hi);
    }
    return total;
}

static void perturb_range(float *restrict q, const float *restrict p, const float *restrict g, float s, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) q[i] = p[i] + s * g[i];
}

static void k_perturb(float *q, const float *p, const float *g, float s, size_t n) {
#pragma omp parallel
    {
        SHARE(lo, hi, n);
        perturb_range(q, p, g, s, lo, hi);
    }
}

/* One element: m' = b1·m + c1·g, v' = b2·v + c2·g², w' = decay·w − step·m'/(√v'/bc2s + eps) (PyTorch's order).
 * The three loops below differ only in where the results go; each keeps its own restrict-qualified signature (the
 * outputs are other buffers than the inputs, or the inputs themselves, or nowhere), so gcc vectorizes each. */
static inline float adamw_element(float w, float g, float m, float v, coef c, float *mo, float *vo) {
    float mi = c.b1 * m + c.c1 * g;
    float vi = c.b2 * v + c.c2 * (g * g);
    float den = sqrtf(vi) / c.bc2s + c.eps;
    *mo = mi;
    *vo = vi;
    return c.decay * w - c.step * (mi / den);
}

/* into second buffers: wo, mo, vo are not w, m, v */
static void adamw_range(float *restrict wo, float *restrict mo, float *restrict vo, const float *restrict w,
                        const float *restrict g, const float *restrict m, const float *restrict v, coef c,
                        size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) {
        float mi, vi;
        float wi = adamw_element(w[i], g[i], m[i], v[i], c, &mi, &vi);
        wo[i] = wi;
        mo[i] = mi;
        vo[i] = vi;
    }
}

/* in place: the outputs are the inputs (a separate function, so restrict stays true) */
static void adamw_inplace_range(float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
                                coef c, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) {
        float mi, vi;
        float wi = adamw_element(w[i], g[i], m[i], v[i], c, &mi, &vi);
        w[i] = wi;
        m[i] = mi;
        v[i] = vi;
    }
}

/* x − x summed over every result: 0 when all are finite, NaN otherwise; nothing stored */
static float adamw_dry_range(const float *restrict w, const float *restrict g, const float *restrict m,
                             const float *restrict v, coef c, size_t lo, size_t hi) {
    float bad = 0.f;
    for (size_t i = lo; i < hi; i++) {
        float mi, vi;
        float wi = adamw_element(w[i], g[i], m[i], v[i], c, &mi, &vi);
        bad += (wi - wi) + (mi - mi) + (vi - vi);
    }
    return bad;
}

static void k_adamw_inplace(float *w, const float *g, float *m, float *v, coef c, size_t n) {
#pragma omp parallel
    {
        SHARE(lo, hi, n);
        adamw_inplace_range(w, g, m, v, c, lo, hi);
    }
}

static void k_adamw_into(float *wo, float *mo, float *vo, const float *w, const float *g, const float *m,
                         const float *v, coef c, size_t n) {
#pragma omp parallel
    {
        SHARE(lo, hi, n);
        adamw_range(wo, mo, vo, w, g, m, v, c, lo, hi);
    }
}

static int k_adamw_dry_then(float *w, const float *g, float *m, float *v, coef c, size_t n) {
    float bad = 0.f;
#pragma omp parallel reduction(+ : bad)
    {
        SHARE(lo, hi, n);
        bad += adamw_dry_range(w, g, m, v, c, lo, hi);
    }
    if (bad != 0.f) return 0; /* never here: the inputs are finite */
    k_adamw_inplace(w, g, m, v, c, n);
    return 1;
}

static void sgd_into_range(float *restrict po, float *restrict mo, const float *restrict p, const float *restrict g,
                           const float *restrict m, float lr, float mu, float wd, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) {
        float d = g[i] + wd * p[i];
        float b = mu * m[i] + d;
        mo[i] = b;
        po[i] = p[i] - lr * b;
    }
}

static void k_sgd_into(float *po, float *mo, const float *p, const float *g, const float *m, float lr, float mu,
                       float wd, size_t n) {
#pragma omp parallel
    {
        SHARE(lo, hi, n);
        sgd_into_range(po, mo, p, g, m, lr, mu, wd, lo, hi);
    }
}

/* the same with non-temporal stores: each thread's share starts on a 64-byte line, the buffers are 64-byte aligned */
static void k_sgd_into_nt(float *po, float *mo, const float *p, const float *g, const float *m, float lr, float mu,
                          float wd, size_t n) {
#pragma omp parallel
    {
        int t_ = omp_get_thread_num(), nt_ = omp_get_num_threads();
        size_t lines = n / 16, lo = lines * t_ / nt_ * 16, hi = t_ == nt_ - 1 ? n : lines * (t_ + 1) / nt_ * 16;
        size_t i = lo;
#if defined(__AVX__)
        __m256 vlr = _mm256_set1_ps(lr), vmu = _mm256_set1_ps(mu), vwd = _mm256_set1_ps(wd);
        for (; i + 8 <= hi; i += 8) {
            __m256 vp = _mm256_load_ps(p + i);
            __m256 d = _mm256_add_ps(_mm256_load_ps(g + i), _mm256_mul_ps(vwd, vp));
            __m256 b = _mm256_add_ps(_mm256_mul_ps(vmu, _mm256_load_ps(m + i)), d);
            _mm256_stream_ps(mo + i, b);
            _mm256_stream_ps(po + i, _mm256_sub_ps(vp, _mm256_mul_ps(vlr, b)));
        }
#endif
        sgd_into_range(po, mo, p, g, m, lr, mu, wd, i, hi);
    }
    _mm_sfence();
}

static void report(const char *kernel, size_t n, int threads, double bytes, double *t, int reps) {
    qsort(t, reps, sizeof(double), cmp_d);
    double med = (reps % 2) ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
    printf("{\"impl\":\"c\",\"kernel\":\"%s\",\"n\":%zu,\"threads\":%d,\"reps\":%d,\"bytes_per_elem_counted\":%.0f,"
           "\"median_ms\":%.4f,\"min_ms\":%.4f,\"median_gbs\":%.2f}\n",
           kernel, n, threads, reps, bytes, med * 1e3, t[0] * 1e3, bytes * (double)n / med / 1e9);
    fflush(stdout);
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000000ULL;
    int reps = argc > 2 ? atoi(argv[2]) : 30;
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    if (reps < 1) reps = 1;
    if (threads < 1) threads = 1;
    omp_set_num_threads(threads);

    /* w, g, m, v; w', m', v' (the second buffers); q (the perturbed copy) */
    float *w = alloc_f(n, 0), *g = alloc_f(n, 1), *m = alloc_f(n, 2), *v = alloc_f(n, 3);
    float *w2 = alloc_f(n, 4), *m2 = alloc_f(n, 5), *v2 = alloc_f(n, 6), *q = alloc_f(n, 7);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        w[i] = w2[i] = q[i] = 1.0f + (float)(i % 1000) * 1e-3f;
        g[i] = 1e-2f * (float)((i * 7919) % 1000) / 1000.f - 5e-3f;
        m[i] = m2[i] = 0.f;
        v[i] = v2[i] = 0.f;
    }
    /* lr 1e-3, weight decay 1e-2, betas (0.9, 0.999), eps 1e-8, step 10 */
    coef c = {1.0f - 1e-3f * 1e-2f, 0.9f, 0.1f, 0.999f, 0.001f, sqrtf(1.0f - powf(0.999f, 10)), 1e-8f,
              1e-3f / (1.0f - powf(0.9f, 10))};

    double *t1 = malloc(sizeof(double) * reps), *t2 = malloc(sizeof(double) * reps), *t3 = malloc(sizeof(double) * reps);
    double *t4 = malloc(sizeof(double) * reps), *t5 = malloc(sizeof(double) * reps);
    int ok = 1;
    for (int r = -2; r < reps; r++) {
        double a = now_s();
        double ss = k_sumsq(g, n);
        float s = (float)(0.05 / (sqrt(ss) + 1e-12));
        k_perturb(q, w, g, s, n);
        double b = now_s();
        k_adamw_inplace(w, g, m, v, c, n);
        double d = now_s();
        k_adamw_into(w2, m2, v2, w, g, m, v, c, n); /* a transactional step: the roles swap after the check */
        double e = now_s();
        ok &= k_adamw_dry_then(w2, g, m2, v2, c, n);
        double f = now_s();
        if (r >= 0) {
            t1[r] = d - b;
            t2[r] = d - a;
            t3[r] = e - d;
            t4[r] = f - e;
            t5[r] = (b - a) + (e - d < f - e ? e - d : f - e);
        }
    }
    double *t6 = malloc(sizeof(double) * reps), *t7 = malloc(sizeof(double) * reps);
    for (int r = -2; r < reps; r++) {
        double a = now_s();
        k_sgd_into(w2, m2, w, g, m, 0.01f, 0.9f, 5e-4f, n);
        double b = now_s();
        k_sgd_into_nt(w2, m2, w, g, m, 0.01f, 0.9f, 5e-4f, n);
        double d = now_s();
        if (r >= 0) {
            t6[r] = b - a;
            t7[r] = d - b;
        }
    }
    report("sgd20_into", n, threads, 20, t6, reps);
    report("sgd20_into_nt", n, threads, 20, t7, reps);
    report("adamw28", n, threads, 28, t1, reps);
    report("adamw44_total", n, threads, 44, t2, reps);
    report("adamw_into", n, threads, 28, t3, reps);
    report("adamw_dry_then", n, threads, 44, t4, reps);
    report("adamw_txn_total", n, threads, 44, t5, reps);
    return ok ? 0 : 1;
}
