#include "sirocco/runtime/sim_device.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>

namespace sirocco::runtime {

namespace {
bool contains(const std::vector<std::uint16_t>& v, std::uint16_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}
std::int64_t unix_seconds(void*) noexcept {
    return static_cast<std::int64_t>(std::time(nullptr));
}
}  // namespace

bool is_optional_object(std::uint16_t oid) noexcept {
    return std::find(std::begin(default_optional_objects), std::end(default_optional_objects),
                     oid) != std::end(default_optional_objects);
}

result<void> sim_device::check(const device_settings& s) {
    for (auto oid : s.objects)
        if (oid != 0 && oid != 1 && oid != 3 && !is_optional_object(oid))
            return unexpected(errc::invalid_argument, "object not supported by the simulator");
    if (s.endpoint.empty()) return unexpected(errc::invalid_argument, "empty endpoint name");
    if (s.server_uri.size() > SIROCCO_CLIENT_MAX_URI)
        return unexpected(errc::out_of_range, "server URI longer than the Security object holds");
    if (s.binding.empty() || s.binding.size() > 4)
        return unexpected(errc::out_of_range, "binding too long");
    if (s.lifetime <= 0) return unexpected(errc::out_of_range, "lifetime must be positive");
    if (s.identity.size() > SIROCCO_CLIENT_CERT_SIZE ||
        s.server_public_key.size() > SIROCCO_CLIENT_CERT_SIZE)
        return unexpected(errc::out_of_range,
                          "a certificate or key longer than the Security object holds (1024 "
                          "bytes of DER)");
    if (s.secret_key.size() > SIROCCO_CLIENT_PRIVATE_KEY_SIZE)
        return unexpected(errc::out_of_range,
                          "a private key longer than the Security object holds (200 bytes of DER)");
    if (s.retry_timer_s && *s.retry_timer_s <= 0)
        return unexpected(errc::out_of_range, "retry timer must be positive");
    return {};
}

sim_device::sim_device(const device_settings& s)
    : settings_(s),
      rng_state_(s.seed == 0 ? 0x9e3779b9u : s.seed),
      dm_(s.version),
      firmware_(*this),
      engine_(
          [this] {
              client::client_config c;
              c.endpoint = settings_.endpoint;
              c.coap.rng = &sim_device::rng;
              c.coap.rng_ctx = this;
              return c;
          }(),
          dm_) {
    setup_ = setup();
}

result<void> sim_device::setup() {
    SIROCCO_TRY(check(settings_));
    const std::size_t small = SIROCCO_CLIENT_KEY_SIZE;
    client::security_object* sec = &security_;
    if (settings_.identity.size() > small || settings_.server_public_key.size() > small ||
        settings_.secret_key.size() > small) {
        pki_ = std::make_unique<client::security_pki>();
        sec = pki_.get();
    }
    SIROCCO_TRY(sec->add_server(0, settings_.server_uri, settings_.short_server_id));
    if (settings_.security_mode != client::security_mode::no_sec) {
        client::security_keys k;
        k.mode = settings_.security_mode;
        k.identity = bytes_view(settings_.identity.data(), settings_.identity.size());
        k.server_public_key =
            bytes_view(settings_.server_public_key.data(), settings_.server_public_key.size());
        k.secret_key = bytes_view(settings_.secret_key.data(), settings_.secret_key.size());
        k.certificate_usage = settings_.certificate_usage;
        k.sni = settings_.sni;
        SIROCCO_TRY(sec->set_keys(0, k));
    }
    SIROCCO_TRY(
        server_.add_server(0, settings_.short_server_id, settings_.lifetime, settings_.binding));
    if (settings_.retry_timer_s)
        SIROCCO_TRY(server_.set_value(
            0, client::server_res::retry_timer,
            lwm2m::value::of_unsigned(static_cast<std::uint64_t>(*settings_.retry_timer_s))));
    SIROCCO_TRY(device_.set_info("Sirocco", "sirocco-client",
                                 settings_.endpoint.substr(0, client::device_string), "0.1.0"));
    device_.set_clock(&unix_seconds, nullptr);
    device_.set_actions(this);
    SIROCCO_TRY(dm_.add(*sec));
    SIROCCO_TRY(dm_.add(server_));
    SIROCCO_TRY(dm_.add(device_));
    if (enabled(4)) SIROCCO_TRY(dm_.add(connmon_));
    if (enabled(5)) SIROCCO_TRY(dm_.add(firmware_));
    if (enabled(6)) {
        SIROCCO_TRY(location_.set_position(48.8566, 2.3522, 35.0, unix_seconds(nullptr)));
        SIROCCO_TRY(dm_.add(location_));
    }
    if (enabled(7)) SIROCCO_TRY(dm_.add(connstats_));
    if (enabled(3300)) {
        SIROCCO_TRY(generic_.add_sensor(0, "ppm", 0, 5000));
        SIROCCO_TRY(generic_.set_sensor_type(0, "CO2"));
        SIROCCO_TRY(generic_.set_measurement(0, co2_));
        SIROCCO_TRY(dm_.add(generic_));
    }
    if (enabled(3303)) {
        SIROCCO_TRY(temperature_.add_celsius(0));
        SIROCCO_TRY(temperature_.set_measurement(0, temp_));
        SIROCCO_TRY(dm_.add(temperature_));
    }
    if (enabled(3311)) {
        SIROCCO_TRY(light_.add_light(0));
        SIROCCO_TRY(dm_.add(light_));
    }
    if (enabled(3342)) {
        SIROCCO_TRY(switch_.add_switch(0));
        SIROCCO_TRY(dm_.add(switch_));
    }
    // Spread the devices of a fleet over the sensor period.
    next_sim_ = settings_.sensor_period_ms == 0 ? 0 : rng(this) % settings_.sensor_period_ms;
    return {};
}

bool sim_device::enabled(std::uint16_t oid) const noexcept {
    return contains(settings_.objects, oid);
}

std::uint32_t sim_device::rng(void* ctx) noexcept {
    auto* d = static_cast<sim_device*>(ctx);
    std::uint32_t x = d->rng_state_;  // xorshift32
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    d->rng_state_ = x;
    return x;
}

double sim_device::uniform() noexcept {
    return static_cast<double>(rng(this)) / 2147483648.0 - 1.0;
}

time_ms sim_device::simulate(time_ms now) {
    if (settings_.sensor_period_ms == 0) return now + 3600000;
    if (now < next_sim_) return next_sim_;
    // First call: start the schedule from now.
    if (next_sim_ < settings_.sensor_period_ms) next_sim_ += now;
    if (now < next_sim_) return next_sim_;
    next_sim_ = now + settings_.sensor_period_ms;
    if (enabled(3303)) {
        // A slow random walk around 21 Cel, at most 0.25 per step, pulled back to the mean.
        temp_ += 0.25 * uniform() + 0.02 * (21.0 - temp_);
        temp_ = std::round(temp_ * 100.0) / 100.0;
        (void)temperature_.set_measurement(0, temp_);
        engine_.changed(
            lwm2m::path(lwm2m::object_id(3303), lwm2m::instance_id(0), lwm2m::resource_id(5700)),
            now);
    }
    if (enabled(3300)) {
        co2_ = std::clamp(co2_ + 5.0 * uniform() + 0.05 * (420.0 - co2_), 0.0, 5000.0);
        co2_ = std::round(co2_);
        (void)generic_.set_measurement(0, co2_);
        engine_.changed(
            lwm2m::path(lwm2m::object_id(3300), lwm2m::instance_id(0), lwm2m::resource_id(5700)),
            now);
    }
    if (enabled(4)) {
        rssi_ = std::clamp<std::int64_t>(
            rssi_ + static_cast<std::int64_t>(std::lround(2.0 * uniform())), -110, -40);
        connmon_.set_signal(rssi_, 100 + rssi_ / 2);
    }
    if (enabled(3311)) light_.tick(settings_.sensor_period_ms / 1000);
    if (enabled(3342)) switch_.tick(settings_.sensor_period_ms / 1000);
    return next_sim_;
}

client::object* sim_device::local_object(std::uint16_t oid) noexcept {
    return dm_.find(oid);
}

namespace {
result<lwm2m::value> value_from_text(client::data_type t, std::string_view text) {
    auto as_int = [&]() -> result<std::int64_t> {
        std::int64_t i = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
        if (ec != std::errc() || p != text.data() + text.size())
            return unexpected(errc::type_mismatch, "not an integer");
        return i;
    };
    switch (t) {
        case client::data_type::string:
            return lwm2m::value::of_string(text);
        case client::data_type::corelnk:
            return lwm2m::value::of_corelnk(text);
        case client::data_type::opaque:
            return lwm2m::value::of_opaque(
                bytes_view(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
        case client::data_type::integer: {
            auto i = as_int();
            if (!i) return unexpected(i.error());
            return lwm2m::value::of_integer(*i);
        }
        case client::data_type::time: {
            auto i = as_int();
            if (!i) return unexpected(i.error());
            return lwm2m::value::of_time(*i);
        }
        case client::data_type::unsigned_integer: {
            std::uint64_t u = 0;
            auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), u);
            if (ec != std::errc() || p != text.data() + text.size())
                return unexpected(errc::type_mismatch, "not an unsigned integer");
            return lwm2m::value::of_unsigned(u);
        }
        case client::data_type::float_: {
            std::string s(text);
            char* end = nullptr;
            double d = std::strtod(s.c_str(), &end);
            if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(d))
                return unexpected(errc::type_mismatch, "not a number");
            return lwm2m::value::of_float(d);
        }
        case client::data_type::boolean:
            if (text == "true" || text == "1" || text == "on")
                return lwm2m::value::of_boolean(true);
            if (text == "false" || text == "0" || text == "off")
                return lwm2m::value::of_boolean(false);
            return unexpected(errc::type_mismatch, "not a boolean (true/false/1/0)");
        case client::data_type::objlnk: {
            auto colon = text.find(':');
            if (colon == std::string_view::npos)
                return unexpected(errc::type_mismatch, "not an object link (oid:iid)");
            std::uint16_t o = 0, i = 0;
            auto r1 = std::from_chars(text.data(), text.data() + colon, o);
            auto r2 = std::from_chars(text.data() + colon + 1, text.data() + text.size(), i);
            if (r1.ec != std::errc() || r2.ec != std::errc() || r1.ptr != text.data() + colon ||
                r2.ptr != text.data() + text.size())
                return unexpected(errc::type_mismatch, "not an object link (oid:iid)");
            return lwm2m::value::of_objlnk({o, i});
        }
        case client::data_type::none:
            break;
    }
    return unexpected(errc::not_allowed, "the resource has no value (executable)");
}
}  // namespace

