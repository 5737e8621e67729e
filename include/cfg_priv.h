/* cfg_priv.h - shared by the files of the config part (cfg.c, cfg_keys.c, cfg_parse.c,
 * cfg_summary.c). Not for other modules: they read struct cfg only. */
#ifndef ECE_CFG_PRIV_H
#define ECE_CFG_PRIV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfg.h"

#define CFG_DURATION_MAX 32 /* buffer for cfg_format_duration() */

/** @brief Levenshtein distance of two short names (SIZE_MAX for names over 64 bytes). */
size_t cfg_edit_distance(const char *a, const char *b);

/** @brief Milliseconds -> the shortest exact form: "0", "250ms", "90s", "5m", "1h". */
void cfg_format_duration(int64_t ms, char out[CFG_DURATION_MAX]);

/** @brief Facility number -> name ("authpriv", "audit", "local0"); NULL when out of range. */
const char *cfg_facility_name(int fac);

/*
 * String validators: each returns NULL when @p s is acceptable, else a static
 * human-readable reason (used after "key: ").
 */
const char *cfg_check_name(const char *s);         /* output/rule name: [A-Za-z0-9_-]+ */
const char *cfg_check_url(const char *s);          /* http:// or https://, no spaces */
const char *cfg_check_index(const char *s);        /* ES index pattern, safe in a URL path */
const char *cfg_check_printascii(const char *s);   /* RFC 5424 PRINTUSASCII (33..126) */
const char *cfg_check_topic(const char *s);        /* Kafka topic: [A-Za-z0-9._-], <= 249 */
const char *cfg_check_json_object(const char *s);  /* a JSON object and nothing else */

/** @brief Does the librdkafka property hold a credential (never printed)? */
bool cfg_prop_is_secret(const char *name);
/** @brief Properties the agent manages itself: NULL if @p name = @p value may be passed through. */
const char *cfg_check_prop(const char *name, const char *value);

/* ---- the key tables (cfg_keys.c), walked by the loader (cfg.c) ---------------------------- */

struct config_setting_t;         /* libconfig's; only cfg.c sees inside */
struct cfg_ld;                   /* one load; private to cfg.c */

enum cfg_kt {
    KT_STR,    /* char *; min..max = length; optional check() */
    KT_PATH,   /* char *; a file that must be readable now */
    KT_INT,    /* int, min..max */
    KT_I64,    /* int64_t, min..max */
    KT_BOOL,   /* bool */
    KT_DUR,    /* int64_t milliseconds from "5s"; min..max in ms */
    KT_ENUM,   /* int (an enum) from a name of en[] */
    KT_CHOICE, /* char *, one of the names of en[] */
    KT_FAC,    /* int syslog facility from a name or 0..23 */
    KT_LIST,   /* char *[max] at off, int count at off2; a string or a list of strings */
    KT_SFILE,  /* struct secret read from the named file */
    KT_SENV,   /* struct secret from "${VAR}" */
    KT_GROUP,  /* a nested group: sub table, its struct at off */
    KT_FN      /* parsed by fn (url, query, outputs, rules, ...) */
};

struct cfg_enum {
    const char *name;
    int value;
};

struct cfg_key;
struct cfg_keytab {
    const struct cfg_key *keys;
    size_t n;
};
typedef int (*cfg_key_fn)(struct cfg_ld *ld, const struct config_setting_t *s, void *base,
                          const char *path);

struct cfg_key {
    const char *name;
    enum cfg_kt type;
    size_t off;                  /* offset in the group's struct */
    size_t off2;                 /* KT_LIST: offset of the int count */
    int64_t min, max;            /* numbers, durations (ms), string length, list length */
    const char *def;             /* default as written in the file, applied by cfg_defaults */
    const char *doc_def;         /* shown when the default depends on other keys */
    const char *desc;
    const struct cfg_enum *en;   /* KT_ENUM, KT_CHOICE; NULL-terminated */
    const struct cfg_keytab *sub;/* KT_GROUP; KT_FN lists of groups (for the docs) */
    cfg_key_fn fn;               /* KT_FN */
    const char *(*check)(const char *s); /* KT_STR, KT_LIST */
    const char *alt;             /* KT_SFILE, KT_SENV: the other way to give the same secret */
    unsigned types;              /* outputs: mask of CFG_T_*; 0 = every type */
    const char *doc_type;        /* KT_FN: type shown by cfg_print_keys() */
};

#define CFG_T_FILE   (1u << OUT_TYPE_FILE)
#define CFG_T_SYSLOG (1u << OUT_TYPE_SYSLOG)
#define CFG_T_KAFKA  (1u << OUT_TYPE_KAFKA)

extern const struct cfg_keytab cfg_top_tab, cfg_output_tab, cfg_rule_tab;
extern const struct cfg_enum cfg_en_type[], cfg_en_format[], cfg_en_header[], cfg_en_transport[],
    cfg_en_framing[], cfg_en_key[], cfg_en_outcome[], cfg_en_level[], cfg_en_target[];

/** @brief Set every key of @p t that has a default (recursing into groups) in @p base. */
void cfg_apply_defaults(const struct cfg_keytab *t, void *base);
/** @brief The row of @p name in @p t, or NULL. */
const struct cfg_key *cfg_find_key(const struct cfg_keytab *t, const char *name);
/** @brief Name of @p value in @p en ("?" when absent). */
const char *cfg_enum_name(const struct cfg_enum *en, int value);
/** @brief "file", "syslog" or "kafka" for a CFG_T_* mask with one bit. */
const char *cfg_types_text(unsigned mask);

/* KT_FN parsers (cfg.c) */
int cfg_key_url(struct cfg_ld *, const struct config_setting_t *, void *, const char *);
int cfg_key_cloud_id(struct cfg_ld *, const struct config_setting_t *, void *, const char *);
int cfg_key_query(struct cfg_ld *, const struct config_setting_t *, void *, const char *);
int cfg_key_start_at(struct cfg_ld *, const struct config_setting_t *, void *, const char *);
int cfg_key_outputs(struct cfg_ld *, const struct config_setting_t *, void *, const char *);
int cfg_key_props(struct cfg_ld *, const struct config_setting_t *, void *, const char *);
int cfg_key_rules(struct cfg_ld *, const struct config_setting_t *, void *, const char *);
int cfg_key_where(struct cfg_ld *, const struct config_setting_t *, void *, const char *);
int cfg_key_group_by(struct cfg_ld *, const struct config_setting_t *, void *, const char *);

#endif
