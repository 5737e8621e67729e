/* replay_main.c - runs a libFuzzer target over files (the checked-in corpus) without
 * libFuzzer, so `make check` exercises every corpus file under the sanitizer build. */
#include "config.h"
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    uint8_t *buf;
    size_t n;

    if (fp == NULL || fstat(fileno(fp), &st) != 0) {
        if (fp)
            fclose(fp);
        return -1;
    }
    buf = malloc((size_t)st.st_size + 1);
    n = fread(buf, 1, (size_t)st.st_size, fp);
    fclose(fp);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0;
    char def[4096];

    if (argc < 2) {
        /* default: the checked-in corpus of this target */
        const char *top = getenv("TOP_SRCDIR");
        snprintf(def, sizeof(def), "%s/tests/fuzz/corpus/%s", top ? top : ".", CORPUS_NAME);
        char *args[] = {argv[0], def, NULL};
        argv = args;
        argc = 2;
        return main(argc, argv);
    }

    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (d == NULL) {
            if (run_file(argv[i]) == 0)
                files++;
            continue;
        }
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            char p[4096];
            if (de->d_name[0] == '.')
                continue;
            snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
            if (run_file(p) == 0)
                files++;
        }
        closedir(d);
    }
    printf("1..1\nok 1 - %d corpus files ran without a crash\n", files);
    return files > 0 ? 0 : 1;
}
