/* kafka_mock.c - test peer: librdkafka's mock Kafka cluster on loopback, steered by text commands.
 * Knows nothing of the agent; it is a broker that tests can break on purpose.
 *
 * usage: kafka_mock --bootstraps-file F [--brokers 3] [--topic T --partitions N]
 *                   [--control FIFO]   (default: commands on stdin)
 * Commands, one per line; each is answered on stdout with "ok <n> <command>" or "error <n> ...":
 *   down <broker>  up <broker>  alldown  allup  leader <partition> <broker>
 *   err <count> <apikey|produce> <errcode|ERROR_NAME>   (push request errors, e.g. err 5 produce 6)
 * Runs until SIGTERM/SIGINT. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_ERRS 1000

static volatile sig_atomic_t stop;

struct mock {
    rd_kafka_mock_cluster_t *mc;
    int n_brokers;
    const char *topic;
    unsigned long n_cmd;
};

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int parse_int(const char *s, long *v)
{
    char *end;

    errno = 0;
    *v = strtol(s, &end, 10);
    return (errno || end == s || *end) ? -1 : 0;
}

/* A number, or an error name as librdkafka spells it without the RD_KAFKA_RESP_ERR_ prefix. */
static int parse_errcode(const char *s, rd_kafka_resp_err_t *e)
{
    const struct rd_kafka_err_desc *descs;
    size_t n;
    long v;

    if (parse_int(s, &v) == 0) {
        *e = (rd_kafka_resp_err_t)v;
        return 0;
    }
    rd_kafka_get_err_descs(&descs, &n);
    for (size_t i = 0; i < n; i++)
        if (descs[i].name && strcasecmp(descs[i].name, s) == 0) {
            *e = descs[i].code;
            return 0;
        }
    return -1;
}

static int write_file_atomic(const char *path, const char *text)
{
    char tmp[4096];
    FILE *fp;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fp = fopen(tmp, "w");
    if (!fp)
        return -1;
    fprintf(fp, "%s\n", text);
    if (fclose(fp) != 0)
        return -1;
    return rename(tmp, path);
}

static int all_brokers(struct mock *m, int up)
{
    for (int id = 1; id <= m->n_brokers; id++) {
        rd_kafka_resp_err_t e = up ? rd_kafka_mock_broker_set_up(m->mc, id)
                                   : rd_kafka_mock_broker_set_down(m->mc, id);
        if (e)
            return -1;
    }
    return 0;
}

static int run_command(struct mock *m, char *line)
{
    char *argv[5] = {0};
    int argc = 0;
    long a = 0, b = 0;
    char *p = line;

    while (argc < 5) {
        p += strspn(p, " \t\r");
        if (!*p)
            break;
        argv[argc++] = p;
        p += strcspn(p, " \t\r");
        if (*p)
            *p++ = '\0';
    }
    if (argc == 0)
        return 1; /* blank line: no answer */
    if (argc == 1 && !strcmp(argv[0], "alldown"))
        return all_brokers(m, 0) == 0;
    if (argc == 1 && !strcmp(argv[0], "allup"))
        return all_brokers(m, 1) == 0;
    if (argc == 2 && !strcmp(argv[0], "down") && parse_int(argv[1], &a) == 0)
        return rd_kafka_mock_broker_set_down(m->mc, (int32_t)a) == 0;
    if (argc == 2 && !strcmp(argv[0], "up") && parse_int(argv[1], &a) == 0)
        return rd_kafka_mock_broker_set_up(m->mc, (int32_t)a) == 0;
    if (argc == 3 && !strcmp(argv[0], "leader") && parse_int(argv[1], &a) == 0 &&
        parse_int(argv[2], &b) == 0)
        return rd_kafka_mock_partition_set_leader(m->mc, m->topic, (int32_t)a, (int32_t)b) == 0;
    if (argc == 4 && !strcmp(argv[0], "err") && parse_int(argv[1], &a) == 0 && a > 0 &&
        a <= MAX_ERRS) {
        static rd_kafka_resp_err_t errs[MAX_ERRS];
        rd_kafka_resp_err_t e;
        long key;

        if (!strcasecmp(argv[2], "produce"))
            key = 0; /* ApiKey Produce */
        else if (parse_int(argv[2], &key) < 0)
            return 0;
        if (parse_errcode(argv[3], &e) < 0)
            return 0;
        for (long i = 0; i < a; i++)
            errs[i] = e;
        rd_kafka_mock_push_request_errors_array(m->mc, (int16_t)key, (size_t)a, errs);
        return 1;
    }
    return 0;
}

