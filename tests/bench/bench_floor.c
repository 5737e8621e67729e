/* bench_floor.c - the floor: parse each NDJSON line with json-c and write nothing.
 * The agent cannot go below this cost with this parser. Usage: bench_floor FILE */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

int main(int argc, char **argv)
{
    FILE *fp = argc > 1 ? fopen(argv[1], "r") : stdin;
    struct json_tokener *tok = json_tokener_new();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long long docs = 0;

    if (fp == NULL)
        return 1;
    while ((n = getline(&line, &cap, fp)) > 0) {
        json_tokener_reset(tok);
        struct json_object *o = json_tokener_parse_ex(tok, line, (int)n);
        if (o)
            docs++;
        json_object_put(o);
    }
    fprintf(stderr, "parsed=%llu\n", docs);
    free(line);
    json_tokener_free(tok);
    return 0;
}
