/* secret.h - credentials read from a file or a ${ENV} reference into struct secret.
 * The value is never logged; struct secret's origin is the printable part. */
#ifndef ECE_SECRET_H
#define ECE_SECRET_H
#include "cfg.h"
#include "err.h"

#define SECRET_MAX_BYTES 8192 /* a password, API key or key passphrase; bigger is a wrong file */

/**
 * @brief Read @p path into @p s (one trailing newline stripped); origin "file <path>".
 * A file readable by others or writable by the group (mode beyond 0640) only logs a
 * warning. Sets ERR_CONFIG (message without a "FILE:LINE:" prefix) when the file cannot
 * be read, is not a regular file, is empty, too large or contains a NUL byte.
 * @p s must be empty (value NULL).
 */
int secret_load_file(struct secret *s, const char *path, struct err *err);

/**
 * @brief Take the secret from the environment; @p ref must be exactly "${NAME}".
 * ERR_CONFIG when @p ref has another form or the variable is unset or empty.
 */
int secret_load_env(struct secret *s, const char *ref, struct err *err);

/** @brief Wipe and free a string that held a secret (NULL is fine). */
void secret_wipe_str(char *p);

#endif
