/*
 * sp_report_regional.c: the report's regional sections, in every format but CSV (which is the
 * scorecard table alone): each composite index's provinces ranked in its latest year (with a
 * bar chart in HTML) and each indicator's gap between the provinces (stats.regional_gap).
 */
#include "sp_report_int.h"

#include <stdlib.h>
#include <string.h>

#define V sp_report_val
#define ESC sp_report_html_escape

/* A field, or a dash where it is NULL (a group without provinces, a ratio without a base). */
static const char *dash(const PGresult *r, int row, int col)
{
    return *V(r, row, col) ? V(r, row, col) : "–";
}

static bool new_index(const PGresult *r, int i)
{
    return i == 0 || strcmp(V(r, i, INDEX_CODE), V(r, i - 1, INDEX_CODE)) != 0;
}

/* One bar per ranked province, as long as its value against the highest (or 100). */
static void index_chart(FILE *out, const PGresult *r, int from, int to, bool en)
{
    double vmax = 100;
    for (int i = from; i < to; i++)
        if (atof(V(r, i, INDEX_VALUE)) > vmax)
            vmax = atof(V(r, i, INDEX_VALUE));
    const double W = 560, L = 120, R = 50, row = 18, T = 6;
    double H = T * 2 + row * (to - from);
    fputs("<svg class=\"chart index\" data-index=\"", out);
    ESC(out, V(r, from, INDEX_CODE));
    fprintf(out, "\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\">\n", W,
            H, W, H);
    for (int i = from; i < to; i++) {
        double y = T + row * (i - from), v = atof(V(r, i, INDEX_VALUE));
        double w = v > 0 ? (W - L - R) * v / vmax : 0;
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">", L - 6,
                y + 12);
        ESC(out, V(r, i, en ? INDEX_AREA_EN : INDEX_AREA_ZH));
        fprintf(out,
                "</text><rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                "<title>%s</title></rect>"
                "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\">%s</text>\n",
                L, y + 2, w, row - 4, V(r, i, INDEX_VALUE), L + w + 4, y + 12,
                V(r, i, INDEX_VALUE));
    }
    fputs("</svg>\n", out);
}

void sp_report_regional_html(const sp_report_data_t *d, FILE *out)
{
    const sp_report_words_t *w = d->words;
    bool en = w->lang == SP_REPORT_EN;
    const PGresult *r = d->index;
    fprintf(out, "<h2 id=\"index\">%s</h2>\n<p>", w->h_index);
    ESC(out, PQntuples(r) ? w->index_note : w->no_index);
    fputs("</p>\n", out);
    for (int i = 0; i < PQntuples(r); i++) {
        if (new_index(r, i)) {
            int end = i + 1;
            while (end < PQntuples(r) && !new_index(r, end))
                end++;
            fputs("<h3>", out);
            ESC(out, V(r, i, en ? INDEX_NAME_EN : INDEX_NAME_ZH));
            fprintf(out, ", %s</h3>\n", V(r, i, INDEX_YEAR));
            index_chart(out, r, i, end, en);
            fputs("<table class=\"index\" data-index=\"", out);
            ESC(out, V(r, i, INDEX_CODE));
            fprintf(out, "\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
                    w->rank, w->province, w->value, w->pillars, w->coverage);
        }
        fprintf(out, "<tr><td class=\"num\">%s</td><td>", V(r, i, INDEX_RANK));
        ESC(out, V(r, i, en ? INDEX_AREA_EN : INDEX_AREA_ZH));
        fprintf(out, "</td><td class=\"num\">%s</td><td>", V(r, i, INDEX_VALUE));
        ESC(out, V(r, i, en ? INDEX_PILLARS_EN : INDEX_PILLARS_ZH));
        fprintf(out, "</td><td class=\"num\">%s %%</td></tr>\n", V(r, i, INDEX_COVERAGE_PCT));
        if (i + 1 == PQntuples(r) || new_index(r, i + 1))
            fputs("</table>\n", out);
    }

    const PGresult *g = d->gaps;
    fprintf(out, "<h2 id=\"gaps\">%s</h2>\n<p>", w->h_gaps);
    ESC(out, PQntuples(g) ? w->gaps_note : w->no_gaps);
    fputs("</p>\n", out);
    if (PQntuples(g) == 0)
        return;
    fprintf(out,
            "<table id=\"gap\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
            "<th>%s</th><th>%s</th><th>%s</th></tr>\n",
            w->indicator, w->year, w->provinces, w->lowest, w->highest, w->max_min, w->cv,
            w->to_east);
    for (int i = 0; i < PQntuples(g); i++) {
        fputs("<tr data-indicator=\"", out);
        ESC(out, V(g, i, GAP_INDICATOR));
        fputs("\"><td>", out);
        ESC(out, V(g, i, en ? GAP_NAME_EN : GAP_NAME_ZH));
        fprintf(out, "</td><td>%s</td><td class=\"num\">%s</td><td>", V(g, i, GAP_YEAR),
                V(g, i, GAP_PROVINCES));
        ESC(out, V(g, i, en ? GAP_MIN_EN : GAP_MIN_ZH));
        fputc(' ', out);
        ESC(out, V(g, i, GAP_MIN));
        fputs("</td><td>", out);
        ESC(out, V(g, i, en ? GAP_MAX_EN : GAP_MAX_ZH));
        fputc(' ', out);
        ESC(out, V(g, i, GAP_MAX));
        fprintf(out, "</td><td class=\"num\">%s</td><td class=\"num\" title=\"",
                dash(g, i, GAP_MAX_MIN));
        ESC(out, V(g, i, GAP_CV_METHOD));
        fprintf(out, "\">%s</td><td class=\"num\">%s / %s / %s</td></tr>\n", dash(g, i, GAP_CV),
                dash(g, i, GAP_CENTRAL_TO_EAST), dash(g, i, GAP_WEST_TO_EAST),
                dash(g, i, GAP_NORTHEAST_TO_EAST));
    }
    fputs("</table>\n", out);
}

