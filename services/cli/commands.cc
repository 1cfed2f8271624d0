#include "services/cli/commands.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <ctime>
#include <map>

#include "proto/mds/namespace.grpc.pb.h"
#include "proto/mds/topology.grpc.pb.h"
#include "services/cli/cluster_map_file.h"
#include "services/cli/table.h"
#include "services/mds/client/mds_client.h"

namespace curve::cli {
namespace {

constexpr char kUsage[] =
    "usage: curve [--mds=ADDR,...|--config=FILE] [-o json] [--user=NAME] COMMAND\n"
    "  topology apply -f FILE [--dry-run]\n"
    "  topology show\n"
    "  volume create NAME --size=SIZE [--poolset=NAME]\n"
    "  volume stat NAME | volume list [DIR] | volume delete NAME [--purge]\n"
    "  volume extend NAME --size=SIZE\n"
    "  mkdir DIR\n"
    "  recycle list | recycle purge ID | recycle recover ID [--to=PATH]\n"
    "  snapshot list NAME\n"
    "  chunkserver retire ID\n"
    "  status\n";

struct Context {
  const config::CommandLine& cl;
  std::ostream& out;
  std::ostream& err;
  bool json = false;
  std::string user;
  std::unique_ptr<mds::MdsClient> client;
};

std::string Json(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &text, options);
  return text;
}

std::string Path(const std::string& name) {
  return name.empty() || name[0] == '/' ? name : "/" + name;
}

template <typename Request, typename Response, typename Method>
Status Invoke(Context& ctx, const char* what, const Request& request, Response* response,
              Method method, bool idempotent = true) {
  return ctx.client->Call(
      what,
      [&](const std::shared_ptr<grpc::Channel>& channel, grpc::ClientContext& context) {
        response->Clear();
        return method(channel, context, request, response);
      },
      idempotent);
}

#define NS_CALL(Name)                                                                   \
  [](const std::shared_ptr<grpc::Channel>& ch, grpc::ClientContext& c, const auto& req, \
     auto* resp) { return mds::NamespaceService::NewStub(ch)->Name(&c, req, resp); }
#define TOPO_CALL(Name)                                                                 \
  [](const std::shared_ptr<grpc::Channel>& ch, grpc::ClientContext& c, const auto& req, \
     auto* resp) { return mds::TopologyService::NewStub(ch)->Name(&c, req, resp); }

std::string StateName(mds::ChunkServerState state) {
  switch (state) {
    case mds::CHUNKSERVER_ONLINE:
      return "online";
    case mds::CHUNKSERVER_OFFLINE:
      return "offline";
    case mds::CHUNKSERVER_RETIRED:
      return "retired";
    default:
      return "unknown";
  }
}

void PrintFiles(Context& ctx, const std::vector<const mds::FileInfo*>& files) {
  Table table({"PATH", "TYPE", "SIZE", "OWNER", "POOLSET", "ID"});
  for (const auto* f : files) {
    table.Add({f->path(), f->type() == mds::FILE_TYPE_DIRECTORY ? "dir" : "volume",
               f->type() == mds::FILE_TYPE_DIRECTORY ? "-" : FormatBytes(f->size()), f->owner(),
               f->poolset().empty() ? "-" : f->poolset(), std::to_string(f->id())});
  }
  table.Print(ctx.out);
}

Status Topology(Context& ctx, const std::string& verb) {
  if (verb == "apply") {
    auto file = ctx.cl.Flag("file");
    if (!file) return InvalidArgumentError("topology apply needs -f FILE");
    CURVE_ASSIGN_OR_RETURN(auto request, ReadClusterMap(*file));
    request.set_dry_run(ctx.cl.Flag("dry-run").value_or("false") == "true");
    mds::ApplyTopologyResponse response;
    CURVE_RETURN_IF_ERROR(
        Invoke(ctx, "ApplyTopology", request, &response, TOPO_CALL(ApplyTopology)));
    if (ctx.json) {
      ctx.out << Json(response);
    } else if (response.changes().empty()) {
      ctx.out << "topology unchanged\n";
    } else {
      for (const auto& c : response.changes()) ctx.out << c << "\n";
    }
    return Status::Ok();
  }
  if (verb != "show") return InvalidArgumentError("unknown topology command '" + verb + "'");
  mds::GetTopologyResponse response;
  CURVE_RETURN_IF_ERROR(
      Invoke(ctx, "GetTopology", mds::GetTopologyRequest(), &response, TOPO_CALL(GetTopology)));
  if (ctx.json) {
    ctx.out << Json(response);
    return Status::Ok();
  }
  const auto& t = response.topology();
  Table poolsets({"POOLSET", "TYPE"});
  for (const auto& p : t.poolsets()) poolsets.Add({p.name(), p.type().empty() ? "any" : p.type()});
  poolsets.Print(ctx.out);
  ctx.out << "\n";
  std::map<std::string, int> copysets;
  for (const auto& lp : t.logical_pools()) copysets[lp.physical_pool()] = lp.copysets_size();
  Table pools({"POOL", "POOLSET", "COPYSETS"});
  for (const auto& p : t.physical_pools()) {
    pools.Add({p.name(), p.poolset(), std::to_string(copysets[p.name()])});
  }
  pools.Print(ctx.out);
  ctx.out << "\n";
  Table servers({"SERVER", "HOST", "ZONE", "POOL"});
  for (const auto& s : t.servers()) servers.Add({s.name(), s.host(), s.zone(), s.physical_pool()});
  servers.Print(ctx.out);
  ctx.out << "\n";
  Table chunkservers({"ID", "SERVER", "ADDRESS", "DISK", "TYPE", "STATE", "USED", "CAPACITY"});
  for (const auto& cs : t.chunkservers()) {
    chunkservers.Add({std::to_string(cs.id()), cs.server(),
                      cs.host() + ":" + std::to_string(cs.port()), cs.disk_path(), cs.disk_type(),
                      StateName(cs.state()), FormatBytes(cs.used_bytes()),
                      FormatBytes(cs.capacity_bytes())});
  }
  chunkservers.Print(ctx.out);
  return Status::Ok();
}

Status Volume(Context& ctx, const std::string& verb, const std::vector<std::string>& args) {
  std::string name = args.size() > 2 ? Path(args[2]) : "";
  if (verb != "list" && name.empty()) {
    return InvalidArgumentError("volume " + verb + " needs a NAME");
  }
  if (verb == "create" || verb == "extend") {
    auto size_flag = ctx.cl.Flag("size");
    if (!size_flag) return InvalidArgumentError("--size is required");
    CURVE_ASSIGN_OR_RETURN(uint64_t size, ParseSize("size", *size_flag));
    mds::FileInfo file;
    if (verb == "create") {
      mds::CreateFileRequest request;
      request.set_user(ctx.user);
      request.set_path(name);
      request.set_type(mds::FILE_TYPE_VOLUME);
      request.set_size(size);
      request.set_poolset(ctx.cl.Flag("poolset").value_or(""));
      mds::CreateFileResponse response;
      CURVE_RETURN_IF_ERROR(
          Invoke(ctx, "CreateFile", request, &response, NS_CALL(CreateFile), false));
      file = response.file();
    } else {
      mds::ExtendFileRequest request;
      request.set_user(ctx.user);
      request.set_path(name);
      request.set_new_size(size);
      mds::ExtendFileResponse response;
      CURVE_RETURN_IF_ERROR(Invoke(ctx, "ExtendFile", request, &response, NS_CALL(ExtendFile)));
      file = response.file();
    }
    if (ctx.json) {
      ctx.out << Json(file);
    } else {
      PrintFiles(ctx, {&file});
    }
    return Status::Ok();
  }
  if (verb == "stat") {
    mds::StatFileRequest request;
    request.set_user(ctx.user);
    request.set_path(name);
    mds::StatFileResponse response;
    CURVE_RETURN_IF_ERROR(Invoke(ctx, "StatFile", request, &response, NS_CALL(StatFile)));
    if (ctx.json) {
      ctx.out << Json(response.file());
    } else {
      PrintFiles(ctx, {&response.file()});
    }
    return Status::Ok();
  }
  if (verb == "list") {
    mds::ListDirRequest request;
    request.set_user(ctx.user);
    request.set_path(name.empty() ? "/" : name);
    mds::ListDirResponse response;
    CURVE_RETURN_IF_ERROR(Invoke(ctx, "ListDir", request, &response, NS_CALL(ListDir)));
    if (ctx.json) {
      ctx.out << Json(response);
    } else {
      std::vector<const mds::FileInfo*> files;
      for (const auto& f : response.files()) files.push_back(&f);
      PrintFiles(ctx, files);
    }
    return Status::Ok();
  }
  if (verb == "delete") {
    mds::DeleteFileRequest request;
    request.set_user(ctx.user);
    request.set_path(name);
    request.set_purge(ctx.cl.Flag("purge").value_or("false") == "true");
    mds::DeleteFileResponse response;
    CURVE_RETURN_IF_ERROR(Invoke(ctx, "DeleteFile", request, &response, NS_CALL(DeleteFile)));
    if (ctx.json) {
      ctx.out << "{}\n";
    } else {
      ctx.out << "deleted " << name << (request.purge() ? "" : " (moved to the recycle bin)")
              << "\n";
    }
    return Status::Ok();
  }
  return InvalidArgumentError("unknown volume command '" + verb + "'");
}

Status MakeDir(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() < 2) return InvalidArgumentError("mkdir needs a DIR");
  mds::CreateFileRequest request;
  request.set_user(ctx.user);
  request.set_path(Path(args[1]));
  request.set_type(mds::FILE_TYPE_DIRECTORY);
  mds::CreateFileResponse response;
  CURVE_RETURN_IF_ERROR(Invoke(ctx, "CreateFile", request, &response, NS_CALL(CreateFile), false));
  if (ctx.json) {
    ctx.out << Json(response.file());
  } else {
    ctx.out << "created directory " << response.file().path() << "\n";
  }
  return Status::Ok();
}

