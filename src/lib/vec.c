/* vec: growing {v, n, cap} arrays. */
#include "ktrio/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int kt_vec_reserve(void *vp, size_t *cap, size_t n, size_t more, size_t elem)
{
	if (more <= *cap - n)
		return 0;
	if (more > SIZE_MAX / elem - n)
		return -1;
	size_t want = *cap <= SIZE_MAX / elem / 2 ? 2 * *cap : SIZE_MAX / elem;
	if (want < n + more)
		want = n + more;
	if (want < 8)
		want = 8;
	/* The array's pointer is read and written as bytes, so any object
	 * pointer type can be passed without breaking aliasing rules. */
	void *old;
	memcpy(&old, vp, sizeof old);
	void *grown = realloc(old, want * elem);
	if (!grown)
		return -1;
	memcpy(vp, &grown, sizeof grown);
	*cap = want;
	return 0;
}
