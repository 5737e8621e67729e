/* format_samples.h - the events of formats.md 5.3 (E1-E3) and an alert, as struct
 * audit_event under DESIGN.md's field model, plus the normalisation rules of formats.md
 * 1.4 / 2.2 written out plainly, for the format unit tests. */
#ifndef ECE_FORMAT_SAMPLES_H
#define ECE_FORMAT_SAMPLES_H
#include <stddef.h>
#include "event.h"
#include "format.h"

/* Heap events (the arena is 64 KiB); free() them. */
struct audit_event *sample_e1(void);
struct audit_event *sample_e2(void);
struct audit_event *sample_e3(void);
struct audit_event *sample_alert(void);
struct audit_event *sample_empty(int64_t ts_ms);

/* Options of the vectors: version 3.7.2, host ece-coord-1, app ece-audit-fwd, pid 4242. */
void sample_opts(struct format_opts *fo);

/* What a CEF extension value decodes to (formats.md 1.4 steps 1-3, trimmed again after
 * the cut); "" means the pair is omitted. Returns a malloc'd string. */
char *norm_cef_ext(const char *in, size_t max_cp);
/* What a CEF header field is (steps 1-3: controls -> SP, cut, empty -> "unknown"). */
char *norm_cef_header(const char *in, size_t max_cp);
/* What a LEEF value reads as: LF/CR -> "\n"/"\r" text, other controls and @p delim -> SP,
 * trim, cut, trim; "" = omitted. */
char *norm_leef_value(const char *in, char delim, size_t max_cp);

/* Hostile values used by the round-trip tests (NULL-terminated list). */
extern const char *const hostile_values[];

#endif
