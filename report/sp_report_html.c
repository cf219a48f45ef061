/*
 * sp_report_html.c: the scorecard as one self-contained HTML page: inline CSS, one inline
 * SVG chart per indicator (its national series against its targets), the provinces'
 * ranking, the composite index and the regional gaps (sp_report_regional.c) and the
 * data-quality panel. A Content-Security-Policy forbids every fetch.
 */
#include "sp_report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sp_report_html_escape(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static const char *status_class(const char *s)
{
    if (strcmp(s, "met") == 0)
        return "met";
    if (strcmp(s, "on track") == 0)
        return "on";
    if (strcmp(s, "at risk") == 0)
        return "risk";
    if (strcmp(s, "off track") == 0 || strcmp(s, "missed") == 0)
        return "off";
    return "unknown";
}

/* A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten. */
static double nice_ceiling(double v)
{
    if (v <= 0)
        return 1;
    double p = pow(10, floor(log10(v)));
    double m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/* Whether scorecard row i is a national target of indicator: a chart draws the national
 * series, so only national targets belong on it. */
static bool national_target_of(const PGresult *t, int i, const char *indicator)
{
    return strcmp(sp_report_val(t, i, SC_INDICATOR), indicator) == 0 &&
           strcmp(sp_report_val(t, i, SC_TARGET_AREA), "CN") == 0;
}

/* One chart: the indicator's national annual values and its national targets. */
static void chart(FILE *out, const sp_report_data_t *d, const char *indicator, const char *unit)
{
    const PGresult *s = d->series, *t = d->scorecard;
    int y0 = 9999, y1 = 0;
    double vmax = 0;
    int npoints = 0;
    for (int i = 0; i < PQntuples(s); i++) {
        if (strcmp(sp_report_val(s, i, 0), indicator) != 0)
            continue;
        int y = atoi(sp_report_val(s, i, 1));
        double v = atof(sp_report_val(s, i, 2));
        y0 = y < y0 ? y : y0;
        y1 = y > y1 ? y : y1;
        vmax = v > vmax ? v : vmax;
        npoints++;
    }
    for (int i = 0; i < PQntuples(t); i++) {
        if (!national_target_of(t, i, indicator))
            continue;
        int y = atoi(sp_report_val(t, i, SC_YEAR));
        double v = atof(sp_report_val(t, i, SC_TARGET));
        y0 = y < y0 ? y : y0;
        y1 = y > y1 ? y : y1;
        vmax = v > vmax ? v : vmax;
    }
    if (y0 > y1)
        return;
    if (y0 == y1)
        y0--;
    vmax = nice_ceiling(vmax * 1.05);
    const double W = 520, H = 240, L = 60, R = 20, T = 16, B = 32;
#define X(year) (L + ((year)-y0) * (W - L - R) / (double)(y1 - y0))
#define Y(v) (T + (H - T - B) * (1 - (v) / vmax))
    fprintf(out, "<svg class=\"chart\" data-indicator=\"");
    sp_report_html_escape(out, indicator);
    fprintf(out, "\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\">\n", W,
            H, W, H);
    /* axes and grid */
    for (int k = 0; k <= 4; k++) {
        double v = vmax * k / 4;
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%g</text>\n",
                L, Y(v), W - R, Y(v), L - 6, Y(v) + 4, v);
    }
    int step = (y1 - y0) > 12 ? 5 : (y1 - y0) > 6 ? 2 : 1;
    for (int y = y0; y <= y1; y += step)
        fprintf(out,
                "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%d</text>\n",
                X(y), H - B + 16, y);
    fprintf(out, "<text x=\"4\" y=\"12\" class=\"tick\">");
    sp_report_html_escape(out, unit);
    fputs("</text>\n", out);
    /* targets */
    for (int i = 0; i < PQntuples(t); i++) {
        if (!national_target_of(t, i, indicator))
            continue;
        double x = X(atoi(sp_report_val(t, i, SC_YEAR))),
               y = Y(atof(sp_report_val(t, i, SC_TARGET)));
        fprintf(out,
                "<g class=\"target %s\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\"/><title>",
                status_class(sp_report_val(t, i, SC_STATUS)), x - 24, y, x + 4, y, x, y);
        char title[256];
        snprintf(title, sizeof(title), d->words->target_for, sp_report_val(t, i, SC_PLAN),
                 sp_report_val(t, i, SC_YEAR), sp_report_val(t, i, SC_COMPARATOR),
                 sp_report_val(t, i, SC_TARGET));
        sp_report_html_escape(out, title);
        fputs("</title></g>\n", out);
    }
    /* the series */
    if (npoints > 0) {
        fputs("<polyline class=\"series\" points=\"", out);
        for (int i = 0; i < PQntuples(s); i++)
            if (strcmp(sp_report_val(s, i, 0), indicator) == 0)
                fprintf(out, "%.1f,%.1f ", X(atoi(sp_report_val(s, i, 1))),
                        Y(atof(sp_report_val(s, i, 2))));
        fputs("\"/>\n", out);
        for (int i = 0; i < PQntuples(s); i++)
            if (strcmp(sp_report_val(s, i, 0), indicator) == 0)
                fprintf(out,
                        "<circle class=\"point%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"><title>%s: "
                        "%s%s</title></circle>\n",
                        strcmp(sp_report_val(s, i, 3), "t") == 0 ? "" : " partial",
                        X(atoi(sp_report_val(s, i, 1))), Y(atof(sp_report_val(s, i, 2))),
                        sp_report_val(s, i, 1), sp_report_val(s, i, 2),
                        strcmp(sp_report_val(s, i, 3), "t") == 0 ? ""
                                                                 : d->words->year_not_complete);
    } else {
        fprintf(out,
                "<text x=\"%.1f\" y=\"%.1f\" class=\"nodata\" text-anchor=\"middle\">%s</text>\n",
                (L + W - R) / 2, H / 2, d->words->chart_no_data);
    }
    fputs("</svg>\n", out);
#undef X
#undef Y
}