result<void> sim_device::set_local(const lwm2m::path& p, std::string_view text, time_ms now) {
    if (!p.is_resource() && !p.is_resource_instance())
        return unexpected(errc::invalid_argument, "give a resource path /oid/iid/rid[/riid]");
    if (p.object().value() == 0)
        return unexpected(errc::not_allowed, "the Security object is not editable here");
    client::object* o = local_object(p.object().value());
    if (o == nullptr || !o->has_instance(p.instance().value()))
        return unexpected(errc::not_found, "no such object instance");
    const client::resource_def* def = o->def().find(p.resource().value());
    if (def == nullptr) return unexpected(errc::not_found, "no such resource");
    if (def->multiple != p.is_resource_instance())
        return unexpected(errc::invalid_argument,
                          def->multiple ? "a multiple resource needs a resource instance id"
                                        : "a single resource has no resource instance id");
    auto v = value_from_text(def->type, text);
    if (!v) return unexpected(v.error());
    std::optional<std::uint16_t> riid;
    if (p.is_resource_instance()) riid = p.resource_instance().value();
    client::status st = o->validate(p.instance().value(), p.resource().value(), riid, *v);
    if (lwm2m::is_success(st)) st = o->write(p.instance().value(), p.resource().value(), riid, *v);
    if (!lwm2m::is_success(st))
        return unexpected(errc::out_of_range, "the object refused the value");
    o->after_write(p.instance().value(),
                   riid ? std::nullopt : std::optional<std::uint16_t>(p.resource().value()));
    engine_.changed(p, now);
    return {};
}

