/* exact: order-independent sums of doubles and of their squares. */
#include "exact.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

/* Limbs any total can take: every double's sum or square, grown once past
 * the top by carries, with room to spare. */
#define ROOM (KT_EXACT_MAX_LIMBS + 4)
/* Limbs of a product of two totals, or of a count and a total. */
#define WIDE (4 * ROOM + 4)

static uint64_t *limbs(kt_exact *x)
{
	return x->heap ? x->u.big : x->u.small;
}

static const uint64_t *limbs_c(const kt_exact *x)
{
	return x->heap ? x->u.big : x->u.small;
}

void kt_exact_init(kt_exact *x)
{
	memset(x, 0, sizeof *x);
}

void kt_exact_release(kt_exact *x)
{
	if (x->heap)
		free(x->u.big);
	kt_exact_init(x);
}

static bool negative(const kt_exact *x)
{
	return x->n && (int64_t)limbs_c(x)[x->n - 1] < 0;
}

int kt_exact_sign(const kt_exact *x)
{
	if (negative(x))
		return -1;
	const uint64_t *l = limbs_c(x);
	for (unsigned i = 0; i < x->n; i++)
		if (l[i])
			return 1;
	return 0;
}

/* Hold limbs lo .. hi at least: zeros below, the sign above. */
static int cover(kt_exact *x, int lo, int hi)
{
	int have_lo = x->lo, have_hi = x->lo + x->n - 1;
	int new_lo = x->n && have_lo < lo ? have_lo : lo;
	int new_hi = x->n && have_hi > hi ? have_hi : hi;
	if (x->n && new_lo == have_lo && new_hi == have_hi)
		return 0;
	unsigned n = (unsigned)(new_hi - new_lo + 1);
	if (n > ROOM)
		return -1;
	uint64_t fill = negative(x) ? UINT64_MAX : 0;
	uint64_t tmp[ROOM];
	unsigned below = x->n ? (unsigned)(have_lo - new_lo) : 0;
	memset(tmp, 0, below * sizeof *tmp);
	memcpy(tmp + below, limbs(x), x->n * sizeof *tmp);
	for (unsigned i = below + x->n; i < n; i++)
		tmp[i] = fill;
	if (n > KT_EXACT_INLINE && (!x->heap || n > x->cap)) {
		unsigned cap = n + 2 > ROOM ? ROOM : n + 2;
		uint64_t *big = malloc(cap * sizeof *big);
		if (!big)
			return -1;
		if (x->heap)
			free(x->u.big);
		x->u.big = big;
		x->heap = 1;
		x->cap = (uint8_t)cap;
	}
	memcpy(limbs(x), tmp, n * sizeof *tmp);
	x->lo = (int16_t)new_lo;
	x->n = (uint8_t)n;
	return 0;
}

/* l[i ..] +-= a[0 .. k) modulo 2^(64 n) (i + k <= n): the carries run up
 * to the top limb, whose true signed value (which may not fit it) comes
 * back. */
static __int128 add_mod(uint64_t *l, unsigned n, unsigned i, const uint64_t *a, unsigned k,
			bool minus)
{
	unsigned top = n - 1;
	int64_t old_top = (int64_t)l[top];
	uint64_t carry = 0; /* or borrow */
	for (unsigned j = 0; i + j < top; j++) {
		if (j >= k && !carry)
			return old_top;
		uint64_t v = j < k ? a[j] : 0, was = l[i + j];
		if (minus) {
			uint64_t d = was - v;
			l[i + j] = d - carry;
			carry = (was < v) | (d < carry);
		} else {
			uint64_t s = was + v;
			l[i + j] = s + carry;
			carry = (s < v) | (s + carry < s);
		}
	}
	unsigned j = top - i;
	__int128 v = (__int128)(j < k ? a[j] : 0) + carry;
	__int128 t = minus ? (__int128)old_top - v : (__int128)old_top + v;
	l[top] = (uint64_t)t;
	return t;
}

/* x +-= the k-limb magnitude a at limb index at, the limbs first widened
 * to hold limbs at .. at + reach (reach >= k): one above the limbs a value
 * of this kind may take, so that they never reach the top one, which only
 * carries touch (the fast paths of kt_exact_add and kt_exact_add_square).
 * -1 (x as it was) when out of memory. */
