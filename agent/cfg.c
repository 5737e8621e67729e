/* cfg.c - the libconfig file -> struct cfg, driven by one key table per group; errors are
 * "FILE:LINE: key: message". The only file that includes <libconfig.h>; knows nothing of
 * Elasticsearch or sinks. The tables are in cfg_keys.c; this file is over 600 lines because
 * every check that needs a setting's line number has to live beside libconfig. */
#include "config.h"
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cfg.h"
#include "cfg_priv.h"
#include "event.h"
#include "log.h"
#include "secret.h"
#include "xalloc.h"

#define PATH_MAX_KEY 160 /* "outputs[15].tls.key_password_file" and the like */

struct cfg_ld {                  /* one load */
    struct cfg *cfg;
    const char *path;
    const char *dir;             /* the include directory: path's directory, or NULL */
    struct err *err;
};

/* libconfig names an @include'd file as written; name it as it was opened. */
static const char *file_name(const struct cfg_ld *ld, const char *file, char *buf, size_t n)
{
    int len;

    if (file == NULL)
        return ld->path;
    if (file[0] == '/' || ld->dir == NULL || strcmp(file, ld->path) == 0)
        return file;
    len = snprintf(buf, n, "%s/%s", ld->dir, file);
    return len > 0 && (size_t)len < n ? buf : file;
}

static int fail(struct cfg_ld *ld, const config_setting_t *s, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_key(struct cfg_ld *ld, const config_setting_t *s, const char *prefix,
                    const char *name, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- helpers ----------------------------------------------------------------------------- */

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v != NULL ? xstrdup(v) : NULL;
}

static int setting_line(const config_setting_t *s)
{
    for (; s != NULL; s = config_setting_parent(s)) {
        if (config_setting_source_line(s) > 0)
            return config_setting_source_line(s);
    }
    return 0;
}

static void join(char *out, const char *prefix, const char *name)
{
    int n = snprintf(out, PATH_MAX_KEY, "%s%s%s", prefix, *prefix != '\0' ? "." : "", name);

    if (n < 0)
        out[0] = '\0';                           /* only a message suffers */
}

static int vfail(struct cfg_ld *ld, const config_setting_t *s, const char *path, const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));

static int vfail(struct cfg_ld *ld, const config_setting_t *s, const char *path, const char *fmt,
                 va_list ap)
{
    char msg[ERR_MSG_MAX], buf[4096];
    const char *file = file_name(ld, s != NULL ? config_setting_source_file(s) : NULL, buf,
                                 sizeof(buf));

    vsnprintf(msg, sizeof(msg), fmt, ap);
    return err_set(ld->err, ERR_CONFIG, "%s:%d: %s: %s", file, setting_line(s), path, msg);
}

static int fail(struct cfg_ld *ld, const config_setting_t *s, const char *path, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vfail(ld, s, path, fmt, ap);
    va_end(ap);
    return rc;
}

/* The same for key @p name of the group at @p prefix ("outputs[2]" + "host"). */
static int fail_key(struct cfg_ld *ld, const config_setting_t *s, const char *prefix,
                    const char *name, const char *fmt, ...)
{
    char path[PATH_MAX_KEY];
    va_list ap;
    int rc;

    join(path, prefix, name);
    va_start(ap, fmt);
    rc = vfail(ld, s, path, fmt, ap);
    va_end(ap);
    return rc;
}

/* The closest candidate within a third of the word (at least 1, at most 3 edits). */
static const char *suggest(const char *word, const char *const *cands, size_t n)
{
    size_t best = SIZE_MAX, limit = strlen(word) / 3;
    const char *pick = NULL;

    limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
    for (size_t i = 0; i < n; i++) {
        size_t d = cfg_edit_distance(word, cands[i]);
        if (d < best) {
            best = d;
            pick = cands[i];
        }
    }
    return best <= limit ? pick : NULL;
}

static int fail_unknown(struct cfg_ld *ld, const config_setting_t *s, const char *path,
                        const char *word, const char *const *cands, size_t n)
{
    const char *hint = suggest(word, cands, n);

    if (hint != NULL)
        return fail(ld, s, path, "unknown key (did you mean '%s'?)", hint);
    return fail(ld, s, path, "unknown key");
}

