// The JSON shapes of Eclipse Leshan's demo server REST API (leshan-demo-
// server, 2.x: ClientServlet, EventServlet, ObjectSpecServlet and their
// Jackson serializers), produced and parsed with nlohmann::json. Host-only.
// docs/rest-api.md shows every shape with examples.
//
// LwM2M nodes (JacksonLwM2mNodeSerializer / Deserializer):
//   {"id":3,"kind":"obj","instances":[<instance>...]}
//   {"id":0,"kind":"instance","resources":[<resource>...]}
//   {"id":1,"kind":"singleResource","type":"STRING","value":"x"}
//   {"id":7,"kind":"multiResource","type":"INTEGER","values":{"0":"1","1":"5"}}
//   {"id":0,"kind":"resourceInstance","type":"INTEGER","value":"5"}
// Values by type (as Leshan 2.x writes them):
//   STRING, CORELINK: string; BOOLEAN: true/false;
//   INTEGER, UNSIGNED_INTEGER, FLOAT: a *string* ("42", "3.5"), because a
//     JavaScript number cannot hold every 64-bit integer (a number is accepted
//     on input, as Leshan does);
//   OPAQUE: lower-case hex string; TIME: a number, milliseconds since the
//     epoch (LwM2M time has seconds: output is seconds * 1000, input is
//     divided by 1000, rounding down);
//   OBJLNK: {"objectId":3,"objectInstanceId":0}.
// Where a resource's type comes from: its object model when known (the
// registration's object version), else the decoded value's own type.
//
// Errors: parsing functions return `parsed<T>`, whose `error` names the
// problem and where it is ("missing field 'value' at /3/0/1", "kind 'foo'
// unknown at /3/0"). They never throw and never crash on any input.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sirocco/lwm2m/model.hpp"
#include "sirocco/lwm2m/owned_value.hpp"
#include "sirocco/lwm2m/path.hpp"
#include "sirocco/server/dm.hpp"
#include "sirocco/server/registration.hpp"
#include "sirocco/server/security_store.hpp"

namespace sirocco::runtime::leshan {

using json = nlohmann::json;

/// A value or the words for why there is none.
template <class T>
struct parsed {
    std::optional<T> value;
    std::string error;
    bool ok() const noexcept { return value.has_value(); }
    static parsed fail(std::string why) {
        parsed p;
        p.error = std::move(why);
        return p;
    }
};

/// The object models of one registration: each object in the version the
/// client registered it with (the newest known when it gave none).
/// `models` may be null (then types come from the values). Not owning: the
/// provider and object list must outlive it.
class model_lookup {
  public:
    model_lookup() = default;
    model_lookup(const lwm2m::model_provider* models, const server::object_list* objects)
        : models_(models), objects_(objects) {}
    const lwm2m::object_model* object(std::uint16_t oid) const noexcept;
    const lwm2m::resource_model* resource(std::uint16_t oid, std::uint16_t rid) const noexcept;

