/* http.c - one libcurl easy handle kept alive across requests: auth, TLS, timeouts, gzip,
 * capped bodies. Knows nothing of Elasticsearch semantics or retries.
 * Concurrency: used by the agent thread only; curl runs inside http_request(). */
#include "config.h"
#include <curl/curl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "xalloc.h"

struct http {
    CURLM *multi;           /* owns the connection cache: keep-alive across requests */
    CURL *curl;
    struct curl_slist *headers;
    struct curl_slist *connect_to; /* source.tls.server_name */
    char *base;             /* URL without trailing '/' */
    char *shown;            /* base without user:password@ */
    int64_t timeout_ms;
    volatile sig_atomic_t *stop;
    bool ignore_stop;       /* of the running request */
    size_t body_max;
    bool too_big;
    struct strbuf *sink;    /* body of the running request */
    char errbuf[CURL_ERROR_SIZE];
};

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
    struct http *h = ud;
    size_t n = size * nmemb;

    if (h->sink->len + n > h->body_max) {
        h->too_big = true;
        return 0;
    }
    strbuf_add(h->sink, data, n);
    return strbuf_failed(h->sink) ? 0 : n;
}

/* Authorization: ApiKey base64(id:key); a key without ':' is taken as already encoded. */
static char *api_key_header(const char *key)
{
    size_t len = strcspn(key, "\r\n");
    unsigned char *enc;
    char *hdr;

    if (memchr(key, ':', len) == NULL)
        return xasprintf("Authorization: ApiKey %.*s", (int)len, key);
    enc = xmalloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock(enc, (const unsigned char *)key, (int)len);
    hdr = xasprintf("Authorization: ApiKey %s", enc);
    explicit_bzero(enc, strlen((char *)enc));
    free(enc);
    return hdr;
}

static char *strip_userinfo(const char *url)
{
    const char *scheme = strstr(url, "://"), *at, *slash;

    if (scheme == NULL)
        return xstrdup(url);
    at = strchr(scheme + 3, '@');
    slash = strchr(scheme + 3, '/');
    if (at == NULL || (slash != NULL && slash < at))
        return xstrdup(url);
    return xasprintf("%.*s%s", (int)(scheme + 3 - url), url, at + 1);
}

static int setup_tls(struct http *h, const struct cfg_tls *tls, struct err *err)
{
    CURLcode rc = CURLE_OK;

    rc |= curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, tls->verify ? 1L : 0L);
    rc |= curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, tls->verify ? 2L : 0L);
    if (tls->ca_file != NULL)
        rc |= curl_easy_setopt(h->curl, CURLOPT_CAINFO, tls->ca_file);
    if (tls->cert_file != NULL)
        rc |= curl_easy_setopt(h->curl, CURLOPT_SSLCERT, tls->cert_file);
    if (tls->key_file != NULL)
        rc |= curl_easy_setopt(h->curl, CURLOPT_SSLKEY, tls->key_file);
    if (tls->key_password.value != NULL)
        rc |= curl_easy_setopt(h->curl, CURLOPT_KEYPASSWD, tls->key_password.value);
    if (rc != CURLE_OK)
        return err_set(err, ERR_CONFIG, "source.tls: libcurl rejected the TLS settings");
    return 0;
}

static int setup_auth(struct http *h, const struct cfg_source *cs, struct err *err)
{
    CURLcode rc = CURLE_OK;
    char *hdr;

    if (cs->auth_api_key.value != NULL) {
        hdr = api_key_header(cs->auth_api_key.value);
        h->headers = curl_slist_append(h->headers, hdr);
        explicit_bzero(hdr, strlen(hdr));
        free(hdr);
    } else if (cs->auth_username != NULL) {
        rc |= curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        rc |= curl_easy_setopt(h->curl, CURLOPT_USERNAME, cs->auth_username);
        rc |= curl_easy_setopt(h->curl, CURLOPT_PASSWORD,
                               cs->auth_password.value ? cs->auth_password.value : "");
    }
    if (rc != CURLE_OK)
        return err_set(err, ERR_CONFIG, "source.auth: libcurl rejected the credentials setup");
    return 0;
}

