// Host-side owning counterparts of value and record (server, tools, tests).
// Not part of the device build: these use std::string and std::vector.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sirocco/lwm2m/record.hpp"

namespace sirocco::lwm2m {

/// A value that owns its bytes. view() returns a `value` that is valid as long
/// as this owned_value lives and is not modified.
class owned_value {
  public:
    owned_value() = default;
    /// Copies the bytes a view points at.
    explicit owned_value(const value& v) : v_(v) {
        if (v.type() == data_type::string || v.type() == data_type::corelnk ||
            v.type() == data_type::opaque) {
            bytes_.assign(v.string().data(), v.string().size());
            rebind();
        }
    }
    owned_value(const owned_value& o) : v_(o.v_), bytes_(o.bytes_) { rebind(); }
    owned_value(owned_value&& o) noexcept : v_(o.v_), bytes_(std::move(o.bytes_)) { rebind(); }
    owned_value& operator=(const owned_value& o) {
        v_ = o.v_;
        bytes_ = o.bytes_;
        rebind();
        return *this;
    }
    owned_value& operator=(owned_value&& o) noexcept {
        v_ = o.v_;
        bytes_ = std::move(o.bytes_);
        rebind();
        return *this;
    }

    static owned_value string(std::string s) { return with_bytes(data_type::string, std::move(s)); }
    static owned_value corelnk(std::string s) {
        return with_bytes(data_type::corelnk, std::move(s));
    }
    static owned_value opaque(std::string bytes) {
        return with_bytes(data_type::opaque, std::move(bytes));
    }

    const value& view() const noexcept { return v_; }
    data_type type() const noexcept { return v_.type(); }
    friend bool operator==(const owned_value& a, const owned_value& b) noexcept {
        return a.v_ == b.v_;
    }

  private:
    static owned_value with_bytes(data_type t, std::string s) {
        owned_value o;
        o.bytes_ = std::move(s);
        o.v_ = t == data_type::string    ? value::of_string({})
               : t == data_type::corelnk ? value::of_corelnk({})
                                         : value::of_opaque({});
        o.rebind();
        return o;
    }
    void rebind() noexcept {
        switch (v_.type()) {
            case data_type::string:
                v_ = value::of_string(bytes_);
                break;
            case data_type::corelnk:
                v_ = value::of_corelnk(bytes_);
                break;
            case data_type::opaque:
                v_ = value::of_opaque(as_bytes(bytes_));
                break;
            default:
                break;
        }
    }
    value v_;
    std::string bytes_;
};

struct owned_record {
    lwm2m::path path;
    owned_value value;
    std::optional<double> timestamp;

    owned_record() = default;
    owned_record(lwm2m::path p, owned_value v, std::optional<double> t = std::nullopt)
        : path(p), value(std::move(v)), timestamp(t) {}
    explicit owned_record(const record& r) : path(r.path), value(r.value), timestamp(r.timestamp) {}
    record view() const noexcept { return {path, value.view(), timestamp}; }
    friend bool operator==(const owned_record& a, const owned_record& b) noexcept {
        return a.path == b.path && a.value == b.value && a.timestamp == b.timestamp;
    }
};

/// A record_sink that keeps copies of every record it receives.
class record_list final : public record_sink {
  public:
    result<void> on_record(const record& r) noexcept override {
        records.emplace_back(r);
        return {};
    }
    std::vector<owned_record> records;
};

}  // namespace sirocco::lwm2m