  private:
    const lwm2m::model_provider* models_ = nullptr;
    const server::object_list* objects_ = nullptr;
};

/// JSON text; invalid UTF-8 in strings is replaced (U+FFFD), never thrown.
std::string dump(const json& j);

/// "/3/0/1".
std::string path_text(const lwm2m::path& p);
/// "CONTENT", "NOT_FOUND", ... (Leshan ResponseCode names; "UNKNOWN_x.yy"
/// for a code it has no name for).
std::string status_name(lwm2m::status s);

// --- registrations ---------------------------------------------------------

/// The object links of a registration as Leshan lists them:
/// [{"url":"/","attributes":{"rt":"\"oma.lwm2m\"","ct":"110"}},
///  {"url":"/3","attributes":{"ver":"1.1"}},{"url":"/3/0","attributes":{}}].
json object_links_json(const server::object_list& objects);

/// A registration (JacksonRegistrationSerializer):
/// {"endpoint","registrationId","registrationDate" (ms),"lastUpdate" (ms),
///  "address":"127.0.0.1:5683","lwM2mVersion","lifetime","bindingMode",
///  "rootPath","objectLinks","secure":false,"additionalRegistrationAttributes":{},
///  "queuemode","availableInstances":{"3":[0]},"sleeping" (queue mode only),
///  "transport":"udp"}.
/// "transport" and "secure" follow the scheme of the registration's address:
/// udp:// "udp", coaps:// "dtls" (secure), coap+tcp:// "tcp", coaps+tcp://
/// "tls" (secure), mqtt:// / mqtts:// "mqtt" / "mqtts" (the broker
/// authenticates MQTT devices, not the server: not "secure").
/// registered_at / updated_at are taken as milliseconds since the epoch.
json registration_json(const server::registration& r, bool sleeping);

/// The data of the UPDATED event: {"registration":{...},"update":{
///  "registrationId","lifetime","bindingMode","address","objectLinks"}}
/// (the update's fields as they are after it; objectLinks only when the
/// object list changed).
json registration_update_json(const server::registration& now,
                              const std::optional<server::registration>& before, bool sleeping);

// --- nodes -----------------------------------------------------------------

/// One value as Leshan writes it for `type` (see above). The value is
/// converted to `type` when it differs and the conversion is lossless; else
/// it is written as its own type.
json value_json(const lwm2m::value& v, lwm2m::data_type type);

/// The node at `at` built from `records` (absolute paths; those not at or
/// below `at` are ignored). Resource kinds: multiResource when the model
/// says so or a record has a resource-instance path, else singleResource.
/// Returns null when no record is at or below `at` (an object or instance
/// level path gives an empty obj / instance instead).
json node_json(const lwm2m::path& at, const std::vector<lwm2m::owned_record>& records,
               const model_lookup& models);

/// Composite content: {"/3/0/1": <node>, ...} for each path (null when the
/// answer had nothing there).
json composite_json(const std::vector<lwm2m::path>& paths,
                    const std::vector<lwm2m::owned_record>& records, const model_lookup& models);

/// Nodes for records of unrelated paths (Send, composite notifications
/// without known paths): grouped per resource, {"/3/0/1": <node>, ...}.
json nodes_by_resource_json(const std::vector<lwm2m::owned_record>& records,
                            const model_lookup& models);

/// Parses the node at `at` (a Write body: a resource for /o/i/r, an instance
/// for /o/i, a resource instance for /o/i/r/ri, an object for /o) into
/// records with absolute paths. An "id" given must equal the last id of
/// `at`. "kind" may be left out when the fields tell (as Leshan allows);
/// "type" may be left out when the model knows the resource's type.
parsed<std::vector<lwm2m::owned_record>> parse_node(const json& j, const lwm2m::path& at,
                                                    const model_lookup& models);

/// Parses a Create body for the object path `object`: an instance node. Its
/// "id" (optional) is the instance to create; without one the records are
/// /o/65535/r..., as server::create_request expects.
parsed<std::vector<lwm2m::owned_record>> parse_create(const json& j, const lwm2m::path& object,
                                                      const model_lookup& models);

/// Parses a Write-Composite body: {"/3/0/1": <node>, "/1/0": <node>, ...}.
parsed<std::vector<lwm2m::owned_record>> parse_composite(const json& j, const model_lookup& models);

/// Parses JSON text (for the REST handlers and the fuzzer). Error: "body is
/// not valid JSON: <where>".
parsed<json> parse_json(std::string_view text);

// --- responses -------------------------------------------------------------

/// What kind of answer a response is (selects its extra field).
enum class response_kind : std::uint8_t {
    plain,      ///< write, delete, execute, write-attributes, cancel: status fields only
    read,       ///< read, observe: "content": node at `path`
    composite,  ///< read-composite, observe-composite: "content": {path: node}
    discover,   ///< "objectLinks": [{"url","attributes"}]
    create,     ///< "location": "/o/i"
};

/// A device's answer (JacksonResponseSerializer):
/// {"status":"CONTENT","valid":true,"success":true,"failure":false,
///  "content":{...}} plus "errormessage" on failures with a diagnostic.
/// Only for r.fail == failure::none (failures are HTTP errors, rest_api).
json response_json(const server::response& r, response_kind kind, const lwm2m::path& path,
                   const std::vector<lwm2m::path>& paths, const model_lookup& models);

/// Parses a link-format text into [{"url","attributes"}] (Discover).
/// Malformed text gives the links read up to the problem.
json links_json(std::string_view link_format);

// --- events ----------------------------------------------------------------

/// NOTIFICATION data: single {"ep","kind":"single","res":"/3/0/1","val":<node>},
/// composite {"ep","kind":"composite","val":{path:node},"paths":[...]}.
json notification_json(const std::string& endpoint, const server::observation& obs,
                       const std::vector<lwm2m::owned_record>& records, const model_lookup& models);
/// SEND data: {"ep","val":{path:node}}.
json send_json(const std::string& endpoint, const std::vector<lwm2m::owned_record>& records,
               const model_lookup& models);
/// SLEEPING / AWAKE data: {"ep":"..."}.
json presence_json(const std::string& endpoint);

// --- security (leshan-demo-servers-shared: SecurityServlet,
//     JacksonSecuritySerializer / Deserializer, PublicKeySerDes,
//     X509CertificateSerDes) ------------------------------------------------

/// A security entry: {"endpoint":"ep","tls":{"mode":"psk","details":
/// {"identity":"id","key":"<hex>"}}}, rpk {"mode":"rpk","details":{"key":
/// "<hex of the SubjectPublicKeyInfo DER>"}}, x509 {"mode":"x509"} (Leshan
/// writes no details for x509).
json security_json(const server::security_entry& e);

/// Parses a PUT /api/security/clients body (the shape above; an x509
/// "details" object may be given and is ignored; keys are hex, either case).
/// Only what the JSON says is checked here (fields present, types, hex);
/// server::check_entry() checks the values. Errors name the field:
/// "endpoint: missing", "tls.mode: 'foo' is not psk, rpk or x509",
/// "tls.details.key: not a hex string", "oscore: not supported (only (D)TLS)".
parsed<server::security_entry> parse_security(const json& j);

/// GET /api/security/server: {"pubkey":{"x","y","params","b64Der"}} when the
/// server has a raw public key only, {"certificate":{"pubkey":{...},"b64Der"}}
/// when it has a certificate, {} when neither. `spki`: the server's
/// SubjectPublicKeyInfo DER; `certificate_der`: its certificate (DER, may be
/// empty). x/y are hex of the uncompressed EC point's coordinates (empty when
/// the key is not an uncompressed EC point); b64Der is standard base64.
json server_security_json(const std::vector<std::uint8_t>& spki,
                          const std::vector<std::uint8_t>& certificate_der);

/// Standard base64 (RFC 4648 4, with padding).
std::string base64(bytes_view b);

// --- object models -----------------------------------------------------------

/// An object model as Leshan's ObjectModelSerializer writes it:
/// {"name","id","instancetype":"single"|"multiple","mandatory","description",
///  "version","lwm2mversion","urn","resourcedefs":[{"id","name","operations":
///  "R"|"W"|"RW"|"E"|"NONE","instancetype","mandatory","type":"string"|...,
///  "range","units","description"}]}.
json object_model_json(const lwm2m::object_model& m);

}  // namespace sirocco::runtime::leshan
