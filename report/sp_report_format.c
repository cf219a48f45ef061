/* sp_report_format.c: the scorecard as text for people, CSV for spreadsheets, JSON for tools. */
#include "sp_report_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Columns a string takes on a terminal: CJK characters take two. */
static int display_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p < 0x80) {
            w++;
            p++;
        } else if (*p >= 0xE0 && *p < 0xF0) { /* three-byte: CJK lives here */
            w += 2;
            p += 3;
        } else {
            w++;
            p += (*p >= 0xF0) ? 4 : 2;
        }
    }
    return w;
}

static void pad(FILE *out, const char *s, int width)
{
    fputs(s, out);
    for (int w = display_width(s); w < width; w++)
        fputc(' ', out);
}

static const char *val(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

/* The statuses of stats.target_progress, in the order the summary counts them. */
static const char *const statuses[] = {"met",     "missed",    "no data", "on track",
                                       "at risk", "off track", "unknown"};
#define N_STATUSES (sizeof(statuses) / sizeof(statuses[0]))

void sp_report_write_text(const sp_report_data_t *d, FILE *out)
{
    const PGresult *r = d->scorecard;
    fprintf(out, "National informatization targets: scorecard (%s%s%s)\n\n", d->generated,
            d->as_of[0] ? "; as known at " : "", d->as_of);
    if (d->evaluation.id[0]) {
        fprintf(out, "Stored evaluation %s: year %d, version %d, stored %s by %s (catalogue %s)\n",
                d->evaluation.id, d->evaluation.year, d->evaluation.version, d->evaluation.at,
                d->evaluation.by, d->evaluation.catalogue_version);
        if (d->evaluation.note[0])
            fprintf(out, "Note: %s\n", d->evaluation.note);
        fputc('\n', out);
    }
    pad(out, "indicator", 20);
    pad(out, "plan", 12);
    pad(out, "year", 6);
    pad(out, "target", 20);
    pad(out, "judged on", 26);
    pad(out, "progress", 10);
    pad(out, "first met", 11);
    fputs("status\n", out);
    int counts[N_STATUSES] = {0};
    for (int i = 0; i < PQntuples(r); i++) {
        char target[96], judged[128], progress[32];
        snprintf(target, sizeof(target), "%s %s %s", val(r, i, SC_COMPARATOR), val(r, i, SC_TARGET),
                 val(r, i, SC_UNIT));
        /* A passed target year is judged on that year's value, one ahead on the latest. */
        bool passed = strcmp(val(r, i, SC_TARGET_YEAR_PASSED), "t") == 0;
        const char *value = val(r, i, passed ? SC_TARGET_YEAR_VALUE : SC_LATEST);
        const char *pct = val(r, i, passed ? SC_TARGET_YEAR_PROGRESS_PCT : SC_PROGRESS_PCT);
        if (*value)
            snprintf(judged, sizeof(judged), "%s %s (%s)", value, val(r, i, SC_UNIT),
                     passed ? val(r, i, SC_YEAR) : val(r, i, SC_LATEST_PERIOD));
        else
            snprintf(judged, sizeof(judged), "no data");
        snprintf(progress, sizeof(progress), "%s%s", pct, *pct ? " %" : "");
        pad(out, val(r, i, SC_INDICATOR), 20);
        pad(out, val(r, i, SC_PLAN), 12);
        pad(out, val(r, i, SC_YEAR), 6);
        pad(out, target, 20);
        pad(out, judged, 26);
        pad(out, progress, 10);
        pad(out, *val(r, i, SC_FIRST_YEAR_MET) ? val(r, i, SC_FIRST_YEAR_MET) : "-", 11);
        fprintf(out, "%s\n", val(r, i, SC_STATUS));
        for (size_t k = 0; k < N_STATUSES; k++)
            if (strcmp(val(r, i, SC_STATUS), statuses[k]) == 0)
                counts[k]++;
    }
    fprintf(out, "\n%d targets:", PQntuples(r));
    for (size_t k = 0; k < N_STATUSES; k++)
        fprintf(out, "%s %d %s", k ? "," : "", counts[k], statuses[k]);
    fputc('\n', out);
    const PGresult *q = d->quality;
    fputs("\nData quality:\n", out);
    for (int i = 0; i < PQntuples(q); i++) {
        if (strcmp(val(q, i, 0), "quarantine") == 0)
            fprintf(out, "  quarantined, waiting: %s (%s)\n", val(q, i, 2), val(q, i, 1));
        else if (strcmp(val(q, i, 0), "warning") == 0)
            fprintf(out, "  warning: %s\n", val(q, i, 1));
        else
            fprintf(out, "  %s: %s\n", val(q, i, 1), val(q, i, 2));
    }
}

static void csv_field(FILE *out, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n") != NULL) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
    fputs(last ? "\r\n" : ",", out);
}

static const char *const sc_names[SC__COUNT] = {"indicator",
                                                "name_en",
                                                "name_zh",
                                                "plan",
                                                "target_year",
                                                "comparator",
                                                "target",
                                                "unit",
                                                "latest",
                                                "latest_period",
                                                "progress_pct",
                                                "status",
                                                "cagr_needed_pct",
                                                "projected",
                                                "target_year_value",
                                                "target_year_progress_pct",
                                                "first_year_met",
                                                "source"};

void sp_report_write_csv(const sp_report_data_t *d, FILE *out)
{
    const PGresult *r = d->scorecard;
    for (int c = 0; c < SC__COUNT; c++)
        csv_field(out, sc_names[c], c == SC__COUNT - 1);
    for (int i = 0; i < PQntuples(r); i++)
        for (int c = 0; c < SC__COUNT; c++)
            csv_field(out, val(r, i, c), c == SC__COUNT - 1);
}

void sp_report_write_json(const sp_report_data_t *d, FILE *out)
{
    const PGresult *r = d->scorecard;
    json_t *root = json_object();
    json_t *targets = json_array();
    json_object_set_new(root, "generated", json_string(d->generated));
    if (d->as_of[0])
        json_object_set_new(root, "as_of", json_string(d->as_of));
    if (d->evaluation.id[0])
        json_object_set_new(root, "evaluation",
                            json_pack("{s:I,s:i,s:i,s:s,s:s,s:s*,s:s}", "id",
                                      (json_int_t)atoll(d->evaluation.id), "year",
                                      d->evaluation.year, "version", d->evaluation.version,
                                      "stored_at", d->evaluation.at, "stored_by", d->evaluation.by,
                                      "note", d->evaluation.note[0] ? d->evaluation.note : NULL,
                                      "catalogue_version", d->evaluation.catalogue_version));
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *o = json_object();
        for (int c = 0; c < SC__COUNT; c++) {
            if (PQgetisnull(r, i, c) || *val(r, i, c) == '\0') {
                json_object_set_new(o, sc_names[c], json_null());
            } else if (c == SC_YEAR || c == SC_FIRST_YEAR_MET) {
                json_object_set_new(o, sc_names[c], json_integer(atoi(val(r, i, c))));
            } else {
                /* Numbers stay decimal strings: exact, as the contract carries them. */
                json_object_set_new(o, sc_names[c], json_string(val(r, i, c)));
            }
        }
        json_array_append_new(targets, o);
    }
    json_object_set_new(root, "targets", targets);
    json_t *quality = json_array();
    for (int i = 0; i < PQntuples(d->quality); i++)
        json_array_append_new(quality, json_pack("{s:s,s:s,s:I}", "kind", val(d->quality, i, 0),
                                                 "what", val(d->quality, i, 1), "count",
                                                 (json_int_t)atoll(val(d->quality, i, 2))));
    json_object_set_new(root, "data_quality", quality);
    json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(root);
}
