// Firmware pull for sirocco-client (issue 7, docs/firmware.md): a
// client::package_fetcher for the Package URIs
//   mq2m://{owner}/{path}?size=N   over the LwM2M server's link (the MQTT
//                                  link): client::client::fetch_block(), GET
//                                  Uri-Host {owner} + Uri-Path {path} + Block2
//   coap://host[:port]/path        over UDP to that host, with the fetcher's
//                                  own coap::engine and socket (the LwM2M
//                                  server's link is not used: the host may
//                                  be another one)
// and a resumable file sink.
//
// Pace: the device asks for block N+1 only after block N is stored (written
// to the sink and the progress saved), `block_delay` later. Block size
// 16..1024 (a power of two).
//
// Resume: the progress is kept in {state_dir}/download.state (URI, ETag,
// block size, next block, size), rewritten (tmp + rename) after each block.
// A restarted process calls resume(): the URI goes back into /5/0/1 and the
// download continues at the next missing block (the partial image is cut
// to that block's offset). A lost link (timeout, broker gone, transport
// closed) or a 5.xx is retried every `retry_delay`, and at once when the
// client registers / updates again; after `give_up_after` without any
// progress: Update Result 4 (connection lost).
//
// Results (Core TS 1.2, E.6, /5/0/5): a URI that does not parse: 7 (invalid
// URI); another scheme: 9 (unsupported protocol, from firmware_update);
// ?size= larger than `max_size`: 2 (not enough flash) before any block;
// Size2 of block 0 different from ?size=, or a total that differs from
// ?size= at the end: 5 (integrity check failure); 4.04 (and every other
// 4.xx): 7 (invalid URI); a changed ETag between blocks restarts the
// download from block 0 (more than 3 restarts: 5).
//
// Threads: everything runs on the event loop's thread. Host-only.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sirocco/base/result.hpp"
#include "sirocco/client/engine.hpp"
#include "sirocco/client/objects/firmware_update.hpp"

namespace sirocco::runtime {

class event_loop;
class client_runner;

/// A parsed Package URI.
struct package_uri {
    enum class scheme : std::uint8_t { mq2m, coap };
    scheme kind = scheme::mq2m;
    std::string host;  ///< mq2m: the owner ("server"); coap: host name or address
    std::uint16_t port = 5683;
    std::string path;  ///< without the leading '/'
    std::optional<std::uint64_t> size;
};

/// mq2m://owner/path[?size=N] or coap://host[:port]/path ([v6] hosts too).
/// Errors: invalid_argument (malformed: no host, no path, a bad port or
/// size, an unknown query parameter of mq2m), unsupported (another scheme).
result<package_uri> parse_package_uri(std::string_view uri);

/// A firmware_sink whose partial image survives a restart of the process.
class resumable_sink : public client::firmware_sink {
  public:
    /// Keeps the first `offset` bytes of the partial image (fewer when it is
    /// shorter), drops the rest, and writes go on from there. Returns the
    /// bytes kept. After begin() without resume_at(), the first write()
    /// starts a new image.
    virtual std::uint64_t resume_at(std::uint64_t offset) noexcept = 0;

  protected:
    ~resumable_sink() = default;
};

/// Writes the image to {dir}/firmware.part, renamed to {dir}/firmware.bin
/// when complete (finish()); update() succeeds at once (the demo device has
/// nothing to flash) and writes {dir}/firmware.updated. The folder is
/// created when missing.
class file_firmware_sink final : public resumable_sink {
  public:
    explicit file_firmware_sink(std::filesystem::path dir);
    ~file_firmware_sink();
    file_firmware_sink(const file_firmware_sink&) = delete;
    file_firmware_sink& operator=(const file_firmware_sink&) = delete;

    client::update_result begin() noexcept override;
    client::update_result write(bytes_view chunk) noexcept override;
    client::update_result finish() noexcept override;
    void abort() noexcept override;
    client::update_result update() noexcept override;
    std::uint64_t resume_at(std::uint64_t offset) noexcept override;

    std::filesystem::path image_path() const { return dir_ / "firmware.bin"; }
    std::filesystem::path partial_path() const { return dir_ / "firmware.part"; }
    std::uint64_t written() const noexcept { return pos_; }

  private:
    void close_fd() noexcept;
    std::filesystem::path dir_;
    int fd_ = -1;
    std::uint64_t pos_ = 0;
    bool fresh_ = false;  ///< the first write() truncates
};

class package_fetcher final : public client::package_fetcher {
  public:
    struct options {
        /// Folder of download.state ("" : no persistence, no resume).
        std::filesystem::path state_dir;
        std::uint16_t block_size = 1024;
        std::chrono::milliseconds block_delay{0};
        std::chrono::milliseconds retry_delay{1000};
        std::chrono::milliseconds give_up_after{600000};
        /// Largest image accepted (?size=); 0: no limit.
        std::uint64_t max_size = 0;
        /// Log lines: "fw_download_start" (uri, from block), "fw_download_done",
        /// "fw_download_failed" (result), "fw_download_retry", "fw_etag_changed".
        std::function<void(std::string_view event,
                           const std::vector<std::pair<std::string, std::string>>&)>
            log;
    };

