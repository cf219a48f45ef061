/*
 * sp_report.h: the public interface of the report stage: the monitoring scorecard of every
 * plan target, rendered from the stats views as text, CSV, JSON or one self-contained HTML
 * page (SVG charts, provinces' ranking, data-quality panel; nothing fetched from anywhere).
 */
#ifndef SP_REPORT_H
#define SP_REPORT_H

#include "sp_core.h"
#include "sp_pg.h"

#include <libpq-fe.h>
#include <stdio.h>

typedef enum { SP_REPORT_TEXT, SP_REPORT_CSV, SP_REPORT_JSON, SP_REPORT_HTML } sp_report_format_t;

typedef enum { SP_REPORT_ZH = 0, SP_REPORT_EN } sp_report_lang_t;

/* Parses "zh" or "en"; false if unknown. */
bool sp_report_lang_parse(const char *s, sp_report_lang_t *out);
/* Parses "text", "csv", "json" or "html"; false if unknown. */
bool sp_report_format_parse(const char *s, sp_report_format_t *out);
/* What to render. */
typedef struct sp_report_opts {
    sp_report_format_t format;
    /* NULL: as known now. Else any time PostgreSQL reads: figures released after it are
     * unknown, target years before its year have passed. */
    const char *as_of;
    /* NULL, or the id of a stored evaluation (stats.evaluation) whose rows the scorecard
     * shows; the charts and ranking are then as known at its as-of time. */
    const char *evaluation;
    /* The language of headings, statuses and dates (Chinese by default). */
    sp_report_lang_t lang;
} sp_report_opts_t;

/* Reads the stats views over conn and writes the report to out. A time that cannot be read,
 * or an evaluation that does not exist, is SP_ERR_INVALID. */
sp_status_t sp_report_render(PGconn *conn, const sp_report_opts_t *opts, FILE *out,
                             sp_error_t *err);

/* A stored evaluation, as statpipe evaluate reports it. */
typedef struct sp_evaluation {
    char id[24];
    int version;
    int targets;
    char as_of[64]; /* UTC */
    char by[128];
    char catalogue_version[40];
} sp_evaluation_t;

/* Stores the evaluation of year as known at as_of (NULL: now) with note (NULL: none), through
 * statpipe.evaluate. A year not ended at as_of, an as_of after now or one PostgreSQL cannot
 * read is SP_ERR_INVALID; a login without statpipe_evaluator is told what to grant. */
sp_status_t sp_evaluation_store(PGconn *conn, int year, const char *as_of, const char *note,
                                sp_evaluation_t *out, sp_error_t *err);

/* Writes the plausibility findings of stats.validation_result as text or JSON (after the
 * ESS validation report) and counts the warnings among them. */
sp_status_t sp_validate_render(PGconn *conn, bool json, FILE *out, int *warnings, sp_error_t *err);

#endif
