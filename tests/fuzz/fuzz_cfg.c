/* fuzz_cfg.c - libFuzzer target: arbitrary bytes as a configuration file. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz-cfg-XXXXXX";
    int fd = mkstemp(path);
    struct cfg cfg;
    struct err err;

    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    cfg_defaults(&cfg);
    if (cfg_load(&cfg, path, &err) < 0 && err.msg[0] == '\0')
        abort(); /* every failure must say why */
    cfg_free(&cfg);
    unlink(path);
    return 0;
}
