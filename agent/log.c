/* log.c - levelled log lines to stderr or syslog(3); one line per call. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include "log.h"

static enum log_level cur_level = LOG_LVL_INFO;
static int to_syslog;

void log_set_level(enum log_level lvl)
{
    cur_level = lvl;
}

enum log_level log_get_level(void)
{
    return cur_level;
}

void log_use_syslog(int on)
{
    if (on && !to_syslog)
        openlog("ece-auditd", LOG_PID, LOG_DAEMON);
    to_syslog = on;
}

void log_msg(enum log_level lvl, const char *component, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
    char line[2048];
    va_list ap;

    if (lvl > cur_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (to_syslog)
        syslog(prio[lvl], "%s: %s", component, line);
    else
        fprintf(stderr, "%s %s: %s\n", names[lvl], component, line);
}
