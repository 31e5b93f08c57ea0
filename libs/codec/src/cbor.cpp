#include "cbor.hpp"

#include <cstring>

namespace sirocco::codec::cbor {

namespace {

double bits_to_double(std::uint64_t bits) noexcept {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}
float bits_to_float(std::uint32_t bits) noexcept {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}
std::uint64_t double_bits(double d) noexcept {
    std::uint64_t b;
    std::memcpy(&b, &d, sizeof b);
    return b;
}
std::uint32_t float_bits(float f) noexcept {
    std::uint32_t b;
    std::memcpy(&b, &f, sizeof b);
    return b;
}

constexpr double max_float = 3.4028234663852886e38;

}  // namespace

double half_to_double(std::uint16_t h) noexcept {
    const std::uint64_t sign = static_cast<std::uint64_t>(h >> 15) << 63;
    std::uint32_t exp = (h >> 10) & 0x1f;
    std::uint64_t mant = h & 0x3ff;
    if (exp == 0) {
        if (mant == 0) return bits_to_double(sign);
        // Subnormal half: normalise into a double.
        int e = -14;
        while ((mant & 0x400) == 0) {
            mant <<= 1;
            --e;
        }
        mant &= 0x3ff;
        return bits_to_double(sign | (static_cast<std::uint64_t>(e + 1023) << 52) | (mant << 42));
    }
    if (exp == 31) return bits_to_double(sign | (0x7ffull << 52) | (mant << 42));
    return bits_to_double(sign | (static_cast<std::uint64_t>(exp - 15 + 1023) << 52) |
                          (mant << 42));
}

// ---- reader -----------------------------------------------------------------

result<item> reader::next() noexcept {
    if (pos_ >= in_.size()) return unexpected(errc::truncated, "CBOR input ends early");
    const std::uint8_t ib = in_[pos_++];
    const auto m = static_cast<major>(ib >> 5);
    const std::uint8_t ai = ib & 0x1f;
    item it;
    std::uint64_t arg = 0;
    bool indefinite = false;
    if (ai < 24) {
        arg = ai;
    } else if (ai <= 27) {
        const std::size_t n = std::size_t{1} << (ai - 24);
        if (in_.size() - pos_ < n) return unexpected(errc::truncated, "CBOR input ends early");
        for (std::size_t i = 0; i < n; ++i)
            arg = (arg << 8) | in_[pos_ + i];
        pos_ += n;
    } else if (ai == 31) {
        indefinite = true;
    } else {
        return unexpected(errc::malformed, "CBOR reserved additional information 28..30");
    }

    switch (m) {
        case major::unsigned_int:
        case major::negative_int:
        case major::tag:
            if (indefinite)
                return unexpected(errc::malformed, "CBOR indefinite length on a number or tag");
            it.type = m == major::unsigned_int   ? kind::unsigned_int
                      : m == major::negative_int ? kind::negative_int
                                                 : kind::tag;
            it.u = arg;
            return it;
        case major::bytes:
        case major::text: {
            it.type = m == major::bytes ? kind::bytes : kind::text;
            if (!indefinite) {
                if (arg > in_.size() - pos_)
                    return unexpected(errc::truncated, "CBOR string runs past the end");
                it.data = in_.subspan(pos_, static_cast<std::size_t>(arg));
                pos_ += static_cast<std::size_t>(arg);
                return it;
            }
            it.indefinite = true;
            const std::size_t start = scratch_used_;
            for (;;) {
                if (pos_ >= in_.size())
                    return unexpected(errc::truncated, "CBOR indefinite string not closed");
                const std::uint8_t cb = in_[pos_];
                if (cb == 0xff) {
                    ++pos_;
                    break;
                }
                if ((cb >> 5) != static_cast<std::uint8_t>(m) || (cb & 0x1f) == 31)
                    return unexpected(errc::malformed,
                                      "CBOR indefinite string chunk of another type");
                auto chunk = next();
                if (!chunk) return unexpected(chunk.error());
                const std::size_t n = chunk->data.size();
                if (discard_) continue;  // skipping: validate the chunks only
                if (n > scratch_.size() - scratch_used_)
                    return unexpected(errc::capacity_exceeded,
                                      "scratch buffer too small for a CBOR indefinite string");
                if (n != 0) std::memcpy(scratch_.data() + scratch_used_, chunk->data.data(), n);
                scratch_used_ += n;
            }
            it.data = bytes_view(scratch_.data() + start, scratch_used_ - start);
            if (scratch_used_ == start) it.data = bytes_view();
            return it;
        }
        case major::array:
        case major::map:
            it.type = m == major::array ? kind::array : kind::map;
            it.indefinite = indefinite;
            it.u = arg;
            return it;
        case major::simple:
            break;
    }
    switch (ai) {
        case 20:
            it.type = kind::boolean;
            it.b = false;
            return it;
        case 21:
            it.type = kind::boolean;
            it.b = true;
            return it;
        case 22:
            it.type = kind::null;
            return it;
        case 23:
            it.type = kind::undefined;
            return it;
        case 24:
            if (arg < 32) return unexpected(errc::malformed, "CBOR two-byte simple value below 32");
            it.type = kind::simple;
            it.u = arg;
            return it;
        case 25:
            it.type = kind::floating;
            it.f = half_to_double(static_cast<std::uint16_t>(arg));
            return it;
        case 26:
            it.type = kind::floating;
            it.f = static_cast<double>(bits_to_float(static_cast<std::uint32_t>(arg)));
            return it;
        case 27:
            it.type = kind::floating;
            it.f = bits_to_double(arg);
            return it;
        case 31:
            it.type = kind::brk;
            return it;
        default:
            it.type = kind::simple;
            it.u = arg;
            return it;
    }
}

result<item> reader::next_untagged() noexcept {
    for (int i = 0; i < 8; ++i) {
        auto it = next();
        if (!it || it->type != kind::tag) return it;
    }
    return unexpected(errc::malformed, "too many CBOR tags on one item");
}

result<item> reader::next_value(bool* time_tag) noexcept {
    if (time_tag != nullptr) *time_tag = false;
    bool decimal = false;
    for (int i = 0;; ++i) {
        auto it = next();
        if (!it) return it;
        if (it->type != kind::tag) {
            if (!decimal) return it;
            if (it->type != kind::array || it->indefinite || it->u != 2)
                return unexpected(errc::malformed,
                                  "CBOR decimal fraction must be [exponent, mantissa]");
            auto e = next();
            if (!e) return unexpected(e.error());
            auto m = next();
            if (!m) return unexpected(m.error());
            auto exp = to_int64(*e);
            auto man = to_int64(*m);
            if (!exp || !man)
                return unexpected(errc::malformed, "CBOR decimal fraction parts must be integers");
            if (*exp > 400 || *exp < -400)
                return unexpected(errc::out_of_range, "CBOR decimal fraction exponent too large");
            // 10^|e| is exact in a double up to 10^22, so small fractions
            // (4.5 = [-1, 45]) come out correctly rounded.
            double p10 = 1.0;
            for (std::int64_t k = 0; k < (*exp < 0 ? -*exp : *exp); ++k)
                p10 *= 10.0;
            item f;
            f.type = kind::floating;
            f.f = *exp < 0 ? static_cast<double>(*man) / p10 : static_cast<double>(*man) * p10;
            return f;
        }
        if (i >= 8) return unexpected(errc::malformed, "too many CBOR tags on one item");
        if (it->u == 1 && time_tag != nullptr) *time_tag = true;
        if (it->u == 4) decimal = true;
    }
}

result<void> reader::skip() noexcept {
    return skip_depth(0);
}

result<void> reader::skip_contents(const item& it) noexcept {
    return skip_contents_depth(it, 0);
}

result<void> reader::skip_depth(std::size_t depth) noexcept {
    if (depth > max_depth_) return unexpected(errc::capacity_exceeded, "CBOR nesting too deep");
    const bool was = discard_;
    discard_ = true;  // a skipped string's bytes are not kept
    auto it = next();
    discard_ = was;
    if (!it) return unexpected(it.error());
    if (it->type == kind::brk)
        return unexpected(errc::malformed, "CBOR break outside an indefinite item");
    return skip_contents_depth(*it, depth);
}

result<void> reader::skip_contents_depth(const item& it, std::size_t depth) noexcept {
    switch (it.type) {
        case kind::tag:
            return skip_depth(depth + 1);
        case kind::array:
        case kind::map: {
            if (depth + 1 > max_depth_)
                return unexpected(errc::capacity_exceeded, "CBOR nesting too deep");
            const std::uint64_t per = it.type == kind::map ? 2 : 1;
            if (it.indefinite) {
                for (;;) {
                    if (pos_ >= in_.size())
                        return unexpected(errc::truncated, "CBOR indefinite container not closed");
                    if (in_[pos_] == 0xff) {
                        ++pos_;
                        return {};
                    }
                    for (std::uint64_t k = 0; k < per; ++k)
                        SIROCCO_TRY(skip_depth(depth + 1));
                }
            }
            for (std::uint64_t i = 0; i < it.u; ++i)
                for (std::uint64_t k = 0; k < per; ++k)
                    SIROCCO_TRY(skip_depth(depth + 1));
            return {};
        }
        default:
            return {};
    }
}

result<std::int64_t> to_int64(const item& it) noexcept {
    constexpr std::uint64_t max = 0x7fffffffffffffffull;
    if (it.type == kind::unsigned_int) {
        if (it.u > max) return unexpected(errc::out_of_range, "integer above INT64_MAX");
        return static_cast<std::int64_t>(it.u);
    }
    if (it.type == kind::negative_int) {
        if (it.u > max) return unexpected(errc::out_of_range, "integer below INT64_MIN");
        return -1 - static_cast<std::int64_t>(it.u);
    }
    return unexpected(errc::type_mismatch, "expected a CBOR integer");
}

// ---- writer -----------------------------------------------------------------

void writer::head(major m, std::uint64_t arg) noexcept {
    const auto mt = static_cast<std::uint8_t>(static_cast<std::uint8_t>(m) << 5);
    if (arg < 24) {
        w_.put_u8(static_cast<std::uint8_t>(mt | arg));
    } else if (arg <= 0xff) {
        w_.put_u8(mt | 24);
        w_.put_be(arg, 1);
    } else if (arg <= 0xffff) {
        w_.put_u8(mt | 25);
        w_.put_be(arg, 2);
    } else if (arg <= 0xffffffffull) {
        w_.put_u8(mt | 26);
        w_.put_be(arg, 4);
    } else {
        w_.put_u8(mt | 27);
        w_.put_be(arg, 8);
    }
}

void writer::int64(std::int64_t v) noexcept {
    if (v >= 0)
        head(major::unsigned_int, static_cast<std::uint64_t>(v));
    else
        head(major::negative_int, ~static_cast<std::uint64_t>(v));
}

void writer::bytes(bytes_view b) noexcept {
    head(major::bytes, b.size());
    w_.put_bytes(b);
}

void writer::text(std::string_view s) noexcept {
    head(major::text, s.size());
    w_.put_chars(s);
}

void writer::floating(double d) noexcept {
    if (d != d) {  // NaN: the canonical quiet NaN in 32 bits
        w_.put_u8(0xfa);
        w_.put_be(0x7fc00000u, 4);
        return;
    }
    const bool inf = d > max_float || d < -max_float;
    if (inf && (d == bits_to_double(0x7ffull << 52) || d == -bits_to_double(0x7ffull << 52))) {
        w_.put_u8(0xfa);
        w_.put_be(d > 0 ? 0x7f800000u : 0xff800000u, 4);
        return;
    }
    if (!inf) {
        const float f = static_cast<float>(d);
        if (static_cast<double>(f) == d) {
            w_.put_u8(0xfa);
            w_.put_be(float_bits(f), 4);
            return;
        }
    }
    w_.put_u8(0xfb);
    w_.put_be(double_bits(d), 8);
}

void writer::number(double d) noexcept {
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        const auto i = static_cast<std::int64_t>(d);
        if (static_cast<double>(i) == d) {
            int64(i);
            return;
        }
    }
    floating(d);
}

result<std::size_t> writer::finish() const noexcept {
    if (!w_.ok())
        return unexpected(errc::buffer_too_small, "output buffer too small for the CBOR payload");
    return w_.size();
}

}  // namespace sirocco::codec::cbor
