/*
 * sp_sdmx_serve.c: the read-only SDMX REST service: the SDMX REST API 2.1's structure
 * queries (dataflow, datastructure, conceptscheme, codelist) and data queries under /rest/,
 * formats by the Accept header or format=, errors as SDMX error messages with their HTTP
 * codes. Each request reads through its own connection, made with the service's conninfo
 * (a reader login), one thread per connection; an answer is written to an unlinked
 * temporary file and sent from it, so that a large one never sits in memory.
 */
#include "sp_http.h"
#include "sp_pg.h"
#include "sp_sdmx_int.h"
#include "sp_sdmx_reply.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sp_sdmx_server {
    struct MHD_Daemon *d;
    char conninfo[1024];
    long max_observations;
};

#define TYPE_CSV "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"
#define TYPE_DATA "application/vnd.sdmx.structurespecificdata+xml; version=2.1"
#define TYPE_JSON "application/vnd.sdmx.data+json; version=2.0.0; charset=utf-8"
#define TYPE_STRUCTURE "application/vnd.sdmx.structure+xml; version=2.1"

static const char *arg(struct MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* A time in a query string: a '+' of its offset arrives as a space. */
static const char *time_arg(struct MHD_Connection *c, const char *name, char *buf, size_t cap)
{
    const char *v = arg(c, name);
    if (v == NULL)
        return NULL;
    snprintf(buf, cap, "%s", v);
    for (char *p = buf; *p; p++)
        if (*p == ' ')
            *p = '+';
    return buf;
}

/* The data format: format= first, then the Accept header; SDMX-ML by default. */
static bool data_format(struct MHD_Connection *c, sp_sdmx_format_t *f)
{
    const char *fmt = arg(c, "format");
    if (fmt != NULL) {
        if (strcmp(fmt, "csv") == 0 || strcmp(fmt, "sdmx-csv") == 0)
            *f = SP_SDMX_CSV;
        else if (strcmp(fmt, "structurespecificdata") == 0 || strcmp(fmt, "sdmx-ml") == 0)
            *f = SP_SDMX_ML;
        else if (strcmp(fmt, "jsondata") == 0 || strcmp(fmt, "sdmx-json") == 0)
            *f = SP_SDMX_JSON;
        else if (strcmp(fmt, "genericdata") == 0)
            *f = SP_SDMX_GENERIC;
        else if (strcmp(fmt, "generictimeseriesdata") == 0)
            *f = SP_SDMX_GENERIC_TS;
        else if (strcmp(fmt, "structurespecifictimeseriesdata") == 0)
            *f = SP_SDMX_ML_TS;
        else
            return false;
        return true;
    }
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
    *f = SP_SDMX_ML;
    /* the time-series forms first: their names contain the others' */
    if (accept != NULL && strstr(accept, "structurespecifictimeseriesdata+xml") != NULL) {
        *f = SP_SDMX_ML_TS;
        return true;
    }
    if (accept != NULL && strstr(accept, "generictimeseriesdata+xml") != NULL) {
        *f = SP_SDMX_GENERIC_TS;
        return true;
    }
    if (accept != NULL && strstr(accept, "genericdata+xml") != NULL) {
        *f = SP_SDMX_GENERIC;
        return true;
    }
    if (accept == NULL || strstr(accept, "structurespecificdata+xml") != NULL ||
        strstr(accept, "*/*") != NULL || strstr(accept, "application/xml") != NULL ||
        strstr(accept, "text/xml") != NULL)
        return true;
    /* SDMX-CSV and SDMX-JSON: version 2.0 unless 1.0 is asked for */
    bool v1 = strstr(accept, "version=1") != NULL;
    if (strstr(accept, "csv") != NULL) {
        *f = v1 ? SP_SDMX_CSV1 : SP_SDMX_CSV;
        return true;
    }
    if (strstr(accept, "application/vnd.sdmx.data+json") != NULL ||
        strstr(accept, "application/json") != NULL) {
        *f = v1 ? SP_SDMX_JSON1 : SP_SDMX_JSON;
        return true;
    }
    return false;
}

static bool is_any(const char *s, const char *a, const char *b)
{
    return s == NULL || strcmp(s, a) == 0 || (b != NULL && strcmp(s, b) == 0);
}

/* The dataflow reference of a data query: INFORMATIZATION, AGENCY,ID or AGENCY,ID,VERSION. */
static bool flow_ours(const char *flow)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", flow);
    char *id = buf, *agency = NULL, *version = NULL, *comma = strchr(buf, ',');
    if (strcmp(flow, "all") == 0)
        return true;
    if (comma != NULL) {
        *comma = '\0';
        agency = buf;
        id = comma + 1;
        if ((comma = strchr(id, ',')) != NULL) {
            *comma = '\0';
            version = comma + 1;
        }
    }
    return is_any(agency, SP_SDMX_AGENCY, "all") && strcmp(id, SP_SDMX_FLOW) == 0 &&
           is_any(version, SP_SDMX_VERSION, "latest");
}

