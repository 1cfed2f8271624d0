#include "operator/k8s/kube_time.h"

#include <cstdio>
#include <ctime>

namespace curve::k8s {
namespace {

std::string Format(std::chrono::system_clock::time_point t, bool micro) {
  auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(t);
  if (seconds > t) seconds -= std::chrono::seconds(1);
  std::time_t tt = std::chrono::system_clock::to_time_t(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buffer[64];
  size_t n = std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buffer, n);
  if (micro) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(t - seconds).count();
    std::snprintf(buffer, sizeof(buffer), ".%06lld", static_cast<long long>(us));
    out += buffer;
  }
  return out + "Z";
}

}  // namespace

std::string FormatTime(std::chrono::system_clock::time_point t) { return Format(t, false); }
std::string FormatMicroTime(std::chrono::system_clock::time_point t) { return Format(t, true); }

std::optional<std::chrono::system_clock::time_point> ParseTime(std::string_view text) {
  std::string s(text);
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  auto t = std::chrono::system_clock::from_time_t(timegm(&tm));
  size_t pos = static_cast<size_t>(consumed);
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    long long fraction = 0;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) {
        fraction = fraction * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    while (digits < 9) {
      fraction *= 10;
      ++digits;
    }
    t += std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::nanoseconds(fraction));
  }
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z'))
    return pos + 1 == s.size() ? std::optional(t) : std::nullopt;
  int hours = 0, minutes = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-') &&
      std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &hours, &minutes) == 2) {
    auto offset = std::chrono::hours(hours) + std::chrono::minutes(minutes);
    return s[pos] == '+' ? t - offset : t + offset;
  }
  return std::nullopt;
}

}  // namespace curve::k8s
