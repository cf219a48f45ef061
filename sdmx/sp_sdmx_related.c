/*
 * sp_sdmx_related.c: the artefacts that come with statpipe's data structure. The senders are
 * the agencies of an agency scheme and the data providers of a data provider scheme, each
 * with a provision agreement for the dataflow; a category scheme of the domains the
 * composite index measures (access, use, impact) files the dataflow under each (a
 * categorisation each), as data portals browse it; and a
 * hierarchical code list gives the nation's province-level areas and those that make up the
 * national total (stats.region's in_national_total), the hierarchy statpipe's regional
 * roll-ups use.
 */
#include "sp_sdmx_int.h"
#include "sp_pg.h"

#include <string.h>

/* A scheme of the senders (AgencyScheme or DataProviderScheme) with the items asked for. */
static int sender_scheme(xmlTextWriterPtr x, const PGresult *senders,
                         const sp_sdmx_selection_t *sel, int a, const char *element,
                         const char *cls, const char *item, const char *item_cls, const char *zh,
                         const char *en)
{
    int stub = sp_sdmx_stub_mode(sel, a), n = 0;
    const char *items = sp_sdmx_items_of(sel, a);
    sp_sdmx_maintainable(x, element, cls, sp_sdmx_artefact_id(a), stub);
    sp_sdmx_names(x, zh, en);
    if (stub == SP_SDMX_COMPLETE_STUB)
        sp_sdmx_describe(x, "向 statpipe 报送统计数据的机构",
                         "The agencies that publish into statpipe");
    for (int i = 0; i < PQntuples(senders) && !stub; i++) {
        const char *code = PQgetvalue(senders, i, 0);
        if (!sp_sdmx_in_list(items, code))
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
                                        const sp_sdmx_selection_t *sel, bool *found,
                                        sp_error_t *err)
{
    PGresult *senders;
    if (read_senders(conn, &senders, err) != SP_OK)
        return err->code;
    xmlTextWriterStartElement(x, BAD_CAST "structure:OrganisationSchemes");
    if ((sel->want & SP_SDMX_BIT(SP_SDMX_A_AGENCIES)) &&
        !sender_scheme(x, senders, sel, SP_SDMX_A_AGENCIES, "structure:AgencyScheme",
                       "base.AgencyScheme", "structure:Agency", "Agency", "机构", "Agencies"))
        *found = false;
    if ((sel->want & SP_SDMX_BIT(SP_SDMX_A_PROVIDERS)) &&
        !sender_scheme(x, senders, sel, SP_SDMX_A_PROVIDERS, "structure:DataProviderScheme",
                       "base.DataProviderScheme", "structure:DataProvider", "DataProvider",
                       "数据提供方", "Data providers"))
        *found = false;
    xmlTextWriterEndElement(x);
    PQclear(senders);
    return SP_OK;
}

/* The categories: the pillars of the composite indices (stats.index_pillar), the domains of
 * informatization statistics (access, use, impact) the dataflow's indicators measure. */
static sp_status_t read_categories(PGconn *conn, PGresult **res, sp_error_t *err)
{
    return sp_pg_query(conn,
                       "SELECT DISTINCT ON (pillar) pillar, name_zh, name_en"
                       "  FROM stats.index_pillar ORDER BY pillar, index",
                       0, NULL, "reading the categories", res, err);
}

sp_status_t sp_sdmx_write_categories(PGconn *conn, xmlTextWriterPtr x,
                                     const sp_sdmx_selection_t *sel, bool *found, sp_error_t *err)
{
    int stub = sp_sdmx_stub_mode(sel, SP_SDMX_A_CATEGORIES), n = 0;
    const char *items = sp_sdmx_items_of(sel, SP_SDMX_A_CATEGORIES);
    PGresult *cats = NULL;
    if (!stub && read_categories(conn, &cats, err) != SP_OK)
        return err->code;
    xmlTextWriterStartElement(x, BAD_CAST "structure:CategorySchemes");
    sp_sdmx_maintainable(x, "structure:CategoryScheme", "categoryscheme.CategoryScheme",
                         SP_SDMX_CATEGORY_SCHEME, stub);
    sp_sdmx_names(x, "信息化统计领域", "Informatization statistics domains");
    if (stub == SP_SDMX_COMPLETE_STUB)
        sp_sdmx_describe(x, "综合指数的支柱：接入、应用与效益",
                         "The pillars of the composite index: access, use and impact");
    for (int i = 0; cats != NULL && i < PQntuples(cats); i++) {
        const char *id = PQgetvalue(cats, i, 0);
        if (!sp_sdmx_in_list(items, id))
            continue;
        n++;
        xmlTextWriterStartElement(x, BAD_CAST "structure:Category");
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST id);
        xmlTextWriterWriteFormatAttribute(
            x, BAD_CAST "urn", "urn:sdmx:org.sdmx.infomodel.categoryscheme.Category=%s:%s(%s).%s",
            SP_SDMX_AGENCY, SP_SDMX_CATEGORY_SCHEME, SP_SDMX_VERSION, id);
        sp_sdmx_names(x, PQgetvalue(cats, i, 1), PQgetvalue(cats, i, 2));
        xmlTextWriterEndElement(x);
    }
    if (!stub && items != NULL && strcmp(items, "all") != 0 && n == 0)
        *found = false;
    xmlTextWriterEndElement(x);
    xmlTextWriterEndElement(x);
    PQclear(cats);
    return SP_OK;
}