static const char *enum_list(const struct cfg_enum *en, char *buf, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (; en->name != NULL && len < n; en++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", len > 0 ? ", " : "", en->name);
    return buf;
}

static int get_string(struct cfg_ld *ld, const config_setting_t *s, const char *path, const char **v)
{
    *v = "";
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return fail(ld, s, path, "expected a string in double quotes");
    *v = config_setting_get_string(s);
    return 0;
}

static int lookup_enum(struct cfg_ld *ld, const config_setting_t *s, const struct cfg_key *k,
                       const char *path, int *val)
{
    char allowed[256];
    const char *v;

    if (get_string(ld, s, path, &v) < 0)
        return -1;
    for (const struct cfg_enum *en = k->en; en->name != NULL; en++) {
        if (strcmp(en->name, v) == 0) {
            *val = en->value;
            return 0;
        }
    }
    return fail(ld, s, path, "invalid value '%s' (allowed: %s)", v,
                enum_list(k->en, allowed, sizeof(allowed)));
}

static int parse_string(struct cfg_ld *ld, const config_setting_t *s, const struct cfg_key *k,
                        const char *path, const char **v)
{
    const char *why;

    if (get_string(ld, s, path, v) < 0)
        return -1;
    if (**v == '\0' && k->min > 0)
        return fail(ld, s, path, "must not be empty");
    if ((int64_t)strlen(*v) > k->max)
        return fail(ld, s, path, "longer than %lld characters", (long long)k->max);
    if (k->check != NULL && (why = k->check(*v)) != NULL)
        return fail(ld, s, path, "'%s' %s", *v, why);
    return 0;
}

static int parse_int(struct cfg_ld *ld, const config_setting_t *s, const struct cfg_key *k,
                     const char *path, int64_t *v)
{
    int t = config_setting_type(s);

    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return fail(ld, s, path, "expected an integer");
    *v = config_setting_get_int64(s);
    if (*v < k->min || *v > k->max)
        return fail(ld, s, path, "%lld out of range (%lld..%lld)", (long long)*v,
                    (long long)k->min, (long long)k->max);
    return 0;
}

static int parse_duration(struct cfg_ld *ld, const config_setting_t *s, const struct cfg_key *k,
                          const char *path, int64_t *ms)
{
    char lo[CFG_DURATION_MAX], hi[CFG_DURATION_MAX];
    const char *v;

    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return fail(ld, s, path, "expected a duration in double quotes, such as \"5s\"");
    v = config_setting_get_string(s);
    if (cfg_parse_duration(v, ms) < 0)
        return fail(ld, s, path, "invalid duration '%s' (a whole number with ms, s, m or h)", v);
    if (*ms < k->min || *ms > k->max) {
        cfg_format_duration(k->min, lo);
        cfg_format_duration(k->max, hi);
        return fail(ld, s, path, "%s out of range (%s..%s)", v, lo, hi);
    }
    return 0;
}

/* A string, or a list/array of strings, of at most k->max items. */
static int parse_list(struct cfg_ld *ld, const config_setting_t *s, const struct cfg_key *k,
                      const char *path, void *base)
{
    char **items = (char **)((char *)base + k->off);
    int *n = (int *)((char *)base + k->off2);
    int t = config_setting_type(s);
    int len = t == CONFIG_TYPE_STRING ? 1 : config_setting_length(s);
    const char *v, *why;

    if (t != CONFIG_TYPE_STRING && t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return fail(ld, s, path, "expected a string or a list of strings [ \"a\", \"b\" ]");
    if (len > k->max)
        return fail(ld, s, path, "more than %lld entries", (long long)k->max);
    for (int i = 0; i < *n; i++)
        free(items[i]);
    *n = 0;
    for (int i = 0; i < len; i++) {
        const config_setting_t *e = t == CONFIG_TYPE_STRING ? s : config_setting_get_elem(s, i);
        if (get_string(ld, e, path, &v) < 0)
            return -1;
        if (*v == '\0')
            return fail(ld, e, path, "empty entry");
        if (k->check != NULL && (why = k->check(v)) != NULL)
            return fail(ld, e, path, "'%s' %s", v, why);
        items[(*n)++] = xstrdup(v);
    }
    return 0;
}

static int parse_secret(struct cfg_ld *ld, const config_setting_t *s, const struct cfg_key *k,
                        const char *path, struct secret *sec)
{
    struct err e = {0};
    const char *v;
    int rc;

    if (get_string(ld, s, path, &v) < 0)
        return -1;
    if (sec->value != NULL)
        return fail(ld, s, path, "conflicts with '%s' (set only one)", k->alt);
    rc = k->type == KT_SFILE ? secret_load_file(sec, v, &e) : secret_load_env(sec, v, &e);
    if (rc < 0)
        return fail(ld, s, path, "%s", e.msg);
    return 0;
}

static int walk_group(struct cfg_ld *ld, const config_setting_t *g, const struct cfg_keytab *t,
                      void *base, const char *prefix, unsigned type_bit);

static int parse_key(struct cfg_ld *ld, const config_setting_t *s, const struct cfg_key *k, void *base,
                     const char *path)
{
    void *p = (char *)base + k->off;
    const char *v;
    int64_t n;
    int iv;

    switch (k->type) {
    case KT_STR:
        if (parse_string(ld, s, k, path, &v) < 0)
            return -1;
        set_str(p, v);
        return 0;
    case KT_PATH:
        if (parse_string(ld, s, k, path, &v) < 0)
            return -1;
        if (access(v, R_OK) < 0)
            return fail(ld, s, path, "cannot read %s: %s", v, strerror(errno));
        set_str(p, v);
        return 0;
    case KT_INT:
    case KT_I64:
        if (parse_int(ld, s, k, path, &n) < 0)
            return -1;
        if (k->type == KT_INT)
            *(int *)p = (int)n;
        else
            *(int64_t *)p = n;
        return 0;
    case KT_BOOL:
        if (config_setting_type(s) != CONFIG_TYPE_BOOL)
            return fail(ld, s, path, "expected true or false");
        *(bool *)p = config_setting_get_bool(s) != 0;
        return 0;
    case KT_DUR:
        return parse_duration(ld, s, k, path, p);
    case KT_ENUM:
        return lookup_enum(ld, s, k, path, p);
    case KT_CHOICE:
        if (lookup_enum(ld, s, k, path, &iv) < 0)
            return -1;
        set_str(p, config_setting_get_string(s));
        return 0;
    case KT_FAC:
        if (config_setting_type(s) == CONFIG_TYPE_INT ||
            config_setting_type(s) == CONFIG_TYPE_INT64) {
            if (parse_int(ld, s, k, path, &n) < 0)
                return -1;
            *(int *)p = (int)n;
            return 0;
        }
        if (get_string(ld, s, path, &v) < 0)
            return -1;
        if (cfg_parse_facility(v, p) < 0)
            return fail(ld, s, path, "invalid facility '%s' (kern, user, ..., authpriv, audit, "
                        "local0..local7 or 0..23)", v);
        return 0;
    case KT_LIST:
        return parse_list(ld, s, k, path, base);
    case KT_SFILE:
    case KT_SENV:
        return parse_secret(ld, s, k, path, p);
    case KT_GROUP:
        return walk_group(ld, s, k->sub, p, path, 0);
    case KT_FN:
        return k->fn(ld, s, base, path);
    }
    return fail(ld, s, path, "internal: unhandled key type");
}

static int walk_group(struct cfg_ld *ld, const config_setting_t *g, const struct cfg_keytab *t,
                      void *base, const char *prefix, unsigned type_bit)
{
    const char *names[32];

    if (!config_setting_is_group(g))
        return fail(ld, g, prefix, "expected a group { key = value; ... }");
    for (size_t j = 0; j < t->n && j < 32; j++)
        names[j] = t->keys[j].name;
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, i);
        const char *name = config_setting_name(s);
        const struct cfg_key *k = NULL;
        char path[PATH_MAX_KEY];

        join(path, prefix, name);
        for (size_t j = 0; j < t->n && k == NULL; j++)
            k = strcmp(t->keys[j].name, name) == 0 ? &t->keys[j] : NULL;
        if (k == NULL)
            return fail_unknown(ld, s, path, name, names, t->n < 32 ? t->n : 32);
        if (k->types != 0 && type_bit != 0 && (k->types & type_bit) == 0)
            return fail(ld, s, path, "applies only to type \"%s\"", cfg_types_text(k->types));
        if (parse_key(ld, s, k, base, path) < 0)
            return -1;
    }
    return 0;
}

