/*
 * sp_sdmx_read.c: SDMX in: an agency's SDMX-CSV or SDMX-ML 2.1 structure-specific data file
 * of statpipe's dataflow turned into contract messages (statpipe.observation/1), one per
 * observation, for the same transform, quarantine and exactly-once load as NDJSON.
 *
 * Each observation's message id is its series key, period and release, so that loading a
 * file again is a no-op. A file is read twice: first to check that it is a well-formed
 * file of the dataflow (XML without a DTD, CSV with the dataflow's columns), so that a file
 * refused halfway loads nothing; then to hand out the messages. XML is read by libxml2's
 * streaming reader (xmlTextReader), without network access, external entities or DTDs:
 * memory stays bounded whatever the file's size. CSV is read by libcsv.
 */
#include "sp_sdmx_int.h"

#include <csv.h>
#include <errno.h>
#include <jansson.h>
#include <libxml/xmlreader.h>
#include <stdlib.h>
#include <string.h>

/* The message fields an observation fills, by SDMX component. */
enum {
    F_INDICATOR,
    F_REF_AREA,
    F_FREQ,
    F_SENDER,
    F_CALC_BASIS,
    F_BREAKDOWN,
    F_TIME_PERIOD,
    F_OBS_VALUE,
    F_UNIT_MEASURE,
    F_UNIT_MULT,
    F_OBS_STATUS,
    F_CONF_STATUS,
    F_COMMENT,
    F_VALID_FROM,
    F_ACTION,
    F_STRUCTURE_ID,
    F__COUNT
};
static const char *const component[F__COUNT] = {
    "INDICATOR",   "REF_AREA",   "FREQ",         "SENDER",      "CALC_BASIS", "BREAKDOWN",
    "TIME_PERIOD", "OBS_VALUE",  "UNIT_MEASURE", "UNIT_MULT",   "OBS_STATUS", "CONF_STATUS",
    "COMMENT",     "VALID_FROM", "ACTION",       "STRUCTURE_ID"};
static const char *const message_field[F__COUNT] = {
    "indicator",   "ref_area", "freq", "sender",    "calc_basis", "breakdown",
    "time_period", "value",    "unit", "unit_mult", "obs_status", "conf_status",
    "comment",     "release",  NULL,   NULL};
/* What a file must give for every observation; the rest may be left out. */
static const int required[] = {F_INDICATOR,   F_REF_AREA,  F_FREQ,        F_SENDER,
                               F_TIME_PERIOD, F_OBS_VALUE, F_UNIT_MEASURE};

static int component_index(const char *name)
{
    for (int i = 0; i < F__COUNT; i++)
        if (strcmp(component[i], name) == 0)
            return i;
    return -1;
}

/* One observation's values (NULL or "" where absent) as a contract message, to cb. */
static sp_status_t emit(const char *const v[F__COUNT], const char *release, long where,
                        sp_sdmx_msg_cb cb, void *opaque, sp_error_t *err)
{
    const char *rel = v[F_VALID_FROM] && v[F_VALID_FROM][0] ? v[F_VALID_FROM] : release;
    char id[1024];
    snprintf(id, sizeof(id), "sdmx:%s.%s.%s.%s.%s.%s:%s@%s", v[F_INDICATOR] ? v[F_INDICATOR] : "",
             v[F_REF_AREA] ? v[F_REF_AREA] : "", v[F_FREQ] ? v[F_FREQ] : "",
             v[F_SENDER] ? v[F_SENDER] : "", v[F_CALC_BASIS] ? v[F_CALC_BASIS] : "",
             v[F_BREAKDOWN] ? v[F_BREAKDOWN] : "", v[F_TIME_PERIOD] ? v[F_TIME_PERIOD] : "",
             rel ? rel : "");
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string("statpipe.observation/1"));
    json_object_set_new(o, "message_id", json_stringn_nocheck(id, strlen(id)));
    for (int i = 0; i < F__COUNT; i++) {
        const char *s = i == F_VALID_FROM ? rel : v[i];
        if (message_field[i] == NULL || s == NULL || s[0] == '\0')
            continue;
        json_t *j;
        char *end;
        long mult;
        if (i == F_OBS_VALUE && strcmp(s, "NaN") == 0)
            j = json_null(); /* intentionally missing: the status says why */
        else if (i == F_UNIT_MULT && (mult = strtol(s, &end, 10), *end == '\0'))
            j = json_integer(mult);
        else
            j = json_stringn_nocheck(s, strlen(s));
        json_object_set_new(o, message_field[i], j);
    }
    if (v[F_ACTION] && (strcmp(v[F_ACTION], "D") == 0 || strcmp(v[F_ACTION], "Delete") == 0))
        json_object_set_new(o, "action", json_string("delete"));
    /* A field that is not UTF-8 cannot be dumped: the transform then sees the bytes as they
     * came and quarantines them as such. */
    char *msg = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    sp_status_t st;
    if (msg != NULL) {
        st = cb(opaque, where, msg, strlen(msg), err);
        free(msg);
    } else {
        st = cb(opaque, where, v[F_INDICATOR] ? v[F_INDICATOR] : "", 0, err);
    }
    return st;
}

