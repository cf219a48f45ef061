/*
 * sp_sdmx_avail.c: data availability (the REST API's availableconstraint): the values each
 * dimension takes in the data a query selects, and the time they cover, as an actual
 * content constraint of the dataflow in a structure message, with the structures it refers
 * to when asked for. In mode=available a dimension's values are those still open given the
 * others: those of the data that match every part of the key but its own.
 */
#include "sp_sdmx_int.h"

#include <string.h>

/* The key without its part c (empty: any), in buf. */
static const char *key_without(const char *key, int c, char *buf, size_t cap)
{
    size_t k = 0;
    const char *p = key;
    for (int i = 0; i < SP_SDMX_N_DIMS; i++) {
        size_t n = p ? strcspn(p, ".") : 0;
        k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, "%s%.*s", i ? "." : "",
                              i == c ? 0 : (int)n, p ? p : "");
        p = p && p[n] == '.' ? p + n + 1 : NULL;
    }
    return buf;
}

sp_status_t sp_sdmx_available_values(PGconn *conn, const sp_sdmx_query_t *q, bool available,
                                     sp_sdmx_dict_t *d, sp_error_t *err)
{
    if (sp_sdmx_read_values(conn, q, d, err) != SP_OK)
        return err->code;
    if (!available || q->key == NULL || strcmp(q->key, "all") == 0)
        return SP_OK;
    for (int c = 0; c < SP_SDMX_N_DIMS; c++) {
        char buf[1024];
        sp_sdmx_query_t open = *q;
        open.key = key_without(q->key, c, buf, sizeof(buf));
        sp_sdmx_dict_t o = {0};
        if (sp_sdmx_read_values(conn, &open, &o, err) != SP_OK) {
            sp_sdmx_dict_free(&o);
            return err->code;
        }
        /* dimension c's values become the open ones */
        sp_sdmx_dict_value_t *v = d->values[c];
        size_t n = d->n[c];
        d->values[c] = o.values[c];
        d->n[c] = o.n[c];
        o.values[c] = v;
        o.n[c] = n;
        sp_sdmx_dict_free(&o);
    }
    return SP_OK;
}

void sp_sdmx_write_constraint(xmlTextWriterPtr x, const sp_sdmx_dict_t *d, const char *component,
                              int stub)
{
    /* The time covered: from the first day of the earliest period to the last of the
     * latest (periods sort by their first day within a frequency, not across). */
    char from[16] = "9999-12-31", to[16] = "0000-01-01", a[16], b[16];
    for (size_t i = 0; i < d->n[SP_SDMX_JSON_TIME]; i++)
        if (sp_sdmx_period_days(d->values[SP_SDMX_JSON_TIME][i].value, a, b) == SP_OK) {
            if (strcmp(a, from) < 0)
                memcpy(from, a, sizeof(from));
            if (strcmp(b, to) > 0)
                memcpy(to, b, sizeof(to));
        }
    xmlTextWriterStartElement(x, BAD_CAST "structure:Constraints");
    sp_sdmx_maintainable(x, "structure:ContentConstraint", "registry.ContentConstraint",
                         SP_SDMX_CONSTRAINT, stub);
    xmlTextWriterWriteAttribute(x, BAD_CAST "type", BAD_CAST "Actual");
    sp_sdmx_names(x, "数据可得性", "Data availability");
    if (stub == SP_SDMX_COMPLETE_STUB)
        sp_sdmx_describe(x, "数据中出现的各维度取值及其覆盖的时间",
                         "The values each dimension takes in the data, and the time covered");
    if (stub) {
        xmlTextWriterEndElement(x);
        xmlTextWriterEndElement(x);
        return;
    }
    xmlTextWriterStartElement(x, BAD_CAST "structure:ConstraintAttachment");
    sp_sdmx_ref(x, "structure:Dataflow", SP_SDMX_FLOW, NULL, "datastructure", "Dataflow");
    xmlTextWriterEndElement(x);
    xmlTextWriterStartElement(x, BAD_CAST "structure:CubeRegion");
    xmlTextWriterWriteAttribute(x, BAD_CAST "include", BAD_CAST "true");
    for (int c = 0; c < SP_SDMX_N_DIMS; c++) {
        if ((component != NULL && strcmp(component, sp_sdmx_dim_id[c]) != 0) || d->n[c] == 0)
            continue;
        xmlTextWriterStartElement(x, BAD_CAST "common:KeyValue");
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST sp_sdmx_dim_id[c]);
        for (size_t i = 0; i < d->n[c]; i++)
            xmlTextWriterWriteElement(x, BAD_CAST "common:Value", BAD_CAST d->values[c][i].value);
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x); /* CubeRegion */
    if (d->n[SP_SDMX_JSON_TIME] > 0) {
        xmlTextWriterStartElement(x, BAD_CAST "structure:ReferencePeriod");
        xmlTextWriterWriteFormatAttribute(x, BAD_CAST "startTime", "%sT00:00:00", from);
        xmlTextWriterWriteFormatAttribute(x, BAD_CAST "endTime", "%sT23:59:59", to);
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x); /* ContentConstraint */
    xmlTextWriterEndElement(x); /* Constraints */
}

sp_status_t sp_sdmx_write_availability(PGconn *conn, const sp_sdmx_query_t *q,
                                       const char *component, bool available, sp_sdmx_set_t parts,
                                       FILE *out, bool *found, sp_error_t *err)
{
    sp_sdmx_dict_t d = {0};
    if (sp_sdmx_available_values(conn, q, available, &d, err) != SP_OK) {
        sp_sdmx_dict_free(&d);
        return err->code;
    }
    /* No data for the key is an answer too: an empty region, and empty code lists. */
    *found = true;
    /* The data providers: the one the query names, or every one. */
    sp_sdmx_selection_t sel = {.want = parts};
    if (q->provider != NULL) {
        sel.self = SP_SDMX_BIT(SP_SDMX_A_PROVIDERS);
        sel.items = q->provider;
    }
    bool any = true;
    xmlTextWriterPtr x = sp_sdmx_structure_open(out);
    sp_status_t st = sp_sdmx_structure_parts(conn, x, &sel, &d, &any, err);
    if (st == SP_OK)
        sp_sdmx_write_constraint(x, &d, component, 0);
    xmlTextWriterEndDocument(x);
    xmlFreeTextWriter(x);
    sp_sdmx_dict_free(&d);
    fflush(out);
    if (st == SP_OK && ferror(out))
        st = sp_error_set(err, SP_ERR_IO, "writing the SDMX availability failed");
    return st;
}
