/* fuzz_normalize.c - libFuzzer target: one NDJSON line -> normalize -> every formatter.
 * Invariants checked: no crash, and every formatted message is one line (no raw CR/LF)
 * and valid UTF-8 is not our job here (ASan/UBSan catch memory errors). */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "format.h"
#include "normalize.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct audit_event ev;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"cef", "leef", "json", "rfc5424-cef", "rfc5424-leef",
                                        "rfc5424-json", "rfc3164-cef"};
    struct err err;
    struct strbuf sb;

    ev_reset(&ev);
    if (normalize_line(NULL, (const char *)data, size, &ev, &err) != NORM_OK)
        return 0;
    strbuf_init(&sb, 1 << 20);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct format_opts fo;
        format_opts_default(&fo);
        format_parse_name(names[i], &fo);
        strbuf_reset(&sb);
        if (format_message(&ev, &fo, &sb) == 0 &&
            (memchr(sb.buf, '\n', sb.len) || memchr(sb.buf, '\r', sb.len) ||
             memchr(sb.buf, '\0', sb.len)))
            abort(); /* a formatted message must be exactly one line */
    }
    strbuf_fini(&sb);
    return 0;
}