/* ---- SDMX-CSV --------------------------------------------------------------------------- */

#define CSV_MAX_COLS 64

typedef struct csv_read {
    const char *path;
    sp_sdmx_msg_cb cb; /* NULL on the checking pass */
    void *opaque;
    const char *release;
    sp_error_t *err;
    sp_status_t status;
    sp_buf_t field[CSV_MAX_COLS];
    int nfields, ncols;
    int col_of[F__COUNT]; /* the column of each component, or -1 */
    long row;             /* 1 = the header */
    long observations;
} csv_read_t;

static void csv_on_field(void *data, size_t len, void *opaque)
{
    csv_read_t *r = opaque;
    if (r->nfields < CSV_MAX_COLS) {
        sp_buf_t *b = &r->field[r->nfields];
        b->len = 0;
        sp_buf_append(b, data ? data : "", len);
        sp_buf_putc(b, '\0');
    }
    r->nfields++;
}

static sp_status_t csv_header(csv_read_t *r)
{
    if (r->nfields > CSV_MAX_COLS)
        return sp_error_set(r->err, SP_ERR_INVALID, "%s: %d columns, at most %d", r->path,
                            r->nfields, CSV_MAX_COLS);
    r->ncols = r->nfields;
    for (int i = 0; i < F__COUNT; i++)
        r->col_of[i] = -1;
    for (int c = 0; c < r->ncols; c++) {
        const char *name = r->field[c].data;
        /* STRUCTURE[;] and labels=both headers ("DIM: Name") name the component first. */
        char base[64];
        snprintf(base, sizeof(base), "%.*s", (int)strcspn(name, "[:"), name);
        int i = component_index(base);
        if (i >= 0)
            r->col_of[i] = c;
    }
    for (size_t k = 0; k < sizeof(required) / sizeof(required[0]); k++)
        if (r->col_of[required[k]] < 0)
            return sp_error_set(r->err, SP_ERR_INVALID,
                                "%s: no column %s: an SDMX-CSV file of the dataflow " SP_SDMX_AGENCY
                                ":" SP_SDMX_FLOW "(" SP_SDMX_VERSION ") has INDICATOR, REF_AREA, "
                                "FREQ, SENDER, TIME_PERIOD, OBS_VALUE and UNIT_MEASURE",
                                r->path, component[required[k]]);
    return SP_OK;
}

