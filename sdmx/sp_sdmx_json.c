/*
 * sp_sdmx_json.c: a data answer as an SDMX-JSON 2.0 (or 1.0) data message. SDMX-JSON refers to each
 * dimension and attribute value by its place in the structure's list of values, so the
 * answer is read twice: once for the distinct values of each component (with their names
 * in Chinese and English), written as the structure; then row by row, each series an object
 * of observations [OBS_VALUE, UNIT_MEASURE, UNIT_MULT, OBS_STATUS, CONF_STATUS, COMMENT],
 * the value written as the exact decimal it is, the attributes as indices. The document is
 * written as it goes; jansson escapes every string in it.
 */
#include "sp_sdmx_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Components in the order of the dictionary query's first column. */
static const char *const comp_id[SP_SDMX_JSON_N] = {
    "INDICATOR",   "REF_AREA",     "FREQ",      "SENDER",     "CALC_BASIS",  "BREAKDOWN",
    "TIME_PERIOD", "UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "CONF_STATUS", "COMMENT"};
static const char *const comp_zh[SP_SDMX_JSON_N] = {
    "指标", "地区",     "频率",     "报送机构",   "计算口径", "分组",
    "时间", "计量单位", "单位乘数", "观测值状态", "保密状态", "注释"};
static const char *const comp_en[SP_SDMX_JSON_N] = {"Indicator",
                                                    "Reference area",
                                                    "Frequency",
                                                    "Sender",
                                                    "Calculation basis",
                                                    "Breakdown",
                                                    "Time period",
                                                    "Unit of measure",
                                                    "Unit multiplier",
                                                    "Observation status",
                                                    "Confidentiality status",
                                                    "Comment"};

/* A JSON string, escaped by jansson. */
static void jstr(FILE *out, const char *s)
{
    json_t *j = json_string(s);
    if (j == NULL) /* not UTF-8: statpipe's values are, so this is a name gone wrong */
        j = json_string("?");
    json_dumpf(j, out, JSON_ENCODE_ANY);
    json_decref(j);
}

static void names(FILE *out, const char *zh, const char *en)
{
    fputs("\"name\":", out);
    jstr(out, en);
    fputs(",\"names\":{\"zh\":", out);
    jstr(out, zh);
    fputs(",\"en\":", out);
    jstr(out, en);
    fputc('}', out);
}

static int by_value(const void *a, const void *b)
{
    return strcmp(((const sp_sdmx_dict_value_t *)a)->value,
                  ((const sp_sdmx_dict_value_t *)b)->value);
}

long sp_sdmx_dict_find(const sp_sdmx_dict_t *d, int c, const char *value)
{
    if (value == NULL)
        return -1;
    sp_sdmx_dict_value_t key = {.value = (char *)value};
    const sp_sdmx_dict_value_t *v = bsearch(&key, d->values[c], d->n[c], sizeof(key), by_value);
    return v ? v - d->values[c] : -1;
}

void sp_sdmx_dict_free(sp_sdmx_dict_t *d)
{
    for (int c = 0; c < SP_SDMX_JSON_N; c++) {
        for (size_t i = 0; i < d->n[c]; i++) {
            free(d->values[c][i].value);
            free(d->values[c][i].name_zh);
            free(d->values[c][i].name_en);
        }
        free(d->values[c]);
    }
    memset(d, 0, sizeof(*d));
}

void sp_sdmx_dict_add(sp_sdmx_dict_t *d, int c, const char *value, const char *zh, const char *en)
{
    if (c < 0 || c >= SP_SDMX_JSON_N)
        return;
    d->values[c] = sp_xrealloc(d->values[c], (d->n[c] + 1) * sizeof(sp_sdmx_dict_value_t));
    sp_sdmx_dict_value_t *v = &d->values[c][d->n[c]++];
    v->value = strdup(value);
    v->name_zh = strdup(zh && zh[0] ? zh : value);
    v->name_en = strdup(en && en[0] ? en : value);
}

static void component(FILE *out, const sp_sdmx_dict_t *d, int c, int key_position, bool v1)
{
    fputs("{\"id\":", out);
    jstr(out, comp_id[c]);
    fputc(',', out);
    names(out, comp_zh[c], comp_en[c]);
    if (key_position >= 0)
        fprintf(out, ",\"keyPosition\":%d", key_position);
    else
        fputs(v1 ? ",\"relationship\":{\"primaryMeasure\":\"OBS_VALUE\"}"
                 : ",\"relationship\":{\"observation\":{}}",
              out);
    if (c == SP_SDMX_JSON_TIME)
        fputs(",\"roles\":[\"TIME_PERIOD\"]", out);
    if (d->n[c] == 0) { /* an attribute no observation has: every index null, and no list
                           (2.0) or an empty one (1.0 requires it) */
        fputs(v1 ? ",\"values\":[]}" : "}", out);
        return;
    }
    fputs(",\"values\":[", out);
    for (size_t i = 0; i < d->n[c]; i++) {
        fputs(i ? ",{" : "{", out);
        if (c == SP_SDMX_JSON_COMMENT) {
            fputs("\"value\":", out);
            jstr(out, d->values[c][i].value);
        } else {
            fputs("\"id\":", out);
            jstr(out, d->values[c][i].value);
            fputc(',', out);
            names(out, d->values[c][i].name_zh, d->values[c][i].name_en);
        }
        fputc('}', out);
    }
    fputs("]}", out);
}

void sp_sdmx_json_open(FILE *out, const sp_sdmx_dict_t *d, sp_sdmx_json_state_t *s)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(out,
            "{\"meta\":{\"schema\":\"https://raw.githubusercontent.com/sdmx-twg/sdmx-json/%s/"
            "data-message/tools/schemas/%s/sdmx-json-data-schema.json\",\"id\":"
            "\"STATPIPE_DATA\",\"test\":false,\"prepared\":\"%s\",\"contentLanguages\":"
            "[\"zh\",\"en\"],\"sender\":{\"id\":\"" SP_SDMX_AGENCY "\"}},\n",
            s->v1 ? "v1.0" : "master", s->v1 ? "1.0" : "2.0.0", now);
    /* No observation: no value to describe a dimension with, and no data set. */
    s->empty = d->n[0] == 0;
    if (s->empty) {
        fputs(s->v1 ? "\"data\":{\"dataSets\":[]}}\n"
                    : "\"data\":{\"structures\":[],\"dataSets\":[]}}\n",
              out);
        return;
    }
    /* 2.0 lists the structures the data sets refer to; 1.0 has the one structure */
    fputs(s->v1 ? "\"data\":{\"structure\":" : "\"data\":{\"structures\":[", out);
    fputs("{\"links\":[{\"urn\":\"urn:sdmx:org.sdmx.infomodel."
          "datastructure.Dataflow=" SP_SDMX_AGENCY ":" SP_SDMX_FLOW "(" SP_SDMX_VERSION ")\","
          "\"rel\":\"dataflow\"}],\n\"dimensions\":{\"series\":[",
          out);
    for (int c = 0; c < SP_SDMX_N_DIMS; c++) {
        if (c)
            fputc(',', out);
        component(out, d, c, c, s->v1);
    }
    fputs("],\"observation\":[", out);
    component(out, d, SP_SDMX_JSON_TIME, SP_SDMX_N_DIMS, s->v1);
    if (s->v1) {
        fputs("]},\n\"attributes\":{\"observation\":[", out);
    } else {
        fputs("]},\n\"measures\":{\"observation\":[{\"id\":\"OBS_VALUE\",", out);
        names(out, "观测值", "Observation value");
        fputs("}]},\n\"attributes\":{\"observation\":[", out);
    }
    for (int c = SP_SDMX_JSON_TIME + 1; c < SP_SDMX_JSON_N; c++) {
        if (c > SP_SDMX_JSON_TIME + 1)
            fputc(',', out);
        component(out, d, c, -1, s->v1);
    }
    fputs(s->v1 ? "]}},\n\"dataSets\":[" : "]}}],\n\"dataSets\":[", out);
}