void sp_report_regional_text(const sp_report_data_t *d, FILE *out)
{
    const sp_report_words_t *w = d->words;
    bool en = w->lang == SP_REPORT_EN;
    const PGresult *r = d->index;
    fprintf(out, "\n%s%s\n", w->h_index, w->colon);
    if (PQntuples(r) == 0)
        fprintf(out, "  %s\n", w->no_index);
    for (int i = 0; i < PQntuples(r); i++) {
        if (new_index(r, i))
            fprintf(out, "  %s, %s\n", V(r, i, en ? INDEX_NAME_EN : INDEX_NAME_ZH),
                    V(r, i, INDEX_YEAR));
        fprintf(out, "  %3s  %-12s %6s  (%s; %s %s %%)\n", V(r, i, INDEX_RANK),
                V(r, i, en ? INDEX_AREA_EN : INDEX_AREA_ZH), V(r, i, INDEX_VALUE),
                V(r, i, en ? INDEX_PILLARS_EN : INDEX_PILLARS_ZH), w->coverage,
                V(r, i, INDEX_COVERAGE_PCT));
    }
    const PGresult *g = d->gaps;
    fprintf(out, "\n%s%s\n", w->h_gaps, w->colon);
    if (PQntuples(g) == 0)
        fprintf(out, "  %s\n", w->no_gaps);
    for (int i = 0; i < PQntuples(g); i++) {
        fprintf(out, "  %-20s %s%s%s %s%s", V(g, i, GAP_INDICATOR), V(g, i, GAP_YEAR), w->comma,
                w->provinces, V(g, i, GAP_PROVINCES), w->comma);
        fprintf(out, "%s %s %s%s%s %s %s%s", w->lowest, V(g, i, en ? GAP_MIN_EN : GAP_MIN_ZH),
                V(g, i, GAP_MIN), w->comma, w->highest, V(g, i, en ? GAP_MAX_EN : GAP_MAX_ZH),
                V(g, i, GAP_MAX), w->comma);
        fprintf(out, "%s %s%s%s %s%s%s %s / %s / %s\n", w->max_min, dash(g, i, GAP_MAX_MIN),
                w->comma, w->cv, dash(g, i, GAP_CV), w->comma, w->to_east,
                dash(g, i, GAP_CENTRAL_TO_EAST), dash(g, i, GAP_WEST_TO_EAST),
                dash(g, i, GAP_NORTHEAST_TO_EAST));
    }
}

/* A decimal string, or null: numbers stay exact strings, as in the rest of the JSON. */
static json_t *dec(const PGresult *r, int i, int col)
{
    return *V(r, i, col) ? json_string(V(r, i, col)) : json_null();
}

void sp_report_regional_json(const sp_report_data_t *d, json_t *root)
{
    const PGresult *r = d->index;
    json_t *index = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(
            index,
            json_pack("{s:s,s:i,s:i,s:s,s:s,s:o,s:o}", "index", V(r, i, INDEX_CODE), "year",
                      atoi(V(r, i, INDEX_YEAR)), "rank", atoi(V(r, i, INDEX_RANK)), "province_en",
                      V(r, i, INDEX_AREA_EN), "province_zh", V(r, i, INDEX_AREA_ZH), "value",
                      dec(r, i, INDEX_VALUE), "coverage_pct", dec(r, i, INDEX_COVERAGE_PCT)));
    json_object_set_new(root, "index_ranking", index);
    const PGresult *g = d->gaps;
    json_t *gaps = json_array();
    for (int i = 0; i < PQntuples(g); i++)
        json_array_append_new(
            gaps,
            json_pack("{s:s,s:i,s:s,s:o,s:o,s:s,s:o,s:o,s:o}", "indicator", V(g, i, GAP_INDICATOR),
                      "year", atoi(V(g, i, GAP_YEAR)), "provinces", V(g, i, GAP_PROVINCES),
                      "max_min_ratio", dec(g, i, GAP_MAX_MIN), "cv", dec(g, i, GAP_CV), "cv_method",
                      V(g, i, GAP_CV_METHOD), "central_to_east", dec(g, i, GAP_CENTRAL_TO_EAST),
                      "west_to_east", dec(g, i, GAP_WEST_TO_EAST), "northeast_to_east",
                      dec(g, i, GAP_NORTHEAST_TO_EAST)));
    json_object_set_new(root, "regional_gaps", gaps);
}
