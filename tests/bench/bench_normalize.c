/* bench_normalize.c - micro benchmark: parse + normalize the 30 ECE samples in a loop, one core.
 * Usage: bench_normalize [docs per mode (default 1000000)] [samples.ndjson]
 * Prints docs/s (CPU time) for normalize_line(), for jdoc parse alone (its own floor), and for
 * json-c strict parse and free alone (the floor of the parser it replaced). */
#include "config.h"
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "err.h"
#include "jdoc.h"
#include "normalize.h"
#include "xalloc.h"

#define MAX_LINES 256
#define ROUNDS 5

static double clk(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall clock and this process's CPU time: on a shared machine the CPU-time rate is the
 * one to compare. */
static double now(void) { return clk(CLOCK_MONOTONIC); }
static double cpu(void) { return clk(CLOCK_PROCESS_CPUTIME_ID); }

int main(int argc, char **argv)
{
    long docs = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    char path[4096];
    const char *shared = getenv("SHARED_DIR");
    char *lines[MAX_LINES], *l = NULL;
    size_t lens[MAX_LINES], cap = 0, bytes = 0;
    ssize_t r;
    int n = 0, bad = 0;
    FILE *f;
    static struct audit_event ev;
    struct err err;
    struct norm_ctx *nc = norm_ctx_new();

    if (argc > 2)
        snprintf(path, sizeof(path), "%s", argv[2]);
    else
        snprintf(path, sizeof(path), "%s/data/ece-samples.ndjson", shared ? shared : "../shared");
    if (docs <= 0 || (f = fopen(path, "r")) == NULL) {
        fprintf(stderr, "usage: bench_normalize [docs] [samples.ndjson] (cannot open %s)\n", path);
        return 2;
    }
    while (n < MAX_LINES && (r = getline(&l, &cap, f)) > 0) {
        while (r > 0 && (l[r - 1] == '\n' || l[r - 1] == '\r'))
            r--;
        if (r == 0)
            continue;
        lines[n] = xstrndup(l, (size_t)r);
        lens[n++] = (size_t)r;
    }
    free(l);
    fclose(f);
    if (n == 0)
        return 2;

    /* The three modes run in interleaved rounds and each keeps its best round, so a neighbour's
     * load on a shared machine skews them alike. */
    struct json_tokener *strict = json_tokener_new_ex(64);
    struct jdoc *jd = jdoc_new(64);
    double best[3] = { 0, 0, 0 }, wall[3] = { 0, 0, 0 };
    long per = docs / ROUNDS > 0 ? docs / ROUNDS : 1;
    static const char *const what[3] = { "normalize_line", "jdoc parse only (floor)", "json-c parse only" };

    json_tokener_set_flags(strict, JSON_TOKENER_STRICT);
    for (int round = 0; round < ROUNDS; round++) {
        for (int mode = 0; mode < 3; mode++) {
            double t0 = now(), c0 = cpu();
            for (long i = 0; i < per; i++) {
                int k = (int)(i % n);
                struct json_object *o;
                if (mode == 0) {
                    bytes += lens[k];
                    bad += normalize_line(nc, lines[k], lens[k], &ev, &err) != NORM_OK;
                    continue;
                }
                if (mode == 1) {
                    bad += jdoc_parse(jd, lines[k], lens[k], NULL) == NULL;
                    continue;
                }
                json_tokener_reset(strict);
                o = json_tokener_parse_ex(strict, lines[k], (int)lens[k]);
                bad += o == NULL;
                json_object_put(o);
            }
            double c = (double)per / (cpu() - c0), w = (double)per / (now() - t0);
            if (c > best[mode])
                best[mode] = c;
            if (w > wall[mode])
                wall[mode] = w;
        }
    }
    for (int mode = 0; mode < 3; mode++)
        printf("%-30s %8.0f docs/s CPU, %8.0f docs/s wall (best of %d rounds of %ld docs)\n", what[mode], best[mode],
               wall[mode], ROUNDS, per);
    printf("normalize_line = %.0f%% of the jdoc parse-only floor (%.0f MB/s); %d not OK\n", 100.0 * best[0] / best[1],
           best[0] * (double)bytes / (double)(per * ROUNDS) / 1e6, bad);
    jdoc_free(jd);
    json_tokener_free(strict);
    for (int i = 0; i < n; i++)
        free(lines[i]);
    norm_ctx_free(nc);
    return 0;
}
