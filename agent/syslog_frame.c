/* syslog_frame.c - truncation at a UTF-8 boundary and RFC 6587 / 5425 / 5426 framing (pure).
 * Knows nothing of sockets, acks or the message's syntax beyond its bytes. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "syslog_frame.h"
#include "xalloc.h"

size_t syslog_frame_utf8_cut(const char *s, size_t len, size_t max)
{
    size_t cut;
    int back = 0;

    if (len <= max)
        return len;
    cut = max;
    /* s[cut] is the first byte left out: back up while it is a continuation byte
     * (10xxxxxx), so the kept prefix ends after a complete sequence. A UTF-8
     * sequence has at most 3 continuation bytes; input that is not UTF-8 stops there. */
    while (cut > 0 && back < 3 && ((unsigned char)s[cut] & 0xC0) == 0x80) {
        cut--;
        back++;
    }
    if (((unsigned char)s[cut] & 0xC0) == 0x80)
        return max; /* not UTF-8 at all: plain byte cut */
    return cut;
}

size_t syslog_frame_max_message(const struct cfg_output *co)
{
    if (co->max_message > 0)
        return (size_t)co->max_message;
    return co->transport == TRANSPORT_UDP ? SYSLOG_UDP_DEFAULT_MAX : SYSLOG_TCP_DEFAULT_MAX;
}

char *syslog_frame_build(const char *msg, size_t len, enum out_transport transport,
                         enum out_framing framing, size_t max_message, size_t *out_len,
                         bool *truncated)
{
    char prefix[24];
    size_t keep, plen = 0, i;
    char *frame;

    if (max_message == 0)
        max_message = transport == TRANSPORT_UDP ? SYSLOG_UDP_DEFAULT_MAX : SYSLOG_TCP_DEFAULT_MAX;
    keep = syslog_frame_utf8_cut(msg, len, max_message);
    *truncated = keep < len;

    if (transport == TRANSPORT_UDP) {
        /* RFC 5426 section 3.1: one message per datagram, no trailer */
        frame = xmalloc(keep);
        memcpy(frame, msg, keep);
        *out_len = keep;
        return frame;
    }
    if (framing == FRAMING_LF) {
        /* RFC 6587 section 3.4.2: the trailer must not occur inside the message */
        frame = xmalloc(keep + 1);
        for (i = 0; i < keep; i++)
            frame[i] = (msg[i] == '\n' || msg[i] == '\r') ? ' ' : msg[i];
        frame[keep] = '\n';
        *out_len = keep + 1;
        return frame;
    }
    /* RFC 6587 section 3.4.1 / RFC 5425 section 4.3: MSG-LEN SP SYSLOG-MSG */
    plen = (size_t)snprintf(prefix, sizeof(prefix), "%zu ", keep);
    frame = xmalloc(plen + keep);
    memcpy(frame, prefix, plen);
    memcpy(frame + plen, msg, keep);
    *out_len = plen + keep;
    return frame;
}