#define NOT_OUR_FLOW                                                                               \
    "statpipe serves the dataflow " SP_SDMX_AGENCY "," SP_SDMX_FLOW "," SP_SDMX_VERSION

/* The text a query's parts point into: updatedAfter's, the data providers'. */
typedef struct query_text {
    char after[64];
    char providers[256];
} query_text_t;

/* The data providers of a data or availability query's path: all, or providers joined by +,
 * each ID or AGENCY,ID (the agency STATPIPE or all). Their ids go into buf, joined by +, as
 * q's provider; false when one is another agency's. */
static bool provider(char **seg, int n, int at, sp_sdmx_query_t *q, char *buf, size_t cap)
{
    const char *p = n > at ? seg[at] : NULL;
    if (p == NULL || strcmp(p, "all") == 0)
        return true;
    size_t k = 0;
    buf[0] = '\0';
    while (*p) {
        size_t len = strcspn(p, "+");
        const char *comma = memchr(p, ',', len), *id = p;
        if (comma != NULL) {
            size_t alen = (size_t)(comma - p);
            bool ours = alen == strlen(SP_SDMX_AGENCY) && strncmp(p, SP_SDMX_AGENCY, alen) == 0;
            if (!ours && !(alen == 3 && strncmp(p, "all", 3) == 0))
                return false;
            id = comma + 1;
        }
        int idlen = (int)(p + len - id);
        if (idlen == 3 && strncmp(id, "all", 3) == 0)
            return true; /* every provider */
        k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, "%s%.*s", k ? "+" : "", idlen, id);
        p += len + (p[len] == '+');
    }
    if (k >= cap)
        return false;
    q->provider = buf;
    return true;
}

/* What data and availability queries share: the key of /{resource}/{flow}/{key}, the data
 * providers of /{provider}, the periods and updatedAfter. False when a provider is another
 * agency's. */
static bool base_query(struct MHD_Connection *c, char **seg, int n, sp_sdmx_query_t *q,
                       query_text_t *text)
{
    q->key = n > 2 ? seg[2] : NULL;
    q->start_period = arg(c, "startPeriod");
    q->end_period = arg(c, "endPeriod");
    q->updated_after = time_arg(c, "updatedAfter", text->after, sizeof(text->after));
    return provider(seg, n, 3, q, text->providers, sizeof(text->providers));
}

#define NOT_OUR_PROVIDER "the data providers are STATPIPE's: ID or STATPIPE,ID, joined by +"

/* The artefacts an availability answer carries besides its constraint (references=): those
 * the constraint refers to, through the dataflow, and the data providers. */
