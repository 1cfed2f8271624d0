#include "common/config.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace curve::config {

// Walks a YAML tree into ConfigSource entries; yaml-cpp exceptions stay inside this file.
class YamlFlattener {
 public:
  explicit YamlFlattener(ConfigSource* source) : source_(source) {}

  Status Flatten(const YAML::Node& node, const std::string& prefix) {
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return Status::Ok();
      case YAML::NodeType::Scalar:
        source_->entries_[prefix] =
            ConfigSource::Entry{node.Scalar(), source_->origin_, false, {}, false};
        return Status::Ok();
      case YAML::NodeType::Sequence:
        return FlattenSequence(node, prefix);
      case YAML::NodeType::Map:
        for (const auto& item : node) {
          if (!item.first.IsScalar()) {
            return InvalidArgumentError(source_->origin_ + ": key under '" + prefix +
                                        "' is not a scalar: expected a plain name");
          }
          std::string key =
              prefix.empty() ? item.first.Scalar() : prefix + "." + item.first.Scalar();
          CURVE_RETURN_IF_ERROR(Flatten(item.second, key));
        }
        return Status::Ok();
    }
    return Status::Ok();
  }

 private:
  Status FlattenSequence(const YAML::Node& node, const std::string& prefix) {
    bool all_scalars = true;
    for (const auto& item : node) all_scalars = all_scalars && item.IsScalar();
    if (all_scalars) {
      ConfigSource::Entry entry{"", source_->origin_, true, {}, false};
      entry.is_list = true;
      for (const auto& item : node) entry.items.push_back(item.Scalar());
      for (size_t i = 0; i < entry.items.size(); ++i) {
        entry.value += (i ? "," : "") + entry.items[i];
      }
      source_->entries_[prefix] = std::move(entry);
      return Status::Ok();
    }
    source_->list_sizes_[prefix] = node.size();
    for (size_t i = 0; i < node.size(); ++i) {
      CURVE_RETURN_IF_ERROR(Flatten(node[i], prefix + "." + std::to_string(i)));
    }
    return Status::Ok();
  }

  ConfigSource* source_;
};

Result<ConfigSource> ConfigSource::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return NotFoundError("config file " + path + " cannot be read: " + std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return FromString(buffer.str(), path);
}

Result<ConfigSource> ConfigSource::FromString(std::string_view yaml, std::string origin) {
  ConfigSource source;
  source.origin_ = std::move(origin);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(source.origin_ + ": not valid YAML at line " +
                                std::to_string(e.mark.line + 1) + ", column " +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!root.IsNull() && !root.IsMap()) {
    return InvalidArgumentError(source.origin_ +
                                ": top level is not a mapping: expected 'key: value' lines");
  }
  YamlFlattener flattener(&source);
  CURVE_RETURN_IF_ERROR(flattener.Flatten(root, ""));
  return source;
}

void ConfigSource::Set(const std::string& key, std::string value, std::string origin) {
  Entry entry{std::move(value), std::move(origin), false, {}, false};
  entries_[key] = std::move(entry);
}

bool ConfigSource::Has(std::string_view key) const { return Find(key) != nullptr; }

