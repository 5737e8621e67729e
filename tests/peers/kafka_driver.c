/* kafka_driver.c - test helper: drives output_kafka_ops (from libagent) like the agent loop would.
 * Submits N numbered messages with keys and headers, polls until all are acked, prints counts.
 * Knows nothing of the agent loop or formats; bodies are synthetic and numbered.
 *
 * usage: kafka_driver --brokers B --topic T [--count N] [--start I] [--size BYTES]
 *          [--key request_id|deployment_id|user|none] [--rate MSGS_PER_S] [--timeout SECONDS]
 *          [--progress-file F] [-X name=value]...
 * Message i: value "event <i> " padded with 'x' to --size bytes; key per --key
 * ("req-<i>", "dep-<i%7>", "user-<i%5>", none); headers ece.class=class_of(i), ece.dedup=dd-<i>.
 * Exit 0 when every message was acked exactly once, 1 otherwise, 2 on usage or config errors. */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cfg.h"
#include "err.h"
#include "log.h"
#include "output.h"
#include "xalloc.h"

static const char *const classes[] = {"auth.login", "deployment.create", "deployment.update",
                                      "apikey.delete"};

struct state {
    uint64_t count;
    uint8_t *seen;   /* one byte per message: acked? */
    uint64_t acked;  /* distinct */
    uint64_t dup_acks;
    uint64_t bad_tokens;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_ack(void *ctx, struct output *out, uint64_t token)
{
    struct state *st = ctx;

    (void)out;
    if (token >= st->count)
        st->bad_tokens++;
    else if (st->seen[token])
        st->dup_acks++;
    else {
        st->seen[token] = 1;
        st->acked++;
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: kafka_driver --brokers B --topic T [--count N] [--start I] [--size N]\n"
                    "  [--key request_id|deployment_id|user|none] [--rate N] [--timeout S]\n"
                    "  [--progress-file F] [-X name=value]...\n");
    exit(2);
}

static uint64_t parse_u64(const char *s)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        usage();
    return v;
}

static void write_progress(const char *path, const struct state *st)
{
    char tmp[4096];
    FILE *fp;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fp = fopen(tmp, "w");
    if (!fp)
        return;
    fprintf(fp, "%" PRIu64 "\n", st->acked);
    if (fclose(fp) == 0)
        rename(tmp, path);
}

static void make_msg(uint64_t i, uint64_t start, size_t size, enum kafka_key km, char *body,
                     char *key, char *dedup, struct out_msg *msg)
{
    uint64_t n = start + i;
    int len = snprintf(body, size + 32, "event %" PRIu64 " ", n);

    while ((size_t)len < size)
        body[len++] = 'x';
    body[len] = '\0';
    msg->data = body;
    msg->len = (size_t)len;
    switch (km) {
    case KEY_REQUEST_ID: snprintf(key, 64, "req-%" PRIu64, n); break;
    case KEY_DEPLOYMENT_ID: snprintf(key, 64, "dep-%" PRIu64, n % 7); break;
    case KEY_USER: snprintf(key, 64, "user-%" PRIu64, n % 5); break;
    case KEY_NONE: break;
    }
    msg->key = km == KEY_NONE ? NULL : key;
    msg->ev_class = classes[n % 4];
    snprintf(dedup, 64, "dd-%" PRIu64, n);
    msg->dedup_key = dedup;
    msg->token = i;
}

static enum kafka_key parse_key(const char *s)
{
    if (!strcmp(s, "request_id"))
        return KEY_REQUEST_ID;
    if (!strcmp(s, "deployment_id"))
        return KEY_DEPLOYMENT_ID;
    if (!strcmp(s, "user"))
        return KEY_USER;
    if (!strcmp(s, "none"))
        return KEY_NONE;
    usage();
    return KEY_NONE;
}

