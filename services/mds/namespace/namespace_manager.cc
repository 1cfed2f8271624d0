#include "services/mds/namespace/namespace_manager.h"

#include <algorithm>
#include <cctype>
#include <random>

#include "services/mds/topology/cluster_map.h"

namespace curve::mds {
namespace {

constexpr char kRoot[] = "root";

std::string JoinPath(const std::vector<std::string>& components, size_t n) {
  if (n == 0) return "/";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += "/" + components[i];
  return out;
}

Status CheckOwner(const std::string& user, const FileInfo& file, const std::string& path) {
  if (user == kRoot || file.owner() == user) return Status::Ok();
  return PermissionDeniedError("user " + user + " does not own " + path + " (owner " +
                               file.owner() + ")");
}

}  // namespace

Result<std::vector<std::string>> SplitPath(std::string_view field, const std::string& path) {
  std::string f(field);
  if (path.empty() || path[0] != '/') {
    return InvalidArgumentError(f + " '" + path + "' is not an absolute path");
  }
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part.empty()) {
      if (end == path.size() && out.empty() && path == "/") break;
      return InvalidArgumentError(f + " '" + path + "' has an empty component");
    }
    if (part == "." || part == ".." || part.size() > 255) {
      return InvalidArgumentError(f + " '" + path + "' has an invalid component '" + part + "'");
    }
    for (char c : part) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
        return InvalidArgumentError(f + " '" + path + "' has a character outside [A-Za-z0-9._-]");
      }
    }
    out.push_back(std::move(part));
    start = end + 1;
  }
  return out;
}

NamespaceManager::NamespaceManager(NamespaceStore& store, PoolLookup pools, const Clock& clock,
                                   NamespaceOptions options)
    : store_(store), pools_(std::move(pools)), clock_(clock), options_(options) {}

Result<FileRecord> NamespaceManager::Resolve(const std::vector<std::string>& components,
                                             const std::string& path) {
  FileRecord current;
  current.info.set_type(FILE_TYPE_DIRECTORY);
  current.info.set_owner(kRoot);
  current.info.set_path("/");
  for (size_t i = 0; i < components.size(); ++i) {
    if (current.info.type() != FILE_TYPE_DIRECTORY) {
      return FailedPreconditionError(JoinPath(components, i) + " is not a directory");
    }
    CURVE_ASSIGN_OR_RETURN(auto next, store_.GetFile(current.info.id(), components[i]));
    if (!next.has_value()) {
      return NotFoundError(JoinPath(components, i + 1) + " does not exist");
    }
    current = std::move(*next);
  }
  current.info.set_path(path);
  if (current.info.type() == FILE_TYPE_VOLUME) {
    current.info.set_sequence(VolumeSequence(current.info));
  }
  return current;
}

Result<FileInfo> NamespaceManager::Create(const std::string& user, const std::string& path,
                                          FileType type, uint64_t size,
                                          const std::string& poolset) {
  CURVE_RETURN_IF_ERROR(ValidateName("user", user));
  CURVE_ASSIGN_OR_RETURN(auto components, SplitPath("path", path));
  if (components.empty()) return AlreadyExistsError("/ already exists");
  FileInfo info;
  info.set_name(components.back());
  info.set_type(type);
  info.set_owner(user);
  info.set_ctime_ms(clock_.UnixMillis());
  if (type == FILE_TYPE_VOLUME) {
    if (size < options_.min_volume_size || size > options_.max_volume_size) {
      return InvalidArgumentError("size " + std::to_string(size) + " is out of range [" +
                                  std::to_string(options_.min_volume_size) + ", " +
                                  std::to_string(options_.max_volume_size) + "]");
    }
    if (size % options_.segment_size != 0) {
      return InvalidArgumentError("size " + std::to_string(size) +
                                  " is not a multiple of the segment size " +
                                  std::to_string(options_.segment_size));
    }
    std::string set = poolset.empty() ? std::string(kDefaultPoolset) : poolset;
    CURVE_RETURN_IF_ERROR(ValidateName("poolset", set));
    auto pools = pools_(set);
    if (!pools.ok()) return pools.status();
    info.set_size(size);
    info.set_poolset(set);
    info.set_segment_size(options_.segment_size);
    info.set_chunk_size(options_.chunk_size);
    info.set_block_size(options_.block_size);
    info.set_sequence(1);
  } else if (type == FILE_TYPE_DIRECTORY) {
    if (size != 0) return InvalidArgumentError("size must be 0 for a directory");
  } else {
    return InvalidArgumentError("type must be FILE_TYPE_VOLUME or FILE_TYPE_DIRECTORY");
  }
  std::vector<std::string> parent_path(components.begin(), components.end() - 1);
  auto parent = Resolve(parent_path, JoinPath(parent_path, parent_path.size()));
  if (!parent.ok()) {
    if (parent.status().code() == StatusCode::kNotFound) {
      return NotFoundError("parent directory " + JoinPath(parent_path, parent_path.size()) +
                           " of " + path + " does not exist");
    }
    return parent.status();
  }
  if (parent->info.type() != FILE_TYPE_DIRECTORY) {
    return FailedPreconditionError(parent->info.path() + " is not a directory");
  }
  info.set_parent_id(parent->info.id());
  auto created = store_.CreateFile(info);
  if (!created.ok()) {
    if (created.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError(path + " already exists");
    }
    return created.status();
  }
  created->set_path(path);
  return created;
}

