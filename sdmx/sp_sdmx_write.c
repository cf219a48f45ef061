/*
 * sp_sdmx_write.c: a data answer written as SDMX-CSV 2.0 or 1.0 (one row per observation), as
 * SDMX-ML 2.1 structure-specific data (Series of Obs) or as SDMX-JSON 2.0 (sp_sdmx_json.c),
 * row by row as the query gives them.
 * XML is written by libxml2's xmlTextWriter, which escapes what it writes.
 */
#include "sp_sdmx_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sp_sdmx_writer {
    sp_sdmx_format_t format;
    FILE *out;
    bool history;
    xmlTextWriterPtr x;
    bool in_series, in_set;
    char series[SP_SDMX_N_DIMS][128]; /* the open Series' key */
    char set_from[32], set_to[32];    /* the open DataSet's validity (history) */
    bool set_deleted;
    sp_sdmx_detail_t detail;
    bool generic, timeseries;           /* the SDMX-ML variant */
    bool flat;                          /* all dimensions at the observation */
    int obs_dim;                        /* 1 + the dimension at the observation; 0: time */
    char series_time[32];               /* the open Series' period (obs_dim) */
    const char *provider;               /* the data provider asked for, or NULL */
    bool csv, csv1;                     /* SDMX-CSV; its version 1.0 */
    char last_key[SP_SDMX_N_DIMS][128]; /* the series of the row before (CSV, keys only) */
    bool any;
    const sp_sdmx_dict_t *dict; /* SDMX-JSON */
    sp_sdmx_json_state_t json;
};

/* ---- SDMX-CSV ------------------------------------------------------------------------- */

/* A field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *out, const char *s, bool last)
{
    if (s != NULL && strpbrk(s, ",\"\r\n") != NULL) {
        fputc('"', out);
        for (const char *c = s; *c; c++) {
            if (*c == '"')
                fputc('"', out);
            fputc(*c, out);
        }
        fputc('"', out);
    } else if (s != NULL) {
        fputs(s, out);
    }
    fputc(last ? '\n' : ',', out);
}

/* SDMX-CSV 2.0 starts a row with the structure and the action; 1.0 with the dataflow alone,
 * and has no action (the history is asked for in 2.0). */
#define CSV_FLOW SP_SDMX_AGENCY ":" SP_SDMX_FLOW "(" SP_SDMX_VERSION ")"

static void csv_header(sp_sdmx_writer_t *w)
{
    fputs(w->csv1 ? "DATAFLOW" : "STRUCTURE,STRUCTURE_ID,ACTION", w->out);
    for (int i = 0; i < SP_SDMX_N_DIMS; i++)
        fprintf(w->out, ",%s", sp_sdmx_dim_id[i]);
    fputs(",TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS,CONF_STATUS,COMMENT", w->out);
    fputs(w->history ? ",VALID_FROM,VALID_TO\n" : "\n", w->out);
}

static bool keys_only(const sp_sdmx_writer_t *w)
{
    return w->detail == SP_SDMX_SERIESKEYSONLY || w->detail == SP_SDMX_NODATA;
}

static void csv_obs(sp_sdmx_writer_t *w, const sp_sdmx_obs_t *o)
{
    if (keys_only(w)) { /* a row per series, without observation */
        bool same = w->any;
        for (int i = 0; i < SP_SDMX_N_DIMS && same; i++)
            same = strcmp(w->last_key[i], o->dim[i]) == 0;
        if (same)
            return;
        for (int i = 0; i < SP_SDMX_N_DIMS; i++)
            snprintf(w->last_key[i], sizeof(w->last_key[i]), "%s", o->dim[i]);
        w->any = true;
        fputs(w->csv1 ? CSV_FLOW "," : "dataflow," CSV_FLOW ",R,", w->out);
        for (int i = 0; i < SP_SDMX_N_DIMS; i++)
            csv_field(w->out, o->dim[i], false);
        /* TIME_PERIOD to COMMENT empty, and VALID_FROM, VALID_TO */
        int empty = w->history ? 9 : 7;
        for (int i = 1; i <= empty; i++)
            csv_field(w->out, NULL, i == empty);
        return;
    }
    sp_sdmx_obs_t bare = *o;
    if (w->detail == SP_SDMX_DATAONLY) /* the observations without their attributes */
        bare.unit = bare.obs_status = bare.conf_status = bare.comment = NULL;
    o = &bare;
    if (w->csv1)
        fputs(CSV_FLOW ",", w->out);
    else
        fputs(o->deleted ? "dataflow," CSV_FLOW ",D," : "dataflow," CSV_FLOW ",R,", w->out);
    for (int i = 0; i < SP_SDMX_N_DIMS; i++)
        csv_field(w->out, o->dim[i], false);
    csv_field(w->out, o->time_period, false);
    csv_field(w->out, o->value ? o->value : "NaN", false); /* intentionally missing */
    csv_field(w->out, o->unit, false);
    csv_field(w->out, w->detail == SP_SDMX_DATAONLY ? NULL : "0", false);
    csv_field(w->out, o->obs_status, false);
    csv_field(w->out, o->conf_status, false);
    csv_field(w->out, o->comment, !w->history);
    if (w->history) {
        csv_field(w->out, o->valid_from, false);
        csv_field(w->out, o->valid_to, true);
    }
}

