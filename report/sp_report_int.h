/* sp_report_int.h: what only the report stage's own files share. */
#ifndef SP_REPORT_INT_H
#define SP_REPORT_INT_H

#include "sp_report.h"

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
    SC_TARGET_YEAR_PASSED = SC__COUNT /* "t" when judged on the target year's own value */
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
    const char *target_for; /* %s plan, %s year, %s comparator, %s value */
} sp_report_words_t;

const sp_report_words_t *sp_report_words(sp_report_lang_t lang);
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

#endif
