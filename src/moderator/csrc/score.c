/* The fused scoring pass of moderator/model/ngrams.py (`_score`): X @ weights for whole documents
 * and their best sentence window, without building X. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ngrams.h"

/* n-grams ahead whose table rows are requested while one is summed (random reads in a table
 * of tens of MB: with 16 in flight they cost about a fifth as much) */
#define PREFETCH 16

typedef float v4f __attribute__((vector_size(16)));
typedef double v2d __attribute__((vector_size(16)));

/* the lanes i, i + 1 of v widened */
#define WIDEN(v, i) ((v2d){(double)(v)[i], (double)(v)[(i) + 1]})

/* acc[j] += float64(w * row[j]) for the k weights of a table row */
static inline void add_row(double *acc, const float *row, int64_t k, float w)
{
    for (int64_t j = 0; j < k; j++)
        acc[j] += w * row[j];
}

/* add_row of every row cols[first:last) of a table of 8 floats a row (7 attributes, the idf
 * last) into acc (zero on entry): the 8 lanes are summed in one vector, each in q order
 * (float32 products widened, added in float64) as the scalar loop sums them. Returns the
 * sum of idf**2. Rows up to cols[limit - 1] are prefetched PREFETCH n-grams ahead. */
static inline double gather7(double *acc, const float *table, const int64_t *cols,
                             int64_t first, int64_t last, int64_t limit)
{
    /* the 8 lanes as 4 SSE2 registers of 2 doubles */
    v2d s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    for (int64_t q = first; q < last; q++) {
        if (q + PREFETCH < limit)
            __builtin_prefetch(table + cols[q + PREFETCH] * 8, 0, 3);
        v4f lo, hi;
        memcpy(&lo, table + cols[q] * 8, sizeof lo);
        memcpy(&hi, table + cols[q] * 8 + 4, sizeof hi);
        float w = hi[3];
        lo *= w;
        hi *= w;
        s0 += WIDEN(lo, 0);
        s1 += WIDEN(lo, 2);
        s2 += WIDEN(hi, 0);
        s3 += WIDEN(hi, 2);
    }
    acc[0] = s0[0];
    acc[1] = s0[1];
    acc[2] = s1[0];
    acc[3] = s1[1];
    acc[4] = s2[0];
    acc[5] = s2[1];
    acc[6] = s3[0];
    return s3[1];
}

static inline void close_window(double *out_win, int64_t k, double *dot_c, double sq_c,
                                double *dot_w, double sq_w)
{
    double inv_c = sq_c > 0 ? 1.0 / sqrt(sq_c) : 0.0;
    double inv_w = sq_w > 0 ? 1.0 / sqrt(sq_w) : 0.0;
    for (int64_t j = 0; j < k; j++) {
        double v = dot_c[j] * inv_c + dot_w[j] * inv_w;
        if (v > out_win[j])
            out_win[j] = v;
        dot_c[j] = 0.0;
        dot_w[j] = 0.0;
    }
}

/* What hashing a document needs: its text, the n-gram ranges and blocks, and the table whose
 * rows are requested as their columns are known. */
struct hashing {
    const uint32_t *nc;
    const uint8_t *ncls;
    int64_t char_lo, char_hi, word_lo, word_hi, word_offset;
    uint64_t char_mask, word_mask, url_hash;
    const float *table;
    int64_t stride;
};

/* One document's n-gram columns, window by window: each window's character n-grams
 * (cols[win_first[w]:win_words[w]]), then its word n-grams (to win_first[w + 1]). */
struct columns {
    int64_t *cols;
    int64_t *win_first; /* n_win + 1 */
    int64_t *win_words; /* n_win */
    int64_t n_cols, n_win;
};

/* Prefetch a table row (to L1: measured faster than to L2 or L3 only). */
static inline void request_row(const struct hashing *h, int64_t col)
{
    __builtin_prefetch(h->table + col * h->stride, 0, 3);
}

/* Append the columns of the character n-grams starting in [seg_start, seg_end) of a
 * document ending at b to cols[n_cols:] (position by position, shortest first); returns the
 * new n_cols. */
static inline int64_t char_columns(const struct hashing *hs, int64_t seg_start, int64_t seg_end,
                                   int64_t b, int64_t *cols, int64_t n_cols)
{
    const uint32_t *nc = hs->nc;
    int64_t char_lo = hs->char_lo, char_hi = hs->char_hi;
    uint64_t char_mask = hs->char_mask;
    for (int64_t i = seg_start; i < seg_end; i++) {
        uint64_t h = FNV_OFFSET ^ SALT_CHAR;
        for (int64_t n = 1; n <= char_hi; n++) {
            if (i + n > b)
                break;
            h = (h ^ (uint64_t)nc[i + n - 1]) * FNV_PRIME;
            if (n >= char_lo) {
                cols[n_cols] = (int64_t)(mix(h) & char_mask);
                request_row(hs, cols[n_cols++]);
            }
        }
    }
    return n_cols;
}

