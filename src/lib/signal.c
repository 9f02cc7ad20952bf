/* signal: the stop flag and the handlers that set it. */
#include "ktrio/signal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

/* Written once before the handlers are installed, only read in them. */
static char second_line[512];
static size_t second_len;

static void on_signal(int sig)
{
	if (!stop_signal) {
		stop_signal = sig;
		return;
	}
	/* write and _exit are async-signal-safe; stdio is not. */
	ssize_t ignored = write(STDERR_FILENO, second_line, second_len);
	(void)ignored;
	_exit(128 + sig);
}

void kt_signal_install(const char *program, const char *undone)
{
	int n = snprintf(second_line, sizeof second_line,
			 "%.200s: second signal: exiting at once; %.200s\n", program, undone);
	second_len = n < 0 ? 0 : (size_t)n;
	/* No SA_RESTART: a blocking read (delete-records' question) returns
	 * at the signal instead of waiting on. */
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

volatile sig_atomic_t *kt_signal_flag(void)
{
	return &stop_signal;
}

int kt_signal_status(int otherwise)
{
	return stop_signal ? 128 + stop_signal : otherwise;
}
