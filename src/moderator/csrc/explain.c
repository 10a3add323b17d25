/* Kernels of moderator/model/ngrams.py behind Model.explain: per-character contributions of one
 * document for some weight columns, the spans of many (document, column) pairs, Python's
 * round(x, 4), the top spans of each pair. Each mirrors the docstring of its Python wrapper
 * (same name with a leading underscore). */
#include <math.h>
#include <stdlib.h>

#include "ngrams.h"

/* n-grams ahead whose table rows are requested while one is summed (as in score.c) */
#define PREFETCH 16

/* _spread_columns: value * table[col, columns[jj]] spread evenly over the characters
 * [first, last) of row jj of out (rows of `stride`). */
static inline void spread_columns(double *out, int64_t stride, const float *table,
                                  int64_t width, int64_t col, double value, int64_t first,
                                  int64_t last, const int64_t *columns, int64_t ncolumns)
{
    int64_t span = last - first;
    const float *row = table + col * width;
    for (int64_t jj = 0; jj < ncolumns; jj++) {
        /* as _spread computes it per character */
        double share = value * (double)row[columns[jj]] / (double)span;
        double *line = out + jj * stride;
        for (int64_t p = first; p < last; p++)
            line[p] += share;
    }
}

/* _doc_contributions of document [a, b) into out (ncolumns rows of b - a, zero on entry);
 * table has `width` columns, the idf last. cols/firsts/lasts: scratch for the document's
 * n-grams. */
static void doc_contributions_into(const uint32_t *nc, const uint8_t *ncls, int64_t a,
                                   int64_t b, int64_t char_lo, int64_t char_hi,
                                   int64_t word_lo, int64_t word_hi, int64_t char_bits,
                                   int64_t word_bits, uint64_t url_hash, const float *table,
                                   int64_t width, const int64_t *columns, int64_t ncolumns,
                                   int64_t *cols, int64_t *firsts, int64_t *lasts, double *out)
{
    const int64_t k = width - 1;
    uint64_t char_mask = ((uint64_t)1 << char_bits) - 1;
    uint64_t word_mask = ((uint64_t)1 << word_bits) - 1;
    int64_t word_offset = (int64_t)1 << char_bits;
    uint64_t hist[MAX_WORD_N];
    int64_t hist_start[MAX_WORD_N];
    int64_t m = 0;
    int64_t seg_start = a;
    while (seg_start < b) {
        int64_t seg_end = window_end(nc, seg_start, b);
        int64_t i;
        m = window_ngrams(nc, ncls, seg_start, seg_end, b, char_lo, char_hi, word_lo, word_hi,
                          char_mask, word_mask, word_offset, url_hash, hist, hist_start, cols,
                          firsts, lasts, m, a, &i);
        seg_start = next_window(ncls, seg_end > i ? seg_end : i, b);
    }
    /* the norms first (they scale every occurrence), then the contributions */
    double sq_c = 0.0;
    double sq_w = 0.0;
    for (int64_t q = 0; q < m; q++) {
        if (q + PREFETCH < m)
            __builtin_prefetch(table + cols[q + PREFETCH] * width, 0, 3);
        int64_t col = cols[q];
        float idf = table[col * width + k];
        if (col < word_offset)
            sq_c += idf * idf;
        else
            sq_w += idf * idf;
    }
    double inv_c = sq_c > 0 ? 1.0 / sqrt(sq_c) : 0.0;
    double inv_w = sq_w > 0 ? 1.0 / sqrt(sq_w) : 0.0;
    for (int64_t q = 0; q < m; q++) {
        int64_t col = cols[q];
        double inv = col < word_offset ? inv_c : inv_w;
        spread_columns(out, b - a, table, width, col, table[col * width + k] * inv, firsts[q],
                       lasts[q], columns, ncolumns);
    }
}

/* _doc_contributions: out (ncolumns rows of b - a) zero on entry; cols/firsts/lasts have
 * `room` entries, ngram_room(b - a) or more. Returns 0, or ERROR_CAPACITY. */
EXPORT int64_t doc_contributions(const uint32_t *nc, const uint8_t *ncls, int64_t a,
                                 int64_t b, int64_t char_lo, int64_t char_hi, int64_t word_lo,
                                 int64_t word_hi, int64_t char_bits, int64_t word_bits,
                                 uint64_t url_hash, const float *table, int64_t width,
                                 const int64_t *columns, int64_t ncolumns, int64_t room,
                                 int64_t *cols, int64_t *firsts, int64_t *lasts, double *out)
{
    if (b < a || room < ngram_room(b - a, char_lo, char_hi, word_lo, word_hi)
        || word_hi > MAX_WORD_N)
        return ERROR_CAPACITY;
    doc_contributions_into(nc, ncls, a, b, char_lo, char_hi, word_lo, word_hi, char_bits,
                           word_bits, url_hash, table, width, columns, ncolumns, cols, firsts,
                           lasts, out);
    return 0;
}

