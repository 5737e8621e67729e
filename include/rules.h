/* rules.h - threshold/frequency detections on event time -> alert events.
 * Pure: no I/O, no wall clock. State can be saved to / loaded from JSON text. */
#ifndef ECE_RULES_H
#define ECE_RULES_H
#include "cfg.h"
#include "err.h"
#include "event.h"
#include "strbuf.h"

struct rules;

typedef void (*rules_emit_fn)(void *ctx, const struct audit_event *alert);

struct rules_stats {
    uint64_t matched;      /* events that matched a rule */
    uint64_t alerts;       /* alerts raised */
    uint64_t suppressed;   /* alerts held back by `suppress` */
    uint64_t groups;       /* live groups */
    uint64_t group_cap_hits; /* events not tracked because max_groups was reached */
};

/** @brief Build the engine for cfg->rules (borrowed; must outlive the engine). NULL if no rules. */
struct rules *rules_new(const struct cfg *cfg);
void rules_free(struct rules *r);

/**
 * @brief Feed one event (event time = ev->ts_ms). Every alert it raises is passed to @p emit
 * (the alert is borrowed for the duration of the call). Alerts have class "alert.<rule>",
 * the rule's severity, group value, count, window, first/last times and up to
 * EV_ALERT_IDS_MAX request ids, and a deterministic dedup key.
 */
void rules_process(struct rules *r, const struct audit_event *ev, rules_emit_fn emit, void *ctx);

/** @brief Serialize the state (windows, suppression) as one JSON value. */
int rules_save(const struct rules *r, struct strbuf *sb);
/** @brief Restore state saved by rules_save(); unknown rules are ignored. */
int rules_load(struct rules *r, const char *json, struct err *err);

void rules_get_stats(const struct rules *r, struct rules_stats *st);

#endif
