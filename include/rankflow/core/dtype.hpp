// Element types of numeric arrays (HDF5 datasets, table columns) and their C++ counterparts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rankflow {

enum class DType : std::uint8_t {
  kInt8, kInt16, kInt32, kInt64,
  kUInt8, kUInt16, kUInt32, kUInt64,
  kFloat32, kFloat64,
};

std::string_view dtype_name(DType type) noexcept;  // "int8" ... "float64"
std::size_t dtype_size(DType type) noexcept;
bool dtype_is_float(DType type) noexcept;
bool dtype_is_signed(DType type) noexcept;  // floats are signed

template <typename T> struct DTypeOf;
template <> struct DTypeOf<std::int8_t> { static constexpr DType value = DType::kInt8; };
template <> struct DTypeOf<std::int16_t> { static constexpr DType value = DType::kInt16; };
template <> struct DTypeOf<std::int32_t> { static constexpr DType value = DType::kInt32; };
template <> struct DTypeOf<std::int64_t> { static constexpr DType value = DType::kInt64; };
template <> struct DTypeOf<std::uint8_t> { static constexpr DType value = DType::kUInt8; };
template <> struct DTypeOf<std::uint16_t> { static constexpr DType value = DType::kUInt16; };
template <> struct DTypeOf<std::uint32_t> { static constexpr DType value = DType::kUInt32; };
template <> struct DTypeOf<std::uint64_t> { static constexpr DType value = DType::kUInt64; };
template <> struct DTypeOf<float> { static constexpr DType value = DType::kFloat32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kFloat64; };

// Calls fn(T{}) with the C++ type of `type`: dispatch once per block, not per element.
template <typename Fn>
decltype(auto) visit_dtype(DType type, Fn&& fn) {
  switch (type) {
    case DType::kInt8: return fn(std::int8_t{});
    case DType::kInt16: return fn(std::int16_t{});
    case DType::kInt32: return fn(std::int32_t{});
    case DType::kInt64: return fn(std::int64_t{});
    case DType::kUInt8: return fn(std::uint8_t{});
    case DType::kUInt16: return fn(std::uint16_t{});
    case DType::kUInt32: return fn(std::uint32_t{});
    case DType::kUInt64: return fn(std::uint64_t{});
    case DType::kFloat32: return fn(float{});
    case DType::kFloat64: break;
  }
  return fn(double{});
}

}  // namespace rankflow