/* ---- custom keys ------------------------------------------------------------------------- */

static const config_setting_t *member(const config_setting_t *g, const char *name)
{
    return config_setting_get_member(g, name);
}

int cfg_key_url(struct cfg_ld *ld, const config_setting_t *s, void *base, const char *path)
{
    struct cfg_source *src = base;
    const char *v, *why;
    size_t len;

    if (get_string(ld, s, path, &v) < 0)
        return -1;
    if ((why = cfg_check_url(v)) != NULL)
        return fail(ld, s, path, "%s", why);      /* no value: it might hold user:password */
    set_str(&src->url, v);
    len = strlen(src->url);
    while (len > 0 && src->url[len - 1] == '/')
        src->url[--len] = '\0';
    return 0;
}

int cfg_key_cloud_id(struct cfg_ld *ld, const config_setting_t *s, void *base, const char *path)
{
    struct cfg_source *src = base;
    struct err e = {0};
    char *url = NULL;
    const char *v;

    if (get_string(ld, s, path, &v) < 0)
        return -1;
    if (cfg_decode_cloud_id(v, &url, &e) < 0)
        return fail(ld, s, path, "%s", e.msg);
    set_str(&src->cloud_id, v);
    free(src->url);
    src->url = url;
    return 0;
}

int cfg_key_query(struct cfg_ld *ld, const config_setting_t *s, void *base, const char *path)
{
    struct cfg_source *src = base;
    const char *v, *why;

    if (get_string(ld, s, path, &v) < 0)
        return -1;
    if (*v != '\0' && (why = cfg_check_json_object(v)) != NULL)
        return fail(ld, s, path, "%s", why);
    set_str(&src->query, *v != '\0' ? v : NULL);
    return 0;
}