/* ---- SDMX-ML ---------------------------------------------------------------------------- */

xmlTextWriterPtr sp_sdmx_xml_open(FILE *out)
{
    xmlOutputBufferPtr buf = xmlOutputBufferCreateFile(out, NULL);
    xmlTextWriterPtr x = xmlNewTextWriter(buf);
    xmlTextWriterSetIndent(x, 1);
    xmlTextWriterSetIndentString(x, BAD_CAST " ");
    xmlTextWriterStartDocument(x, NULL, "UTF-8", NULL);
    return x;
}

void sp_sdmx_xml_header(xmlTextWriterPtr x, const char *id)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    xmlTextWriterStartElement(x, BAD_CAST "message:Header");
    xmlTextWriterWriteElement(x, BAD_CAST "message:ID", BAD_CAST id);
    xmlTextWriterWriteElement(x, BAD_CAST "message:Test", BAD_CAST "false");
    xmlTextWriterWriteElement(x, BAD_CAST "message:Prepared", BAD_CAST now);
    xmlTextWriterStartElement(x, BAD_CAST "message:Sender");
    xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST SP_SDMX_AGENCY);
    xmlTextWriterEndElement(x);
}

/* The data are the dataflow's: the header's structure, its namespace and the data sets'
 * reference name the dataflow (a structure usage of the data structure). */
#define STRUCTURE_ID SP_SDMX_AGENCY "_" SP_SDMX_FLOW "_1_0"
#define FLOW_URN                                                                                   \
    "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=" SP_SDMX_AGENCY ":" SP_SDMX_FLOW          \
    "(" SP_SDMX_VERSION ")"

/* The component at the observation: TIME_PERIOD, AllDimensions or a dimension. */
static const char *at_obs(const sp_sdmx_writer_t *w)
{
    return w->flat ? "AllDimensions" : w->obs_dim ? sp_sdmx_dim_id[w->obs_dim - 1] : "TIME_PERIOD";
}

