/* out_driver.c - test helper: drive one syslog output (include/output.h only) with numbered
 * messages or lines from stdin, poll until every message is acked or a deadline passes,
 * and print the counters. Knows nothing of the agent loop, sources or formatters.
 *
 *   out_driver --transport tcp --port 1514 [--framing lf] [--count N | --stdin] ...
 * Numbered message n (token n):
 *   <110>1 2026-05-01T12:00:00.000Z HOST APP - CEF - CEF:0|Elastic|ECE|0.1.0|test.numbered|
 *   Numbered test message|3|cn1Label=seq cn1=n msg=payload n[ padding]
 * stdin: one message per line (token = line number); --unescape turns \n \r \\ into bytes.
 * --acked-file F: acked tokens, one per line, and a "# connection lost" line whenever the
 * output's failed counter moved (tokens above it were acked before the loss was noticed).
 * --ack-delay-ms D: the output's ack_delay (default 2000, the configuration default).
 * Exit: 0 all acked, 1 deadline passed with messages pending, 2 usage or open failure. */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "output.h"
#include "strbuf.h"
#include "xalloc.h"

struct driver {
    FILE *acked_fp;
    uint64_t acked;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_ack(void *ctx, struct output *out, uint64_t token)
{
    struct driver *d = ctx;

    (void)out;
    d->acked++;
    if (d->acked_fp)
        fprintf(d->acked_fp, "%llu\n", (unsigned long long)token);
}

static int num(const char *s, long long lo, long long hi, long long *v)
{
    char *end;

    errno = 0;
    *v = strtoll(s, &end, 10);
    if (errno || end == s || *end || *v < lo || *v > hi) {
        fprintf(stderr, "out_driver: bad number '%s'\n", s);
        return -1;
    }
    return 0;
}

static void unescape(struct strbuf *sb, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len && strchr("nr\\", s[i + 1])) {
            i++;
            strbuf_addc(sb, s[i] == 'n' ? '\n' : s[i] == 'r' ? '\r' : '\\');
        } else {
            strbuf_addc(sb, s[i]);
        }
    }
}

enum { O_TRANSPORT = 256, O_FRAMING, O_HOST, O_PORT, O_CA, O_CERT, O_KEY, O_SNI, O_NOVERIFY,
       O_MAXMSG, O_COUNT, O_START, O_STDIN, O_UNESCAPE, O_TIMEOUT, O_ACKED, O_HOSTNAME, O_APP,
       O_PAD, O_CONNTO, O_RECMAX, O_VERBOSE, O_QUIET, O_ACKDELAY };

static const struct option opts[] = {
    {"transport", 1, 0, O_TRANSPORT}, {"framing", 1, 0, O_FRAMING}, {"host", 1, 0, O_HOST},
    {"port", 1, 0, O_PORT}, {"ca", 1, 0, O_CA}, {"cert", 1, 0, O_CERT}, {"key", 1, 0, O_KEY},
    {"server-name", 1, 0, O_SNI}, {"no-verify", 0, 0, O_NOVERIFY},
    {"max-message", 1, 0, O_MAXMSG}, {"count", 1, 0, O_COUNT}, {"start", 1, 0, O_START},
    {"stdin", 0, 0, O_STDIN}, {"unescape", 0, 0, O_UNESCAPE}, {"timeout-ms", 1, 0, O_TIMEOUT},
    {"acked-file", 1, 0, O_ACKED}, {"hostname", 1, 0, O_HOSTNAME}, {"app", 1, 0, O_APP},
    {"pad", 1, 0, O_PAD}, {"connect-timeout-ms", 1, 0, O_CONNTO},
    {"reconnect-max-ms", 1, 0, O_RECMAX}, {"verbose", 0, 0, O_VERBOSE}, {"quiet", 0, 0, O_QUIET},
    {"ack-delay-ms", 1, 0, O_ACKDELAY},
    {0, 0, 0, 0}};

struct args {
    struct cfg_output co;
    long long count, start, timeout_ms, pad;
    bool from_stdin, unescape;
    const char *acked_file, *hostname, *app;
};

static int parse_args(int argc, char **argv, struct args *a)
{
    int c;
    long long v;

    memset(a, 0, sizeof(*a));
    static char name[] = "drv", host[] = "127.0.0.1";

    a->co.name = name;
    a->co.type = OUT_TYPE_SYSLOG;
    a->co.host = host;
    a->co.tls.verify = true;
    a->co.ack_delay_ms = 2000; /* as cfg_keys.c: ack_delay = "2s" */
    a->start = 1;
    a->timeout_ms = 30000;
    a->hostname = "drv-host";
    a->app = "ece-auditd";
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_TRANSPORT:
            if (!strcmp(optarg, "udp"))
                a->co.transport = TRANSPORT_UDP;
            else if (!strcmp(optarg, "tcp"))
                a->co.transport = TRANSPORT_TCP;
            else if (!strcmp(optarg, "tls"))
                a->co.transport = TRANSPORT_TLS;
            else
                return -1;
            break;
        case O_FRAMING:
            a->co.framing = !strcmp(optarg, "lf") ? FRAMING_LF : FRAMING_OCTET;
            break;
        case O_HOST: a->co.host = optarg; break;
        case O_PORT:
            if (num(optarg, 1, 65535, &v) < 0)
                return -1;
            a->co.port = (int)v;
            break;
        case O_CA: a->co.tls.ca_file = optarg; break;
        case O_CERT: a->co.tls.cert_file = optarg; break;
        case O_KEY: a->co.tls.key_file = optarg; break;
        case O_SNI: a->co.tls.server_name = optarg; break;
        case O_NOVERIFY: a->co.tls.verify = false; break;
        case O_MAXMSG:
            if (num(optarg, 0, 1 << 24, &v) < 0)
                return -1;
            a->co.max_message = (int)v;
            break;
        case O_COUNT: if (num(optarg, 0, 100000000, &a->count) < 0) return -1; break;
        case O_START: if (num(optarg, 0, 1LL << 40, &a->start) < 0) return -1; break;
        case O_STDIN: a->from_stdin = true; break;
        case O_UNESCAPE: a->unescape = true; break;
        case O_TIMEOUT: if (num(optarg, 0, 1LL << 31, &a->timeout_ms) < 0) return -1; break;
        case O_ACKED: a->acked_file = optarg; break;
        case O_HOSTNAME: a->hostname = optarg; break;
        case O_APP: a->app = optarg; break;
        case O_PAD: if (num(optarg, 0, 1 << 24, &a->pad) < 0) return -1; break;
        case O_CONNTO: if (num(optarg, 0, 1LL << 31, &v) < 0) return -1; a->co.timeout_ms = v; break;
        case O_RECMAX: if (num(optarg, 0, 1LL << 31, &v) < 0) return -1; a->co.reconnect_max_ms = v; break;
        case O_ACKDELAY:
            if (num(optarg, 0, 1LL << 31, &v) < 0)
                return -1;
            a->co.ack_delay_ms = v;
            break;
        case O_VERBOSE: log_set_level(LOG_LVL_DEBUG); break;
        case O_QUIET: log_set_level(LOG_LVL_WARN); break;
        default: return -1;
        }
    }
    return a->co.port ? 0 : -1;
}

