// Firmware Update (/5): the state machine, push (Block1 pieces) and pull
// (fake fetcher), every Update Result.
#include <string>

#include "sirocco/client/objects/firmware_update.hpp"
#include "test_objects_common.hpp"

namespace sirocco::client {
namespace {

using test::read_value;
using test::recording_listener;

struct fake_sink final : firmware_sink {
    std::string data;
    int begins = 0, aborts = 0, updates = 0;
    update_result on_begin = update_result::initial;
    update_result on_write = update_result::initial;
    update_result on_finish = update_result::initial;
    update_result on_update = update_result::success;
    std::size_t capacity = 1 << 20;

    update_result begin() noexcept override {
        ++begins;
        data.clear();
        return on_begin;
    }
    update_result write(bytes_view chunk) noexcept override {
        if (on_write != update_result::initial) return on_write;
        if (data.size() + chunk.size() > capacity) return update_result::not_enough_flash;
        data.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
        return update_result::initial;
    }
    update_result finish() noexcept override {
        if (on_finish != update_result::initial) return on_finish;
        // "integrity": the image must start with "FW".
        return data.rfind("FW", 0) == 0 ? update_result::initial : update_result::integrity_failure;
    }
    void abort() noexcept override {
        ++aborts;
        data.clear();
    }
    update_result update() noexcept override {
        ++updates;
        return on_update;
    }
};

struct fake_fetcher final : package_fetcher {
    std::string uri;
    int cancels = 0;
    update_result on_start = update_result::initial;
    update_result start(std::string_view u) noexcept override {
        uri = std::string(u);
        return on_start;
    }
    void cancel() noexcept override { ++cancels; }
};

bytes_view bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::int64_t state_of(firmware_update& fw) {
    return read_value(fw, 0, firmware_res::state).integer();
}
std::int64_t result_of(firmware_update& fw) {
    return read_value(fw, 0, firmware_res::update_result).integer();
}

TEST(FirmwareUpdate, InitialValues) {
    fake_sink sink;
    firmware_update fw(sink);
    EXPECT_EQ(state_of(fw), 0);
    EXPECT_EQ(result_of(fw), 0);
    EXPECT_EQ(read_value(fw, 0, firmware_res::delivery_method).integer(), 1);  // push only
    EXPECT_EQ(read_value(fw, 0, firmware_res::package_uri).string(), "");
    EXPECT_EQ(fw.resource_instance_count(0, firmware_res::protocol_support), 0u);
    fake_fetcher f;
    fw.set_fetcher(&f, {firmware_protocol::coap, firmware_protocol::coaps});
    EXPECT_EQ(read_value(fw, 0, firmware_res::delivery_method).integer(), 2);
    EXPECT_EQ(fw.resource_instance_count(0, firmware_res::protocol_support), 2u);
    EXPECT_EQ(read_value(fw, 0, firmware_res::protocol_support, 1).integer(), 1);
}

TEST(FirmwareUpdate, PushInBlocksThenUpdateSucceeds) {
    fake_sink sink;
    firmware_update fw(sink);
    recording_listener rec;
    fw.set_listener(&rec);
    EXPECT_EQ(fw.execute(0, firmware_res::update, ""), status::method_not_allowed);  // Idle
    EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 0, bytes_of("FW-1"), false),
              status::continue_);
    EXPECT_EQ(fw.state(), firmware_state::downloading);
    EXPECT_TRUE(rec.saw("/5/0/3"));
    EXPECT_EQ(fw.execute(0, firmware_res::update, ""), status::method_not_allowed);  // Downloading
    EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 4, bytes_of("2345"), false),
              status::continue_);
    // A piece out of order is refused without disturbing the download.
    EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 100, bytes_of("x"), false),
              status::request_entity_incomplete);
    EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 8, bytes_of("67"), true), status::changed);
    EXPECT_EQ(sink.data, "FW-1234567");
    EXPECT_EQ(state_of(fw), 2);
    EXPECT_EQ(result_of(fw), 0);
    EXPECT_EQ(fw.execute(0, firmware_res::update, ""), status::changed);
    EXPECT_EQ(sink.updates, 1);
    EXPECT_EQ(state_of(fw), 0);
    EXPECT_EQ(result_of(fw), 1);  // success
    EXPECT_TRUE(rec.saw("/5/0/5"));
}

TEST(FirmwareUpdate, WholePackageInOneWrite) {
    fake_sink sink;
    firmware_update fw(sink);
    EXPECT_EQ(fw.write(0, firmware_res::package, std::nullopt,
                       lwm2m::value::of_opaque(bytes_of("FWabc"))),
              status::changed);
    EXPECT_EQ(fw.state(), firmware_state::downloaded);
}