/* What follows an agreement's or a categorisation's names: its references (an agreement
 * keeps them in a stub too: the schema wants its dataflow and provider). */
static void categorisation_refs(xmlTextWriterPtr x, const char *code, int stub)
{
    if (stub)
        return;
    sp_sdmx_ref(x, "structure:Source", SP_SDMX_FLOW, NULL, "datastructure", "Dataflow");
    sp_sdmx_ref(x, "structure:Target", code, SP_SDMX_CATEGORY_SCHEME, "categoryscheme", "Category");
}

static void agreement_refs(xmlTextWriterPtr x, const char *code, int stub)
{
    (void)stub;
    sp_sdmx_ref(x, "structure:StructureUsage", SP_SDMX_FLOW, NULL, "datastructure", "Dataflow");
    sp_sdmx_ref(x, "structure:DataProvider", code, "DATA_PROVIDERS", "base", "DataProvider");
}

/* Artefacts made one per row of rows (code, name_zh, name_en), with id prefix + code: the
 * provision agreements (one per sender) and the categorisations (one per category). Those
 * the query names by id (sel's members), and of the codes in of; none of those named is
 * not found. The list element is written only around one or more: the schema wants no
 * empty list. */
static void per_row(xmlTextWriterPtr x, const sp_sdmx_selection_t *sel, int a, const PGresult *rows,
                    const char *of, const char *prefix, const char *list, const char *element,
                    const char *cls, const char *zh, const char *en,
                    void (*refs)(xmlTextWriterPtr, const char *, int), bool *found)
{
    int stub = sp_sdmx_stub_mode(sel, a), n = 0;
    bool named = (sel->self & SP_SDMX_BIT(a)) != 0;
    const char *only = named ? sel->members : NULL;
    for (int i = 0; i < PQntuples(rows); i++) {
        const char *code = PQgetvalue(rows, i, 0);
        char id[96];
        snprintf(id, sizeof(id), "%s%s", prefix, code);
        if (!sp_sdmx_in_list(only, id) || !sp_sdmx_in_list(of, code))
            continue;
        if (n++ == 0)
            xmlTextWriterStartElement(x, BAD_CAST list);
        sp_sdmx_maintainable(x, element, cls, id, stub);
        sp_sdmx_names(x, PQgetvalue(rows, i, 1), PQgetvalue(rows, i, 2));
        if (stub == SP_SDMX_COMPLETE_STUB)
            sp_sdmx_describe(x, zh, en);
        refs(x, code, stub);
        xmlTextWriterEndElement(x);
    }
    if (n > 0)
        xmlTextWriterEndElement(x);
    else if (named)
        *found = false;
}

sp_status_t sp_sdmx_write_categorisations(PGconn *conn, xmlTextWriterPtr x,
                                          const sp_sdmx_selection_t *sel, bool *found,
                                          sp_error_t *err)
{
    PGresult *cats;
    if (read_categories(conn, &cats, err) != SP_OK)
        return err->code;
    /* the categorisations of the categories asked for, when those are what the query names */
    per_row(x, sel, SP_SDMX_A_CATEGORISATION, cats, sp_sdmx_items_of(sel, SP_SDMX_A_CATEGORIES),
            "CTG_", "structure:Categorisations", "structure:Categorisation",
            "categoryscheme.Categorisation", "数据流 INFORMATIZATION 含有该领域的指标",
            "The dataflow INFORMATIZATION holds indicators of this domain", categorisation_refs,
            found);
    PQclear(cats);
    return SP_OK;
}