/* Next message into @p sb; 0 = none left. */
static int next_message(struct args *a, struct strbuf *sb, uint64_t *token, uint64_t *n_done)
{
    strbuf_reset(sb);
    if (a->from_stdin) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len = getline(&line, &cap, stdin);
        if (len < 0) {
            free(line);
            return 0;
        }
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (a->unescape)
            unescape(sb, line, (size_t)len);
        else
            strbuf_add(sb, line, (size_t)len);
        free(line);
        *token = ++*n_done;
        return 1;
    }
    if (*n_done >= (uint64_t)a->count)
        return 0;
    *token = (uint64_t)a->start + (*n_done)++;
    strbuf_addf(sb, "<110>1 2026-05-01T12:00:00.000Z %s %s - CEF - CEF:0|Elastic|ECE|0.1.0|"
                "test.numbered|Numbered test message|3|cn1Label=seq cn1=%llu msg=payload %llu",
                a->hostname, a->app, (unsigned long long)*token, (unsigned long long)*token);
    for (long long i = 0; i < a->pad; i++)
        strbuf_addc(sb, (char)('a' + i % 26));
    return 1;
}

int main(int argc, char **argv)
{
    struct args a;
    struct driver d = {0};
    struct output out;
    struct err err = {0};
    struct strbuf sb;
    uint64_t token = 0, n_done = 0, failed_seen = 0;
    int64_t t0, deadline, t_end;
    bool have = false, more = true;
    int rc = 2;

    if (parse_args(argc, argv, &a) < 0) {
        fprintf(stderr, "usage: out_driver --port P [--transport udp|tcp|tls] [--framing octet|lf]"
                        " [--count N|--stdin] ... (see the source)\n");
        return 2;
    }
    memset(&out, 0, sizeof(out));
    out.ops = &output_syslog_ops;
    out.co = &a.co;
    out.ack_fn = on_ack;
    out.ack_ctx = &d;
    if (a.acked_file && (d.acked_fp = fopen(a.acked_file, "w")) == NULL) {
        perror(a.acked_file);
        return 2;
    }
    if (out.ops->validate(&a.co, &err) < 0 || out.ops->open(&out, &err) < 0) {
        fprintf(stderr, "out_driver: %s\n", err.msg);
        goto done;
    }
    strbuf_init(&sb, 0);
    t0 = now_ms();
    deadline = t0 + a.timeout_ms;
    for (;;) {
        while (more) {
            if (!have && !(have = next_message(&a, &sb, &token, &n_done))) {
                more = false;
                break;
            }
            struct out_msg m = {.data = strbuf_str(&sb), .len = sb.len, .token = token};
            if (out.ops->submit(&out, &m) == OUT_BUSY)
                break;
            have = false;
        }
        if (!more && out.ops->pending(&out) == 0)
            break;
        if (now_ms() >= deadline)
            break;
        out.ops->poll(&out, 100);
        if (d.acked_fp && out.stats.failed != failed_seen) {
            /* tokens above this line were acked before the loss was noticed */
            fprintf(d.acked_fp, "# connection lost failed=%llu\n",
                    (unsigned long long)out.stats.failed);
            failed_seen = out.stats.failed;
        }
        if (d.acked_fp)
            fflush(d.acked_fp); /* the tests watch this file while we run */
    }
    t_end = now_ms();
    rc = (!more && out.ops->pending(&out) == 0) ? 0 : 1;
    printf("sent=%llu acked=%llu retried=%llu failed=%llu truncated=%llu bytes=%llu pending=%zu "
           "elapsed_ms=%lld rate=%.0f\n",
           (unsigned long long)out.stats.sent, (unsigned long long)out.stats.acked,
           (unsigned long long)out.stats.retried, (unsigned long long)out.stats.failed,
           (unsigned long long)out.stats.truncated, (unsigned long long)out.stats.bytes,
           out.ops->pending(&out), (long long)(t_end - t0),
           t_end > t0 ? (double)out.stats.acked * 1000.0 / (double)(t_end - t0) : 0.0);
    fflush(stdout);
    out.ops->close(&out);
    strbuf_fini(&sb);
done:
    if (d.acked_fp)
        fclose(d.acked_fp);
    return rc;
}
