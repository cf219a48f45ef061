/* sp_sql.c: the statements of load/sql, found once by file name among the embedded files. */
#include "sp_embedded.h"
#include "sp_load_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const sp_embedded_file_t *sp_embedded_find(const sp_embedded_file_t *files, const char *name)
{
    for (const sp_embedded_file_t *f = files; f->name != NULL; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static sp_load_sql_t sql;
static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

/* A statement the build did not embed is a broken build, not a runtime condition. */
static const char *find(const char *name)
{
    const sp_embedded_file_t *f = sp_embedded_find(sp_embedded_load_sql, name);
    if (f == NULL) {
        fprintf(stderr, "statpipe: load/sql/%s is not in this build\n", name);
        abort();
    }
    return f->data;
}

static void find_all(void)
{
    sql.stage = find("stage.sql");
    sql.copy_obs = find("copy_obs.sql");
    sql.copy_quarantine = find("copy_quarantine.sql");
    sql.copy_replayed = find("copy_replayed.sql");
    sql.copy_offset = find("copy_offset.sql");
    sql.copy_observation = find("copy_observation.sql");
    sql.copy_seen = find("copy_seen.sql");
    sql.copy_quarantine_table = find("copy_quarantine_table.sql");
    sql.copy_batch_series = find("copy_batch_series.sql");
    sql.series_ids = find("series_ids.sql");
    sql.offsets_advance = find("offsets_advance.sql");
    sql.series = find("series.sql");
    sql.seen_record = find("seen_record.sql");
    sql.keep_lean = find("keep_lean.sql");
    sql.keep_checked = find("keep_checked.sql");
    sql.observation_insert = find("observation_insert.sql");
    sql.data_changed = find("data_changed.sql");
    sql.kept_refresh = find("kept_refresh.sql");
    sql.quarantine_insert = find("quarantine_insert.sql");
    sql.quarantine_replayed = find("quarantine_replayed.sql");
    sql.offset_get = find("offset_get.sql");
    sql.offsets_list = find("offsets_list.sql");
    sql.offsets_forget = find("offsets_forget.sql");
    sql.offsets_set = find("offsets_set.sql");
    sql.quarantine_list = find("quarantine_list.sql");
    sql.quarantine_page = find("quarantine_page.sql");
}

const sp_load_sql_t *sp_load_sql(void)
{
    pthread_once(&sql_once, find_all);
    return &sql;
}
