#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace curve::config {

// A flattened view of a YAML configuration: dotted keys ("mds.port", "servers.0.name") mapped to
// scalar text, each remembering its origin (the file, or the flag that overrode it). Options
// structs read their fields from it; every error names the origin, the key, the bad value and
// what was expected. Reads leave the output untouched when the key is absent, so defaults live
// in the Options structs' member initialisers. Not thread-safe; used at startup.
class ConfigSource {
 public:
  // Parses a YAML file whose top level is a mapping (an empty file is an empty config).
  static Result<ConfigSource> FromFile(const std::string& path);
  // Parses YAML text; `origin` names it in errors.
  static Result<ConfigSource> FromString(std::string_view yaml, std::string origin);

  // Sets or replaces one key, e.g. from a flag: Set("mds.port", "6701", "flag --mds.port").
  void Set(const std::string& key, std::string value, std::string origin);

  bool Has(std::string_view key) const;

  Status Read(std::string_view key, std::string* out);
  Status Read(std::string_view key, bool* out);
  Status Read(std::string_view key, double* out);
  // Integers must lie in [min, max].
  Status Read(std::string_view key, int64_t* out, int64_t min, int64_t max);
  Status Read(std::string_view key, int* out, int min, int max);
  // Durations: "250ms", "5s", "2m", "1h"; a bare integer is milliseconds.
  Status Read(std::string_view key, std::chrono::milliseconds* out,
              std::chrono::milliseconds min = std::chrono::milliseconds(0),
              std::chrono::milliseconds max = std::chrono::hours(24 * 365));
  // A YAML sequence of scalars, or one comma-separated string (as a flag gives it).
  Status Read(std::string_view key, std::vector<std::string>* out);

  // One of a fixed set of names, e.g. {{"ssd", kSsd}, {"hdd", kHdd}}.
  template <typename E>
  Status ReadEnum(std::string_view key, E* out,
                  const std::vector<std::pair<std::string, E>>& choices) {
    std::string text;
    if (!Has(key)) return Status::Ok();
    CURVE_RETURN_IF_ERROR(Read(key, &text));
    std::string expected;
    for (const auto& [name, value] : choices) {
      if (name == text) {
        *out = value;
        return Status::Ok();
      }
      expected += expected.empty() ? name : ", " + name;
    }
    return Invalid(key, "one of " + expected);
  }

  // Number of elements of a YAML sequence of mappings at `key` ("servers" with children
  // "servers.0.name", ...), 0 when absent.
  size_t ListSize(std::string_view key) const;

  // Keys present in the source but never read: a typo in a config file or flag must not be
  // silently ignored. Call after all Options have loaded.
  Status CheckNoUnknownKeys() const;

  // An InvalidArgument error for the current value of `key`: "<origin>: key <key>: value '<v>'
  // is invalid: expected <expected>".
  Status Invalid(std::string_view key, std::string_view expected) const;

 private:
  struct Entry {
    std::string value;
    std::string origin;
    bool is_list = false;
    std::vector<std::string> items;
    bool used = false;
  };
  const Entry* Find(std::string_view key) const;
  Entry* FindMutable(std::string_view key);

  std::string origin_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::map<std::string, size_t, std::less<>> list_sizes_;

  friend class YamlFlattener;
};

// The command line of a daemon or tool: `--name=value` / `--name value` flags and positional
// arguments. A lone `--name` followed by another flag or nothing means "true".
struct CommandLine {
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<std::string> positional;

  std::optional<std::string> Flag(std::string_view name) const;
};

Result<CommandLine> ParseCommandLine(int argc, const char* const* argv);

// The command line of a daemon or tool that takes flags only: a positional argument is
// INVALID_ARGUMENT ("unexpected argument 'x': expected --name=value flags").
Result<CommandLine> ParseFlags(int argc, const char* const* argv);

// The whole of `text` as a base-10 integer in [min, max]; otherwise INVALID_ARGUMENT naming
// `what`, the text and the range ("--workers: 'x' is not an integer in [1, 64]").
Result<int64_t> ParseInteger(std::string_view what, std::string_view text, int64_t min,
                             int64_t max);

// Loads an Options struct the way every daemon does: the YAML file named by --config (when
// given), overridden by every other flag except those in `reserved` (e.g. "log-level"), then
// `options->Load(source)`, then a check for unknown keys. Options must have
// `Status Load(ConfigSource&)`.
template <typename Options>
Status LoadOptions(const CommandLine& command_line, const std::vector<std::string>& reserved,
                   Options* options) {
  ConfigSource source;
  if (auto path = command_line.Flag("config"); path.has_value()) {
    CURVE_ASSIGN_OR_RETURN(source, ConfigSource::FromFile(*path));
  }
  for (const auto& [name, value] : command_line.flags) {
    bool skip = name == "config";
    for (const auto& r : reserved) skip = skip || name == r;
    if (!skip) source.Set(name, value, "flag --" + name);
  }
  CURVE_RETURN_IF_ERROR(options->Load(source));
  return source.CheckNoUnknownKeys();
}

}  // namespace curve::config
