// Test objects for the data model tests: a generic object that keeps its
// values in a map (host test code, so std containers are fine here), and a
// fixture with a test object 9000, a Server object and an ACL object.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sirocco/client/dm.hpp"
#include "sirocco/codec/codec.hpp"
#include "sirocco/lwm2m/owned_value.hpp"

namespace dm_test {

using namespace sirocco;
using namespace sirocco::client;
using lwm2m::data_type;
using lwm2m::owned_value;
using lwm2m::path;
using lwm2m::value;

inline path P(std::string_view s) {
    return *path::parse(s);
}

class kv_object final : public object {
  public:
    explicit kv_object(const object_def& d) : object(d) {}

    std::set<std::uint16_t> insts;
    std::map<std::tuple<std::uint16_t, std::uint16_t, int>, owned_value> vals;  // riid -1: single
    std::set<std::pair<std::uint16_t, std::uint16_t>> absent;
    std::function<status(std::uint16_t, std::uint16_t, std::optional<std::uint16_t>, const value&)>
        validator;
    std::vector<std::string> executed;
    std::vector<std::pair<std::uint16_t, std::optional<std::uint16_t>>> after_writes;
    std::size_t max_instances = 4;
    bool can_create = true;

    void set(std::uint16_t iid, std::uint16_t rid, owned_value v, int riid = -1) {
        vals[{iid, rid, riid}] = std::move(v);
    }
    void set(std::uint16_t iid, std::uint16_t rid, const value& v, int riid = -1) {
        vals[{iid, rid, riid}] = owned_value(v);
    }
    const value* get(std::uint16_t iid, std::uint16_t rid, int riid = -1) const {
        auto it = vals.find({iid, rid, riid});
        return it == vals.end() ? nullptr : &it->second.view();
    }
    std::vector<int> riids(std::uint16_t iid, std::uint16_t rid) const {
        std::vector<int> r;
        for (const auto& [k, v] : vals)
            if (std::get<0>(k) == iid && std::get<1>(k) == rid && std::get<2>(k) >= 0)
                r.push_back(std::get<2>(k));
        return r;
    }
    void poke(std::uint16_t iid, std::uint16_t rid) { changed(iid, rid); }
    void poke_instances() { instances_changed(); }

