/*
 * sp_sdmx_sjson.c: a structure message as SDMX-JSON 1.0 (the structure message schema of
 * sdmx-twg/sdmx-json), made from the SDMX-ML 2.1 message statpipe writes for the same query,
 * so that both say the same: each artefact with its id, agency, version, names (name in
 * English, names in every language), its items, and its references as URNs. jansson writes
 * the JSON and escapes every string in it.
 */
#include "sp_sdmx_int.h"

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool is(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c != NULL; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

/* An attribute's value as a JSON string, or NULL. */
static json_t *attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    json_t *j = v ? json_string((const char *)v) : NULL;
    xmlFree(v);
    return j;
}

static void set_attr(json_t *o, const char *key, const xmlNode *n, const char *name)
{
    json_t *v = attr(n, name);
    if (v != NULL)
        json_object_set_new(o, key, v);
}

static void set_bool(json_t *o, const char *key, const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    if (v != NULL)
        json_object_set_new(o, key, json_boolean(strcmp((const char *)v, "true") == 0));
    xmlFree(v);
}

/* Name or Description elements as "name" (the English one) and "names" (every language). */
static void texts(json_t *o, const xmlNode *n, const char *element, const char *one,
                  const char *all)
{
    json_t *by_lang = json_object();
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (!is(c, element))
            continue;
        xmlChar *lang = xmlNodeGetLang(c), *text = xmlNodeGetContent(c);
        json_object_set_new(by_lang, lang ? (const char *)lang : "en",
                            json_string(text ? (const char *)text : ""));
        xmlFree(lang);
        xmlFree(text);
    }
    if (json_object_size(by_lang) > 0) {
        json_t *en = json_object_get(by_lang, "en");
        json_object_set(o, one, en ? en : json_object_iter_value(json_object_iter(by_lang)));
        json_object_set_new(o, all, by_lang);
    } else {
        json_decref(by_lang);
    }
}

/* The URN a Ref element points to: an artefact, or an item of one (maintainableParentID). */
static json_t *urn_of(const xmlNode *holder, const char *package, const char *cls)
{
    const xmlNode *ref = child(holder, "Ref");
    if (ref == NULL)
        return json_null();
    xmlChar *pkg = xmlGetProp(ref, BAD_CAST "package"), *c = xmlGetProp(ref, BAD_CAST "class"),
            *agency = xmlGetProp(ref, BAD_CAST "agencyID"), *id = xmlGetProp(ref, BAD_CAST "id"),
            *version = xmlGetProp(ref, BAD_CAST "version"),
            *parent = xmlGetProp(ref, BAD_CAST "maintainableParentID"),
            *pversion = xmlGetProp(ref, BAD_CAST "maintainableParentVersion");
    const char *p = pkg ? (const char *)pkg : package, *k = c ? (const char *)c : cls;
    json_t *u =
        parent ? json_sprintf("urn:sdmx:org.sdmx.infomodel.%s.%s=%s:%s(%s).%s", p, k,
                              (const char *)agency, (const char *)parent,
                              pversion ? (const char *)pversion : SP_SDMX_VERSION, (const char *)id)
               : json_sprintf("urn:sdmx:org.sdmx.infomodel.%s.%s=%s:%s(%s)", p, k,
                              (const char *)agency, (const char *)id,
                              version ? (const char *)version : SP_SDMX_VERSION);
    xmlFree(pkg);
    xmlFree(c);
    xmlFree(agency);
    xmlFree(id);
    xmlFree(version);
    xmlFree(parent);
    xmlFree(pversion);
    return u;
}

/* An identifiable's id and names; with its URN as a self link. */
static json_t *nameable(const xmlNode *n)
{
    json_t *o = json_object();
    set_attr(o, "id", n, "id");
    json_t *urn = attr(n, "urn");
    if (urn != NULL)
        json_object_set_new(o, "links", json_pack("[{s:o,s:s}]", "urn", urn, "rel", "self"));
    texts(o, n, "Name", "name", "names");
    texts(o, n, "Description", "description", "descriptions");
    return o;
}

static json_t *maintainable(const xmlNode *n)
{
    json_t *o = nameable(n);
    set_attr(o, "agencyID", n, "agencyID");
    set_attr(o, "version", n, "version");
    set_bool(o, "isFinal", n, "isFinal");
    set_bool(o, "isExternalReference", n, "isExternalReference");
    return o;
}

/* The items of an item scheme (Code, Concept, Category, Agency, DataProvider) as key. */
static void items(json_t *o, const xmlNode *n, const char *element, const char *key)
{
    json_t *a = json_array();
    for (const xmlNode *c = n->children; c != NULL; c = c->next)
        if (is(c, element))
            json_array_append_new(a, nameable(c));
    if (json_array_size(a) > 0)
        json_object_set_new(o, key, a);
    else
        json_decref(a);
}

static json_t *representation(const xmlNode *component)
{
    const xmlNode *lr = child(component, "LocalRepresentation");
    const xmlNode *e = child(lr, "Enumeration"), *t = child(lr, "TextFormat");
    if (e != NULL)
        return json_pack("{s:o}", "enumeration", urn_of(e, "codelist", "Codelist"));
    json_t *tf = json_object();
    if (t != NULL)
        set_attr(tf, "textType", t, "textType");
    return json_pack("{s:o}", "textFormat", tf);
}

