/*
 * sp_sdmx_structure.c: the structure message (SDMX-ML 2.1): statpipe's dataflow, its data
 * structure definition, the concept scheme of its components and their code lists, the
 * codes read from stats.sdmx_code, with the artefacts that come with them
 * (sp_sdmx_related.c, sp_sdmx_avail.c) in the order the schema gives. Names are given in
 * Chinese and English (xml:lang).
 */
#include "sp_sdmx_int.h"
#include "sp_pg.h"

#include <string.h>

typedef enum { DIM, TIME, MEASURE, ATTR } kind_t;

/* The components of the data structure, in its order, with their concepts and code lists. */
static const struct {
    const char *id, *name_zh, *name_en, *codelist;
    kind_t kind;
} components[] = {
    {"INDICATOR", "指标", "Indicator", "CL_INDICATOR", DIM},
    {"REF_AREA", "地区", "Reference area", "CL_AREA", DIM},
    {"FREQ", "频率", "Frequency", "CL_FREQ", DIM},
    {"SENDER", "报送机构", "Sender", "CL_SENDER", DIM},
    {"CALC_BASIS", "计算口径", "Calculation basis", "CL_CALC_BASIS", DIM},
    {"BREAKDOWN", "分组", "Breakdown", "CL_BREAKDOWN", DIM},
    {"TIME_PERIOD", "时间", "Time period", NULL, TIME},
    {"OBS_VALUE", "观测值", "Observation value", NULL, MEASURE},
    {"UNIT_MEASURE", "计量单位", "Unit of measure", "CL_UNIT", ATTR},
    {"UNIT_MULT", "单位乘数", "Unit multiplier", "CL_UNIT_MULT", ATTR},
    {"OBS_STATUS", "观测值状态", "Observation status", "CL_OBS_STATUS", ATTR},
    {"CONF_STATUS", "保密状态", "Confidentiality status", "CL_CONF_STATUS", ATTR},
    {"COMMENT", "注释", "Comment", NULL, ATTR},
};
#define N_COMPONENTS (sizeof(components) / sizeof(components[0]))

void sp_sdmx_names(xmlTextWriterPtr x, const char *zh, const char *en)
{
    xmlTextWriterStartElement(x, BAD_CAST "common:Name");
    xmlTextWriterWriteAttribute(x, BAD_CAST "xml:lang", BAD_CAST "zh");
    xmlTextWriterWriteString(x, BAD_CAST zh);
    xmlTextWriterEndElement(x);
    xmlTextWriterStartElement(x, BAD_CAST "common:Name");
    xmlTextWriterWriteAttribute(x, BAD_CAST "xml:lang", BAD_CAST "en");
    xmlTextWriterWriteString(x, BAD_CAST en);
    xmlTextWriterEndElement(x);
}

/* A complete stub's description, in both languages. */
void sp_sdmx_describe(xmlTextWriterPtr x, const char *zh, const char *en)
{
    xmlTextWriterStartElement(x, BAD_CAST "common:Description");
    xmlTextWriterWriteAttribute(x, BAD_CAST "xml:lang", BAD_CAST "zh");
    xmlTextWriterWriteString(x, BAD_CAST zh);
    xmlTextWriterEndElement(x);
    xmlTextWriterStartElement(x, BAD_CAST "common:Description");
    xmlTextWriterWriteAttribute(x, BAD_CAST "xml:lang", BAD_CAST "en");
    xmlTextWriterWriteString(x, BAD_CAST en);
    xmlTextWriterEndElement(x);
}

/* Starts a maintainable artefact: id, the agency, version 1.0 and its URN; a stub says it
 * is given by reference only. */
