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

/* Parses "text", "csv", "json" or "html"; false if unknown. */
bool sp_report_format_parse(const char *s, sp_report_format_t *out);
/* Reads the stats views over conn and writes the report to out: as known now (as_of NULL),
 * or as known at as_of (any time PostgreSQL reads: figures released after it are unknown,
 * target years before its year have passed). A time that cannot be read is SP_ERR_INVALID. */
sp_status_t sp_report_render(PGconn *conn, sp_report_format_t format, const char *as_of, FILE *out,
                             sp_error_t *err);

#endif
