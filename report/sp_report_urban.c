/*
 * sp_report_urban.c: the report's urban–rural section, in every format but CSV: each
 * indicator's urban and rural value in each area's latest year with both
 * (stats.urban_rural_gap), with a paired bar chart in HTML.
 */
#include "sp_report_int.h"

#include <stdlib.h>
#include <string.h>

#define V sp_report_val
#define ESC sp_report_html_escape

static bool new_indicator(const PGresult *r, int i)
{
    return i == 0 || strcmp(V(r, i, UR_INDICATOR), V(r, i - 1, UR_INDICATOR)) != 0;
}

/* Two bars per area, urban above rural, as long as each value against the indicator's
 * highest. */
static void urban_chart(FILE *out, const PGresult *r, int from, int to, bool en)
{
    double vmax = 0;
    for (int i = from; i < to; i++) {
        if (atof(V(r, i, UR_URBAN)) > vmax)
            vmax = atof(V(r, i, UR_URBAN));
        if (atof(V(r, i, UR_RURAL)) > vmax)
            vmax = atof(V(r, i, UR_RURAL));
    }
    if (vmax <= 0)
        vmax = 1;
    const double W = 560, L = 120, R = 60, row = 30, T = 6;
    double H = T * 2 + row * (to - from);
    fputs("<svg class=\"chart urban\" data-indicator=\"", out);
    ESC(out, V(r, from, UR_INDICATOR));
    fprintf(out, "\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\">\n", W,
            H, W, H);
    for (int i = from; i < to; i++) {
        double y = T + row * (i - from);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">", L - 6,
                y + 16);
        ESC(out, V(r, i, en ? UR_AREA_EN : UR_AREA_ZH));
        fputs("</text>\n", out);
        for (int k = 0; k < 2; k++) {
            const char *v = V(r, i, k == 0 ? UR_URBAN : UR_RURAL);
            double w = atof(v) > 0 ? (W - L - R) * atof(v) / vmax : 0;
            fprintf(
                out,
                "<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"11\">"
                "<title>%s</title></rect><text x=\"%.1f\" y=\"%.1f\" class=\"tick\">%s</text>\n",
                k == 0 ? "urb" : "rur", L, y + 2 + 13 * k, w, v, L + w + 4, y + 11 + 13 * k, v);
        }
    }
    fputs("</svg>\n", out);
}

void sp_report_urban_html(const sp_report_data_t *d, FILE *out)
{
    const sp_report_words_t *w = d->words;
    bool en = w->lang == SP_REPORT_EN;
    const PGresult *r = d->urban;
    fprintf(out, "<h2 id=\"urban\">%s</h2>\n<p>", w->h_urban);
    ESC(out, PQntuples(r) ? w->urban_note : w->no_urban);
    fputs("</p>\n", out);
    for (int i = 0; i < PQntuples(r); i++) {
        if (new_indicator(r, i)) {
            int end = i + 1;
            while (end < PQntuples(r) && !new_indicator(r, end))
                end++;
            fputs("<h3>", out);
            ESC(out, V(r, i, en ? UR_NAME_EN : UR_NAME_ZH));
            fputs("</h3>\n", out);
            urban_chart(out, r, i, end, en);
            fputs("<table class=\"urban\" data-indicator=\"", out);
            ESC(out, V(r, i, UR_INDICATOR));
            fprintf(out,
                    "\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                    "</tr>\n",
                    w->area, w->calendar_year, w->urban, w->rural, w->urban_minus_rural,
                    w->urban_over_rural);
        }
        fprintf(out, "<tr data-area=\"%s\"><td>", V(r, i, UR_AREA));
        ESC(out, V(r, i, en ? UR_AREA_EN : UR_AREA_ZH));
        fprintf(out, "</td><td>%s%s</td>", V(r, i, UR_YEAR),
                *V(r, i, UR_COMPLETE) == 't' ? "" : " *");
        fprintf(out, "<td class=\"num\">%s %s</td><td class=\"num\">%s %s</td>", V(r, i, UR_URBAN),
                V(r, i, UR_UNIT), V(r, i, UR_RURAL), V(r, i, UR_UNIT));
        fprintf(out, "<td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
                V(r, i, UR_DIFFERENCE), *V(r, i, UR_RATIO) ? V(r, i, UR_RATIO) : "–");
        if (i + 1 == PQntuples(r) || new_indicator(r, i + 1))
            fputs("</table>\n", out);
    }
}

void sp_report_urban_text(const sp_report_data_t *d, FILE *out)
{
    const sp_report_words_t *w = d->words;
    bool en = w->lang == SP_REPORT_EN;
    const PGresult *r = d->urban;
    fprintf(out, "\n%s%s\n", w->h_urban, w->colon);
    if (PQntuples(r) == 0)
        fprintf(out, "  %s\n", w->no_urban);
    for (int i = 0; i < PQntuples(r); i++) {
        if (new_indicator(r, i))
            fprintf(out, "  %s\n", V(r, i, en ? UR_NAME_EN : UR_NAME_ZH));
        fprintf(out, "    %-12s %s%s%s%s %s %s%s%s %s %s%s%s %s%s%s %s\n",
                V(r, i, en ? UR_AREA_EN : UR_AREA_ZH), V(r, i, UR_YEAR),
                *V(r, i, UR_COMPLETE) == 't' ? "" : " *", w->comma, w->urban, V(r, i, UR_URBAN),
                V(r, i, UR_UNIT), w->comma, w->rural, V(r, i, UR_RURAL), V(r, i, UR_UNIT), w->comma,
                w->urban_minus_rural, V(r, i, UR_DIFFERENCE), w->comma, w->urban_over_rural,
                *V(r, i, UR_RATIO) ? V(r, i, UR_RATIO) : "–");
    }
}

void sp_report_urban_json(const sp_report_data_t *d, json_t *root)
{
    const PGresult *r = d->urban;
    json_t *rows = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(
            rows,
            json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:o,s:s,s:b}", "indicator", V(r, i, UR_INDICATOR),
                      "ref_area", V(r, i, UR_AREA), "year", atoi(V(r, i, UR_YEAR)), "urban",
                      V(r, i, UR_URBAN), "rural", V(r, i, UR_RURAL), "urban_minus_rural",
                      V(r, i, UR_DIFFERENCE), "urban_over_rural",
                      *V(r, i, UR_RATIO) ? json_string(V(r, i, UR_RATIO)) : json_null(), "unit",
                      V(r, i, UR_UNIT), "complete", *V(r, i, UR_COMPLETE) == 't'));
    json_object_set_new(root, "urban_rural_gaps", rows);
}
