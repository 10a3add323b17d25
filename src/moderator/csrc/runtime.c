/* Kernels of moderator/model/context.py (context similarities: rowwise_dot) and
 * moderator/model/cues.py (the text cues and the URL/phone matchers). Each mirrors the Python docstring of its wrapper. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"

/* dot(X[i], U[index[i]]) for the rows i of `order` (sorted by index, none negative); `dense`
 * (U's width, zero on entry and on return) holds one U row at a time. X's and U's values
 * are both float32 (_f32) or both float64 (_f64); each product is rounded in that type,
 * then added in double. */
#define ROWWISE_DOT(NAME, UTYPE)                                                              \
    EXPORT void NAME(const int64_t *x_ptr, const int32_t *x_cols, const UTYPE *x_data,       \
                     const int64_t *u_ptr, const int32_t *u_cols, const UTYPE *u_data,       \
                     const int64_t *index, const int64_t *order, int64_t n_order,            \
                     UTYPE *dense, double *out)                                              \
    {                                                                                         \
        int64_t current = -1;                                                                 \
        for (int64_t r = 0; r < n_order; r++) {                                               \
            int64_t i = order[r];                                                             \
            int64_t g = index[i];                                                             \
            if (g != current) {                                                               \
                if (current >= 0)                                                             \
                    for (int64_t q = u_ptr[current]; q < u_ptr[current + 1]; q++)             \
                        dense[u_cols[q]] = 0;                                                 \
                /* the first of repeated columns, as a search in sorted indices finds it */   \
                for (int64_t q = u_ptr[g + 1] - 1; q >= u_ptr[g]; q--)                        \
                    dense[u_cols[q]] = u_data[q];                                             \
                current = g;                                                                  \
            }                                                                                 \
            double total = 0.0;                                                               \
            for (int64_t q = x_ptr[i]; q < x_ptr[i + 1]; q++)                                 \
                total += (UTYPE)(x_data[q] * dense[x_cols[q]]);                               \
            out[i] = total;                                                                   \
        }                                                                                     \
    }

ROWWISE_DOT(rowwise_dot_f32, float)
ROWWISE_DOT(rowwise_dot_f64, double)

/* --- text cues: hints, URL_RE and PHONE_RE compiled ------------------------------------------
 * Text is `codes` (UTF-32 code points of ngrams._codes, lone surrogates included) with text d
 * at [offsets[d], offsets[d + 1]); `classes` (0 space, 1 word character, 2 other) and `digit`
 * (\d) cover the BMP. Hint and TLD tables are rows of code points padded with 0. */

/* The characters whose str.lower() holds ASCII without being ASCII (İ, the Kelvin sign);
 * those that re.I folds onto ASCII letters of URL_RE (İ and dotless ı onto i, long ſ onto s,
 * the Kelvin sign onto k). */
#define LOWER_TO_ASCII_0 0x130
#define LOWER_TO_ASCII_1 0x212A
#define FOLDS_TO_I_0 0x130
#define FOLDS_TO_I_1 0x131
#define FOLDS_TO_S 0x17F
#define FOLDS_TO_K 0x212A

/* Rows of code points padded with 0 (cues._hint_array). */
typedef struct {
    const uint32_t *code;
    int64_t rows;
    int64_t width;
} Table;

static inline uint32_t lower_ascii(uint32_t c)
{
    return 65 <= c && c <= 90 ? (c | 32) : c;
}

/* Per ASCII character, whether a hint starts with it; returns whether any hint starts
 * beyond ASCII. */
static bool hint_starts(Table hints, bool *starts)
{
    bool others = false;
    memset(starts, 0, 128);
    for (int64_t h = 0; h < hints.rows; h++) {
        uint32_t first = hints.code[h * hints.width];
        if (first < 128)
            starts[first] = true;
        else
            others = true;
    }
    return others;
}

/* Whether one of `hints` starts at codes[i] (lower-cased to `first`), lower-cased as
 * str.lower() does for these hints. */