int cfg_key_start_at(struct cfg_ld *ld, const config_setting_t *s, void *base, const char *path)
{
    struct cfg_source *src = base;
    const char *v;

    if (get_string(ld, s, path, &v) < 0)
        return -1;
    if (strcmp(v, "now") == 0) {
        src->start_at = START_NOW;
    } else if (strcmp(v, "beginning") == 0) {
        src->start_at = START_BEGINNING;
    } else if (ev_parse_time(v, &src->start_time_ms) == 0) {
        src->start_at = START_TIME;
    } else {
        return fail(ld, s, path, "invalid value '%s' (allowed: now, beginning or an RFC 3339 "
                    "time such as \"2024-05-01T00:00:00Z\")", v);
    }
    return 0;
}

static int check_tls(struct cfg_ld *ld, const config_setting_t *g, const struct cfg_tls *tls,
                     const char *prefix)
{
    char path[PATH_MAX_KEY];

    if (g == NULL)
        return 0;
    if ((tls->cert_file == NULL) != (tls->key_file == NULL)) {
        join(path, prefix, tls->cert_file == NULL ? "cert_file" : "key_file");
        return fail(ld, g, path, "required: cert_file and key_file go together");
    }
    if (tls->key_password.value != NULL && tls->key_file == NULL) {
        join(path, prefix, "key_file");
        return fail(ld, g, path, "required with a key password");
    }
    return 0;
}

static int finish_source(struct cfg_ld *ld, const config_setting_t *s, struct cfg_source *src)
{
    const config_setting_t *auth = member(s, "auth"), *cid = member(s, "cloud_id");
    bool basic = src->auth_username != NULL || src->auth_password.value != NULL;

    if (member(s, "url") != NULL && cid != NULL)
        return fail(ld, cid, "source.cloud_id", "conflicts with source.url (set only one)");
    if (src->url == NULL)
        return fail(ld, s, "source.url", "required (or source.cloud_id)");
    if (src->auth_password.value != NULL && src->auth_username == NULL)
        return fail(ld, auth, "source.auth.username", "required with a password");
    if (src->auth_username != NULL && src->auth_password.value == NULL)
        return fail(ld, auth, "source.auth.password_file",
                    "required with username (or password = \"${VAR}\")");
    if (basic && src->auth_api_key.value != NULL)
        return fail(ld, auth, "source.auth.api_key_file",
                    "conflicts with username/password (choose one method)");
    if ((basic || src->auth_api_key.value != NULL) && strncmp(src->url, "http://", 7) == 0)
        log_warn("cfg", "credentials will cross the network in clear text url=%s", src->url);
    return check_tls(ld, member(s, "tls"), &src->tls, "source.tls");
}

