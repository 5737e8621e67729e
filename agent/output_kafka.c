/* output_kafka.c - Kafka output: an idempotent librdkafka producer whose delivery reports drive acks.
 * Knows nothing of events, formats or checkpoints: it moves bytes, a key, two headers and a token.
 *
 * Concurrency: everything here runs on the agent's one thread. librdkafka's threads hand us
 * delivery reports, errors and log lines (log.queue=true) through rd_kafka_poll()/rd_kafka_flush(),
 * so every callback below runs inside our poll() or close(). */
#include "config.h"
#include "clock.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <librdkafka/rdkafka.h>
#include "log.h"
#include "output.h"
#include "xalloc.h"

#define KAFKA_MSG_TIMEOUT_MS "30000" /* librdkafka gives up after this; we then produce again */
#define KAFKA_CLOSE_CAP_MS   5000    /* close() never waits longer than this */
#define KAFKA_RETRY_MIN_MS   100     /* backoff before producing a failed message again */
#define KAFKA_RETRY_MAX_MS   5000
#define KAFKA_REPEAT_MS      60000   /* identical error lines are suppressed for this long */
#define KAFKA_HDR_CLASS      "ece.class"
#define KAFKA_HDR_DEDUP      "ece.dedup"

/* One accepted message, from submit() until its successful delivery report. */
struct kmsg {
    uint64_t token;
    unsigned attempts; /* failed deliveries so far */
};

/* A message whose delivery failed, waiting to be produced again (we own everything). */
struct retry {
    struct retry *next;
    struct kmsg *km;
    char *value;
    size_t value_len;
    char *key; /* NULL = no key */
    size_t key_len;
    rd_kafka_headers_t *hdrs;
    int64_t not_before_ms;
};

struct kafka {
    struct output *out;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    rd_kafka_conf_t *conf; /* kept to build a new producer after a fatal error */
    char comp[96];         /* log component "output/<name>" */
    size_t in_flight;      /* handed to librdkafka, no delivery report yet */
    size_t n_retry;
    struct retry *retry_head, *retry_tail;
    bool fatal;   /* the producer is unusable: purge, requeue and rebuild in poll() */
    bool closing; /* failed deliveries are no longer requeued */
    int last_poll_ms;
    rd_kafka_resp_err_t last_err; /* repeat suppression for error lines */
    int64_t last_err_ms;
};

/* Property names whose values must never reach a log line or an error message. */
static bool prop_is_secret(const struct cfg_prop *p)
{
    return p->secret || strcasestr(p->name, "password") || strcasestr(p->name, "secret") ||
           strcasestr(p->name, "ssl.key.pem") || strcasestr(p->name, "sasl.oauthbearer.config");
}

static int conf_set(rd_kafka_conf_t *conf, const struct cfg_output *co, const char *name,
                    const char *value, bool secret, struct err *err)
{
    char errstr[256];

    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK)
        return 0;
    /* librdkafka's message may quote the value: drop it for secrets */
    if (secret)
        return err_set(err, ERR_CONFIG, "output '%s': property '%s': invalid value (not shown)",
                       co->name, name);
    return err_set(err, ERR_CONFIG, "output '%s': property '%s': %s", co->name, name, errstr);
}

/* Our settings first, then the user's properties verbatim (they may override ours), then the
 * one rule we insist on: every delivery report must mean "in all in-sync replicas". */
