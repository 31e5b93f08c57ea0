// result<T>: a value or a sirocco::error, in the spirit of C++23 std::expected
// (which g++ 12 does not ship). No exceptions, no heap: usable on a device.
//
// Accessing value() of an error result, or error() of a value result, is a
// programming error; it is caught by an assertion in debug builds.
#pragma once

#include <cassert>
#include <memory>
#include <type_traits>
#include <utility>

#include "sirocco/base/error.hpp"

namespace sirocco {

/// Wrapper that makes a return statement read as "this is an error".
struct unexpected {
    error err;
    constexpr explicit unexpected(error e) noexcept : err(e) {}
    constexpr unexpected(errc c, const char* why) noexcept : err(c, why) {}
};

template <class T>
class [[nodiscard]] result {
    static_assert(!std::is_reference_v<T>, "result<T&> is not supported");

  public:
    using value_type = T;

    constexpr result(const T& v) : has_(true) { std::construct_at(&storage_.value, v); }
    constexpr result(T&& v) : has_(true) { std::construct_at(&storage_.value, std::move(v)); }
    template <class U>
    requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, result> &&
             !std::is_same_v<std::decay_t<U>, unexpected> &&
             !std::is_same_v<std::decay_t<U>, T>) constexpr result(U&& v)
        : has_(true) {
        std::construct_at(&storage_.value, std::forward<U>(v));
    }
    constexpr result(unexpected u) noexcept : has_(false) { storage_.err = u.err; }

    result(const result& o) : has_(o.has_) {
        if (has_)
            std::construct_at(&storage_.value, o.storage_.value);
        else
            storage_.err = o.storage_.err;
    }
    result(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : has_(o.has_) {
        if (has_)
            std::construct_at(&storage_.value, std::move(o.storage_.value));
        else
            storage_.err = o.storage_.err;
    }
    result& operator=(const result& o) {
        if (this != &o) {
            destroy();
            has_ = o.has_;
            if (has_)
                std::construct_at(&storage_.value, o.storage_.value);
            else
                storage_.err = o.storage_.err;
        }
        return *this;
    }
    result& operator=(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (this != &o) {
            destroy();
            has_ = o.has_;
            if (has_)
                std::construct_at(&storage_.value, std::move(o.storage_.value));
            else
                storage_.err = o.storage_.err;
        }
        return *this;
    }
    ~result() { destroy(); }

    constexpr bool has_value() const noexcept { return has_; }
    constexpr explicit operator bool() const noexcept { return has_; }

    constexpr T& value() & noexcept {
        assert(has_);
        return storage_.value;
    }
    constexpr const T& value() const& noexcept {
        assert(has_);
        return storage_.value;
    }
    constexpr T&& value() && noexcept {
        assert(has_);
        return std::move(storage_.value);
    }
    constexpr T& operator*() & noexcept { return value(); }
    constexpr const T& operator*() const& noexcept { return value(); }
    constexpr T* operator->() noexcept { return &value(); }
    constexpr const T* operator->() const noexcept { return &value(); }

    template <class U>
    constexpr T value_or(U&& fallback) const& {
        return has_ ? storage_.value : static_cast<T>(std::forward<U>(fallback));
    }

    constexpr const sirocco::error& error() const noexcept {
        assert(!has_);
        return storage_.err;
    }

  private:
    void destroy() noexcept {
        if (has_) storage_.value.~T();
    }
    union storage {
        storage() noexcept : err() {}
        ~storage() {}
        T value;
        sirocco::error err;
    } storage_;
    bool has_;
};

/// result<void>: success, or an error.
template <>
class [[nodiscard]] result<void> {
  public:
    constexpr result() noexcept = default;
    constexpr result(unexpected u) noexcept : err_(u.err) {}

    constexpr bool has_value() const noexcept { return err_.code == errc::ok; }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    constexpr const sirocco::error& error() const noexcept {
        assert(!has_value());
        return err_;
    }

  private:
    sirocco::error err_{};
};

/// Propagates an error result from the enclosing function.
#define SIROCCO_TRY(expr)                                                          \
    do {                                                                           \
        auto&& sirocco_try_r_ = (expr);                                            \
        if (!sirocco_try_r_) return ::sirocco::unexpected(sirocco_try_r_.error()); \
    } while (0)

}  // namespace sirocco
