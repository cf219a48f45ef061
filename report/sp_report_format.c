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

void sp_report_write_text(const sp_report_data_t *d, FILE *out)
{
    const sp_report_words_t *w = d->words;
    const PGresult *r = d->scorecard;
    char when[96];
    sp_report_date(w, d->generated, when, sizeof(when));
    fprintf(out, "%s (", w->title);
    fprintf(out, w->generated, when, d->database);
    if (d->as_of[0]) {
        sp_report_date(w, d->as_of, when, sizeof(when));
        fputs("; ", out);
        fprintf(out, w->as_known_at, when);
    }
    fputs(")\n\n", out);
    if (d->evaluation.id[0]) {
        sp_report_date(w, d->evaluation.at, when, sizeof(when));
        fprintf(out, w->evaluation, d->evaluation.id, d->evaluation.year, d->evaluation.version,
                when, d->evaluation.by, d->evaluation.catalogue_version);
        fputc('\n', out);
        if (d->evaluation.note[0])
            fprintf(out, "%s%s%s\n", w->note, w->colon, d->evaluation.note);
        fputc('\n', out);
    }
    pad(out, w->indicator, 20);
    pad(out, w->plan, 12);
    pad(out, w->year, 8);
    pad(out, w->target, 20);
    pad(out, w->judged_on, 26);
    pad(out, w->progress, 10);
    pad(out, w->first_met, 11);
    fprintf(out, "%s\n", w->status);
    int counts[SP_REPORT_N_STATUSES] = {0};
    for (int i = 0; i < PQntuples(r); i++) {
        char target[96], judged[128], progress[32];
        snprintf(target, sizeof(target), "%s %s %s", sp_report_val(r, i, SC_COMPARATOR),
                 sp_report_val(r, i, SC_TARGET), sp_report_val(r, i, SC_UNIT));
        /* A passed target year is judged on that year's value, one ahead on the latest. */
        bool passed = strcmp(sp_report_val(r, i, SC_TARGET_YEAR_PASSED), "t") == 0;
        const char *value = sp_report_val(r, i, passed ? SC_TARGET_YEAR_VALUE : SC_LATEST);
        const char *pct =
            sp_report_val(r, i, passed ? SC_TARGET_YEAR_PROGRESS_PCT : SC_PROGRESS_PCT);
        if (*value)
            snprintf(judged, sizeof(judged), "%s %s (%s)", value, sp_report_val(r, i, SC_UNIT),
                     passed ? sp_report_val(r, i, SC_YEAR) : sp_report_val(r, i, SC_LATEST_PERIOD));
        else
            snprintf(judged, sizeof(judged), "%s", w->no_data);
        snprintf(progress, sizeof(progress), "%s%s", pct, *pct ? " %" : "");
        pad(out, sp_report_val(r, i, SC_INDICATOR), 20);
        pad(out, sp_report_val(r, i, SC_PLAN), 12);
        pad(out, sp_report_val(r, i, SC_YEAR), 8);
        pad(out, target, 20);
        pad(out, judged, 26);
        pad(out, progress, 10);
        pad(out,
            *sp_report_val(r, i, SC_FIRST_YEAR_MET) ? sp_report_val(r, i, SC_FIRST_YEAR_MET) : "-",
            11);
        fprintf(out, "%s\n", sp_report_status_label(w, sp_report_val(r, i, SC_STATUS)));
        counts[sp_report_status_index(sp_report_val(r, i, SC_STATUS))]++;
    }
    fputc('\n', out);
    fprintf(out, w->summary, PQntuples(r));
    for (int k = 0; k < SP_REPORT_N_STATUSES; k++) {
        /* English counts before the word ("4 missed"), Chinese after ("未达标 4"). */
        if (w->lang == SP_REPORT_EN)
            fprintf(out, "%s %d %s", k ? "," : "", counts[k], w->statuses[k]);
        else
            fprintf(out, "%s%s %d", k ? w->comma : "", w->statuses[k], counts[k]);
    }
    fputc('\n', out);
    sp_report_regional_text(d, out);
    sp_report_urban_text(d, out);
    const PGresult *q = d->quality;
    fprintf(out, "\n%s%s\n", w->h_quality, w->colon);
    for (int i = 0; i < PQntuples(q); i++) {
        const char *kind = sp_report_val(q, i, 0);
        if (strcmp(kind, "quarantine") == 0)
            fprintf(out, "  %s%s%s (%s)\n", w->quarantined, w->colon, sp_report_val(q, i, 2),
                    sp_report_val(q, i, 1));
        else if (strcmp(kind, "warning") == 0)
            fprintf(out, "  %s%s%s\n", w->warning, w->colon, sp_report_val(q, i, 1));
        else
            fprintf(out, "  %s%s%s\n", strcmp(kind, "stale") == 0 ? w->stale : w->missing, w->colon,
                    sp_report_val(q, i, 2));
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
    /* Column names and status codes stay the same in every language, for the tools that
     * read them; ref_area is the target's area (CN, or a province); status_label, last, is
     * the status in the report's language. */
    for (int c = 0; c < SC__COUNT; c++)
        csv_field(out, sc_names[c], false);
    csv_field(out, "ref_area", false);
    csv_field(out, "status_label", true);
    for (int i = 0; i < PQntuples(r); i++) {
        for (int c = 0; c < SC__COUNT; c++)
            csv_field(out, sp_report_val(r, i, c), false);
        csv_field(out, sp_report_val(r, i, SC_TARGET_AREA), false);
        csv_field(out, sp_report_status_label(d->words, sp_report_val(r, i, SC_STATUS)), true);
    }
}

void sp_report_write_json(const sp_report_data_t *d, FILE *out)
{
    const PGresult *r = d->scorecard;
    json_t *root = json_object();
    json_t *targets = json_array();
    json_object_set_new(root, "generated", json_string(d->generated));
    json_object_set_new(root, "lang", json_string(d->words->html_lang));
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
            if (PQgetisnull(r, i, c) || *sp_report_val(r, i, c) == '\0') {
                json_object_set_new(o, sc_names[c], json_null());
            } else if (c == SC_YEAR || c == SC_FIRST_YEAR_MET) {
                json_object_set_new(o, sc_names[c], json_integer(atoi(sp_report_val(r, i, c))));
            } else {
                /* Numbers stay decimal strings: exact, as the contract carries them. */
                json_object_set_new(o, sc_names[c], json_string(sp_report_val(r, i, c)));
            }
        }
        json_object_set_new(o, "ref_area", json_string(sp_report_val(r, i, SC_TARGET_AREA)));
        json_object_set_new(
            o, "status_label",
            json_string(sp_report_status_label(d->words, sp_report_val(r, i, SC_STATUS))));
        json_array_append_new(targets, o);
    }
    json_object_set_new(root, "targets", targets);
    sp_report_regional_json(d, root);
    sp_report_urban_json(d, root);
    json_t *quality = json_array();
    for (int i = 0; i < PQntuples(d->quality); i++)
        json_array_append_new(quality,
                              json_pack("{s:s,s:s,s:I}", "kind", sp_report_val(d->quality, i, 0),
                                        "what", sp_report_val(d->quality, i, 1), "count",
                                        (json_int_t)atoll(sp_report_val(d->quality, i, 2))));
    json_object_set_new(root, "data_quality", quality);
    json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(root);
}
