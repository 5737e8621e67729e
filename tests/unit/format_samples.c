/* format_samples.c - sample events and reference normalisation for the format tests.
 * The normalisation here is a plain re-statement of formats.md 1.4 / 2.2, kept apart from
 * the encoder on purpose. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "format_samples.h"
#include "xalloc.h"

const char *const hostile_values[] = {
    "a|b|c",
    "x=y z=w",
    "msg=evil act=spoof suser=root",
    "C:\\dir\\",
    "\\",
    "\\n literal",
    "=",
    "l1\r\nl2\nl3\r",
    "\r\nleading crlf",
    "a\tb\tc",
    "\x01\x02"
    "ctl\x1f\x7f"
    "end",
    "\xEF\xBF\xBD replaced",
    "Z\xC3\xBCrich \xE2\x98\x83 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80",
    "  padded value  ",
    "   ",
    "\t \t",
    "sd \"quoted\" ] \\ bracket",
    "^caret^LEEF^",
    "trailing backslash\\",
    NULL,
};

static struct audit_event *ev_new(void)
{
    struct audit_event *ev = xmalloc(sizeof(*ev));
    ev_reset(ev);
    return ev;
}

static int64_t ts(const char *s)
{
    int64_t ms = 0;
    if (ev_parse_time(s, &ms) < 0)
        abort();
    return ms;
}

struct audit_event *sample_e1(void)
{
    struct audit_event *ev = ev_new();

    ev->ts_ms = ts("2024-05-01T12:34:56.789Z");
    ev_set(ev, &ev->class, "auth.login");
    ev_set(ev, &ev->name, "User logged in");
    ev->severity = 3;
    ev->outcome = OUTCOME_SUCCESS;
    ev_set(ev, &ev->user, "alice@example.com");
    ev_set(ev, &ev->src_ip, "203.0.113.7");
    ev->src_port = 51514;
    ev_set(ev, &ev->method, "POST");
    ev_set(ev, &ev->url, "https://ece.example.com:12443/api/v1/users/auth/_login");
    ev_set(ev, &ev->path, "/users/auth/_login");
    ev->status = 200;
    ev_set(ev, &ev->user_agent, "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0");
    ev_set(ev, &ev->request_id, "812d917266bcd6c70f6215f0a740baa2");
    ev_set(ev, &ev->dedup_key, "services-logs-2024.05.01/aB3dE5fG7h");
    ev_set(ev, &ev->dest_host, "ece.example.com");
    ev->dest_port = 12443;
    ev->duration_ms = 42;
    ev_set(ev, &ev->message, "login ok");
    return ev;
}

struct audit_event *sample_e2(void)
{
    struct audit_event *ev = ev_new();

    ev->ts_ms = ts("2024-05-01T12:35:01.002Z");
    ev_set(ev, &ev->class, "deployment.update");
    ev_set(ev, &ev->name, "Deployment updated");
    ev->severity = 5;
    ev->outcome = OUTCOME_SUCCESS;
    ev_set(ev, &ev->user, "bob");
    ev_set(ev, &ev->auth_type, "cookie");
    ev_set(ev, &ev->src_ip, "198.51.100.23");
    ev->src_port = 40022;
    ev_set(ev, &ev->method, "PUT");
    ev_set(ev, &ev->url,
           "https://ece.example.com:12443/api/v1/deployments/0a1b2c3d"
           "?validate_only=false&skip_snapshot=true");
    ev_set(ev, &ev->path, "/deployments/0a1b2c3d");
    ev_set(ev, &ev->query, "validate_only=false&skip_snapshot=true");
    ev->status = 200;
    ev_set(ev, &ev->user_agent, "curl/8.5.0");
    ev_set(ev, &ev->request_id, "4f0270b671792633e355037f6f116382");
    ev_set(ev, &ev->dedup_key, "services-logs-2024.05.01/Zx9Yw8Vu7t");
    ev_set(ev, &ev->deployment_id, "0a1b2c3d");
    ev_set(ev, &ev->deployment_name, "prod-search");
    ev_set(ev, &ev->region, "ece-region");
    ev_set(ev, &ev->dest_host, "ece.example.com");
    ev->dest_port = 12443;
    ev->duration_ms = 1830;
    ev_set(ev, &ev->message, "plan change: size=8g|zones=2");
    return ev;
}

struct audit_event *sample_e3(void)
{
    struct audit_event *ev = ev_new();

    ev->ts_ms = ts("2024-05-01T12:35:09.500Z");
    ev_set(ev, &ev->class, "auth.login");
    ev_set(ev, &ev->name, "User login failed");
    ev->severity = 7;
    ev->outcome = OUTCOME_FAILURE;
    ev_set(ev, &ev->user, "mallory\\admin");
    ev_set(ev, &ev->src_ip, "2001:db8::7");
    ev->src_port = 60000;
    ev_set(ev, &ev->method, "POST");
    ev_set(ev, &ev->path, "/users/auth/_login");
    ev->status = 401;
    ev_set(ev, &ev->reason, "401 Unauthorized");
    ev_set(ev, &ev->user_agent, "python-requests/2.31");
    ev_set(ev, &ev->request_id, "e168a340732d843512ddfe1c07601cf8");
    ev_set(ev, &ev->dedup_key, "e168a340732d843512ddfe1c07601cf8"); /* replay: the request id */
    ev_set(ev, &ev->dest_host, "ece.example.com");
    ev->dest_port = 12443;
    ev->duration_ms = 7;
    ev_set(ev, &ev->message, "invalid credentials\nattempt 3 of 5");
    return ev;
}

