// The server's firmware repository (issue 7, docs/firmware.md): serves the
// regular files of one folder to the requests server_engine passes on
// (server::event_kind::request), block by block:
//   mq2m://server/NAME?size=N   GET with Uri-Host "server", Uri-Path NAME
//                               (one or more segments), over the device's
//                               MQTT link
//   coap://HOST:PORT/fw/NAME    GET with Uri-Path "fw" then NAME (any or no
//                               Uri-Host), over UDP
// Answer: 2.05, Content-Format 42 (octet-stream), an 8-byte ETag (FNV-1a 64
// of the content), and server_engine::respond() slices the block the request
// asked for (Block2, RFC 7959 2.4; Size2 with block 0): the repository keeps
// no state per transfer. 4.04 for an unknown name, a name that is not a
// regular file inside the folder (".." segments, empty segments, symlinks
// that lead out of it); 4.05 for another method than GET.
//
// Cache: each file's bytes are loaded once and shared (std::shared_ptr) by
// every transfer; a file whose size or mtime changed is loaded again (and
// gets a new ETag, so devices restart their download). Nothing is re-read
// per block: one stat() per request.
//
// Accounting: metrics counter sirocco_firmware_blocks_total{file} (one per
// block served) when a metric_registry is given; per (peer, file) counts for
// tests (blocks_served); a log line when a transfer starts (block 0, or the
// first request of a peer for the file after 60 s of silence) and when its
// last block is served (when server::event carries the block number).
//
// Threads: handle() runs on the server's core thread; every public function
// takes the repository's mutex. Host-only (runtime/).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sirocco/base/result.hpp"
#include "sirocco/server/server_engine.hpp"

namespace sirocco::runtime {

class metric_registry;

class firmware_repository {
  public:
    /// Log callback: an event name ("firmware_transfer_start",
    /// "firmware_transfer_end", "firmware_refused") and logfmt fields.
    using log_fn = std::function<void(std::string_view event,
                                      const std::vector<std::pair<std::string, std::string>>&)>;

    /// One loaded file. `data` stays valid as long as the caller holds it.
    struct file {
        std::shared_ptr<const std::vector<std::uint8_t>> data;
        std::array<std::uint8_t, 8> etag{};
    };

    /// `dir` need not exist yet (every name is then unknown). `metrics` is
    /// borrowed (may be null) and must outlive the repository.
    explicit firmware_repository(std::filesystem::path dir, metric_registry* metrics = nullptr,
                                 log_fn log = {});

    /// The file name a request asks for: Uri-Host "server" -> the Uri-Path
    /// joined by '/'; else Uri-Path "fw"/NAME... -> NAME...; nullopt when
    /// the request is not for the repository.
    static std::optional<std::string> name_of(const server::event& e);

    /// The file `name` (relative, '/'-separated). Errors: not_found (no such
    /// regular file inside the folder, or the name is unsafe), io_error (it
    /// cannot be read).
    result<file> get(std::string_view name);

    /// Answers `e` when it is a request for the repository (see above) and
    /// returns true; false (nothing sent) for any other request.
    bool handle(const server::event& e, server::server_engine& engine, coap::time_ms now);

    /// Blocks served to `peer` from `name`, and in total (tests).
    std::uint64_t blocks_served(coap::peer_id peer, std::string_view name) const;
    std::uint64_t blocks_served() const;

    const std::filesystem::path& dir() const noexcept { return dir_; }

  private:
    struct cached {
        std::shared_ptr<const std::vector<std::uint8_t>> data;
        std::array<std::uint8_t, 8> etag{};
        std::filesystem::file_time_type mtime;
        std::uintmax_t size = 0;
    };
    struct transfer {
        std::uint64_t blocks = 0;
        coap::time_ms last = 0;
        bool active = false;
    };
    result<file> get_locked(std::string_view name);
    void log(std::string_view event, const std::vector<std::pair<std::string, std::string>>& kv);

    std::filesystem::path dir_;
    metric_registry* metrics_;
    log_fn log_;
    mutable std::mutex mx_;
    std::map<std::string, cached, std::less<>> cache_;
    std::map<std::pair<std::uint32_t, std::string>, transfer> transfers_;
    std::uint64_t total_ = 0;
};

}  // namespace sirocco::runtime