Result<uint64_t> ParseId(const std::string& what, const std::vector<std::string>& args) {
  if (args.size() < 3) return InvalidArgumentError(what + " needs an ID");
  const std::string& text = args[2];
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
      text.size() > 19) {
    return InvalidArgumentError("ID '" + text + "' is not a number");
  }
  return std::stoull(text);
}

std::string FormatTime(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

Status Recycle(Context& ctx, const std::string& verb, const std::vector<std::string>& args) {
  if (verb == "list") {
    mds::ListRecycleBinRequest request;
    request.set_user(ctx.user);
    mds::ListRecycleBinResponse response;
    CURVE_RETURN_IF_ERROR(
        Invoke(ctx, "ListRecycleBin", request, &response, NS_CALL(ListRecycleBin)));
    if (ctx.json) {
      ctx.out << Json(response);
      return Status::Ok();
    }
    Table table({"ID", "PATH", "SIZE", "OWNER", "DELETED"});
    for (const auto& f : response.files()) {
      table.Add({std::to_string(f.id()), f.path(), FormatBytes(f.size()), f.owner(),
                 FormatTime(f.deleted_ms())});
    }
    table.Print(ctx.out);
    return Status::Ok();
  }
  if (verb == "purge") {
    CURVE_ASSIGN_OR_RETURN(uint64_t id, ParseId("recycle purge", args));
    mds::PurgeFileRequest request;
    request.set_user(ctx.user);
    request.set_file_id(id);
    mds::PurgeFileResponse response;
    CURVE_RETURN_IF_ERROR(Invoke(ctx, "PurgeFile", request, &response, NS_CALL(PurgeFile)));
    ctx.out << (ctx.json ? "{}\n" : "purged " + std::to_string(id) + "\n");
    return Status::Ok();
  }
  if (verb == "recover") {
    CURVE_ASSIGN_OR_RETURN(uint64_t id, ParseId("recycle recover", args));
    mds::RecoverFileRequest request;
    request.set_user(ctx.user);
    request.set_file_id(id);
    request.set_new_path(Path(ctx.cl.Flag("to").value_or("")));
    mds::RecoverFileResponse response;
    CURVE_RETURN_IF_ERROR(
        Invoke(ctx, "RecoverFile", request, &response, NS_CALL(RecoverFile), false));
    if (ctx.json) {
      ctx.out << Json(response.file());
    } else {
      PrintFiles(ctx, {&response.file()});
    }
    return Status::Ok();
  }
  return InvalidArgumentError("unknown recycle command '" + verb + "'");
}

// Read-only: snapshots are taken and ended by curve-snapshotclone, which also ends them on every
// chunk before the MDS forgets them.
Status Snapshot(Context& ctx, const std::string& verb, const std::vector<std::string>& args) {
  if (verb != "list") return InvalidArgumentError("unknown snapshot command '" + verb + "'");
  if (args.size() < 3) return InvalidArgumentError("snapshot list needs a NAME");
  mds::ListSnapshotsRequest request;
  request.set_user(ctx.user);
  request.set_path(Path(args[2]));
  mds::ListSnapshotsResponse response;
  CURVE_RETURN_IF_ERROR(Invoke(ctx, "ListSnapshots", request, &response, NS_CALL(ListSnapshots)));
  if (ctx.json) {
    ctx.out << Json(response);
    return Status::Ok();
  }
  Table table({"PATH", "SEQUENCE", "STATE", "SIZE", "CREATED"});
  for (const auto& s : response.snapshots()) {
    table.Add({s.path(), std::to_string(s.sequence()),
               s.state() == mds::SnapshotInfo::READY ? "ready" : "pending", FormatBytes(s.size()),
               FormatTime(s.ctime_ms())});
  }
  table.Print(ctx.out);
  return Status::Ok();
}

Status ChunkServer(Context& ctx, const std::string& verb, const std::vector<std::string>& args) {
  if (verb != "retire") return InvalidArgumentError("unknown chunkserver command '" + verb + "'");
  CURVE_ASSIGN_OR_RETURN(uint64_t id, ParseId("chunkserver retire", args));
  if (id > UINT32_MAX) return InvalidArgumentError("ID " + args[2] + " is out of range");
  mds::RetireChunkServerRequest request;
  request.set_chunkserver_id(static_cast<uint32_t>(id));
  mds::RetireChunkServerResponse response;
  CURVE_RETURN_IF_ERROR(
      Invoke(ctx, "RetireChunkServer", request, &response, TOPO_CALL(RetireChunkServer)));
  if (ctx.json) {
    ctx.out << Json(response);
  } else {
    ctx.out << "retired chunkserver " << id << "; " << response.copysets_to_move()
            << " copysets will move to other chunkservers\n";
  }
  return Status::Ok();
}

Status ClusterStatus(Context& ctx) {
  mds::GetClusterHealthResponse response;
  CURVE_RETURN_IF_ERROR(Invoke(ctx, "GetClusterHealth", mds::GetClusterHealthRequest(), &response,
                               TOPO_CALL(GetClusterHealth)));
  if (ctx.json) {
    ctx.out << Json(response);
    return Status::Ok();
  }
  ctx.out << "cluster: " << (response.healthy() ? "healthy" : "unhealthy")
          << "  leader: " << response.leader() << "\n\n";
  Table table({"POOLSET", "TYPE", "CHUNKSERVERS", "COPYSETS", "USED", "CAPACITY"});
  for (const auto& p : response.poolsets()) {
    table.Add({p.poolset(), p.type().empty() ? "any" : p.type(),
               std::to_string(p.chunkservers_online()) + "/" +
                   std::to_string(p.chunkservers_total()) + " online",
               std::to_string(p.copysets_healthy()) + "/" + std::to_string(p.copysets_total()) +
                   " healthy",
               FormatBytes(p.used_bytes()), FormatBytes(p.capacity_bytes())});
  }
  table.Print(ctx.out);
  return Status::Ok();
}

Result<std::vector<std::string>> MdsAddresses(const config::CommandLine& cl) {
  if (auto mds = cl.Flag("mds")) return mds::SplitAddresses(*mds);
  if (auto path = cl.Flag("config")) {
    CURVE_ASSIGN_OR_RETURN(auto source, config::ConfigSource::FromFile(*path));
    std::vector<std::string> addresses;
    CURVE_RETURN_IF_ERROR(source.Read("mds.addresses", &addresses));
    CURVE_RETURN_IF_ERROR(source.CheckNoUnknownKeys());
    if (addresses.empty()) return source.Invalid("mds.addresses", "a list of host:port");
    return addresses;
  }
  return std::vector<std::string>{"127.0.0.1:6700"};
}

}  // namespace

