/* cursor.h - the tail position: watermark (event time of the newest delivered hit) and the
 * overlap de-dup set of `_index/_id` keys within [watermark - lookback, watermark].
 * Pure: no HTTP, no files (checkpoint.c persists it). */
#ifndef ECE_CURSOR_H
#define ECE_CURSOR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor;

/** @brief @p max_seen caps the de-dup set (oldest entries evicted first). */
struct cursor *cursor_new(int64_t lookback_ms, size_t max_seen);
void cursor_free(struct cursor *cur);
/** @brief An independent copy: same watermark, entries, lookback and cap. */
struct cursor *cursor_clone(const struct cursor *cur);

bool cursor_has_watermark(const struct cursor *cur);
int64_t cursor_watermark(const struct cursor *cur);
/** @brief Set the watermark without hits (start_at, checkpoint load). */
void cursor_set_watermark(struct cursor *cur, int64_t ts_ms);

/** @brief Was this hit already delivered? */
bool cursor_seen(const struct cursor *cur, const char *index, const char *id);
/** @brief Record a delivered hit: add to the de-dup set and advance the watermark. */
void cursor_commit(struct cursor *cur, const char *index, const char *id, int64_t ts_ms);
/** @brief Drop de-dup entries older than watermark - lookback. */
void cursor_prune(struct cursor *cur);
/** @brief Start of the next sweep's range: watermark - lookback. */
int64_t cursor_range_start(const struct cursor *cur);

size_t cursor_seen_count(const struct cursor *cur);
typedef void (*cursor_visit_fn)(void *ctx, const char *index, const char *id, int64_t ts_ms);
/** @brief Visit every de-dup entry (for checkpoint_save). */
void cursor_foreach(const struct cursor *cur, cursor_visit_fn fn, void *ctx);

#endif