result<std::string> sim_device::read_local(const lwm2m::path& p) {
    std::vector<std::uint8_t> out(4096), scratch(1024);
    client::request_ctx ctx;  // the device itself
    std::optional<std::uint16_t> accept;
    if (p.is_resource() || p.is_resource_instance())
        accept = static_cast<std::uint16_t>(codec::content_format::text);
    else
        accept = static_cast<std::uint16_t>(codec::content_format::senml_json);
    auto r = dm_.read(ctx, p, accept, out, scratch);
    if (r.code != client::status::content) {
        // A multiple resource does not fit text/plain: SenML JSON then.
        if (p.is_resource()) {
            accept = static_cast<std::uint16_t>(codec::content_format::senml_json);
            r = dm_.read(ctx, p, accept, out, scratch);
        }
        if (r.code == client::status::not_found) return unexpected(errc::not_found, "no such path");
        if (r.code != client::status::content)
            return unexpected(errc::not_allowed, "the path cannot be read");
    }
    return std::string(reinterpret_cast<const char*>(out.data()), r.size);
}

client::status sim_device::reboot() noexcept {
    ++reboots_;
    return client::status::changed;
}
client::status sim_device::factory_reset() noexcept {
    return client::status::changed;
}

client::update_result sim_device::begin() noexcept {
    firmware_bytes_ = 0;
    return external_sink_ != nullptr ? external_sink_->begin() : client::update_result::initial;
}
client::update_result sim_device::write(bytes_view chunk) noexcept {
    firmware_bytes_ += chunk.size();
    return external_sink_ != nullptr ? external_sink_->write(chunk)
                                     : client::update_result::initial;
}
client::update_result sim_device::finish() noexcept {
    return external_sink_ != nullptr ? external_sink_->finish() : client::update_result::initial;
}
void sim_device::abort() noexcept {
    firmware_bytes_ = 0;
    if (external_sink_ != nullptr) external_sink_->abort();
}
client::update_result sim_device::update() noexcept {
    return external_sink_ != nullptr ? external_sink_->update() : client::update_result::success;
}

sim_device::footprint sim_device::sizes() noexcept {
    footprint f{};
    f.engine = sizeof(client::client);
    f.model = sizeof(client::data_model);
    f.objects = sizeof(client::security) + sizeof(client::server) + sizeof(client::device) +
                sizeof(client::connectivity_monitoring) + sizeof(client::firmware_update) +
                sizeof(client::location) + sizeof(client::connectivity_statistics) +
                sizeof(client::generic_sensor) + sizeof(client::temperature) +
                sizeof(client::light_control) + sizeof(client::on_off_switch);
    f.total = sizeof(sim_device);
    return f;
}

}  // namespace sirocco::runtime
