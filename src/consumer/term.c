/* term: terminal size and the SIGWINCH flag (see term.h). */
#include "term.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ktrio/parse.h"

static volatile sig_atomic_t resized;

bool kt_term_size(int fd, int *cols, int *rows)
{
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
		return false;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return true;
}

int kt_term_width(int fd)
{
	int cols, rows;
	if (kt_term_size(fd, &cols, &rows))
		return cols;
	const char *env = getenv("COLUMNS");
	int64_t v;
	if (env && kt_parse_int("COLUMNS", env, 1, 100000, &v, NULL, 0) == 0)
		return (int)v;
	return KT_TERM_NO_LIMIT;
}

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

void kt_term_watch_resize(void)
{
	struct sigaction sa = {.sa_handler = on_winch, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
}

bool kt_term_resized(void)
{
	if (!resized)
		return false;
	resized = 0;
	return true;
}
