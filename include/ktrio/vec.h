/* vec: the one way to grow an array kept as a pointer, a count and a
 * capacity ({v, n, cap}): capacity doubles, so n appends cost O(n). */
#ifndef KTRIO_VEC_H
#define KTRIO_VEC_H

#include <stddef.h>

/* Make room for `more` elements after the n in use of the array at *vp
 * (a pointer to the array's pointer; *cap elements of elem bytes
 * allocated): when they do not fit, the array is reallocated to the
 * larger of twice its capacity, n + more and 8, and *vp and *cap updated.
 * 0 on success; -1 when memory runs out or the size would overflow, the
 * array then unchanged. Use through KT_VEC_RESERVE. */
int kt_vec_reserve(void *vp, size_t *cap, size_t n, size_t more, size_t elem);

/* KT_VEC_RESERVE(v, n, cap, more): room for `more` elements after the n
 * in use of array v (any object pointer lvalue) with capacity cap. */
#define KT_VEC_RESERVE(v, n, cap, more) \
	kt_vec_reserve(&(v), &(cap), (n), (more), sizeof *(v))

#endif
