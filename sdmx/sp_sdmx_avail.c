/*
 * sp_sdmx_avail.c: data availability (the REST API's availableconstraint): the values each
 * dimension takes in the data a query selects, and the time they cover, as an actual
 * content constraint of the dataflow in a structure message, with the structures it refers
 * to when asked for.
 */
#include "sp_sdmx_int.h"

#include <string.h>

sp_status_t sp_sdmx_write_availability(PGconn *conn, const sp_sdmx_query_t *q,
                                       const char *component, unsigned parts, FILE *out,
                                       bool *found, sp_error_t *err)
{
    sp_sdmx_dict_t d = {0};
    if (sp_sdmx_read_values(conn, q, &d, err) != SP_OK) {
        sp_sdmx_dict_free(&d);
        return err->code;
    }
    /* No data for the key is an answer too: an empty region, and empty code lists. */
    *found = true;
    /* The time covered: from the first day of the earliest period to the last of the
     * latest (periods sort by their first day within a frequency, not across). */
    char from[16] = "9999-12-31", to[16] = "0000-01-01", a[16], b[16];
    for (size_t i = 0; i < d.n[SP_SDMX_JSON_TIME]; i++)
        if (sp_sdmx_period_days(d.values[SP_SDMX_JSON_TIME][i].value, a, b) == SP_OK) {
            if (strcmp(a, from) < 0)
                memcpy(from, a, sizeof(from));
            if (strcmp(b, to) > 0)
                memcpy(to, b, sizeof(to));
        }
    xmlTextWriterPtr x = sp_sdmx_structure_open(out);
    sp_status_t st = sp_sdmx_structure_parts(conn, x, parts, 0, NULL, NULL, &d, err);
    xmlTextWriterStartElement(x, BAD_CAST "structure:Constraints");
    xmlTextWriterStartElement(x, BAD_CAST "structure:ContentConstraint");
    xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST "CC_AVAILABILITY");
    xmlTextWriterWriteAttribute(
        x, BAD_CAST "urn",
        BAD_CAST "urn:sdmx:org.sdmx.infomodel.registry.ContentConstraint=" SP_SDMX_AGENCY
                 ":CC_AVAILABILITY(" SP_SDMX_VERSION ")");
    xmlTextWriterWriteAttribute(x, BAD_CAST "agencyID", BAD_CAST SP_SDMX_AGENCY);
    xmlTextWriterWriteAttribute(x, BAD_CAST "version", BAD_CAST SP_SDMX_VERSION);
    xmlTextWriterWriteAttribute(x, BAD_CAST "isFinal", BAD_CAST "false");
    xmlTextWriterWriteAttribute(x, BAD_CAST "type", BAD_CAST "Actual");
    xmlTextWriterStartElement(x, BAD_CAST "common:Name");
    xmlTextWriterWriteAttribute(x, BAD_CAST "xml:lang", BAD_CAST "en");
    xmlTextWriterWriteString(x, BAD_CAST "Data availability");
    xmlTextWriterEndElement(x);
    xmlTextWriterStartElement(x, BAD_CAST "common:Name");
    xmlTextWriterWriteAttribute(x, BAD_CAST "xml:lang", BAD_CAST "zh");
    xmlTextWriterWriteString(x, BAD_CAST "数据可得性");
    xmlTextWriterEndElement(x);
    xmlTextWriterStartElement(x, BAD_CAST "structure:ConstraintAttachment");
    xmlTextWriterStartElement(x, BAD_CAST "structure:Dataflow");
    xmlTextWriterStartElement(x, BAD_CAST "Ref");
    xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST SP_SDMX_FLOW);
    xmlTextWriterWriteAttribute(x, BAD_CAST "agencyID", BAD_CAST SP_SDMX_AGENCY);
    xmlTextWriterWriteAttribute(x, BAD_CAST "version", BAD_CAST SP_SDMX_VERSION);
    xmlTextWriterEndElement(x);
    xmlTextWriterEndElement(x);
    xmlTextWriterEndElement(x);
    xmlTextWriterStartElement(x, BAD_CAST "structure:CubeRegion");
    xmlTextWriterWriteAttribute(x, BAD_CAST "include", BAD_CAST "true");
    for (int c = 0; c < SP_SDMX_N_DIMS; c++) {
        if ((component != NULL && strcmp(component, sp_sdmx_dim_id[c]) != 0) || d.n[c] == 0)
            continue;
        xmlTextWriterStartElement(x, BAD_CAST "common:KeyValue");
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST sp_sdmx_dim_id[c]);
        for (size_t i = 0; i < d.n[c]; i++)
            xmlTextWriterWriteElement(x, BAD_CAST "common:Value", BAD_CAST d.values[c][i].value);
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x); /* CubeRegion */
    if (d.n[SP_SDMX_JSON_TIME] > 0) {
        xmlTextWriterStartElement(x, BAD_CAST "structure:ReferencePeriod");
        xmlTextWriterWriteFormatAttribute(x, BAD_CAST "startTime", "%sT00:00:00", from);
        xmlTextWriterWriteFormatAttribute(x, BAD_CAST "endTime", "%sT23:59:59", to);
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndDocument(x);
    xmlFreeTextWriter(x);
    sp_sdmx_dict_free(&d);
    fflush(out);
    if (st == SP_OK && ferror(out))
        st = sp_error_set(err, SP_ERR_IO, "writing the SDMX availability failed");
    return st;
}
