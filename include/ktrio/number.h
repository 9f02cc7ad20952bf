/* number: the one way ktrio writes numbers as text: the shortest decimal
 * that reads back as the same double, and integers exactly.
 *
 * Why not printf: "%.17g" is exact but long (0.1 prints 0.10000000000000001),
 * "%.15g" is short but loses values (two doubles print alike), and trying
 * precisions with a strtod after each costs about a microsecond a number.
 * kt_number_format finds the shortest digits directly, with the method of
 * R. Giulietti's "The Schubfach way to render doubles" (2020): the rounding
 * interval of the double scaled by a 126-bit power of ten, at most two
 * candidates tried. It never calls printf or strtod. */
#ifndef KTRIO_NUMBER_H
#define KTRIO_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/* Bytes any kt_number_* writes at most, its terminating NUL included. */
#define KT_NUMBER_MAX 32

/* Write d into buf (KT_NUMBER_MAX bytes) as the shortest decimal text that
 * strtod reads back as exactly d, NUL-terminated, valid JSON; among texts
 * of that length the one nearest d. The layout is ECMAScript's
 * Number::toString: plain digits while the decimal point falls within 21
 * digits ("100", "0.1", "123.456", "0.000001"), else exponent form ("1e+21",
 * "1.5e-7"); integers below 2^53 always print as all their digits, -0.0 as
 * "-0". Returns the length; 0 (an empty string) for NaN and infinities:
 * callers write what their format has for "no number" (null, an empty
 * CSV cell). */
size_t kt_number_format(double d, char *buf);

/* Write an integer exactly, NUL-terminated; returns the length. */
size_t kt_number_format_int(int64_t v, char *buf);
size_t kt_number_format_uint(uint64_t v, char *buf);

#endif