static void csv_on_row(int c, void *opaque)
{
    (void)c;
    csv_read_t *r = opaque;
    r->row++;
    if (r->status != SP_OK) {
        r->nfields = 0;
        return;
    }
    if (r->row == 1) {
        r->status = csv_header(r);
    } else if (r->nfields != r->ncols) {
        r->status = sp_error_set(r->err, SP_ERR_INVALID, "%s:%ld: %d fields, the header has %d",
                                 r->path, r->row, r->nfields, r->ncols);
    } else {
        const char *v[F__COUNT];
        for (int i = 0; i < F__COUNT; i++)
            v[i] = r->col_of[i] >= 0 ? r->field[r->col_of[i]].data : NULL;
        const char *sid = v[F_STRUCTURE_ID];
        if (sid != NULL &&
            strcmp(sid, SP_SDMX_AGENCY ":" SP_SDMX_FLOW "(" SP_SDMX_VERSION ")") != 0)
            r->status = sp_error_set(r->err, SP_ERR_INVALID,
                                     "%s:%ld: STRUCTURE_ID %s is not the dataflow " SP_SDMX_AGENCY
                                     ":" SP_SDMX_FLOW "(" SP_SDMX_VERSION ")",
                                     r->path, r->row, sid);
        else if (r->cb != NULL)
            r->status = emit(v, r->release, r->row, r->cb, r->opaque, r->err);
        r->observations++;
    }
    r->nfields = 0;
}

static sp_status_t csv_pass(const char *path, const char *release, sp_sdmx_msg_cb cb, void *opaque,
                            long *observations, sp_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return sp_error_set(err, SP_ERR_IO, "could not open \"%s\": %s", path, strerror(errno));
    csv_read_t r = {.path = path, .cb = cb, .opaque = opaque, .release = release, .err = err};
    for (int i = 0; i < CSV_MAX_COLS; i++)
        sp_buf_init(&r.field[i]);
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_APPEND_NULL | CSV_STRICT_FINI);
    char buf[65536];
    size_t n;
    while (r.status == SP_OK && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (csv_parse(&p, buf, n, csv_on_field, csv_on_row, &r) != n && r.status == SP_OK)
            r.status = sp_error_set(err, SP_ERR_INVALID, "%s:%ld: %s", path, r.row + 1,
                                    csv_strerror(csv_error(&p)));
    if (r.status == SP_OK && csv_fini(&p, csv_on_field, csv_on_row, &r) != 0 && r.status == SP_OK)
        r.status = sp_error_set(err, SP_ERR_INVALID, "%s:%ld: %s", path, r.row + 1,
                                csv_strerror(csv_error(&p)));
    if (r.status == SP_OK && r.row == 0)
        r.status = sp_error_set(err, SP_ERR_INVALID, "%s: empty: no header", path);
    csv_free(&p);
    for (int i = 0; i < CSV_MAX_COLS; i++)
        sp_buf_free(&r.field[i]);
    fclose(f);
    *observations = r.observations;
    return r.status;
}

/* ---- SDMX-ML ------------------------------------------------------------------------------ */

static sp_status_t xml_error(sp_error_t *err, const char *path, xmlTextReaderPtr x,
                             const char *what)
{
    const xmlError *e = xmlGetLastError();
    return sp_error_set(err, SP_ERR_INVALID, "%s:%d: %s%s%s", path,
                        x ? xmlTextReaderGetParserLineNumber(x) : 0, what,
                        e && e->message ? ": " : "", e && e->message ? e->message : "");
}

/* The attributes of the current element into v (strings copied into store). */
static void xml_attributes(xmlTextReaderPtr x, char store[F__COUNT][512], const char *v[F__COUNT])
{
    while (xmlTextReaderMoveToNextAttribute(x) == 1) {
        int i = component_index((const char *)xmlTextReaderConstLocalName(x));
        if (i >= 0 && i != F_STRUCTURE_ID) {
            snprintf(store[i], sizeof(store[i]), "%s", (const char *)xmlTextReaderConstValue(x));
            v[i] = store[i];
        }
    }
    xmlTextReaderMoveToElement(x);
}