/* explain_spans: out_start/out_end/out_w hold `capacity` spans (one per (pair, token) of each
 * document is enough), span_ptr npair + 1 (zero on entry); returns the number of spans,
 * ERROR_NO_MEMORY when scratch space cannot be allocated, ERROR_CAPACITY. Without `merge`
 * every token but punctuation is a span of its own, whatever its weight (`share` unused). */
EXPORT int64_t explain(const uint32_t *nc, const uint8_t *ncls, const int64_t *noff,
                       int64_t ndoc, const int64_t *pair_ptr, const int64_t *pair_cols,
                       const int64_t *tok_ptr, const int64_t *tok_start,
                       const int64_t *tok_end, const int64_t *add_ptr,
                       const int64_t *add_start, const int64_t *add_end,
                       const double *add_value, const bool *punctuation, const bool *alnum,
                       int64_t char_lo, int64_t char_hi, int64_t word_lo, int64_t word_hi,
                       int64_t char_bits, int64_t word_bits, uint64_t url_hash,
                       const float *table, int64_t width, double min_weight, double share,
                       bool merge, int64_t *span_ptr, int64_t capacity, int64_t *out_start,
                       int64_t *out_end, double *out_w)
{
    if (word_hi > MAX_WORD_N)
        return ERROR_CAPACITY;
    /* scratch, once for the longest document (characters), the most pairs and tokens */
    int64_t longest = 0;
    int64_t most_pairs = 0;
    int64_t most_tokens = 0;
    for (int64_t d = 0; d < ndoc; d++) {
        int64_t length = noff[d + 1] - noff[d];
        int64_t pairs = pair_ptr[d + 1] - pair_ptr[d];
        int64_t tokens = tok_ptr[d + 1] - tok_ptr[d];
        longest = length > longest ? length : longest;
        most_pairs = pairs > most_pairs ? pairs : most_pairs;
        most_tokens = tokens > most_tokens ? tokens : most_tokens;
    }
    size_t room = (size_t)ngram_room(longest, char_lo, char_hi, word_lo, word_hi);
    int64_t *cols = malloc(room * sizeof(int64_t));
    int64_t *firsts = malloc(room * sizeof(int64_t));
    int64_t *lasts = malloc(room * sizeof(int64_t));
    double *contributions = malloc(((size_t)(most_pairs * longest) + 1) * sizeof(double));
    double *cumulative = malloc(((size_t)longest + 1) * sizeof(double));
    double *token_w = malloc(((size_t)most_tokens + 1) * sizeof(double));
    int64_t m = ERROR_NO_MEMORY;
    if (!cols || !firsts || !lasts || !contributions || !cumulative || !token_w)
        goto done;
    m = 0;
    for (int64_t d = 0; d < ndoc; d++) {
        int64_t p0 = pair_ptr[d];
        int64_t p1 = pair_ptr[d + 1];
        if (p1 == p0)
            continue;
        int64_t a = noff[d];
        int64_t b = noff[d + 1];
        if (b == a) {
            for (int64_t p = p0; p < p1; p++)
                span_ptr[p + 1] = m;
            continue;
        }
        int64_t n = b - a;
        for (int64_t q = 0; q < (p1 - p0) * n; q++)
            contributions[q] = 0.0;
        doc_contributions_into(nc, ncls, a, b, char_lo, char_hi, word_lo, word_hi, char_bits,
                               word_bits, url_hash, table, width, pair_cols + p0, p1 - p0,
                               cols, firsts, lasts, contributions);
        int64_t t0 = tok_ptr[d];
        int64_t t1 = tok_ptr[d + 1];
        for (int64_t p = p0; p < p1; p++) {
            double *values = contributions + (p - p0) * n;
            for (int64_t k = add_ptr[p]; k < add_ptr[p + 1]; k++)
                for (int64_t q = add_start[k] - a; q < add_end[k] - a; q++)
                    values[q] += add_value[k];
            cumulative[0] = 0.0;
            for (int64_t q = 0; q < n; q++)
                cumulative[q + 1] = cumulative[q] + values[q];
            double strongest = 0.0;
            for (int64_t t = t0; t < t1; t++) {
                double w = cumulative[tok_end[t] - a] - cumulative[tok_start[t] - a];
                token_w[t - t0] = w;
                if (t == t0 || w > strongest)
                    strongest = w;
            }
            if (t1 == t0 || strongest <= min_weight) {
                span_ptr[p + 1] = m;
                continue;
            }
            int64_t first = m;
            bool joined = false;
            for (int64_t t = t0; t < t1; t++) {
                double w = token_w[t - t0];
                int64_t s = tok_start[t];
                int64_t e = tok_end[t];
                bool only_punctuation = true;
                for (int64_t q = s; q < e; q++) {
                    uint32_t c = nc[q];
                    if (c >= 65536 || !punctuation[c]) {
                        only_punctuation = false;
                        break;
                    }
                }
                if (only_punctuation || (merge && w < share * strongest)) {
                    joined = false;
                    continue;
                }
                bool gap_alnum = false;
                if (joined) {
                    for (int64_t q = out_end[m - 1]; q < s; q++) {
                        uint32_t c = nc[q];
                        if (c < 65536 && alnum[c]) {
                            gap_alnum = true;
                            break;
                        }
                    }
                }
                if (merge && joined && !gap_alnum && m > first) {
                    out_end[m - 1] = e;
                    out_w[m - 1] += w;
                } else {
                    if (m >= capacity) {
                        m = ERROR_CAPACITY;
                        goto done;
                    }
                    out_start[m] = s;
                    out_end[m] = e;
                    out_w[m] = w;
                    m++;
                }
                joined = true;
            }
            span_ptr[p + 1] = m;
        }
    }
done:
    free(cols);
    free(firsts);
    free(lasts);
    free(contributions);
    free(cumulative);
    free(token_w);
    return m;
}

