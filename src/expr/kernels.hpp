// Scalar semantics of the operators, one inline function each: the block kernels call them in
// their loops (and the compiler inlines and vectorizes), the constant folder calls the same
// code. Internal to expr/; the serial oracle in tests/oracle/ restates them independently.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace rankflow::expr::kernel {

// int64 arithmetic wraps on overflow (two's complement, as numpy): done in unsigned, where
// wrapping is defined, instead of trapping or being undefined behaviour.
inline std::int64_t wrap(std::uint64_t value) { return static_cast<std::int64_t>(value); }
inline std::uint64_t bits(std::int64_t value) { return static_cast<std::uint64_t>(value); }
inline std::int64_t add(std::int64_t a, std::int64_t b) { return wrap(bits(a) + bits(b)); }
inline std::int64_t sub(std::int64_t a, std::int64_t b) { return wrap(bits(a) - bits(b)); }
inline std::int64_t mul(std::int64_t a, std::int64_t b) { return wrap(bits(a) * bits(b)); }
inline std::int64_t neg(std::int64_t a) { return wrap(0 - bits(a)); }
inline std::int64_t abs(std::int64_t a) { return a < 0 ? neg(a) : a; }

// Floor division and modulo (Python, pandas): the quotient rounds toward minus infinity and
// the remainder has the divisor's sign, so a == (a // b) * b + a % b. Callers have excluded
// b == 0 (null) and b == -1 (below), the two divisors that trap in hardware.
inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t quotient = a / b;
  const std::int64_t remainder = a % b;
  return quotient - ((remainder != 0 && ((remainder < 0) != (b < 0))) ? 1 : 0);
}
inline std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  const std::int64_t remainder = a % b;
  return (remainder != 0 && ((remainder < 0) != (b < 0))) ? remainder + b : remainder;
}
// a // b with every divisor: b == 0 gives 0 (the caller marks the row null); b == -1 is
// negation (wrapping for INT64_MIN).
inline std::int64_t int_div(std::int64_t a, std::int64_t b) {
  const std::int64_t safe = (b == 0 || b == -1) ? 1 : b;
  const std::int64_t quotient = floor_div(a, safe);
  return b == -1 ? neg(a) : (b == 0 ? 0 : quotient);
}
inline std::int64_t int_mod(std::int64_t a, std::int64_t b) {
  const std::int64_t safe = (b == 0 || b == -1) ? 1 : b;
  const std::int64_t remainder = floor_mod(a, safe);
  return (b == 0 || b == -1) ? 0 : remainder;
}

inline double float_div(double a, double b) { return b != 0.0 ? a / b : 0.0; }
inline double float_int_div(double a, double b) { return b != 0.0 ? std::floor(a / b) : 0.0; }
// Python's float %: fmod, moved into the divisor's sign.
inline double float_mod(double a, double b) {
  if (b == 0.0) return 0.0;
  const double remainder = std::fmod(a, b);
  return (remainder != 0.0 && ((remainder < 0.0) != (b < 0.0))) ? remainder + b : remainder;
}

// min/max: the first argument unless the second is strictly smaller (larger); with NaN, the
// comparison is false and the first argument wins.
template <typename T>
T min(T a, T b) {
  return b < a ? b : a;
}
template <typename T>
T max(T a, T b) {
  return a < b ? b : a;
}

// round(x, digits): half away from zero at the given decimal digit (negative digits round to
// tens, hundreds...). Where scaling would overflow, x is returned unchanged: it has no digits
// at that position.
inline double round_scale(std::int64_t digits) {
  return std::pow(10.0, static_cast<double>(digits < 0 ? -digits : digits));
}
inline double round_digits(double x, std::int64_t digits, double scale) {
  if (digits == 0) return std::round(x);
  if (digits < 0 && std::isinf(scale)) return std::isfinite(x) ? 0.0 : x;  // beyond 1e308
  const double scaled = digits > 0 ? x * scale : x / scale;
  if (!std::isfinite(scaled)) return x;
  const double rounded = std::round(scaled);
  return digits > 0 ? rounded / scale : rounded * scale;
}
// Integers have no fractional digits; digits < 0 rounds half away from zero to a multiple of
// 10^-digits (saturating to 0 beyond int64's 19 digits).
inline std::int64_t round_int(std::int64_t x, std::int64_t unit) {
  if (unit <= 1) return x;
  const std::int64_t remainder = x % unit;  // sign of x
  const std::int64_t down = sub(x, remainder);
  const std::uint64_t magnitude = remainder < 0 ? 0 - bits(remainder) : bits(remainder);
  if (magnitude * 2 < bits(unit)) return down;
  return x < 0 ? sub(down, unit) : add(down, unit);
}

}  // namespace rankflow::expr::kernel
