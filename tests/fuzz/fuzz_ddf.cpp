// Feeds arbitrary bytes to the DDF XML loader: no crash, no leak, and every
// object it accepts must have sorted resources that find() can look up.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sirocco/lwm2m/ddf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sirocco::lwm2m;
    model_store store;
    auto report = load_ddf_text(std::string_view(reinterpret_cast<const char*>(data), size),
                                "fuzz.xml", store);
    for (const auto& o : report.loaded) {
        const object_model* m = store.find(object_id(o.id), o.object_version);
        if (m == nullptr) std::abort();
        for (const auto& r : m->resources)
            if (m->find(resource_id(r.id)) != &r) std::abort();
    }
    (void)parse_numeric_range(
        std::string_view(reinterpret_cast<const char*>(data), size < 64 ? size : 64));
    return 0;
}
