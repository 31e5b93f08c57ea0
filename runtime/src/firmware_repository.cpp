#include "sirocco/runtime/firmware_repository.hpp"

#include <fstream>
#include <system_error>

#include "sirocco/runtime/metrics.hpp"

namespace sirocco::runtime {

namespace {

namespace fs = std::filesystem;

/// A transfer with no request for this long is over (for the start log line
/// when the block numbers are unknown).
constexpr coap::time_ms transfer_idle_ms = 60000;

std::array<std::uint8_t, 8> fnv1a64(const std::vector<std::uint8_t>& d) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (std::uint8_t b : d) {
        h ^= b;
        h *= 0x100000001b3ull;
    }
    std::array<std::uint8_t, 8> out{};
    for (std::size_t i = 0; i < 8; ++i)
        out[i] = static_cast<std::uint8_t>(h >> (56 - 8 * i));
    return out;
}

/// Safe relative name: non-empty '/'-separated segments, none "." or "..",
/// no backslash or NUL.
bool safe_name(std::string_view name) {
    if (name.empty() || name.size() > 1024) return false;
    std::size_t at = 0;
    while (at <= name.size()) {
        std::size_t slash = name.find('/', at);
        if (slash == std::string_view::npos) slash = name.size();
        std::string_view seg = name.substr(at, slash - at);
        if (seg.empty() || seg == "." || seg == "..") return false;
        for (char c : seg)
            if (c == '\0' || c == '\\') return false;
        at = slash + 1;
    }
    return true;
}

/// The Block2 option of a passed-on request, when server::event carries it.
template <class E>
std::optional<coap::block_value> block_of(const E& e) {
    if constexpr (requires { e.block2; }) {
        return e.block2;
    } else {
        return std::nullopt;
    }
}

bytes_view text(std::string_view s) {
    return bytes_view(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

}  // namespace

firmware_repository::firmware_repository(fs::path dir, metric_registry* metrics, log_fn log)
    : dir_(std::move(dir)), metrics_(metrics), log_(std::move(log)) {
    if (metrics_ != nullptr)
        metrics_->describe("sirocco_firmware_blocks_total", metric_type::counter,
                           "Firmware blocks served by the repository (mq2m:// and coap://)");
}

std::optional<std::string> firmware_repository::name_of(const server::event& e) {
    std::size_t first = 0;
    if (e.uri_host == "server") {
        first = 0;
    } else if (!e.uri_path.empty() && e.uri_path[0] == "fw") {
        first = 1;
    } else {
        return std::nullopt;
    }
    std::string name;
    for (std::size_t i = first; i < e.uri_path.size(); ++i) {
        if (i > first) name += '/';
        name += e.uri_path[i];
    }
    return name;
}

result<firmware_repository::file> firmware_repository::get(std::string_view name) {
    std::lock_guard<std::mutex> lock(mx_);
    return get_locked(name);
}

result<firmware_repository::file> firmware_repository::get_locked(std::string_view name) {
    if (!safe_name(name)) return unexpected(errc::not_found, "not a safe file name");
    std::error_code ec;
    const fs::path root = fs::canonical(dir_, ec);
    if (ec) return unexpected(errc::not_found, "the firmware folder does not exist");
    const fs::path p = fs::canonical(root / fs::path(std::string(name)), ec);
    if (ec) return unexpected(errc::not_found, "no such file");
    // Inside the folder (after symlinks are resolved)?
    auto rel = p.lexically_relative(root);
    if (rel.empty() || *rel.begin() == ".." || rel.is_absolute())
        return unexpected(errc::not_found, "outside the firmware folder");
    if (!fs::is_regular_file(p, ec) || ec) return unexpected(errc::not_found, "not a regular file");
    const auto size = fs::file_size(p, ec);
    if (ec) return unexpected(errc::io_error, "cannot stat the file");
    const auto mtime = fs::last_write_time(p, ec);
    if (ec) return unexpected(errc::io_error, "cannot stat the file");
    auto it = cache_.find(name);
    if (it != cache_.end() && it->second.size == size && it->second.mtime == mtime)
        return file{it->second.data, it->second.etag};
    std::ifstream in(p, std::ios::binary);
    if (!in) return unexpected(errc::io_error, "cannot open the file");
    auto data = std::make_shared<std::vector<std::uint8_t>>(static_cast<std::size_t>(size));
    if (size > 0 &&
        !in.read(reinterpret_cast<char*>(data->data()), static_cast<std::streamsize>(size)))
        return unexpected(errc::io_error, "cannot read the file");
    cached c;
    c.etag = fnv1a64(*data);
    c.data = std::move(data);
    c.size = size;
    c.mtime = mtime;
    cache_[std::string(name)] = c;
    return file{c.data, c.etag};
}

void firmware_repository::log(std::string_view event,
                              const std::vector<std::pair<std::string, std::string>>& kv) {
    if (log_) log_(event, kv);
}

bool firmware_repository::handle(const server::event& e, server::server_engine& engine,
                                 coap::time_ms now) {
    if (e.kind != server::event_kind::request) return false;
    auto name = name_of(e);
    if (!name) return false;
    std::vector<std::pair<std::string, std::string>> start_kv, end_kv;
    {
        std::lock_guard<std::mutex> lock(mx_);
        if (e.code != coap::codes::get) {
            (void)engine.respond(e.request, coap::codes::method_not_allowed,
                                 text("firmware images are read with GET"), now);
            return true;
        }
        auto f = get_locked(*name);
        if (!f) {
            (void)engine.respond(e.request, coap::codes::not_found, text("no such firmware image"),
                                 now);
            start_kv = {{"file", *name},
                        {"peer", std::to_string(e.peer.value())},
                        {"reason", f.error().reason}};
            // logged below, outside the lock
            if (log_) log_("firmware_refused", start_kv);
            return true;
        }
        auto r = engine.respond(e.request, coap::codes::content,
                                bytes_view(f->data->data(), f->data->size()), now, 42,
                                bytes_view(f->etag.data(), f->etag.size()));
        if (!r) return true;
        ++total_;
        if (metrics_ != nullptr) metrics_->inc("sirocco_firmware_blocks_total", {{"file", *name}});
        auto& t = transfers_[{e.peer.value(), *name}];
        const auto b2 = block_of(e);
        const bool first_block = b2 ? b2->num == 0 : false;
        if (!t.active || first_block || now - t.last > transfer_idle_ms) {
            t.active = true;
            start_kv = {{"file", *name},
                        {"peer", std::to_string(e.peer.value())},
                        {"endpoint", e.reg.endpoint},
                        {"size", std::to_string(f->data->size())},
                        {"block", b2 ? std::to_string(b2->num) : std::string("?")}};
        }
        ++t.blocks;
        t.last = now;
        if (b2) {
            const std::size_t bs = b2->size();
            const bool last = f->data->size() <= (static_cast<std::size_t>(b2->num) + 1) * bs;
            if (last) {
                t.active = false;
                end_kv = {{"file", *name},
                          {"peer", std::to_string(e.peer.value())},
                          {"endpoint", e.reg.endpoint},
                          {"blocks", std::to_string(t.blocks)}};
            }
        }
    }
    if (!start_kv.empty()) log("firmware_transfer_start", start_kv);
    if (!end_kv.empty()) log("firmware_transfer_end", end_kv);
    return true;
}

std::uint64_t firmware_repository::blocks_served(coap::peer_id peer, std::string_view name) const {
    std::lock_guard<std::mutex> lock(mx_);
    auto it = transfers_.find({peer.value(), std::string(name)});
    return it == transfers_.end() ? 0 : it->second.blocks;
}

std::uint64_t firmware_repository::blocks_served() const {
    std::lock_guard<std::mutex> lock(mx_);
    return total_;
}

}  // namespace sirocco::runtime