struct audit_event *sample_alert(void)
{
    struct audit_event *ev = ev_new();

    ev->ts_ms = ts("2024-05-01T12:39:00.000Z");
    ev_set(ev, &ev->class, "alert.login-bruteforce");
    ev_set(ev, &ev->name, "Repeated failed logins");
    ev->severity = 8;
    ev->outcome = OUTCOME_FAILURE;
    ev->shape = SHAPE_AGENT;
    ev_set(ev, &ev->user, "mallory\\admin");
    ev_set(ev, &ev->rule_name, "login-bruteforce");
    ev_set(ev, &ev->group_value, "mallory\\admin");
    ev_set(ev, &ev->dedup_key, "alert.login-bruteforce/mallory\\admin/1714566909500");
    ev->alert_count = 3;
    ev->alert_window_ms = 300000;
    ev->alert_first_ms = ts("2024-05-01T12:35:09.500Z");
    ev->alert_last_ms = ts("2024-05-01T12:38:59.000Z");
    ev->alert_nids = 3;
    ev_set(ev, &ev->alert_ids[0], "e168a340732d843512ddfe1c07601cf8");
    ev_set(ev, &ev->alert_ids[1], "0b0f5b7c1d2e3f405162738495a6b7c8");
    ev_set(ev, &ev->alert_ids[2], "ffeeddccbbaa99887766554433221100");
    return ev;
}

struct audit_event *sample_empty(int64_t ts_ms)
{
    struct audit_event *ev = ev_new();
    ev->ts_ms = ts_ms;
    return ev;
}

void sample_opts(struct format_opts *fo)
{
    format_opts_default(fo);
    fo->version = "3.7.2";
    fo->hostname = "ece-coord-1";
    fo->app_name = "ece-audit-fwd";
    fo->procid = "4242";
}

static bool is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7F;
}

/* Keep the first max_cp code points of s (in place). */
static void cut(char *s, size_t max_cp)
{
    size_t cp = 0;
    for (size_t i = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (cp == max_cp) {
                s[i] = '\0';
                return;
            }
            cp++;
        }
    }
}

static void trim(char *s)
{
    size_t n = strlen(s), b = 0;
    while (s[b] == ' ')
        b++;
    while (n > b && s[n - 1] == ' ')
        n--;
    memmove(s, s + b, n - b);
    s[n - b] = '\0';
}

char *norm_cef_ext(const char *in, size_t max_cp)
{
    char *s = xstrdup(in);
    for (char *p = s; *p; p++)
        if (is_ctl((unsigned char)*p) && *p != '\r' && *p != '\n')
            *p = ' ';
    trim(s);
    cut(s, max_cp);
    trim(s);
    return s;
}

char *norm_cef_header(const char *in, size_t max_cp)
{
    char *s = xstrdup(in);
    for (char *p = s; *p; p++)
        if (is_ctl((unsigned char)*p))
            *p = ' ';
    cut(s, max_cp);
    if (*s == '\0') {
        free(s);
        s = xstrdup("unknown");
    }
    return s;
}

char *norm_leef_value(const char *in, char delim, size_t max_cp)
{
    char *s = xstrdup(in), *o;
    size_t extra = 0;

    for (char *p = s; *p; p++)
        if ((is_ctl((unsigned char)*p) && *p != '\r' && *p != '\n') || *p == delim)
            *p = ' ';
    trim(s);
    cut(s, max_cp);
    trim(s);
    for (char *p = s; *p; p++)
        extra += *p == '\r' || *p == '\n';
    o = xmalloc(strlen(s) + extra + 1);
    extra = 0;
    for (char *p = s; *p; p++) {
        if (*p == '\r' || *p == '\n') {
            o[extra++] = '\\';
            o[extra++] = *p == '\r' ? 'r' : 'n';
        } else {
            o[extra++] = *p;
        }
    }
    o[extra] = '\0';
    free(s);
    return o;
}