void sp_sdmx_maintainable(xmlTextWriterPtr x, const char *element, const char *cls, const char *id,
                          int stub)
{
    xmlTextWriterStartElement(x, BAD_CAST element);
    xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST id);
    xmlTextWriterWriteFormatAttribute(x, BAD_CAST "urn", "urn:sdmx:org.sdmx.infomodel.%s=%s:%s(%s)",
                                      cls, SP_SDMX_AGENCY, id, SP_SDMX_VERSION);
    xmlTextWriterWriteAttribute(x, BAD_CAST "agencyID", BAD_CAST SP_SDMX_AGENCY);
    xmlTextWriterWriteAttribute(x, BAD_CAST "version", BAD_CAST SP_SDMX_VERSION);
    xmlTextWriterWriteAttribute(x, BAD_CAST "isFinal", BAD_CAST "false");
    if (stub)
        xmlTextWriterWriteAttribute(x, BAD_CAST "isExternalReference", BAD_CAST "true");
}

void sp_sdmx_ref(xmlTextWriterPtr x, const char *element, const char *id, const char *parent,
                 const char *package, const char *cls)
{
    xmlTextWriterStartElement(x, BAD_CAST element);
    xmlTextWriterStartElement(x, BAD_CAST "Ref");
    xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST id);
    if (parent != NULL) {
        xmlTextWriterWriteAttribute(x, BAD_CAST "maintainableParentID", BAD_CAST parent);
        xmlTextWriterWriteAttribute(x, BAD_CAST "maintainableParentVersion",
                                    BAD_CAST SP_SDMX_VERSION);
    } else {
        xmlTextWriterWriteAttribute(x, BAD_CAST "version", BAD_CAST SP_SDMX_VERSION);
    }
    xmlTextWriterWriteAttribute(x, BAD_CAST "agencyID", BAD_CAST SP_SDMX_AGENCY);
    xmlTextWriterWriteAttribute(x, BAD_CAST "package", BAD_CAST package);
    xmlTextWriterWriteAttribute(x, BAD_CAST "class", BAD_CAST cls);
    xmlTextWriterEndElement(x);
    xmlTextWriterEndElement(x);
}

bool sp_sdmx_in_list(const char *list, const char *id)
{
    if (list == NULL || strcmp(list, "all") == 0)
        return true;
    size_t n = strlen(id);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, "+");
        if (k == n && strncmp(p, id, n) == 0)
            return true;
        p += k + (p[k] == '+');
    }
    return false;
}

int sp_sdmx_stub_mode(const sp_sdmx_selection_t *sel, int a)
{
    return !(sel->stubs & SP_SDMX_BIT(a)) ? 0
           : sel->complete                ? SP_SDMX_COMPLETE_STUB
                                          : SP_SDMX_STUB;
}

const char *sp_sdmx_items_of(const sp_sdmx_selection_t *sel, int a)
{
    return (sel->self & SP_SDMX_BIT(a)) ? sel->items : NULL;
}

/* The artefact of a code list. */
static int codelist_node(const char *cl)
{
    for (int a = SP_SDMX_A_CODELIST; a < SP_SDMX_A_CODELIST + 10; a++)
        if (strcmp(sp_sdmx_artefact_id(a), cl) == 0)
            return a;
    return -1;
}

/* Whether the answer whose values are in d has value v of component c (the index of the
 * component in the structure, which d keeps without the measure). */
static bool answer_has(const sp_sdmx_dict_t *d, size_t c, const char *v)
{
    return sp_sdmx_dict_find(d, (int)(c < 7 ? c : c - 1), v) >= 0;
}

