// Fuzzes the REST API's body parsers (Leshan JSON shapes): the input is a
// request body, parsed as a node at several paths (with and without object
// models), as a Create body and as a Write-Composite body. Whatever parses
// must serialise again and parse back (without models).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sirocco/lwm2m/builtin_models.hpp"
#include "sirocco/runtime/leshan_json.hpp"

namespace {

using namespace sirocco;
namespace leshan = sirocco::runtime::leshan;

void round_trip(const lwm2m::path& at, const std::vector<lwm2m::owned_record>& records) {
    const leshan::model_lookup none;
    const leshan::json j = leshan::node_json(at, records, none);
    const std::string text = leshan::dump(j);
    if (j.is_null()) return;
    auto again = leshan::parse_json(text);
    if (!again.ok()) __builtin_trap();
    auto p = leshan::parse_node(*again.value, at, none);
    if (!p.ok()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto body = leshan::parse_json(text);
    if (!body.ok()) return 0;
    const leshan::json& j = *body.value;

    server::object_list objects;
    objects.objects = {{1, "1.1", {0}}, {3, "", {0}}, {3303, "", {0}}};
    const leshan::model_lookup with_models(&lwm2m::builtin_provider(), &objects);
    const leshan::model_lookup none;

    static const char* const paths[] = {"/3",       "/3/0",   "/3/0/14", "/3/0/7",
                                        "/3/0/7/1", "/1/0/1", "/5/0/0",  "/9/0/1"};
    for (const char* ps : paths) {
        const lwm2m::path at = *lwm2m::path::parse(ps);
        for (const auto* m : {&with_models, &none}) {
            auto p = leshan::parse_node(j, at, *m);
            if (p.ok()) {
                (void)leshan::dump(leshan::node_json(at, *p.value, *m));
                if (m == &none) round_trip(at, *p.value);
            }
        }
    }
    const lwm2m::path object = *lwm2m::path::parse("/3303");
    if (auto c = leshan::parse_create(j, object, with_models); c.ok())
        (void)leshan::dump(leshan::node_json(object, *c.value, with_models));
    if (auto c = leshan::parse_composite(j, none); c.ok()) {
        (void)leshan::dump(leshan::nodes_by_resource_json(*c.value, none));
    }
    (void)leshan::parse_composite(j, with_models);
    return 0;
}
