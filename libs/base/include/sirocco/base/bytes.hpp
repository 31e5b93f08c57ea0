// Byte spans and bounds-checked big-endian readers and writers.
//
// Ownership: byte_reader and byte_writer never own memory; they borrow the
// caller's buffer for their lifetime. Neither allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace sirocco {

using bytes_view = std::span<const std::uint8_t>;
using mutable_bytes = std::span<std::uint8_t>;

/// Views the characters of a string as bytes (no copy).
inline bytes_view as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
/// Views bytes as characters (no copy).
inline std::string_view as_chars(bytes_view b) noexcept {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline bool equal(bytes_view a, bytes_view b) noexcept {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

/// Reads from a byte span. Reads past the end return false / leave the reader
/// in place; nothing is read out of bounds.
class byte_reader {
  public:
    constexpr explicit byte_reader(bytes_view data) noexcept : data_(data) {}

    constexpr std::size_t remaining() const noexcept { return data_.size() - pos_; }
    constexpr std::size_t position() const noexcept { return pos_; }
    constexpr bool empty() const noexcept { return remaining() == 0; }
    constexpr bytes_view rest() const noexcept { return data_.subspan(pos_); }

    constexpr bool peek_u8(std::uint8_t& out) const noexcept {
        if (remaining() < 1) return false;
        out = data_[pos_];
        return true;
    }
    constexpr bool read_u8(std::uint8_t& out) noexcept {
        if (!peek_u8(out)) return false;
        ++pos_;
        return true;
    }
    /// Big-endian unsigned integer of `n` bytes (0..8).
    constexpr bool read_be(std::size_t n, std::uint64_t& out) noexcept {
        if (n > 8 || remaining() < n) return false;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i)
            v = (v << 8) | data_[pos_ + i];
        pos_ += n;
        out = v;
        return true;
    }
    constexpr bool read_bytes(std::size_t n, bytes_view& out) noexcept {
        if (remaining() < n) return false;
        out = data_.subspan(pos_, n);
        pos_ += n;
        return true;
    }
    constexpr bool skip(std::size_t n) noexcept {
        if (remaining() < n) return false;
        pos_ += n;
        return true;
    }

  private:
    bytes_view data_;
    std::size_t pos_ = 0;
};

/// Writes into a caller-provided buffer. On overflow it stops writing and
/// remembers it (ok() turns false); size() still counts what *would* have been
/// written, so a caller can learn the size it needs.
class byte_writer {
  public:
    constexpr explicit byte_writer(mutable_bytes buf) noexcept : buf_(buf) {}

    constexpr bool ok() const noexcept { return size_ <= buf_.size(); }
    /// Bytes written (or needed, when !ok()).
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bytes_view written() const noexcept {
        return bytes_view(buf_.data(), size_ <= buf_.size() ? size_ : buf_.size());
    }
    constexpr std::size_t capacity() const noexcept { return buf_.size(); }

    constexpr void put_u8(std::uint8_t b) noexcept {
        if (size_ < buf_.size()) buf_[size_] = b;
        ++size_;
    }
    /// Big-endian unsigned of `n` bytes (0..8).
    constexpr void put_be(std::uint64_t v, std::size_t n) noexcept {
        for (std::size_t i = n; i-- > 0;)
            put_u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void put_bytes(bytes_view b) noexcept {
        if (size_ + b.size() <= buf_.size() && !b.empty())
            std::memcpy(buf_.data() + size_, b.data(), b.size());
        size_ += b.size();
    }
    void put_chars(std::string_view s) noexcept { put_bytes(as_bytes(s)); }
    /// Overwrites an already written byte (e.g. a length patched later).
    constexpr void patch_u8(std::size_t at, std::uint8_t b) noexcept {
        if (at < buf_.size() && at < size_) buf_[at] = b;
    }

  private:
    mutable_bytes buf_;
    std::size_t size_ = 0;
};

/// Number of bytes needed for the minimal big-endian form of v (0 for v == 0).
constexpr std::size_t minimal_be_length(std::uint64_t v) noexcept {
    std::size_t n = 0;
    while (v != 0) {
        ++n;
        v >>= 8;
    }
    return n;
}

}  // namespace sirocco