static const char style[] =
    "body{font-family:system-ui,\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"PingFang SC\","
    "\"Microsoft YaHei\",sans-serif;margin:2em;color:#222;max-width:1200px}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}"
    "table{border-collapse:collapse;font-size:.9em}td,th{padding:.3em .6em;"
    "border-bottom:1px solid #ddd;text-align:left}td.num{text-align:right}"
    ".status{font-weight:600;border-radius:3px;padding:.1em .4em}"
    ".met{background:#d4edda}.on{background:#d1ecf1}.risk{background:#fff3cd}"
    ".off{background:#f8d7da}.unknown{background:#e2e3e5}"
    ".charts{display:flex;flex-wrap:wrap;gap:1.5em}.card{border:1px solid #ddd;padding:.6em}"
    ".card h3{font-size:1em;margin:.2em 0 .5em}"
    "svg .grid{stroke:#eee}svg .tick{font-size:10px;fill:#666}"
    "svg .series{fill:none;stroke:#1f5fa8;stroke-width:2}svg .point{fill:#1f5fa8}"
    "svg .point.partial{fill:#fff;stroke:#1f5fa8}svg .nodata{fill:#999;font-size:13px}"
    "svg .target line{stroke:#b22;stroke-dasharray:4 3;stroke-width:2}"
    "svg .target circle{fill:#fff;stroke:#b22;stroke-width:2}"
    "svg .target.met circle{fill:#2a2}svg .bar{fill:#1f5fa8}"
    "svg .bar.rur{fill:#8fb36b}";

