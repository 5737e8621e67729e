/* output_file.c - the file output: a path (append) or "-" for stdout; SIGHUP reopens.
 * A message counts as delivered once it is written, flushed and (for regular files)
 * fdatasync'ed; that happens once per poll, not once per message. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "output.h"
#include "xalloc.h"

struct file_priv {
    FILE *fp;
    bool is_stdout;
    bool regular;
    uint64_t *tokens;     /* written, not yet flushed */
    size_t ntokens, atokens;
    bool broken;          /* last write failed: retry on next poll */
};

static int file_validate(const struct cfg_output *co, struct err *err)
{
    if (co->path == NULL || co->path[0] == '\0')
        return err_set(err, ERR_CONFIG, "output %s: path is required", co->name);
    return 0;
}

/*
 * A crash (SIGKILL, power loss) can leave the last record half written: the kernel may stop
 * a large write at a page boundary. That record was never acked, so it is sent again; end
 * the fragment with a newline so that it does not swallow the next record.
 */
static void terminate_torn_line(struct output *out, int fd, off_t size)
{
    char last;

    if (pread(fd, &last, 1, size - 1) == 1 && last != '\n') {
        if (write(fd, "\n", 1) == 1)
            log_warn("output/file", "previous run ended mid-record; partial record terminated "
                     "path=%s (it is delivered again)", out->co->path);
    }
}

static int file_open_fp(struct output *out, struct file_priv *fp, struct err *err)
{
    struct stat st;
    int fd;

    if (fp->is_stdout) {
        fp->fp = stdout;
        fp->regular = fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode);
        return 0;
    }
    fd = open(out->co->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        return err_set(err, ERR_IO, "output %s: cannot open %s: %s", out->co->name,
                       out->co->path, strerror(errno));
    fp->fp = fdopen(fd, "a");
    if (fp->fp == NULL) {
        close(fd);
        return err_set(err, ERR_IO, "output %s: fdopen: %s", out->co->name, strerror(errno));
    }
    setvbuf(fp->fp, NULL, _IOFBF, 1 << 16);
    fp->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (fp->regular && st.st_size > 0)
        terminate_torn_line(out, fd, st.st_size);
    return 0;
}

static int file_open(struct output *out, struct err *err)
{
    struct file_priv *fp = xcalloc(1, sizeof(*fp));

    fp->is_stdout = strcmp(out->co->path, "-") == 0;
    if (file_open_fp(out, fp, err) < 0) {
        free(fp);
        return -1;
    }
    out->priv = fp;
    out->stats.connected = -1;
    return 0;
}

static enum out_result file_submit(struct output *out, const struct out_msg *msg)
{
    struct file_priv *fp = out->priv;

    if (fp->fp == NULL || fp->broken)
        return OUT_BUSY;
    if (fwrite(msg->data, 1, msg->len, fp->fp) != msg->len || fputc('\n', fp->fp) == EOF) {
        /* Nothing acked past this point; the next poll reports and retries. */
        fp->broken = true;
        out->stats.failed++;
        return OUT_BUSY;
    }
    if (fp->ntokens == fp->atokens) {
        fp->atokens = fp->atokens ? fp->atokens * 2 : 1024;
        fp->tokens = xrealloc(fp->tokens, fp->atokens * sizeof(*fp->tokens));
    }
    fp->tokens[fp->ntokens++] = msg->token;
    out->stats.sent++;
    out->stats.bytes += msg->len + 1;
    return OUT_QUEUED;
}

static int file_poll(struct output *out, int timeout_ms)
{
    struct file_priv *fp = out->priv;

    if (fp->broken) {
        /* A failed write (disk full, EIO): tokens written since the last flush may be
         * partial on disk. Report, wait, and let the agent resubmit after a reopen. */
        static time_t last;
        time_t now = time(NULL);
        if (now != last)
            log_error("output/file", "write failed path=%s: %s", out->co->path, strerror(errno));
        last = now;
        if (timeout_ms > 0)
            usleep((useconds_t)(timeout_ms > 200 ? 200 : timeout_ms) * 1000);
        clearerr(fp->fp);
        fp->broken = false;
        return -1;
    }
    if (fp->ntokens == 0)
        return 0;
    if (fflush(fp->fp) != 0) {
        fp->broken = true;
        return -1;
    }
    if (fp->regular && fdatasync(fileno(fp->fp)) != 0 && errno != EINVAL) {
        fp->broken = true;
        return -1;
    }
    size_t n = fp->ntokens;
    fp->ntokens = 0;
    for (size_t i = 0; i < n; i++)
        output_ack(out, fp->tokens[i]);
    return 0;
}

static size_t file_pending(const struct output *out)
{
    const struct file_priv *fp = out->priv;
    return fp ? fp->ntokens : 0;
}

static void file_reopen(struct output *out)
{
    struct file_priv *fp = out->priv;
    struct err err;

    if (fp->is_stdout)
        return;
    file_poll(out, 0);
    if (fp->fp)
        fclose(fp->fp);
    fp->fp = NULL;
    if (file_open_fp(out, fp, &err) < 0)
        log_error("output/file", "%s", err.msg);
    else
        log_info("output/file", "reopened path=%s", out->co->path);
}

static void file_close(struct output *out)
{
    struct file_priv *fp = out->priv;

    if (fp == NULL)
        return;
    file_poll(out, 0);
    if (fp->fp && !fp->is_stdout)
        fclose(fp->fp);
    else if (fp->fp)
        fflush(fp->fp);
    free(fp->tokens);
    free(fp);
    out->priv = NULL;
}

const struct output_ops output_file_ops = {
    .type = "file",
    .validate = file_validate,
    .open = file_open,
    .submit = file_submit,
    .poll = file_poll,
    .pending = file_pending,
    .reopen = file_reopen,
    .close = file_close,
};
