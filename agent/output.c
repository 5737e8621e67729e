/* output.c - output registry (type -> ops) and per-output format options.
 * Knows nothing of transports beyond the ops table. */
#include "config.h"
#include <stddef.h>
#include "output.h"

const struct output_ops *output_ops_for(enum out_type type)
{
    switch (type) {
    case OUT_TYPE_FILE: return &output_file_ops;
    case OUT_TYPE_SYSLOG: return &output_syslog_ops;
    case OUT_TYPE_KAFKA: return &output_kafka_ops;
    }
    return NULL;
}

void output_format_opts(const struct cfg_output *co, struct format_opts *fo)
{
    format_opts_default(fo);
    fo->body = co->format;
    fo->header = co->header;
    fo->facility = co->facility;
    if (co->hostname)
        fo->hostname = co->hostname;
    if (co->app_name)
        fo->app_name = co->app_name;
}
