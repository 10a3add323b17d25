/* Kernels of moderator/runtime.py: context similarities (and, ported next, the text cues
 * and the URL/phone matchers). Each mirrors the Python docstring of its wrapper. */
#include "kernels.h"

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