int cfg_key_props(struct cfg_ld *ld, const config_setting_t *s, void *base, const char *path)
{
    struct cfg_output *out = base;
    int len = config_setting_length(s);

    if (!config_setting_is_array(s) && !config_setting_is_list(s))
        return fail(ld, s, path, "expected a list of strings [ \"name=value\", ... ]");
    if (len > CFG_MAX_PROPS)
        return fail(ld, s, path, "more than %d properties", CFG_MAX_PROPS);
    for (int i = 0; i < len; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        struct cfg_prop *prop = &out->props[out->n_props];
        struct err ee = {0};
        const char *v, *eq, *why;
        char name[128];

        if (get_string(ld, e, path, &v) < 0)
            return -1;
        eq = strchr(v, '=');
        if (eq == NULL || (size_t)(eq - v) >= sizeof(name))  /* never echo: may be a secret */
            return fail(ld, e, path, "entry %d: expected \"name=value\"", i + 1);
        memcpy(name, v, (size_t)(eq - v));
        name[eq - v] = '\0';
        for (int j = 0; j < out->n_props; j++) {
            if (strcmp(out->props[j].name, name) == 0)
                return fail(ld, e, path, "%s: set twice", name);
        }
        if (cfg_expand_env(eq + 1, &prop->value, &ee) < 0)
            return fail(ld, e, path, "%s: %s", name, ee.msg);
        prop->name = xstrdup(name);              /* owned by out from here on */
        if ((why = cfg_check_prop(name, prop->value)) != NULL) {
            out->n_props++;
            return fail(ld, e, path, "%s: %s", name, why);
        }
        prop->secret = cfg_prop_is_secret(name);
        out->n_props++;
        if (prop->secret && strstr(eq + 1, "${") == NULL && strstr(name, ".location") == NULL)
            log_warn("cfg", "literal secret in the config file, prefer \"%s=${VAR}\" key=%s",
                     name, path);
    }
    return 0;
}

static int finish_output(struct cfg_ld *ld, const config_setting_t *e, struct cfg *cfg, int idx,
                         const char *p)
{
    struct cfg_output *out = &cfg->outputs[idx];
    const config_setting_t *m;
    char path[PATH_MAX_KEY];
    int same = 1;

    if (out->name == NULL) {
        for (int j = 0; j < idx; j++)
            same += cfg->outputs[j].type == out->type;
        out->name = xasprintf("%s%d", cfg_enum_name(cfg_en_type, out->type), same);
    }
    for (int j = 0; j < idx; j++) {
        if (strcmp(cfg->outputs[j].name, out->name) == 0) {
            join(path, p, "name");
            m = member(e, "name");
            return fail(ld, m != NULL ? m : e, path, "duplicate output name '%s' (also at line %d)",
                        out->name, cfg->outputs[j].cfg_line);
        }
    }
    if (member(e, "header") == NULL && out->type == OUT_TYPE_KAFKA)
        out->header = HEADER_NONE;                /* a bare CEF/LEEF/JSON line per message */
    if (out->type == OUT_TYPE_FILE && out->path == NULL)
        return fail_key(ld, e, p, "path", "required for type \"file\"");
    if (out->type == OUT_TYPE_KAFKA && out->brokers == NULL)
        return fail_key(ld, e, p, "brokers", "required for type \"kafka\"");
    if (out->type == OUT_TYPE_KAFKA && out->topic == NULL)
        return fail_key(ld, e, p, "topic", "required for type \"kafka\"");
    if (out->type != OUT_TYPE_SYSLOG)
        return 0;
    if (out->host == NULL)
        return fail_key(ld, e, p, "host", "required for type \"syslog\"");
    if (member(e, "port") == NULL)
        out->port = out->transport == TRANSPORT_TLS ? 6514 : 514;
    if ((m = member(e, "framing")) != NULL && out->transport == TRANSPORT_UDP)
        return fail_key(ld, m, p, "framing", "applies only to transport tcp or tls");
    if ((m = member(e, "ack_delay")) != NULL && out->transport == TRANSPORT_UDP)
        return fail_key(ld, m, p, "ack_delay", "applies only to transport tcp or tls");
    if ((m = member(e, "tls")) != NULL && out->transport != TRANSPORT_TLS)
        return fail_key(ld, m, p, "tls", "needs transport = \"tls\"");
    if ((m = member(e, "max_message")) == NULL)
        out->max_message = out->transport == TRANSPORT_UDP ? 2048 : 65536;
    else if (out->transport == TRANSPORT_UDP && out->max_message > 65507)
        return fail_key(ld, m, p, "max_message", "%d out of range for udp (480..65507)", out->max_message);
    join(path, p, "tls");
    return check_tls(ld, member(e, "tls"), &out->tls, path);
}