static void codelists(xmlTextWriterPtr x, const PGresult *codes, const sp_sdmx_selection_t *sel,
                      const sp_sdmx_dict_t *used, bool *found)
{
    xmlTextWriterStartElement(x, BAD_CAST "structure:Codelists");
    for (size_t c = 0; c < N_COMPONENTS; c++) {
        const char *cl = components[c].codelist;
        int a = cl != NULL ? codelist_node(cl) : -1;
        if (a < 0 || !(sel->want & SP_SDMX_BIT(a)))
            continue;
        int stub = sp_sdmx_stub_mode(sel, a);
        const char *items = sp_sdmx_items_of(sel, a);
        int n_items = 0;
        sp_sdmx_maintainable(x, "structure:Codelist", "codelist.Codelist", cl, stub);
        sp_sdmx_names(x, components[c].name_zh, components[c].name_en);
        if (stub == SP_SDMX_COMPLETE_STUB)
            sp_sdmx_describe(x, "由 statpipe 目录生成的代码表",
                             "A code list of statpipe's catalogue");
        for (int i = 0; i < PQntuples(codes) && !stub; i++) {
            if (strcmp(PQgetvalue(codes, i, 0), cl) != 0 ||
                !sp_sdmx_in_list(items, PQgetvalue(codes, i, 1)) ||
                (used != NULL && !answer_has(used, c, PQgetvalue(codes, i, 1))))
                continue;
            n_items++;
            xmlTextWriterStartElement(x, BAD_CAST "structure:Code");
            xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST PQgetvalue(codes, i, 1));
            xmlTextWriterWriteFormatAttribute(
                x, BAD_CAST "urn", "urn:sdmx:org.sdmx.infomodel.codelist.Code=%s:%s(%s).%s",
                SP_SDMX_AGENCY, cl, SP_SDMX_VERSION, PQgetvalue(codes, i, 1));
            sp_sdmx_names(x, PQgetvalue(codes, i, 2), PQgetvalue(codes, i, 3));
            xmlTextWriterEndElement(x);
        }
        if (!stub && items != NULL && strcmp(items, "all") != 0 && n_items == 0)
            *found = false;
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x);
}

static void concepts(xmlTextWriterPtr x, const sp_sdmx_selection_t *sel, bool *found)
{
    int stub = sp_sdmx_stub_mode(sel, SP_SDMX_A_CONCEPTS), n_items = 0;
    const char *items = sp_sdmx_items_of(sel, SP_SDMX_A_CONCEPTS);
    xmlTextWriterStartElement(x, BAD_CAST "structure:Concepts");
    sp_sdmx_maintainable(x, "structure:ConceptScheme", "conceptscheme.ConceptScheme",
                         SP_SDMX_CONCEPT_SCHEME, stub);
    sp_sdmx_names(x, "statpipe 信息化统计指标概念", "statpipe informatization statistics concepts");
    if (stub == SP_SDMX_COMPLETE_STUB)
        sp_sdmx_describe(x, "statpipe 数据结构的概念", "The concepts of statpipe's data structure");
    for (size_t c = 0; c < N_COMPONENTS && !stub; c++) {
        if (!sp_sdmx_in_list(items, components[c].id))
            continue;
        n_items++;
        xmlTextWriterStartElement(x, BAD_CAST "structure:Concept");
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST components[c].id);
        xmlTextWriterWriteFormatAttribute(
            x, BAD_CAST "urn",
            "urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept=%s:CS_STATPIPE(%s).%s",
            SP_SDMX_AGENCY, SP_SDMX_VERSION, components[c].id);
        sp_sdmx_names(x, components[c].name_zh, components[c].name_en);
        xmlTextWriterEndElement(x);
    }
    if (!stub && items != NULL && strcmp(items, "all") != 0 && n_items == 0)
        *found = false;
    xmlTextWriterEndElement(x);
    xmlTextWriterEndElement(x);
}

static void component(xmlTextWriterPtr x, size_t c, int position)
{
    static const char *const element[] = {"structure:Dimension", "structure:TimeDimension",
                                          "structure:PrimaryMeasure", "structure:Attribute"};
    kind_t k = components[c].kind;
    xmlTextWriterStartElement(x, BAD_CAST element[k]);
    xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST components[c].id);
    if (k == DIM || k == TIME)
        xmlTextWriterWriteFormatAttribute(x, BAD_CAST "position", "%d", position);
    if (k == ATTR)
        xmlTextWriterWriteAttribute(
            x, BAD_CAST "assignmentStatus",
            BAD_CAST(strcmp(components[c].id, "COMMENT") == 0 ? "Conditional" : "Mandatory"));
    sp_sdmx_ref(x, "structure:ConceptIdentity", components[c].id, "CS_STATPIPE", "conceptscheme",
                "Concept");
    xmlTextWriterStartElement(x, BAD_CAST "structure:LocalRepresentation");
    if (components[c].codelist != NULL) {
        sp_sdmx_ref(x, "structure:Enumeration", components[c].codelist, NULL, "codelist",
                    "Codelist");
    } else {
        xmlTextWriterStartElement(x, BAD_CAST "structure:TextFormat");
        xmlTextWriterWriteAttribute(x, BAD_CAST "textType",
                                    BAD_CAST(k == TIME      ? "ObservationalTimePeriod"
                                             : k == MEASURE ? "Decimal"
                                                            : "String"));
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x);
    if (k == ATTR) {
        xmlTextWriterStartElement(x, BAD_CAST "structure:AttributeRelationship");
        xmlTextWriterStartElement(x, BAD_CAST "structure:PrimaryMeasure");
        xmlTextWriterStartElement(x, BAD_CAST "Ref");
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST "OBS_VALUE");
        xmlTextWriterEndElement(x);
        xmlTextWriterEndElement(x);
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x);
}

