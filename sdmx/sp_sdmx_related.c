/*
 * sp_sdmx_related.c: the artefacts that come with statpipe's data structure. The senders are
 * the agencies of an agency scheme and the data providers of a data provider scheme, each
 * with a provision agreement for the dataflow; a category scheme files the dataflow under
 * the informatization strategy (a categorisation), as data portals browse it; and a
 * hierarchical code list gives the areas that make up the national total (stats.region's
 * in_national_total), the hierarchy statpipe's regional roll-ups use.
 */
#include "sp_sdmx_int.h"
#include "sp_pg.h"

#include <string.h>

/* A scheme of the senders (AgencyScheme or DataProviderScheme) with the items asked for. */
static int sender_scheme(xmlTextWriterPtr x, const PGresult *senders,
                         const sp_sdmx_selection_t *sel, const sp_sdmx_dict_t *used, int a,
                         const char *element, const char *cls, const char *item,
                         const char *item_cls, const char *zh, const char *en)
{
    int stub = sp_sdmx_stub_mode(sel, a), n = 0;
    const char *items = sp_sdmx_items_of(sel, a);
    sp_sdmx_maintainable(x, element, cls, sp_sdmx_artefact_id(a), stub);
    sp_sdmx_names(x, zh, en);
    if (stub == 2)
        sp_sdmx_describe(x, "向 statpipe 报送统计数据的机构",
                         "The agencies that publish into statpipe");
    for (int i = 0; i < PQntuples(senders) && !stub; i++) {
        const char *code = PQgetvalue(senders, i, 0);
        if (!sp_sdmx_in_list(items, code) ||
            (used != NULL && sp_sdmx_dict_find(used, SP_SDMX_SENDER, code) < 0))
            continue;
        n++;
        xmlTextWriterStartElement(x, BAD_CAST item);
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST code);
        xmlTextWriterWriteFormatAttribute(
            x, BAD_CAST "urn", "urn:sdmx:org.sdmx.infomodel.base.%s=%s:%s(%s).%s", item_cls,
            SP_SDMX_AGENCY, sp_sdmx_artefact_id(a), SP_SDMX_VERSION, code);
        sp_sdmx_names(x, PQgetvalue(senders, i, 1), PQgetvalue(senders, i, 2));
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x);
    return stub || items == NULL || strcmp(items, "all") == 0 || n > 0;
}

static sp_status_t read_senders(PGconn *conn, PGresult **res, sp_error_t *err)
{
    return sp_pg_query(conn, "SELECT code, name_zh, name_en FROM stats.sender ORDER BY code", 0,
                       NULL, "reading the senders", res, err);
}

sp_status_t sp_sdmx_write_organisations(PGconn *conn, xmlTextWriterPtr x,
                                        const sp_sdmx_selection_t *sel, const sp_sdmx_dict_t *used,
                                        bool *found, sp_error_t *err)
{
    PGresult *senders;
    if (read_senders(conn, &senders, err) != SP_OK)
        return err->code;
    xmlTextWriterStartElement(x, BAD_CAST "structure:OrganisationSchemes");
    if ((sel->want & SP_SDMX_BIT(SP_SDMX_A_AGENCIES)) &&
        !sender_scheme(x, senders, sel, NULL, SP_SDMX_A_AGENCIES, "structure:AgencyScheme",
                       "base.AgencyScheme", "structure:Agency", "Agency", "机构", "Agencies"))
        *found = false;
    if ((sel->want & SP_SDMX_BIT(SP_SDMX_A_PROVIDERS)) &&
        !sender_scheme(x, senders, sel, used, SP_SDMX_A_PROVIDERS, "structure:DataProviderScheme",
                       "base.DataProviderScheme", "structure:DataProvider", "DataProvider",
                       "数据提供方", "Data providers"))
        *found = false;
    xmlTextWriterEndElement(x);
    PQclear(senders);
    return SP_OK;
}

