/* fuzz_checkpoint.c - libFuzzer target: arbitrary bytes as a checkpoint file.
 * A bad file must be refused with a message, never crash or be half-applied. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "checkpoint.h"
#include "cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz-cp-XXXXXX";
    int fd = mkstemp(path);
    struct checkpoint_identity id = {"http://127.0.0.1:9200", "services-logs*", NULL, "@timestamp"};
    struct cursor *cur;
    char *rules = NULL;
    struct err err;
    int r;

    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    cur = cursor_new(300000, 1000);
    r = checkpoint_load(path, &id, cur, &rules, &err);
    if (r < 0 && err.msg[0] == '\0')
        abort();
    free(rules);
    cursor_free(cur);
    unlink(path);
    return 0;
}