/* _round4 of x into *value: true when it is round(x, 4) as Python rounds, false (x itself)
 * where x * 10**4 lies too near a half for a double to decide. */
static inline bool round4_into(double x, double *value)
{
    double y = x * 10000.0;
    *value = x;
    if (!(fabs(y) < 1e9))
        return false;
    double f = floor(y);
    double frac = y - f;
    if (fabs(frac - 0.5) < 1e-6)
        return false;
    double n = frac < 0.5 ? f : f + 1.0;
    if (n == 0.0) {
        *value = copysign(0.0, x);
        return true;
    }
    *value = n / 10000.0;
    return true;
}

/* _round4 (value[0] gets the value). */
EXPORT bool round4(double x, double *value)
{
    return round4_into(x, value);
}

/* top_spans: out_s/out_e/out_w hold `capacity` spans (min(spans, top_k) of every pair is
 * enough), top_ptr and exact npair + 1 and npair (zero and true on entry); returns the
 * number listed, ERROR_NO_MEMORY when scratch space cannot be allocated, ERROR_CAPACITY. */
EXPORT int64_t top_spans(const int64_t *span_ptr, int64_t npair, const int64_t *span_start,
                         const int64_t *span_end, const double *span_w, const int64_t *pos,
                         const int64_t *origin, int64_t top_k, int64_t *top_ptr,
                         int64_t capacity, int64_t *out_s, int64_t *out_e, double *out_w,
                         bool *exact)
{
    int64_t most = 0;
    for (int64_t p = 0; p < npair; p++) {
        int64_t spans = span_ptr[p + 1] - span_ptr[p];
        most = spans > most ? spans : most;
    }
    double *rounded = malloc(((size_t)most + 1) * sizeof(double));
    int64_t *order = malloc(((size_t)most + 1) * sizeof(int64_t));
    int64_t m = ERROR_NO_MEMORY;
    if (!rounded || !order)
        goto done;
    m = 0;
    for (int64_t p = 0; p < npair; p++) {
        int64_t a = span_ptr[p];
        int64_t b = span_ptr[p + 1];
        for (int64_t q = a; q < b; q++)
            if (!round4_into(span_w[q], &rounded[q - a]))
                exact[p] = false;
        if (exact[p]) {
            for (int64_t i = 0; i < b - a; i++)
                order[i] = i;
            for (int64_t i = 1; i < b - a; i++) { /* stable insertion sort, strongest first */
                int64_t cur = order[i];
                int64_t j = i;
                while (j > 0 && rounded[order[j - 1]] < rounded[cur]) {
                    order[j] = order[j - 1];
                    j--;
                }
                order[j] = cur;
            }
            int64_t listed = b - a < top_k ? b - a : top_k;
            if (m + listed > capacity) {
                m = ERROR_CAPACITY;
                goto done;
            }
            for (int64_t i = 0; i < listed; i++) {
                int64_t q = a + order[i];
                out_s[m] = pos[span_start[q]] - origin[p];
                out_e[m] = pos[span_end[q] - 1] + 1 - origin[p];
                out_w[m] = rounded[order[i]];
                m++;
            }
        }
        top_ptr[p + 1] = m;
    }
done:
    free(rounded);
    free(order);
    return m;
}