void sp_sdmx_write_categories(xmlTextWriterPtr x, const sp_sdmx_selection_t *sel, bool *found)
{
    int stub = sp_sdmx_stub_mode(sel, SP_SDMX_A_CATEGORIES);
    const char *items = sp_sdmx_items_of(sel, SP_SDMX_A_CATEGORIES);
    xmlTextWriterStartElement(x, BAD_CAST "structure:CategorySchemes");
    sp_sdmx_maintainable(x, "structure:CategoryScheme", "categoryscheme.CategoryScheme",
                         SP_SDMX_CATEGORY_SCHEME, stub);
    sp_sdmx_names(x, "statpipe 统计主题", "statpipe statistical domains");
    if (stub == 2)
        sp_sdmx_describe(x, "statpipe 数据流的主题分类", "The domains of statpipe's dataflows");
    if (!stub && sp_sdmx_in_list(items, SP_SDMX_FLOW)) {
        xmlTextWriterStartElement(x, BAD_CAST "structure:Category");
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST SP_SDMX_FLOW);
        xmlTextWriterWriteAttribute(
            x, BAD_CAST "urn",
            BAD_CAST "urn:sdmx:org.sdmx.infomodel.categoryscheme.Category=" SP_SDMX_AGENCY
                     ":" SP_SDMX_CATEGORY_SCHEME "(" SP_SDMX_VERSION ")." SP_SDMX_FLOW);
        sp_sdmx_names(x, "国家信息化发展战略", "National informatization development strategy");
        xmlTextWriterEndElement(x);
    } else if (!stub) {
        *found = false;
    }
    xmlTextWriterEndElement(x);
    xmlTextWriterEndElement(x);
}

void sp_sdmx_write_categorisations(xmlTextWriterPtr x, const sp_sdmx_selection_t *sel)
{
    int stub = sp_sdmx_stub_mode(sel, SP_SDMX_A_CATEGORISATION);
    xmlTextWriterStartElement(x, BAD_CAST "structure:Categorisations");
    sp_sdmx_maintainable(x, "structure:Categorisation", "categoryscheme.Categorisation",
                         SP_SDMX_CATEGORISATION, stub);
    sp_sdmx_names(x, "信息化统计监测数据流的主题", "The domain of the informatization dataflow");
    if (stub == 2)
        sp_sdmx_describe(x, "数据流 INFORMATIZATION 属于国家信息化发展战略主题",
                         "The dataflow INFORMATIZATION is filed under the strategy");
    if (!stub) {
        sp_sdmx_ref(x, "structure:Source", SP_SDMX_FLOW, NULL, "datastructure", "Dataflow");
        sp_sdmx_ref(x, "structure:Target", SP_SDMX_FLOW, SP_SDMX_CATEGORY_SCHEME, "categoryscheme",
                    "Category");
    }
    xmlTextWriterEndElement(x);
    xmlTextWriterEndElement(x);
}