static sp_status_t ml_pass(const char *path, const char *release, sp_sdmx_msg_cb cb, void *opaque,
                           long *observations, sp_error_t *err)
{
    /* No network, no external entities, no DTD loading; entities are not substituted. */
    xmlTextReaderPtr x = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA);
    if (x == NULL)
        return sp_error_set(err, SP_ERR_IO, "could not open \"%s\"", path);
    char set_store[F__COUNT][512], series_store[F__COUNT][512], obs_store[F__COUNT][512];
    const char *set_v[F__COUNT] = {0}, *series_v[F__COUNT] = {0};
    char set_release[128] = "";
    bool root_seen = false, in_set = false;
    sp_status_t st = SP_OK;
    long n = 0;
    int r;
    while (st == SP_OK && (r = xmlTextReaderRead(x)) == 1) {
        int type = xmlTextReaderNodeType(x);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            st = sp_error_set(err, SP_ERR_INVALID,
                              "%s:%d: a DTD (<!DOCTYPE>): SDMX-ML has none, and statpipe reads "
                              "no DTD or entity",
                              path, xmlTextReaderGetParserLineNumber(x));
            break;
        }
        if (type == XML_READER_TYPE_ENTITY_REFERENCE) {
            st = sp_error_set(err, SP_ERR_INVALID, "%s:%d: an entity reference: not read", path,
                              xmlTextReaderGetParserLineNumber(x));
            break;
        }
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        const char *name = (const char *)xmlTextReaderConstLocalName(x);
        if (!root_seen) {
            root_seen = true;
            if (strcmp(name, "StructureSpecificData") != 0 ||
                xmlStrcmp(xmlTextReaderConstNamespaceUri(x), BAD_CAST SP_SDMX_NS_MESSAGE) != 0) {
                st = sp_error_set(err, SP_ERR_INVALID,
                                  "%s: the root is %s, not SDMX-ML 2.1 StructureSpecificData "
                                  "(generic data is not read)",
                                  path, name);
                break;
            }
            continue;
        }
        if (strcmp(name, "DataSet") == 0) {
            memset(set_v, 0, sizeof(set_v));
            xml_attributes(x, set_store, set_v);
            xmlChar *from = xmlTextReaderGetAttribute(x, BAD_CAST "validFromDate");
            xmlChar *action = xmlTextReaderGetAttribute(x, BAD_CAST "action");
            snprintf(set_release, sizeof(set_release), "%s", from ? (const char *)from : "");
            snprintf(set_store[F_ACTION], sizeof(set_store[F_ACTION]), "%s",
                     action ? (const char *)action : "");
            set_v[F_ACTION] = set_store[F_ACTION];
            xmlFree(from);
            xmlFree(action);
            in_set = true;
        } else if (strcmp(name, "Series") == 0 && in_set) {
            memcpy(series_v, set_v, sizeof(series_v));
            xml_attributes(x, series_store, series_v);
        } else if (strcmp(name, "Obs") == 0 && in_set) {
            const char *v[F__COUNT];
            memcpy(v, series_v, sizeof(v));
            xml_attributes(x, obs_store, v);
            if (v[F_VALID_FROM] == NULL && set_release[0])
                v[F_VALID_FROM] = set_release;
            if (cb != NULL)
                st = emit(v, release, xmlTextReaderGetParserLineNumber(x), cb, opaque, err);
            n++;
        }
    }
    if (st == SP_OK && r < 0)
        st = xml_error(err, path, x, "not well-formed XML");
    if (st == SP_OK && !root_seen)
        st = sp_error_set(err, SP_ERR_INVALID, "%s: no XML document", path);
    xmlFreeTextReader(x);
    *observations = n;
    return st;
}

/* No external entity or DTD is ever read, whatever a document asks for. */
static xmlParserInputPtr refuse_external(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

/* libxml2's own messages are not printed: the error returned quotes the last one. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

sp_status_t sp_sdmx_read(const char *path, sp_sdmx_format_t format, const char *release,
                         sp_sdmx_msg_cb cb, void *opaque, long *observations, sp_error_t *err)
{
    xmlSetExternalEntityLoader(refuse_external);
    xmlSetGenericErrorFunc(NULL, quiet);
    sp_status_t (*pass)(const char *, const char *, sp_sdmx_msg_cb, void *, long *, sp_error_t *) =
        format == SP_SDMX_CSV ? csv_pass : ml_pass;
    long n = 0;
    sp_status_t st = pass(path, release, NULL, NULL, &n, err);
    if (st == SP_OK)
        st = pass(path, release, cb, opaque, &n, err);
    *observations = n;
    return st;
}
