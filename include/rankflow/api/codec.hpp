// Codec<T>: how a task's result (or argument) travels between ranks as bytes, for api::map and
// api::TaskPool. Built in for trivially copyable types (int, double, a struct of numbers),
// std::string, and std::vector of a trivially copyable type. For anything else, specialize:
//
//   template <> struct rankflow::api::Codec<Fit> {
//     static void encode(const Fit& fit, std::string& out) { ... append bytes ... }
//     static Fit decode(std::string_view bytes) { ... }
//   };
//
// encode appends to `out`; decode gets exactly the bytes encode appended.
#pragma once

#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace rankflow::api {

template <typename T, typename Enable = void>
struct Codec {
  static_assert(std::is_trivially_copyable_v<T>,
                "no built-in Codec for this type: specialize rankflow::api::Codec<T> with "
                "encode(const T&, std::string&) and decode(std::string_view)");
  static void encode(const T& value, std::string& out) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  static T decode(std::string_view bytes) {
    T value;
    std::memcpy(static_cast<void*>(&value), bytes.data(), sizeof(T));
    return value;
  }
};

template <>
struct Codec<std::string> {
  static void encode(const std::string& value, std::string& out) { out += value; }
  static std::string decode(std::string_view bytes) { return std::string(bytes); }
};

template <typename T>
struct Codec<std::vector<T>, std::enable_if_t<std::is_trivially_copyable_v<T>>> {
  static void encode(const std::vector<T>& value, std::string& out) {
    out.append(reinterpret_cast<const char*>(value.data()), value.size() * sizeof(T));
  }
  static std::vector<T> decode(std::string_view bytes) {
    std::vector<T> value(bytes.size() / sizeof(T));
    if (!value.empty()) std::memcpy(static_cast<void*>(value.data()), bytes.data(), bytes.size());
    return value;
  }
};

}  // namespace rankflow::api
