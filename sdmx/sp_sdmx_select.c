/*
 * sp_sdmx_select.c: what a structure query of the SDMX REST API answers. statpipe's
 * structure is a small graph of maintainable artefacts, each referring to others (its
 * children): the dataflow to its data structure, the data structure to its concept scheme
 * and code lists, the provision agreements to the dataflow and the data providers, the
 * availability constraint to the dataflow, the categorisations to the dataflow and the
 * category scheme, the hierarchical code list to the area code list. A query names
 * artefacts (resource, agency, id, version) and references= adds their relatives: parents
 * (the artefacts that refer to them), children, descendants, parents and siblings (the
 * parents' children), all of these, or the parents and children of one type.
 */
#include "sp_sdmx_int.h"

#include <string.h>

/* Each artefact: its REST resource, its id (NULL for the agreements and the
 * categorisations, which are one per sender and one per category, and whose ids begin
 * with prefix), and its children. */
static const struct {
    const char *resource, *id;
    sp_sdmx_set_t children;
    const char *prefix;
} node[SP_SDMX_A_N] = {
    [SP_SDMX_A_DATAFLOW] = {"dataflow", SP_SDMX_FLOW, SP_SDMX_BIT(SP_SDMX_A_DSD)},
    [SP_SDMX_A_DSD] = {"datastructure", SP_SDMX_DSD,
                       SP_SDMX_BIT(SP_SDMX_A_CONCEPTS) | SP_SDMX_CODELISTS},
    [SP_SDMX_A_CONCEPTS] = {"conceptscheme", SP_SDMX_CONCEPT_SCHEME, 0},
    [SP_SDMX_A_CODELIST + 0] = {"codelist", "CL_INDICATOR", 0},
    [SP_SDMX_A_CODELIST + 1] = {"codelist", "CL_AREA", 0},
    [SP_SDMX_A_CODELIST + 2] = {"codelist", "CL_FREQ", 0},
    [SP_SDMX_A_CODELIST + 3] = {"codelist", "CL_SENDER", 0},
    [SP_SDMX_A_CODELIST + 4] = {"codelist", "CL_CALC_BASIS", 0},
    [SP_SDMX_A_CODELIST + 5] = {"codelist", "CL_BREAKDOWN", 0},
    [SP_SDMX_A_CODELIST + 6] = {"codelist", "CL_UNIT", 0},
    [SP_SDMX_A_CODELIST + 7] = {"codelist", "CL_UNIT_MULT", 0},
    [SP_SDMX_A_CODELIST + 8] = {"codelist", "CL_OBS_STATUS", 0},
    [SP_SDMX_A_CODELIST + 9] = {"codelist", "CL_CONF_STATUS", 0},
    [SP_SDMX_A_AGENCIES] = {"agencyscheme", "AGENCIES", 0},
    [SP_SDMX_A_PROVIDERS] = {"dataproviderscheme", "DATA_PROVIDERS", 0},
    [SP_SDMX_A_AGREEMENTS] = {"provisionagreement", NULL,
                              SP_SDMX_BIT(SP_SDMX_A_DATAFLOW) | SP_SDMX_BIT(SP_SDMX_A_PROVIDERS),
                              "PA_"},
    [SP_SDMX_A_CONSTRAINT] = {"contentconstraint", SP_SDMX_CONSTRAINT,
                              SP_SDMX_BIT(SP_SDMX_A_DATAFLOW)},
    [SP_SDMX_A_CATEGORIES] = {"categoryscheme", SP_SDMX_CATEGORY_SCHEME, 0},
    [SP_SDMX_A_CATEGORISATION] = {"categorisation", NULL,
                                  SP_SDMX_BIT(SP_SDMX_A_DATAFLOW) |
                                      SP_SDMX_BIT(SP_SDMX_A_CATEGORIES),
                                  "CTG_"},
    [SP_SDMX_A_HIERARCHY] = {"hierarchicalcodelist", SP_SDMX_HIERARCHY,
                             SP_SDMX_BIT(SP_SDMX_A_CODELIST + 1)},
};

const char *sp_sdmx_artefact_id(int a)
{
    return node[a].id;
}

/* The structure types of the SDMX REST API statpipe has none of: a query of one finds
 * nothing (404), where an unknown word is a request it cannot serve (501). */
