/* Kernels of moderator/model/ngrams.py: normalisation, the enumeration of n-gram occurrences,
 * per-character contributions of one document, token bounds. Each mirrors the docstring of
 * its Python wrapper (same name with a leading underscore). */
#include <math.h>

#include "ngrams.h"

/* One document of normalize; `positions` is a constant at each call, so the compiler makes
 * a version without the offsets (what scoring reads). Returns the new k. */
static inline int64_t normalize_doc(const uint32_t *codes, int64_t start, int64_t end,
                                    const uint8_t *classes, const uint32_t *lower,
                                    const uint32_t *leet, const bool *letter,
                                    const bool positions, uint32_t *out_c, uint8_t *out_cls,
                                    int64_t *out_pos, int64_t k)
{
    const int64_t first = k;
    bool after_space = true;
    uint32_t run_char = 0xFFFFFFFFu;
    int64_t run_len = 0;
    for (int64_t i = start; i < end; i++) {
        uint32_t c = codes[i];
        uint8_t cl = c < 65536 ? classes[c] : 2;
        if (cl == 0) {
            if (after_space) {
                if (c == 10 && k > first)
                    out_c[k - 1] = 10;
                continue;
            }
            out_c[k] = c == 10 ? 10 : 32;
            out_cls[k] = 0;
            if (positions)
                out_pos[k] = i;
            k++;
            after_space = true;
            run_len = 0;
            run_char = 0xFFFFFFFFu;
            continue;
        }
        uint32_t low = c < 65536 ? lower[c] : c;
        if (c < 65536 && leet[c] != 0) {
            bool prev_letter = k > first && is_letter(out_c[k - 1], letter);
            bool next_letter = i + 1 < end && is_letter(codes[i + 1], letter);
            bool next_same = i + 2 < end && codes[i + 1] != 33 && codes[i + 1] < 65536
                             && leet[codes[i + 1]] != 0;
            /* read as letters only inside a word: sh1t, a$$hole, b!tch, b@stard, id10t
             * (not "covid19", "2020" or "$5") */
            if (prev_letter && (next_letter || next_same)) {
                low = leet[c];
                cl = 1;
            }
        }
        if (low == run_char) {
            run_len++;
        } else {
            run_char = low;
            run_len = 1;
        }
        /* elongations collapse, but not digits ("1000") or the w of "www." */
        if (run_len >= 3 && !(48 <= low && low <= 57) && low != 119) {
            if (run_len == 3)
                k--;
            continue;
        }
        out_c[k] = low;
        out_cls[k] = cl;
        if (positions)
            out_pos[k] = i;
        k++;
        after_space = false;
    }
    if (k > first && out_cls[k - 1] == 0)
        k--;
    return k;
}

/* normalize_codes: out_c, out_cls (and with `positions` out_pos) hold `capacity` entries, at
 * least one per code point (a text never grows); returns the number of normalised
 * characters, ERROR_CAPACITY when they may not fit. */
EXPORT int64_t normalize(const uint32_t *codes, const int64_t *offsets, int64_t ndoc,
                         const uint8_t *classes, const uint32_t *lower, const uint32_t *leet,
                         const bool *letter, bool positions, int64_t capacity, uint32_t *out_c,
                         uint8_t *out_cls, int64_t *out_pos, int64_t *out_off)
{
    if (ndoc < 0 || offsets[ndoc] - offsets[0] > capacity)
        return ERROR_CAPACITY;
    int64_t k = 0;
    for (int64_t d = 0; d < ndoc; d++) {
        out_off[d] = k;
        if (positions)
            k = normalize_doc(codes, offsets[d], offsets[d + 1], classes, lower, leet, letter,
                              true, out_c, out_cls, out_pos, k);
        else
            k = normalize_doc(codes, offsets[d], offsets[d + 1], classes, lower, leet, letter,
                              false, out_c, out_cls, out_pos, k);
    }
    out_off[ndoc] = k;
    return k;
}

/* _enumerate: unit_ptr and unit_doc hold `unit_capacity` entries, cols/starts/ends
 * `capacity`; sizes gets (number of occurrences, number of units). Returns 0, or
 * ERROR_CAPACITY (before writing past either). */
EXPORT int64_t enumerate_ngrams(const uint32_t *nc, const uint8_t *ncls, const int64_t *noff,
                                int64_t ndoc, int64_t char_lo, int64_t char_hi,
                                int64_t word_lo, int64_t word_hi, int64_t char_bits,
                                int64_t word_bits, uint64_t url_hash, bool windows,
                                int64_t unit_capacity, int64_t *unit_ptr, int64_t capacity,
                                int64_t *cols, int64_t *starts, int64_t *ends,
                                int64_t *unit_doc, int64_t *sizes)
{
    if (word_hi > MAX_WORD_N)
        return ERROR_CAPACITY;
    uint64_t char_mask = ((uint64_t)1 << char_bits) - 1;
    uint64_t word_mask = ((uint64_t)1 << word_bits) - 1;
    int64_t word_offset = (int64_t)1 << char_bits;
    uint64_t hist[MAX_WORD_N];
    int64_t hist_start[MAX_WORD_N];
    int64_t m = 0;
    int64_t u = 0;
    for (int64_t d = 0; d < ndoc; d++) {
        int64_t a = noff[d];
        int64_t b = noff[d + 1];
        if (u + 1 >= unit_capacity)
            return ERROR_CAPACITY;
        unit_ptr[u] = m;
        unit_doc[u] = d;
        u++;
        int64_t seg_start = a;
        while (seg_start < b) {
            int64_t seg_end = window_end(nc, seg_start, b);
            if (m + ngram_room(seg_end - seg_start, char_lo, char_hi, word_lo, word_hi) - 16
                > capacity)
                return ERROR_CAPACITY;
            if (windows && seg_start > a) {
                if (u + 1 >= unit_capacity)
                    return ERROR_CAPACITY;
                unit_ptr[u] = m;
                unit_doc[u] = d;
                u++;
            }
            int64_t i;
            m = window_ngrams(nc, ncls, seg_start, seg_end, b, char_lo, char_hi, word_lo,
                              word_hi, char_mask, word_mask, word_offset, url_hash, hist,
                              hist_start, cols, starts, ends, m, 0, &i);
            seg_start = next_window(ncls, seg_end > i ? seg_end : i, b);
        }
    }
    unit_ptr[u] = m;
    sizes[0] = m;
    sizes[1] = u;
    return 0;
}