static inline bool hint_at(const uint32_t *codes, int64_t i, int64_t b, uint32_t first,
                           Table hints)
{
    for (int64_t h = 0; h < hints.rows; h++) {
        const uint32_t *hint = hints.code + h * hints.width;
        if (hint[0] != first)
            continue;
        bool ok = true;
        for (int64_t q = 1; q < hints.width; q++) {
            uint32_t want = hint[q];
            if (want == 0)
                break;
            if (i + q >= b || lower_ascii(codes[i + q]) != want) {
                ok = false;
                break;
            }
        }
        if (ok)
            return true;
    }
    return false;
}

/* Whether codes[a:b] holds one of `hints` (starts, others: hint_starts of them). */
static bool has_hint(const uint32_t *codes, int64_t a, int64_t b, Table hints,
                     const bool *starts, bool others)
{
    for (int64_t i = a; i < b; i++) {
        uint32_t first = lower_ascii(codes[i]);
        if (first < 128) {
            if (!starts[first])
                continue;
        } else if (!others) {
            continue;
        }
        if (hint_at(codes, i, b, first, hints))
            return true;
    }
    return false;
}

static inline bool is_space(const uint32_t *codes, int64_t i, const uint8_t *classes)
{
    return classes[codes[i]] == 0;
}

/* \w at i (false outside [a, b)). */
static inline bool is_word_at(const uint32_t *codes, int64_t i, int64_t a, int64_t b,
                              const uint8_t *classes)
{
    return a <= i && i < b && classes[codes[i]] == 1;
}

/* Whether c matches the ASCII character `want` as a pattern compiled with re.I. */
static inline bool same_letter(uint32_t c, uint32_t want)
{
    if (c < 128) {
        if (97 <= want && want <= 122)
            return (c | 32) == want;
        return c == want;
    }
    if (want == 105)
        return c == FOLDS_TO_I_0 || c == FOLDS_TO_I_1;
    if (want == 115)
        return c == FOLDS_TO_S;
    return false;
}

/* Whether `word` (a row of code points padded with 0, `width` long) is at i, as re.I
 * matches. */
static inline bool literal_at(const uint32_t *codes, int64_t i, int64_t b, const uint32_t *word,
                              int64_t width)
{
    for (int64_t q = 0; q < width; q++) {
        if (word[q] == 0)
            return true;
        if (i + q >= b || !same_letter(codes[i + q], word[q]))
            return false;
    }
    return true;
}

/* [a-z0-9-] under re.I. */
static inline bool in_host_class(uint32_t c)
{
    if (c < 128)
        return (65 <= c && c <= 90) || (97 <= c && c <= 122) || (48 <= c && c <= 57) || c == 45;
    return c == FOLDS_TO_I_0 || c == FOLDS_TO_I_1 || c == FOLDS_TO_S || c == FOLDS_TO_K;
}

/* Whether a match of URL_RE starts at s. Every one of its branches then runs to the next
 * whitespace: matches are [s, next whitespace). */
static bool url_starts_at(const uint32_t *codes, int64_t s, int64_t a, int64_t b,
                          const uint8_t *classes, Table tlds)
{
    uint32_t c = codes[s];
    if (same_letter(c, 104)) { /* https?://\S+ */
        if (s + 4 < b && same_letter(codes[s + 1], 116) && same_letter(codes[s + 2], 116)
            && same_letter(codes[s + 3], 112)) {
            int64_t p = s + 4;
            if (same_letter(codes[p], 115))
                p++;
            if (p + 3 < b && codes[p] == 58 && codes[p + 1] == 47 && codes[p + 2] == 47
                && !is_space(codes, p + 3, classes))
                return true;
        }
    }
    if (same_letter(c, 119)) { /* www\.\S+ */
        if (s + 4 < b && same_letter(codes[s + 1], 119) && same_letter(codes[s + 2], 119)
            && codes[s + 3] == 46 && !is_space(codes, s + 4, classes))
            return true;
    }
    /* \b[a-z0-9-]+\.(?:com|...|ly)\b\S* */
    if (!in_host_class(c))
        return false;
    if (is_word_at(codes, s - 1, a, b, classes) == is_word_at(codes, s, a, b, classes))
        return false;
    int64_t j = s + 1;
    while (j < b && in_host_class(codes[j]))
        j++;
    if (j >= b || codes[j] != 46)
        return false;
    for (int64_t t = 0; t < tlds.rows; t++) {
        const uint32_t *tld = tlds.code + t * tlds.width;
        if (literal_at(codes, j + 1, b, tld, tlds.width)) {
            int64_t n = 0;
            while (n < tlds.width && tld[n] != 0)
                n++;
            if (!is_word_at(codes, j + 1 + n, a, b, classes))
                return true;
        }
    }
    return false;
}

