/* syslog_frame.h - transport framing of one finished syslog message (pure).
 * UDP (RFC 5426): the message alone; TCP/TLS (RFC 6587 / RFC 5425): octet counting
 * "LEN SP MSG" or LF framing "MSG LF". Knows nothing of sockets or formats. */
#ifndef ECE_SYSLOG_FRAME_H
#define ECE_SYSLOG_FRAME_H
#include <stdbool.h>
#include <stddef.h>
#include "cfg.h"

/* RFC 5426 section 3.2 / formats.md 3.6: largest IPv4 UDP payload (65535 - 20 - 8) */
#define SYSLOG_UDP_MAX          65507
#define SYSLOG_UDP_DEFAULT_MAX  2048
#define SYSLOG_TCP_DEFAULT_MAX  65536
#define SYSLOG_TCP_MAX          (1024 * 1024)
#define SYSLOG_MIN_MAX          64

/**
 * @brief Longest prefix of @p s that is at most @p max bytes and does not end inside a
 * UTF-8 sequence (RFC 5424 section 6.1 allows truncation; we keep it valid UTF-8).
 * @return the prefix length (== @p len when no cut is needed).
 */
size_t syslog_frame_utf8_cut(const char *s, size_t len, size_t max);

/**
 * @brief Frame one message: truncate to @p max_message at a UTF-8 boundary, then add
 * the framing of @p transport / @p framing (UDP: none). In LF framing every CR and LF
 * inside the message becomes a space. @p max_message 0 = the transport default.
 * @param truncated set to whether the message was cut.
 * @param out_len   the frame length.
 * @return the frame, allocated (caller frees).
 */
char *syslog_frame_build(const char *msg, size_t len, enum out_transport transport,
                         enum out_framing framing, size_t max_message, size_t *out_len,
                         bool *truncated);

/** @brief The effective max_message of @p co (its value, or the transport default). */
size_t syslog_frame_max_message(const struct cfg_output *co);

#endif