static bool availability_parts(const char *references, sp_sdmx_set_t *parts)
{
    static const struct {
        const char *name;
        sp_sdmx_set_t parts;
    } refs[] = {{"none", 0},
                {"all", SP_SDMX_BIT(SP_SDMX_A_DATAFLOW) | SP_SDMX_BIT(SP_SDMX_A_DSD) |
                            SP_SDMX_BIT(SP_SDMX_A_CONCEPTS) | SP_SDMX_CODELISTS |
                            SP_SDMX_BIT(SP_SDMX_A_PROVIDERS)},
                {"datastructure", SP_SDMX_BIT(SP_SDMX_A_DSD)},
                {"dataflow", SP_SDMX_BIT(SP_SDMX_A_DATAFLOW)},
                {"codelist", SP_SDMX_CODELISTS},
                {"conceptscheme", SP_SDMX_BIT(SP_SDMX_A_CONCEPTS)},
                {"conceptschemes", SP_SDMX_BIT(SP_SDMX_A_CONCEPTS)},
                {"dataproviderscheme", SP_SDMX_BIT(SP_SDMX_A_PROVIDERS)}};
    *parts = 0;
    for (size_t i = 0; references != NULL && i < sizeof(refs) / sizeof(refs[0]); i++)
        if (strcmp(references, refs[i].name) == 0) {
            *parts = refs[i].parts;
            return true;
        }
    return references == NULL;
}

/* When the data a reader sees last changed (stats.data_last_modified()), to the second, for
 * Last-Modified; 0 (none sent, none compared) while that second is less than two seconds
 * past: HTTP dates have whole seconds, and a change committing in the second a client was
 * told must not look older than its copy. */
static time_t last_modified(PGconn *conn)
{
    PGresult *res = NULL;
    sp_error_t err;
    if (sp_pg_query(conn,
                    "SELECT floor(extract(epoch FROM stats.data_last_modified()))::bigint,"
                    "       floor(extract(epoch FROM clock_timestamp()))::bigint",
                    0, NULL, "reading when the data changed", &res, &err) != SP_OK) {
        sp_log(SP_LOG_WARNING, "sdmx_last_modified", "detail=\"%s\"", err.message);
        return 0;
    }
    time_t t = 0;
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        long long changed = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        long long now = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        t = now - changed >= 2 ? (time_t)changed : 0;
    }
    PQclear(res);
    return t;
}

/* Whether the client's copy is current (If-Modified-Since not older than the data's last
 * change); *changed is the time for Last-Modified either way. */
static bool current(struct MHD_Connection *c, PGconn *conn, time_t *changed)
{
    *changed = last_modified(conn);
    return sp_sdmx_not_modified(c, *changed);
}

static enum MHD_Result availability(struct MHD_Connection *c, PGconn *conn, char **seg, int n)
{
    if (n < 2 || !flow_ours(seg[1]))
        return sp_sdmx_reply_error(c, SP_SDMX_NO_RESULTS, NOT_OUR_FLOW);
    const char *mode = arg(c, "mode"), *component = n > 4 ? seg[4] : NULL;
    if (mode != NULL && strcmp(mode, "exact") != 0 && strcmp(mode, "available") != 0)
        return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX, "mode is exact or available");
    if (component != NULL && strcmp(component, "all") == 0)
        component = NULL;
    sp_sdmx_set_t parts;
    if (!availability_parts(arg(c, "references"), &parts))
        return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX,
                                   "references is none, all, datastructure, dataflow, "
                                   "codelist, conceptscheme or dataproviderscheme");
    query_text_t text;
    sp_sdmx_query_t q = {0};
    if (!base_query(c, seg, n, &q, &text))
        return sp_sdmx_reply_error(c, SP_SDMX_NO_RESULTS, NOT_OUR_PROVIDER);
    sp_error_t err;
    if (sp_sdmx_query_check(&q, &err) != SP_OK)
        return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX, err.message);
    time_t changed;
    if (current(c, conn, &changed))
        return sp_sdmx_reply_not_modified(c, changed);
    FILE *f = tmpfile();
    if (f == NULL)
        return sp_sdmx_reply_error(c, SP_SDMX_INTERNAL, "no temporary file");
    bool found;
    sp_status_t st = sp_sdmx_write_availability(conn, &q, component,
                                                mode != NULL && strcmp(mode, "available") == 0,
                                                parts, f, &found, &err);
    if (st != SP_OK || !found) {
        fclose(f);
        return st == SP_ERR_INVALID ? sp_sdmx_reply_error(c, SP_SDMX_SYNTAX, err.message)
               : st != SP_OK        ? sp_sdmx_reply_error(c, SP_SDMX_INTERNAL, err.message)
                                    : sp_sdmx_reply_error(c, SP_SDMX_NO_RESULTS, NULL);
    }
    return sp_sdmx_reply_file(c, MHD_HTTP_OK, TYPE_STRUCTURE, f, changed);
}

