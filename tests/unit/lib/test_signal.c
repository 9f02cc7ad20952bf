/* test_signal: the stop flag (SIGINT, SIGTERM and SIGHUP alike), the exit
 * status of a stopped program, and the second signal that ends the
 * process at once with one line on stderr. Each case runs in a child
 * process: the handlers and the flag are the process's own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktrio/signal.h"

/* Run fn in a child with its stderr into a pipe; returns its wait status
 * and what it wrote (up to len - 1 bytes) in buf. */
static int in_child(void (*fn)(int), int sig, char *buf, size_t len)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		fn(sig);
		_exit(0);
	}
	close(fds[1]);
	size_t got = 0;
	ssize_t n;
	while (got + 1 < len && (n = read(fds[0], buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Exit codes from the child: 10 + what failed. */
static void one_signal(int sig)
{
	if (*kt_signal_flag() != 0 || kt_signal_status(7) != 7)
		_exit(11);
	kt_signal_install("prog", "nothing committed");
	raise(sig);
	if (*kt_signal_flag() != sig)
		_exit(12);
	if (kt_signal_status(7) != 128 + sig)
		_exit(13);
	_exit(0);
}

static void test_first_signal_sets_the_flag(void **state)
{
	(void)state;
	const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < 3; i++) {
		char err[256];
		int status = in_child(one_signal, sigs[i], err, sizeof err);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		assert_string_equal(err, ""); /* the first one says nothing */
	}
}

static void two_signals(int sig)
{
	kt_signal_install("prog", "nothing committed");
	raise(SIGHUP);
	raise(sig);
	_exit(20); /* not reached: the second signal ends the process */
}

static void test_second_signal_exits_at_once(void **state)
{
	(void)state;
	const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < 3; i++) {
		char err[256];
		int status = in_child(two_signals, sigs[i], err, sizeof err);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 128 + sigs[i]);
		assert_string_equal(err, "prog: second signal: exiting at once; nothing committed\n");
	}
}

static void long_words(int sig)
{
	char name[400];
	memset(name, 'p', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	kt_signal_install(name, name);
	raise(sig);
	raise(sig);
	_exit(20);
}

static void test_long_words_are_cut(void **state)
{
	(void)state;
	char err[1024];
	int status = in_child(long_words, SIGINT, err, sizeof err);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 130);
	/* 200 + ": second signal: exiting at once; " + 200 + "\n" */
	assert_int_equal(strlen(err), 200 + 34 + 200 + 1);
	assert_int_equal(err[strlen(err) - 1], '\n');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_signal_sets_the_flag),
		cmocka_unit_test(test_second_signal_exits_at_once),
		cmocka_unit_test(test_long_words_are_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
