/*
 * sp_migrate.c: creates or upgrades the schema from the numbered migrations compiled into
 * the binary, and loads the bundled catalogue when it changed. All in one transaction
 * under an advisory lock, so concurrent or repeated runs are safe and idempotent.
 */
#include "sp_embedded.h"
#include "sp_load_int.h"

#include <apr_md5.h>
#include <stdio.h>
#include <string.h>

/* An arbitrary constant naming the migration lock among advisory locks. */
#define SP_MIGRATE_LOCK_KEY "7346025163"

static const char bootstrap_sql[] =
    "CREATE SCHEMA IF NOT EXISTS statpipe;"
    "CREATE TABLE IF NOT EXISTS statpipe.schema_migration ("
    " name text PRIMARY KEY, checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now());"
    "COMMENT ON TABLE statpipe.schema_migration IS"
    " 'Migrations that statpipe migrate has applied to this database, one row each.';";

/* The bundled catalogue files, the temporary table each is copied into, and its columns
 * (as in the file's header; all text, converted by load.sql). */
static const struct {
    const char *file;
    const char *copy;
    const char *create;
} seeds[] = {
    {"units.csv", "COPY seed_units FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_units (code text, dimension text, factor text,"
     " aliases text, note text) ON COMMIT DROP"},
    {"indicators.csv", "COPY seed_indicators FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_indicators (code text, name_zh text, name_en text,"
     " dimension text, nature text, time_agg text, space_agg text, weight text,"
     " authoritative_sender text, min_value text, max_value text, aliases text, note text)"
     " ON COMMIT DROP"},
    {"regions.csv", "COPY seed_regions FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_regions (code text, name_zh text, name_en text,"
     " level text, region_group text, in_national_total text) ON COMMIT DROP"},
    {"plans.csv", "COPY seed_plans FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_plans (code text, name_zh text, name_en text, issued_by text,"
     " issued text, horizon_from text, horizon_to text) ON COMMIT DROP"},
    {"targets.csv", "COPY seed_targets FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_targets (indicator text, plan text,"
     " target_year text, comparator text, target_value text, target_unit text,"
     " baseline_year text, baseline_value text, source text, ref_area text, department text)"
     " ON COMMIT DROP"},
    {"rules.csv", "COPY seed_rules FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_rules (rule text, kind text, severity text, indicator text,"
     " other text, lower text, upper text, note text) ON COMMIT DROP"},
    {"formulas.csv", "COPY seed_formulas FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_formulas (indicator text, kind text, numerator text,"
     " denominator text, scale text, note text) ON COMMIT DROP"},
    {"indexes.csv", "COPY seed_indexes FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_indexes (code text, name_zh text, name_en text, missing text,"
     " note text) ON COMMIT DROP"},
    {"index_pillars.csv", "COPY seed_index_pillars FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_index_pillars (index text, pillar text, name_zh text,"
     " name_en text, weight text) ON COMMIT DROP"},
    {"index_components.csv", "COPY seed_index_components FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_index_components (index text, pillar text, indicator text,"
     " weight text, normalisation text, reference_value text, base_year text, log text,"
     " direction text, note text) ON COMMIT DROP"},
    {"breakdowns.csv", "COPY seed_breakdowns FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_breakdowns (code text, name_zh text, name_en text, note text)"
     " ON COMMIT DROP"},
    {"senders.csv", "COPY seed_senders FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_senders (code text, name_zh text, name_en text, note text)"
     " ON COMMIT DROP"},
    {"sdmx_codes.csv", "COPY seed_sdmx_codes FROM STDIN WITH (FORMAT csv, HEADER true)",
     "CREATE TEMP TABLE seed_sdmx_codes (codelist text, code text, name_zh text, name_en text)"
     " ON COMMIT DROP"},
};

#define N_SEEDS (sizeof(seeds) / sizeof(seeds[0]))

