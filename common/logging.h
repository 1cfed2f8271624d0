#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "common/result.h"

namespace curve::log {

enum class Format { kText, kJson };

// Process-wide logging settings, parsed from flags/environment at a binary's composition root.
struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  Format format = Format::kText;
  std::string file;  // empty: stderr
};

// Parses "info", "WARN", ... into an spdlog level; InvalidArgument names the accepted values.
Result<spdlog::level::level_enum> ParseLevel(std::string_view text);

// Parses "text" or "json".
Result<Format> ParseFormat(std::string_view text);

// Applies CURVE_LOG_LEVEL and CURVE_LOG_FORMAT from the environment on top of `base`.
// Flags given explicitly should be applied after this call so they win over the environment.
Result<LogOptions> OptionsFromEnvironment(LogOptions base);

// Configures every existing and future component logger. Thread-safe; callable again (e.g. in
// tests) to change the settings. Fails when the log file cannot be opened.
Status Init(const LogOptions& options);

// Returns the named logger for a component ("mds", "etcd", "csi"), creating it with the current
// settings on first use. Thread-safe; the pointer stays valid for the life of the process.
std::shared_ptr<spdlog::logger> Get(const std::string& component);

// Escapes a string for embedding inside a JSON string literal (no surrounding quotes).
std::string JsonEscape(std::string_view text);

}  // namespace curve::log
