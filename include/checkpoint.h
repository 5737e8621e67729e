/* checkpoint.h - cursor <-> small JSON file: temp + fsync + rename + fsync(dir), mode 0600.
 * A corrupt or unreadable checkpoint is ERR_FATAL: never silently reset. */
#ifndef ECE_CHECKPOINT_H
#define ECE_CHECKPOINT_H
#include "cursor.h"
#include "err.h"

#define CHECKPOINT_VERSION 1

/* Which source the cursor belongs to; a different one refuses the checkpoint. */
struct checkpoint_identity {
    const char *url;
    const char *index;
    const char *query;       /* hashed, may be NULL */
    const char *timestamp_field;
};

/**
 * @brief Load @p path into @p cur. @p rules_state receives the saved rules JSON (allocated,
 * or NULL). Returns 1 when loaded, 0 when the file does not exist, -1 on error: ERR_FATAL for
 * corrupt content or a different source identity (the message says how to reset), ERR_IO
 * for an unreadable file.
 */
int checkpoint_load(const char *path, const struct checkpoint_identity *id, struct cursor *cur,
                    char **rules_state, struct err *err);

/** @brief Atomically replace @p path. @p rules_state is JSON text or NULL. */
int checkpoint_save(const char *path, const struct checkpoint_identity *id,
                    const struct cursor *cur, const char *rules_state, struct err *err);

#endif