static json_t *component(const xmlNode *c, const char *type)
{
    json_t *o = json_object();
    set_attr(o, "id", c, "id");
    xmlChar *pos = xmlGetProp(c, BAD_CAST "position");
    if (pos != NULL)
        json_object_set_new(o, "position", json_integer(atoi((const char *)pos)));
    xmlFree(pos);
    if (type != NULL)
        json_object_set_new(o, "type", json_string(type));
    set_attr(o, "assignmentStatus", c, "assignmentStatus");
    if (child(c, "AttributeRelationship") != NULL)
        json_object_set_new(o, "attributeRelationship",
                            json_pack("{s:s}", "primaryMeasure", "OBS_VALUE"));
    json_object_set_new(o, "conceptIdentity",
                        urn_of(child(c, "ConceptIdentity"), "conceptscheme", "Concept"));
    json_object_set_new(o, "localRepresentation", representation(c));
    return o;
}

static json_t *dsd_components(const xmlNode *comps)
{
    json_t *dims = json_array(), *times = json_array(), *attrs = json_array();
    json_t *measure = NULL;
    for (const xmlNode *l = comps->children; l != NULL; l = l->next)
        for (const xmlNode *c = l->children; c != NULL; c = c->next) {
            if (is(c, "Dimension"))
                json_array_append_new(dims, component(c, "Dimension"));
            else if (is(c, "TimeDimension"))
                json_array_append_new(times, component(c, "TimeDimension"));
            else if (is(c, "Attribute"))
                json_array_append_new(attrs, component(c, NULL));
            else if (is(c, "PrimaryMeasure"))
                measure = component(c, NULL);
        }
    return json_pack("{s:{s:s,s:o,s:o},s:{s:s,s:o},s:{s:s,s:o}}", "dimensionList", "id",
                     "DimensionDescriptor", "dimensions", dims, "timeDimensions", times,
                     "attributeList", "id", "AttributeDescriptor", "attributes", attrs,
                     "measureList", "id", "MeasureDescriptor", "primaryMeasure",
                     measure ? measure : json_object());
}