TEST(FirmwareUpdate, IntegrityFailureGoesIdleWithResult5) {
    fake_sink sink;
    firmware_update fw(sink);
    EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 0, bytes_of("XX"), true),
              status::bad_request);
    EXPECT_EQ(state_of(fw), 0);
    EXPECT_EQ(result_of(fw), 5);
    EXPECT_EQ(sink.aborts, 1);
    // The next download starts with result 0 again.
    EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 0, bytes_of("FW"), false),
              status::continue_);
    EXPECT_EQ(result_of(fw), 0);
}

TEST(FirmwareUpdate, NotEnoughFlashOutOfRamUnsupportedPackage) {
    {
        fake_sink sink;
        sink.capacity = 4;
        firmware_update fw(sink);
        EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 0, bytes_of("FW"), false),
                  status::continue_);
        EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 2, bytes_of("123"), false),
                  status::request_entity_too_large);
        EXPECT_EQ(state_of(fw), 0);
        EXPECT_EQ(result_of(fw), 2);
    }
    {
        fake_sink sink;
        sink.on_begin = update_result::out_of_ram;
        firmware_update fw(sink);
        EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 0, bytes_of("FW"), false),
                  status::internal_server_error);
        EXPECT_EQ(state_of(fw), 0);
        EXPECT_EQ(result_of(fw), 3);
    }
    {
        fake_sink sink;
        sink.on_finish = update_result::unsupported_package;
        firmware_update fw(sink);
        EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 0, bytes_of("FW"), true),
                  status::bad_request);
        EXPECT_EQ(result_of(fw), 6);
    }
}

TEST(FirmwareUpdate, EmptyPackageResetsToIdle) {
    fake_sink sink;
    firmware_update fw(sink);
    EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 0, bytes_of("FW"), true), status::changed);
    EXPECT_EQ(fw.state(), firmware_state::downloaded);
    EXPECT_EQ(fw.write(0, firmware_res::package, std::nullopt, lwm2m::value::of_opaque({})),
              status::changed);
    EXPECT_EQ(fw.state(), firmware_state::idle);
    EXPECT_EQ(result_of(fw), 0);
    EXPECT_EQ(sink.aborts, 1);
    // Also in the middle of a download.
    EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 0, bytes_of("FW"), false),
              status::continue_);
    EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 0, {}, true), status::changed);
    EXPECT_EQ(fw.state(), firmware_state::idle);
    EXPECT_EQ(sink.aborts, 2);
}

TEST(FirmwareUpdate, UpdateFailureReturnsToDownloadedWithResult8) {
    fake_sink sink;
    sink.on_update = update_result::update_failed;
    firmware_update fw(sink);
    ASSERT_EQ(fw.write_chunk(0, firmware_res::package, 0, bytes_of("FW"), true), status::changed);
    EXPECT_EQ(fw.execute(0, firmware_res::update, ""), status::changed);
    EXPECT_EQ(state_of(fw), 2);
    EXPECT_EQ(result_of(fw), 8);
}

TEST(FirmwareUpdate, UpdateThatRunsOnReportsLater) {
    fake_sink sink;
    sink.on_update = update_result::initial;  // runs on
    firmware_update fw(sink);
    ASSERT_EQ(fw.write_chunk(0, firmware_res::package, 0, bytes_of("FW"), true), status::changed);
    EXPECT_EQ(fw.execute(0, firmware_res::update, ""), status::changed);
    EXPECT_EQ(state_of(fw), 3);  // Updating
    EXPECT_EQ(fw.execute(0, firmware_res::update, ""), status::method_not_allowed);
    fw.update_finished(true);
    EXPECT_EQ(state_of(fw), 0);
    EXPECT_EQ(result_of(fw), 1);
}

