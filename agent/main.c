/* main.c - command line, exit codes (0 ok, 1 configuration, 2 runtime), signals -> agent_run(). */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "agent.h"
#include "cfg.h"
#include "format.h"
#include "log.h"

#define DEFAULT_CONFIG SYSCONFDIR "/ece-auditd/ece-auditd.conf"

static struct agent_signals sig;

static void on_signal(int signo)
{
    switch (signo) {
    case SIGTERM:
    case SIGINT: sig.stop = 1; break;
    case SIGHUP: sig.reopen = 1; break;
    case SIGUSR1: sig.report = 1; break;
    default: break;
    }
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: ece-auditd [OPTIONS]\n"
            "Forward the Elastic Cloud Enterprise audit trail from Elasticsearch to a SIEM.\n\n"
            "  -c, --config FILE      configuration file (default %s)\n"
            "      --check-config     validate the configuration, print a summary, exit\n"
            "      --once             tail until caught up, deliver, checkpoint, exit\n"
            "      --replay FILE|-    read NDJSON audit documents instead of Elasticsearch\n"
            "                         (no checkpoint is touched)\n"
            "      --stdout FORMAT    ignore the configured outputs and print to stdout:\n"
            "                         cef, leef, json, rfc5424-cef, rfc5424-leef, rfc5424-json,\n"
            "                         rfc3164-cef\n"
            "      --reset-checkpoint ignore an existing checkpoint and start from start_at\n"
            "      --help-config      list every configuration key with its default\n"
            "  -v, --verbose          more logging (twice for debug)\n"
            "      --version          print the version and exit\n"
            "  -h, --help             this text\n\n"
            "Exit status: 0 success, 1 configuration error, 2 runtime failure.\n",
            DEFAULT_CONFIG);
}

enum { OPT_CHECK = 256, OPT_ONCE, OPT_REPLAY, OPT_STDOUT, OPT_VERSION, OPT_RESET, OPT_HELPCFG };

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"check-config", no_argument, NULL, OPT_CHECK},
    {"once", no_argument, NULL, OPT_ONCE},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"stdout", required_argument, NULL, OPT_STDOUT},
    {"reset-checkpoint", no_argument, NULL, OPT_RESET},
    {"help-config", no_argument, NULL, OPT_HELPCFG},
    {"verbose", no_argument, NULL, 'v'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* --stdout FORMAT replaces the configured outputs by one file output on stdout. */
static int use_stdout(struct cfg *cfg, const char *name)
{
    struct format_opts fo;
    struct cfg_output *co;

    format_opts_default(&fo);
    if (format_parse_name(name, &fo) < 0) {
        fprintf(stderr, "ece-auditd: --stdout: unknown format '%s' (cef, leef, json, "
                        "rfc5424-cef, rfc5424-leef, rfc5424-json, rfc3164-cef)\n", name);
        return -1;
    }
    for (int i = 0; i < cfg->n_outputs; i++)
        cfg_output_free(&cfg->outputs[i]);
    cfg->n_outputs = 1;
    co = &cfg->outputs[0];
    memset(co, 0, sizeof(*co));
    co->name = strdup("stdout");
    co->type = OUT_TYPE_FILE;
    co->path = strdup("-");
    co->format = fo.body;
    co->header = fo.header;
    co->facility = 13;
    return 0;
}

int main(int argc, char **argv)
{
    const char *cfg_path = NULL, *stdout_fmt = NULL;
    struct agent_opts opts = {0};
    bool check = false;
    int verbose = 0, c, rc;
    struct cfg cfg;
    struct err err;

    while ((c = getopt_long(argc, argv, "c:vh", long_opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfg_path = optarg; break;
        case OPT_CHECK: check = true; break;
        case OPT_ONCE: opts.once = true; break;
        case OPT_REPLAY: opts.replay = optarg; break;
        case OPT_STDOUT: stdout_fmt = optarg; break;
        case OPT_RESET: opts.reset_checkpoint = true; break;
        case OPT_HELPCFG: cfg_print_keys(stdout); return 0;
        case 'v': verbose++; break;
        case OPT_VERSION: printf("%s\n", PACKAGE_STRING); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ece-auditd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 1;
    }
    log_set_level(verbose >= 2 ? LOG_LVL_DEBUG : verbose == 1 ? LOG_LVL_INFO : LOG_LVL_INFO);

    cfg_defaults(&cfg);
    /* --replay with --stdout needs no configuration file: built-in defaults apply when
     * none is given and the default one does not exist. */
    if (cfg_path == NULL) {
        struct stat st;
        if (!(opts.replay && stdout_fmt && stat(DEFAULT_CONFIG, &st) != 0))
            cfg_path = DEFAULT_CONFIG;
    }
    if (cfg_path && cfg_load(&cfg, cfg_path, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        cfg_free(&cfg);
        return 1;
    }
    if (verbose == 0 && cfg.log.level)
        log_set_level(strcmp(cfg.log.level, "debug") == 0   ? LOG_LVL_DEBUG
                      : strcmp(cfg.log.level, "warn") == 0  ? LOG_LVL_WARN
                      : strcmp(cfg.log.level, "error") == 0 ? LOG_LVL_ERROR
                                                            : LOG_LVL_INFO);
    if (cfg.log.target && strcmp(cfg.log.target, "syslog") == 0)
        log_use_syslog(1);
    if (check) {
        cfg_print_summary(&cfg, stdout);
        cfg_free(&cfg);
        return 0;
    }
    if (stdout_fmt && use_stdout(&cfg, stdout_fmt) < 0) {
        cfg_free(&cfg);
        return 1;
    }
    if (cfg.n_outputs == 0) {
        fprintf(stderr, "%s: no outputs configured (add outputs = ( ... ) or use --stdout)\n",
                cfg_path ? cfg_path : "ece-auditd");
        cfg_free(&cfg);
        return 1;
    }
    install_signals();
    rc = agent_run(&cfg, &opts, &sig);
    cfg_free(&cfg);
    return rc;
}
