/* test_delete_report_keys: delete-records' by-key report: the table lines
 * and the JSON document, keys that are not text included. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delete-records/delete_report.h"

static char *key_of(const char *bytes, size_t len)
{
	char *k = malloc(len + 1);
	assert_non_null(k);
	memcpy(k, bytes, len);
	k[len] = '\0';
	return k;
}

static void fill(kt_tomb_keys *keys)
{
	kt_tomb_keys_init(keys);
	keys->v = calloc(3, sizeof *keys->v);
	keys->cap = 3;
	assert_non_null(keys->v);
	keys->v[0] = (kt_tomb_key){2, key_of("user-1", 6), 6, true};
	keys->v[1] = (kt_tomb_key){0, key_of("a\0b", 3), 3, true};  /* a NUL */
	keys->v[2] = (kt_tomb_key){1, key_of("\xff\xfe", 2), 2, false}; /* not UTF-8 */
	keys->n = 3;
}

static char *render(void (*fn)(FILE *, void *), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	fn(out, arg);
	fclose(out);
	return buf;
}

static void table(FILE *out, void *arg)
{
	kt_delete_report_keys_table(out, "t", arg);
	kt_delete_report_keys_result(out, 1, 1);
}

static void json_done(FILE *out, void *arg)
{
	assert_int_equal(kt_delete_report_keys_json(out, "t", arg, true, false, 1), 0);
}

static void test_table(void **state)
{
	(void)state;
	kt_tomb_keys keys;
	fill(&keys);
	char *text = render(table, &keys);
	assert_non_null(strstr(text, "t                                      2  tombstone  user-1\n"));
	assert_non_null(strstr(text, "  already deleted  \xff\xfe\n"));
	assert_non_null(strstr(text, "plan: 3 matching keys, 2 tombstones to write in 't'\n"));
	assert_non_null(strstr(text, "result: 1 tombstones written, 1 failed;"));
	free(text);
	kt_tomb_keys_release(&keys);
}

static void test_json(void **state)
{
	(void)state;
	kt_tomb_keys keys;
	fill(&keys);
	char *text = render(json_done, &keys);
	assert_non_null(strchr(text, '\n'));
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1); /* one line */
	cJSON *doc = cJSON_Parse(text);
	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItem(doc, "topic")->valuestring, "t");
	const cJSON *list = cJSON_GetObjectItem(doc, "keys");
	assert_int_equal(cJSON_GetArraySize(list), 3);
	const cJSON *k0 = cJSON_GetArrayItem(list, 0), *k1 = cJSON_GetArrayItem(list, 1),
		    *k2 = cJSON_GetArrayItem(list, 2);
	assert_int_equal(cJSON_GetObjectItem(k0, "partition")->valueint, 2);
	assert_string_equal(cJSON_GetObjectItem(k0, "key")->valuestring, "user-1");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(k0, "already_deleted")));
	/* Not text: hex digits instead, and no "key". */
	assert_null(cJSON_GetObjectItem(k1, "key"));
	assert_string_equal(cJSON_GetObjectItem(k1, "key_hex")->valuestring, "610062");
	assert_string_equal(cJSON_GetObjectItem(k2, "key_hex")->valuestring, "fffe");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(k2, "already_deleted")));
	assert_int_equal(cJSON_GetObjectItem(doc, "matching_keys")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(doc, "planned_tombstones")->valueint, 2);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(doc, "executed")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(doc, "dry_run")));
	assert_int_equal(cJSON_GetObjectItem(doc, "tombstones_written")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(doc, "failed_tombstones")->valueint, 1);
	cJSON_Delete(doc);
	free(text);
	kt_tomb_keys_release(&keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
