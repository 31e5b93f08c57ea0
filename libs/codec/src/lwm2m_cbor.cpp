// LwM2M CBOR (11544), Core TS 1.2 section 7.4.7: nested CBOR maps keyed by
// path segments from the root ({3: {0: {0: "Open Mobile Alliance", ...}}}).
// A key is an unsigned integer (one id) or an array of unsigned integers
// (several ids at once: {[3, 0, 0]: "..."}); a value is a map (one level
// deeper) or the leaf value of the path so far (types: cbor_value.hpp).
//
// Decoding accepts any mix of integer and array keys, definite and
// indefinite maps/arrays/strings, decimal fractions (tag 4, as Anjay
// writes doubles), any key order (records come out in payload
// order), half floats. A leaf above the resource level is malformed unless it
// is null (a record without value). Empty array keys and paths deeper than
// four ids are malformed (this also bounds the nesting).
//
// Encoding (records sorted by path, as encode() requires): one map per
// level; a chain of three or more levels with a single child each is written
// as one array key (smaller: {[3, 0, 0]: v} is 1 byte shorter than
// {3: {0: {0: v}}}; for two levels both forms have the same size and the
// nested one is used). Records with a timestamp are unsupported: LwM2M CBOR
// has no time field (use SenML CBOR for timestamped Send / notifications).
#include <array>
#include "cbor_value.hpp"

#include "formats.hpp"

namespace sirocco::codec::detail {

namespace {

class decoder {
  public:
    decoder(const decode_context& ctx, bytes_view in, lwm2m::record_sink& sink) noexcept
        : ctx_(ctx), r_(in, ctx.scratch), sink_(sink) {}

    result<void> run() noexcept {
        auto top = r_.next_untagged();
        if (!top) return fix(top.error());
        if (top->type != cbor::kind::map)
            return unexpected(errc::malformed, "LwM2M CBOR payload must be a map");
        SIROCCO_TRY(walk(*top, 0));
        if (!r_.empty()) return unexpected(errc::malformed, "bytes after the LwM2M CBOR map");
        return {};
    }

  private:
    static result<void> fix(const error& e) noexcept {
        if (e.code == errc::truncated) return unexpected(errc::malformed, e.reason);
        return unexpected(e);
    }

    result<void> push_id(std::uint64_t v, std::size_t& depth) noexcept {
        if (v > 0xffff) return unexpected(errc::malformed, "LwM2M CBOR path id above 65535");
        if (depth >= 4) return unexpected(errc::malformed, "LwM2M CBOR path deeper than 4 ids");
        ids_[depth++] = static_cast<std::uint16_t>(v);
        return {};
    }

    result<void> walk(const cbor::item& head, std::size_t depth) noexcept {
        for (std::uint64_t i = 0;; ++i) {
            if (head.indefinite) {
                if (r_.at_break()) {
                    (void)r_.next();
                    return {};
                }
                if (r_.empty()) return unexpected(errc::malformed, "LwM2M CBOR map not closed");
            } else if (i >= head.u) {
                return {};
            }
            std::size_t d = depth;
            auto key = r_.next_untagged();
            if (!key) return fix(key.error());
            if (key->type == cbor::kind::unsigned_int) {
                SIROCCO_TRY(push_id(key->u, d));
            } else if (key->type == cbor::kind::array) {
                std::size_t n = 0;
                for (std::uint64_t k = 0;; ++k) {
                    if (key->indefinite) {
                        if (r_.at_break()) {
                            (void)r_.next();
                            break;
                        }
                    } else if (k >= key->u) {
                        break;
                    }
                    auto id = r_.next_untagged();
                    if (!id) return fix(id.error());
                    if (id->type != cbor::kind::unsigned_int)
                        return unexpected(errc::malformed,
                                          "LwM2M CBOR path key must hold unsigned integers");
                    SIROCCO_TRY(push_id(id->u, d));
                    ++n;
                }
                if (n == 0) return unexpected(errc::malformed, "LwM2M CBOR empty path key");
            } else {
                return unexpected(errc::malformed,
                                  "LwM2M CBOR key must be an id or an array of ids");
            }
            // The value: a map one level deeper, or a leaf.
            r_.scratch_reset();
            bool tagged_time = false;
            auto vi = r_.next_value(&tagged_time);
            if (!vi) return fix(vi.error());
            const cbor::item v = *vi;
            auto p = lwm2m::path::from_ids(std::span<const std::uint16_t>(ids_.data(), d));
            if (!p) return unexpected(errc::malformed, "LwM2M CBOR path is invalid");
            if (v.type == cbor::kind::map) {
                if (d >= 4) return unexpected(errc::malformed, "LwM2M CBOR path deeper than 4 ids");
                SIROCCO_TRY(walk(v, d));
                continue;
            }
            if (v.type == cbor::kind::brk)
                return unexpected(errc::malformed, "CBOR break where a value was expected");
            if (d < 3 && v.type != cbor::kind::null)
                return unexpected(errc::malformed, "a value needs a resource path");
            auto val = cbor::item_to_value(v, tagged_time, *p, ctx_.models);
            if (!val) return fix(val.error());
            lwm2m::record rec{*p, *val, {}};
            SIROCCO_TRY(sink_.on_record(rec));
        }
    }