Result<FileInfo> NamespaceManager::Stat(const std::string& user, const std::string& path) {
  CURVE_RETURN_IF_ERROR(ValidateName("user", user));
  CURVE_ASSIGN_OR_RETURN(auto components, SplitPath("path", path));
  CURVE_ASSIGN_OR_RETURN(auto record, Resolve(components, path));
  return record.info;
}

Result<std::vector<FileInfo>> NamespaceManager::List(const std::string& user,
                                                     const std::string& path) {
  CURVE_RETURN_IF_ERROR(ValidateName("user", user));
  CURVE_ASSIGN_OR_RETURN(auto components, SplitPath("path", path));
  CURVE_ASSIGN_OR_RETURN(auto dir, Resolve(components, path));
  if (dir.info.type() != FILE_TYPE_DIRECTORY) {
    return FailedPreconditionError(path + " is not a directory");
  }
  CURVE_ASSIGN_OR_RETURN(auto files, store_.ListDir(dir.info.id()));
  for (auto& f : files) {
    f.set_path((path == "/" ? "" : path) + "/" + f.name());
    if (f.type() == FILE_TYPE_VOLUME) f.set_sequence(VolumeSequence(f));
  }
  return files;
}

Result<FileInfo> NamespaceManager::Rename(const std::string& user, const std::string& path,
                                          const std::string& new_path) {
  CURVE_RETURN_IF_ERROR(ValidateName("user", user));
  CURVE_ASSIGN_OR_RETURN(auto from, SplitPath("path", path));
  CURVE_ASSIGN_OR_RETURN(auto to, SplitPath("new_path", new_path));
  if (from.empty() || to.empty()) return InvalidArgumentError("the root cannot be renamed");
  if (from == to) return AlreadyExistsError("new_path " + new_path + " already exists");
  if (to.size() > from.size() && std::equal(from.begin(), from.end(), to.begin())) {
    return InvalidArgumentError("new_path " + new_path + " is inside " + path);
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    CURVE_ASSIGN_OR_RETURN(auto source, Resolve(from, path));
    CURVE_RETURN_IF_ERROR(CheckOwner(user, source.info, path));
    std::vector<std::string> parent_path(to.begin(), to.end() - 1);
    auto parent = Resolve(parent_path, JoinPath(parent_path, parent_path.size()));
    if (!parent.ok()) {
      return parent.status().code() == StatusCode::kNotFound
                 ? NotFoundError("parent directory of new_path " + new_path + " does not exist")
                 : parent.status();
    }
    if (parent->info.type() != FILE_TYPE_DIRECTORY) {
      return FailedPreconditionError(parent->info.path() + " is not a directory");
    }
    FileInfo renamed = source.info;
    renamed.set_parent_id(parent->info.id());
    renamed.set_name(to.back());
    renamed.clear_path();
    FileInfo stored = source.info;
    stored.clear_path();
    Status status = store_.RenameFile(stored, source.revision, renamed);
    if (status.code() == StatusCode::kAborted) continue;
    if (status.code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("new_path " + new_path + " already exists");
    }
    CURVE_RETURN_IF_ERROR(status);
    renamed.set_path(new_path);
    return renamed;
  }
  return AbortedError(path + " kept changing concurrently; retry");
}

Result<FileRecord> NamespaceManager::ResolveVolume(const std::string& user, const std::string& path,
                                                   bool for_write) {
  CURVE_RETURN_IF_ERROR(ValidateName("user", user));
  CURVE_ASSIGN_OR_RETURN(auto components, SplitPath("path", path));
  CURVE_ASSIGN_OR_RETURN(auto record, Resolve(components, path));
  if (record.info.type() != FILE_TYPE_VOLUME) {
    return FailedPreconditionError(path + " is not a volume");
  }
  if (for_write) CURVE_RETURN_IF_ERROR(CheckOwner(user, record.info, path));
  return record;
}

Result<FileInfo> NamespaceManager::Extend(const std::string& user, const std::string& path,
                                          uint64_t new_size) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    CURVE_ASSIGN_OR_RETURN(auto record, ResolveVolume(user, path, true));
    if (new_size <= record.info.size()) {
      return InvalidArgumentError("new_size " + std::to_string(new_size) +
                                  " is not larger than the current size " +
                                  std::to_string(record.info.size()) + " (volumes only grow)");
    }
    if (new_size > options_.max_volume_size || new_size % record.info.segment_size() != 0) {
      return InvalidArgumentError("new_size " + std::to_string(new_size) +
                                  " must be a multiple of " +
                                  std::to_string(record.info.segment_size()) + " up to " +
                                  std::to_string(options_.max_volume_size));
    }
    FileInfo updated = record.info;
    updated.clear_path();
    updated.set_size(new_size);
    Status status = store_.UpdateFile(updated, record.revision);
    if (status.code() == StatusCode::kAborted) continue;
    CURVE_RETURN_IF_ERROR(status);
    updated.set_path(path);
    return updated;
  }
  return AbortedError(path + " kept changing concurrently; retry");
}

}  // namespace curve::mds