/* A hierarchy of the areas: CN, and under it the province-level areas (all, or those of the
 * national total). */
static void area_hierarchy(xmlTextWriterPtr x, const PGresult *areas, const char *id,
                           const char *zh, const char *en, bool total_only)
{
    xmlTextWriterStartElement(x, BAD_CAST "structure:Hierarchy");
    xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST id);
    xmlTextWriterWriteFormatAttribute(x, BAD_CAST "urn",
                                      "urn:sdmx:org.sdmx.infomodel.codelist.Hierarchy=%s:%s(%s).%s",
                                      SP_SDMX_AGENCY, SP_SDMX_HIERARCHY, SP_SDMX_VERSION, id);
    sp_sdmx_names(x, zh, en);
    for (int i = -1; i < PQntuples(areas); i++) {
        if (i >= 0 && total_only && PQgetvalue(areas, i, 1)[0] != 't')
            continue;
        const char *code = i < 0 ? "CN" : PQgetvalue(areas, i, 0);
        xmlTextWriterStartElement(x, BAD_CAST "structure:HierarchicalCode");
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST code);
        xmlTextWriterWriteFormatAttribute(
            x, BAD_CAST "urn",
            "urn:sdmx:org.sdmx.infomodel.codelist.HierarchicalCode=%s:%s(%s).%s.%s%s",
            SP_SDMX_AGENCY, SP_SDMX_HIERARCHY, SP_SDMX_VERSION, id, i < 0 ? "" : "CN.", code);
        sp_sdmx_ref(x, "structure:Code", code, "CL_AREA", "codelist", "Code");
        if (i >= 0)
            xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x); /* CN */
    xmlTextWriterEndElement(x); /* Hierarchy */
}

sp_status_t sp_sdmx_write_hierarchy(PGconn *conn, xmlTextWriterPtr x,
                                    const sp_sdmx_selection_t *sel, bool *found, sp_error_t *err)
{
    int stub = sp_sdmx_stub_mode(sel, SP_SDMX_A_HIERARCHY);
    const char *items = sp_sdmx_items_of(sel, SP_SDMX_A_HIERARCHY);
    PGresult *areas = NULL;
    if (!stub && sp_pg_query(conn,
                             "SELECT code, in_national_total FROM stats.region WHERE level = 1"
                             " ORDER BY code",
                             0, NULL, "reading the areas", &areas, err) != SP_OK)
        return err->code;
    xmlTextWriterStartElement(x, BAD_CAST "structure:HierarchicalCodelists");
    sp_sdmx_maintainable(x, "structure:HierarchicalCodelist", "codelist.HierarchicalCodelist",
                         SP_SDMX_HIERARCHY, stub);
    sp_sdmx_names(x, "地区层级", "Area hierarchies");
    if (stub == SP_SDMX_COMPLETE_STUB)
        sp_sdmx_describe(x, "全国及其省级行政区；构成全国合计的地区",
                         "The nation and its province-level areas; the areas of the national "
                         "total");
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
        bool all = sp_sdmx_in_list(items, "PROVINCES"),
             total = sp_sdmx_in_list(items, "NATIONAL_TOTAL");
        /* every province-level area, Hong Kong, Macao and Taiwan among them */
        if (all)
            area_hierarchy(x, areas, "PROVINCES", "省级行政区", "Province-level areas", false);
        /* the areas NBS and MIIT sum into the national figure (stats.region.in_national_total) */
        if (total)
            area_hierarchy(x, areas, "NATIONAL_TOTAL", "全国合计", "National total", true);
        if (!all && !total)
            *found = false;
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
    per_row(x, sel, SP_SDMX_A_AGREEMENTS, senders, NULL, "PA_", "structure:ProvisionAgreements",
            "structure:ProvisionAgreement", "registry.ProvisionAgreement",
            "该机构向数据流 INFORMATIZATION 报送数据",
            "The agency publishes into the dataflow INFORMATIZATION", agreement_refs, found);
    PQclear(senders);
    return SP_OK;
}
