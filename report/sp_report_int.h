/* sp_report_int.h: what only the report stage's own files share. */
#ifndef SP_REPORT_INT_H
#define SP_REPORT_INT_H

#include "sp_report.h"

#include <jansson.h>

/* Columns of the scorecard result, in order. */
enum {
    SC_INDICATOR,
    SC_NAME_EN,
    SC_NAME_ZH,
    SC_PLAN,
    SC_YEAR,
    SC_COMPARATOR,
    SC_TARGET,
    SC_UNIT,
    SC_LATEST,
    SC_LATEST_PERIOD,
    SC_PROGRESS_PCT,
    SC_STATUS,
    SC_CAGR_NEEDED_PCT,
    SC_PROJECTED,
    SC_TARGET_YEAR_VALUE,
    SC_TARGET_YEAR_PROGRESS_PCT,
    SC_FIRST_YEAR_MET,
    SC_SOURCE,
    SC__COUNT,
    /* Past the shown columns: what the writers read but do not print. */
    SC_TARGET_YEAR_PASSED = SC__COUNT, /* "t" when judged on the target year's own value */
    SC_TARGET_AREA                     /* CN, or the province the target is for */
};

/* Columns of the index ranking. */
enum {
    INDEX_CODE,
    INDEX_NAME_EN,
    INDEX_NAME_ZH,
    INDEX_YEAR,
    INDEX_RANK,
    INDEX_AREA_EN,
    INDEX_AREA_ZH,
    INDEX_VALUE, /* rounded to 1 decimal */
    INDEX_COVERAGE_PCT,
    INDEX_PILLARS_EN, /* "Access 75.2 · Use 60.1 · Impact 40" */
    INDEX_PILLARS_ZH,
    INDEX_PROVINCES_RANKED
};

/* Columns of the regional gaps. */
enum {
    GAP_INDICATOR,
    GAP_NAME_EN,
    GAP_NAME_ZH,
    GAP_YEAR,
    GAP_PROVINCES, /* "31/31" */
    GAP_MIN,       /* value and unit */
    GAP_MIN_EN,
    GAP_MIN_ZH,
    GAP_MAX,
    GAP_MAX_EN,
    GAP_MAX_ZH,
    GAP_MAX_MIN, /* rounded to 2 decimals */
    GAP_CV,      /* rounded to 3 decimals */
    GAP_CV_METHOD,
    GAP_CENTRAL_TO_EAST, /* rounded to 3 decimals */
    GAP_WEST_TO_EAST,
    GAP_NORTHEAST_TO_EAST
};

/* Columns of the urban–rural gaps. */
enum {
    UR_INDICATOR,
    UR_NAME_EN,
    UR_NAME_ZH,
    UR_AREA,
    UR_AREA_EN,
    UR_AREA_ZH,
    UR_YEAR,
    UR_URBAN,
    UR_RURAL,
    UR_DIFFERENCE,
    UR_RATIO, /* rounded to 3 decimals; NULL when rural is 0 */
    UR_UNIT,  /* "%" for percent, else the canonical unit's code */
    UR_COMPLETE
};

/* The words of the report in one language (sp_report_lang.c). */
#define SP_REPORT_N_STATUSES 7
typedef struct sp_report_words {
    const char *html_lang, *title;
    const char *generated;   /* %s the time, %s the database */
    const char *as_known_at; /* %s the time */
    const char *values_note;
    const char *evaluation; /* %s id, %d year, %d version, %s when, %s who, %s catalogue */
    const char *note;
    const char *indicator, *plan, *year, *target, *judged_on, *progress, *first_met, *status;
    const char *latest, *period, *growth_needed, *projected, *target_year_value,
        *target_year_progress;
    const char *no_data;
    const char *summary; /* %d targets */
    sp_report_lang_t lang;
    const char *comma, *full_stop, *colon;      /* ", " ". " ": ", or "，" "。" "：" */
    const char *statuses[SP_REPORT_N_STATUSES]; /* met, missed, no data, on track, at risk,
                                                   off track, unknown */
    const char *h_targets, *h_charts, *h_provinces, *no_provinces, *rank, *province, *value;
    const char *h_quality, *check, *what, *count, *quarantined, *warning, *stale, *missing;
    const char *chart_no_data, *year_not_complete;
    /* The composite index and the regional gaps (sp_report_regional.c). */
    const char *h_index, *no_index, *index_note, *coverage, *pillars;
    const char *h_gaps, *no_gaps, *gaps_note, *provinces, *lowest, *highest, *max_min, *cv,
        *to_east;
    /* The urban–rural gaps (sp_report_urban.c). */
    const char *h_urban, *no_urban, *urban_note, *area, *calendar_year, *urban, *rural,
        *urban_minus_rural, *urban_over_rural;
    const char *target_for; /* %s plan, %s year, %s comparator, %s value */
} sp_report_words_t;