int main(int argc, char **argv)
{
    struct cfg_output co = {.name = (char *)"kafka", .type = OUT_TYPE_KAFKA, .key = KEY_REQUEST_ID};
    struct output out = {.ops = &output_kafka_ops, .co = &co};
    struct state st = {.count = 1000};
    uint64_t start = 0, rate = 0, timeout_s = 60, next = 0;
    size_t size = 100;
    const char *progress = NULL;
    struct err err = {0};
    char *body, key[64], dedup[64];
    int64_t t0, deadline, last_progress = 0, t_end;
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--brokers"))
            co.brokers = xstrdup(v);
        else if (!strcmp(a, "--topic"))
            co.topic = xstrdup(v);
        else if (!strcmp(a, "--count"))
            st.count = parse_u64(v);
        else if (!strcmp(a, "--start"))
            start = parse_u64(v);
        else if (!strcmp(a, "--size"))
            size = (size_t)parse_u64(v);
        else if (!strcmp(a, "--key"))
            co.key = parse_key(v);
        else if (!strcmp(a, "--rate"))
            rate = parse_u64(v);
        else if (!strcmp(a, "--timeout"))
            timeout_s = parse_u64(v);
        else if (!strcmp(a, "--progress-file"))
            progress = v;
        else if (!strcmp(a, "-X") && strchr(v, '=') && co.n_props < CFG_MAX_PROPS) {
            const char *eq = strchr(v, '=');
            co.props[co.n_props].name = xstrndup(v, (size_t)(eq - v));
            co.props[co.n_props].value = xstrdup(eq + 1);
            co.n_props++;
        } else
            usage();
    }
    if (size > 10 * 1024 * 1024)
        usage();
    log_set_level(getenv("KAFKA_DRIVER_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_INFO);
    if (output_kafka_ops.validate(&co, &err) < 0 || output_kafka_ops.open(&out, &err) < 0) {
        fprintf(stderr, "kafka_driver: %s\n", err.msg);
        return 2;
    }
    st.seen = xcalloc(st.count ? st.count : 1, 1);
    out.ack_fn = on_ack;
    out.ack_ctx = &st;
    body = xmalloc(size + 64);
    t0 = now_ms();
    deadline = t0 + (int64_t)timeout_s * 1000;
    while (st.acked < st.count && now_ms() < deadline) {
        bool may_send = next < st.count &&
                        (rate == 0 || next < rate * (uint64_t)(now_ms() - t0) / 1000 + 1);
        if (may_send) {
            struct out_msg msg;
            enum out_result r;

            make_msg(next, start, size, co.key, body, key, dedup, &msg);
            r = out.ops->submit(&out, &msg);
            if (r == OUT_FATAL) {
                fprintf(stderr, "kafka_driver: output reported FATAL at message %" PRIu64 "\n",
                        next);
                break;
            }
            if (r == OUT_QUEUED) {
                next++;
                if (next % 256 == 0)
                    out.ops->poll(&out, 0);
            } else {
                out.ops->poll(&out, 10);
            }
        } else {
            out.ops->poll(&out, rate ? 5 : 100);
        }
        if (progress && now_ms() - last_progress >= 200) {
            write_progress(progress, &st);
            last_progress = now_ms();
        }
    }
    t_end = now_ms();
    if (progress)
        write_progress(progress, &st);
    printf("produced=%" PRIu64 " acked=%" PRIu64 " dup_acks=%" PRIu64 " bad_tokens=%" PRIu64
           " pending=%zu sent=%" PRIu64 " retried=%" PRIu64 " failed=%" PRIu64 " bytes=%" PRIu64
           " elapsed_ms=%" PRId64 " msgs_per_s=%.0f\n",
           next, st.acked, st.dup_acks, st.bad_tokens, out.ops->pending(&out), out.stats.sent,
           out.stats.retried, out.stats.failed, out.stats.bytes, t_end - t0,
           t_end > t0 ? (double)st.acked * 1000.0 / (double)(t_end - t0) : 0.0);
    fflush(stdout);
    out.ops->close(&out);
    rc = (st.acked == st.count && st.dup_acks == 0 && st.bad_tokens == 0) ? 0 : 1;
    for (int i = 0; i < co.n_props; i++) {
        free(co.props[i].name);
        free(co.props[i].value);
    }
    free(co.brokers);
    free(co.topic);
    free(body);
    free(st.seen);
    return rc;
}
