/* cfg_parse.c - pure value parsers and validators of the configuration (durations,
 * facilities, Cloud IDs, ${ENV}, globs, names). Knows nothing of libconfig or files. */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cfg.h"
#include "cfg_priv.h"
#include "strbuf.h"
#include "xalloc.h"

#define ENV_EXPAND_MAX (64 * 1024)

static const struct {
    const char *unit;
    int64_t ms;
} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 60 * 60 * 1000}};

int cfg_parse_duration(const char *s, int64_t *ms)
{
    int64_t v = 0;
    const char *p = s;

    if (strcmp(s, "0") == 0) {
        *ms = 0;
        return 0;
    }
    if (!isdigit((unsigned char)*p))
        return -1;                              /* no sign, no blank, no empty */
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (INT64_MAX - (*p - '0')) / 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(p, units[i].unit) != 0)
            continue;
        if (v > INT64_MAX / units[i].ms)
            return -1;
        *ms = v * units[i].ms;
        return 0;
    }
    return -1;
}

void cfg_format_duration(int64_t ms, char out[CFG_DURATION_MAX])
{
    size_t i = sizeof(units) / sizeof(units[0]);

    if (ms == 0) {
        snprintf(out, CFG_DURATION_MAX, "0");
        return;
    }
    while (--i > 0 && ms % units[i].ms != 0)
        ;
    snprintf(out, CFG_DURATION_MAX, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
}

/* RFC 5424 §6.2.1 facility codes; "audit" (13) is Linux's LOG_AUDIT name. */
static const char *const facilities[24] = {
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
    "authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
    "local3", "local4", "local5", "local6", "local7"};

int cfg_parse_facility(const char *s, int *fac)
{
    const char *name = s;
    char *end;
    long v;

    if (isdigit((unsigned char)s[0])) {
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || *end != '\0' || v < 0 || v > 23)
            return -1;
        *fac = (int)v;
        return 0;
    }
    if (strncasecmp(name, "log_", 4) == 0)
        name += 4;                              /* "log_audit", "LOG_LOCAL0" */
    for (int i = 0; i < 24; i++) {
        if (strcasecmp(name, facilities[i]) == 0) {
            *fac = i;
            return 0;
        }
    }
    if (strcasecmp(name, "security") == 0) {    /* deprecated alias of auth (syslog(3)) */
        *fac = 4;
        return 0;
    }
    return -1;
}

const char *cfg_facility_name(int fac)
{
    return fac >= 0 && fac < 24 ? facilities[fac] : NULL;
}

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Standard base64; padding optional. Returns the decoded length or -1. */
static int b64_decode(const char *in, char *out, size_t outsz)
{
    size_t n = 0, len = strlen(in);
    uint32_t acc = 0;
    int bits = 0;

    while (len > 0 && in[len - 1] == '=')
        len--;
    if (strlen(in) - len > 2)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n + 1 >= outsz)
                return -1;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    if (bits >= 6)                               /* one stray character */
        return -1;
    out[n] = '\0';
    return (int)n;
}

/* "name[:port]" -> name cut at the port; port or @p def_port. */
static int split_port(char *part, const char *def_port, const char **port)
{
    char *colon = strrchr(part, ':');
    char *end;
    long v;

    *port = def_port;
    if (colon == NULL)
        return 0;
    errno = 0;
    v = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || !isdigit((unsigned char)colon[1]) || *end != '\0' || errno != 0 ||
        v < 1 || v > 65535)
        return -1;
    *colon = '\0';
    *port = colon + 1;
    return 0;
}

