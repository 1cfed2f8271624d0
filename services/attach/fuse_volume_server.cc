#define FUSE_USE_VERSION 312
#include "services/attach/fuse_volume_server.h"

#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/logging.h"

namespace curve::attach {
namespace {

constexpr fuse_ino_t kRootIno = FUSE_ROOT_ID;
constexpr fuse_ino_t kFileIno = 2;

FuseVolumeServer* Server(fuse_req_t req) {
  return static_cast<FuseVolumeServer*>(fuse_req_userdata(req));
}

int ErrnoOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOutOfRange:
      return EFBIG;
    case StatusCode::kResourceExhausted:
      return ENOSPC;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return EAGAIN;
    default:
      return EIO;
  }
}

void FillAttr(FuseVolumeServer* server, fuse_ino_t ino, struct stat* st) {
  std::memset(st, 0, sizeof(*st));
  st->st_ino = ino;
  if (ino == kRootIno) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
  } else {
    st->st_mode = S_IFREG | 0600;
    st->st_nlink = 1;
    st->st_size = static_cast<off_t>(server->backend()->Size());
    st->st_blksize = 4096;
    st->st_blocks = st->st_size / 512;
  }
}

void Init(void* userdata, struct fuse_conn_info* conn) {
  auto* server = static_cast<FuseVolumeServer*>(userdata);
  conn->max_write = server->options().max_write;
  conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
}

void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (parent != kRootIno || std::strcmp(name, FuseVolumeServer::kFileName) != 0) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  struct fuse_entry_param entry;
  std::memset(&entry, 0, sizeof(entry));
  entry.ino = kFileIno;
  entry.attr_timeout = 3600;
  entry.entry_timeout = 3600;
  FillAttr(Server(req), kFileIno, &entry.attr);
  fuse_reply_entry(req, &entry);
}

void GetAttr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info*) {
  if (ino != kRootIno && ino != kFileIno) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  struct stat st;
  FillAttr(Server(req), ino, &st);
  fuse_reply_attr(req, &st, 3600);
}

void SetAttr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
             struct fuse_file_info*) {
  struct stat st;
  FillAttr(Server(req), ino, &st);
  if ((to_set & FUSE_SET_ATTR_SIZE) && attr->st_size != st.st_size) {
    fuse_reply_err(req, EPERM);  // a volume is resized through the MDS, not by truncate
    return;
  }
  fuse_reply_attr(req, &st, 3600);
}

void ReadDir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, struct fuse_file_info*) {
  if (ino != kRootIno) {
    fuse_reply_err(req, ENOTDIR);
    return;
  }
  std::vector<char> buffer(size);
  size_t used = 0;
  const char* names[] = {".", "..", FuseVolumeServer::kFileName};
  const fuse_ino_t inos[] = {kRootIno, kRootIno, kFileIno};
  for (off_t i = offset; i < 3; i++) {
    struct stat st;
    FillAttr(Server(req), inos[i], &st);
    size_t need = fuse_add_direntry(req, buffer.data() + used, size - used, names[i], &st, i + 1);
    if (need > size - used) break;
    used += need;
  }
  fuse_reply_buf(req, buffer.data(), used);
}

void Open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  if (ino != kFileIno) {
    fuse_reply_err(req, EISDIR);
    return;
  }
  fi->direct_io = 1;
  fi->keep_cache = 0;
  fuse_reply_open(req, fi);
}

void Read(fuse_req_t req, fuse_ino_t, size_t size, off_t offset, struct fuse_file_info*) {
  VolumeBackend* backend = Server(req)->backend();
  uint64_t volume_size = backend->Size();
  if (offset < 0 || static_cast<uint64_t>(offset) >= volume_size) {
    fuse_reply_buf(req, nullptr, 0);
    return;
  }
  size = static_cast<size_t>(std::min<uint64_t>(size, volume_size - offset));
  std::vector<char> buffer(size);
  Status status = backend->Read(static_cast<uint64_t>(offset), size, buffer.data());
  if (!status.ok()) {
    log::Get("attach")->error("op=FuseRead offset={} size={} err=\"{}\"", offset, size,
                              status.ToString());
    fuse_reply_err(req, ErrnoOf(status));
    return;
  }
  fuse_reply_buf(req, buffer.data(), size);
}

