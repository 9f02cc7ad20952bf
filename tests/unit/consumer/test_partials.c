/* test_partials: the settings text a merge compares and the name of the
 * first setting that differs; partials records read back, malformed ones
 * refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "consumer/partials.h"

static void settings_of(char *buf, size_t len, int64_t window, const char *stats,
			const char *filter)
{
	kt_fieldspec spec;
	kt_fieldspec_init(&spec);
	char err[128];
	assert_int_equal(kt_fieldspec_set_group_by(&spec, "cat,region", err, sizeof err), 0);
	if (stats)
		assert_int_equal(kt_fieldspec_set_stats(&spec, stats, err, sizeof err), 0);
	spec.time_field = strdup("ts");
	const char *filters[] = {filter};
	assert_int_equal(kt_partial_settings(buf, len, &spec, window, 2000, 3600000, false, filters,
					     filter ? 1 : 0, 100000),
			 0);
	kt_fieldspec_release(&spec);
}

static void test_settings_differ(void **state)
{
	(void)state;
	char a[2048], b[2048], name[64];
	settings_of(a, sizeof a, 5000, "price", NULL);
	settings_of(b, sizeof b, 5000, "price", NULL);
	assert_string_equal(a, b); /* equal settings, equal text */
	assert_int_equal(kt_partial_settings_differ(a, strlen(a), b, strlen(b), name, sizeof name), 0);
	assert_non_null(strstr(a, "group-by=cat,region;"));
	assert_non_null(strstr(a, "hll-precision=12;"));

	settings_of(b, sizeof b, 10000, "price", NULL);
	assert_int_equal(kt_partial_settings_differ(a, strlen(a), b, strlen(b), name, sizeof name), 1);
	assert_string_equal(name, "window");
	settings_of(b, sizeof b, 5000, NULL, NULL);
	assert_int_equal(kt_partial_settings_differ(a, strlen(a), b, strlen(b), name, sizeof name), 1);
	assert_string_equal(name, "stats");
	assert_non_null(strstr(b, "stats=(auto);"));
	settings_of(b, sizeof b, 5000, "price", "cat=a");
	assert_int_equal(kt_partial_settings_differ(a, strlen(a), b, strlen(b), name, sizeof name), 1);
	assert_string_equal(name, "filter");
	/* One side shorter: the missing setting is named. */
	assert_int_equal(kt_partial_settings_differ(a, strlen(a), a, 10, name, sizeof name), 1);
	assert_string_equal(name, "window");
	/* Too small a buffer is an error, not a cut text. */
	assert_int_equal(kt_partial_settings(b, 20, &(kt_fieldspec){0}, 5000, 0, 0, true, NULL, 0, 1),
			 -1);
}

static void test_decode_refuses(void **state)
{
	(void)state;
	kt_partial p;
	char err[256];
	assert_int_equal(kt_partial_decode("", 0, &p, err, sizeof err), -1);
	assert_int_equal(kt_partial_decode("KTS\x01", 4, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a ktrio partial"));
	assert_int_equal(kt_partial_decode("KTP\x09", 4, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "version 9"));
	/* A seal: header, pieces, health, offsets. */
	kt_wire_buf b;
	kt_wire_buf_init(&b);
	kt_wire_put_bytes(&b, "KTP\x01", 4);
	kt_wire_put_u8(&b, KT_PARTIAL_SEAL);
	kt_wire_put_str(&b, "window=5000;", 12);
	kt_wire_put_str(&b, "events", 6);
	kt_wire_put_u32(&b, 2);
	kt_wire_put_u32(&b, 6);
	kt_wire_put_u64(&b, 5000);
	kt_wire_put_u64(&b, 10000);
	kt_wire_put_u32(&b, 3);
	for (int i = 0; i < KT_INVALID_COUNT; i++)
		kt_wire_put_u64(&b, (uint64_t)i);
	kt_wire_put_u64(&b, 7);
	kt_wire_put_u64(&b, 8);
	kt_wire_put_u64(&b, 100);
	kt_wire_put_u64(&b, 200);
	assert_int_equal(kt_partial_decode(b.data, b.len, &p, err, sizeof err), 0);
	assert_int_equal(p.kind, KT_PARTIAL_SEAL);
	assert_int_equal(p.partition, 2);
	assert_int_equal(p.topic_partitions, 6);
	assert_int_equal(p.start, 5000);
	assert_int_equal(p.pieces, 3);
	assert_int_equal(p.health.filtered, 7);
	assert_int_equal(p.health.late, 8);
	assert_int_equal(p.next_offset, 200);
	assert_memory_equal(p.topic, "events", 6);
	/* Every truncation refused; a byte more too. */
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(kt_partial_decode(b.data, n, &p, err, sizeof err), -1);
	kt_wire_put_u8(&b, 0);
	assert_int_equal(kt_partial_decode(b.data, b.len, &p, err, sizeof err), -1);
	/* A partition beyond the topic's count. */
	b.data[4 + 1 + 4 + 12 + 4 + 6] = 9;
	assert_int_equal(kt_partial_decode(b.data, b.len - 1, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "malformed partial header"));
	kt_wire_buf_release(&b);
}

/* A through marker: the header alone, start and end both its time. */
static void test_through_marker(void **state)
{
	(void)state;
	kt_partial p;
	char err[256];
	kt_wire_buf b;
	kt_wire_buf_init(&b);
	kt_wire_put_bytes(&b, "KTP\x01", 4);
	kt_wire_put_u8(&b, KT_PARTIAL_THROUGH);
	kt_wire_put_str(&b, "window=5000;", 12);
	kt_wire_put_str(&b, "events", 6);
	kt_wire_put_u32(&b, 1);
	kt_wire_put_u32(&b, 4);
	kt_wire_put_u64(&b, 15000);
	kt_wire_put_u64(&b, 15000);
	assert_int_equal(kt_partial_decode(b.data, b.len, &p, err, sizeof err), 0);
	assert_int_equal(p.kind, KT_PARTIAL_THROUGH);
	assert_int_equal(p.partition, 1);
	assert_int_equal(p.end, 15000);
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(kt_partial_decode(b.data, n, &p, err, sizeof err), -1);
	kt_wire_put_u8(&b, 0);
	assert_int_equal(kt_partial_decode(b.data, b.len, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "after the through marker"));
	/* Start and end must agree. */
	b.len--;
	b.data[b.len - 1] = 1;
	assert_int_equal(kt_partial_decode(b.data, b.len, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "malformed partial header"));
	kt_wire_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_differ),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_through_marker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