/* es-api.md §13: [<label>:]base64("<host>[:port]$<es_uuid>[:port]$<kibana_uuid>[:port]") */
int cfg_decode_cloud_id(const char *cloud_id, char **url, struct err *err)
{
    const char *b64 = strrchr(cloud_id, ':');
    char dec[1024];
    char *host, *es, *dollar;
    const char *host_port, *es_port;
    int n;

    b64 = b64 != NULL ? b64 + 1 : cloud_id;
    if (*b64 == '\0' || (n = b64_decode(b64, dec, sizeof(dec))) < 0)
        return err_set(err, ERR_CONFIG, "invalid cloud_id: not base64 after the label");
    if (n == 0 || (size_t)n != strlen(dec) || strchr(dec, '$') == NULL)
        return err_set(err, ERR_CONFIG, "invalid cloud_id: expected host$es_uuid$kibana_uuid");
    for (const char *p = dec; *p != '\0'; p++) {
        if (strchr("#@?/", *p) != NULL || (unsigned char)*p <= ' ' || (unsigned char)*p >= 127)
            return err_set(err, ERR_CONFIG, "invalid cloud_id: bad character in decoded value");
    }
    host = dec;
    dollar = strchr(host, '$');
    *dollar = '\0';
    es = dollar + 1;
    dollar = strchr(es, '$');
    if (dollar != NULL)
        *dollar = '\0';                          /* the Kibana part is not needed */
    if (split_port(host, "443", &host_port) < 0 || split_port(es, host_port, &es_port) < 0)
        return err_set(err, ERR_CONFIG, "invalid cloud_id: bad port");
    if (*host == '\0' || *es == '\0')
        return err_set(err, ERR_CONFIG, "invalid cloud_id: empty host or Elasticsearch id");
    *url = xasprintf("https://%s.%s:%s", es, host, es_port);
    return 0;
}

static bool is_env_name(const char *s, size_t n)
{
    if (n == 0 || isdigit((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    }
    return true;
}

int cfg_expand_env(const char *in, char **out, struct err *err)
{
    struct strbuf sb;
    const char *p = in;
    int rc = -1;

    strbuf_init(&sb, ENV_EXPAND_MAX);
    while (*p != '\0') {
        const char *start = strstr(p, "${");
        const char *close, *val;
        char name[256];

        if (start == NULL) {
            strbuf_adds(&sb, p);
            break;
        }
        strbuf_add(&sb, p, (size_t)(start - p));
        close = strchr(start + 2, '}');
        if (close == NULL || !is_env_name(start + 2, (size_t)(close - start - 2)) ||
            (size_t)(close - start - 2) >= sizeof(name)) {
            err_set(err, ERR_CONFIG, "bad ${VAR} reference (a name of letters, digits and _)");
            goto out;
        }
        memcpy(name, start + 2, (size_t)(close - start - 2));
        name[close - start - 2] = '\0';
        val = getenv(name);
        if (val == NULL) {
            err_set(err, ERR_CONFIG, "environment variable %s is not set", name);
            goto out;
        }
        strbuf_adds(&sb, val);
        p = close + 1;
    }
    if (strbuf_failed(&sb)) {
        err_set(err, ERR_CONFIG, "value too long after ${VAR} expansion");
        goto out;
    }
    *out = xstrdup(strbuf_str(&sb));
    rc = 0;
out:
    if (sb.buf != NULL)
        explicit_bzero(sb.buf, sb.alloc);        /* may have held a secret */
    strbuf_fini(&sb);
    return rc;
}

static const char *const rule_fields[RF_COUNT_] = {
    "user", "source_ip", "deployment_id", "deployment_name", "class",
    "outcome", "method", "region", "status", "api_key_id"};

int cfg_parse_rule_field(const char *s, enum rule_field *f)
{
    for (int i = 0; i < RF_COUNT_; i++) {
        if (strcmp(s, rule_fields[i]) == 0) {
            *f = (enum rule_field)i;
            return 0;
        }
    }
    return -1;
}

const char *cfg_rule_field_name(enum rule_field f)
{
    return (int)f >= 0 && f < RF_COUNT_ ? rule_fields[f] : NULL;
}

/* Iterative glob: on a mismatch, let the last '*' swallow one more character. */
bool cfg_glob_match(const char *pattern, const char *s)
{
    const char *star = NULL, *resume = NULL;

    while (*s != '\0') {
        if (*pattern == '*') {
            star = pattern++;
            resume = s;
        } else if (*pattern == '?' || *pattern == *s) {
            pattern++;
            s++;
        } else if (star != NULL) {
            pattern = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

size_t cfg_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[65];

    if (la > 64 || lb > 64)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *cfg_check_name(const char *s)
{
    if (*s == '\0' || strlen(s) > 64)
        return "must be 1 to 64 characters";
    for (; *s != '\0'; s++) {
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return "may contain only letters, digits, '_' and '-'";
    }
    return NULL;
}

const char *cfg_check_url(const char *s)
{
    const char *host;

    if (strncmp(s, "https://", 8) == 0)
        host = s + 8;
    else if (strncmp(s, "http://", 7) == 0)
        host = s + 7;
    else
        return "must start with https:// or http://";
    if (*host == '\0' || *host == '/' || *host == ':')
        return "has no host";
    if (memchr(host, '@', strcspn(host, "/?#")) != NULL)
        return "must not hold credentials (use source.auth)";
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 127)
            return "contains a blank or non-ASCII character";
    }
    return NULL;
}

const char *cfg_check_index(const char *s)
{
    if (*s == '\0')
        return "must not be empty";
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 127 || strchr("/\\\"<>|?#&%", *s))
            return "contains a character not allowed in an index pattern";
    }
    return NULL;
}

const char *cfg_check_printascii(const char *s)
{
    if (*s == '\0')
        return "must not be empty";
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 33 || (unsigned char)*s > 126)
            return "may contain only printable ASCII without blanks";
    }
    return NULL;
}

