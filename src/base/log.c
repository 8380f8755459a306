/* log.c - logging; see log.h. */
#include "log.h"

#include "buf.h"
#include "util.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

static log_level current = LOG_INFO;

void log_set_level(log_level l) { current = l; }

int log_parse_level(const char *s, log_level *out)
{
    static const char *names[] = {"debug", "info", "warn", "error", "quiet"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, names[i])) {
            *out = (log_level)i;
            return 0;
        }
    return -1;
}

void log_msg(log_level l, const char *fmt, ...)
{
    static const char *tags[] = {"debug", "info", "warn", "error"};
    if (l < current || l >= LOG_QUIET) return;
    char ts[40];
    util_now_iso(ts, sizeof ts);
    buf b = BUF_INIT;
    buf_printf(&b, "%s %s ", ts, tags[l]);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    buf_putc(&b, '\n');
    ssize_t r = write(STDERR_FILENO, b.s, b.len);
    (void)r;
    buf_free(&b);
}
