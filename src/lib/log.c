/* log: levelled diagnostics on stderr, prefixed with the program's name. */
#include "ktrio/log.h"

#include <stdio.h>
#include <string.h>

void kt_log_init(kt_log *log, const char *prog)
{
	log->prog = prog;
	log->level = KT_LOG_INFO;
}

void kt_log_adjust(kt_log *log, int delta)
{
	log->level += delta;
	if (log->level < KT_LOG_ERROR)
		log->level = KT_LOG_ERROR;
	if (log->level > KT_LOG_TRACE)
		log->level = KT_LOG_TRACE;
}

void kt_log_vmsg(const kt_log *log, int level, const char *fmt, va_list ap)
{
	int threshold = log ? log->level : KT_LOG_INFO;
	if (level > threshold)
		return;
	/* Build the whole line first so concurrent librdkafka threads cannot
	 * interleave halves of two messages. */
	char line[2048];
	int n = snprintf(line, sizeof line, "%s: %s", log ? log->prog : "ktrio",
			 level == KT_LOG_WARN ? "warning: " : "");
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	size_t len = strlen(line);
	if (len + 1 < sizeof line) {
		line[len++] = '\n';
		line[len] = '\0';
	} else {
		line[sizeof line - 2] = '\n';
	}
	fputs(line, stderr);
}

void kt_log_msg(const kt_log *log, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kt_log_vmsg(log, level, fmt, ap);
	va_end(ap);
}