/* The columns of document [a, b), as _enumerate orders them; every row is requested
 * (prefetched) as its column is known. */
static inline void hash_document(const struct hashing *hs, int64_t a, int64_t b,
                                 struct columns *doc)
{
    const uint32_t *nc = hs->nc;
    const uint8_t *ncls = hs->ncls;
    int64_t word_lo = hs->word_lo, word_hi = hs->word_hi;
    int64_t *cols = doc->cols;
    uint64_t hist[MAX_WORD_N];
    int64_t n_cols = 0;
    int64_t n_win = 0;
    int64_t seg_start = a;
    while (seg_start < b) {
        int64_t seg_end = window_end(nc, seg_start, b);
        doc->win_first[n_win] = n_cols;
        n_cols = char_columns(hs, seg_start, seg_end, b, cols, n_cols);
        doc->win_words[n_win] = n_cols;
        int64_t ntok = 0;
        int64_t i = seg_start;
        while (i < seg_end) {
            if (ncls[i] == 0) {
                i++;
                continue;
            }
            uint64_t token;
            int64_t j = hashed_token(nc, ncls, i, b, hs->url_hash, &token);
            for (int64_t back = word_hi - 1; back > 0; back--)
                hist[back] = hist[back - 1];
            hist[0] = token;
            ntok++;
            int64_t top = word_hi < ntok ? word_hi : ntok;
            for (int64_t n = word_lo; n <= top; n++) {
                cols[n_cols] = word_column(hist, n, hs->word_offset, hs->word_mask);
                request_row(hs, cols[n_cols++]);
            }
            i = j;
        }
        n_win++;
        seg_start = next_window(ncls, seg_end > i ? seg_end : i, b);
    }
    doc->win_first[n_win] = n_cols;
    doc->n_cols = n_cols;
    doc->n_win = n_win;
}