static void data_structure(xmlTextWriterPtr x, int stub)
{
    xmlTextWriterStartElement(x, BAD_CAST "structure:DataStructures");
    sp_sdmx_maintainable(x, "structure:DataStructure", "datastructure.DataStructure", SP_SDMX_DSD,
                         stub);
    sp_sdmx_names(x, "国家信息化发展战略统计监测数据结构",
                  "Informatization strategy monitoring data structure");
    if (stub == SP_SDMX_COMPLETE_STUB)
        sp_sdmx_describe(x, "statpipe 观测值的数据结构",
                         "The data structure of statpipe's observations");
    if (stub) {
        xmlTextWriterEndElement(x);
        xmlTextWriterEndElement(x);
        return;
    }
    xmlTextWriterStartElement(x, BAD_CAST "structure:DataStructureComponents");
    static const struct {
        const char *element, *id;
        kind_t kinds[2];
    } lists[] = {{"structure:DimensionList", "DimensionDescriptor", {DIM, TIME}},
                 {"structure:AttributeList", "AttributeDescriptor", {ATTR, ATTR}},
                 {"structure:MeasureList", "MeasureDescriptor", {MEASURE, MEASURE}}};
    for (size_t l = 0; l < 3; l++) {
        xmlTextWriterStartElement(x, BAD_CAST lists[l].element);
        xmlTextWriterWriteAttribute(x, BAD_CAST "id", BAD_CAST lists[l].id);
        int position = 0;
        for (size_t c = 0; c < N_COMPONENTS; c++)
            if (components[c].kind == lists[l].kinds[0] || components[c].kind == lists[l].kinds[1])
                component(x, c, ++position);
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x);
    xmlTextWriterEndElement(x);
    xmlTextWriterEndElement(x);
}

static void dataflow(xmlTextWriterPtr x, int stub)
{
    xmlTextWriterStartElement(x, BAD_CAST "structure:Dataflows");
    sp_sdmx_maintainable(x, "structure:Dataflow", "datastructure.Dataflow", SP_SDMX_FLOW, stub);
    sp_sdmx_names(x, "国家信息化发展战略统计监测",
                  "Informatization strategy statistical monitoring");
    if (stub == SP_SDMX_COMPLETE_STUB)
        sp_sdmx_describe(x, "statpipe 的观测值，保留每个版本",
                         "statpipe's observations, every vintage kept");
    if (!stub) /* a stub has its names alone */
        sp_sdmx_ref(x, "structure:Structure", SP_SDMX_DSD, NULL, "datastructure", "DataStructure");
    xmlTextWriterEndElement(x);
    xmlTextWriterEndElement(x);
}

xmlTextWriterPtr sp_sdmx_structure_open(FILE *out)
{
    xmlTextWriterPtr x = sp_sdmx_xml_open(out);
    xmlTextWriterStartElement(x, BAD_CAST "message:Structure");
    xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:message", BAD_CAST SP_SDMX_NS_MESSAGE);
    xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:structure", BAD_CAST SP_SDMX_NS_STRUCTURE);
    xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:common", BAD_CAST SP_SDMX_NS_COMMON);
    sp_sdmx_xml_header(x, "STATPIPE_STRUCTURE");
    xmlTextWriterEndElement(x); /* message:Header */
    xmlTextWriterStartElement(x, BAD_CAST "message:Structures");
    return x;
}

