/* The n-gram primitives of moderator/model/ngrams.py, shared by its kernels (ngrams.c, score.c,
 * explain.c). Text is normalised code points (`nc`, uint32) with their classes (`ncls`:
 * 0 space, 1 word character, 2 other); every function mirrors its Python namesake. */
#ifndef MODERATOR_NGRAMS_H
#define MODERATOR_NGRAMS_H

#include <string.h>

#include "contract.h"

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL
#define SALT_CHAR 0x9E3779B97F4A7C15ULL
#define SALT_WORD 0xC2B2AE3D27D4EB4FULL

static inline bool is_letter(uint32_t code, const bool *letter)
{
    return code < 65536 && letter[code];
}

static inline uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    return h;
}

/* Length of the URL prefix (http://, https://, www.) at i, else 0. */
static inline int64_t url_at(const uint32_t *c, int64_t i, int64_t end)
{
    if (i + 7 <= end && c[i] == 104 && c[i + 1] == 116 && c[i + 2] == 116 && c[i + 3] == 112) {
        if (c[i + 4] == 58 && c[i + 5] == 47 && c[i + 6] == 47)
            return 7;
        if (i + 8 <= end && c[i + 4] == 115 && c[i + 5] == 58 && c[i + 6] == 47 && c[i + 7] == 47)
            return 8;
    }
    if (i + 4 <= end && c[i] == 119 && c[i + 1] == 119 && c[i + 2] == 119 && c[i + 3] == 46)
        return 4;
    return 0;
}

/* End of the token starting at i (TOKEN_PATTERN semantics); *is_url tells a URL token. */
static inline int64_t token_end(const uint32_t *c, const uint8_t *cls, int64_t i, int64_t end,
                                bool *is_url)
{
    int64_t u = url_at(c, i, end);
    if (u > 0) {
        int64_t j = i + u;
        while (j < end && cls[j] != 0)
            j++;
        *is_url = true;
        return j;
    }
    *is_url = false;
    if (cls[i] != 1)
        return i + 1;
    int64_t j = i + 1;
    while (j < end) {
        if (cls[j] == 1)
            j++;
        else if ((c[j] == 42 || c[j] == 39 || c[j] == 8217) && j + 1 < end && cls[j + 1] == 1)
            j += 2;
        else
            break;
    }
    return j;
}

static inline uint64_t token_hash(const uint32_t *c, int64_t i, int64_t j, bool is_url,
                                  uint64_t url_hash)
{
    if (is_url)
        return url_hash;
    uint64_t h = FNV_OFFSET;
    for (int64_t p = i; p < j; p++)
        h = (h ^ (uint64_t)c[p]) * FNV_PRIME;
    return h;
}

/* token_end and token_hash in one pass over the token's characters: returns the end,
 * the hash in *hash. */
static inline int64_t hashed_token(const uint32_t *c, const uint8_t *cls, int64_t i,
                                   int64_t end, uint64_t url_hash, uint64_t *hash)
{
    int64_t u = url_at(c, i, end);
    if (u > 0) {
        int64_t j = i + u;
        while (j < end && cls[j] != 0)
            j++;
        *hash = url_hash;
        return j;
    }
    uint64_t h = (FNV_OFFSET ^ (uint64_t)c[i]) * FNV_PRIME;
    if (cls[i] != 1) {
        *hash = h;
        return i + 1;
    }
    int64_t j = i + 1;
    while (j < end) {
        if (cls[j] == 1) {
            h = (h ^ (uint64_t)c[j]) * FNV_PRIME;
            j++;
        } else if ((c[j] == 42 || c[j] == 39 || c[j] == 8217) && j + 1 < end
                   && cls[j + 1] == 1) {
            h = (h ^ (uint64_t)c[j]) * FNV_PRIME;
            h = (h ^ (uint64_t)c[j + 1]) * FNV_PRIME;
            j += 2;
        } else {
            break;
        }
    }
    *hash = h;
    return j;
}

/* A sentence window ends after position p: newline, or . ! ? followed by a space/end. */
static inline bool is_boundary(const uint32_t *c, int64_t p, int64_t end)
{
    if (c[p] == 10)
        return true;
    if (c[p] == 46 || c[p] == 33 || c[p] == 63)
        return p + 1 >= end || c[p + 1] == 32 || c[p + 1] == 10;
    return false;
}

