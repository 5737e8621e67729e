/* bench_floor.c - the floors: parse each NDJSON line and write nothing, with jdoc (the agent's
 * parser: the cost it cannot go below) or with json-c (the parser it replaced).
 * Usage: bench_floor FILE [jdoc|json-c] */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "jdoc.h"

int main(int argc, char **argv)
{
    FILE *fp = argc > 1 ? fopen(argv[1], "r") : stdin;
    bool use_jsonc = argc > 2 && strcmp(argv[2], "json-c") == 0;
    struct json_tokener *tok = json_tokener_new_ex(64);
    struct jdoc *d = jdoc_new(64);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long long docs = 0;

    if (fp == NULL)
        return 1;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    while ((n = getline(&line, &cap, fp)) > 0) {
        if (use_jsonc) {
            json_tokener_reset(tok);
            struct json_object *o = json_tokener_parse_ex(tok, line, (int)n);
            docs += o != NULL;
            json_object_put(o);
        } else {
            docs += jdoc_parse(d, line, (size_t)n, NULL) != NULL;
        }
    }
    fprintf(stderr, "parsed=%llu\n", docs);
    free(line);
    jdoc_free(d);
    json_tokener_free(tok);
    return 0;
}