const char *cfg_check_topic(const char *s)
{
    if (*s == '\0' || strlen(s) > 249)
        return "must be 1 to 249 characters";
    for (; *s != '\0'; s++) {
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return "may contain only letters, digits, '.', '_' and '-'";
    }
    return NULL;
}

/* json-c 0.16 takes 'single-quoted' strings even in strict mode; Elasticsearch does not. */
static bool has_single_quotes(const char *s)
{
    bool in_str = false;

    for (; *s != '\0'; s++) {
        if (in_str && *s == '\\' && s[1] != '\0')
            s++;
        else if (*s == '"')
            in_str = !in_str;
        else if (!in_str && *s == '\'')
            return true;
    }
    return false;
}

const char *cfg_check_json_object(const char *s)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *obj;
    const char *why = NULL;
    size_t len = strlen(s), end;

    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);   /* what Elasticsearch accepts */
    obj = json_tokener_parse_ex(tok, s, (int)len);
    if (obj == NULL || has_single_quotes(s)) {
        why = "is not valid JSON";
        goto out;
    }
    for (end = json_tokener_get_parse_end(tok); end < len; end++) {
        if (!isspace((unsigned char)s[end])) {
            why = "has text after the JSON value";
            goto out;
        }
    }
    if (!json_object_is_type(obj, json_type_object))
        why = "must be a JSON object (an ES query clause)";
out:
    json_object_put(obj);
    json_tokener_free(tok);
    return why;
}

bool cfg_prop_is_secret(const char *name)
{
    static const char *const marks[] = {"password", "secret", "token", ".key", "jaas",
                                        "oauthbearer.config", "credential"};
    char low[128];
    size_t i;

    for (i = 0; name[i] != '\0' && i < sizeof(low) - 1; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = '\0';
    for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
        if (strstr(low, marks[i]) != NULL)
            return true;
    }
    return false;
}

const char *cfg_check_prop(const char *name, const char *value)
{
    for (const char *p = name; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            return "is not a librdkafka property name";
    }
    if (*name == '\0')
        return "has an empty property name (write \"name=value\")";
    if (strcmp(name, "bootstrap.servers") == 0 || strcmp(name, "metadata.broker.list") == 0)
        return "conflicts with 'brokers' (set the brokers there)";
    if (strcmp(name, "enable.idempotence") == 0 && strcmp(value, "true") != 0)
        return "the agent needs enable.idempotence=true (no loss, no duplicates)";
    if ((strcmp(name, "acks") == 0 || strcmp(name, "request.required.acks") == 0) &&
        strcmp(value, "all") != 0 && strcmp(value, "-1") != 0)
        return "the agent needs acks=all (an event is acked only when replicated)";
    if (strcmp(name, "delivery.report.only.error") == 0 && strcmp(value, "false") != 0)
        return "the agent needs a delivery report for every message";
    return NULL;
}