static int build_conf(const struct cfg_output *co, rd_kafka_conf_t *conf, struct err *err)
{
    static const char *const ours[][2] = {
        {"client.id", PACKAGE_NAME},  {"enable.idempotence", "true"},
        {"acks", "all"},              {"message.timeout.ms", KAFKA_MSG_TIMEOUT_MS},
        {"log.queue", "true"},
    };
    char val[64];
    size_t n = sizeof(val);

    if (!co->brokers || !*co->brokers)
        return err_set(err, ERR_CONFIG, "output '%s': brokers is required", co->name);
    if (!co->topic || !*co->topic)
        return err_set(err, ERR_CONFIG, "output '%s': topic is required", co->name);
    if (conf_set(conf, co, "bootstrap.servers", co->brokers, false, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
        if (conf_set(conf, co, ours[i][0], ours[i][1], false, err) < 0)
            return -1;
    for (int i = 0; i < co->n_props; i++)
        if (conf_set(conf, co, co->props[i].name, co->props[i].value ? co->props[i].value : "",
                     prop_is_secret(&co->props[i]), err) < 0)
            return -1;
    if (rd_kafka_conf_get(conf, "acks", val, &n) != RD_KAFKA_CONF_OK ||
        (strcmp(val, "-1") != 0 && strcmp(val, "all") != 0))
        return err_set(err, ERR_CONFIG,
                       "output '%s': property 'acks': must be 'all' (delivery reports drive the "
                       "checkpoint)", co->name);
    return 0;
}

static int kafka_validate(const struct cfg_output *co, struct err *err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int rc = build_conf(co, conf, err);

    rd_kafka_conf_destroy(conf);
    return rc;
}

static void set_connected(struct kafka *k, int up, const char *why)
{
    if (k->out->stats.connected == up)
        return;
    k->out->stats.connected = up;
    if (up)
        log_info(k->comp, "delivering brokers=%s topic=%s", k->out->co->brokers, k->out->co->topic);
    else
        log_warn(k->comp, "brokers unreachable, holding messages reason=\"%s\"", why);
}

/* True when this error line should be printed (not an identical repeat within KAFKA_REPEAT_MS). */
static bool should_log(struct kafka *k, rd_kafka_resp_err_t e)
{
    int64_t now = clock_mono_ms();

    if (e == k->last_err && now - k->last_err_ms < KAFKA_REPEAT_MS)
        return false;
    k->last_err = e;
    k->last_err_ms = now;
    return true;
}

static void free_retry(struct retry *r, bool with_km)
{
    if (with_km)
        free(r->km);
    free(r->value);
    free(r->key);
    if (r->hdrs)
        rd_kafka_headers_destroy(r->hdrs);
    free(r);
}

static int64_t retry_backoff_ms(unsigned attempts)
{
    int64_t ms = KAFKA_RETRY_MIN_MS;

    for (unsigned i = 1; i < attempts && ms < KAFKA_RETRY_MAX_MS; i++)
        ms *= 2;
    return ms < KAFKA_RETRY_MAX_MS ? ms : KAFKA_RETRY_MAX_MS;
}

/* Copy a failed message out of librdkafka into our retry list (the report's memory is borrowed). */
static void requeue(struct kafka *k, const rd_kafka_message_t *m, struct kmsg *km)
{
    struct retry *r = xcalloc(1, sizeof(*r));
    rd_kafka_headers_t *hdrs = NULL;

    r->km = km;
    r->value_len = m->len;
    r->value = xmalloc(m->len ? m->len : 1);
    if (m->len)
        memcpy(r->value, m->payload, m->len);
    if (m->key) {
        r->key_len = m->key_len;
        r->key = xmalloc(m->key_len ? m->key_len : 1);
        if (m->key_len)
            memcpy(r->key, m->key, m->key_len);
    }
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR)
        r->hdrs = rd_kafka_headers_copy(hdrs);
    r->not_before_ms = clock_mono_ms() + retry_backoff_ms(km->attempts);
    if (k->retry_tail)
        k->retry_tail->next = r;
    else
        k->retry_head = r;
    k->retry_tail = r;
    k->n_retry++;
}

/* @locality: inside rd_kafka_poll()/rd_kafka_flush() on the agent's thread. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct kafka *k = opaque;
    struct kmsg *km = m->_private;

    (void)rk;
    k->in_flight--;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        set_connected(k, 1, NULL);
        output_ack(k->out, km->token);
        free(km);
        return;
    }
    k->out->stats.failed++;
    km->attempts++;
    if (k->closing) {
        free(km); /* not acked: the checkpoint stays behind it and a restart sends it again */
        return;
    }
    if (should_log(k, m->err))
        log_warn(k->comp, "delivery failed, will produce again err=%s persisted=%s attempts=%u",
                 rd_kafka_err2name(m->err),
                 rd_kafka_message_status(m) == RD_KAFKA_MSG_STATUS_NOT_PERSISTED ? "no" : "maybe",
                 km->attempts);
    requeue(k, m, km);
}

/* @locality: inside rd_kafka_poll() on the agent's thread (error_cb is served from the main queue). */
static void on_error(rd_kafka_t *rk, int e, const char *reason, void *opaque)
{
    struct kafka *k = opaque;
    char fatal_reason[256];

    if (e == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, fatal_reason, sizeof(fatal_reason));
        log_error(k->comp, "producer fatal error, restarting producer err=%s reason=\"%s\"",
                  rd_kafka_err2name(orig), fatal_reason);
        k->fatal = true;
        return;
    }
    if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        set_connected(k, 0, reason);
        return;
    }
    if (should_log(k, (rd_kafka_resp_err_t)e))
        log_warn(k->comp, "kafka error err=%s reason=\"%s\"", rd_kafka_err2name(e), reason);
}