static void ml_open(sp_sdmx_writer_t *w)
{
    static const char *const root[2][2] = {
        {"message:StructureSpecificData", "message:StructureSpecificTimeSeriesData"},
        {"message:GenericData", "message:GenericTimeSeriesData"}};
    xmlTextWriterPtr x = w->x = sp_sdmx_xml_open(w->out);
    xmlTextWriterStartElement(x, BAD_CAST root[w->generic][w->timeseries]);
    xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:message", BAD_CAST SP_SDMX_NS_MESSAGE);
    xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:common", BAD_CAST SP_SDMX_NS_COMMON);
    xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:ss", BAD_CAST SP_SDMX_NS_SS);
    xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:generic", BAD_CAST SP_SDMX_NS_GENERIC);
    xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:xsi",
                                BAD_CAST "http://www.w3.org/2001/XMLSchema-instance");
    xmlTextWriterWriteFormatAttribute(x, BAD_CAST "xmlns:ns1", "%s:ObsLevelDim:%s", FLOW_URN,
                                      at_obs(w));
    sp_sdmx_xml_header(x, "STATPIPE_DATA");
    xmlTextWriterStartElement(x, BAD_CAST "message:Structure");
    xmlTextWriterWriteAttribute(x, BAD_CAST "structureID", BAD_CAST STRUCTURE_ID);
    if (!w->generic)
        xmlTextWriterWriteFormatAttribute(x, BAD_CAST "namespace", "%s:ObsLevelDim:%s", FLOW_URN,
                                          at_obs(w));
    xmlTextWriterWriteAttribute(x, BAD_CAST "dimensionAtObservation", BAD_CAST at_obs(w));
    /* The data of one provider are reported against its provision agreement (the schema's
     * element is spelt ProvisionAgrement); the others, against the dataflow. */
    xmlTextWriterStartElement(
        x, BAD_CAST(w->provider ? "common:ProvisionAgrement" : "common:StructureUsage"));
    xmlTextWriterStartElement(x, BAD_CAST "Ref");
    xmlTextWriterWriteAttribute(x, BAD_CAST "agencyID", BAD_CAST SP_SDMX_AGENCY);
    if (w->provider) {
        xmlTextWriterWriteFormatAttribute(x, BAD_CAST "id", "PA_%s", w->provider);
        xmlTextWriterWriteAttribute(x, BAD_CAST "package", BAD_CAST "registry");
        xmlTextWriterWriteAttribute(x, BAD_CAST "class", BAD_CAST "ProvisionAgreement");
    } else {
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST SP_SDMX_FLOW);
    }
    xmlTextWriterWriteAttribute(x, BAD_CAST "version", BAD_CAST SP_SDMX_VERSION);
    xmlTextWriterEndElement(x); /* Ref */
    xmlTextWriterEndElement(x); /* common:ProvisionAgrement or StructureUsage */
    xmlTextWriterEndElement(x); /* message:Structure */
    xmlTextWriterEndElement(x); /* message:Header */
}

static void ml_set_open(sp_sdmx_writer_t *w, const sp_sdmx_obs_t *o)
{
    xmlTextWriterPtr x = w->x;
    xmlTextWriterStartElement(x, BAD_CAST "message:DataSet");
    if (w->generic) {
        xmlTextWriterWriteAttribute(x, BAD_CAST "structureRef", BAD_CAST STRUCTURE_ID);
    } else {
        xmlTextWriterWriteAttribute(x, BAD_CAST "ss:dataScope", BAD_CAST "DataStructure");
        xmlTextWriterWriteAttribute(
            x, BAD_CAST "xsi:type",
            BAD_CAST(w->timeseries ? "ns1:TimeSeriesDataSetType" : "ns1:DataSetType"));
        xmlTextWriterWriteAttribute(x, BAD_CAST "ss:structureRef", BAD_CAST STRUCTURE_ID);
    }
    if (w->history) {
        xmlTextWriterWriteAttribute(x, BAD_CAST "action",
                                    BAD_CAST(o->deleted ? "Delete" : "Replace"));
        xmlTextWriterWriteAttribute(x, BAD_CAST "validFromDate", BAD_CAST o->valid_from);
        if (o->valid_to != NULL)
            xmlTextWriterWriteAttribute(x, BAD_CAST "validToDate", BAD_CAST o->valid_to);
        snprintf(w->set_from, sizeof(w->set_from), "%s", o->valid_from);
        snprintf(w->set_to, sizeof(w->set_to), "%s", o->valid_to ? o->valid_to : "");
        w->set_deleted = o->deleted;
    }
    w->in_set = true;
}

static bool same_set(const sp_sdmx_writer_t *w, const sp_sdmx_obs_t *o)
{
    return !w->history ||
           (strcmp(w->set_from, o->valid_from) == 0 &&
            strcmp(w->set_to, o->valid_to ? o->valid_to : "") == 0 && w->set_deleted == o->deleted);
}

/* Whether o is of the open Series: the same dimensions but the one at the observation, and
 * the same period when that is a dimension. */
static bool same_series(const sp_sdmx_writer_t *w, const sp_sdmx_obs_t *o)
{
    for (int i = 0; i < SP_SDMX_N_DIMS; i++)
        if (i != w->obs_dim - 1 && strcmp(w->series[i], o->dim[i]) != 0)
            return false;
    return !w->obs_dim || strcmp(w->series_time, o->time_period) == 0;
}

/* A generic value: <generic:Value id="ID" value="VALUE"/>. */
static void generic_value(xmlTextWriterPtr x, const char *id, const char *value)
{
    xmlTextWriterStartElement(x, BAD_CAST "generic:Value");
    xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST id);
    xmlTextWriterWriteAttribute(x, BAD_CAST "value", BAD_CAST value);
    xmlTextWriterEndElement(x);
}

