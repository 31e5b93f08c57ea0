// Records: the common currency of the content-format codecs.
//
// A record is one leaf of LwM2M data: a path (a resource or a resource
// instance; an instance or object path for empty containers in some formats),
// a value, and an optional timestamp (SenML "t" after base-time resolution,
// seconds since the epoch, possibly fractional). Decoders emit records;
// encoders consume them. A record is a view: its value may point into the
// buffer it was decoded from (see value.hpp).
#pragma once

#include <optional>
#include <span>

#include "sirocco/lwm2m/path.hpp"
#include "sirocco/lwm2m/value.hpp"

namespace sirocco::lwm2m {

struct record {
    lwm2m::path path;
    lwm2m::value value;
    std::optional<double> timestamp;

    friend bool operator==(const record& a, const record& b) noexcept {
        return a.path == b.path && a.value == b.value && a.timestamp == b.timestamp;
    }
};

/// Receives records one at a time from a streaming decoder. Device code
/// implements it without heap; returning an error stops the decoder, which
/// returns that error.
class record_sink {
  public:
    virtual result<void> on_record(const record& r) noexcept = 0;

  protected:
    ~record_sink() = default;
};

}  // namespace sirocco::lwm2m
