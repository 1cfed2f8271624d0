#include "csi/node/stage_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace curve::csi {

StageStore::StageStore(std::string state_dir) : dir_(std::move(state_dir) + "/staged") {}

std::string StageStore::PathOf(const std::string& volume_id) const {
  return dir_ + "/" + volume_id + ".json";
}

Status StageStore::Save(const StagedVolume& volume) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return InternalError("create " + dir_ + ": " + ec.message());
  nlohmann::json json = {{"volumeId", volume.volume_id},
                         {"stagingPath", volume.staging_path},
                         {"device", volume.device},
                         {"block", volume.block},
                         {"fsType", volume.fs_type},
                         {"mountFlags", volume.mount_flags},
                         {"user", volume.user},
                         {"fileName", volume.file_name},
                         {"sizeBytes", volume.size_bytes},
                         {"targets", volume.targets},
                         {"singleWriter", volume.single_writer}};
  std::string path = PathOf(volume.volume_id);
  std::string tmp = path + ".tmp";
  std::string text = json.dump(2);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("write " + tmp + ": cannot open");
  bool ok =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return InternalError("write " + path + " failed");
  }
  return Status::Ok();
}

Result<StagedVolume> StageStore::Load(const std::string& volume_id) {
  std::string path = PathOf(volume_id);
  std::ifstream file(path);
  if (!file) return NotFoundError("volume " + volume_id + " is not staged on this node");
  std::stringstream text;
  text << file.rdbuf();
  try {
    auto json = nlohmann::json::parse(text.str());
    StagedVolume volume;
    volume.volume_id = json.at("volumeId").get<std::string>();
    volume.staging_path = json.at("stagingPath").get<std::string>();
    volume.device = json.at("device").get<std::string>();
    volume.block = json.at("block").get<bool>();
    volume.fs_type = json.at("fsType").get<std::string>();
    volume.mount_flags = json.at("mountFlags").get<std::vector<std::string>>();
    volume.user = json.at("user").get<std::string>();
    volume.file_name = json.at("fileName").get<std::string>();
    volume.size_bytes = json.at("sizeBytes").get<int64_t>();
    volume.targets = json.value("targets", std::vector<std::string>{});
    volume.single_writer = json.value("singleWriter", false);
    return volume;
  } catch (const std::exception& e) {
    return DataLossError("stage record " + path + " is corrupt: " + e.what());
  }
}

Status StageStore::Remove(const std::string& volume_id) {
  std::error_code ec;
  std::filesystem::remove(PathOf(volume_id), ec);
  if (ec) return InternalError("remove " + PathOf(volume_id) + ": " + ec.message());
  return Status::Ok();
}

std::vector<StagedVolume> StageStore::LoadAll(std::vector<std::string>* errors) {
  std::vector<StagedVolume> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() <= 5 || name.substr(name.size() - 5) != ".json") continue;
    auto volume = Load(name.substr(0, name.size() - 5));
    if (volume.ok()) {
      out.push_back(std::move(volume).value());
    } else if (errors != nullptr) {
      errors->push_back(volume.status().ToString());
    }
  }
  return out;
}

}  // namespace curve::csi