/* The first `limit` matches of URL_RE in codes[a:b] (as finditer finds them) into
 * starts/ends (offsets from a); returns how many. BMP texts only. */
static int64_t url_matches(const uint32_t *codes, int64_t a, int64_t b, const uint8_t *classes,
                           Table tlds, int64_t limit, int64_t *starts, int64_t *ends)
{
    int64_t n = 0;
    int64_t s = a;
    while (s < b && n < limit) {
        if (url_starts_at(codes, s, a, b, classes, tlds)) {
            int64_t e = s + 1;
            while (e < b && !is_space(codes, e, classes))
                e++;
            starts[n] = s - a;
            ends[n] = e - a;
            n++;
            s = e;
        } else {
            s++;
        }
    }
    return n;
}

/* Where PHONE_RE's chain of digits goes on after the digit at x: the next character, or
 * the one after a single \s().- separator; -1 where the chain ends. */
static inline int64_t next_phone_digit(const uint32_t *codes, int64_t x, int64_t b,
                                       const uint8_t *classes, const bool *digit)
{
    if (x + 1 < b && digit[codes[x + 1]])
        return x + 1;
    if (x + 2 < b && digit[codes[x + 2]]
        && (is_space(codes, x + 1, classes) || codes[x + 1] == 40 || codes[x + 1] == 41
            || codes[x + 1] == 46 || codes[x + 1] == 45))
        return x + 2;
    return -1;
}

/* Whether PHONE_RE matches in codes[a:b] (BMP texts only): a chain of digits, each next one
 * adjacent or after one of \s().-, from a digit after no word character to one before none,
 * 9 digits or more. */
static bool phone_search(const uint32_t *codes, int64_t a, int64_t b, const uint8_t *classes,
                         const bool *digit)
{
    int64_t i = a;
    while (i < b) {
        if (!digit[codes[i]]) {
            i++;
            continue;
        }
        int64_t first = -1; /* chain index of the earliest possible start */
        int64_t k = 0;
        int64_t x = i;
        int64_t last;
        for (;;) {
            last = x;
            if (first < 0 && !is_word_at(codes, x - 1, a, b, classes))
                first = k;
            if (first >= 0 && k - first >= 8 && !is_word_at(codes, x + 1, a, b, classes))
                return true;
            x = next_phone_digit(codes, x, b, classes, digit);
            if (x < 0)
                break;
            k++;
        }
        i = last + 1;
    }
    return false;
}

/* End of the longest PHONE_RE match whose first digit is at x (its start already allowed
 * by the look-behind), or -1. */
static inline int64_t phone_end(const uint32_t *codes, int64_t x, int64_t a, int64_t b,
                                const uint8_t *classes, const bool *digit)
{
    int64_t k = 0;
    int64_t end = -1;
    for (;;) {
        if (k >= 8 && !is_word_at(codes, x + 1, a, b, classes))
            end = x + 1;
        x = next_phone_digit(codes, x, b, classes, digit);
        if (x < 0)
            break;
        k++;
    }
    return end;
}

/* The matches of PHONE_RE in codes[a:b] as finditer finds them (at most `capacity`), into
 * starts/ends (offsets from a); returns how many. BMP texts only. */