/* Opens a data set: its validity and action when it is one of history's. */
static void set_open(FILE *out, const sp_sdmx_obs_t *o, bool history, bool first, bool v1)
{
    /* closes the observations, the series, the series map and the data set before */
    fputs(first ? "{" : "}}}},\n{", out);
    if (!v1) /* the data set's structure, by its place in the list */
        fputs("\"structure\":0,", out);
    fputs("\"links\":[{\"urn\":\"urn:sdmx:org.sdmx.infomodel.datastructure."
          "Dataflow=" SP_SDMX_AGENCY ":" SP_SDMX_FLOW "(" SP_SDMX_VERSION ")\",\"rel\":"
          "\"dataflow\"}],\"action\":",
          out);
    fputs(history && o && o->deleted ? "\"Delete\"" : "\"Replace\"", out);
    if (history && o != NULL) {
        fputs(",\"validFrom\":", out);
        jstr(out, o->valid_from);
        if (o->valid_to != NULL) {
            fputs(",\"validTo\":", out);
            jstr(out, o->valid_to);
        }
    }
    fputs(",\"series\":{", out);
}

void sp_sdmx_json_obs(FILE *out, const sp_sdmx_dict_t *d, sp_sdmx_json_state_t *s,
                      const sp_sdmx_obs_t *o, bool history, sp_sdmx_detail_t detail)
{
    bool keys_only = detail == SP_SDMX_SERIESKEYSONLY || detail == SP_SDMX_NODATA;
    char key[64];
    int k = 0;
    for (int c = 0; c < SP_SDMX_N_DIMS; c++)
        k += snprintf(key + k, sizeof(key) - (size_t)k, c ? ":%ld" : "%ld",
                      sp_sdmx_dict_find(d, c, o->dim[c]));
    bool new_set =
        s->sets == 0 || (history && (strcmp(s->set_from, o->valid_from) != 0 ||
                                     strcmp(s->set_to, o->valid_to ? o->valid_to : "") != 0 ||
                                     s->set_deleted != o->deleted));
    if (new_set) {
        set_open(out, o, history, s->sets == 0, s->v1);
        s->sets++;
        s->series_key[0] = '\0';
        snprintf(s->set_from, sizeof(s->set_from), "%s", o->valid_from);
        snprintf(s->set_to, sizeof(s->set_to), "%s", o->valid_to ? o->valid_to : "");
        s->set_deleted = o->deleted;
    }
    if (strcmp(s->series_key, key) != 0) {
        fprintf(out, "%s\"%s\":{\"observations\":{", s->series_key[0] ? "}},\n" : "\n", key);
        snprintf(s->series_key, sizeof(s->series_key), "%s", key);
        if (keys_only)
            return;
    } else if (keys_only) {
        return;
    } else {
        fputc(',', out);
    }
    /* The value is a decimal as the database writes it: a JSON number, every digit kept. */
    fprintf(out, "\"%ld\":[%s", sp_sdmx_dict_find(d, SP_SDMX_JSON_TIME, o->time_period),
            o->value ? o->value : "null");
    const char *attr[] = {o->unit, "0", o->obs_status, o->conf_status, o->comment};
    for (int a = 0; a < 5 && detail != SP_SDMX_DATAONLY; a++) {
        long i = sp_sdmx_dict_find(d, SP_SDMX_JSON_TIME + 1 + a, attr[a]);
        if (i < 0)
            fputs(",null", out);
        else
            fprintf(out, ",%ld", i);
    }
    fputc(']', out);
}

void sp_sdmx_json_close(FILE *out, sp_sdmx_json_state_t *s)
{
    if (s->empty)
        return;
    fputs(s->series_key[0] ? "}}}}]}}\n" : "}}]}}\n", out);
}