TEST(FirmwareUpdate, PullDownloadThroughTheFetcher) {
    fake_sink sink;
    fake_fetcher f;
    firmware_update fw(sink);
    fw.set_fetcher(&f, {firmware_protocol::coap});
    EXPECT_EQ(fw.write(0, firmware_res::package_uri, std::nullopt,
                       lwm2m::value::of_string("coap://fw.example/img")),
              status::changed);
    EXPECT_EQ(f.uri, "coap://fw.example/img");
    EXPECT_EQ(state_of(fw), 1);
    EXPECT_EQ(read_value(fw, 0, firmware_res::package_uri).string(), "coap://fw.example/img");
    // A push while pulling is refused.
    EXPECT_EQ(fw.write_chunk(0, firmware_res::package, 0, bytes_of("FW"), true),
              status::bad_request);
    fw.fetched_chunk(bytes_of("FW-"));
    fw.fetched_chunk(bytes_of("pulled"));
    fw.fetch_done(update_result::initial);
    EXPECT_EQ(sink.data, "FW-pulled");
    EXPECT_EQ(state_of(fw), 2);
    EXPECT_EQ(fw.execute(0, firmware_res::update, ""), status::changed);
    EXPECT_EQ(result_of(fw), 1);
    EXPECT_EQ(read_value(fw, 0, firmware_res::package_uri).string(), "");
}

TEST(FirmwareUpdate, PullFailures) {
    fake_sink sink;
    fake_fetcher f;
    firmware_update fw(sink);
    // No fetcher: unsupported protocol (9).
    EXPECT_EQ(
        fw.write(0, firmware_res::package_uri, std::nullopt, lwm2m::value::of_string("coap://a/b")),
        status::bad_request);
    EXPECT_EQ(result_of(fw), 9);
    fw.set_fetcher(&f, {firmware_protocol::coap});
    // Invalid URI (7).
    EXPECT_EQ(
        fw.write(0, firmware_res::package_uri, std::nullopt, lwm2m::value::of_string("not a uri")),
        status::bad_request);
    EXPECT_EQ(result_of(fw), 7);
    EXPECT_EQ(state_of(fw), 0);
    // A protocol not in /5/0/8 (9).
    EXPECT_EQ(fw.write(0, firmware_res::package_uri, std::nullopt,
                       lwm2m::value::of_string("https://a/b")),
              status::bad_request);
    EXPECT_EQ(result_of(fw), 9);
    // Connection lost during the download (4).
    EXPECT_EQ(
        fw.write(0, firmware_res::package_uri, std::nullopt, lwm2m::value::of_string("coap://a/b")),
        status::changed);
    EXPECT_EQ(result_of(fw), 0);
    fw.fetched_chunk(bytes_of("FW"));
    fw.fetch_done(update_result::connection_lost);
    EXPECT_EQ(state_of(fw), 0);
    EXPECT_EQ(result_of(fw), 4);
    EXPECT_EQ(sink.aborts, 1);
    EXPECT_EQ(f.cancels, 0);  // the fetcher stopped by itself
    // The fetcher refuses at once.
    f.on_start = update_result::out_of_ram;
    EXPECT_EQ(
        fw.write(0, firmware_res::package_uri, std::nullopt, lwm2m::value::of_string("coap://a/b")),
        status::changed);
    EXPECT_EQ(state_of(fw), 0);
    EXPECT_EQ(result_of(fw), 3);
    f.on_start = update_result::initial;
    // Integrity failure after a pull (5).
    EXPECT_EQ(
        fw.write(0, firmware_res::package_uri, std::nullopt, lwm2m::value::of_string("coap://a/b")),
        status::changed);
    fw.fetched_chunk(bytes_of("bad"));
    fw.fetch_done(update_result::initial);
    EXPECT_EQ(result_of(fw), 5);
    EXPECT_EQ(state_of(fw), 0);
}

TEST(FirmwareUpdate, EmptyUriCancelsAPull) {
    fake_sink sink;
    fake_fetcher f;
    firmware_update fw(sink);
    fw.set_fetcher(&f, {firmware_protocol::coap});
    ASSERT_EQ(
        fw.write(0, firmware_res::package_uri, std::nullopt, lwm2m::value::of_string("coap://a/b")),
        status::changed);
    // A second URI while downloading is refused.
    EXPECT_EQ(
        fw.write(0, firmware_res::package_uri, std::nullopt, lwm2m::value::of_string("coap://c/d")),
        status::bad_request);
    EXPECT_EQ(fw.write(0, firmware_res::package_uri, std::nullopt, lwm2m::value::of_string("")),
              status::changed);
    EXPECT_EQ(f.cancels, 1);
    EXPECT_EQ(sink.aborts, 1);
    EXPECT_EQ(state_of(fw), 0);
    EXPECT_EQ(result_of(fw), 0);
    // Late callbacks of a cancelled fetch are ignored.
    fw.fetched_chunk(bytes_of("FW"));
    fw.fetch_done(update_result::initial);
    EXPECT_EQ(state_of(fw), 0);
}

}  // namespace
}  // namespace sirocco::client
