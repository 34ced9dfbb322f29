// Writing and reading partial states as bytes (host order: every rank of a job runs on the
// same architecture). memcpy, because states sit unaligned in exchange buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace rankflow::ops::bytes {

template <typename T>
inline std::byte* put(std::byte* out, T value) {
  std::memcpy(out, &value, sizeof(T));
  return out + sizeof(T);
}

template <typename T>
inline T get(const std::byte*& in) {
  T value;
  std::memcpy(&value, in, sizeof(T));
  in += sizeof(T);
  return value;
}

inline std::byte* put_string(std::byte* out, std::string_view text) {
  out = put(out, static_cast<std::uint32_t>(text.size()));
  if (!text.empty()) std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

inline std::string_view get_string(const std::byte*& in) {
  const auto length = get<std::uint32_t>(in);
  std::string_view text(reinterpret_cast<const char*>(in), length);
  in += length;
  return text;
}

}  // namespace rankflow::ops::bytes