static int64_t phone_matches(const uint32_t *codes, int64_t a, int64_t b,
                             const uint8_t *classes, const bool *digit, int64_t capacity,
                             int64_t *starts, int64_t *ends)
{
    int64_t n = 0;
    int64_t s = a;
    while (s < b && n < capacity) {
        int64_t e = -1;
        if (!is_word_at(codes, s - 1, a, b, classes)) {
            uint32_t c = codes[s];
            if (c == 43) { /* \+? */
                if (s + 1 < b && digit[codes[s + 1]])
                    e = phone_end(codes, s + 1, a, b, classes, digit);
            } else if (digit[c]) {
                e = phone_end(codes, s, a, b, classes, digit);
            }
        }
        if (e > 0) {
            starts[n] = s - a;
            ends[n] = e - a;
            n++;
            s = e;
        } else {
            s++;
        }
    }
    return n;
}

/* False only when EMAIL_RE cannot match: no "@" after a name character with a run of word
 * characters or "-" after it, then "." and a letter. Non-ASCII characters may be word
 * characters or letters (\w and re.I are Unicode-aware), so they count. */
static bool may_be_email(const uint32_t *codes, int64_t a, int64_t b, const uint8_t *classes)
{
    for (int64_t i = a + 1; i < b - 3; i++) {
        if (codes[i] != 64)
            continue;
        uint32_t c = codes[i - 1];
        if (!(c >= 128 || classes[c] == 1 || c == 46 || c == 43 || c == 45))
            continue;
        int64_t j = i + 1;
        while (j < b && (codes[j] >= 128 || classes[codes[j]] == 1 || codes[j] == 45))
            j++;
        if (j > i + 1 && j + 1 < b && codes[j] == 46) {
            c = codes[j + 1];
            if (c >= 128 || (65 <= c && c <= 90) || (97 <= c && c <= 122))
                return true;
        }
    }
    return false;
}

/* False only when PHONE_RE cannot match: no chain of 9 digits with at most one separator
 * (whitespace, "().-") between two. Any non-ASCII character may be a digit or a separator
 * (\d and \s are Unicode), so it counts as a digit. */
static bool may_be_phone(const uint32_t *codes, int64_t a, int64_t b, const uint8_t *classes)
{
    int64_t run = 0;
    bool gap = false;
    for (int64_t i = a; i < b; i++) {
        uint32_t c = codes[i];
        if ((48 <= c && c <= 57) || c >= 128) {
            run++;
            gap = false;
            if (run >= 9)
                return true;
        } else if (classes[c] == 0 || c == 40 || c == 41 || c == 46 || c == 45) {
            if (gap)
                run = 0;
            gap = true;
        } else {
            run = 0;
            gap = false;
        }
    }
    return false;
}

