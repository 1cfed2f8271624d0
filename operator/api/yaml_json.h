#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace curve::op {

// YAML (one or more documents, "---" separated) to JSON the way Kubernetes reads manifests:
// plain scalars become null, booleans, integers or floats when they look like them (YAML 1.2
// core schema); quoted scalars stay strings; anchors and aliases are resolved. Empty documents
// are skipped. INVALID_ARGUMENT with the line on a syntax error.
Result<std::vector<nlohmann::json>> YamlToJson(std::string_view yaml);

// Reads a file and converts it; NOT_FOUND when it cannot be read.
Result<std::vector<nlohmann::json>> YamlFileToJson(const std::string& path);

}  // namespace curve::op