static void sort_int32(int32_t *a, int64_t n)
{
    while (n > 24) {
        /* Hoare partition around the median of three; loop on the larger part */
        int32_t x = a[0], y = a[n / 2], z = a[n - 1];
        int32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        int64_t i = -1, j = n;
        for (;;) {
            do
                i++;
            while (a[i] < pivot);
            do
                j--;
            while (a[j] > pivot);
            if (i >= j)
                break;
            int32_t t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        int64_t left = j + 1;
        if (left < n - left) {
            sort_int32(a, left);
            a += left;
            n -= left;
        } else {
            sort_int32(a + left, n - left);
            n = left;
        }
    }
    for (int64_t i = 1; i < n; i++) {
        int32_t v = a[i];
        int64_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* One document's word block as transform(chars=False) makes it, from its word columns
 * word_cols[first:m) (occurrence order): idf / sqrt(sum of idf**2 in float64, in occurrence
 * order), then as scipy's sum_duplicates + eliminate_zeros leave them (columns sorted,
 * repeats summed in float32, zeros dropped). Returns the new m. */
static int64_t word_block(const float *table, int64_t stride, int64_t k, int64_t word_offset,
                          int32_t *word_cols, float *word_vals, int64_t first, int64_t m)
{
    double sq = 0.0;
    for (int64_t q = first; q < m; q++) {
        double v = table[(word_cols[q] + word_offset) * stride + k];
        sq += v * v;
    }
    double norm = sqrt(sq);
    /* a value depends on its column only: sort the columns in place, then sum */
    sort_int32(word_cols + first, m - first);
    int64_t kept = first;
    int64_t q = first;
    while (q < m) {
        int32_t col = word_cols[q];
        double v = table[(col + word_offset) * stride + k];
        float value = norm > 0 ? (float)(v / norm) : 0.0f;
        float total = value;
        q++;
        while (q < m && word_cols[q] == col) {
            total += value;
            q++;
        }
        if (total != 0) {
            word_cols[kept] = col;
            word_vals[kept] = total;
            kept++;
        }
    }
    return kept;
}

/* _score in moderator/model/ngrams.py: table is (n_features, k + 1) float32, C order (the k
 * weights, then the idf); out and out_win are (ndoc, k). With `words`, word_cols/word_vals
 * (`word_capacity` entries) get each document's word block, word_ptr (ndoc + 1) its
 * extent. Returns the number of word entries, ERROR_NO_MEMORY or ERROR_CAPACITY. */
EXPORT int64_t score(const uint32_t *nc, const uint8_t *ncls, const int64_t *noff,
                     int64_t ndoc, int64_t char_lo, int64_t char_hi, int64_t word_lo,
                     int64_t word_hi, int64_t char_bits, int64_t word_bits, uint64_t url_hash,
                     const float *table, int64_t k, bool words, double *out, double *out_win,
                     int64_t *n_windows, int64_t *word_ptr, int64_t word_capacity,
                     int32_t *word_cols, float *word_vals)
{
    if (word_hi > MAX_WORD_N)
        return ERROR_CAPACITY;
    int64_t stride = k + 1;
    int64_t longest = 0;
    for (int64_t d = 0; d < ndoc; d++)
        if (noff[d + 1] - noff[d] > longest)
            longest = noff[d + 1] - noff[d];
    /* A document's columns are all hashed first and looked up after, and the next one's
     * are hashed before: the lookups (random reads in a table of tens of MB) are
     * requested a document ahead, then PREFETCH n-grams ahead again. */
    int64_t n_col_cap = ngram_room(longest, char_lo, char_hi, word_lo, word_hi);
    int64_t per_doc = n_col_cap + 2 * (longest + 2);
    int64_t *space = malloc(sizeof(int64_t) * 2 * per_doc);
    double *sums = malloc(sizeof(double) * (4 * k + 1));
    if (space == NULL || sums == NULL) {
        free(space);
        free(sums);
        return ERROR_NO_MEMORY;
    }
    struct hashing hs = {
        .nc = nc, .ncls = ncls, .char_lo = char_lo, .char_hi = char_hi, .word_lo = word_lo,
        .word_hi = word_hi, .word_offset = (int64_t)1 << char_bits,
        .char_mask = ((uint64_t)1 << char_bits) - 1, .word_mask = ((uint64_t)1 << word_bits) - 1,
        .url_hash = url_hash, .table = table, .stride = stride,
    };
    int64_t word_offset = hs.word_offset;
    struct columns docs[2];
    for (int t = 0; t < 2; t++) {
        docs[t].cols = space + t * per_doc;
        docs[t].win_first = docs[t].cols + n_col_cap;
        docs[t].win_words = docs[t].win_first + longest + 2;
    }
    double *doc_c = sums, *doc_w = sums + k, *win_c = sums + 2 * k, *win_w = sums + 3 * k;
    for (int64_t j = 0; j < 2 * k; j++)
        win_c[j] = 0.0;
    bool seven = k == 7;
    int64_t m = 0;
    word_ptr[0] = 0;
    if (ndoc > 0)
        hash_document(&hs, noff[0], noff[1], &docs[0]);
    for (int64_t d = 0; d < ndoc; d++) {
        if (d + 1 < ndoc)
            hash_document(&hs, noff[d + 1], noff[d + 2], &docs[(d + 1) & 1]);
        const int64_t *cols = docs[d & 1].cols;
        const int64_t *win_first = docs[d & 1].win_first;
        const int64_t *win_words = docs[d & 1].win_words;
        int64_t n_cols = docs[d & 1].n_cols;
        int64_t n_win = docs[d & 1].n_win;
        double *best = out_win + d * k;
        for (int64_t j = 0; j < k; j++) {
            doc_c[j] = 0.0;
            doc_w[j] = 0.0;
            best[j] = -INFINITY;
        }
        double doc_sq_c = 0.0;
        double doc_sq_w = 0.0;
        for (int64_t win = 0; win < n_win; win++) {
            int64_t first = win_first[win];
            int64_t middle = win_words[win];
            int64_t last = win_first[win + 1];
            double win_sq_c = 0.0;
            double win_sq_w = 0.0;
            if (seven) {
                win_sq_c = gather7(win_c, table, cols, first, middle, n_cols);
                win_sq_w = gather7(win_w, table, cols, middle, last, n_cols);
            } else {
                for (int64_t q = first; q < middle; q++) {
                    const float *r = table + cols[q] * stride;
                    float w = r[k];
                    win_sq_c += w * w;
                    add_row(win_c, r, k, w);
                }
                for (int64_t q = middle; q < last; q++) {
                    const float *r = table + cols[q] * stride;
                    float w = r[k];
                    win_sq_w += w * w;
                    add_row(win_w, r, k, w);
                }
            }
            if (words && m + (last - middle) > word_capacity) {
                m = ERROR_CAPACITY;
                goto done;
            }
            if (words)
                for (int64_t q = middle; q < last; q++)
                    word_cols[m++] = (int32_t)(cols[q] - word_offset);
            for (int64_t j = 0; j < k; j++) {
                doc_c[j] += win_c[j];
                doc_w[j] += win_w[j];
            }
            doc_sq_c += win_sq_c;
            doc_sq_w += win_sq_w;
            close_window(best, k, win_c, win_sq_c, win_w, win_sq_w);
        }
        n_windows[d] = n_win;
        double inv_c = doc_sq_c > 0 ? 1.0 / sqrt(doc_sq_c) : 0.0;
        double inv_w = doc_sq_w > 0 ? 1.0 / sqrt(doc_sq_w) : 0.0;
        for (int64_t j = 0; j < k; j++)
            out[d * k + j] = doc_c[j] * inv_c + doc_w[j] * inv_w;
        if (words)
            m = word_block(table, stride, k, word_offset, word_cols, word_vals, word_ptr[d], m);
        word_ptr[d + 1] = m;
    }
done:
    free(space);
    free(sums);
    return m;
}