const ConfigSource::Entry* ConfigSource::Find(std::string_view key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

ConfigSource::Entry* ConfigSource::FindMutable(std::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  it->second.used = true;
  return &it->second;
}

Status ConfigSource::Invalid(std::string_view key, std::string_view expected) const {
  const Entry* entry = Find(key);
  std::string origin = entry ? entry->origin : origin_;
  std::string value = entry ? entry->value : "";
  return InvalidArgumentError(origin + ": key " + std::string(key) + ": value '" + value +
                              "' is invalid: expected " + std::string(expected));
}

Status ConfigSource::Read(std::string_view key, std::string* out) {
  Entry* entry = FindMutable(key);
  if (entry == nullptr) return Status::Ok();
  if (entry->is_list) return Invalid(key, "a single value, not a list");
  *out = entry->value;
  return Status::Ok();
}

Status ConfigSource::Read(std::string_view key, bool* out) {
  Entry* entry = FindMutable(key);
  if (entry == nullptr) return Status::Ok();
  const std::string& v = entry->value;
  if (v == "true" || v == "yes" || v == "on" || v == "1") {
    *out = true;
  } else if (v == "false" || v == "no" || v == "off" || v == "0") {
    *out = false;
  } else {
    return Invalid(key, "true or false");
  }
  return Status::Ok();
}

Status ConfigSource::Read(std::string_view key, double* out) {
  Entry* entry = FindMutable(key);
  if (entry == nullptr) return Status::Ok();
  const char* begin = entry->value.c_str();
  char* end = nullptr;
  errno = 0;
  double parsed = std::strtod(begin, &end);
  if (entry->value.empty() || *end != '\0' || errno != 0) return Invalid(key, "a number");
  *out = parsed;
  return Status::Ok();
}

Status ConfigSource::Read(std::string_view key, int64_t* out, int64_t min, int64_t max) {
  Entry* entry = FindMutable(key);
  if (entry == nullptr) return Status::Ok();
  auto parsed = ParseInteger(key, entry->value, min, max);
  if (!parsed.ok()) {
    return Invalid(key, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  *out = *parsed;
  return Status::Ok();
}

Status ConfigSource::Read(std::string_view key, int* out, int min, int max) {
  int64_t value = *out;
  CURVE_RETURN_IF_ERROR(Read(key, &value, min, max));
  *out = static_cast<int>(value);
  return Status::Ok();
}

Status ConfigSource::Read(std::string_view key, std::chrono::milliseconds* out,
                          std::chrono::milliseconds min, std::chrono::milliseconds max) {
  Entry* entry = FindMutable(key);
  if (entry == nullptr) return Status::Ok();
  std::string expected = "a duration such as 500ms, 5s, 2m or 1h between " +
                         std::to_string(min.count()) + "ms and " + std::to_string(max.count()) +
                         "ms";
  const std::string& v = entry->value;
  size_t digits = 0;
  while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
  if (digits == 0 || digits > 15) return Invalid(key, expected);
  int64_t number = std::stoll(v.substr(0, digits));
  std::string unit = v.substr(digits);
  int64_t multiplier = 0;
  if (unit.empty() || unit == "ms") {
    multiplier = 1;
  } else if (unit == "s") {
    multiplier = 1000;
  } else if (unit == "m") {
    multiplier = 60 * 1000;
  } else if (unit == "h") {
    multiplier = 3600 * 1000;
  } else {
    return Invalid(key, expected);
  }
  std::chrono::milliseconds value(number * multiplier);
  if (value < min || value > max) return Invalid(key, expected);
  *out = value;
  return Status::Ok();
}

Status ConfigSource::Read(std::string_view key, std::vector<std::string>* out) {
  Entry* entry = FindMutable(key);
  if (entry == nullptr) return Status::Ok();
  if (entry->is_list) {
    *out = entry->items;
    return Status::Ok();
  }
  std::vector<std::string> items;
  std::string current;
  for (char c : entry->value) {
    if (c == ',') {
      if (!current.empty()) items.push_back(current);
      current.clear();
    } else if (c != ' ') {
      current += c;
    }
  }
  if (!current.empty()) items.push_back(current);
  *out = std::move(items);
  return Status::Ok();
}

size_t ConfigSource::ListSize(std::string_view key) const {
  auto it = list_sizes_.find(key);
  return it == list_sizes_.end() ? 0 : it->second;
}

Status ConfigSource::CheckNoUnknownKeys() const {
  std::string unknown;
  std::string origin;
  for (const auto& [key, entry] : entries_) {
    if (entry.used) continue;
    if (unknown.empty()) origin = entry.origin;
    unknown += unknown.empty() ? key : ", " + key;
  }
  if (unknown.empty()) return Status::Ok();
  return InvalidArgumentError(origin + ": unknown configuration key(s): " + unknown +
                              ": expected only keys this program documents");
}

std::optional<std::string> CommandLine::Flag(std::string_view name) const {
  std::optional<std::string> found;
  for (const auto& [flag, value] : flags) {
    if (flag == name) found = value;  // the last occurrence wins
  }
  return found;
}

Result<int64_t> ParseInteger(std::string_view what, std::string_view text, int64_t min,
                             int64_t max) {
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  long long parsed = std::strtoll(copy.c_str(), &end, 10);
  if (copy.empty() || std::isspace(static_cast<unsigned char>(copy[0])) || *end != '\0' ||
      errno != 0 || parsed < min || parsed > max) {
    return InvalidArgumentError(std::string(what) + ": '" + copy + "' is not an integer in [" +
                                std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<int64_t>(parsed);
}

Result<CommandLine> ParseFlags(int argc, const char* const* argv) {
  CURVE_ASSIGN_OR_RETURN(CommandLine command_line, ParseCommandLine(argc, argv));
  if (!command_line.positional.empty()) {
    return InvalidArgumentError("unexpected argument '" + command_line.positional[0] +
                                "': expected --name=value flags");
  }
  return command_line;
}

Result<CommandLine> ParseCommandLine(int argc, const char* const* argv) {
  CommandLine result;
  bool only_positional = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (only_positional || arg.size() < 3 || arg.rfind("--", 0) != 0) {
      if (arg == "--") {
        only_positional = true;
        continue;
      }
      if (!only_positional && arg.size() > 1 && arg[0] == '-' && arg != "-") {
        return InvalidArgumentError("argument '" + arg +
                                    "' is not understood: expected --name=value flags");
      }
      result.positional.push_back(arg);
      continue;
    }
    std::string body = arg.substr(2);
    size_t eq = body.find('=');
    if (eq != std::string::npos) {
      if (eq == 0) return InvalidArgumentError("flag '" + arg + "' has no name");
      result.flags.emplace_back(body.substr(0, eq), body.substr(eq + 1));
    } else if (i + 1 < argc && std::string_view(argv[i + 1]).rfind("--", 0) != 0) {
      result.flags.emplace_back(body, argv[++i]);
    } else {
      result.flags.emplace_back(body, "true");
    }
  }
  return result;
}

}  // namespace curve::config
