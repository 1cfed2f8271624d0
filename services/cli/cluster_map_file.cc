#include "services/cli/cluster_map_file.h"

#include <cctype>

#include "common/config.h"

namespace curve::cli {

Result<mds::ApplyTopologyRequest> ReadClusterMap(const std::string& path) {
  CURVE_ASSIGN_OR_RETURN(auto source, config::ConfigSource::FromFile(path));
  mds::ApplyTopologyRequest request;
  for (size_t i = 0; i < source.ListSize("poolsets"); ++i) {
    std::string key = "poolsets." + std::to_string(i) + ".";
    auto* p = request.add_poolsets();
    CURVE_RETURN_IF_ERROR(source.Read(key + "name", p->mutable_name()));
    CURVE_RETURN_IF_ERROR(source.Read(key + "type", p->mutable_type()));
  }
  for (size_t i = 0; i < source.ListSize("pools"); ++i) {
    std::string key = "pools." + std::to_string(i) + ".";
    auto* p = request.add_physical_pools();
    CURVE_RETURN_IF_ERROR(source.Read(key + "name", p->mutable_name()));
    CURVE_RETURN_IF_ERROR(source.Read(key + "poolset", p->mutable_poolset()));
    int copysets = 0;
    CURVE_RETURN_IF_ERROR(source.Read(key + "copysetsPerChunkserver", &copysets, 1, 10000));
    p->set_copysets_per_chunkserver(static_cast<uint32_t>(copysets));
  }
  for (size_t i = 0; i < source.ListSize("servers"); ++i) {
    std::string key = "servers." + std::to_string(i) + ".";
    auto* s = request.add_servers();
    CURVE_RETURN_IF_ERROR(source.Read(key + "name", s->mutable_name()));
    CURVE_RETURN_IF_ERROR(source.Read(key + "host", s->mutable_host()));
    CURVE_RETURN_IF_ERROR(source.Read(key + "zone", s->mutable_zone()));
    CURVE_RETURN_IF_ERROR(source.Read(key + "pool", s->mutable_physical_pool()));
  }
  CURVE_RETURN_IF_ERROR(source.CheckNoUnknownKeys());
  return request;
}

Result<uint64_t> ParseSize(const std::string& flag, const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  std::string unit = text.substr(digits);
  uint64_t shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "K" || unit == "KiB") {
    shift = 10;
  } else if (unit == "M" || unit == "MiB") {
    shift = 20;
  } else if (unit == "G" || unit == "GiB") {
    shift = 30;
  } else if (unit == "T" || unit == "TiB") {
    shift = 40;
  } else {
    digits = 0;
  }
  if (digits == 0 || digits > 15) {
    return InvalidArgumentError("--" + flag + " '" + text +
                                "' is not a size: expected e.g. 10GiB, 512MiB or bytes");
  }
  return std::stoull(text.substr(0, digits)) << shift;
}

}  // namespace curve::cli
