/* bench_normalize.c - micro benchmark: parse + normalize the 30 ECE samples in a loop, one core.
 * Usage: bench_normalize [docs (default 1000000)] [samples.ndjson]
 * Prints docs/s for normalize_line() (in-place tokenizer) and for json-c + normalize_doc(). */
#include "config.h"
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "err.h"
#include "normalize.h"
#include "xalloc.h"

#define MAX_LINES 256

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

    double t0 = now(), c0 = cpu();
    for (long i = 0; i < docs; i++) {
        int k = (int)(i % n);
        bytes += lens[k];
        if (normalize_line(nc, lines[k], lens[k], &ev, &err) != NORM_OK)
            bad++;
    }
    double t1 = now(), c1 = cpu();
    printf("normalize_line: %ld docs in %.3f s = %.0f docs/s wall, %.0f docs/s CPU (%.0f MB/s), %d not OK\n",
           docs, t1 - t0, (double)docs / (t1 - t0), (double)docs / (c1 - c0), (double)bytes / (c1 - c0) / 1e6, bad);

    long docs2 = docs / 4 > 0 ? docs / 4 : 1;
    struct json_tokener *tk = json_tokener_new();
    bad = 0;
    t0 = now();
    c0 = cpu();
    for (long i = 0; i < docs2; i++) {
        int k = (int)(i % n);
        json_tokener_reset(tk);
        struct json_object *o = json_tokener_parse_ex(tk, lines[k], (int)lens[k]);
        if (normalize_doc(nc, o, &ev, &err) != NORM_OK)
            bad++;
        json_object_put(o);
    }
    t1 = now();
    c1 = cpu();
    printf("json-c + normalize_doc: %ld docs in %.3f s = %.0f docs/s wall, %.0f docs/s CPU, %d not OK\n", docs2,
           t1 - t0, (double)docs2 / (t1 - t0), (double)docs2 / (c1 - c0), bad);
    json_tokener_free(tk);
    for (int i = 0; i < n; i++)
        free(lines[i]);
    norm_ctx_free(nc);
    return 0;
}