static json_t *hierarchical_codes(const xmlNode *n)
{
    json_t *a = json_array();
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (!is(c, "HierarchicalCode"))
            continue;
        json_t *o = json_object();
        set_attr(o, "id", c, "id");
        json_object_set_new(o, "code", urn_of(child(c, "Code"), "codelist", "Code"));
        json_t *below = hierarchical_codes(c);
        if (json_array_size(below) > 0)
            json_object_set_new(o, "hierarchicalCodes", below);
        else
            json_decref(below);
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *constraint(const xmlNode *n, json_t *o)
{
    set_attr(o, "type", n, "type");
    const xmlNode *att = child(child(n, "ConstraintAttachment"), "Dataflow");
    if (att != NULL)
        json_object_set_new(
            o, "constraintAttachment",
            json_pack("{s:[o]}", "dataflows", urn_of(att, "datastructure", "Dataflow")));
    const xmlNode *cube = child(n, "CubeRegion");
    if (cube != NULL) {
        json_t *kvs = json_array();
        for (const xmlNode *kv = cube->children; kv != NULL; kv = kv->next) {
            if (!is(kv, "KeyValue"))
                continue;
            json_t *values = json_array();
            for (const xmlNode *v = kv->children; v != NULL; v = v->next)
                if (is(v, "Value")) {
                    xmlChar *t = xmlNodeGetContent(v);
                    json_array_append_new(values, json_string((const char *)t));
                    xmlFree(t);
                }
            json_array_append_new(kvs,
                                  json_pack("{s:o,s:o}", "id", attr(kv, "id"), "values", values));
        }
        json_object_set_new(o, "cubeRegions",
                            json_pack("[{s:b,s:o}]", "isIncluded", 1, "keyValues", kvs));
    }
    const xmlNode *period = child(n, "ReferencePeriod");
    if (period != NULL)
        json_object_set_new(o, "referencePeriod",
                            json_pack("{s:o,s:o}", "startTime", attr(period, "startTime"),
                                      "endTime", attr(period, "endTime")));
    return o;
}

/* One artefact of the SDMX-ML message as its SDMX-JSON object; key is its list's name. */
static json_t *artefact(const xmlNode *n, const char **key)
{
    json_t *o = maintainable(n);
    const char *name = (const char *)n->name;
    if (strcmp(name, "Codelist") == 0) {
        *key = "codelists";
        items(o, n, "Code", "codes");
    } else if (strcmp(name, "ConceptScheme") == 0) {
        *key = "conceptSchemes";
        items(o, n, "Concept", "concepts");
    } else if (strcmp(name, "CategoryScheme") == 0) {
        *key = "categorySchemes";
        items(o, n, "Category", "categories");
    } else if (strcmp(name, "AgencyScheme") == 0) {
        *key = "agencySchemes";
        items(o, n, "Agency", "agencies");
    } else if (strcmp(name, "DataProviderScheme") == 0) {
        *key = "dataProviderSchemes";
        items(o, n, "DataProvider", "dataProviders");
    } else if (strcmp(name, "Dataflow") == 0) {
        *key = "dataflows";
        if (child(n, "Structure") != NULL)
            json_object_set_new(o, "structure",
                                urn_of(child(n, "Structure"), "datastructure", "DataStructure"));
    } else if (strcmp(name, "DataStructure") == 0) {
        *key = "dataStructures";
        if (child(n, "DataStructureComponents") != NULL)
            json_object_set_new(o, "dataStructureComponents",
                                dsd_components(child(n, "DataStructureComponents")));
    } else if (strcmp(name, "Categorisation") == 0) {
        *key = "categorisations";
        if (child(n, "Source") != NULL) {
            json_object_set_new(o, "source",
                                urn_of(child(n, "Source"), "datastructure", "Dataflow"));
            json_object_set_new(o, "target",
                                urn_of(child(n, "Target"), "categoryscheme", "Category"));
        }
    } else if (strcmp(name, "ProvisionAgreement") == 0) {
        *key = "provisionAgreements";
        json_object_set_new(o, "structureUsage",
                            urn_of(child(n, "StructureUsage"), "datastructure", "Dataflow"));
        json_object_set_new(o, "dataProvider",
                            urn_of(child(n, "DataProvider"), "base", "DataProvider"));
    } else if (strcmp(name, "HierarchicalCodelist") == 0) {
        *key = "hierarchicalCodelists";
        /* the included code lists by alias; the hierarchies of codes by URN */
        json_t *included = json_object(), *hierarchies = json_array();
        for (const xmlNode *c = n->children; c != NULL; c = c->next)
            if (is(c, "IncludedCodelist")) {
                xmlChar *alias = xmlGetProp(c, BAD_CAST "alias");
                json_object_set_new(included, alias ? (const char *)alias : "CL",
                                    urn_of(c, "codelist", "Codelist"));
                xmlFree(alias);
            } else if (is(c, "Hierarchy")) {
                json_t *h = nameable(c);
                json_object_set_new(h, "hierarchicalCodes", hierarchical_codes(c));
                json_array_append_new(hierarchies, h);
            }
        if (json_object_size(included) > 0)
            json_object_set_new(o, "includedCodelists", included);
        else
            json_decref(included);
        if (json_array_size(hierarchies) > 0)
            json_object_set_new(o, "hierarchies", hierarchies);
        else
            json_decref(hierarchies);
    } else if (strcmp(name, "ContentConstraint") == 0) {
        *key = "contentConstraints";
        constraint(n, o);
    } else {
        json_decref(o);
        return NULL;
    }
    return o;
}

static sp_status_t to_json(FILE *xml, FILE *out, sp_error_t *err)
{
    fflush(xml);
    rewind(xml);
    xmlDocPtr doc = xmlReadFd(fileno(xml), NULL, "UTF-8", XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (doc == NULL)
        return sp_error_set(err, SP_ERR_INVALID, "the structure message is not XML");
    const xmlNode *root = xmlDocGetRootElement(doc);
    json_t *data = json_object();
    for (const xmlNode *list = child(root, "Structures") ? child(root, "Structures")->children
                                                         : NULL;
         list != NULL; list = list->next)
        for (const xmlNode *n = list->children; n != NULL; n = n->next) {
            if (n->type != XML_ELEMENT_NODE)
                continue;
            const char *key = NULL;
            json_t *o = artefact(n, &key);
            if (o == NULL)
                continue;
            json_t *a = json_object_get(data, key);
            if (a == NULL)
                json_object_set_new(data, key, a = json_array());
            json_array_append_new(a, o);
        }
    xmlFreeDoc(doc);
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *msg = json_pack(
        "{s:{s:s,s:s,s:b,s:s,s:[s,s],s:{s:s}},s:o}", "meta", "schema",
        "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/v1.0/structure-message/tools/"
        "schemas/1.0/sdmx-json-structure-schema.json",
        "id", "STATPIPE_STRUCTURE", "test", 0, "prepared", now, "contentLanguages", "zh", "en",
        "sender", "id", SP_SDMX_AGENCY, "data", data);
    int rc = json_dumpf(msg, out, JSON_COMPACT);
    json_decref(msg);
    fflush(out);
    return rc == 0 && !ferror(out)
               ? SP_OK
               : sp_error_set(err, SP_ERR_IO, "writing the SDMX-JSON structure failed");
}

sp_status_t sp_sdmx_write_structure_json(PGconn *conn, const sp_sdmx_selection_t *sel, FILE *out,
                                         bool *found, sp_error_t *err)
{
    FILE *xml = tmpfile();
    if (xml == NULL)
        return sp_error_set(err, SP_ERR_IO, "no temporary file for the structure message");
    sp_status_t st = sp_sdmx_write_structure(conn, sel, xml, found, err);
    if (st == SP_OK && *found)
        st = to_json(xml, out, err);
    fclose(xml);
    return st;
}