static int add_at(kt_exact *x, int at, const uint64_t *a, unsigned k, unsigned reach, bool minus)
{
	if (cover(x, at, at + (int)reach) < 0)
		return -1;
	__int128 t = add_mod(limbs(x), x->n, (unsigned)(at - x->lo), a, k, minus);
	if (t < INT64_MIN || t > INT64_MAX) {
		/* Past the top limb's signed range: one limb more, t >> 64. */
		if (cover(x, x->lo, x->lo + x->n) < 0) {
			add_mod(limbs(x), x->n, (unsigned)(at - x->lo), a, k, !minus);
			return -1;
		}
		limbs(x)[x->n - 1] = (uint64_t)(int64_t)(t >> 64);
	}
	return 0;
}

/* A bit position as (limb, bit within it): bit >> 6 is an arithmetic
 * shift in GCC and clang, floor division for negative bits too. */
static void position(int bit, int *limb, unsigned *shift)
{
	*limb = bit >> 6;
	*shift = (unsigned)bit & 63;
}

/* v = +-m 2^e with m an integer below 2^53 (0 for v = 0). */
static uint64_t split(double v, int *e, bool *minus)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	*minus = bits >> 63;
	int ex = (int)(bits >> 52 & 0x7ff);
	uint64_t m = bits & ((1ULL << 52) - 1);
	if (ex) {
		m |= 1ULL << 52;
		*e = ex - 1075;
	} else {
		*e = -1074;
	}
	return m;
}

/* x +-= w 2^bit, w below 2^128: the slow path, which widens the limbs
 * held (and may allocate). */
static __attribute__((noinline)) int add_wide(kt_exact *x, u128 w, int bit, unsigned reach,
					     bool minus)
{
	if (!w)
		return 0;
	int limb;
	unsigned shift;
	position(bit, &limb, &shift);
	uint64_t a[3] = {(uint64_t)(w << shift), (uint64_t)(w >> 64), 0};
	if (shift) {
		a[1] = (uint64_t)(w >> (64 - shift));
		a[2] = (uint64_t)((w >> 64) >> (64 - shift));
	}
	unsigned k = a[2] ? 3 : a[1] ? 2 : 1;
	return add_at(x, limb, a, k, reach > k ? reach : k, minus);
}

int kt_exact_add(kt_exact *x, double v)
{
	if (kt_exact_add_fast(x, NULL, v))
		return 0;
	int e;
	bool minus;
	uint64_t m = split(v, &e, &minus);
	return add_wide(x, m, e, 2, minus);
}

int kt_exact_add_square(kt_exact *x, double v)
{
	if (kt_exact_add_fast(NULL, x, v))
		return 0;
	int e;
	bool minus;
	uint64_t m = split(v, &e, &minus);
	return add_wide(x, (u128)m * m, 2 * e, 3, false);
}

int kt_exact_add_both(kt_exact *sum, kt_exact *squares, double v)
{
	if (kt_exact_add_fast(sum, squares, v))
		return 0;
	if (kt_exact_add(sum, v) < 0)
		return -1;
	if (kt_exact_add_square(squares, v) < 0) {
		kt_exact_add(sum, -v); /* exact, and in the limbs held */
		return -1;
	}
	return 0;
}

