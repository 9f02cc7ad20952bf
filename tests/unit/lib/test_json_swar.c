/* test_json_swar: test_json's cases again, on json.c built with
 * KT_JSON_NO_SIMD (the Makefile links it in), so that the portable 8-byte
 * string scan is tested where SSE2 would take its place. */
#include "test_json.c"