static bool other_type(const char *name)
{
    static const char *const others[] = {"metadatastructure",    "allowedconstraint",
                                         "attachmentconstraint", "metadataflow",
                                         "dataconsumerscheme",   "organisationunitscheme",
                                         "structureset",         "process",
                                         "reportingtaxonomy",    "transformationscheme",
                                         "rulesetscheme",        "userdefinedoperatorscheme",
                                         "customtypescheme",     "namepersonalisationscheme",
                                         "vtlmappingscheme"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        if (strcmp(name, others[i]) == 0)
            return true;
    return false;
}

/* The artefacts of a resource: its own, the organisation schemes for organisationscheme,
 * the constraint for the kinds of constraint, every one for structure. */
static sp_sdmx_set_t of_type(const char *resource)
{
    if (strcmp(resource, "structure") == 0)
        return SP_SDMX_SET_ALL;
    if (strcmp(resource, "organisationscheme") == 0)
        return SP_SDMX_BIT(SP_SDMX_A_AGENCIES) | SP_SDMX_BIT(SP_SDMX_A_PROVIDERS);
    if (strcmp(resource, "actualconstraint") == 0)
        return SP_SDMX_BIT(SP_SDMX_A_CONSTRAINT);
    sp_sdmx_set_t s = 0;
    for (int a = 0; a < SP_SDMX_A_N; a++)
        if (strcmp(resource, node[a].resource) == 0)
            s |= SP_SDMX_BIT(a);
    return s;
}

static sp_sdmx_set_t children(sp_sdmx_set_t s)
{
    sp_sdmx_set_t c = 0;
    for (int a = 0; a < SP_SDMX_A_N; a++)
        if (s & SP_SDMX_BIT(a))
            c |= node[a].children;
    return c;
}

static sp_sdmx_set_t parents(sp_sdmx_set_t s)
{
    sp_sdmx_set_t p = 0;
    for (int a = 0; a < SP_SDMX_A_N; a++)
        if ((node[a].children & s) && !(s & SP_SDMX_BIT(a)))
            p |= SP_SDMX_BIT(a);
    return p;
}

static sp_sdmx_set_t descendants(sp_sdmx_set_t s)
{
    sp_sdmx_set_t d = children(s), more;
    while ((more = children(d) & ~d) != 0)
        d |= more;
    return d;
}

/* Whether one of ids ("A+B") begins with prefix. */
static bool has_prefix(const char *ids, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = ids; *p;) {
        if (strncmp(p, prefix, n) == 0)
            return true;
        p += strcspn(p, "+");
        p += *p == '+';
    }
    return false;
}

static bool any_of(const char *s, const char *a, const char *b)
{
    return s == NULL || strcmp(s, a) == 0 || (b != NULL && strcmp(s, b) == 0);
}

sp_status_t sp_sdmx_related(sp_sdmx_set_t self, const char *references, sp_sdmx_set_t *out,
                            sp_error_t *err)
{
    sp_sdmx_set_t up = parents(self);
    if (references == NULL || strcmp(references, "none") == 0)
        *out = 0;
    else if (strcmp(references, "parents") == 0)
        *out = up;
    else if (strcmp(references, "parentsandsiblings") == 0)
        *out = up | children(up);
    else if (strcmp(references, "children") == 0)
        *out = children(self);
    else if (strcmp(references, "descendants") == 0)
        *out = descendants(self);
    else if (strcmp(references, "all") == 0)
        *out = descendants(self) | up | children(up);
    else if (of_type(references) != 0 && strcmp(references, "structure") != 0)
        *out = (up | children(self)) & of_type(references); /* those it refers to or from */
    else if (other_type(references))
        *out = 0;
    else
        return sp_error_set(err, SP_ERR_INVALID,
                            "references is none, parents, parentsandsiblings, children, "
                            "descendants, all or a structure type");
    *out |= self;
    return SP_OK;
}

sp_status_t sp_sdmx_select(const char *resource, const char *agency, const char *id,
                           const char *version, const char *references, const char *detail,
                           sp_sdmx_selection_t *sel, sp_error_t *err)
{
    memset(sel, 0, sizeof(*sel));
    sp_sdmx_set_t type = of_type(resource);
    if (type == 0 && !other_type(resource)) /* SP_ERR_RANGE: a resource statpipe cannot serve */
        return sp_error_set(err, SP_ERR_RANGE,
                            "\"%s\" is no resource of the SDMX REST API statpipe serves: see "
                            "/rest/dataflow, /rest/data/" SP_SDMX_FLOW " and docs/sdmx.md",
                            resource);
    /* the named artefacts: of the type, the agency, the version and the id (or ids, A+B) */
    bool ours = any_of(agency, "all", SP_SDMX_AGENCY) &&
                (any_of(version, "all", "latest") || strcmp(version, SP_SDMX_VERSION) == 0);
    for (int a = 0; a < SP_SDMX_A_N && ours; a++) {
        if (!(type & SP_SDMX_BIT(a)))
            continue;
        if (node[a].id == NULL) { /* their ids are checked as they are written */
            if (id != NULL && strcmp(id, "all") != 0 && !has_prefix(id, node[a].prefix))
                continue;
            sel->self |= SP_SDMX_BIT(a);
            sel->members = id != NULL && strcmp(id, "all") != 0 ? id : NULL;
        } else if (id == NULL || strcmp(id, "all") == 0 || sp_sdmx_in_list(id, node[a].id)) {
            sel->self |= SP_SDMX_BIT(a);
        }
    }
    if (sp_sdmx_related(sel->self, references, &sel->want, err) != SP_OK)
        return err->code;
    if (sel->self == 0)
        return sp_error_set(err, SP_ERR_NOTFOUND, "no such structure");
    /* detail: stubs (names only) for every artefact or for the referenced ones; a partial
     * reference is given whole, every code being used. */
    if (detail == NULL || strcmp(detail, "full") == 0 || strcmp(detail, "referencepartial") == 0)
        sel->stubs = 0;
    else if (strcmp(detail, "allstubs") == 0 || strcmp(detail, "allcompletestubs") == 0)
        sel->stubs = sel->want;
    else if (strcmp(detail, "referencestubs") == 0 || strcmp(detail, "referencecompletestubs") == 0)
        sel->stubs = sel->want & ~sel->self;
    else
        return sp_error_set(err, SP_ERR_INVALID,
                            "detail is full, allstubs, referencestubs, allcompletestubs, "
                            "referencecompletestubs or referencepartial");
    sel->complete = detail != NULL && strstr(detail, "complete") != NULL;
    return SP_OK;
}
