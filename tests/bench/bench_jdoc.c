/* bench_jdoc.c - speed check, not a test: microseconds per NDJSON document for jdoc and for
 * json-c (parse + five lookups), over the lines of FILE, PASSES times (default 3). */
#include "config.h"
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jdoc.h"
#include "xalloc.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    static const char *const keys[] = {"@timestamp", "request_id", "method", "path", "status"};
    FILE *fp;
    char *buf = NULL, **line = NULL;
    size_t cap = 0, *lens = NULL, nl = 0, ncap = 0, sink = 0;
    ssize_t n;
    int passes = argc > 2 ? atoi(argv[2]) : 3;

    if (argc < 2 || (fp = fopen(argv[1], "r")) == NULL) {
        fprintf(stderr, "usage: bench_jdoc FILE.ndjson [passes]\n");
        return 2;
    }
    while ((n = getline(&buf, &cap, fp)) > 0) {
        if (nl == ncap) {
            ncap = ncap ? ncap * 2 : 1024;
            line = xrealloc(line, ncap * sizeof(*line));
            lens = xrealloc(lens, ncap * sizeof(*lens));
        }
        line[nl] = xstrndup(buf, (size_t)n);
        lens[nl++] = (size_t)n;
    }
    fclose(fp);
    free(buf);
    struct jdoc *d = jdoc_new(64);
    for (int p = 0; p < passes; p++) {
        size_t bytes = 0, bad = 0;
        double t0 = now();
        for (size_t i = 0; i < nl; i++) {
            struct jnode *r = jdoc_parse(d, line[i], lens[i], NULL);
            bytes += lens[i];
            if (r == NULL) {
                bad++;
                continue;
            }
            for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
                size_t l = 0;
                struct jnode *v = jnode_get(r, keys[k], strlen(keys[k]));
                if (v && jnode_str(v, &l))
                    sink += l;
            }
        }
        double t1 = now();
        struct json_tokener *tok = json_tokener_new();
        for (size_t i = 0; i < nl; i++) {
            json_tokener_reset(tok);
            struct json_object *o = json_tokener_parse_ex(tok, line[i], (int)lens[i]);
            if (o == NULL)
                continue;
            for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
                struct json_object *v;
                if (json_object_object_get_ex(o, keys[k], &v) &&
                    json_object_is_type(v, json_type_string))
                    sink += (size_t)json_object_get_string_len(v);
            }
            json_object_put(o);
        }
        json_tokener_free(tok);
        double t2 = now();
        printf("docs=%zu avg_bytes=%zu rejected=%zu jdoc=%.3f us/doc json-c=%.3f us/doc\n", nl,
               nl ? bytes / nl : 0, bad, (t1 - t0) * 1e6 / (double)nl,
               (t2 - t1) * 1e6 / (double)nl);
    }
    jdoc_free(d);
    for (size_t i = 0; i < nl; i++)
        free(line[i]);
    free(line);
    free(lens);
    return sink == 42 ? 1 : 0;
}
