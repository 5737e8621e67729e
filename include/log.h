/* log.h - levelled logging to stderr (journald) or syslog(3).
 * Line format: "<level> <component>: <fixed message> key=value ...".
 * Never pass secrets or whole events to these functions. */
#ifndef ECE_LOG_H
#define ECE_LOG_H

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/** @brief Send log lines to syslog(3) instead of stderr (ident "ece-auditd"). */
void log_use_syslog(int on);
void log_msg(enum log_level lvl, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(comp, ...) log_msg(LOG_LVL_ERROR, comp, __VA_ARGS__)
#define log_warn(comp, ...)  log_msg(LOG_LVL_WARN, comp, __VA_ARGS__)
#define log_info(comp, ...)  log_msg(LOG_LVL_INFO, comp, __VA_ARGS__)
#define log_debug(comp, ...)                                                                       \
    do {                                                                                           \
        if (log_get_level() >= LOG_LVL_DEBUG)                                                      \
            log_msg(LOG_LVL_DEBUG, comp, __VA_ARGS__);                                             \
    } while (0)

#endif
