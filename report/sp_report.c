/* sp_report.c: the report stage's entry point: read the stats views, write one format. */
#include "sp_report_int.h"

#include <string.h>

bool sp_report_format_parse(const char *s, sp_report_format_t *out)
{
    static const struct {
        const char *name;
        sp_report_format_t f;
    } names[] = {{"text", SP_REPORT_TEXT},
                 {"csv", SP_REPORT_CSV},
                 {"json", SP_REPORT_JSON},
                 {"html", SP_REPORT_HTML}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].f;
            return true;
        }
    return false;
}

sp_status_t sp_report_render(PGconn *conn, const sp_report_opts_t *opts, FILE *out, sp_error_t *err)
{
    sp_report_data_t d;
    sp_status_t st = sp_report_data_load(conn, opts, &d, err);
    if (st != SP_OK)
        return st;
    d.words = sp_report_words(opts->lang);
    switch (opts->format) {
    case SP_REPORT_TEXT:
        sp_report_write_text(&d, out);
        break;
    case SP_REPORT_CSV:
        sp_report_write_csv(&d, out);
        break;
    case SP_REPORT_JSON:
        sp_report_write_json(&d, out);
        break;
    case SP_REPORT_HTML:
        sp_report_write_html(&d, out);
        break;
    }
    sp_report_data_free(&d);
    if (fflush(out) != 0 || ferror(out))
        return sp_error_set(err, SP_ERR_IO, "could not write the report");
    return SP_OK;
}
