/* secret.c - passwords and API keys from files or ${ENV}; wiped on free, never logged.
 * Knows nothing of libconfig: cfg.c says which key a secret belongs to. */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cfg.h"
#include "log.h"
#include "secret.h"
#include "xalloc.h"

void secret_wipe_str(char *p)
{
    if (p == NULL)
        return;
    explicit_bzero(p, strlen(p));
    free(p);
}

void secret_free(struct secret *s)
{
    secret_wipe_str(s->value);
    free(s->origin);
    s->value = NULL;
    s->origin = NULL;
}

/* Read at most SECRET_MAX_BYTES + 1 bytes so that an oversized file is detected. */
static ssize_t read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;

    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    return (ssize_t)n;
}

int secret_load_file(struct secret *s, const char *path, struct err *err)
{
    char buf[SECRET_MAX_BYTES + 2];
    struct stat st;
    ssize_t n = -1;
    int fd, rc = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return err_set(err, ERR_CONFIG, "cannot read %s: %s", path, strerror(errno));
    if (fstat(fd, &st) < 0) {
        err_set(err, ERR_CONFIG, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(err, ERR_CONFIG, "cannot read %s: not a regular file", path);
        goto out;
    }
    /* 0600 or 0640 (root:ece-auditd) are fine; anything broader is worth a warning. */
    if ((st.st_mode & 0137) != 0)
        log_warn("cfg", "secret file is readable or writable by others path=%s mode=%04o",
                 path, (unsigned)(st.st_mode & 07777));
    n = read_all(fd, buf, SECRET_MAX_BYTES + 1);
    if (n < 0) {
        err_set(err, ERR_CONFIG, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (n > SECRET_MAX_BYTES) {
        err_set(err, ERR_CONFIG, "%s is larger than %d bytes: not a secret file", path,
                SECRET_MAX_BYTES);
        goto out;
    }
    if (n > 0 && buf[n - 1] == '\n')
        n--;                                      /* `echo secret > file` */
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    if (n == 0) {
        err_set(err, ERR_CONFIG, "%s is empty", path);
        goto out;
    }
    if (memchr(buf, '\0', (size_t)n) != NULL) {
        err_set(err, ERR_CONFIG, "%s contains a NUL byte", path);
        goto out;
    }
    s->value = xstrndup(buf, (size_t)n);
    s->origin = xasprintf("file %s", path);
    rc = 0;
out:
    explicit_bzero(buf, sizeof(buf));
    close(fd);
    return rc;
}

int secret_load_env(struct secret *s, const char *ref, struct err *err)
{
    size_t len = strlen(ref);
    const char *val;
    char name[256];

    if (len < 4 || len - 3 >= sizeof(name) || strncmp(ref, "${", 2) != 0 || ref[len - 1] != '}')
        return err_set(err, ERR_CONFIG,
                       "a secret may not be written in the file; use the *_file key or \"${VAR}\"");
    memcpy(name, ref + 2, len - 3);
    name[len - 3] = '\0';
    for (size_t i = 0; name[i] != '\0'; i++) {
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return err_set(err, ERR_CONFIG, "bad ${VAR} reference (a name of letters, digits and _)");
    }
    val = getenv(name);
    if (val == NULL)
        return err_set(err, ERR_CONFIG, "environment variable %s is not set", name);
    if (*val == '\0')
        return err_set(err, ERR_CONFIG, "environment variable %s is empty", name);
    s->value = xstrdup(val);
    s->origin = xasprintf("env %s", name);
    return 0;
}