    /// One answer to link::request().
    struct reply {
        /// content (2.05), an error code, or service_unavailable for a
        /// transport failure (timeout, link lost).
        client::status code = client::status::content;
        bytes_view body;  ///< the block (valid during on_reply())
        bytes_view etag;
        std::uint32_t num = 0;
        bool more = false;
        std::uint32_t total = 0;  ///< Size2, 0 when not given
        std::string reason;       ///< for failures
    };

    /// Where blocks come from (one per download).
    class link {
      public:
        virtual ~link() = default;
        /// Sends the request for block `num` of `size` bytes; the answer
        /// comes back as on_reply(). An error means nothing was sent (the
        /// link is down): the fetcher retries later.
        virtual result<void> request(std::uint32_t num, std::uint16_t size) = 0;
        /// No more replies wanted.
        virtual void cancel() noexcept = 0;
    };
    using link_factory = std::function<std::unique_ptr<link>(const package_uri&)>;
    /// Runs `f` after `delay` on the caller's loop (never inside the call).
    using scheduler = std::function<void(std::chrono::milliseconds, std::function<void()>)>;
    using clock_fn = std::function<std::chrono::milliseconds()>;

    /// For tests and other runtimes: links, timers and clock are given.
    package_fetcher(client::firmware_update& fw, resumable_sink* sink, options o, scheduler sched,
                    clock_fn clock, link_factory make_link);
    /// sirocco-client: mq2m links through the runner's client engine (its
    /// fetch_block events must be passed to on_client_event()), coap links
    /// with their own socket on `loop`. The runner, loop, fw and sink must
    /// outlive the fetcher.
    package_fetcher(event_loop& loop, client_runner& runner, client::firmware_update& fw,
                    resumable_sink* sink, options o);
    ~package_fetcher();
    package_fetcher(const package_fetcher&) = delete;
    package_fetcher& operator=(const package_fetcher&) = delete;

    // client::package_fetcher (called by firmware_update)
    client::update_result start(std::string_view uri) noexcept override;
    void cancel() noexcept override;

    /// From the link.
    void on_reply(const reply& r);
    /// The link is usable again (the client registered or updated): a
    /// download waiting to retry asks now.
    void link_up();
    /// Every client_event of the runner (fetch_block answers, registered /
    /// updated for link_up()). Only with the runner constructor.
    void on_client_event(const client::client_event& ev);
    /// Continues a download a previous process left (download.state):
    /// writes its URI into /5/0/1. Returns whether one was resumed.
    bool resume();

    // Observers (tests, logs).
    bool active() const noexcept { return active_; }
    std::uint32_t next_block() const noexcept { return next_; }
    std::uint32_t blocks_fetched() const noexcept { return fetched_; }
    std::uint32_t restarts() const noexcept { return restarts_; }
    std::filesystem::path state_path() const;

  private:
    struct saved {
        std::string uri;
        std::string etag_hex;
        std::uint16_t block_size = 0;
        std::uint32_t next = 0;
    };
    std::optional<saved> load_state() const;
    void save_state();
    void remove_state();
    void ask();
    void schedule_ask(std::chrono::milliseconds d);
    void retry(const std::string& why);
    void done(client::update_result r);
    void log(std::string_view ev, const std::vector<std::pair<std::string, std::string>>& kv);

    client::firmware_update& fw_;
    resumable_sink* sink_;
    options o_;
    scheduler sched_;
    clock_fn clock_;
    link_factory make_link_;
    std::unique_ptr<link> link_;
    std::vector<std::unique_ptr<link>> old_links_;  ///< ended, freed at the next start
    // runner glue
    client_runner* runner_ = nullptr;
    client::ssid server_ = 0;
    std::optional<client::fetch_id> mq2m_fetch_;
    // the download
    bool active_ = false;
    bool in_flight_ = false;
    bool waiting_retry_ = false;
    std::uint64_t gen_ = 0;  ///< ends timers of an older download
    std::string uri_;
    package_uri target_;
    std::uint16_t bs_ = 1024;
    std::uint32_t next_ = 0;
    std::uint64_t bytes_ = 0;
    std::string etag_;  ///< hex, "" before block 0
    std::uint32_t fetched_ = 0;
    std::uint32_t restarts_ = 0;
    std::chrono::milliseconds last_progress_{0};

    friend class mq2m_link;
};

}  // namespace sirocco::runtime
