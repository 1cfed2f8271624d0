#include "operator/api/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace curve::op {
namespace {

nlohmann::json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  static const std::regex kInt("^[-+]?[0-9]+$");
  static const std::regex kFloat("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$");
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (std::regex_match(text, kInt)) {
    try {
      return std::stoll(text);
    } catch (const std::exception&) {
      return text;
    }
  }
  if (std::regex_match(text, kFloat)) {
    try {
      return std::stod(text);
    } catch (const std::exception&) {
      return text;
    }
  }
  return text;
}

nlohmann::json NodeToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& item : node) list.push_back(NodeToJson(item));
      return list;
    }
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& kv : node) object[kv.first.as<std::string>()] = NodeToJson(kv.second);
      return object;
    }
  }
  return nullptr;
}

}  // namespace

Result<std::vector<nlohmann::json>> YamlToJson(std::string_view yaml) {
  try {
    std::vector<nlohmann::json> documents;
    for (const auto& document : YAML::LoadAll(std::string(yaml))) {
      nlohmann::json json = NodeToJson(document);
      if (!json.is_null()) documents.push_back(std::move(json));
    }
    return documents;
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string("YAML: ") + e.what());
  }
}

Result<std::vector<nlohmann::json>> YamlFileToJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto documents = YamlToJson(text.str());
  if (!documents.ok()) return InvalidArgumentError(path + ": " + documents.status().message());
  return documents;
}

}  // namespace curve::op
