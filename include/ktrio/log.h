/* log: levelled diagnostics on stderr, prefixed with the program's name. */
#ifndef KTRIO_LOG_H
#define KTRIO_LOG_H

#include <stdarg.h>

enum kt_log_level {
	KT_LOG_ERROR = 0, /* always shown, even with -q */
	KT_LOG_WARN = 1,  /* default threshold shows warnings ... */
	KT_LOG_INFO = 2,  /* ... and informational lines */
	KT_LOG_DEBUG = 3, /* -v */
	KT_LOG_TRACE = 4, /* -vv: librdkafka's own debug chatter */
};

/* A logger is owned by main and passed by pointer to whoever reports. */
typedef struct kt_log {
	const char *prog; /* borrowed, e.g. "generator" */
	int level;        /* messages above this level are dropped */
} kt_log;

/* Initialise with the default threshold (KT_LOG_INFO). */
void kt_log_init(kt_log *log, const char *prog);

/* Raise (-v, positive delta) or lower (-q, negative delta) the threshold. */
void kt_log_adjust(kt_log *log, int delta);

/* Print "prog: message" (plus "warning: " for KT_LOG_WARN) and a newline on
 * stderr when level <= log->level. A NULL log prints with prog "ktrio". */
void kt_log_msg(const kt_log *log, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kt_log_vmsg(const kt_log *log, int level, const char *fmt, va_list ap);

#define kt_err(log, ...) kt_log_msg((log), KT_LOG_ERROR, __VA_ARGS__)
#define kt_warn(log, ...) kt_log_msg((log), KT_LOG_WARN, __VA_ARGS__)
#define kt_info(log, ...) kt_log_msg((log), KT_LOG_INFO, __VA_ARGS__)
#define kt_debug(log, ...) kt_log_msg((log), KT_LOG_DEBUG, __VA_ARGS__)

#endif
