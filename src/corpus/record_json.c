/* The canonical JSON form of a record (what `patsift parse` prints). Every
 * key is always present, in a fixed order, so tools can rely on the shape:
 * unknown dates, entity and fast_track are null. */
#include <jansson.h>

#include "patsift/reader.h"

static json_t *str_list(ps_strlist l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l.count; i++)
        json_array_append_new(a, json_string(l.items[i]));
    return a;
}

static json_t *date(int32_t d)
{
    char buf[11];
    return d ? json_string(ps_date_format(d, buf)) : json_null();
}

char *ps_record_to_json(const ps_record *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "kind", json_string(r->kind));
    json_object_set_new(o, "title", json_string(r->title));
    json_object_set_new(o, "abstract", json_string(r->abstract));
    json_t *claims = json_array();
    for (size_t i = 0; claims && i < r->n_claims; i++) {
        json_t *c = json_object();
        json_object_set_new(c, "num", json_integer(r->claims[i].num));
        json_object_set_new(c, "independent", json_boolean(r->claims[i].independent));
        json_object_set_new(c, "text", json_string(r->claims[i].text));
        json_array_append_new(claims, c);
    }
    json_object_set_new(o, "claims", claims);
    json_object_set_new(o, "description", json_string(r->description));
    json_object_set_new(o, "cpc", str_list(r->cpc));
    json_object_set_new(o, "ipc", str_list(r->ipc));
    json_object_set_new(o, "applicant", json_string(r->applicants.count ? r->applicants.items[0] : ""));
    json_object_set_new(o, "applicants", str_list(r->applicants));
    json_object_set_new(o, "entity", r->entity ? json_string(ps_entity_name(r->entity)) : json_null());
    json_object_set_new(o, "fast_track", r->fast_track < 0 ? json_null() : json_boolean(r->fast_track));
    json_object_set_new(o, "filing_date", date(r->filing_date));
    json_object_set_new(o, "priority_date", date(r->priority_date));
    json_object_set_new(o, "publication_date", date(r->publication_date));
    json_object_set_new(o, "citations", str_list(r->citations));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}