/* An observation of generic data: its time, value and attributes as elements. */
static void generic_obs(sp_sdmx_writer_t *w, const sp_sdmx_obs_t *o)
{
    xmlTextWriterPtr x = w->x;
    xmlTextWriterStartElement(x, BAD_CAST "generic:Obs");
    if (w->flat) { /* the whole key */
        xmlTextWriterStartElement(x, BAD_CAST "generic:ObsKey");
        for (int i = 0; i < SP_SDMX_N_DIMS; i++)
            generic_value(x, sp_sdmx_dim_id[i], o->dim[i]);
        generic_value(x, "TIME_PERIOD", o->time_period);
        xmlTextWriterEndElement(x);
    } else if (w->obs_dim) {
        xmlTextWriterStartElement(x, BAD_CAST "generic:ObsDimension");
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST sp_sdmx_dim_id[w->obs_dim - 1]);
        xmlTextWriterWriteAttribute(x, BAD_CAST "value", BAD_CAST o->dim[w->obs_dim - 1]);
        xmlTextWriterEndElement(x);
    } else {
        xmlTextWriterStartElement(x, BAD_CAST "generic:ObsDimension");
        xmlTextWriterWriteAttribute(x, BAD_CAST "value", BAD_CAST o->time_period);
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterStartElement(x, BAD_CAST "generic:ObsValue");
    xmlTextWriterWriteAttribute(x, BAD_CAST "value", BAD_CAST(o->value ? o->value : "NaN"));
    xmlTextWriterEndElement(x);
    if (w->detail != SP_SDMX_DATAONLY) {
        xmlTextWriterStartElement(x, BAD_CAST "generic:Attributes");
        generic_value(x, "UNIT_MEASURE", o->unit);
        generic_value(x, "UNIT_MULT", "0");
        generic_value(x, "OBS_STATUS", o->obs_status);
        generic_value(x, "CONF_STATUS", o->conf_status);
        if (o->comment != NULL)
            generic_value(x, "COMMENT", o->comment);
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x);
}

/* An open Obs element's time, value and attributes; closes it. */
static void ml_obs_attributes(sp_sdmx_writer_t *w, const sp_sdmx_obs_t *o)
{
    xmlTextWriterPtr x = w->x;
    if (w->obs_dim) /* the dimension at the observation; the period is the series' */
        xmlTextWriterWriteAttribute(x, BAD_CAST sp_sdmx_dim_id[w->obs_dim - 1],
                                    BAD_CAST o->dim[w->obs_dim - 1]);
    else
        xmlTextWriterWriteAttribute(x, BAD_CAST "TIME_PERIOD", BAD_CAST o->time_period);
    xmlTextWriterWriteAttribute(x, BAD_CAST "OBS_VALUE", BAD_CAST(o->value ? o->value : "NaN"));
    if (w->detail != SP_SDMX_DATAONLY) {
        xmlTextWriterWriteAttribute(x, BAD_CAST "UNIT_MEASURE", BAD_CAST o->unit);
        xmlTextWriterWriteAttribute(x, BAD_CAST "UNIT_MULT", BAD_CAST "0");
        xmlTextWriterWriteAttribute(x, BAD_CAST "OBS_STATUS", BAD_CAST o->obs_status);
        xmlTextWriterWriteAttribute(x, BAD_CAST "CONF_STATUS", BAD_CAST o->conf_status);
        if (o->comment != NULL)
            xmlTextWriterWriteAttribute(x, BAD_CAST "COMMENT", BAD_CAST o->comment);
    }
    xmlTextWriterEndElement(x);
}