/*
 * source.tls.server_name: the name to send as SNI and to verify in the certificate when the
 * URL names the cluster by another name or an IP. The request URL takes that name (so curl
 * verifies and sends it) while CONNECT_TO keeps the connection on the configured host.
 */
static int setup_server_name(struct http *h, const char *name, struct err *err)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *url = NULL, *connect_to;
    int rc = -1;

    if (u == NULL || curl_url_set(u, CURLUPART_URL, h->base, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_HOST, name, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
        err_set(err, ERR_CONFIG, "source.tls.server_name: cannot apply '%s' to source.url", name);
        goto out;
    }
    connect_to = xasprintf("%s:%s:%s:%s", name, port, host, port);
    h->connect_to = curl_slist_append(NULL, connect_to);
    free(connect_to);
    curl_easy_setopt(h->curl, CURLOPT_CONNECT_TO, h->connect_to);
    free(h->base);
    h->base = xstrdup(url);
    {
        size_t len = strlen(h->base);
        while (len > 0 && h->base[len - 1] == '/')
            h->base[--len] = '\0';
    }
    rc = 0;
out:
    curl_free(host);
    curl_free(port);
    curl_free(url);
    curl_url_cleanup(u);
    return rc;
}

struct http *http_new(const struct cfg_source *cs, volatile sig_atomic_t *stop, struct err *err)
{
    static bool global_done;
    struct http *h = xcalloc(1, sizeof(*h));
    CURLcode rc = CURLE_OK;
    size_t len;

    if (!global_done && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) {
        struct sigaction sa;
        /* CURLOPT_NOSIGNAL leaves SIGPIPE to us: a peer closing a TLS connection while
         * OpenSSL writes must not kill the daemon (one thread, so this is safe here) */
        if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
            signal(SIGPIPE, SIG_IGN);
        global_done = true;
    }
    if (cs->url == NULL || (strncmp(cs->url, "http://", 7) != 0 &&
                            strncmp(cs->url, "https://", 8) != 0)) {
        err_set(err, ERR_CONFIG, "source.url must start with http:// or https://");
        goto fail;
    }
    len = strlen(cs->url);
    while (len > 0 && cs->url[len - 1] == '/')
        len--;
    h->base = xstrndup(cs->url, len);
    h->shown = strip_userinfo(h->base);
    h->timeout_ms = cs->timeout_ms > 0 ? cs->timeout_ms : 30000;
    h->stop = stop;
    h->curl = curl_easy_init();
    h->multi = curl_multi_init();
    if (h->curl == NULL || h->multi == NULL) {
        err_set(err, ERR_IO, "curl_easy_init failed");
        goto fail;
    }
    h->headers = curl_slist_append(h->headers, "Content-Type: application/json");
    h->headers = curl_slist_append(h->headers, "Accept: application/json");
    h->headers = curl_slist_append(h->headers, "Expect:");
    if (setup_auth(h, cs, err) < 0 || setup_tls(h, &cs->tls, err) < 0 ||
        (cs->tls.server_name != NULL && setup_server_name(h, cs->tls.server_name, err) < 0))
        goto fail;
    rc |= curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
    rc |= curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    rc |= curl_easy_setopt(h->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    rc |= curl_easy_setopt(h->curl, CURLOPT_ACCEPT_ENCODING, "");
    rc |= curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
    rc |= curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
    rc |= curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_write);
    rc |= curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
    rc |= curl_easy_setopt(h->curl, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
    if (rc != CURLE_OK) {
        err_set(err, ERR_CONFIG, "libcurl lacks a required option (needs >= 7.85)");
        goto fail;
    }
    return h;
fail:
    http_free(h);
    return NULL;
}

void http_free(struct http *h)
{
    if (h == NULL)
        return;
    if (h->curl != NULL)
        curl_easy_cleanup(h->curl);
    if (h->multi != NULL)
        curl_multi_cleanup(h->multi);
    for (struct curl_slist *l = h->headers; l != NULL; l = l->next)
        explicit_bzero(l->data, strlen(l->data));
    curl_slist_free_all(h->headers);
    curl_slist_free_all(h->connect_to);
    free(h->base);
    free(h->shown);
    free(h);
}

void http_resp_init(struct http_resp *resp)
{
    resp->status = 0;
    resp->latency_ms = 0;
    strbuf_init(&resp->body, 0);
}

void http_resp_fini(struct http_resp *resp)
{
    strbuf_fini(&resp->body);
}

const char *http_url(const struct http *h)
{
    return h->shown;
}

/* The server refused our TLS identity (alerts certificate required, bad certificate, unknown
 * ca): retrying with the same files cannot help. */
static bool peer_refused_us(const char *errbuf)
{
    return strstr(errbuf, "alert") != NULL &&
           (strstr(errbuf, "certificate") != NULL || strstr(errbuf, "unknown ca") != NULL);
}

static enum err_kind curl_kind(CURLcode rc, const char *errbuf)
{
    switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        return peer_refused_us(errbuf) ? ERR_CONFIG : ERR_TRANSIENT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return ERR_CONFIG;
    default:
        return ERR_TRANSIENT;
    }
}

