#include "sirocco/client/objects/firmware_update.hpp"

namespace sirocco::client {

namespace {

/// The /5/0/8 protocol of a URI's scheme, or nullopt (no "scheme://").
std::optional<firmware_protocol> protocol_of(std::string_view uri) noexcept {
    auto end = uri.find("://");
    if (end == std::string_view::npos || end == 0 || end + 3 == uri.size()) return std::nullopt;
    std::string_view s = uri.substr(0, end);
    if (s == "coap") return firmware_protocol::coap;
    if (s == "coaps") return firmware_protocol::coaps;
    if (s == "http") return firmware_protocol::http;
    if (s == "https") return firmware_protocol::https;
    if (s == "coap+tcp") return firmware_protocol::coap_tcp;
    if (s == "coaps+tcp") return firmware_protocol::coaps_tcp;
    if (s == "mq2m") return firmware_protocol::mq2m;
    return std::nullopt;
}

lwm2m::value int_value(std::int64_t i) noexcept {
    return lwm2m::value::of_integer(i);
}

}  // namespace

firmware_update::firmware_update(firmware_sink& sink) noexcept : sink_(sink) {
    (void)add_instance(0);
    (void)set_value(0, firmware_res::package_uri, lwm2m::value::of_string(""));
    (void)set_value(0, firmware_res::state, int_value(0));
    (void)set_value(0, firmware_res::update_result, int_value(0));
    (void)set_value(0, firmware_res::delivery_method, int_value(1));
}

void firmware_update::set_fetcher(package_fetcher* fetcher,
                                  std::initializer_list<firmware_protocol> protocols) noexcept {
    fetcher_ = fetcher;
    (void)clear_resource(0, firmware_res::protocol_support);
    std::uint16_t riid = 0;
    for (auto p : protocols)
        (void)set_value(0, firmware_res::protocol_support, int_value(static_cast<int>(p)), riid++);
    (void)set_value(0, firmware_res::delivery_method, int_value(fetcher != nullptr ? 2 : 1));
}

void firmware_update::set_state(firmware_state s) noexcept {
    state_ = s;
    (void)set_value(0, firmware_res::state, int_value(static_cast<int>(s)));
}

void firmware_update::set_result(update_result r) noexcept {
    result_ = r;
    (void)set_value(0, firmware_res::update_result, int_value(static_cast<int>(r)));
}

void firmware_update::reset() noexcept {
    if (state_ == firmware_state::downloading || state_ == firmware_state::downloaded) {
        if (pulling_ && state_ == firmware_state::downloading && fetcher_ != nullptr)
            fetcher_->cancel();
        sink_.abort();
    }
    pulling_ = false;
    next_offset_ = 0;
    (void)set_value(0, firmware_res::package_uri, lwm2m::value::of_string(""));
    set_state(firmware_state::idle);
}

void firmware_update::fail(update_result r) noexcept {
    reset();
    set_result(r);
}

status firmware_update::write(std::uint16_t iid, std::uint16_t rid,
                              std::optional<std::uint16_t> riid, const lwm2m::value& v) noexcept {
    if (iid != 0) return status::not_found;
    if (rid == firmware_res::package) {
        if (v.type() != data_type::opaque && v.type() != data_type::string)
            return status::bad_request;
        return write_chunk(iid, rid, 0, v.opaque(), true);
    }
    if (rid == firmware_res::package_uri) {
        if (v.type() != data_type::string) return status::bad_request;
        std::string_view uri = v.string();
        if (uri.empty()) {
            reset();
            set_result(update_result::initial);
            return status::changed;
        }
        if (state_ != firmware_state::idle) return status::bad_request;
        return start_pull(uri);
    }
    return stored_object::write(iid, rid, riid, v);
}

status firmware_update::start_pull(std::string_view uri) noexcept {
    if (uri.size() > SIROCCO_CLIENT_MAX_URI) {
        set_result(update_result::invalid_uri);
        return status::bad_request;
    }
    auto proto = protocol_of(uri);
    if (!proto) {
        set_result(update_result::invalid_uri);
        return status::bad_request;
    }
    bool supported = false;
    for (std::size_t k = 0; k < resource_instance_count(0, firmware_res::protocol_support); ++k) {
        auto p = get_value(0, firmware_res::protocol_support,
                           resource_instance_at(0, firmware_res::protocol_support, k));
        if (p && p->integer() == static_cast<int>(*proto)) supported = true;
    }
    if (fetcher_ == nullptr || !supported) {
        set_result(update_result::unsupported_protocol);
        return status::bad_request;
    }
    update_result r = sink_.begin();
    if (r != update_result::initial) {
        set_result(r);
        return status::changed;
    }
    (void)set_value(0, firmware_res::package_uri, lwm2m::value::of_string(uri));
    pulling_ = true;
    next_offset_ = 0;
    set_result(update_result::initial);
    set_state(firmware_state::downloading);
    r = fetcher_->start(uri);
    if (r != update_result::initial) {
        pulling_ = false;  // nothing to cancel
        fail(r);
    }
    return status::changed;
}

status firmware_update::write_chunk(std::uint16_t iid, std::uint16_t rid, std::size_t offset,
                                    bytes_view chunk, bool last) noexcept {
    if (iid != 0) return status::not_found;
    if (rid != firmware_res::package) return status::request_entity_too_large;
    if (offset == 0) {
        if (chunk.empty() && last) {  // empty package: reset (E.6)
            reset();
            set_result(update_result::initial);
            return status::changed;
        }
        if (state_ == firmware_state::downloading && !pulling_) {
            sink_.abort();  // a new push replaces one cut short
        } else if (state_ != firmware_state::idle) {
            return status::bad_request;
        }
        update_result r = sink_.begin();
        if (r != update_result::initial) {
            fail(r);
            return status::internal_server_error;
        }
        pulling_ = false;
        next_offset_ = 0;
        set_result(update_result::initial);
        set_state(firmware_state::downloading);
    }
    if (state_ != firmware_state::downloading || pulling_ || offset != next_offset_)
        return status::request_entity_incomplete;
    if (!chunk.empty()) {
        update_result r = sink_.write(chunk);
        if (r != update_result::initial) {
            fail(r);
            return r == update_result::not_enough_flash ? status::request_entity_too_large
                                                        : status::internal_server_error;
        }
    }
    next_offset_ += chunk.size();
    if (!last) return status::continue_;
    update_result r = sink_.finish();
    if (r != update_result::initial) {
        fail(r);
        return status::bad_request;
    }
    set_state(firmware_state::downloaded);
    return status::changed;
}

void firmware_update::fetched_chunk(bytes_view chunk) noexcept {
    if (state_ != firmware_state::downloading || !pulling_) return;
    update_result r = sink_.write(chunk);
    if (r != update_result::initial) fail(r);
}

void firmware_update::fetch_done(update_result r) noexcept {
    if (state_ != firmware_state::downloading || !pulling_) return;
    if (r != update_result::initial) {
        pulling_ = false;  // the fetcher has stopped already
        fail(r);
        return;
    }
    r = sink_.finish();
    pulling_ = false;
    if (r != update_result::initial) {
        fail(r);
        return;
    }
    set_state(firmware_state::downloaded);
}

status firmware_update::execute(std::uint16_t iid, std::uint16_t rid, std::string_view) noexcept {
    if (iid != 0) return status::not_found;
    if (rid != firmware_res::update) return status::method_not_allowed;
    if (state_ != firmware_state::downloaded) return status::method_not_allowed;
    set_state(firmware_state::updating);
    update_result r = sink_.update();
    if (r == update_result::success) {
        update_finished(true);
    } else if (r != update_result::initial) {
        update_finished(false);
    }
    return status::changed;
}

void firmware_update::update_finished(bool ok) noexcept {
    if (state_ != firmware_state::updating) return;
    if (ok) {
        (void)set_value(0, firmware_res::package_uri, lwm2m::value::of_string(""));
        set_state(firmware_state::idle);
        set_result(update_result::success);
    } else {
        set_state(firmware_state::downloaded);
        set_result(update_result::update_failed);
    }
}

}  // namespace sirocco::client