/* @locality: the agent's thread (log.queue=true routes librdkafka's lines through poll). */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    struct kafka *k = rd_kafka_opaque(rk);
    const char *comp = k ? k->comp : "output/kafka";
    enum log_level lvl = level <= 2 ? LOG_LVL_ERROR
                         : level <= 4 ? LOG_LVL_WARN
                         : level <= 6 ? LOG_LVL_INFO
                                      : LOG_LVL_DEBUG;

    /* connection failures also arrive through on_error, which logs them once per kind */
    if (!strcmp(fac, "FAIL"))
        lvl = LOG_LVL_DEBUG;
    log_msg(lvl, comp, "librdkafka %s: %s", fac, buf);
}

static int producer_new(struct kafka *k, struct err *err)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(k->conf);

    k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!k->rk) {
        rd_kafka_conf_destroy(conf);
        return err_set(err, ERR_CONFIG, "output '%s': cannot create producer: %s",
                       k->out->co->name, errstr);
    }
    rd_kafka_set_log_queue(k->rk, NULL);
    k->rkt = rd_kafka_topic_new(k->rk, k->out->co->topic, NULL);
    if (!k->rkt) {
        rd_kafka_destroy(k->rk);
        k->rk = NULL;
        return err_set(err, ERR_CONFIG, "output '%s': topic '%s': %s", k->out->co->name,
                       k->out->co->topic, rd_kafka_err2str(rd_kafka_last_error()));
    }
    return 0;
}

/* Purge whatever librdkafka still holds; the purge reports requeue it (or free it when closing). */
static void producer_free(struct kafka *k)
{
    if (!k->rk)
        return;
    rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    while (rd_kafka_poll(k->rk, 0) > 0)
        ;
    if (k->in_flight)
        log_error(k->comp, "messages without a delivery report after purge n=%zu", k->in_flight);
    rd_kafka_topic_destroy(k->rkt);
    rd_kafka_destroy(k->rk);
    k->rkt = NULL;
    k->rk = NULL;
}

static int kafka_open(struct output *out, struct err *err)
{
    struct kafka *k = xcalloc(1, sizeof(*k));
    char val[16];
    size_t n = sizeof(val);
    int rc = -1;

    k->out = out;
    k->last_poll_ms = -1;
    snprintf(k->comp, sizeof(k->comp), "output/%s", out->co->name);
    k->conf = rd_kafka_conf_new();
    if (build_conf(out->co, k->conf, err) < 0)
        goto out;
    rd_kafka_conf_set_dr_msg_cb(k->conf, on_delivery);
    rd_kafka_conf_set_error_cb(k->conf, on_error);
    rd_kafka_conf_set_log_cb(k->conf, on_log);
    rd_kafka_conf_set_opaque(k->conf, k);
    if (producer_new(k, err) < 0)
        goto out;
    if (rd_kafka_conf_get(k->conf, "enable.idempotence", val, &n) == RD_KAFKA_CONF_OK &&
        strcmp(val, "true") != 0)
        log_warn(k->comp, "enable.idempotence is off: retries may write duplicates");
    out->stats.connected = 0;
    out->priv = k;
    log_info(k->comp, "producer started brokers=%s topic=%s", out->co->brokers, out->co->topic);
    k = NULL;
    rc = 0;
out: /* a label, not the parameter: labels have their own name space */
    if (k) {
        rd_kafka_conf_destroy(k->conf);
        free(k);
    }
    return rc;
}

static rd_kafka_resp_err_t produce(struct kafka *k, const void *value, size_t len,
                                   const void *key, size_t key_len, rd_kafka_headers_t *hdrs,
                                   struct kmsg *km)
{
    rd_kafka_resp_err_t e;

    e = rd_kafka_producev(k->rk, RD_KAFKA_V_RKT(k->rkt),
                          RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_VALUE((void *)value, len), RD_KAFKA_V_KEY(key, key_len),
                          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(km), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) { /* librdkafka now owns hdrs */
        k->in_flight++;
        k->out->stats.bytes += len;
    } else if (e == RD_KAFKA_RESP_ERR__FATAL) {
        k->fatal = true;
    }
    return e;
}