/* curl_easy_perform through the multi interface, so that *stop is seen within
 * HTTP_STOP_POLL_MS even while a request hangs. */
static CURLcode perform(struct http *h)
{
    CURLcode rc = CURLE_OK;
    CURLMsg *msg;
    int running = 1, left;

    if (curl_multi_add_handle(h->multi, h->curl) != CURLM_OK)
        return CURLE_FAILED_INIT;
    while (running) {
        if (curl_multi_perform(h->multi, &running) != CURLM_OK) {
            rc = CURLE_FAILED_INIT;
            break;
        }
        if (!running)
            break;
        if (!h->ignore_stop && h->stop != NULL && *h->stop) {
            rc = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        curl_multi_poll(h->multi, NULL, 0, HTTP_STOP_POLL_MS, NULL);
    }
    while (rc == CURLE_OK && (msg = curl_multi_info_read(h->multi, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->curl)
            rc = msg->data.result;
    curl_multi_remove_handle(h->multi, h->curl);
    return rc;
}

int http_request(struct http *h, const struct http_req *req, struct http_resp *resp,
                 struct err *err)
{
    char *url = xasprintf("%s%s", h->base, req->path);
    int64_t timeout = req->timeout_ms > 0 ? req->timeout_ms : h->timeout_ms;
    curl_off_t us = 0;
    CURLcode rc;
    int ret = -1;

    strbuf_reset(&resp->body);
    resp->status = 0;
    h->sink = &resp->body;
    h->too_big = false;
    h->ignore_stop = req->ignore_stop;
    h->body_max = req->body_max > 0 ? req->body_max : HTTP_BODY_MAX_BYTES;
    h->errbuf[0] = '\0';
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)timeout);
    curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(timeout < HTTP_CONNECT_MAX_MS ? timeout : HTTP_CONNECT_MAX_MS));
    if (req->body != NULL) {
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST,
                         strcmp(req->method, "POST") == 0 ? NULL : req->method);
    } else {
        curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST,
                         strcmp(req->method, "GET") == 0 ? NULL : req->method);
    }
    rc = perform(h);
    curl_easy_getinfo(h->curl, CURLINFO_TOTAL_TIME_T, &us);
    resp->latency_ms = (double)us / 1000.0;
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        err_set(err, ERR_TRANSIENT, "stopping");
    } else if (rc == CURLE_WRITE_ERROR && h->too_big) {
        err_set(err, ERR_PARSE, "%s %s: response larger than %zu bytes", req->method,
                req->path, h->body_max);
    } else if (rc != CURLE_OK) {
        err_set(err, curl_kind(rc, h->errbuf), "%s %s%s: %s%s%s%s", req->method, h->shown,
                req->path, curl_easy_strerror(rc), h->errbuf[0] ? ": " : "", h->errbuf,
                peer_refused_us(h->errbuf) ? " (the server requires a client certificate it "
                                             "trusts: check source.tls.cert_file/key_file)" : "");
    } else {
        curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
        ret = 0;
    }
    h->sink = NULL;
    free(url);
    return ret;
}
