#include "types.hpp"

#include <fmt/format.h>

#include "handle.hpp"

namespace rankflow::io::hdf5 {
namespace {

std::string describe_compound(hid_t type) {
  const int members = H5Tget_nmembers(type);
  std::string text = "compound {";
  for (int member_idx = 0; member_idx < members; ++member_idx) {
    const auto idx = static_cast<unsigned>(member_idx);
    char* name = H5Tget_member_name(type, idx);
    DatatypeHandle member(H5Tget_member_type(type, idx));
    if (member_idx > 0) text += ", ";
    text += fmt::format("{}: {}", name != nullptr ? name : "?",
                        member ? describe_type(member.get()) : "?");
    if (name != nullptr) H5free_memory(name);
  }
  return text + "}";
}

std::string describe_string(hid_t type) {
  const htri_t variable = H5Tis_variable_str(type);
  const bool utf8 = H5Tget_cset(type) == H5T_CSET_UTF8;
  if (variable > 0) return utf8 ? "string (variable, UTF-8)" : "string (variable)";
  return fmt::format("string (fixed, {} bytes{})", H5Tget_size(type), utf8 ? ", UTF-8" : "");
}

}  // namespace

hid_t native_type(DType type) noexcept {
  switch (type) {
    case DType::kInt8:
      return H5T_NATIVE_INT8;
    case DType::kInt16:
      return H5T_NATIVE_INT16;
    case DType::kInt32:
      return H5T_NATIVE_INT32;
    case DType::kInt64:
      return H5T_NATIVE_INT64;
    case DType::kUInt8:
      return H5T_NATIVE_UINT8;
    case DType::kUInt16:
      return H5T_NATIVE_UINT16;
    case DType::kUInt32:
      return H5T_NATIVE_UINT32;
    case DType::kUInt64:
      return H5T_NATIVE_UINT64;
    case DType::kFloat32:
      return H5T_NATIVE_FLOAT;
    case DType::kFloat64:
      break;
  }
  return H5T_NATIVE_DOUBLE;
}

hid_t file_type(DType type, bool big_endian) noexcept {
  switch (type) {
    case DType::kInt8:
      return big_endian ? H5T_STD_I8BE : H5T_STD_I8LE;
    case DType::kInt16:
      return big_endian ? H5T_STD_I16BE : H5T_STD_I16LE;
    case DType::kInt32:
      return big_endian ? H5T_STD_I32BE : H5T_STD_I32LE;
    case DType::kInt64:
      return big_endian ? H5T_STD_I64BE : H5T_STD_I64LE;
    case DType::kUInt8:
      return big_endian ? H5T_STD_U8BE : H5T_STD_U8LE;
    case DType::kUInt16:
      return big_endian ? H5T_STD_U16BE : H5T_STD_U16LE;
    case DType::kUInt32:
      return big_endian ? H5T_STD_U32BE : H5T_STD_U32LE;
    case DType::kUInt64:
      return big_endian ? H5T_STD_U64BE : H5T_STD_U64LE;
    case DType::kFloat32:
      return big_endian ? H5T_IEEE_F32BE : H5T_IEEE_F32LE;
    case DType::kFloat64:
      break;
  }
  return big_endian ? H5T_IEEE_F64BE : H5T_IEEE_F64LE;
}

std::optional<DType> dtype_of(hid_t type) {
  const H5T_class_t type_class = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  if (type_class == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    switch (size) {
      case 1:
        return is_signed ? DType::kInt8 : DType::kUInt8;
      case 2:
        return is_signed ? DType::kInt16 : DType::kUInt16;
      case 4:
        return is_signed ? DType::kInt32 : DType::kUInt32;
      case 8:
        return is_signed ? DType::kInt64 : DType::kUInt64;
      default:
        return std::nullopt;
    }
  }
  if (type_class == H5T_FLOAT) {
    // Only IEEE single and double (a 16-byte long double has no DType).
    if (size == 4) return DType::kFloat32;
    if (size == 8) return DType::kFloat64;
  }
  return std::nullopt;
}

bool is_big_endian(hid_t type) {
  const H5T_class_t type_class = H5Tget_class(type);
  if (type_class != H5T_INTEGER && type_class != H5T_FLOAT) return false;
  return H5Tget_order(type) == H5T_ORDER_BE;
}

std::string describe_type(hid_t type) {
  if (auto dtype = dtype_of(type)) {
    std::string text(dtype_name(*dtype));
    if (is_big_endian(type) && dtype_size(*dtype) > 1) text += " (big-endian)";
    return text;
  }
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return fmt::format("int{} (unsupported size)", 8 * H5Tget_size(type));
    case H5T_FLOAT:
      return fmt::format("float{}", 8 * H5Tget_size(type));
    case H5T_STRING:
      return describe_string(type);
    case H5T_COMPOUND:
      return describe_compound(type);
    case H5T_ENUM:
      return "enum";
    case H5T_ARRAY:
      return "array";
    case H5T_VLEN:
      return "variable-length sequence";
    case H5T_BITFIELD:
      return "bitfield";
    case H5T_OPAQUE:
      return "opaque";
    case H5T_REFERENCE:
      return "reference";
    case H5T_TIME:
      return "time";
    default:
      return "unknown type";
  }
}

}  // namespace rankflow::io::hdf5