    std::size_t instance_count() const noexcept override { return insts.size(); }
    std::uint16_t instance_at(std::size_t k) const noexcept override {
        auto it = insts.begin();
        std::advance(it, static_cast<long>(k));
        return *it;
    }
    bool has_resource(std::uint16_t iid, std::uint16_t rid) const noexcept override {
        return def().find(rid) != nullptr && absent.count({iid, rid}) == 0;
    }
    std::size_t resource_instance_count(std::uint16_t iid,
                                        std::uint16_t rid) const noexcept override {
        return riids(iid, rid).size();
    }
    std::uint16_t resource_instance_at(std::uint16_t iid, std::uint16_t rid,
                                       std::size_t k) const noexcept override {
        return static_cast<std::uint16_t>(riids(iid, rid)[k]);
    }
    result<value> read(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                       mutable_bytes scratch) noexcept override {
        const value* v = get(iid, rid, riid ? *riid : -1);
        if (v == nullptr) return unexpected(errc::not_found, "no value");
        // Hand strings back through the lent scratch, as a formatting object would.
        if (v->type() == data_type::string && v->string().size() <= scratch.size()) {
            std::memcpy(scratch.data(), v->string().data(), v->string().size());
            return value::of_string(
                {reinterpret_cast<const char*>(scratch.data()), v->string().size()});
        }
        return *v;
    }
    status validate(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                    const value& v) noexcept override {
        return validator ? validator(iid, rid, riid, v) : status::changed;
    }
    status write(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                 const value& v) noexcept override {
        set(iid, rid, v, riid ? *riid : -1);
        absent.erase({iid, rid});
        return status::changed;
    }
    status clear_resource(std::uint16_t iid, std::uint16_t rid) noexcept override {
        for (int r : riids(iid, rid))
            vals.erase({iid, rid, r});
        return status::deleted;
    }
    void after_write(std::uint16_t iid, std::optional<std::uint16_t> rid) noexcept override {
        after_writes.emplace_back(iid, rid);
    }
    status execute(std::uint16_t iid, std::uint16_t rid, std::string_view args) noexcept override {
        executed.push_back(std::to_string(iid) + "/" + std::to_string(rid) + ":" +
                           std::string(args));
        return status::changed;
    }
    result<std::uint16_t> create(std::optional<std::uint16_t> iid) noexcept override {
        if (!can_create) return unexpected(errc::not_allowed, "no create");
        if (insts.size() >= max_instances) return unexpected(errc::capacity_exceeded, "full");
        if (iid) {
            if (insts.count(*iid)) return unexpected(errc::invalid_argument, "exists");
            insts.insert(*iid);
            return *iid;
        }
        std::uint16_t id = 0;
        while (insts.count(id))
            ++id;
        insts.insert(id);
        return id;
    }
    status remove(std::uint16_t iid) noexcept override {
        if (!insts.erase(iid)) return status::not_found;
        for (auto it = vals.begin(); it != vals.end();)
            it = std::get<0>(it->first) == iid ? vals.erase(it) : std::next(it);
        return status::deleted;
    }
};

// Test object 9000 (multiple instances).
inline constexpr resource_def test_res[] = {
    res(0, R, data_type::string),
    res(1, RW, data_type::integer),
    res(2, RW, data_type::float_),
    res(3, RW, data_type::boolean),
    res(4, E),
    res(5, RW, data_type::string).multi(4),
    res(6, RW, data_type::opaque),
    res(7, W, data_type::integer),
    res(8, RW, data_type::time),
    res(9, RW, data_type::objlnk),
    res(10, R, data_type::integer),
    res(11, RW, data_type::unsigned_integer),
};
inline constexpr object_def test_def{9000, "1.1", true, test_res};

// A single-instance object with one resource (Delete is 4.05).
inline constexpr resource_def single_res[] = {res(0, RW, data_type::integer)};
inline constexpr object_def single_def{9001, "", false, single_res};

// Server object subset: 0 SSID, 1 Lifetime, 2 Default pmin, 3 Default pmax.
inline constexpr resource_def server_res[] = {
    res(0, R, data_type::integer),
    res(1, RW, data_type::integer),
    res(2, RW, data_type::integer),
    res(3, RW, data_type::integer),
};
inline constexpr object_def server_def{1, "1.1", true, server_res};

// Access Control object: 0 Object ID, 1 Instance ID, 2 ACL (multi), 3 Owner.
inline constexpr resource_def acl_res[] = {
    res(0, R, data_type::integer),
    res(1, R, data_type::integer),
    res(2, RW, data_type::integer).multi(8),
    res(3, RW, data_type::integer),
};
inline constexpr object_def acl_def{2, "", true, acl_res};

inline constexpr resource_def security_res[] = {res(0, R, data_type::string)};
inline constexpr object_def security_def{0, "", true, security_res};

struct dm_fixture : ::testing::Test {
    data_model dm{lwm2m_version::v1_1};
    kv_object obj{test_def};
    std::uint8_t out_buf[2048]{};
    std::uint8_t scratch_buf[4096]{};
    mutable_bytes out{out_buf, sizeof out_buf};
    mutable_bytes scratch{scratch_buf, sizeof scratch_buf};
    request_ctx srv{1, false};

    void SetUp() override {
        fill(0);
        obj.set(0, 5, owned_value::string("a"), 0);
        obj.set(0, 5, owned_value::string("b"), 1);
        obj.absent.insert({0, 10});
        ASSERT_TRUE(dm.add(obj));
    }
    void fill(std::uint16_t iid) {
        obj.insts.insert(iid);
        obj.set(iid, 0, value::of_string("acme"));
        obj.set(iid, 1, value::of_integer(5));
        obj.set(iid, 2, value::of_float(1.5));
        obj.set(iid, 3, value::of_boolean(true));
        obj.set(iid, 6, owned_value::opaque(std::string("\x01\x02", 2)));
        obj.set(iid, 7, value::of_integer(9));
        obj.set(iid, 8, value::of_time(1700000000));
        obj.set(iid, 9, value::of_objlnk({3, 0}));
        obj.set(iid, 11, value::of_unsigned(7));
    }
    std::string text(const dm_result& r) const {
        return std::string(reinterpret_cast<const char*>(out_buf), r.size);
    }
    bytes_view payload(const dm_result& r) const { return {out_buf, r.size}; }
    static bytes_view B(std::string_view s) {
        return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
    }
    // Decodes an answer back into records (with no model: wire types).
    std::vector<lwm2m::owned_record> decode(const dm_result& r, const path& base) {
        lwm2m::record_list l;
        std::uint8_t s[1024];
        codec::decode_context dc{base, nullptr, mutable_bytes(s, sizeof s)};
        auto ok = codec::decode(r.format, dc, payload(r), l);
        EXPECT_TRUE(ok) << (ok ? "" : ok.error().reason);
        return l.records;
    }
};

}  // namespace dm_test