    const decode_context& ctx_;
    cbor::reader r_;
    lwm2m::record_sink& sink_;
    std::array<std::uint16_t, 4> ids_{};
};

class encoder {
  public:
    encoder(std::span<const lwm2m::record> recs, mutable_bytes out) noexcept
        : recs_(recs), w_(out) {}

    result<std::size_t> run() noexcept {
        for (std::size_t i = 0; i < recs_.size(); ++i) {
            if (recs_[i].timestamp)
                return unexpected(errc::unsupported,
                                  "LwM2M CBOR has no timestamps; use SenML CBOR");
            if (recs_[i].path.is_root())
                return unexpected(errc::invalid_argument, "a record needs a path");
            if (i > 0 && !(recs_[i - 1].path < recs_[i].path))
                return unexpected(errc::invalid_argument,
                                  "records must be sorted by path, without duplicates");
        }
        SIROCCO_TRY(level(0, recs_.size(), 0));
        return w_.finish();
    }

  private:
    // Records [lo, hi) share their first `d` ids and are all deeper than d.
    result<void> level(std::size_t lo, std::size_t hi, std::size_t d) noexcept {
        std::size_t children = 0;
        for (std::size_t i = lo; i < hi; ++i)
            if (i == lo || recs_[i].path.at(d) != recs_[i - 1].path.at(d)) ++children;
        w_.map(children);
        std::size_t a = lo;
        while (a < hi) {
            std::size_t b = a + 1;
            while (b < hi && recs_[b].path.at(d) == recs_[a].path.at(d))
                ++b;
            SIROCCO_TRY(child(a, b, d));
            a = b;
        }
        return {};
    }

    // Records [a, b) share their first d + 1 ids.
    result<void> child(std::size_t a, std::size_t b, std::size_t d) noexcept {
        // How far do they share ids (the chain of single-child levels)?
        std::size_t c = d + 1;
        for (;;) {
            bool ends_here = false;
            for (std::size_t i = a; i < b; ++i)
                if (recs_[i].path.depth() == c) ends_here = true;
            if (ends_here) {
                if (b - a != 1)
                    return unexpected(errc::invalid_argument,
                                      "a path is both a value and a container");
                break;
            }
            bool same = true;
            for (std::size_t i = a + 1; i < b; ++i)
                if (recs_[i].path.at(c) != recs_[a].path.at(c)) same = false;
            if (!same) break;
            ++c;
        }
        const lwm2m::path& p = recs_[a].path;
        std::size_t consumed = d + 1;
        if (c - d >= 3) {
            w_.array(c - d);
            for (std::size_t k = d; k < c; ++k)
                w_.uint(p.at(k));
            consumed = c;
        } else {
            w_.uint(p.at(d));
        }
        if (b - a == 1 && p.depth() == consumed) {
            cbor::write_value(w_, recs_[a].value);
            return {};
        }
        return level(a, b, consumed);
    }

    std::span<const lwm2m::record> recs_;
    cbor::writer w_;
};

}  // namespace

result<std::size_t> encode_lwm2m_cbor(const encode_context&, std::span<const lwm2m::record> records,
                                      mutable_bytes out) noexcept {
    encoder e(records, out);
    return e.run();
}

result<void> decode_lwm2m_cbor(const decode_context& ctx, bytes_view in,
                               lwm2m::record_sink& sink) noexcept {
    decoder d(ctx, in, sink);
    return d.run();
}

}  // namespace sirocco::codec::detail
