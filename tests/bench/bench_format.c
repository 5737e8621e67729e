/* bench_format.c - formatter throughput on one core: events/s and MB/s per output format.
 * Prints numbers only, never pass/fail. Usage: bench_format [events-per-format [format]] */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "format.h"
#include "xalloc.h"

static struct audit_event *make_event(int variant)
{
    struct audit_event *ev = xmalloc(sizeof(*ev));

    ev_reset(ev);
    ev->ts_ms = 1714566896789LL + variant * 1003;
    ev->severity = variant == 2 ? 7 : 5;
    ev->outcome = variant == 2 ? OUTCOME_FAILURE : OUTCOME_SUCCESS;
    ev_set(ev, &ev->class, variant == 2 ? "auth.login" : "deployment.update");
    ev_set(ev, &ev->name, variant == 2 ? "User login failed" : "Deployment updated");
    ev_set(ev, &ev->user, variant == 2 ? "mallory\\admin" : "alice@example.com");
    ev_set(ev, &ev->auth_type, "cookie");
    ev_set(ev, &ev->src_ip, variant == 1 ? "2001:db8::7" : "203.0.113.7");
    ev->src_port = 51514;
    ev_set(ev, &ev->method, "PUT");
    ev_set(ev, &ev->path, "/deployments/0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    ev_set(ev, &ev->query, "validate_only=false&skip_snapshot=true");
    ev->status = variant == 2 ? 401 : 200;
    ev->duration_ms = 1830;
    ev_set(ev, &ev->user_agent,
           "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 "
           "Firefox/125.0");
    ev_set(ev, &ev->request_id, "4f0270b671792633e355037f6f116382");
    ev_set(ev, &ev->dedup_key, "services-logs-2024.05.01/Zx9Yw8Vu7tAbCdEf");
    ev_set(ev, &ev->deployment_id, "0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    ev_set(ev, &ev->deployment_name, "prod-search (EU)");
    ev_set(ev, &ev->region, "ece-region");
    ev_set(ev, &ev->dest_host, "ece.example.com");
    ev->dest_port = 12443;
    ev_set(ev, &ev->message,
           variant == 2 ? "invalid credentials\nattempt 3 of 5" : "plan change: size=8g|zones=2");
    return ev;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: one core, robust to a busy host */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"rfc5424-cef", "cef",          "rfc5424-leef", "leef",
                                        "json",        "rfc5424-json", "rfc3164-cef"};
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    struct audit_event *evs[3] = {make_event(0), make_event(1), make_event(2)};
    struct format_opts fo;
    struct strbuf sb;

    if (n <= 0)
        n = 1000000;
    strbuf_init(&sb, 64 * 1024);
    for (size_t f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
        size_t bytes = 0;
        double t0, dt;
        if (argc > 2 && strcmp(argv[2], names[f]) != 0)
            continue;
        format_opts_default(&fo);
        if (format_parse_name(names[f], &fo) < 0)
            return 1;
        for (long i = 0; i < n / 10; i++) { /* warm-up */
            strbuf_reset(&sb);
            format_message(evs[i % 3], &fo, &sb);
        }
        t0 = now();
        for (long i = 0; i < n; i++) {
            strbuf_reset(&sb);
            if (format_message(evs[i % 3], &fo, &sb) < 0)
                return 1;
            bytes += sb.len;
        }
        dt = now() - t0;
        printf("%-13s %10.0f events/s  %7.1f MB/s  %4zu bytes/event  %6.1f ns/event\n", names[f],
               (double)n / dt, (double)bytes / dt / 1e6, bytes / (size_t)n, dt * 1e9 / (double)n);
    }
    strbuf_fini(&sb);
    for (int i = 0; i < 3; i++)
        free(evs[i]);
    return 0;
}