static int check_list(struct cfg_ld *ld, const config_setting_t *s, const char *path, int max,
                      const char *what)
{
    if (!config_setting_is_list(s) && !(config_setting_is_array(s) && config_setting_length(s) == 0))
        return fail(ld, s, path, "expected a list of groups ( { ... }, { ... } )");
    if (config_setting_length(s) > max)
        return fail(ld, s, path, "more than %d %s", max, what);
    return 0;
}

int cfg_key_outputs(struct cfg_ld *ld, const config_setting_t *s, void *base, const char *path)
{
    struct cfg *cfg = base;

    if (check_list(ld, s, path, CFG_MAX_OUTPUTS, "outputs") < 0)
        return -1;
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, i), *t;
        struct cfg_output *out = &cfg->outputs[cfg->n_outputs];
        char p[PATH_MAX_KEY], tp[PATH_MAX_KEY];
        int type;

        snprintf(p, sizeof(p), "outputs[%d]", i);
        if (!config_setting_is_group(e))
            return fail(ld, e, p, "expected a group { type = \"...\"; ... }");
        cfg->n_outputs++;
        cfg_apply_defaults(&cfg_output_tab, out);
        out->cfg_line = setting_line(e);
        join(tp, p, "type");
        if ((t = member(e, "type")) == NULL)
            return fail(ld, e, tp, "required (file, syslog or kafka)");
        if (lookup_enum(ld, t, cfg_find_key(&cfg_output_tab, "type"), tp, &type) < 0)
            return -1;
        out->type = (enum out_type)type;
        if (walk_group(ld, e, &cfg_output_tab, out, p, 1u << type) < 0 ||
            finish_output(ld, e, cfg, i, p) < 0)
            return -1;
    }
    return 0;
}

/* A rule field name, with a suggestion when it is misspelt. */
static int parse_field(struct cfg_ld *ld, const config_setting_t *s, const char *path,
                       const char *name, enum rule_field *f)
{
    const char *names[RF_COUNT_], *hint;

    if (cfg_parse_rule_field(name, f) == 0)
        return 0;
    for (int i = 0; i < RF_COUNT_; i++)
        names[i] = cfg_rule_field_name((enum rule_field)i);
    hint = suggest(name, names, RF_COUNT_);
    if (hint != NULL)
        return fail(ld, s, path, "unknown field '%s' (did you mean '%s'?)", name, hint);
    return fail(ld, s, path, "unknown field '%s' (user, source_ip, deployment_id, "
                "deployment_name, class, outcome, method, region, status, api_key_id)", name);
}

int cfg_key_where(struct cfg_ld *ld, const config_setting_t *s, void *base, const char *path)
{
    struct cfg_rule *rule = base;

    if (!config_setting_is_group(s))
        return fail(ld, s, path, "expected a group { field = \"glob\"; ... }");
    if (config_setting_length(s) > CFG_MAX_CONDS)
        return fail(ld, s, path, "more than %d conditions", CFG_MAX_CONDS);
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        struct cfg_rule_cond *c = &rule->conds[rule->n_conds];
        char p[PATH_MAX_KEY];
        const char *v;

        join(p, path, config_setting_name(e));
        if (parse_field(ld, e, p, config_setting_name(e), &c->field) < 0)
            return -1;
        if (config_setting_type(e) == CONFIG_TYPE_INT ||
            config_setting_type(e) == CONFIG_TYPE_INT64) {       /* status = 401; */
            c->value = xasprintf("%lld", config_setting_get_int64(e));
        } else {
            if (get_string(ld, e, p, &v) < 0)
                return -1;
            if (*v == '\0')
                return fail(ld, e, p, "must not be empty (use \"*\" for any value)");
            c->value = xstrdup(v);
        }
        rule->n_conds++;
    }
    return 0;
}

