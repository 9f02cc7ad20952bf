/* wire: the byte layout shared by the encoders of mergeable state (summary,
 * sketch, hll): little-endian integers, doubles by their bits (so every
 * value reads back bit-exact), length-prefixed byte strings; a writer that
 * grows and a reader that never reads past its end. */
#ifndef KTRIO_WIRE_H
#define KTRIO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growing output buffer. Writes after an allocation failure do nothing
 * and leave failed set: check it once at the end. */
typedef struct kt_wire_buf {
	uint8_t *data; /* owned */
	size_t len, cap;
	bool failed;
} kt_wire_buf;

void kt_wire_buf_init(kt_wire_buf *b);
void kt_wire_buf_release(kt_wire_buf *b);
void kt_wire_put_u8(kt_wire_buf *b, uint8_t v);
void kt_wire_put_u32(kt_wire_buf *b, uint32_t v);
void kt_wire_put_u64(kt_wire_buf *b, uint64_t v);
void kt_wire_put_f64(kt_wire_buf *b, double v);
void kt_wire_put_bytes(kt_wire_buf *b, const void *p, size_t n);
/* A u32 length, then the bytes. */
void kt_wire_put_str(kt_wire_buf *b, const void *p, size_t n);

/* Reading untrusted bytes: a read past the end (or a length beyond what is
 * left) sets bad and yields zeros / NULL, so decoders check bad once per
 * structure instead of per field. */
typedef struct kt_wire_reader {
	const uint8_t *p;
	size_t left;
	bool bad;
} kt_wire_reader;

void kt_wire_reader_init(kt_wire_reader *r, const void *data, size_t len);
uint8_t kt_wire_get_u8(kt_wire_reader *r);
uint32_t kt_wire_get_u32(kt_wire_reader *r);
uint64_t kt_wire_get_u64(kt_wire_reader *r);
double kt_wire_get_f64(kt_wire_reader *r);
/* n bytes borrowed from the input, or NULL (bad set) when fewer are left. */
const uint8_t *kt_wire_get_bytes(kt_wire_reader *r, size_t n);
/* A length-prefixed string borrowed from the input; *n its length. */
const uint8_t *kt_wire_get_str(kt_wire_reader *r, size_t *n);

#endif
