/* log: levelled diagnostics on stderr, prefixed with the program's name. */
#include "ktrio/log.h"

#include <stdio.h>
#include <string.h>

#include "ktrio/utf8.h"

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

/* msg into out (room bytes, room >= 1, NUL-terminated) with what a terminal
 * would obey rather than print escaped: C0 controls (a newline too: one
 * message, one line), DEL and C1 as \u00XX, bytes that are not UTF-8 as
 * \xNN. Names and values in messages may come from the data (a field name
 * found in a record, a topic's partials). Returns the bytes written. */
static size_t escape(char *out, size_t room, const char *msg)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, n = strlen(msg);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)msg[i];
		size_t len = kt_utf8_sequence(msg + i, n - i);
		unsigned cp = len == 2 ? ((c & 0x1Fu) << 6) | ((unsigned char)msg[i + 1] & 0x3Fu) : c;
		char esc[7];
		size_t elen = 0;
		if (len == 0)
			elen = (size_t)snprintf(esc, sizeof esc, "\\x%c%c", hex[c >> 4], hex[c & 15]);
		else if (cp < 0x20 || cp == 0x7F || (len == 2 && cp <= 0x9F))
			elen = (size_t)snprintf(esc, sizeof esc, "\\u00%c%c", hex[cp >> 4], hex[cp & 15]);
		const char *put = elen ? esc : msg + i;
		size_t plen = elen ? elen : len;
		if (o + plen >= room)
			break;
		memcpy(out + o, put, plen);
		o += plen;
		i += len ? len : 1;
	}
	out[o] = '\0';
	return o;
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
	char msg[2048];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t len = (size_t)n + escape(line + n, sizeof line - (size_t)n - 1, msg);
	line[len++] = '\n';
	line[len] = '\0';
	fputs(line, stderr);
}

void kt_log_msg(const kt_log *log, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kt_log_vmsg(log, level, fmt, ap);
	va_end(ap);
}
