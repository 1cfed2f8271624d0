#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace curve::k8s {

// Kubernetes' wall-clock formats, always UTC: metav1.Time "2024-05-01T12:00:00Z" and
// metav1.MicroTime "2024-05-01T12:00:00.123456Z".
std::string FormatTime(std::chrono::system_clock::time_point t);
std::string FormatMicroTime(std::chrono::system_clock::time_point t);
// Parses either format (also with a numeric offset like "+02:00"); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> ParseTime(std::string_view text);

}  // namespace curve::k8s