/* Answer every complete line in buf; keep an incomplete tail. */
static void serve_lines(struct mock *m, char *buf, size_t *len)
{
    char *start = buf, *nl;

    while ((nl = memchr(start, '\n', *len - (size_t)(start - buf)))) {
        char copy[4096];
        *nl = '\0';
        snprintf(copy, sizeof(copy), "%s", start);
        if (start[strspn(start, " \t\r")] != '\0') {
            m->n_cmd++;
            if (run_command(m, start))
                printf("ok %lu %s\n", m->n_cmd, copy);
            else
                printf("error %lu %s\n", m->n_cmd, copy);
            fflush(stdout);
        }
        start = nl + 1;
    }
    *len -= (size_t)(start - buf);
    memmove(buf, start, *len);
}

static void usage(void)
{
    fprintf(stderr, "usage: kafka_mock --bootstraps-file F [--brokers N] [--topic T] "
                    "[--partitions N] [--control FIFO]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *bsfile = NULL, *control = NULL;
    long brokers = 3, partitions = 4;
    struct mock m = {.topic = "ece-audit"};
    char errstr[512], buf[4096];
    size_t len = 0;
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    int fd = STDIN_FILENO;

    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (!strcmp(argv[i], "--bootstraps-file"))
            bsfile = argv[++i];
        else if (!strcmp(argv[i], "--control"))
            control = argv[++i];
        else if (!strcmp(argv[i], "--topic"))
            m.topic = argv[++i];
        else if (!strcmp(argv[i], "--brokers") && parse_int(argv[i + 1], &brokers) == 0)
            i++;
        else if (!strcmp(argv[i], "--partitions") && parse_int(argv[i + 1], &partitions) == 0)
            i++;
        else
            usage();
    }
    if (!bsfile || brokers < 1 || partitions < 1)
        usage();
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);

    conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "kafka_mock: %s\n", errstr);
        return 1;
    }
    m.n_brokers = (int)brokers;
    m.mc = rd_kafka_mock_cluster_new(rk, m.n_brokers);
    if (!m.mc || rd_kafka_mock_topic_create(m.mc, m.topic, (int)partitions, m.n_brokers)) {
        fprintf(stderr, "kafka_mock: cannot create the mock cluster\n");
        return 1;
    }
    if (control) {
        /* O_RDWR: opening never blocks and writers may come and go without EOF */
        fd = open(control, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "kafka_mock: %s: %s\n", control, strerror(errno));
            return 1;
        }
    }
    if (write_file_atomic(bsfile, rd_kafka_mock_cluster_bootstraps(m.mc)) < 0) {
        fprintf(stderr, "kafka_mock: %s: %s\n", bsfile, strerror(errno));
        return 1;
    }
    fprintf(stderr, "kafka_mock: bootstraps=%s topic=%s partitions=%ld\n",
            rd_kafka_mock_cluster_bootstraps(m.mc), m.topic, partitions);

    while (!stop) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (fd < 0) {
            poll(NULL, 0, 200);
            continue;
        }
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        n = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (n <= 0) { /* stdin closed: keep serving until a signal */
            fd = -1;
            continue;
        }
        len += (size_t)n;
        serve_lines(&m, buf, &len);
        if (len == sizeof(buf) - 1)
            len = 0; /* an absurd line: drop it */
    }
    rd_kafka_mock_cluster_destroy(m.mc);
    rd_kafka_destroy(rk);
    return 0;
}
