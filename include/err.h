/* err.h - one error convention for the whole agent: return 0 / -1, detail in struct err. */
#ifndef ECE_ERR_H
#define ECE_ERR_H

enum err_kind {
    ERR_NONE = 0,
    ERR_CONFIG,    /* bad configuration: exit 1 */
    ERR_PARSE,     /* bad input document or response */
    ERR_IO,        /* local file or socket problem */
    ERR_TRANSIENT, /* 429, 503, timeouts, refused connections: retry with backoff */
    ERR_AUTH,      /* 401/403: retry slowly, the credentials may be rotated */
    ERR_FATAL      /* corrupt checkpoint and the like: exit 2 */
};

#define ERR_MSG_MAX 512

struct err {
    enum err_kind kind;
    char msg[ERR_MSG_MAX];
};

/**
 * @brief Record an error. @p err may be NULL.
 * @return always -1, so that callers can write `return err_set(err, ...);`.
 */
int err_set(struct err *err, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** @brief Reset to ERR_NONE with an empty message. */
void err_clear(struct err *err);

/** @brief Name of a kind ("config", "transient", ...). */
const char *err_kind_name(enum err_kind kind);

#endif