sp_status_t sp_sdmx_write_hierarchy(PGconn *conn, xmlTextWriterPtr x,
                                    const sp_sdmx_selection_t *sel, sp_error_t *err)
{
    int stub = sp_sdmx_stub_mode(sel, SP_SDMX_A_HIERARCHY);
    PGresult *areas = NULL;
    if (!stub &&
        sp_pg_query(conn, "SELECT code FROM stats.region WHERE in_national_total ORDER BY code", 0,
                    NULL, "reading the areas", &areas, err) != SP_OK)
        return err->code;
    xmlTextWriterStartElement(x, BAD_CAST "structure:HierarchicalCodelists");
    sp_sdmx_maintainable(x, "structure:HierarchicalCodelist", "codelist.HierarchicalCodelist",
                         SP_SDMX_HIERARCHY, stub);
    sp_sdmx_names(x, "地区层级", "Area hierarchy");
    if (stub == 2)
        sp_sdmx_describe(x, "构成全国合计的地区", "The areas that make up the national total");
    if (!stub) {
        xmlTextWriterStartElement(x, BAD_CAST "structure:IncludedCodelist");
        xmlTextWriterWriteAttribute(x, BAD_CAST "alias", BAD_CAST "AREA");
        xmlTextWriterStartElement(x, BAD_CAST "Ref");
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST "CL_AREA");
        xmlTextWriterWriteAttribute(x, BAD_CAST "version", BAD_CAST SP_SDMX_VERSION);
        xmlTextWriterWriteAttribute(x, BAD_CAST "agencyID", BAD_CAST SP_SDMX_AGENCY);
        xmlTextWriterWriteAttribute(x, BAD_CAST "package", BAD_CAST "codelist");
        xmlTextWriterWriteAttribute(x, BAD_CAST "class", BAD_CAST "Codelist");
        xmlTextWriterEndElement(x);
        xmlTextWriterEndElement(x);
        xmlTextWriterStartElement(x, BAD_CAST "structure:Hierarchy");
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST "NATIONAL_TOTAL");
        xmlTextWriterWriteAttribute(x, BAD_CAST "urn",
                                    BAD_CAST
                                    "urn:sdmx:org.sdmx.infomodel.codelist.Hierarchy=" SP_SDMX_AGENCY
                                    ":" SP_SDMX_HIERARCHY "(" SP_SDMX_VERSION ").NATIONAL_TOTAL");
        sp_sdmx_names(x, "全国合计", "National total");
        /* CN, and under it every area of the total */
        for (int i = -1; i < PQntuples(areas); i++) {
            const char *code = i < 0 ? "CN" : PQgetvalue(areas, i, 0);
            xmlTextWriterStartElement(x, BAD_CAST "structure:HierarchicalCode");
            xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST code);
            xmlTextWriterWriteFormatAttribute(x, BAD_CAST "urn",
                                              "urn:sdmx:org.sdmx.infomodel.codelist."
                                              "HierarchicalCode=%s:%s(%s).NATIONAL_TOTAL.%s%s",
                                              SP_SDMX_AGENCY, SP_SDMX_HIERARCHY, SP_SDMX_VERSION,
                                              i < 0 ? "" : "CN.", code);
            sp_sdmx_ref(x, "structure:Code", code, "CL_AREA", "codelist", "Code");
            if (i >= 0)
                xmlTextWriterEndElement(x);
        }
        xmlTextWriterEndElement(x); /* CN */
        xmlTextWriterEndElement(x); /* Hierarchy */
    }
    xmlTextWriterEndElement(x);
    xmlTextWriterEndElement(x);
    PQclear(areas);
    return SP_OK;
}

sp_status_t sp_sdmx_write_agreements(PGconn *conn, xmlTextWriterPtr x,
                                     const sp_sdmx_selection_t *sel, bool *found, sp_error_t *err)
{
    PGresult *senders;
    if (read_senders(conn, &senders, err) != SP_OK)
        return err->code;
    int stub = sp_sdmx_stub_mode(sel, SP_SDMX_A_AGREEMENTS), n = 0;
    const char *only = (sel->self & SP_SDMX_BIT(SP_SDMX_A_AGREEMENTS)) ? sel->agreement : NULL;
    xmlTextWriterStartElement(x, BAD_CAST "structure:ProvisionAgreements");
    for (int i = 0; i < PQntuples(senders); i++) {
        const char *code = PQgetvalue(senders, i, 0);
        char id[96];
        snprintf(id, sizeof(id), "PA_%s", code);
        if (!sp_sdmx_in_list(only, id))
            continue;
        n++;
        sp_sdmx_maintainable(x, "structure:ProvisionAgreement", "registry.ProvisionAgreement", id,
                             stub);
        sp_sdmx_names(x, PQgetvalue(senders, i, 1), PQgetvalue(senders, i, 2));
        if (stub == 2)
            sp_sdmx_describe(x, "该机构向数据流 INFORMATIZATION 报送数据",
                             "The agency publishes into the dataflow INFORMATIZATION");
        if (!stub) {
            sp_sdmx_ref(x, "structure:StructureUsage", SP_SDMX_FLOW, NULL, "datastructure",
                        "Dataflow");
            sp_sdmx_ref(x, "structure:DataProvider", code, "DATA_PROVIDERS", "base",
                        "DataProvider");
        }
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x);
    PQclear(senders);
    if (n == 0)
        *found = false;
    return SP_OK;
}
