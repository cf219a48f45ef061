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

typedef struct sp_report_data {
    PGresult *scorecard; /* SC_* columns */
    PGresult *series;    /* indicator, year, value in target unit (float8), complete */
    PGresult *ranking;   /* indicator, year, rank, name_en, name_zh, value, unit */
    PGresult *quality;   /* kind, what, count */
    char generated[64];
    char database[128];
    char as_of[64]; /* "" for now; else the as-of time, in UTC */
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

void sp_report_write_text(const sp_report_data_t *d, FILE *out);
void sp_report_write_csv(const sp_report_data_t *d, FILE *out);
void sp_report_write_json(const sp_report_data_t *d, FILE *out);
void sp_report_write_html(const sp_report_data_t *d, FILE *out);

#endif
