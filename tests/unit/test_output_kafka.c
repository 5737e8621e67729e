/* test_output_kafka.c - output_kafka_ops without a broker: validate() rules, secret masking,
 * and the no-drop contract of submit() (QUEUE_FULL -> OUT_BUSY, nothing acked, close bounded). */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "log.h"
#include "output.h"

#define UNREACHABLE "127.0.0.1:1" /* nothing listens on port 1: connections are refused */

static void cfg_init(struct cfg_output *co, const char *brokers, const char *topic)
{
    memset(co, 0, sizeof(*co));
    co->name = (char *)"bus";
    co->type = OUT_TYPE_KAFKA;
    co->brokers = (char *)brokers;
    co->topic = (char *)topic;
}

static void add_prop(struct cfg_output *co, const char *name, const char *value, bool secret)
{
    co->props[co->n_props].name = (char *)name;
    co->props[co->n_props].value = (char *)value;
    co->props[co->n_props].secret = secret;
    co->n_props++;
}

/* One validate() case: properties, expected result, text the error must / must not contain. */
struct vcase {
    const char *brokers, *topic;
    const char *pname, *pvalue;
    bool secret;
    int rc;
    const char *must, *must_not;
};

static const struct vcase vcases[] = {
    {"k1:9092,k2:9092", "ece-audit", NULL, NULL, false, 0, NULL, NULL},
    {NULL, "ece-audit", NULL, NULL, false, -1, "brokers", NULL},
    {"", "ece-audit", NULL, NULL, false, -1, "brokers", NULL},
    {"k1:9092", NULL, NULL, NULL, false, -1, "topic", NULL},
    {"k1:9092", "t", "compression.type", "zstd", false, 0, NULL, NULL},
    {"k1:9092", "t", "linger.ms", "5", false, 0, NULL, NULL},
    {"k1:9092", "t", "no.such.property", "1", false, -1, "'no.such.property'", NULL},
    {"k1:9092", "t", "compression.type", "bogus", false, -1, "compression.type", NULL},
    /* a secret's value never appears, even when librdkafka would quote it */
    {"k1:9092", "t", "compression.type", "hunter2", true, -1, "compression.type", "hunter2"},
    {"k1:9092", "t", "sasl.password", "hunter2", false, 0, NULL, NULL},
    /* acks other than all would make delivery reports meaningless for the checkpoint */
    {"k1:9092", "t", "acks", "1", false, -1, "acks", NULL},
    {"k1:9092", "t", "acks", "0", false, -1, "acks", NULL},
    {"k1:9092", "t", "acks", "-1", false, 0, NULL, NULL},
};

static void test_validate(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
        const struct vcase *c = &vcases[i];
        struct cfg_output co;
        struct err err = {0};
        int rc;

        cfg_init(&co, c->brokers, c->topic);
        if (c->pname)
            add_prop(&co, c->pname, c->pvalue, c->secret);
        rc = output_kafka_ops.validate(&co, &err);
        if (rc != c->rc)
            fail_msg("case %zu: rc=%d want %d (%s)", i, rc, c->rc, err.msg);
        if (c->rc < 0)
            assert_int_equal(err.kind, ERR_CONFIG);
        if (c->must && !strstr(err.msg, c->must))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, c->must);
        if (c->must_not && strstr(err.msg, c->must_not))
            fail_msg("case %zu: '%s' reveals '%s'", i, err.msg, c->must_not);
    }
}

struct acks {
    int n;
};

static void count_ack(void *ctx, struct output *out, uint64_t token)
{
    (void)out;
    (void)token;
    ((struct acks *)ctx)->n++;
}

static void msg_init(struct out_msg *msg, const char *data, size_t len, uint64_t token)
{
    msg->data = data;
    msg->len = len;
    msg->key = "req-1";
    msg->ev_class = "auth.login";
    msg->dedup_key = "dd-1";
    msg->token = token;
}

/* With no broker, messages wait; a full local queue refuses (OUT_BUSY) instead of dropping. */
static void test_queue_full_is_busy(void **state)
{
    struct cfg_output co;
    struct output out = {.ops = &output_kafka_ops};
    struct acks acks = {0};
    struct out_msg msg;
    struct err err = {0};
    time_t t0;

    (void)state;
    cfg_init(&co, UNREACHABLE, "t");
    add_prop(&co, "queue.buffering.max.messages", "2", false);
    add_prop(&co, "message.timeout.ms", "600000", false);
    out.co = &co;
    out.ack_fn = count_ack;
    out.ack_ctx = &acks;
    assert_int_equal(output_kafka_ops.open(&out, &err), 0);
    msg_init(&msg, "one", 3, 1);
    assert_int_equal(output_kafka_ops.submit(&out, &msg), OUT_QUEUED);
    msg_init(&msg, "two", 3, 2);
    assert_int_equal(output_kafka_ops.submit(&out, &msg), OUT_QUEUED);
    msg_init(&msg, "three", 5, 3);
    assert_int_equal(output_kafka_ops.submit(&out, &msg), OUT_BUSY);
    assert_int_equal(output_kafka_ops.poll(&out, 0), 0);
    assert_int_equal(output_kafka_ops.pending(&out), 2);
    assert_int_equal(out.stats.sent, 2);
    assert_int_equal(out.stats.bytes, 6);
    assert_int_equal(acks.n, 0);
    assert_int_equal(out.stats.acked, 0);
    t0 = time(NULL);
    output_kafka_ops.close(&out); /* last poll timeout was 0: no waiting for a dead broker */
    assert_true(time(NULL) - t0 <= 6);
    assert_null(out.priv);
    assert_int_equal(acks.n, 0);
}

/* A message above message.max.bytes can never be delivered: a configuration problem. */
static void test_too_large_is_fatal(void **state)
{
    static char big[4096];
    struct cfg_output co;
    struct output out = {.ops = &output_kafka_ops};
    struct out_msg msg;
    struct err err = {0};

    (void)state;
    memset(big, 'x', sizeof(big));
    cfg_init(&co, UNREACHABLE, "t");
    add_prop(&co, "message.max.bytes", "1000", false);
    out.co = &co;
    assert_int_equal(output_kafka_ops.open(&out, &err), 0);
    msg_init(&msg, big, sizeof(big), 7);
    assert_int_equal(output_kafka_ops.submit(&out, &msg), OUT_FATAL);
    assert_int_equal(output_kafka_ops.pending(&out), 0);
    msg_init(&msg, big, 100, 8);
    assert_int_equal(output_kafka_ops.submit(&out, &msg), OUT_QUEUED);
    assert_int_equal(output_kafka_ops.pending(&out), 1);
    output_kafka_ops.poll(&out, 0);
    output_kafka_ops.close(&out);
}

static void test_open_rejects_bad_config(void **state)
{
    struct cfg_output co;
    struct output out = {.ops = &output_kafka_ops};
    struct err err = {0};

    (void)state;
    cfg_init(&co, UNREACHABLE, "t");
    add_prop(&co, "batch.num.messages", "not-a-number", false);
    out.co = &co;
    assert_int_equal(output_kafka_ops.open(&out, &err), -1);
    assert_non_null(strstr(err.msg, "batch.num.messages"));
    assert_null(out.priv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_queue_full_is_busy),
        cmocka_unit_test(test_too_large_is_fatal),
        cmocka_unit_test(test_open_rejects_bad_config),
    };

    log_set_level(LOG_LVL_ERROR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
