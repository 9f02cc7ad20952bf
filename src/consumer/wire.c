/* wire: little-endian bytes for mergeable state. */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

void kt_wire_buf_init(kt_wire_buf *b)
{
	*b = (kt_wire_buf){0};
}

void kt_wire_buf_release(kt_wire_buf *b)
{
	free(b->data);
	*b = (kt_wire_buf){0};
}

static uint8_t *room(kt_wire_buf *b, size_t n)
{
	if (b->failed)
		return NULL;
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2) {
				b->failed = true;
				return NULL;
			}
			cap *= 2;
		}
		uint8_t *d = realloc(b->data, cap);
		if (!d) {
			b->failed = true;
			return NULL;
		}
		b->data = d;
		b->cap = cap;
	}
	uint8_t *p = b->data + b->len;
	b->len += n;
	return p;
}

static void put_le(kt_wire_buf *b, uint64_t v, size_t n)
{
	uint8_t *p = room(b, n);
	for (size_t i = 0; p && i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void kt_wire_put_u8(kt_wire_buf *b, uint8_t v)
{
	put_le(b, v, 1);
}

void kt_wire_put_u32(kt_wire_buf *b, uint32_t v)
{
	put_le(b, v, 4);
}

void kt_wire_put_u64(kt_wire_buf *b, uint64_t v)
{
	put_le(b, v, 8);
}

void kt_wire_put_f64(kt_wire_buf *b, double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	put_le(b, bits, 8);
}

void kt_wire_put_bytes(kt_wire_buf *b, const void *p, size_t n)
{
	uint8_t *d = n ? room(b, n) : NULL;
	if (d)
		memcpy(d, p, n);
}

void kt_wire_put_str(kt_wire_buf *b, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		b->failed = true;
		return;
	}
	kt_wire_put_u32(b, (uint32_t)n);
	kt_wire_put_bytes(b, p, n);
}

void kt_wire_reader_init(kt_wire_reader *r, const void *data, size_t len)
{
	*r = (kt_wire_reader){.p = data, .left = len};
}

const uint8_t *kt_wire_get_bytes(kt_wire_reader *r, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->p;
	r->p += n;
	r->left -= n;
	return p;
}

static uint64_t get_le(kt_wire_reader *r, size_t n)
{
	const uint8_t *p = kt_wire_get_bytes(r, n);
	uint64_t v = 0;
	for (size_t i = 0; p && i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t kt_wire_get_u8(kt_wire_reader *r)
{
	return (uint8_t)get_le(r, 1);
}

uint32_t kt_wire_get_u32(kt_wire_reader *r)
{
	return (uint32_t)get_le(r, 4);
}

uint64_t kt_wire_get_u64(kt_wire_reader *r)
{
	return get_le(r, 8);
}

double kt_wire_get_f64(kt_wire_reader *r)
{
	uint64_t bits = get_le(r, 8);
	double v;
	memcpy(&v, &bits, sizeof v);
	return v;
}

const uint8_t *kt_wire_get_str(kt_wire_reader *r, size_t *n)
{
	*n = kt_wire_get_u32(r);
	const uint8_t *p = kt_wire_get_bytes(r, *n);
	if (!p)
		*n = 0;
	return p;
}
