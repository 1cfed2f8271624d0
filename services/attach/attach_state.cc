#include "services/attach/attach_state.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace curve::attach {

AttachPaths::AttachPaths(std::string runtime_dir, const std::string& volume)
    : volume_dir_(std::move(runtime_dir) + "/" + Escape(volume)) {}

std::string AttachPaths::Escape(const std::string& volume) {
  std::string out;
  for (size_t i = 0; i < volume.size(); i++) {
    unsigned char c = static_cast<unsigned char>(volume[i]);
    bool keep = std::isalnum(c) || c == '_' || c == '-' || (c == '.' && i > 0);
    if (keep) {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

Status WriteAttachState(const std::string& path, const AttachState& state) {
  nlohmann::json json = {
      {"volume", state.volume},
      {"backend", state.backend},
      {"pid", state.pid},
      {"fuse_mount", state.fuse_mount},
      {"file", state.file},
      {"device", state.device},
      {"direct_io", state.direct_io},
      {"log_file", state.log_file},
      {"size", state.size},
      {"refreshes", state.refreshes},
      {"refresh_error", state.refresh_error},
  };
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json.dump(2) << "\n";
    out.flush();
    if (!out) return InternalError("write attach state " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return InternalError("rename attach state " + tmp + " -> " + path);
  }
  return Status::Ok();
}

Result<AttachState> ReadAttachState(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError("no attach state " + path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    auto json = nlohmann::json::parse(text.str());
    AttachState state;
    state.volume = json.at("volume").get<std::string>();
    state.backend = json.at("backend").get<std::string>();
    state.pid = json.at("pid").get<pid_t>();
    state.fuse_mount = json.at("fuse_mount").get<std::string>();
    state.file = json.at("file").get<std::string>();
    state.device = json.at("device").get<std::string>();
    state.direct_io = json.at("direct_io").get<bool>();
    state.log_file = json.value("log_file", "");
    state.size = json.value("size", uint64_t{0});
    state.refreshes = json.value("refreshes", uint64_t{0});
    state.refresh_error = json.value("refresh_error", "");
    return state;
  } catch (const std::exception& e) {
    return DataLossError("attach state " + path + " is unreadable: " + e.what());
  }
}

std::vector<AttachState> ListAttachStates(const std::string& runtime_dir) {
  std::vector<AttachState> states;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(runtime_dir, ec)) {
    if (!entry.is_directory(ec)) continue;
    auto state = ReadAttachState(entry.path().string() + "/state.json");
    if (state.ok()) states.push_back(std::move(state).value());
  }
  return states;
}

bool AttachDaemonAlive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 >= line.size()) return false;
  char state = line[paren + 2];
  if (state == 'Z' || state == 'X') return false;
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  return argv0.find("curve-attachd") != std::string::npos;
}

}  // namespace curve::attach
