#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/status.h"

namespace curve {

// Either a value of type T or a non-OK Status. Accessing the value of an error Result is a
// programming error and aborts (assertions stay on in every build of this project).
template <typename T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> is meaningless");

  // Implicit so functions can `return value;` or `return NotFoundError(...);`.
  Result(const T& value) : data_(value) {}            // NOLINT
  Result(T&& value) : data_(std::move(value)) {}      // NOLINT
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    if (std::get<Status>(data_).ok()) {
      data_ = Status(StatusCode::kInternal, "Result constructed from an OK status without value");
    }
  }
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Status>>>
  Result(U&& value) : data_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(data_); }

  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

  const T& value() const& {
    assert(ok());
    return std::get<T>(data_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(data_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<T>(data_) : T(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Status> data_;
};

}  // namespace curve

#define CURVE_CONCAT_INNER_(a, b) a##b
#define CURVE_CONCAT_(a, b) CURVE_CONCAT_INNER_(a, b)

// `CURVE_ASSIGN_OR_RETURN(auto x, Foo());` declares x from the value of Foo()'s Result, or
// returns its Status from the enclosing function.
#define CURVE_ASSIGN_OR_RETURN(lhs, expr) \
  CURVE_ASSIGN_OR_RETURN_IMPL_(CURVE_CONCAT_(curve_result_, __LINE__), lhs, expr)
#define CURVE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