static void md5_hex(const char *data, size_t len, char out[33])
{
    unsigned char digest[APR_MD5_DIGESTSIZE];
    apr_md5(digest, data, len);
    for (int i = 0; i < APR_MD5_DIGESTSIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* Returns the stored checksum of name in table (migration or seed), "" if none. */
static sp_status_t stored_checksum(PGconn *conn, const char *sql, const char *name, char out[33],
                                   sp_error_t *err)
{
    const char *params[1] = {name};
    PGresult *res = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return sp_pg_error(conn, res, "reading migration state", err);
    out[0] = '\0';
    if (PQntuples(res) > 0)
        snprintf(out, 33, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return SP_OK;
}

static sp_status_t record(PGconn *conn, const char *sql, const char *name, const char *sum,
                          sp_error_t *err)
{
    const char *params[2] = {name, sum};
    PGresult *res = PQexecParams(conn, sql, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return sp_pg_error(conn, res, "recording migration state", err);
    PQclear(res);
    return SP_OK;
}

static sp_status_t apply_migrations(PGconn *conn, bool verbose, int *applied, sp_error_t *err)
{
    for (const sp_embedded_file_t *f = sp_embedded_migrations; f->name != NULL; f++) {
        char sum[33], have[33];
        md5_hex(f->data, f->len, sum);
        if (stored_checksum(conn, "SELECT checksum FROM statpipe.schema_migration WHERE name = $1",
                            f->name, have, err) != SP_OK)
            return err ? err->code : SP_ERR_SERVER;
        if (have[0] != '\0') {
            if (strcmp(have, sum) != 0 && verbose)
                sp_log(SP_LOG_WARNING, "migration_changed",
                       "name=%s detail=\"applied migration differs from the bundled one\"",
                       f->name);
            continue;
        }
        if (sp_pg_exec(conn, f->data, err) != SP_OK) {
            if (err != NULL) {
                char msg[SP_ERROR_MSG_MAX];
                snprintf(msg, sizeof(msg), "%s", err->message);
                sp_error_set(err, err->code, "migration %s: %s", f->name, msg);
            }
            return err ? err->code : SP_ERR_SERVER;
        }
        if (record(conn, "INSERT INTO statpipe.schema_migration (name, checksum) VALUES ($1, $2)",
                   f->name, sum, err) != SP_OK)
            return err ? err->code : SP_ERR_SERVER;
        (*applied)++;
        if (verbose)
            printf("applied migration %s\n", f->name);
    }
    return SP_OK;
}

static sp_status_t load_seed(PGconn *conn, bool verbose, int *loaded, sp_error_t *err)
{
    /* The seed is one unit: if any file changed, load all of them (upserts). */
    char sums[N_SEEDS][33];
    bool changed = false;
    for (size_t i = 0; i < N_SEEDS; i++) {
        const sp_embedded_file_t *f = sp_embedded_find(sp_embedded_catalogue, seeds[i].file);
        if (f == NULL)
            return sp_error_set(err, SP_ERR_INTERNAL, "catalogue file %s is not bundled",
                                seeds[i].file);
        char have[33];
        md5_hex(f->data, f->len, sums[i]);
        if (stored_checksum(conn, "SELECT checksum FROM statpipe.catalogue_seed WHERE name = $1",
                            seeds[i].file, have, err) != SP_OK)
            return err ? err->code : SP_ERR_SERVER;
        if (strcmp(have, sums[i]) != 0)
            changed = true;
    }
    if (!changed)
        return SP_OK;
    for (size_t i = 0; i < N_SEEDS; i++) {
        const sp_embedded_file_t *f = sp_embedded_find(sp_embedded_catalogue, seeds[i].file);
        if (sp_pg_exec(conn, seeds[i].create, err) != SP_OK ||
            sp_pg_copy_in(conn, seeds[i].copy, f->data, f->len, err) != SP_OK)
            return err ? err->code : SP_ERR_SERVER;
    }
    const sp_embedded_file_t *load = sp_embedded_find(sp_embedded_catalogue, "load.sql");
    if (load == NULL)
        return sp_error_set(err, SP_ERR_INTERNAL, "catalogue load.sql is not bundled");
    if (sp_pg_exec(conn, load->data, err) != SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    for (size_t i = 0; i < N_SEEDS; i++)
        if (record(conn,
                   "INSERT INTO statpipe.catalogue_seed (name, checksum) VALUES ($1, $2)"
                   " ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum,"
                   " loaded_at = now()",
                   seeds[i].file, sums[i], err) != SP_OK)
            return err ? err->code : SP_ERR_SERVER;
    *loaded = 1;
    if (verbose)
        printf("loaded catalogue seed\n");
    return SP_OK;
}

sp_status_t sp_migrate(PGconn *conn, bool verbose, sp_error_t *err)
{
    int applied = 0, loaded = 0;
    /* "already exists, skipping" notices say nothing to the person running migrate. */
    if (sp_pg_exec(conn, "SET client_min_messages = warning", err) != SP_OK ||
        sp_pg_exec(conn, "BEGIN", err) != SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    sp_status_t st;
    if ((st = sp_pg_exec(conn, "SELECT pg_advisory_xact_lock(" SP_MIGRATE_LOCK_KEY ")", err)) !=
            SP_OK ||
        (st = sp_pg_exec(conn, bootstrap_sql, err)) != SP_OK ||
        (st = apply_migrations(conn, verbose, &applied, err)) != SP_OK ||
        (st = load_seed(conn, verbose, &loaded, err)) != SP_OK ||
        (st = sp_pg_exec(conn, "COMMIT", err)) != SP_OK) {
        PGresult *res = PQexec(conn, "ROLLBACK");
        PQclear(res);
        return st;
    }
    if (verbose && applied == 0 && loaded == 0)
        printf("schema is up to date\n");
    return SP_OK;
}
