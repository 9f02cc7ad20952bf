/* test_fuzz_regress: replays every input the fuzzers found (tests/fuzz/
 * regress/<target>/) and the seed corpora (tests/fuzz/corpus/<target>/)
 * through the fuzzed entry points; each must run clean (the suite runs
 * under ASan+UBSan and valgrind too). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/targets.c"

typedef void (*target_fn)(const uint8_t *, size_t);

/* Run fn on every file in dir; returns how many ran. */
static int replay_dir(const char *dir, target_fn fn)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		uint8_t *buf = malloc(1 << 20);
		assert_non_null(buf);
		size_t len = fread(buf, 1, 1 << 20, f);
		fclose(f);
		fn(buf, len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

static void replay(const char *target, target_fn fn, int min_inputs)
{
	char dir[4096];
	int n = 0;
	snprintf(dir, sizeof dir, "%s/tests/fuzz/regress/%s", KT_SOURCE_DIR, target);
	n += replay_dir(dir, fn);
	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", KT_SOURCE_DIR, target);
	n += replay_dir(dir, fn);
	assert_true(n >= min_inputs);
}

static void test_record(void **state)
{
	(void)state;
	replay("record", kt_fuzz_record, 3);
}

static void test_schema(void **state)
{
	(void)state;
	/* two crashes found by the fuzzer, kept with their fixes */
	replay("schema", kt_fuzz_schema, 5);
}

static void test_parse(void **state)
{
	(void)state;
	replay("parse", kt_fuzz_parse, 8);
}

static void test_filter(void **state)
{
	(void)state;
	replay("filter", kt_fuzz_filter, 3);
}

static void test_json(void **state)
{
	(void)state;
	replay("json", kt_fuzz_json, 3);
}

static void test_number(void **state)
{
	(void)state;
	replay("number", kt_fuzz_number, 4);
}

static void test_summary(void **state)
{
	(void)state;
	replay("summary", kt_fuzz_summary, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