void sp_report_write_html(const sp_report_data_t *d, FILE *out)
{
    const PGresult *t = d->scorecard;
    const sp_report_words_t *w = d->words;
    char line[512], when[96];
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">\n<title>",
            w->html_lang);
    sp_report_html_escape(out, w->title);
    fputs("</title>\n<style>", out);
    fputs(style, out);
    fputs("</style>\n</head>\n<body>\n<h1>", out);
    sp_report_html_escape(out, w->title);
    fputs("</h1>\n<p>", out);
    sp_report_date(w, d->generated, when, sizeof(when));
    snprintf(line, sizeof(line), w->generated, when, d->database);
    sp_report_html_escape(out, line);
    if (d->as_of[0]) {
        sp_report_date(w, d->as_of, when, sizeof(when));
        snprintf(line, sizeof(line), w->as_known_at, when);
        fputs(w->comma, out);
        sp_report_html_escape(out, line);
    }
    fputs(w->full_stop, out);
    sp_report_html_escape(out, w->values_note);
    fputs("</p>\n", out);
    if (d->evaluation.id[0]) {
        sp_report_date(w, d->evaluation.at, when, sizeof(when));
        snprintf(line, sizeof(line), w->evaluation, d->evaluation.id, d->evaluation.year,
                 d->evaluation.version, when, d->evaluation.by, d->evaluation.catalogue_version);
        fputs("<p id=\"evaluation\">", out);
        sp_report_html_escape(out, line);
        if (d->evaluation.note[0]) {
            fprintf(out, "<br>%s%s", w->note, w->colon);
            sp_report_html_escape(out, d->evaluation.note);
        }
        fputs("</p>\n", out);
    }

    fprintf(out,
            "<h2>%s</h2>\n<table id=\"scorecard\">\n<tr><th>%s</th><th>%s</th><th>%s</th>"
            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
            "<th>%s</th><th>%s</th><th>%s</th></tr>\n",
            w->h_targets, w->indicator, w->plan, w->year, w->target, w->latest, w->period,
            w->progress, w->growth_needed, w->projected, w->target_year_value,
            w->target_year_progress, w->first_met, w->status);
    for (int i = 0; i < PQntuples(t); i++) {
        /* The indicator's name in the report's language, the other below it. */
        fputs("<tr><td>", out);
        sp_report_html_escape(
            out, sp_report_val(t, i, w->lang == SP_REPORT_EN ? SC_NAME_EN : SC_NAME_ZH));
        fputs("<br><small>", out);
        sp_report_html_escape(
            out, sp_report_val(t, i, w->lang == SP_REPORT_EN ? SC_NAME_ZH : SC_NAME_EN));
        fputs("</small></td><td>", out);
        sp_report_html_escape(out, sp_report_val(t, i, SC_PLAN));
        fprintf(out, "</td><td>%s</td><td class=\"num\">", sp_report_val(t, i, SC_YEAR));
        sp_report_html_escape(out, sp_report_val(t, i, SC_COMPARATOR));
        fputc(' ', out);
        sp_report_html_escape(out, sp_report_val(t, i, SC_TARGET));
        fputc(' ', out);
        sp_report_html_escape(out, sp_report_val(t, i, SC_UNIT));
        fputs("</td><td class=\"num\">", out);
        sp_report_html_escape(out, *sp_report_val(t, i, SC_LATEST) ? sp_report_val(t, i, SC_LATEST)
                                                                   : "–");
        fputs("</td><td>", out);
        sp_report_html_escape(out, sp_report_val(t, i, SC_LATEST_PERIOD));
        fputs("</td><td class=\"num\">", out);
        if (*sp_report_val(t, i, SC_PROGRESS_PCT))
            fprintf(out, "%s %%", sp_report_val(t, i, SC_PROGRESS_PCT));
        fputs("</td><td class=\"num\">", out);
        if (*sp_report_val(t, i, SC_CAGR_NEEDED_PCT))
            fprintf(out, "%s %%", sp_report_val(t, i, SC_CAGR_NEEDED_PCT));
        fputs("</td><td class=\"num\">", out);
        sp_report_html_escape(out, sp_report_val(t, i, SC_PROJECTED));
        fputs("</td><td class=\"num\">", out);
        sp_report_html_escape(out, sp_report_val(t, i, SC_TARGET_YEAR_VALUE));
        fputs("</td><td class=\"num\">", out);
        if (*sp_report_val(t, i, SC_TARGET_YEAR_PROGRESS_PCT))
            fprintf(out, "%s %%", sp_report_val(t, i, SC_TARGET_YEAR_PROGRESS_PCT));
        fputs("</td><td>", out);
        sp_report_html_escape(out, sp_report_val(t, i, SC_FIRST_YEAR_MET));
        fprintf(out, "</td><td><span class=\"status %s\" data-status=\"%s\">",
                status_class(sp_report_val(t, i, SC_STATUS)), sp_report_val(t, i, SC_STATUS));
        sp_report_html_escape(out, sp_report_status_label(w, sp_report_val(t, i, SC_STATUS)));
        fputs("</span></td></tr>\n", out);
    }
    fputs("</table>\n", out);

    fprintf(out, "<h2>%s</h2>\n<div class=\"charts\">\n", w->h_charts);
    for (int i = 0; i < PQntuples(t); i++) {
        bool first = true;
        for (int k = 0; k < i; k++)
            if (strcmp(sp_report_val(t, k, SC_INDICATOR), sp_report_val(t, i, SC_INDICATOR)) == 0)
                first = false;
        if (!first)
            continue;
        fputs("<div class=\"card\"><h3>", out);
        sp_report_html_escape(
            out, sp_report_val(t, i, w->lang == SP_REPORT_EN ? SC_NAME_EN : SC_NAME_ZH));
        fputs(" · ", out);
        sp_report_html_escape(
            out, sp_report_val(t, i, w->lang == SP_REPORT_EN ? SC_NAME_ZH : SC_NAME_EN));
        fputs("</h3>\n", out);
        chart(out, d, sp_report_val(t, i, SC_INDICATOR), sp_report_val(t, i, SC_UNIT));
        fputs("</div>\n", out);
    }
    fputs("</div>\n", out);

    const PGresult *r = d->ranking;
    fprintf(out, "<h2 id=\"provinces\">%s</h2>\n", w->h_provinces);
    if (PQntuples(r) == 0)
        fprintf(out, "<p>%s</p>\n", w->no_provinces);
    for (int i = 0; i < PQntuples(r); i++) {
        if (i == 0 || strcmp(sp_report_val(r, i, 0), sp_report_val(r, i - 1, 0)) != 0) {
            if (i > 0)
                fputs("</table>\n", out);
            fputs("<h3>", out);
            sp_report_html_escape(out, sp_report_val(r, i, 0));
            fprintf(out,
                    ", %s</h3>\n<table class=\"ranking\"><tr><th>%s</th><th>%s</th>"
                    "<th>%s</th></tr>\n",
                    sp_report_val(r, i, 1), w->rank, w->province, w->value);
        }
        fprintf(out, "<tr><td class=\"num\">%s</td><td>", sp_report_val(r, i, 2));
        sp_report_html_escape(out, sp_report_val(r, i, 4));
        fputs(" ", out);
        sp_report_html_escape(out, sp_report_val(r, i, 3));
        fputs("</td><td class=\"num\">", out);
        sp_report_html_escape(out, sp_report_val(r, i, 5));
        fputc(' ', out);
        sp_report_html_escape(out, sp_report_val(r, i, 6));
        fputs("</td></tr>\n", out);
        if (i == PQntuples(r) - 1)
            fputs("</table>\n", out);
    }

    sp_report_regional_html(d, out);
    sp_report_urban_html(d, out);

    const PGresult *q = d->quality;
    fprintf(out, "<h2>%s</h2>\n<table id=\"quality\"><tr><th>%s</th><th>%s</th><th>%s</th></tr>\n",
            w->h_quality, w->check, w->what, w->count);
    for (int i = 0; i < PQntuples(q); i++) {
        const char *kind = sp_report_val(q, i, 0);
        fprintf(out, "<tr data-kind=\"%s\"><td>", kind);
        sp_report_html_escape(out, strcmp(kind, "quarantine") == 0 ? w->quarantined
                                   : strcmp(kind, "warning") == 0  ? w->warning
                                                                   : w->h_quality);
        fputs("</td><td>", out);
        sp_report_html_escape(out, strcmp(kind, "stale") == 0     ? w->stale
                                   : strcmp(kind, "missing") == 0 ? w->missing
                                                                  : sp_report_val(q, i, 1));
        fprintf(out, "</td><td class=\"num\">%s</td></tr>\n", sp_report_val(q, i, 2));
    }
    fputs("</table>\n</body>\n</html>\n", out);
}