const sp_report_words_t *sp_report_words(sp_report_lang_t lang);
/* A result's field, "" when NULL. */
static inline const char *sp_report_val(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}
/* Writes s with HTML's special characters escaped. */
void sp_report_html_escape(FILE *out, const char *s);
/* The index of a status of stats.target_progress in sp_report_words_t.statuses. */
int sp_report_status_index(const char *status);
const char *sp_report_status_label(const sp_report_words_t *w, const char *status);
/* A UTC time "YYYY-MM-DD ..." as the language writes dates. */
void sp_report_date(const sp_report_words_t *w, const char *utc, char *out, size_t size);

typedef struct sp_report_data {
    PGresult *scorecard; /* SC_* columns */
    PGresult *series;    /* indicator, year, value in target unit (float8), complete */
    PGresult *ranking;   /* indicator, year, rank, name_en, name_zh, value, unit */
    PGresult *quality;   /* kind, what, count */
    PGresult *index;     /* INDEX_* columns: each index's provinces in its latest ranked year */
    PGresult *gaps;      /* GAP_* columns: each indicator's latest year with provincial values */
    PGresult *urban;     /* UR_* columns: each indicator and area's latest year with both */
    char generated[64];
    char database[128];
    char as_of[64]; /* "" for now; else the as-of time, in UTC */
    const sp_report_words_t *words;
    struct {
        char id[24]; /* "" unless the scorecard is a stored evaluation */
        int year, version;
        char at[64]; /* when it was stored, UTC */
        char by[128];
        char note[1024];
        char catalogue_version[40];
    } evaluation;
} sp_report_data_t;

/* Reads what the report shows (see sp_report_opts_t); a time PostgreSQL cannot read, or an
 * evaluation that is not stored, is SP_ERR_INVALID. */
sp_status_t sp_report_data_load(PGconn *conn, const sp_report_opts_t *opts, sp_report_data_t *d,
                                sp_error_t *err);
void sp_report_data_free(sp_report_data_t *d);
/* Says what to do about a statement the server refused (err from sp_pg_query): a time it
 * cannot read or a value a function refused is the caller's to fix (SP_ERR_INVALID); a
 * missing privilege names role to grant; a missing or old schema says to migrate. The
 * message keeps the server's first line. Returns err->code. */
sp_status_t sp_report_explain(PGconn *conn, const char *role, sp_error_t *err);

void sp_report_write_text(const sp_report_data_t *d, FILE *out);
void sp_report_write_csv(const sp_report_data_t *d, FILE *out);
void sp_report_write_json(const sp_report_data_t *d, FILE *out);
void sp_report_write_html(const sp_report_data_t *d, FILE *out);
/* The composite index's ranking (with a bar chart) and the regional gaps, in each format. */
void sp_report_regional_html(const sp_report_data_t *d, FILE *out);
void sp_report_regional_text(const sp_report_data_t *d, FILE *out);
void sp_report_regional_json(const sp_report_data_t *d, json_t *root);
/* The urban–rural gaps (with a paired bar chart), in each format. */
void sp_report_urban_html(const sp_report_data_t *d, FILE *out);
void sp_report_urban_text(const sp_report_data_t *d, FILE *out);
void sp_report_urban_json(const sp_report_data_t *d, json_t *root);

#endif