static enum MHD_Result data(sp_sdmx_server_t *s, struct MHD_Connection *c, PGconn *conn, char **seg,
                            int n)
{
    if (n < 2 || !flow_ours(seg[1]))
        return sp_sdmx_reply_error(c, SP_SDMX_NO_RESULTS, NOT_OUR_FLOW);
    sp_sdmx_format_t format;
    if (!data_format(c, &format))
        return sp_sdmx_reply_error(
            c, SP_SDMX_NOT_ACCEPTABLE,
            "statpipe serves SDMX-ML 2.1 structure-specific and generic data "
            "(and their time-series forms), SDMX-CSV and SDMX-JSON 2.0 and 1.0");
    const char *detail = arg(c, "detail"), *at_obs = arg(c, "dimensionAtObservation");
    sp_sdmx_detail_t det = SP_SDMX_FULL;
    if (detail != NULL && !sp_sdmx_detail_parse(detail, &det))
        return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX,
                                   "detail is full, dataonly, serieskeysonly or nodata");
    bool flat = at_obs != NULL && strcmp(at_obs, "AllDimensions") == 0;
    int obs_dim = 0;
    for (int i = 0; at_obs != NULL && i < SP_SDMX_N_DIMS; i++)
        if (strcmp(at_obs, sp_sdmx_dim_id[i]) == 0)
            obs_dim = i + 1;
    if (at_obs != NULL && strcmp(at_obs, "TIME_PERIOD") != 0 && !flat && !obs_dim)
        return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX,
                                   "dimensionAtObservation is TIME_PERIOD, AllDimensions or a "
                                   "dimension: INDICATOR, REF_AREA, FREQ, SENDER, CALC_BASIS or "
                                   "BREAKDOWN");
    if ((flat || obs_dim) && (format == SP_SDMX_ML_TS || format == SP_SDMX_GENERIC_TS))
        return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX,
                                   "the time-series formats have TIME_PERIOD at the observation");
    if (obs_dim && (format == SP_SDMX_JSON || format == SP_SDMX_JSON1))
        return sp_sdmx_reply_error(c, SP_SDMX_NOT_IMPLEMENTED,
                                   "SDMX-JSON is served with TIME_PERIOD at the observation; "
                                   "SDMX-ML with any dimension there");
    query_text_t text;
    char as_of[64];
    sp_sdmx_query_t q = {0};
    if (!base_query(c, seg, n, &q, &text))
        return sp_sdmx_reply_error(c, SP_SDMX_NO_RESULTS, NOT_OUR_PROVIDER);
    q.as_of = time_arg(c, "asOf", as_of, sizeof(as_of));
    const char *hist = arg(c, "includeHistory"), *first = arg(c, "firstNObservations"),
               *last = arg(c, "lastNObservations");
    char *end = NULL;
    if (hist != NULL && strcmp(hist, "true") != 0 && strcmp(hist, "false") != 0)
        return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX, "includeHistory is true or false");
    q.include_history = hist != NULL && strcmp(hist, "true") == 0;
    if (q.include_history && format == SP_SDMX_CSV1)
        return sp_sdmx_reply_error(c, SP_SDMX_NOT_ACCEPTABLE,
                                   "SDMX-CSV 1.0 has no columns for a vintage's validity or "
                                   "action: ask for SDMX-CSV 2.0 (version=2.0.0)");
    q.detail = det;
    q.flat = flat;
    q.obs_dim = obs_dim;
    if (first != NULL && ((q.first_n = strtol(first, &end, 10)) <= 0 || *end != '\0'))
        return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX, "firstNObservations is a positive integer");
    if (last != NULL && ((q.last_n = strtol(last, &end, 10)) <= 0 || *end != '\0'))
        return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX, "lastNObservations is a positive integer");
    sp_error_t err;
    if (sp_sdmx_query_check(&q, &err) != SP_OK)
        return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX, err.message);
    time_t changed;
    if (current(c, conn, &changed))
        return sp_sdmx_reply_not_modified(c, changed);
    FILE *f = tmpfile();
    if (f == NULL)
        return sp_sdmx_reply_error(c, SP_SDMX_INTERNAL, "no temporary file");
    long n_obs = 0;
    sp_status_t st = sp_sdmx_write_data_max(conn, &q, format, s->max_observations, f, &n_obs, &err);
    if (st != SP_OK || n_obs == 0) {
        fclose(f);
        if (st == SP_ERR_RANGE)
            return sp_sdmx_reply_error(c, SP_SDMX_TOO_LARGE, "narrow the key or the periods");
        if (st == SP_ERR_INVALID)
            return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX, err.message);
        return st != SP_OK ? sp_sdmx_reply_error(c, SP_SDMX_INTERNAL, err.message)
                           : sp_sdmx_reply_error(c, SP_SDMX_NO_RESULTS, NULL);
    }
    static const char *const type[] = {
        [SP_SDMX_CSV] = TYPE_CSV,
        [SP_SDMX_ML] = TYPE_DATA,
        [SP_SDMX_JSON] = TYPE_JSON,
        [SP_SDMX_ML_TS] = "application/vnd.sdmx.structurespecifictimeseriesdata+xml; version=2.1",
        [SP_SDMX_GENERIC] = "application/vnd.sdmx.genericdata+xml; version=2.1",
        [SP_SDMX_GENERIC_TS] = "application/vnd.sdmx.generictimeseriesdata+xml; version=2.1",
        [SP_SDMX_CSV1] = "application/vnd.sdmx.data+csv; version=1.0.0",
        [SP_SDMX_JSON1] = "application/vnd.sdmx.data+json; version=1.0.0"};
    return sp_sdmx_reply_file(c, MHD_HTTP_OK, type[format], f, changed);
}