/* _spread: value * weights[col] spread evenly over the characters [first, last) of out
 * (rows of k). */
static inline void spread(double *out, int64_t k, const float *weights, int64_t col,
                          double value, int64_t first, int64_t last)
{
    int64_t span = last - first;
    const float *row = weights + col * k;
    for (int64_t p = first; p < last; p++)
        for (int64_t j = 0; j < k; j++)
            out[p * k + j] += value * (double)row[j] / (double)span;
}

/* _contributions: out ((b - a) rows of k, `out_size` doubles, zero on entry) gets each
 * character's share. Returns 0, or ERROR_CAPACITY when out is not that size. */
EXPORT int64_t contributions(const uint32_t *nc, const uint8_t *ncls, int64_t a, int64_t b,
                             int64_t char_lo, int64_t char_hi, int64_t word_lo,
                             int64_t word_hi, int64_t char_bits, int64_t word_bits,
                             uint64_t url_hash, const float *weights, int64_t k,
                             const float *idf, int64_t out_size, double *out)
{
    if (b < a || out_size < (b - a) * k || word_hi > MAX_WORD_N)
        return ERROR_CAPACITY;
    uint64_t char_mask = ((uint64_t)1 << char_bits) - 1;
    uint64_t word_mask = ((uint64_t)1 << word_bits) - 1;
    int64_t word_offset = (int64_t)1 << char_bits;
    uint64_t hist[MAX_WORD_N];
    int64_t hist_start[MAX_WORD_N];
    double sq_c = 0.0;
    double sq_w = 0.0;
    double inv_c = 0.0;
    double inv_w = 0.0;
    /* two passes: the norms first (they scale every occurrence), then the contributions */
    for (int second = 0; second < 2; second++) {
        if (second) {
            inv_c = sq_c > 0 ? 1.0 / sqrt(sq_c) : 0.0;
            inv_w = sq_w > 0 ? 1.0 / sqrt(sq_w) : 0.0;
        }
        int64_t seg_start = a;
        while (seg_start < b) {
            int64_t seg_end = window_end(nc, seg_start, b);
            for (int64_t i = seg_start; i < seg_end; i++) {
                uint64_t h = FNV_OFFSET ^ SALT_CHAR;
                for (int64_t n = 1; n <= char_hi; n++) {
                    if (i + n > b)
                        break;
                    h = (h ^ (uint64_t)nc[i + n - 1]) * FNV_PRIME;
                    if (n >= char_lo) {
                        int64_t col = (int64_t)(mix(h) & char_mask);
                        if (!second)
                            sq_c += idf[col] * idf[col];
                        else
                            spread(out, k, weights, col, idf[col] * inv_c, i - a, i + n - a);
                    }
                }
            }
            int64_t ntok = 0;
            int64_t i = seg_start;
            while (i < seg_end) {
                if (ncls[i] == 0) {
                    i++;
                    continue;
                }
                bool is_url;
                int64_t j = token_end(nc, ncls, i, b, &is_url);
                for (int64_t back = word_hi - 1; back > 0; back--) {
                    hist[back] = hist[back - 1];
                    hist_start[back] = hist_start[back - 1];
                }
                hist[0] = token_hash(nc, i, j, is_url, url_hash);
                hist_start[0] = i;
                ntok++;
                int64_t top = word_hi < ntok ? word_hi : ntok;
                for (int64_t n = word_lo; n <= top; n++) {
                    int64_t col = word_column(hist, n, word_offset, word_mask);
                    if (!second)
                        sq_w += idf[col] * idf[col];
                    else
                        spread(out, k, weights, col, idf[col] * inv_w, hist_start[n - 1] - a,
                               j - a);
                }
                i = j;
            }
            seg_start = next_window(ncls, seg_end > i ? seg_end : i, b);
        }
    }
    return 0;
}

/* token_bounds: ptr holds ndoc + 1 entries, starts/ends `capacity` (one per character is
 * enough); returns the number of tokens, or ERROR_CAPACITY. */
EXPORT int64_t token_bounds(const uint32_t *nc, const uint8_t *ncls, const int64_t *noff,
                            int64_t ndoc, int64_t *ptr, int64_t capacity, int64_t *starts,
                            int64_t *ends)
{
    int64_t m = 0;
    for (int64_t d = 0; d < ndoc; d++) {
        ptr[d] = m;
        int64_t i = noff[d];
        int64_t b = noff[d + 1];
        while (i < b) {
            if (ncls[i] == 0) {
                i++;
                continue;
            }
            bool is_url;
            int64_t j = token_end(nc, ncls, i, b, &is_url);
            if (m >= capacity)
                return ERROR_CAPACITY;
            starts[m] = i;
            ends[m] = j;
            m++;
            i = j;
        }
    }
    ptr[ndoc] = m;
    return m;
}