int cfg_key_group_by(struct cfg_ld *ld, const config_setting_t *s, void *base, const char *path)
{
    struct cfg_rule *rule = base;
    int t = config_setting_type(s);
    int len = t == CONFIG_TYPE_STRING ? 1 : config_setting_length(s);

    if (t != CONFIG_TYPE_STRING && t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return fail(ld, s, path, "expected a field name or a list [ \"user\", \"source_ip\" ]");
    if (len > CFG_MAX_GROUPBY)
        return fail(ld, s, path, "more than %d fields", CFG_MAX_GROUPBY);
    rule->n_group_by = 0;
    for (int i = 0; i < len; i++) {
        const config_setting_t *e = t == CONFIG_TYPE_STRING ? s : config_setting_get_elem(s, i);
        enum rule_field f;
        const char *v;

        if (get_string(ld, e, path, &v) < 0 || parse_field(ld, e, path, v, &f) < 0)
            return -1;
        for (int j = 0; j < rule->n_group_by; j++) {
            if (rule->group_by[j] == f)
                return fail(ld, e, path, "'%s' listed twice", v);
        }
        rule->group_by[rule->n_group_by++] = f;
    }
    return 0;
}

static int finish_rule(struct cfg_ld *ld, const config_setting_t *e, struct cfg *cfg, int idx,
                       const char *p)
{
    struct cfg_rule *rule = &cfg->rules[idx];
    const config_setting_t *m;

    if (rule->name == NULL)
        return fail_key(ld, e, p, "name", "required");
    if (rule->match == NULL)
        return fail_key(ld, e, p, "match", "required (an event class glob such as \"auth.login.failure\")");
    for (int j = 0; j < idx; j++) {
        if (strcmp(cfg->rules[j].name, rule->name) == 0)
            return fail_key(ld, member(e, "name"), p, "name", "duplicate rule name '%s' (also at line %d)",
                        rule->name, cfg->rules[j].cfg_line);
    }
    m = member(e, "window");
    if (rule->threshold > 1 && rule->window_ms == 0)
        return fail_key(ld, m != NULL ? m : e, p, "window", "required (and > 0) when threshold > 1");
    if (member(e, "suppress") == NULL)
        rule->suppress_ms = rule->window_ms;
    return 0;
}

int cfg_key_rules(struct cfg_ld *ld, const config_setting_t *s, void *base, const char *path)
{
    struct cfg *cfg = base;

    if (check_list(ld, s, path, CFG_MAX_RULES, "rules") < 0)
        return -1;
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        struct cfg_rule *rule = &cfg->rules[cfg->n_rules];
        char p[PATH_MAX_KEY];

        snprintf(p, sizeof(p), "rules[%d]", i);
        if (!config_setting_is_group(e))
            return fail(ld, e, p, "expected a group { name = \"...\"; ... }");
        cfg->n_rules++;
        cfg_apply_defaults(&cfg_rule_tab, rule);
        rule->cfg_line = setting_line(e);
        if (walk_group(ld, e, &cfg_rule_tab, rule, p, 0) < 0 || finish_rule(ld, e, cfg, i, p) < 0)
            return -1;
    }
    return 0;
}

/* ---- load -------------------------------------------------------------------- */

int cfg_load(struct cfg *cfg, const char *path, struct err *err)
{
    struct cfg_ld ld = {cfg, path, NULL, err};
    const config_setting_t *src;
    char *dir = xstrdup(path), *slash, buf[4096];
    config_t c;
    FILE *fp;
    int rc = -1;

    fp = fopen(path, "r");
    if (fp == NULL) {
        err_set(err, ERR_CONFIG, "%s: cannot read: %s", path, strerror(errno));
        free(dir);
        return -1;
    }
    fclose(fp);
    config_init(&c);
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        slash[slash == dir ? 1 : 0] = '\0';
        ld.dir = dir;
        config_set_include_dir(&c, dir);        /* @include "x.conf" is relative to the file */
    }
    if (config_read_file(&c, path) != CONFIG_TRUE) {
        if (config_error_type(&c) == CONFIG_ERR_FILE_IO)
            err_set(err, ERR_CONFIG, "%s: cannot read: %s", path, config_error_text(&c));
        else
            err_set(err, ERR_CONFIG, "%s:%d: %s",
                    file_name(&ld, config_error_file(&c), buf, sizeof(buf)),
                    config_error_line(&c), config_error_text(&c));
        goto out;
    }
    set_str(&cfg->file, path);
    if (walk_group(&ld, config_root_setting(&c), &cfg_top_tab, cfg, "", 0) < 0)
        goto out;
    src = config_lookup(&c, "source");
    if (src != NULL && finish_source(&ld, src, &cfg->source) < 0)
        goto out;
    rc = 0;
out:
    config_destroy(&c);
    free(dir);
    return rc;
}

