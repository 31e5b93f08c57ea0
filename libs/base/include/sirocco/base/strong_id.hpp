// Strong integer ids: an ObjectId is not a ResourceId, even though both are
// 16-bit numbers on the wire. Raw integers appear only at the wire boundary.
#pragma once

#include <compare>
#include <cstdint>

namespace sirocco {

template <class Tag, class Rep>
class strong_id {
  public:
    using rep_type = Rep;
    constexpr strong_id() noexcept = default;
    constexpr explicit strong_id(Rep v) noexcept : v_(v) {}
    constexpr Rep value() const noexcept { return v_; }
    friend constexpr auto operator<=>(strong_id, strong_id) noexcept = default;
    friend constexpr bool operator==(strong_id, strong_id) noexcept = default;

  private:
    Rep v_{};
};

}  // namespace sirocco
