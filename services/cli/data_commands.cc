#include "services/cli/data_commands.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "services/attach/fuse_loop_attacher.h"
#include "services/chunkserver/datastore/file_pool.h"
#include "services/cli/cluster_map_file.h"
#include "services/client/curve_volume_backend.h"
#include "services/client/volume.h"
#include "services/client/volume_bench.h"
#include "services/mds/client/mds_client.h"

namespace curve::cli {

namespace {

std::vector<std::string> Mds(const config::CommandLine& cl) {
  if (auto mds = cl.Flag("mds")) return mds::SplitAddresses(*mds);
  return {"127.0.0.1:6700"};
}

// The attach record's name of a volume: its path without slashes ("/k8s/pvc-1" → "k8s.pvc-1").
std::string MapName(const std::string& path) {
  std::string name = path;
  while (!name.empty() && name.front() == '/') name.erase(name.begin());
  std::replace(name.begin(), name.end(), '/', '.');
  return name;
}

Status Format(const config::CommandLine& cl, std::ostream& out) {
  auto dir = cl.Flag("data-dir");
  if (!dir || dir->empty()) return InvalidArgumentError("--data-dir is required");
  CURVE_ASSIGN_OR_RETURN(
      const int64_t percent,
      config::ParseInteger("--percent", cl.Flag("percent").value_or("80"), 1, 100));
  uint64_t chunk_size = chunkserver::kDefaultChunkSize;
  if (auto size = cl.Flag("chunk-size")) {
    CURVE_ASSIGN_OR_RETURN(chunk_size, ParseSize("chunk-size", *size));
  }
  CURVE_RETURN_IF_ERROR(
      chunkserver::FilePool::Format(*dir, static_cast<uint32_t>(percent), chunk_size));
  out << "formatted " << *dir << "\n";
  return Status::Ok();
}

Status Map(const config::CommandLine& cl, const std::string& path, std::ostream& out) {
  client::CurveSpec spec{path, cl.Flag("user").value_or("root"), Mds(cl)};
  attach::FuseLoopAttacher attacher({});
  CURVE_ASSIGN_OR_RETURN(auto mapped, attacher.Map(MapName(path), client::FormatCurveSpec(spec)));
  out << mapped.device << "\n";
  return Status::Ok();
}

Status Unmap(const std::string& target) {
  attach::FuseLoopAttacher attacher({});
  Status s = attacher.Unmap(target.rfind("/dev/", 0) == 0 ? target : MapName(target));
  return s.code() == StatusCode::kNotFound ? Status::Ok() : s;
}

Status ListMapped(const config::CommandLine& cl, std::ostream& out) {
  attach::FuseLoopAttacher attacher({});
  CURVE_ASSIGN_OR_RETURN(auto mapped, attacher.ListMapped());
  bool json = cl.Flag("output").value_or("table") == "json";
  if (json) out << "[";
  if (!json) out << "VOLUME\tUSER\tDEVICE\tPID\tALIVE\n";
  bool first = true;
  for (const auto& m : mapped) {
    auto spec = client::ParseCurveSpec(m.backend);
    std::string volume = spec.ok() ? spec->path : m.volume;
    std::string user = spec.ok() ? spec->user : "";
    if (json) {
      out << (first ? "" : ",") << "{\"volume\":\"" << volume << "\",\"user\":\"" << user
          << "\",\"device\":\"" << m.device << "\",\"pid\":" << m.pid
          << ",\"alive\":" << (m.alive ? "true" : "false") << "}";
    } else {
      out << volume << "\t" << user << "\t" << m.device << "\t" << m.pid << "\t"
          << (m.alive ? "yes" : "no") << "\n";
    }
    first = false;
  }
  if (json) out << "]\n";
  return Status::Ok();
}

Result<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0) return InvalidArgumentError("--runtime '" + text + "': expected e.g. 30s");
  int64_t n = std::stoll(text.substr(0, digits));
  std::string unit = text.substr(digits);
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s" || unit.empty()) return std::chrono::milliseconds(n * 1000);
  if (unit == "m") return std::chrono::milliseconds(n * 60000);
  return InvalidArgumentError("--runtime '" + text + "': expected e.g. 30s");
}

