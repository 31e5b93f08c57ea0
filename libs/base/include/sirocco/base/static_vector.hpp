// static_vector<T, N>: a vector with capacity fixed at compile time and
// storage inside the object. No heap. push_back on a full vector returns
// false instead of growing; the caller decides (usually: a capacity error).
#pragma once

#include <cassert>
#include <cstddef>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>

namespace sirocco {

template <class T, std::size_t N>
class static_vector {
  public:
    using value_type = T;
    using iterator = T*;
    using const_iterator = const T*;

    static_vector() noexcept = default;
    static_vector(const static_vector& o) {
        for (const auto& x : o)
            (void)push_back(x);
    }
    static_vector& operator=(const static_vector& o) {
        if (this != &o) {
            clear();
            for (const auto& x : o)
                (void)push_back(x);
        }
        return *this;
    }
    ~static_vector() { clear(); }

    static constexpr std::size_t capacity() noexcept { return N; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    bool full() const noexcept { return size_ == N; }

    [[nodiscard]] bool push_back(const T& v) {
        if (size_ == N) return false;
        std::construct_at(ptr(size_), v);
        ++size_;
        return true;
    }
    template <class... A>
    T* emplace_back(A&&... a) {
        if (size_ == N) return nullptr;
        T* p = std::construct_at(ptr(size_), std::forward<A>(a)...);
        ++size_;
        return p;
    }
    void pop_back() noexcept {
        assert(size_ > 0);
        --size_;
        std::destroy_at(ptr(size_));
    }
    /// Removes element i, keeping the order of the rest.
    void erase_at(std::size_t i) {
        assert(i < size_);
        for (std::size_t k = i; k + 1 < size_; ++k)
            *ptr(k) = std::move(*ptr(k + 1));
        pop_back();
    }
    void clear() noexcept {
        while (size_ > 0)
            pop_back();
    }

    T& operator[](std::size_t i) noexcept {
        assert(i < size_);
        return *ptr(i);
    }
    const T& operator[](std::size_t i) const noexcept {
        assert(i < size_);
        return *ptr(i);
    }
    T& back() noexcept { return (*this)[size_ - 1]; }
    T* begin() noexcept { return ptr(0); }
    T* end() noexcept { return ptr(size_); }
    const T* begin() const noexcept { return ptr(0); }
    const T* end() const noexcept { return ptr(size_); }
    T* data() noexcept { return ptr(0); }
    const T* data() const noexcept { return ptr(0); }
    std::span<T> span() noexcept { return {data(), size_}; }
    std::span<const T> span() const noexcept { return {data(), size_}; }

  private:
    T* ptr(std::size_t i) noexcept { return reinterpret_cast<T*>(storage_) + i; }
    const T* ptr(std::size_t i) const noexcept { return reinterpret_cast<const T*>(storage_) + i; }
    alignas(T) unsigned char storage_[sizeof(T) * (N == 0 ? 1 : N)];
    std::size_t size_ = 0;
};

}  // namespace sirocco
