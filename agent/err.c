/* err.c - error records (struct err); no logging here, callers log once. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include "err.h"

int err_set(struct err *err, enum err_kind kind, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return -1;
    err->kind = kind;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

void err_clear(struct err *err)
{
    if (err == NULL)
        return;
    err->kind = ERR_NONE;
    err->msg[0] = '\0';
}

const char *err_kind_name(enum err_kind kind)
{
    switch (kind) {
    case ERR_NONE: return "none";
    case ERR_CONFIG: return "config";
    case ERR_PARSE: return "parse";
    case ERR_IO: return "io";
    case ERR_TRANSIENT: return "transient";
    case ERR_AUTH: return "auth";
    case ERR_FATAL: return "fatal";
    }
    return "unknown";
}