typedef uint32_t ngrams_v4u __attribute__((vector_size(16)));

/* The end of the sentence window starting at seg_start of a document ending at b: after its
 * first boundary, else b. Four characters at a time are checked for any of \n . ! ? (SSE2
 * compares), and only four with one of them are checked one by one. */
static inline int64_t window_end(const uint32_t *nc, int64_t seg_start, int64_t b)
{
    int64_t p = seg_start;
    for (; p + 4 <= b; p += 4) {
        ngrams_v4u v;
        memcpy(&v, nc + p, sizeof v);
        ngrams_v4u hit = (v == 10) | (v == 46) | (v == 33) | (v == 63);
        uint64_t half[2];
        memcpy(half, &hit, sizeof half);
        if ((half[0] | half[1]) == 0)
            continue;
        for (int64_t q = p; q < p + 4; q++)
            if (is_boundary(nc, q, b))
                return q + 1;
    }
    for (; p < b; p++)
        if (is_boundary(nc, p, b))
            return p + 1;
    return b;
}

static inline int64_t next_window(const uint8_t *ncls, int64_t seg_end, int64_t b)
{
    while (seg_end < b && ncls[seg_end] == 0)
        seg_end++;
    return seg_end;
}

/* The most n-gram occurrences a span of `length` characters can have (each character starts
 * at most one token): what the wrappers allocate and the kernels check. */
static inline int64_t ngram_room(int64_t length, int64_t char_lo, int64_t char_hi,
                                 int64_t word_lo, int64_t word_hi)
{
    return length * ((char_hi - char_lo + 1) + (word_hi - word_lo + 1)) + 16;
}

/* Column of the word n-gram made of the last n tokens (hist[0] is the newest). */
static inline int64_t word_column(const uint64_t *hist, int64_t n, int64_t word_offset,
                                  uint64_t word_mask)
{
    uint64_t h = SALT_WORD * (uint64_t)n;
    for (int64_t t = n - 1; t >= 0; t--)
        h = mix(h ^ hist[t]);
    return word_offset + (int64_t)(h & word_mask);
}

/* The n-grams of the sentence window [seg_start, seg_end) of a document ending at b: its
 * character n-grams, then its word n-grams (hist/hist_start: scratch of MAX_WORD_N).
 * starts/ends get each occurrence's normalised span minus `shift`. Returns the new m;
 * *stop is where the word scan stopped (for next_window). */
static inline int64_t window_ngrams(const uint32_t *nc, const uint8_t *ncls, int64_t seg_start,
                                    int64_t seg_end, int64_t b, int64_t char_lo,
                                    int64_t char_hi, int64_t word_lo, int64_t word_hi,
                                    uint64_t char_mask, uint64_t word_mask,
                                    int64_t word_offset, uint64_t url_hash, uint64_t *hist,
                                    int64_t *hist_start, int64_t *cols, int64_t *starts,
                                    int64_t *ends, int64_t m, int64_t shift, int64_t *stop)
{
    for (int64_t i = seg_start; i < seg_end; i++) {
        uint64_t h = FNV_OFFSET ^ SALT_CHAR;
        for (int64_t n = 1; n <= char_hi; n++) {
            if (i + n > b)
                break;
            h = (h ^ (uint64_t)nc[i + n - 1]) * FNV_PRIME;
            if (n >= char_lo) {
                cols[m] = (int64_t)(mix(h) & char_mask);
                starts[m] = i - shift;
                ends[m] = i + n - shift;
                m++;
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
        uint64_t token;
        int64_t j = hashed_token(nc, ncls, i, b, url_hash, &token);
        for (int64_t back = word_hi - 1; back > 0; back--) {
            hist[back] = hist[back - 1];
            hist_start[back] = hist_start[back - 1];
        }
        hist[0] = token;
        hist_start[0] = i;
        ntok++;
        int64_t top = word_hi < ntok ? word_hi : ntok;
        for (int64_t n = word_lo; n <= top; n++) {
            cols[m] = word_column(hist, n, word_offset, word_mask);
            starts[m] = hist_start[n - 1] - shift;
            ends[m] = j - shift;
            m++;
        }
        i = j;
    }
    *stop = i;
    return m;
}

#endif