static void ml_obs(sp_sdmx_writer_t *w, const sp_sdmx_obs_t *o)
{
    xmlTextWriterPtr x = w->x;
    if (w->in_set && !same_set(w, o)) {
        if (w->in_series)
            xmlTextWriterEndElement(x);
        xmlTextWriterEndElement(x);
        w->in_series = w->in_set = false;
    }
    if (!w->in_set)
        ml_set_open(w, o);
    if (w->in_series && !same_series(w, o)) {
        xmlTextWriterEndElement(x);
        w->in_series = false;
    }
    if (w->flat) { /* no series: every observation carries its key */
        if (w->generic) {
            generic_obs(w, o);
            return;
        }
        xmlTextWriterStartElement(x, BAD_CAST "Obs");
        for (int i = 0; i < SP_SDMX_N_DIMS; i++)
            xmlTextWriterWriteAttribute(x, BAD_CAST sp_sdmx_dim_id[i], BAD_CAST o->dim[i]);
        ml_obs_attributes(w, o);
        return;
    }
    if (!w->in_series) {
        xmlTextWriterStartElement(x, BAD_CAST(w->generic ? "generic:Series" : "Series"));
        if (w->generic)
            xmlTextWriterStartElement(x, BAD_CAST "generic:SeriesKey");
        for (int i = 0; i < SP_SDMX_N_DIMS; i++) {
            snprintf(w->series[i], sizeof(w->series[i]), "%s", o->dim[i]);
            if (i == w->obs_dim - 1)
                continue;
            if (w->generic)
                generic_value(x, sp_sdmx_dim_id[i], o->dim[i]);
            else
                xmlTextWriterWriteAttribute(x, BAD_CAST sp_sdmx_dim_id[i], BAD_CAST o->dim[i]);
        }
        if (w->obs_dim) { /* the period is the series' */
            snprintf(w->series_time, sizeof(w->series_time), "%s", o->time_period);
            if (w->generic)
                generic_value(x, "TIME_PERIOD", o->time_period);
            else
                xmlTextWriterWriteAttribute(x, BAD_CAST "TIME_PERIOD", BAD_CAST o->time_period);
        }
        if (w->generic)
            xmlTextWriterEndElement(x); /* generic:SeriesKey */
        w->in_series = true;
    }
    if (keys_only(w))
        return;
    if (w->generic) {
        generic_obs(w, o);
        return;
    }
    xmlTextWriterStartElement(x, BAD_CAST "Obs");
    ml_obs_attributes(w, o);
}

/* ---- the writer ------------------------------------------------------------------------- */

sp_sdmx_writer_t *sp_sdmx_writer_open(sp_sdmx_format_t format, FILE *out, const sp_sdmx_query_t *q,
                                      const sp_sdmx_dict_t *dict)
{
    sp_sdmx_writer_t *w = sp_xrealloc(NULL, sizeof(*w));
    memset(w, 0, sizeof(*w));
    w->format = format;
    w->out = out;
    w->history = q->include_history;
    w->dict = dict;
    w->detail = q->detail;
    w->flat = q->flat;
    w->obs_dim = q->flat ? 0 : q->obs_dim;
    /* one provider: its agreement */
    w->provider = q->provider != NULL && strchr(q->provider, '+') == NULL ? q->provider : NULL;
    w->generic = format == SP_SDMX_GENERIC || format == SP_SDMX_GENERIC_TS;
    w->timeseries = format == SP_SDMX_ML_TS || format == SP_SDMX_GENERIC_TS;
    w->csv = format == SP_SDMX_CSV || format == SP_SDMX_CSV1;
    w->csv1 = format == SP_SDMX_CSV1;
    w->json.v1 = format == SP_SDMX_JSON1;
    if (format == SP_SDMX_JSON1)
        w->format = format = SP_SDMX_JSON; /* the same writer, in its version 1.0 */
    if (w->csv)
        csv_header(w);
    else if (format == SP_SDMX_JSON)
        sp_sdmx_json_open(out, dict, &w->json);
    else
        ml_open(w);
    return w;
}

void sp_sdmx_writer_obs(sp_sdmx_writer_t *w, const sp_sdmx_obs_t *o)
{
    if (w->csv)
        csv_obs(w, o);
    else if (w->format == SP_SDMX_JSON)
        sp_sdmx_json_obs(w->out, w->dict, &w->json, o, w->history, w->detail);
    else
        ml_obs(w, o);
}

void sp_sdmx_writer_close(sp_sdmx_writer_t *w)
{
    if (w->format == SP_SDMX_JSON)
        sp_sdmx_json_close(w->out, &w->json);
    if (!w->csv && w->format != SP_SDMX_JSON) {
        /* An answer without observations is one empty data set. */
        if (!w->in_set) {
            w->history = false; /* no validity to give */
            ml_set_open(w, NULL);
        }
        xmlTextWriterEndDocument(w->x); /* closes every open element */
        xmlFreeTextWriter(w->x);
    }
    fflush(w->out);
    free(w);
}