Status Bench(const config::CommandLine& cl, const std::string& path, std::ostream& out) {
  std::string rw = cl.Flag("rw").value_or("randwrite");
  if (rw != "randwrite" && rw != "randread" && rw != "write" && rw != "read") {
    return InvalidArgumentError("--rw '" + rw + "': expected randwrite, randread, write or read");
  }
  CURVE_ASSIGN_OR_RETURN(uint64_t bs, ParseSize("bs", cl.Flag("bs").value_or("4K")));
  CURVE_ASSIGN_OR_RETURN(
      const int depth,
      config::ParseInteger("--iodepth", cl.Flag("iodepth").value_or("1"), 1, 1024));
  if (bs == 0 || bs % 4096 != 0) return InvalidArgumentError("--bs: a multiple of 4KiB");
  CURVE_ASSIGN_OR_RETURN(auto runtime, ParseDuration(cl.Flag("runtime").value_or("10s")));
  client::VolumeOptions options;
  options.mds_addresses = Mds(cl);
  options.client_name = "curve-bench";
  options.io_threads = std::max(depth, 4);
  CURVE_ASSIGN_OR_RETURN(auto volume,
                         client::Volume::Open(options, cl.Flag("user").value_or("root"), path));
  client::VolumeBenchOptions bench;
  bench.write = rw.find("write") != std::string::npos;
  bench.random = rw.rfind("rand", 0) == 0;
  bench.block_size = bs;
  bench.depth = depth;
  bench.runtime = runtime;
  CURVE_ASSIGN_OR_RETURN(auto r, client::RunVolumeBench(*volume, bench));
  char line[512];
  if (cl.Flag("output").value_or("table") == "json") {
    std::snprintf(line, sizeof(line),
                  "{\"rw\":\"%s\",\"bs\":%llu,\"iodepth\":%d,\"ops\":%zu,\"iops\":%.1f,"
                  "\"mib_per_s\":%.2f,\"p50_us\":%.0f,\"p99_us\":%.0f,\"p999_us\":%.0f}\n",
                  rw.c_str(), static_cast<unsigned long long>(bs), depth,
                  static_cast<size_t>(r.ops), r.iops, r.mib_per_s, r.p50_us, r.p99_us, r.p999_us);
    out << line;
  } else {
    out << "RW         BS       DEPTH  IOPS       MiB/s     p50(us)  p99(us)  p99.9(us)\n";
    std::snprintf(line, sizeof(line), "%-10s %-8llu %-6d %-10.0f %-9.1f %-8.0f %-8.0f %-8.0f\n",
                  rw.c_str(), static_cast<unsigned long long>(bs), depth, r.iops, r.mib_per_s,
                  r.p50_us, r.p99_us, r.p999_us);
    out << line;
  }
  return volume->Close();
}

}  // namespace

std::optional<int> RunDataCommand(const config::CommandLine& cl, std::ostream& out,
                                  std::ostream& err) {
  const auto& args = cl.positional;
  if (args.empty()) return std::nullopt;
  Status status;
  if (args[0] == "chunkserver" && args.size() >= 2 && args[1] == "format") {
    status = Format(cl, out);
  } else if (args[0] == "map" || args[0] == "bench") {
    if (args.size() != 2) {
      err << "curve: usage: curve " << args[0] << " VOLUME [--user U] [--mds A,B,C]\n";
      return 2;
    }
    status = args[0] == "map" ? Map(cl, args[1], out) : Bench(cl, args[1], out);
  } else if (args[0] == "unmap") {
    if (args.size() != 2) {
      err << "curve: usage: curve unmap DEVICE|VOLUME\n";
      return 2;
    }
    status = Unmap(args[1]);
  } else if (args[0] == "list-mapped") {
    status = ListMapped(cl, out);
  } else {
    return std::nullopt;
  }
  if (!status.ok()) {
    err << "curve: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace curve::cli
