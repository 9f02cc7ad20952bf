/* clock: the two clocks the programs read: the monotonic clock for
 * durations and deadlines, the wall clock for timestamps. */
#ifndef KTRIO_CLOCK_H
#define KTRIO_CLOCK_H

#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC: only differences mean anything. */
int64_t kt_clock_mono_ns(void);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t kt_clock_mono_ms(void);

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t kt_clock_wall_ms(void);

#endif
