#include "rankflow/core/dtype.hpp"

namespace rankflow {

std::string_view dtype_name(DType type) noexcept {
  switch (type) {
    case DType::kInt8: return "int8";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kUInt8: return "uint8";
    case DType::kUInt16: return "uint16";
    case DType::kUInt32: return "uint32";
    case DType::kUInt64: return "uint64";
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
  }
  return "unknown";
}

std::size_t dtype_size(DType type) noexcept {
  return visit_dtype(type, [](auto value) { return sizeof(value); });
}

bool dtype_is_float(DType type) noexcept {
  return type == DType::kFloat32 || type == DType::kFloat64;
}

bool dtype_is_signed(DType type) noexcept {
  switch (type) {
    case DType::kUInt8:
    case DType::kUInt16:
    case DType::kUInt32:
    case DType::kUInt64: return false;
    default: return true;
  }
}

}  // namespace rankflow
