/* test_sketch_portable: test_sketch's cases again, on sketch.c built with
 * KT_SKETCH_NO_SIMD (the Makefile links it in), so that the binary search
 * over a sparse store's keys is tested where SSE2 would take its place. */
#include "test_sketch.c"
