/* strbuf.h - growable byte buffer with a hard cap and a sticky error flag.
 * Writers append freely and check strbuf_failed() once at the end. */
#ifndef ECE_STRBUF_H
#define ECE_STRBUF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
    char *buf;     /* always NUL-terminated when non-NULL */
    size_t len;
    size_t alloc;
    size_t cap;    /* hard maximum of len; 0 = SIZE_MAX */
    bool failed;   /* set when an append would exceed cap */
};

void strbuf_init(struct strbuf *sb, size_t cap);
void strbuf_fini(struct strbuf *sb);
/** @brief Empty the buffer and clear the failed flag (keeps memory). */
void strbuf_reset(struct strbuf *sb);
/** @brief Cut back to @p len (used to roll back a failed formatter). */
void strbuf_truncate(struct strbuf *sb, size_t len);
void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_add_u64(struct strbuf *sb, uint64_t v);
void strbuf_add_i64(struct strbuf *sb, int64_t v);
/** @brief Make room for @p n more bytes; returns a pointer to write them or NULL. */
char *strbuf_reserve(struct strbuf *sb, size_t n);
static inline bool strbuf_failed(const struct strbuf *sb) { return sb->failed; }
static inline const char *strbuf_str(const struct strbuf *sb) { return sb->buf ? sb->buf : ""; }

#endif
