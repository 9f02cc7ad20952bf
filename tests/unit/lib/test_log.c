/* test_log: the levelled logger: thresholds, -v/-q adjustment and its
 * limits, the "prog: warning: message" line format on stderr. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/log.h"
#include "stderr_capture.h"

static stderr_capture cap;

static void begin(void)
{
	assert_int_equal(stderr_capture_begin(&cap), 0);
}

/* Stop capturing and compare everything written with want. */
static void end_expect(const char *want)
{
	char *got = stderr_capture_end(&cap);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* One message at each level, tagged with its level's name. */
static void say_all(const kt_log *log)
{
	kt_log_msg(log, KT_LOG_ERROR, "e%d", 0);
	kt_log_msg(log, KT_LOG_WARN, "w%d", 1);
	kt_log_msg(log, KT_LOG_INFO, "i%d", 2);
	kt_log_msg(log, KT_LOG_DEBUG, "d%d", 3);
	kt_log_msg(log, KT_LOG_TRACE, "t%d", 4);
}

static void test_init(void **st)
{
	(void)st;
	kt_log log = {.prog = NULL, .level = -42};
	kt_log_init(&log, "generator");
	assert_string_equal(log.prog, "generator");
	assert_int_equal(log.level, KT_LOG_INFO);
	assert_int_equal(KT_LOG_INFO, 2);
}

static void test_format(void **st)
{
	(void)st;
	kt_log log;
	kt_log_init(&log, "generator");
	begin();
	kt_err(&log, "cannot open '%s': %s", "x.json", "No such file or directory");
	kt_warn(&log, "%d messages undelivered", 3);
	kt_info(&log, "sent %s", "everything");
	end_expect("generator: cannot open 'x.json': No such file or directory\n"
		   "generator: warning: 3 messages undelivered\n"
		   "generator: sent everything\n");

	/* Only warnings are tagged; errors and debug lines are not. */
	kt_log_adjust(&log, 1);
	begin();
	kt_debug(&log, "config: %s=%s", "acks", "all");
	kt_err(&log, "plain");
	end_expect("generator: config: acks=all\n"
		   "generator: plain\n");

	/* An empty message still makes one line. */
	begin();
	kt_log_msg(&log, KT_LOG_WARN, "%s", "");
	kt_log_msg(&log, KT_LOG_INFO, "%s", "");
	end_expect("generator: warning: \ngenerator: \n");
}

/* Names in messages may come from the data: what a terminal would obey
 * (ESC, a newline, C1's CSI, a stray byte) prints escaped, text as it is. */
static void test_escaped(void **st)
{
	(void)st;
	kt_log log;
	kt_log_init(&log, "consumer");
	begin();
	kt_warn(&log, "not '%s' nor '%s'", "a\x1b[31mb\nc", "\xC2\x9B" "2J\xFF");
	kt_info(&log, "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC\ttab\x7f");
	end_expect("consumer: warning: not 'a\\u001b[31mb\\u000ac' nor '\\u009b2J\\xff'\n"
		   "consumer: caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC\\u0009tab\\u007f\n");
}

static void test_default_threshold(void **st)
{
	(void)st;
	kt_log log;
	kt_log_init(&log, "p");
	begin();
	say_all(&log);
	end_expect("p: e0\np: warning: w1\np: i2\n");
}

static void test_adjust_filtering(void **st)
{
	(void)st;
	kt_log log;
	kt_log_init(&log, "p");

	kt_log_adjust(&log, 1); /* -v */
	assert_int_equal(log.level, KT_LOG_DEBUG);
	begin();
	say_all(&log);
	end_expect("p: e0\np: warning: w1\np: i2\np: d3\n");

	kt_log_adjust(&log, 1); /* -vv */
	assert_int_equal(log.level, KT_LOG_TRACE);
	begin();
	say_all(&log);
	end_expect("p: e0\np: warning: w1\np: i2\np: d3\np: t4\n");

	kt_log_adjust(&log, -3); /* back below the default: warnings only */
	assert_int_equal(log.level, KT_LOG_WARN);
	begin();
	say_all(&log);
	end_expect("p: e0\np: warning: w1\n");

	kt_log_adjust(&log, -1); /* -q: errors only */
	assert_int_equal(log.level, KT_LOG_ERROR);
	begin();
	say_all(&log);
	end_expect("p: e0\n");
}

static void test_adjust_limits(void **st)
{
	(void)st;
	kt_log log;
	kt_log_init(&log, "p");
	/* -qqqqq: errors are always shown, and one -v afterwards brings the
	 * warnings back at once (the threshold did not sink below errors). */
	kt_log_adjust(&log, -5);
	assert_int_equal(log.level, KT_LOG_ERROR);
	begin();
	say_all(&log);
	end_expect("p: e0\n");
	kt_log_adjust(&log, 1);
	assert_int_equal(log.level, KT_LOG_WARN);

	/* -vvvvvvvvvv tops out at trace; one -q then drops trace. */
	kt_log_adjust(&log, 10);
	assert_int_equal(log.level, KT_LOG_TRACE);
	kt_log_adjust(&log, -1);
	assert_int_equal(log.level, KT_LOG_DEBUG);
	begin();
	say_all(&log);
	end_expect("p: e0\np: warning: w1\np: i2\np: d3\n");

	kt_log_adjust(&log, 0);
	assert_int_equal(log.level, KT_LOG_DEBUG);
}

static void test_null_log(void **st)
{
	(void)st;
	/* A NULL logger prints as "ktrio" at the default threshold. */
	begin();
	say_all(NULL);
	kt_err(NULL, "out of memory");
	end_expect("ktrio: e0\nktrio: warning: w1\nktrio: i2\nktrio: out of memory\n");
}

static void vlog_helper(const kt_log *log, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kt_log_vmsg(log, level, fmt, ap);
	va_end(ap);
}

static void test_vmsg(void **st)
{
	(void)st;
	kt_log log;
	kt_log_init(&log, "consumer");
	begin();
	vlog_helper(&log, KT_LOG_WARN, "%s=%d (%.1f%%)", "lag", 12, 99.5);
	vlog_helper(&log, KT_LOG_DEBUG, "hidden %d", 1);
	vlog_helper(&log, KT_LOG_ERROR, "%c%c", 'o', 'k');
	end_expect("consumer: warning: lag=12 (99.5%)\nconsumer: ok\n");
}

static void test_long_message(void **st)
{
	(void)st;
	kt_log log;
	kt_log_init(&log, "p");
	/* A message longer than the 2048-byte line buffer is cut, but still
	 * ends in exactly one newline. */
	char *msg = malloc(5001);
	assert_non_null(msg);
	for (int i = 0; i < 5000; i++)
		msg[i] = (char)('a' + i % 26);
	msg[5000] = '\0';
	begin();
	kt_info(&log, "%s", msg);
	char *got = stderr_capture_end(&cap);
	assert_non_null(got);
	size_t n = strlen(got);
	assert_int_equal(n, 2047); /* 2046 characters and the newline */
	assert_int_equal(got[n - 1], '\n');
	assert_null(memchr(got, '\n', n - 1));
	assert_memory_equal(got, "p: ", 3);
	assert_memory_equal(got + 3, msg, n - 4);
	free(got);

	/* Just under the limit, nothing is cut. */
	msg[2048 - 3 - 2] = '\0'; /* "p: " + 2043 + "\n" = 2047 bytes */
	begin();
	kt_info(&log, "%s", msg);
	got = stderr_capture_end(&cap);
	assert_non_null(got);
	assert_int_equal(strlen(got), 2047);
	assert_memory_equal(got + 3, msg, 2043);
	assert_int_equal(got[2046], '\n');
	free(got);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_default_threshold),
		cmocka_unit_test(test_adjust_filtering),
		cmocka_unit_test(test_adjust_limits),
		cmocka_unit_test(test_null_log),
		cmocka_unit_test(test_vmsg),
		cmocka_unit_test(test_long_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