void Write(fuse_req_t req, fuse_ino_t, const char* data, size_t size, off_t offset,
           struct fuse_file_info*) {
  VolumeBackend* backend = Server(req)->backend();
  if (offset < 0 || static_cast<uint64_t>(offset) + size > backend->Size()) {
    fuse_reply_err(req, EFBIG);
    return;
  }
  Status status = backend->Write(static_cast<uint64_t>(offset), size, data);
  if (!status.ok()) {
    log::Get("attach")->error("op=FuseWrite offset={} size={} err=\"{}\"", offset, size,
                              status.ToString());
    fuse_reply_err(req, ErrnoOf(status));
    return;
  }
  fuse_reply_write(req, size);
}

void FlushBackend(fuse_req_t req) {
  Status status = Server(req)->backend()->Flush();
  if (!status.ok()) {
    log::Get("attach")->error("op=FuseFlush err=\"{}\"", status.ToString());
  }
  fuse_reply_err(req, status.ok() ? 0 : ErrnoOf(status));
}

void Flush(fuse_req_t req, fuse_ino_t, struct fuse_file_info*) { FlushBackend(req); }

void Fsync(fuse_req_t req, fuse_ino_t, int, struct fuse_file_info*) { FlushBackend(req); }

}  // namespace

Result<std::unique_ptr<FuseVolumeServer>> FuseVolumeServer::Start(
    VolumeBackend* backend, const std::string& mountpoint, const FuseVolumeServerOptions& options) {
  static const struct fuse_lowlevel_ops ops = [] {
    struct fuse_lowlevel_ops o;
    std::memset(&o, 0, sizeof(o));
    o.init = Init;
    o.lookup = Lookup;
    o.getattr = GetAttr;
    o.setattr = SetAttr;
    o.readdir = ReadDir;
    o.open = Open;
    o.read = Read;
    o.write = Write;
    o.flush = Flush;
    o.fsync = Fsync;
    return o;
  }();
  std::unique_ptr<FuseVolumeServer> server(new FuseVolumeServer(backend, mountpoint, options));
  std::string mount_options = "fsname=" + options.fs_name + ",subtype=curve,allow_other";
  std::vector<std::string> argv_storage = {"curve-attachd", "-o", mount_options};
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  struct fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  server->session_ = fuse_session_new(&args, &ops, sizeof(ops), server.get());
  if (server->session_ == nullptr) {
    return InternalError("fuse: cannot create a session for " + mountpoint);
  }
  if (fuse_session_mount(server->session_, mountpoint.c_str()) != 0) {
    fuse_session_destroy(server->session_);
    server->session_ = nullptr;
    return InternalError("fuse: cannot mount " + mountpoint + " (is /dev/fuse available?)");
  }
  server->loop_ = std::thread([session = server->session_, threads = options.max_threads] {
    struct fuse_loop_config* config = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(config, static_cast<unsigned>(threads));
    fuse_loop_cfg_set_clone_fd(config, 1);
    fuse_session_loop_mt(session, config);
    fuse_loop_cfg_destroy(config);
  });
  return server;
}

FuseVolumeServer::~FuseVolumeServer() { Stop(); }

void FuseVolumeServer::Stop() {
  if (session_ == nullptr) return;
  fuse_session_exit(session_);
  fuse_session_unmount(session_);
  if (loop_.joinable()) loop_.join();
  fuse_session_destroy(session_);
  session_ = nullptr;
}

Result<uint64_t> FuseVolumeServer::RefreshSize() {
  if (session_ == nullptr) return FailedPreconditionError("fuse: the server is stopped");
  CURVE_ASSIGN_OR_RETURN(uint64_t size, backend_->Refresh());
  int rc = fuse_lowlevel_notify_inval_inode(session_, kFileIno, -1, 0);
  if (rc != 0 && rc != -ENOENT) {  // ENOENT: the kernel has not looked the file up yet
    return InternalError("fuse: invalidate the attributes of " + file_path() + ": " +
                         std::strerror(-rc));
  }
  struct stat st {};
  if (::stat(file_path().c_str(), &st) != 0) {
    return InternalError("stat " + file_path() + ": " + std::strerror(errno));
  }
  if (static_cast<uint64_t>(st.st_size) != size) {
    return InternalError("fuse: " + file_path() + " still has size " + std::to_string(st.st_size) +
                         " after refreshing to " + std::to_string(size));
  }
  return size;
}

std::string FuseVolumeServer::file_path() const { return mountpoint_ + "/" + kFileName; }

}  // namespace curve::attach