/* The structure format an Accept header prefers: SDMX-ML (0) or SDMX-JSON (1), by their
 * q-values, SDMX-ML when they tie or there is none; -1 when it takes neither. */
static int structure_format(const char *accept)
{
    if (accept == NULL || accept[0] == '\0')
        return 0;
    double xml = -1, json = -1;
    for (const char *p = accept; *p;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        char range[256];
        snprintf(range, sizeof(range), "%.*s", (int)(n < sizeof(range) ? n : sizeof(range) - 1), p);
        const char *q = strstr(range, "q=");
        double w = q != NULL ? strtod(q + 2, NULL) : 1.0;
        range[strcspn(range, "; \t")] = '\0';
        if (strcmp(range, "*/*") == 0 || strcmp(range, "application/*") == 0) {
            xml = xml > w ? xml : w;
        } else if (strstr(range, "xml") != NULL) {
            xml = xml > w ? xml : w;
        } else if (strstr(range, "json") != NULL) {
            json = json > w ? json : w;
        }
        p += n;
    }
    if (xml <= 0 && json <= 0)
        return -1;
    return json > xml ? 1 : 0;
}

static enum MHD_Result structure(struct MHD_Connection *c, PGconn *conn, char **seg, int n)
{
    /* Structure is SDMX-ML 2.1 or SDMX-JSON 1.0. */
    int format = structure_format(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept"));
    if (format < 0)
        return sp_sdmx_reply_error(c, SP_SDMX_NOT_ACCEPTABLE,
                                   "structure is served as SDMX-ML 2.1 "
                                   "(application/vnd.sdmx.structure+xml) or SDMX-JSON 1.0 "
                                   "(application/vnd.sdmx.structure+json)");
    sp_sdmx_selection_t sel;
    sp_error_t err;
    sp_status_t st =
        sp_sdmx_select(seg[0], n > 1 ? seg[1] : NULL, n > 2 ? seg[2] : NULL, n > 3 ? seg[3] : NULL,
                       arg(c, "references"), arg(c, "detail"), &sel, &err);
    if (st == SP_ERR_NOTFOUND)
        return sp_sdmx_reply_error(c, SP_SDMX_NO_RESULTS, NULL);
    if (st == SP_ERR_RANGE)
        return sp_sdmx_reply_error(c, SP_SDMX_NOT_IMPLEMENTED, err.message);
    if (st != SP_OK)
        return sp_sdmx_reply_error(c, SP_SDMX_SYNTAX, err.message);
    sel.items = n > 4 ? seg[4] : NULL;
    FILE *f = tmpfile();
    if (f == NULL)
        return sp_sdmx_reply_error(c, SP_SDMX_INTERNAL, "no temporary file");
    bool found;
    if ((format == 1 ? sp_sdmx_write_structure_json
                     : sp_sdmx_write_structure)(conn, &sel, f, &found, &err) != SP_OK) {
        fclose(f);
        return sp_sdmx_reply_error(c, SP_SDMX_INTERNAL, err.message);
    }
    if (!found) {
        fclose(f);
        return sp_sdmx_reply_error(c, SP_SDMX_NO_RESULTS, NULL);
    }
    return sp_sdmx_reply_file(
        c, MHD_HTTP_OK,
        format == 1 ? "application/vnd.sdmx.structure+json; version=1.0.0" : TYPE_STRUCTURE, f, 0);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    sp_sdmx_server_t *s = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return sp_sdmx_reply_error(c, SP_SDMX_NOT_IMPLEMENTED, "the service is read-only: GET");
    if (strncmp(url, "/rest/", 6) != 0)
        return sp_sdmx_reply_error(c, SP_SDMX_NO_RESULTS, "the SDMX REST API is under /rest/");
    /* The path's segments: resource, then agency/id/version or flow/key/provider. */
    char path[2048];
    snprintf(path, sizeof(path), "%s", url + 6);
    char *seg[6] = {0};
    int n = 0;
    for (char *p = path, *save = NULL; n < 6 && (p = strtok_r(p, "/", &save)) != NULL; p = NULL)
        seg[n++] = p;
    if (n == 0)
        return sp_sdmx_reply_error(c, SP_SDMX_NO_RESULTS,
                                   "see /rest/dataflow and /rest/data/" SP_SDMX_FLOW);
    PGconn *conn;
    sp_error_t err;
    if (sp_pg_connect(s->conninfo, &conn, &err) != SP_OK) {
        sp_log(SP_LOG_ERR, "sdmx_database", "detail=\"%s\"", err.message);
        return sp_sdmx_reply_error(c, SP_SDMX_UNAVAILABLE, "the database cannot be reached");
    }
    int64_t t0 = sp_time_now_us();
    enum MHD_Result ret = strcmp(seg[0], "data") == 0 ? data(s, c, conn, seg, n)
                          : strcmp(seg[0], "availableconstraint") == 0
                              ? availability(c, conn, seg, n)
                              : structure(c, conn, seg, n);
    sp_pg_close(conn);
    sp_log(SP_LOG_INFO, "sdmx_request", "path=\"%s\" ms=%.1f", url,
           (double)(sp_time_now_us() - t0) / 1000.0);
    return ret;
}

sp_status_t sp_sdmx_serve_start(const sp_sdmx_serve_opts_t *opts, sp_sdmx_server_t **out,
                                sp_error_t *err)
{
    sp_sdmx_server_t *s = sp_xrealloc(NULL, sizeof(*s));
    memset(s, 0, sizeof(*s));
    snprintf(s->conninfo, sizeof(s->conninfo), "%s", opts->conninfo ? opts->conninfo : "");
    s->max_observations = opts->max_observations;
    /* Each request holds a thread and a database connection while it runs. */
    const sp_http_limits_t lim = {.max_connections = opts->max_connections,
                                  .max_per_ip = opts->max_connections,
                                  .idle_seconds = 30,
                                  .memory = 32768,
                                  .thread_per_connection = true};
    if (sp_http_listen(opts->listen, "SDMX service", &lim, handler, s, &s->d, err) != SP_OK) {
        free(s);
        return err ? err->code : SP_ERR_IO;
    }
    *out = s;
    return SP_OK;
}

void sp_sdmx_serve_stop(sp_sdmx_server_t *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}