static uint64_t int_magnitude(int64_t v)
{
	return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

int kt_exact_add_both_int(kt_exact *sum, kt_exact *squares, int64_t v)
{
	uint64_t m = int_magnitude(v);
	if (add_wide(sum, m, 0, 2, v < 0) < 0)
		return -1;
	if (add_wide(squares, (u128)m * m, 0, 3, false) < 0) {
		/* Back as it was: exact, in the limbs held (-INT64_MIN too). */
		add_wide(sum, m, 0, 2, v >= 0);
		return -1;
	}
	return 0;
}

/* |x| as unsigned limbs: x's own when x >= 0, else negated into buf
 * (room for x->n); *k gets their number without zero limbs on top. */
static const uint64_t *magnitude(const kt_exact *x, uint64_t *buf, unsigned *k, bool *neg)
{
	const uint64_t *l = limbs_c(x);
	*neg = negative(x);
	if (*neg) {
		uint64_t carry = 1;
		for (unsigned i = 0; i < x->n; i++) {
			buf[i] = ~l[i] + carry;
			carry = carry && buf[i] == 0;
		}
		l = buf;
	}
	unsigned n = x->n;
	while (n && !l[n - 1])
		n--;
	*k = n;
	return l;
}

int kt_exact_reserve(kt_exact *dst, const kt_exact *src)
{
	if (!src->n)
		return 0;
	/* One limb above both: their sum fits below its sign, so the top
	 * never grows (add_at's one allocation after cover). */
	int top = src->lo + src->n - 1;
	if (dst->n && dst->lo + dst->n - 1 > top)
		top = dst->lo + dst->n - 1;
	return cover(dst, src->lo, top + 1);
}

int kt_exact_merge(kt_exact *dst, const kt_exact *src)
{
	if (!src->n)
		return 0;
	uint64_t buf[ROOM];
	unsigned k;
	bool neg;
	const uint64_t *mag = magnitude(src, buf, &k, &neg);
	if (mag != buf && src == dst) { /* its own limbs, about to change */
		memcpy(buf, mag, k * sizeof *buf);
		mag = buf;
	}
	return k ? add_at(dst, src->lo, mag, k, k, neg) : 0;
}

/* The unsigned n-limb integer l, its limb 0 weighing 2^(64 lo), as the
 * nearest double. */
static double mag_to_double(const uint64_t *l, unsigned n, int lo)
{
	int h = (int)n - 1;
	while (h >= 0 && !l[h])
		h--;
	if (h < 0)
		return 0;
	int lz = __builtin_clzll(l[h]);
	uint64_t top = l[h] << lz, rest = 0;
	if (h > 0) {
		if (lz)
			top |= l[h - 1] >> (64 - lz);
		rest = lz ? l[h - 1] << lz : l[h - 1];
		for (int i = h - 2; i >= 0 && !rest; i--)
			rest = l[i];
	}
	/* Whatever lies below the 64 bits kept only breaks ties, which
	 * the lowest bit does as well: the conversion rounds once. */
	double d = (double)(top | (rest != 0)) * 0x1p-63; /* in [1, 2], exact */
	int e = 64 * (lo + h) - lz + 63;
	if (e < -1022 || e > 1023) /* subnormal or beyond: ldexp's care */
		return ldexp(d, e);
	uint64_t bits = (uint64_t)(e + 1023) << 52;
	double scale;
	memcpy(&scale, &bits, sizeof scale);
	return d * scale; /* exact: a normal result */
}

double kt_exact_double(const kt_exact *x)
{
	if (!x->n)
		return 0;
	uint64_t buf[ROOM];
	unsigned k;
	bool neg;
	const uint64_t *mag = magnitude(x, buf, &k, &neg);
	double d = mag_to_double(mag, k, x->lo);
	return neg ? -d : d;
}

/* The unsigned integer l[0 .. n) 2^(64 lo) over d1 d2, as the nearest
 * double: long division by each (floor(floor(x / d1) / d2) is floor(x /
 * (d1 d2)), exact iff both divide), four limbs of fraction appended so the
 * quotient keeps 64 bits and more, an inexact one marked in its lowest bit
 * (far below the rounding). Slow (a 128-bit division a limb): only for
 * totals beyond a double's range. */
static double mag_quotient(const uint64_t *l, unsigned n, int lo, uint64_t d1, uint64_t d2)
{
	enum { EXTRA = 4 };
	uint64_t q[WIDE + EXTRA];
	unsigned m = n + EXTRA;
	memset(q, 0, EXTRA * sizeof *q);
	memcpy(q + EXTRA, l, n * sizeof *q);
	bool inexact = false;
	uint64_t d[2] = {d1, d2};
	for (int k = 0; k < 2; k++) {
		u128 rem = 0;
		for (unsigned j = m; j-- > 0;) {
			u128 cur = rem << 64 | q[j];
			q[j] = (uint64_t)(cur / d[k]);
			rem = cur % d[k];
		}
		inexact |= rem != 0;
	}
	q[0] |= inexact;
	return mag_to_double(q, m, lo - EXTRA);
}

/* out[0 .. 2k) = a[0 .. k)^2. */
static void square_mag(const uint64_t *a, unsigned k, uint64_t *out)
{
	memset(out, 0, 2 * k * sizeof *out);
	for (unsigned i = 0; i < k; i++) {
		uint64_t carry = 0;
		for (unsigned j = 0; j < k; j++) {
			u128 p = (u128)a[i] * a[j] + out[i + j] + carry;
			out[i + j] = (uint64_t)p;
			carry = (uint64_t)(p >> 64);
		}
		out[i + k] = carry;
	}
}

/* out[0 .. k] = a[0 .. k) * m. */
static void times_mag(const uint64_t *a, unsigned k, uint64_t m, uint64_t *out)
{
	uint64_t carry = 0;
	for (unsigned i = 0; i < k; i++) {
		u128 p = (u128)a[i] * m + carry;
		out[i] = (uint64_t)p;
		carry = (uint64_t)(p >> 64);
	}
	out[k] = carry;
}

/* kt_exact_variance times 2^(-64 down): the same exact numerator, weighed
 * down before its one rounding. */
static double variance_down(const kt_exact *sum, const kt_exact *squares, uint64_t n,
			    int down)
{
	if (n < 2 || negative(squares))
		return NAN;
	uint64_t buf1[ROOM], buf2[ROOM];
	uint64_t sq[WIDE], ns2[WIDE], t[WIDE];
	unsigned k1, k2;
	bool neg;
	const uint64_t *s1 = magnitude(sum, buf1, &k1, &neg);
	const uint64_t *s2 = magnitude(squares, buf2, &k2, &neg);
	square_mag(s1, k1, sq);       /* (sum)^2, limb 0 at 2 sum->lo */
	times_mag(s2, k2, n, ns2);    /* n squares, limb 0 at squares->lo */
	int lo1 = 2 * sum->lo, lo2 = squares->lo;
	if (!k1)
		lo1 = lo2;
	if (!k2)
		lo2 = lo1;
	int lo = lo1 < lo2 ? lo1 : lo2;
	int hi1 = lo1 + 2 * (int)k1, hi2 = lo2 + (int)k2 + 1;
	unsigned w = (unsigned)((hi1 > hi2 ? hi1 : hi2) - lo);
	memset(t, 0, w * sizeof *t);
	for (unsigned i = 0; i < k2 + 1 && k2; i++)
		t[lo2 - lo + (int)i] = ns2[i];
	uint64_t borrow = 0;
	for (unsigned i = (unsigned)(lo1 - lo); i < w; i++) {
		unsigned j = i - (unsigned)(lo1 - lo);
		uint64_t v = j < 2 * k1 ? sq[j] : 0, was = t[i];
		uint64_t d = was - v;
		t[i] = d - borrow;
		borrow = (was < v) | (d < borrow);
	}
	if (borrow) /* below 0: not the sums of one set of values */
		return 0;
	double num = mag_to_double(t, w, lo - down);
	if (isinf(num)) /* beyond a double, the quotient need not be */
		return mag_quotient(t, w, lo - down, n, n - 1);
	return num / ((double)n * (double)(n - 1));
}

double kt_exact_variance(const kt_exact *sum, const kt_exact *squares, uint64_t n)
{
	return variance_down(sum, squares, n, 0);
}

/* Limbs a variance beyond a double is weighed down by before its square
 * root: values within a double's range have a variance below 2^2050
 * (their spread squared, times n / (n - 1) <= 2), so 2^-1152 brings any
 * into range, still far above the subnormals; the root is then scaled
 * back up by 2^576, exactly. */
#define STDDEV_DOWN 18

double kt_exact_stddev(const kt_exact *sum, const kt_exact *squares, uint64_t n)
{
	double v = variance_down(sum, squares, n, 0);
	if (isinf(v))
		return sqrt(variance_down(sum, squares, n, STDDEV_DOWN)) * 0x1p576;
	return v > 0 ? sqrt(v) : isnan(v) ? v : 0.0;
}

double kt_exact_mean(const kt_exact *x, uint64_t n)
{
	return kt_exact_mean_of(x, kt_exact_double(x), n);
}

double kt_exact_mean_of(const kt_exact *x, double sum, uint64_t n)
{
	if (!n)
		return NAN;
	if (!isinf(sum))
		return sum / (double)n;
	uint64_t buf[ROOM];
	unsigned k;
	bool neg;
	const uint64_t *mag = magnitude(x, buf, &k, &neg);
	double q = mag_quotient(mag, k, x->lo, n, 1);
	return neg ? -q : q;
}

void kt_exact_encode(const kt_exact *x, kt_wire_buf *b)
{
	kt_wire_put_u8(b, x->n);
	kt_wire_put_u32(b, (uint32_t)(int32_t)x->lo);
	const uint64_t *l = limbs_c(x);
	for (unsigned i = 0; i < x->n; i++)
		kt_wire_put_u64(b, l[i]);
}

int kt_exact_decode(kt_exact *x, kt_wire_reader *r)
{
	kt_exact_init(x);
	unsigned n = kt_wire_get_u8(r);
	int64_t lo = (int32_t)kt_wire_get_u32(r); /* wide: lo + n cannot overflow */
	if (r->bad || n > KT_EXACT_MAX_LIMBS + 1 || lo < KT_EXACT_MIN_LIMB ||
	    lo + (int64_t)n - 1 > KT_EXACT_MAX_LIMB + 1) {
		r->bad = true;
		return -1;
	}
	if (!n)
		return 0;
	if (cover(x, (int)lo, (int)lo + (int)n - 1) < 0) {
		r->bad = true;
		return -1;
	}
	uint64_t *l = limbs(x);
	for (unsigned i = 0; i < n; i++)
		l[i] = kt_wire_get_u64(r);
	if (r->bad) {
		kt_exact_release(x);
		return -1;
	}
	return 0;
}