/* Produce failed messages again, oldest first, once their backoff has passed. */
static void produce_retries(struct kafka *k)
{
    int64_t now = clock_mono_ms();
    struct retry *r;
    rd_kafka_resp_err_t e;

    while ((r = k->retry_head) && r->not_before_ms <= now && !k->fatal) {
        e = produce(k, r->value, r->value_len, r->key, r->key_len, r->hdrs, r->km);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL && should_log(k, e))
                log_warn(k->comp, "produce failed, will retry err=%s", rd_kafka_err2name(e));
            if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                r->not_before_ms = now + KAFKA_RETRY_MAX_MS;
            return;
        }
        r->hdrs = NULL;
        k->out->stats.retried++;
        k->retry_head = r->next;
        if (!k->retry_head)
            k->retry_tail = NULL;
        k->n_retry--;
        free_retry(r, false);
    }
}

static rd_kafka_headers_t *make_headers(const struct out_msg *msg)
{
    rd_kafka_headers_t *hdrs = rd_kafka_headers_new(2);

    if (msg->ev_class)
        rd_kafka_header_add(hdrs, KAFKA_HDR_CLASS, -1, msg->ev_class, -1);
    if (msg->dedup_key)
        rd_kafka_header_add(hdrs, KAFKA_HDR_DEDUP, -1, msg->dedup_key, -1);
    return hdrs;
}

static enum out_result kafka_submit(struct output *out, const struct out_msg *msg)
{
    struct kafka *k = out->priv;
    struct kmsg *km;
    rd_kafka_headers_t *hdrs;
    rd_kafka_resp_err_t e;

    /* failed messages go first; holding new ones back also bounds our memory */
    if (k->fatal || k->retry_head)
        return OUT_BUSY;
    km = xmalloc(sizeof(*km));
    km->token = msg->token;
    km->attempts = 0;
    hdrs = make_headers(msg);
    e = produce(k, msg->data, msg->len, msg->key, msg->key ? strlen(msg->key) : 0, hdrs, km);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        out->stats.sent++;
        return OUT_QUEUED;
    }
    rd_kafka_headers_destroy(hdrs);
    free(km);
    if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
        log_error(k->comp, "message larger than message.max.bytes size=%zu", msg->len);
        return OUT_FATAL;
    }
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL && e != RD_KAFKA_RESP_ERR__FATAL && should_log(k, e))
        log_warn(k->comp, "produce failed, will retry err=%s", rd_kafka_err2name(e));
    return OUT_BUSY;
}

static int kafka_poll(struct output *out, int timeout_ms)
{
    struct kafka *k = out->priv;
    struct err err;
    int wait = timeout_ms;

    k->last_poll_ms = timeout_ms;
    if (k->fatal) {
        producer_free(k); /* the purge reports put everything on the retry list */
        k->fatal = false;
        if (producer_new(k, &err) < 0) {
            log_error(k->comp, "cannot restart producer: %s", err.msg);
            k->fatal = true;
            return -1;
        }
        log_info(k->comp, "producer restarted requeued=%zu", k->n_retry);
    }
    produce_retries(k);
    if (k->retry_head && wait > 0) {
        int64_t until = k->retry_head->not_before_ms - clock_mono_ms();
        if (until < wait)
            wait = until > 0 ? (int)until : 0;
    }
    rd_kafka_poll(k->rk, wait);
    produce_retries(k);
    return 0;
}

static size_t kafka_pending(const struct output *out)
{
    const struct kafka *k = out->priv;

    return k ? k->in_flight + k->n_retry : 0;
}

static void kafka_close(struct output *out)
{
    struct kafka *k = out->priv;
    int flush_ms = KAFKA_CLOSE_CAP_MS;
    struct retry *r;

    if (!k)
        return;
    if (k->last_poll_ms >= 0 && k->last_poll_ms < flush_ms)
        flush_ms = k->last_poll_ms;
    if (k->rk && !k->fatal) { /* one last chance for waiting retries within the flush window */
        for (r = k->retry_head; r; r = r->next)
            r->not_before_ms = 0;
        produce_retries(k);
    }
    k->closing = true;
    if (k->rk && k->in_flight)
        rd_kafka_flush(k->rk, flush_ms); /* serves delivery reports: late acks still count */
    if (k->in_flight + k->n_retry)
        log_warn(k->comp, "closing with undelivered messages n=%zu (not acked)",
                 k->in_flight + k->n_retry);
    producer_free(k);
    while ((r = k->retry_head)) {
        k->retry_head = r->next;
        free_retry(r, true);
    }
    rd_kafka_conf_destroy(k->conf);
    free(k);
    out->priv = NULL;
    out->stats.connected = 0;
}

const struct output_ops output_kafka_ops = {
    .type = "kafka",
    .validate = kafka_validate,
    .open = kafka_open,
    .submit = kafka_submit,
    .poll = kafka_poll,
    .pending = kafka_pending,
    .reopen = NULL,
    .close = kafka_close,
};