/* Ascending sort of v[0:n] (only the order of distinct values matters to its user). */
static void sort_codes(uint32_t *v, int64_t n)
{
    while (n > 16) {
        /* median of three as the pivot; recurse into the smaller side, loop on the larger */
        uint32_t x = v[0], y = v[n / 2], z = v[n - 1];
        uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        int64_t i = 0, j = n - 1;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i >= j)
                break;
            uint32_t t = v[i];
            v[i] = v[j];
            v[j] = t;
            i++;
            j--;
        }
        /* v[0:j+1] <= pivot <= v[j+1:n] */
        if (j + 1 < n - j - 1) {
            sort_codes(v, j + 1);
            v += j + 1;
            n -= j + 1;
        } else {
            sort_codes(v + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (int64_t i = 1; i < n; i++) {
        uint32_t t = v[i];
        int64_t j = i;
        for (; j > 0 && v[j - 1] > t; j--)
            v[j] = v[j - 1];
        v[j] = t;
    }
}

/* cues._cue_statistics: per text, the N_CUE_COLUMNS columns of enum cue_column into out
 * (ndoc rows of `out_width`, zero on entry); see its docstring. `flags` is
 * cues._ASCII_FLAGS. Returns 0, ERROR_CAPACITY when out's rows are not N_CUE_COLUMNS
 * wide, ERROR_NO_MEMORY when scratch memory cannot be had. */
EXPORT int64_t cue_statistics(const uint32_t *codes, const int64_t *offsets, int64_t ndoc,
                              const uint8_t *classes, const int64_t *flags,
                              const uint32_t *url_hint_codes, int64_t url_rows,
                              int64_t url_width, const uint32_t *money_hint_codes,
                              int64_t money_rows, int64_t money_width, const bool *digit,
                              const uint32_t *tld_codes, int64_t tld_rows, int64_t tld_width,
                              int64_t out_width, double *out)
{
    if (out_width != N_CUE_COLUMNS)
        return ERROR_CAPACITY;
    Table url_hints = {url_hint_codes, url_rows, url_width};
    Table money_hints = {money_hint_codes, money_rows, money_width};
    Table tlds = {tld_codes, tld_rows, tld_width};
    int64_t scratch[3];
    int64_t ascii_counts[128] = {0};
    bool url_starts[128], money_starts[128];
    bool url_others = hint_starts(url_hints, url_starts);
    bool money_others = hint_starts(money_hints, money_starts);
    /* (the URL hints' ASCII starts are also bit 256 of flags, which the pass reads) */
    int64_t longest = 0;
    for (int64_t d = 0; d < ndoc; d++)
        if (offsets[d + 1] - offsets[d] > longest)
            longest = offsets[d + 1] - offsets[d];
    uint32_t *other = malloc((size_t)(longest > 0 ? longest : 1) * sizeof(uint32_t));
    if (other == NULL)
        return ERROR_NO_MEMORY;
    for (int64_t d = 0; d < ndoc; d++) {
        int64_t a = offsets[d];
        int64_t b = offsets[d + 1];
        int64_t n_bytes = 0;
        int64_t upper = 0, lower = 0, digits = 0, symbols = 0, vowels = 0, bangs = 0;
        int64_t words = 0, word_chars = 0, consonant_runs = 0, run = 0;
        int64_t in_word = 0;
        bool wild = false, astral = false, astral_words = false, url = false, at = false;
        int64_t n_other = 0;
        uint64_t seen[2] = {0, 0}; /* the ASCII characters counted in ascii_counts */
        for (int64_t i = a; i < b; i++) {
            uint32_t c = codes[i];
            int64_t is_word;
            if (c < 0x80) {
                /* branch-free: the character's flags from one table */
                int64_t f = flags[c];
                n_bytes += 1;
                ascii_counts[c] += 1;
                seen[c >> 6] |= 1ULL << (c & 63);
                upper += f & 1;
                lower += (f >> 1) & 1;
                digits += (f >> 2) & 1;
                symbols += (f >> 3) & 1;
                bangs += (f >> 4) & 1;
                vowels += (f >> 5) & 1;
                int64_t consonant = (f >> 6) & 1;
                is_word = (f >> 7) & 1;
                /* a run of consonants ends at any other character */
                consonant_runs += (1 - consonant) & (run >= 5);
                run = (run + 1) * consonant;
                if (f >= 256) { /* "@" or where a URL hint can start */
                    if (c == 64)
                        at = true;
                    else if (!url)
                        url = hint_at(codes, i, b, lower_ascii(c), url_hints);
                }
            } else {
                bool surrogate = 0xD800 <= c && c <= 0xDFFF;
                if (c < 0x800)
                    n_bytes += 2;
                else if (surrogate)
                    ; /* a lone surrogate: dropped by encode("utf-8", "ignore") */
                else if (c < 0x10000)
                    n_bytes += 3;
                else {
                    n_bytes += 4;
                    astral = true;
                    astral_words = astral_words || may_be_word_beyond_bmp(c);
                }
                other[n_other++] = c;
                if (c == LOWER_TO_ASCII_0 || c == LOWER_TO_ASCII_1)
                    wild = true;
                if (!url && url_others)
                    url = hint_at(codes, i, b, c, url_hints);
                if (!surrogate) { /* a lone surrogate leaves the bytes: runs go on */
                    if (run >= 5)
                        consonant_runs += 1;
                    run = 0;
                }
                is_word = c < 65536 && classes[c] == 1 ? 1 : 0;
            }
            word_chars += is_word;
            words += is_word & (1 - in_word);
            in_word = is_word;
        }
        if (run >= 5)
            consonant_runs += 1;
        int64_t total = b - a;
        double entropy = 0.0;
        if (total > 0) {
            /* over the distinct characters in code point order, as a sort would give them:
             * ASCII counted in a table, the rest (rarer) sorted */
            for (int half = 0; half < 2; half++) {
                for (uint64_t bits = seen[half]; bits; bits &= bits - 1) {
                    int c = half * 64 + __builtin_ctzll(bits);
                    double p = (double)ascii_counts[c] / (double)total;
                    entropy -= p * log2(p);
                    ascii_counts[c] = 0; /* zero again for the next text */
                }
            }
            if (n_other) {
                sort_codes(other, n_other);
                int64_t count = 1;
                for (int64_t i = 1; i < n_other + 1; i++) {
                    if (i < n_other && other[i] == other[i - 1]) {
                        count++;
                    } else {
                        double p = (double)count / (double)total;
                        entropy -= p * log2(p);
                        count = 1;
                    }
                }
            }
        }
        int64_t letters = upper + lower;
        int64_t some_letters = letters > 1 ? letters : 1;
        int64_t some_bytes = n_bytes > 1 ? n_bytes : 1;
        int64_t some_words = words > 1 ? words : 1;
        double *row = out + d * N_CUE_COLUMNS;
        row[CUE_LOG_LENGTH] = log1p((double)total);
        row[CUE_UPPER_RATIO] = (double)upper / (double)some_letters;
        row[CUE_DIGIT_RATIO] = (double)digits / (double)some_bytes;
        row[CUE_SYMBOL_RATIO] = (double)symbols / (double)some_bytes;
        row[CUE_ENTROPY] = entropy;
        row[CUE_CONSONANT_RUNS] = (double)consonant_runs / (double)some_words;
        row[CUE_VOWEL_RATIO] = (double)vowels / (double)some_letters;
        row[CUE_EXCLAMATIONS] = (double)(bangs < 5 ? bangs : 5);
        row[CUE_MEAN_WORD_LENGTH] = (double)word_chars / (double)some_words;
        row[CUE_DIGITS] = (double)digits;
        /* 1: a hint is there (as _any_in finds it), 2: Python must tell (wild characters) */
        row[CUE_MAY_URL] = url ? 1 : (wild ? 2 : 0);
        if (digits > 0)
            row[CUE_MAY_MONEY] = has_hint(codes, a, b, money_hints, money_starts, money_others)
                                     ? 1 : (wild ? 2 : 0);
        row[CUE_MAY_PHONE] = digits >= 9 && may_be_phone(codes, a, b, classes);
        row[CUE_MAY_EMAIL] = at && may_be_email(codes, a, b, classes);
        if (row[CUE_MAY_URL] != 0)
            row[CUE_URL_COUNT] = astral ? -1 : (double)url_matches(codes, a, b, classes, tlds, 3,
                                                                   scratch, scratch);
        if (row[CUE_MAY_PHONE] != 0)
            row[CUE_PHONE_MATCH] = astral ? -1 : phone_search(codes, a, b, classes, digit);
        /* \w beyond the BMP (mathematical letters, rare CJK ideographs) is not in `classes`:
         * Python counts the words of these texts */
        row[CUE_ASTRAL_WORDS] = astral_words;
    }
    free(other);
    return 0;
}

/* Binary search of x in v[0:n] (sorted), left side: np.searchsorted's loop. */
static inline int64_t search_left(const int64_t *v, int64_t n, int64_t x)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + ((hi - lo) >> 1);
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* cues._pattern_spans: per request r, the URL_RE (req_kind 0) or PHONE_RE (1) matches of
 * text req_doc[r], as normalised [start, end) (pos/noff of ngrams.normalize_codes) of those whose
 * first and last characters normalisation kept; count[r] -1 for a text beyond the BMP.
 * starts/ends: `scratch_capacity` entries (the longest requested text + 1 is enough);
 * out_s/out_e `capacity` (the requested texts' total length is enough). Returns the number
 * of spans, or ERROR_CAPACITY. */
EXPORT int64_t pattern_spans(const uint32_t *codes, const int64_t *offsets, const int64_t *pos,
                             const int64_t *noff, const int64_t *req_doc, const int64_t *req_kind,
                             int64_t nreq, const uint8_t *classes, const bool *digit,
                             const uint32_t *tld_codes, int64_t tld_rows, int64_t tld_width,
                             int64_t scratch_capacity, int64_t *starts, int64_t *ends,
                             int64_t *count, int64_t *ptr, int64_t capacity, int64_t *out_s,
                             int64_t *out_e)
{
    Table tlds = {tld_codes, tld_rows, tld_width};
    int64_t m = 0;
    ptr[0] = 0;
    for (int64_t r = 0; r < nreq; r++) {
        int64_t d = req_doc[r];
        int64_t a = offsets[d];
        int64_t b = offsets[d + 1];
        bool astral = false;
        for (int64_t i = a; i < b; i++) {
            if (codes[i] >= 65536) {
                astral = true;
                break;
            }
        }
        if (astral) {
            count[r] = -1;
            ptr[r + 1] = m;
            continue;
        }
        int64_t n;
        /* (a match takes a character or more: b - a of them at most) */
        int64_t limit = b - a < scratch_capacity ? b - a : scratch_capacity;
        if (req_kind[r] == 0)
            n = url_matches(codes, a, b, classes, tlds, limit, starts, ends);
        else
            n = phone_matches(codes, a, b, classes, digit, limit, starts, ends);
        if (n == limit && limit < b - a)
            return ERROR_CAPACITY;
        count[r] = n;
        int64_t na = noff[d];
        const int64_t *kept = pos + na;
        int64_t n_kept = noff[d + 1] - na;
        for (int64_t q = 0; q < n; q++) {
            int64_t first = search_left(kept, n_kept, a + starts[q]);
            int64_t last = search_left(kept, n_kept, a + ends[q] - 1);
            if (first < n_kept && last < n_kept && kept[first] == a + starts[q]
                && kept[last] == a + ends[q] - 1 && last >= first) {
                if (m >= capacity)
                    return ERROR_CAPACITY;
                out_s[m] = na + first;
                out_e[m] = na + last + 1;
                m++;
            }
        }
        ptr[r + 1] = m;
    }
    return m;
}

/* cues._url_matches: at most `limit` matches into starts/ends. */
EXPORT int64_t url_matches_at(const uint32_t *codes, int64_t a, int64_t b,
                              const uint8_t *classes, const uint32_t *tld_codes,
                              int64_t tld_rows, int64_t tld_width, int64_t limit,
                              int64_t *starts, int64_t *ends)
{
    Table tlds = {tld_codes, tld_rows, tld_width};
    return url_matches(codes, a, b, classes, tlds, limit, starts, ends);
}

/* cues._phone_search */
EXPORT bool phone_search_at(const uint32_t *codes, int64_t a, int64_t b, const uint8_t *classes,
                            const bool *digit)
{
    return phone_search(codes, a, b, classes, digit);
}

/* cues._phone_matches: at most `capacity` matches into starts/ends. */
EXPORT int64_t phone_matches_at(const uint32_t *codes, int64_t a, int64_t b,
                                const uint8_t *classes, const bool *digit, int64_t capacity,
                                int64_t *starts, int64_t *ends)
{
    return phone_matches(codes, a, b, classes, digit, capacity, starts, ends);
}

/* cues._same_letter */
EXPORT bool same_letter_of(int64_t c, int64_t want)
{
    return c >= 0 && c <= UINT32_MAX && want >= 0 && want <= UINT32_MAX
           && same_letter((uint32_t)c, (uint32_t)want);
}

/* cues._in_host_class */
EXPORT bool in_host_class_of(int64_t c)
{
    return c >= 0 && c <= UINT32_MAX && in_host_class((uint32_t)c);
}