int RunCommand(const config::CommandLine& cl, std::ostream& out, std::ostream& err) {
  const auto& args = cl.positional;
  if (args.empty() || cl.Flag("help")) {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? 2 : 0;
  }
  Context ctx{cl, out, err, false, "", nullptr};
  std::string output = cl.Flag("output").value_or("table");
  if (output != "table" && output != "json") {
    err << "curve: INVALID_ARGUMENT: -o '" << output << "': expected table or json\n";
    return 2;
  }
  ctx.json = output == "json";
  ctx.user = cl.Flag("user").value_or("root");
  auto addresses = MdsAddresses(cl);
  if (!addresses.ok()) {
    err << "curve: " << addresses.status() << "\n";
    return 2;
  }
  mds::MdsClientOptions options;
  options.addresses = *addresses;
  if (auto timeout = cl.Flag("timeout")) {
    auto ms = config::ParseInteger("--timeout", *timeout, 1, 24 * 3600 * 1000);
    if (!ms.ok()) {
      err << "curve: " << ms.status() << " (milliseconds)\n";
      return 2;
    }
    options.total_timeout = std::chrono::milliseconds(*ms);
  }
  auto client = mds::MdsClient::Create(options);
  if (!client.ok()) {
    err << "curve: " << client.status() << "\n";
    return 2;
  }
  ctx.client = std::move(client).value();
  Status status;
  if (args[0] == "topology" && args.size() >= 2) {
    status = Topology(ctx, args[1]);
  } else if (args[0] == "volume" && args.size() >= 2) {
    status = Volume(ctx, args[1], args);
  } else if (args[0] == "mkdir") {
    status = MakeDir(ctx, args);
  } else if (args[0] == "recycle" && args.size() >= 2) {
    status = Recycle(ctx, args[1], args);
  } else if (args[0] == "snapshot" && args.size() >= 2) {
    status = Snapshot(ctx, args[1], args);
  } else if (args[0] == "chunkserver" && args.size() >= 2) {
    status = ChunkServer(ctx, args[1], args);
  } else if (args[0] == "status") {
    status = ClusterStatus(ctx);
  } else {
    err << "curve: unknown command '" << args[0] << "'\n" << kUsage;
    return 2;
  }
  if (!status.ok()) {
    err << "curve: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace curve::cli
