/*
 * log.h - logging to stderr, one line per event, with an ISO timestamp.
 * Levels below the configured one are dropped.  Thread-safe (one write(2)
 * per line).
 */
#ifndef IPC_LOG_H
#define IPC_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_QUIET } log_level;

void log_set_level(log_level l);
/* Parses "debug", "info", "warn", "error", "quiet"; returns -1 if unknown. */
int log_parse_level(const char *s, log_level *out);
void log_msg(log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
