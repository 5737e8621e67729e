/* strbuf.c - capped growable buffer; appends past the cap set a sticky error flag. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strbuf.h"
#include "xalloc.h"

void strbuf_init(struct strbuf *sb, size_t cap)
{
    sb->buf = NULL;
    sb->len = 0;
    sb->alloc = 0;
    sb->cap = cap ? cap : SIZE_MAX - 1;
    sb->failed = false;
}

void strbuf_fini(struct strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->alloc = 0;
}

void strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    sb->failed = false;
    if (sb->buf)
        sb->buf[0] = '\0';
}

void strbuf_truncate(struct strbuf *sb, size_t len)
{
    if (len < sb->len) {
        sb->len = len;
        sb->buf[len] = '\0';
    }
}

char *strbuf_reserve(struct strbuf *sb, size_t n)
{
    size_t need;

    if (sb->failed)
        return NULL;
    if (n > sb->cap - sb->len) {
        sb->failed = true;
        return NULL;
    }
    need = sb->len + n + 1;
    if (need > sb->alloc) {
        size_t na = sb->alloc ? sb->alloc : 256;
        while (na < need)
            na *= 2;
        sb->buf = xrealloc(sb->buf, na);
        sb->alloc = na;
    }
    return sb->buf + sb->len;
}

void strbuf_add(struct strbuf *sb, const void *data, size_t n)
{
    char *p = strbuf_reserve(sb, n);
    if (p == NULL)
        return;
    memcpy(p, data, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void strbuf_adds(struct strbuf *sb, const char *s)
{
    strbuf_add(sb, s, strlen(s));
}

void strbuf_addc(struct strbuf *sb, char c)
{
    char *p = strbuf_reserve(sb, 1);
    if (p == NULL)
        return;
    *p = c;
    sb->len++;
    sb->buf[sb->len] = '\0';
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    char tmp[256];
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->failed = true;
        return;
    }
    if ((size_t)n < sizeof(tmp)) {
        strbuf_add(sb, tmp, (size_t)n);
        return;
    }
    char *p = strbuf_reserve(sb, (size_t)n);
    if (p == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void strbuf_add_u64(struct strbuf *sb, uint64_t v)
{
    char tmp[24];
    char *p = tmp + sizeof(tmp);

    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    strbuf_add(sb, p, (size_t)(tmp + sizeof(tmp) - p));
}

void strbuf_add_i64(struct strbuf *sb, int64_t v)
{
    if (v < 0) {
        strbuf_addc(sb, '-');
        strbuf_add_u64(sb, (uint64_t)0 - (uint64_t)v);
    } else {
        strbuf_add_u64(sb, (uint64_t)v);
    }
}