sp_status_t sp_sdmx_structure_parts(PGconn *conn, xmlTextWriterPtr x,
                                    const sp_sdmx_selection_t *sel, const sp_sdmx_dict_t *used,
                                    bool *found, sp_error_t *err)
{
    sp_sdmx_set_t w = sel->want;
    PGresult *codes = NULL;
    if ((w & SP_SDMX_CODELISTS) &&
        sp_pg_query(conn,
                    "SELECT codelist, code, name_zh, name_en FROM stats.sdmx_code"
                    " ORDER BY codelist, code",
                    0, NULL, "reading the SDMX code lists", &codes, err) != SP_OK)
        return err->code;
    sp_status_t st = SP_OK;
    if (w & (SP_SDMX_BIT(SP_SDMX_A_AGENCIES) | SP_SDMX_BIT(SP_SDMX_A_PROVIDERS)))
        st = sp_sdmx_write_organisations(conn, x, sel, found, err);
    if (st == SP_OK && (w & SP_SDMX_BIT(SP_SDMX_A_DATAFLOW)))
        dataflow(x, sp_sdmx_stub_mode(sel, SP_SDMX_A_DATAFLOW));
    if (st == SP_OK && (w & SP_SDMX_BIT(SP_SDMX_A_CATEGORIES)))
        st = sp_sdmx_write_categories(conn, x, sel, found, err);
    if (st == SP_OK && (w & SP_SDMX_BIT(SP_SDMX_A_CATEGORISATION)))
        st = sp_sdmx_write_categorisations(conn, x, sel, found, err);
    if (st == SP_OK && (w & SP_SDMX_CODELISTS))
        codelists(x, codes, sel, used, found);
    if (st == SP_OK && (w & SP_SDMX_BIT(SP_SDMX_A_HIERARCHY)))
        st = sp_sdmx_write_hierarchy(conn, x, sel, found, err);
    if (st == SP_OK && (w & SP_SDMX_BIT(SP_SDMX_A_CONCEPTS)))
        concepts(x, sel, found);
    if (st == SP_OK && (w & SP_SDMX_BIT(SP_SDMX_A_DSD)))
        data_structure(x, sp_sdmx_stub_mode(sel, SP_SDMX_A_DSD));
    PQclear(codes);
    return st;
}

sp_status_t sp_sdmx_structure_tail(PGconn *conn, xmlTextWriterPtr x, const sp_sdmx_selection_t *sel,
                                   bool *found, sp_error_t *err)
{
    if (sel->want & SP_SDMX_BIT(SP_SDMX_A_CONSTRAINT)) {
        /* the availability of all the data the login may read */
        sp_sdmx_query_t all = {0};
        sp_sdmx_dict_t d = {0};
        sp_status_t st = sp_sdmx_available_values(conn, &all, false, &d, err);
        if (st == SP_OK)
            sp_sdmx_write_constraint(x, &d, NULL, sp_sdmx_stub_mode(sel, SP_SDMX_A_CONSTRAINT));
        sp_sdmx_dict_free(&d);
        if (st != SP_OK)
            return st;
    }
    if (sel->want & SP_SDMX_BIT(SP_SDMX_A_AGREEMENTS))
        return sp_sdmx_write_agreements(conn, x, sel, found, err);
    return SP_OK;
}

sp_status_t sp_sdmx_write_structure(PGconn *conn, const sp_sdmx_selection_t *sel, FILE *out,
                                    bool *found, sp_error_t *err)
{
    *found = true;
    xmlTextWriterPtr x = sp_sdmx_structure_open(out);
    sp_status_t st = sp_sdmx_structure_parts(conn, x, sel, NULL, found, err);
    if (st == SP_OK)
        st = sp_sdmx_structure_tail(conn, x, sel, found, err);
    xmlTextWriterEndDocument(x);
    xmlFreeTextWriter(x);
    fflush(out);
    if (st == SP_OK && ferror(out))
        st = sp_error_set(err, SP_ERR_IO, "writing the SDMX structure failed");
    return st;
}
