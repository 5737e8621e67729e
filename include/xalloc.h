/* xalloc.h - allocation that aborts with a log line on out-of-memory.
 * Safe here: the checkpoint only moves after acks, so a restart loses nothing.
 * Sizes that come from the network are capped by the caller before allocating. */
#ifndef ECE_XALLOC_H
#define ECE_XALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/** @brief Allocating printf; never returns NULL. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
