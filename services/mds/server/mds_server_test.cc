// One in-process MdsServer on a real etcd, reached over gRPC: bad input on every RPC answers
// the right code with a message naming the field; etcd going away answers UNAVAILABLE, clients
// retry across the outage, and nothing is left half-written.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <set>
#include <thread>

#include "common/testing/etcd_process.h"
#include "proto/mds/heartbeat.grpc.pb.h"
#include "proto/mds/namespace.grpc.pb.h"
#include "proto/mds/topology.grpc.pb.h"
#include "services/mds/client/mds_client.h"
#include "services/mds/server/mds_server.h"

namespace curve::mds {
namespace {

using grpc::StatusCode;
constexpr uint64_t kGiB = 1ull << 30;

class MdsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto etcd = curve::testing::EtcdProcess::Start();
    ASSERT_TRUE(etcd.ok()) << etcd.status();
    etcd_ = std::move(etcd).value();
    MdsOptions options;
    options.listen = "127.0.0.1:0";
    options.metrics_listen = "127.0.0.1:0";
    options.etcd.endpoints = {etcd_->endpoint()};
    options.etcd.retry.attempt_timeout = std::chrono::milliseconds(500);
    options.etcd.retry.total_timeout = std::chrono::milliseconds(1500);
    options.election_ttl = std::chrono::seconds(2);
    options.tick_interval = std::chrono::milliseconds(100);
    options.topology.pool_settle = std::chrono::milliseconds(0);
    auto server = MdsServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    MdsClientOptions client_options;
    client_options.addresses = {server_->address()};
    client_options.total_timeout = std::chrono::seconds(30);
    client_ = std::move(MdsClient::Create(client_options)).value();
  }

  // Calls `rpc` on the server directly (no retry) with a deadline.
  template <typename Rpc>
  grpc::Status Direct(Rpc rpc) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return rpc(context);
  }
  // Calls through MdsClient, which waits for a leader and retries UNAVAILABLE.
  template <typename Rpc>
  Status Retried(Rpc rpc, bool idempotent = true) {
    return client_->Call(
        "test", [&](const auto&, grpc::ClientContext& context) { return rpc(context); },
        idempotent);
  }

  std::unique_ptr<TopologyService::Stub> topo() { return TopologyService::NewStub(channel_); }
  std::unique_ptr<ChunkServerRegistry::Stub> registry() {
    return ChunkServerRegistry::NewStub(channel_);
  }
  std::unique_ptr<NamespaceService::Stub> ns() { return NamespaceService::NewStub(channel_); }

  Status CreateVolume(const std::string& path, uint64_t size = 10 * kGiB,
                      const std::string& poolset = "") {
    CreateFileRequest request;
    request.set_user("alice");
    request.set_path(path);
    request.set_type(FILE_TYPE_VOLUME);
    request.set_size(size);
    request.set_poolset(poolset);
    CreateFileResponse response;
    return Retried([&](grpc::ClientContext& c) { return ns()->CreateFile(&c, request, &response); },
                   false);
  }

  std::unique_ptr<curve::testing::EtcdProcess> etcd_;
  std::unique_ptr<MdsServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<MdsClient> client_;
};

ApplyTopologyRequest ClusterMap() {
  ApplyTopologyRequest request;
  auto* poolset = request.add_poolsets();
  poolset->set_name("ssd");
  poolset->set_type("ssd");
  auto* pool = request.add_physical_pools();
  pool->set_name("pool1");
  pool->set_poolset("ssd");
  pool->set_copysets_per_chunkserver(3);
  for (int i = 1; i <= 3; ++i) {
    auto* server = request.add_servers();
    server->set_name("s" + std::to_string(i));
    server->set_host("10.0.0." + std::to_string(i));
    server->set_zone("z" + std::to_string(i));
    server->set_physical_pool("pool1");
  }
  return request;
}

struct BadCall {
  std::string name;
  std::function<grpc::Status(grpc::ClientContext&)> call;
  StatusCode code;
  std::string expect;  // a substring of the message: the field or object at fault
};

TEST_F(MdsServerTest, EveryRpcRejectsBadInputNamingTheField) {
  ApplyTopologyResponse applied;
  ASSERT_TRUE(Retried([&](grpc::ClientContext& c) {
                return topo()->ApplyTopology(&c, ClusterMap(), &applied);
              }).ok());
  RegisterChunkServerRequest disk;
  disk.set_host("10.0.0.1");
  disk.set_port(8200);
  disk.set_disk_path("/data/d0");
  disk.set_disk_type("ssd");
  disk.set_capacity_bytes(100 * kGiB);
  RegisterChunkServerResponse registered;
  ASSERT_TRUE(
      Direct([&](auto& c) { return registry()->RegisterChunkServer(&c, disk, &registered); }).ok());
  ASSERT_TRUE(CreateVolume("/vol").ok());
  OpenFileRequest open;
  open.set_user("alice");
  open.set_path("/vol");
  open.set_client("host-a");
  OpenFileResponse opened;
  ASSERT_TRUE(Direct([&](auto& c) { return ns()->OpenFile(&c, open, &opened); }).ok());

  auto with = [](auto request, auto mutate) {
    mutate(request);
    return request;
  };
  // Each entry builds its request from a valid one and breaks one thing.
  auto apply = [&](ApplyTopologyRequest r) {
    return [this, r](grpc::ClientContext& c) {
      ApplyTopologyResponse out;
      return topo()->ApplyTopology(&c, r, &out);
    };
  };
  auto reg = [&](RegisterChunkServerRequest r) {
    return [this, r](grpc::ClientContext& c) {
      RegisterChunkServerResponse out;
      return registry()->RegisterChunkServer(&c, r, &out);
    };
  };
  auto beat = [&](HeartbeatRequest r) {
    return [this, r](grpc::ClientContext& c) {
      HeartbeatResponse out;
      return registry()->Heartbeat(&c, r, &out);
    };
  };
#define NS_RPC(Method, Request, Response)      \
  [&](Request r) {                             \
    return [this, r](grpc::ClientContext& c) { \
      Response out;                            \
      return ns()->Method(&c, r, &out);        \
    };                                         \
  }
  auto create = NS_RPC(CreateFile, CreateFileRequest, CreateFileResponse);
  auto stat = NS_RPC(StatFile, StatFileRequest, StatFileResponse);
  auto list = NS_RPC(ListDir, ListDirRequest, ListDirResponse);
  auto rename = NS_RPC(RenameFile, RenameFileRequest, RenameFileResponse);
  auto extend = NS_RPC(ExtendFile, ExtendFileRequest, ExtendFileResponse);
  auto remove = NS_RPC(DeleteFile, DeleteFileRequest, DeleteFileResponse);
  auto recycled = NS_RPC(ListRecycleBin, ListRecycleBinRequest, ListRecycleBinResponse);
  auto purge = NS_RPC(PurgeFile, PurgeFileRequest, PurgeFileResponse);
  auto segment =
      NS_RPC(GetOrAllocateSegment, GetOrAllocateSegmentRequest, GetOrAllocateSegmentResponse);
  auto open_rpc = NS_RPC(OpenFile, OpenFileRequest, OpenFileResponse);
  auto refresh = NS_RPC(RefreshSession, RefreshSessionRequest, RefreshSessionResponse);
  auto close = NS_RPC(CloseFile, CloseFileRequest, CloseFileResponse);
  auto recover = NS_RPC(RecoverFile, RecoverFileRequest, RecoverFileResponse);
  auto snap = NS_RPC(CreateSnapshot, CreateSnapshotRequest, CreateSnapshotResponse);
  auto snaps = NS_RPC(ListSnapshots, ListSnapshotsRequest, ListSnapshotsResponse);
  auto unsnap = NS_RPC(DeleteSnapshot, DeleteSnapshotRequest, DeleteSnapshotResponse);
#undef NS_RPC
  auto retire = [&](RetireChunkServerRequest r) {
    return [this, r](grpc::ClientContext& c) {
      RetireChunkServerResponse out;
      return topo()->RetireChunkServer(&c, r, &out);
    };
  };
  RetireChunkServerRequest retire_unknown;
  retire_unknown.set_chunkserver_id(77);
  RecoverFileRequest recover_unknown;
  recover_unknown.set_user("alice");
  recover_unknown.set_file_id(4242);

  HeartbeatRequest heartbeat;
  heartbeat.set_chunkserver_id(registered.chunkserver_id());
  heartbeat.set_token(registered.token());
  CreateFileRequest file;
  file.set_user("alice");
  file.set_path("/new");
  file.set_type(FILE_TYPE_VOLUME);
  file.set_size(10 * kGiB);
  StatFileRequest stat_vol;
  stat_vol.set_user("alice");
  stat_vol.set_path("/vol");
  ListDirRequest list_root;
  list_root.set_user("alice");
  list_root.set_path("/");
  RenameFileRequest move;
  move.set_user("alice");
  move.set_path("/vol");
  move.set_new_path("/vol2");
  ExtendFileRequest grow;
  grow.set_user("alice");
  grow.set_path("/vol");
  grow.set_new_size(20 * kGiB);
  DeleteFileRequest del;
  del.set_user("alice");
  del.set_path("/vol");
  PurgeFileRequest purge_one;
  purge_one.set_user("alice");
  GetOrAllocateSegmentRequest seg;
  seg.set_user("alice");
  seg.set_path("/vol");
  RefreshSessionRequest keep;
  keep.set_user("alice");
  keep.set_path("/vol");
  keep.set_session_id(opened.session().session_id());
  CloseFileRequest shut;
  shut.set_user("alice");
  shut.set_path("/vol");
  shut.set_session_id(opened.session().session_id());

  CreateSnapshotRequest snap_vol;
  snap_vol.set_user("alice");
  snap_vol.set_path("/vol");
  ListSnapshotsRequest list_snaps;
  list_snaps.set_user("alice");
  list_snaps.set_path("/vol");
  DeleteSnapshotRequest unsnap_vol;
  unsnap_vol.set_user("alice");
  unsnap_vol.set_path("/vol");
  unsnap_vol.set_sequence(7);

  using C = StatusCode;
  std::vector<BadCall> cases = {
      {"ApplyTopology: server without host",
       apply(with(ClusterMap(), [](auto& r) { r.mutable_servers(1)->clear_host(); })),
       C::INVALID_ARGUMENT, "servers[1].host"},
      {"ApplyTopology: bad poolset name",
       apply(with(ClusterMap(), [](auto& r) { r.mutable_poolsets(0)->set_name("a b"); })),
       C::INVALID_ARGUMENT, "poolsets[0].name"},
      {"ApplyTopology: conflicting poolset type",
       apply(with(ClusterMap(), [](auto& r) { r.mutable_poolsets(0)->set_type("hdd"); })),
       C::FAILED_PRECONDITION, "poolset ssd"},
      {"ApplyTopology: unknown pool",
       apply(with(ClusterMap(), [](auto& r) { r.mutable_servers(0)->set_physical_pool("nope"); })),
       C::NOT_FOUND, "pool nope"},
      {"Register: empty host", reg(with(disk, [](auto& r) { r.clear_host(); })),
       C::INVALID_ARGUMENT, "host"},
      {"Register: port 0", reg(with(disk, [](auto& r) { r.set_port(0); })), C::INVALID_ARGUMENT,
       "port"},
      {"Register: relative disk", reg(with(disk, [](auto& r) { r.set_disk_path("d0"); })),
       C::INVALID_ARGUMENT, "disk_path"},
      {"Register: no disk type", reg(with(disk, [](auto& r) { r.clear_disk_type(); })),
       C::INVALID_ARGUMENT, "disk_type"},
      {"Register: no capacity", reg(with(disk, [](auto& r) { r.set_capacity_bytes(0); })),
       C::INVALID_ARGUMENT, "capacity_bytes"},
      {"Register: unknown host", reg(with(disk, [](auto& r) { r.set_host("10.9.9.9"); })),
       C::NOT_FOUND, "host 10.9.9.9"},
      {"Register: wrong disk type",
       reg(with(disk,
                [](auto& r) {
                  r.set_disk_type("hdd");
                  r.set_disk_path("/data/d1");
                  r.set_port(8201);
                })),
       C::FAILED_PRECONDITION, "disk type 'hdd'"},
      {"Register: port taken", reg(with(disk, [](auto& r) { r.set_disk_path("/data/d9"); })),
       C::FAILED_PRECONDITION, "address 10.0.0.1:8200"},
      {"Heartbeat: unknown id", beat(with(heartbeat, [](auto& r) { r.set_chunkserver_id(99); })),
       C::NOT_FOUND, "chunkserver_id 99"},
      {"Heartbeat: wrong token", beat(with(heartbeat, [](auto& r) { r.set_token("x"); })),
       C::PERMISSION_DENIED, "token"},
      {"CreateFile: relative path", create(with(file, [](auto& r) { r.set_path("new"); })),
       C::INVALID_ARGUMENT, "path 'new'"},
      {"CreateFile: bad user", create(with(file, [](auto& r) { r.set_user(""); })),
       C::INVALID_ARGUMENT, "user"},
      {"CreateFile: too small", create(with(file, [](auto& r) { r.set_size(kGiB); })),
       C::INVALID_ARGUMENT, "size"},
      {"CreateFile: no type",
       create(with(file, [](auto& r) { r.set_type(FILE_TYPE_UNSPECIFIED); })), C::INVALID_ARGUMENT,
       "type"},
      {"CreateFile: unknown poolset", create(with(file, [](auto& r) { r.set_poolset("nvme"); })),
       C::NOT_FOUND, "poolset nvme"},
      {"CreateFile: exists", create(with(file, [](auto& r) { r.set_path("/vol"); })),
       C::ALREADY_EXISTS, "/vol"},
      {"CreateFile: no parent", create(with(file, [](auto& r) { r.set_path("/a/b"); })),
       C::NOT_FOUND, "parent directory /a"},
      {"StatFile: bad path", stat(with(stat_vol, [](auto& r) { r.set_path("/x/../y"); })),
       C::INVALID_ARGUMENT, "path"},
      {"StatFile: missing", stat(with(stat_vol, [](auto& r) { r.set_path("/nope"); })),
       C::NOT_FOUND, "/nope"},
      {"ListDir: a volume", list(with(list_root, [](auto& r) { r.set_path("/vol"); })),
       C::FAILED_PRECONDITION, "/vol is not a directory"},
      {"ListDir: missing", list(with(list_root, [](auto& r) { r.set_path("/nope"); })),
       C::NOT_FOUND, "/nope"},
      {"RenameFile: bad new_path", rename(with(move, [](auto& r) { r.set_new_path("x"); })),
       C::INVALID_ARGUMENT, "new_path"},
      {"RenameFile: onto itself", rename(with(move, [](auto& r) { r.set_new_path("/vol"); })),
       C::ALREADY_EXISTS, "new_path"},
      {"RenameFile: missing", rename(with(move, [](auto& r) { r.set_path("/nope"); })),
       C::NOT_FOUND, "/nope"},
      {"ExtendFile: shrink", extend(with(grow, [](auto& r) { r.set_new_size(kGiB); })),
       C::INVALID_ARGUMENT, "new_size"},
      {"ExtendFile: missing", extend(with(grow, [](auto& r) { r.set_path("/nope"); })),
       C::NOT_FOUND, "/nope"},
      {"DeleteFile: root", remove(with(del, [](auto& r) { r.set_path("/"); })), C::INVALID_ARGUMENT,
       "path /"},
      {"DeleteFile: open volume", remove(del), C::FAILED_PRECONDITION, "open by client host-a"},
      {"DeleteFile: missing", remove(with(del, [](auto& r) { r.set_path("/nope"); })), C::NOT_FOUND,
       "/nope"},
      {"ListRecycleBin: bad user", recycled(ListRecycleBinRequest()), C::INVALID_ARGUMENT, "user"},
      {"PurgeFile: not recycled", purge(with(purge_one, [](auto& r) { r.set_file_id(12345); })),
       C::NOT_FOUND, "file_id 12345"},
      {"GetOrAllocateSegment: unaligned", segment(with(seg, [](auto& r) { r.set_offset(4096); })),
       C::INVALID_ARGUMENT, "offset"},
      {"GetOrAllocateSegment: beyond size",
       segment(with(seg, [](auto& r) { r.set_offset(40 * kGiB); })), C::OUT_OF_RANGE, "offset"},
      {"GetOrAllocateSegment: never written", segment(seg), C::NOT_FOUND, "segment at offset 0"},
      {"GetOrAllocateSegment: no copysets",
       segment(with(seg, [](auto& r) { r.set_allocate(true); })), C::FAILED_PRECONDITION,
       "poolset"},
      {"OpenFile: no client", open_rpc(with(open, [](auto& r) { r.clear_client(); })),
       C::INVALID_ARGUMENT, "client"},
      {"OpenFile: second writer", open_rpc(open), C::FAILED_PRECONDITION, "open by client host-a"},
      {"RefreshSession: no session", refresh(with(keep, [](auto& r) { r.clear_session_id(); })),
       C::INVALID_ARGUMENT, "session_id"},
      {"RefreshSession: wrong session",
       refresh(with(keep, [](auto& r) { r.set_session_id("other"); })), C::NOT_FOUND,
       "session other"},
      {"RecoverFile: not recycled", recover(recover_unknown), C::NOT_FOUND, "file_id 4242"},
      {"RecoverFile: bad user", recover(with(recover_unknown, [](auto& r) { r.clear_user(); })),
       C::INVALID_ARGUMENT, "user"},
      {"RetireChunkServer: unknown", retire(retire_unknown), C::NOT_FOUND, "chunkserver_id 77"},
      {"RefreshSession: sequence ahead", refresh(with(keep, [](auto& r) { r.set_sequence(9); })),
       C::INVALID_ARGUMENT, "sequence 9"},
      {"CreateSnapshot: missing", snap(with(snap_vol, [](auto& r) { r.set_path("/nope"); })),
       C::NOT_FOUND, "/nope"},
      {"CreateSnapshot: not owner", snap(with(snap_vol, [](auto& r) { r.set_user("bob"); })),
       C::PERMISSION_DENIED, "bob"},
      {"CreateSnapshot: bad path", snap(with(snap_vol, [](auto& r) { r.set_path("vol"); })),
       C::INVALID_ARGUMENT, "path"},
      {"ListSnapshots: missing", snaps(with(list_snaps, [](auto& r) { r.set_path("/nope"); })),
       C::NOT_FOUND, "/nope"},
      {"ListSnapshots: bad user", snaps(with(list_snaps, [](auto& r) { r.clear_user(); })),
       C::INVALID_ARGUMENT, "user"},
      {"DeleteSnapshot: none", unsnap(unsnap_vol), C::NOT_FOUND, "no snapshot at sequence 7"},
      {"DeleteSnapshot: missing", unsnap(with(unsnap_vol, [](auto& r) { r.set_path("/nope"); })),
       C::NOT_FOUND, "/nope"},
      {"CloseFile: no session", close(with(shut, [](auto& r) { r.clear_session_id(); })),
       C::INVALID_ARGUMENT, "session_id"},
      {"CloseFile: missing volume", close(with(shut, [](auto& r) { r.set_path("/nope"); })),
       C::NOT_FOUND, "/nope"},
  };
  for (const auto& bad : cases) {
    grpc::Status status = Direct(bad.call);
    EXPECT_EQ(status.error_code(), bad.code) << bad.name << ": " << status.error_message();
    EXPECT_NE(status.error_message().find(bad.expect), std::string::npos)
        << bad.name << ": " << status.error_message();
  }
  // Nothing above changed state: the volume is still there, open, with its original size.
  StatFileResponse stat_out;
  ASSERT_TRUE(Direct([&](auto& c) { return ns()->StatFile(&c, stat_vol, &stat_out); }).ok());
  EXPECT_EQ(stat_out.file().size(), 10 * kGiB);
  EXPECT_EQ(stat_out.file().sequence(), 1u);
}

// The snapshot RPCs over gRPC: the sequence raised, the state following the holder's reports,
// the volume kept while a snapshot exists.
TEST_F(MdsServerTest, SnapshotRaisesTheSequenceAndIsReadyOnceTheHolderReportsIt) {
  ASSERT_TRUE(CreateVolume("/vol").ok());
  OpenFileRequest open;
  open.set_user("alice");
  open.set_path("/vol");
  open.set_client("host-a");
  OpenFileResponse opened;
  ASSERT_TRUE(Direct([&](auto& c) { return ns()->OpenFile(&c, open, &opened); }).ok());
  EXPECT_EQ(opened.file().sequence(), 1u);

  CreateSnapshotRequest create;
  create.set_user("alice");
  create.set_path("/vol");
  CreateSnapshotResponse created;
  grpc::Status status = Direct([&](auto& c) { return ns()->CreateSnapshot(&c, create, &created); });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(created.snapshot().sequence(), 1u);
  EXPECT_EQ(created.snapshot().size(), 10 * kGiB);
  EXPECT_EQ(created.snapshot().path(), "/vol");
  EXPECT_GT(created.snapshot().chunk_size(), 0u);
  EXPECT_GT(created.snapshot().segment_size(), 0u);
  EXPECT_EQ(created.snapshot().state(), SnapshotInfo::PENDING);
  status = Direct([&](auto& c) { return ns()->CreateSnapshot(&c, create, &created); });
  EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("snapshot at sequence 1"), std::string::npos)
      << status.error_message();

  ListSnapshotsRequest list;
  list.set_user("alice");
  list.set_path("/vol");
  auto state = [&] {
    ListSnapshotsResponse listed;
    grpc::Status s = Direct([&](auto& c) { return ns()->ListSnapshots(&c, list, &listed); });
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(listed.snapshots_size(), 1);
    return listed.snapshots_size() == 1 ? listed.snapshots(0).state()
                                        : SnapshotInfo::STATE_UNSPECIFIED;
  };
  EXPECT_EQ(state(), SnapshotInfo::PENDING);
  RefreshSessionRequest refresh;
  refresh.set_user("alice");
  refresh.set_path("/vol");
  refresh.set_session_id(opened.session().session_id());
  refresh.set_sequence(1);
  RefreshSessionResponse refreshed;
  ASSERT_TRUE(Direct([&](auto& c) { return ns()->RefreshSession(&c, refresh, &refreshed); }).ok());
  EXPECT_EQ(refreshed.sequence(), 2u);
  EXPECT_EQ(state(), SnapshotInfo::PENDING);
  refresh.set_sequence(2);
  ASSERT_TRUE(Direct([&](auto& c) { return ns()->RefreshSession(&c, refresh, &refreshed); }).ok());
  EXPECT_EQ(refreshed.sequence(), 2u);
  EXPECT_EQ(state(), SnapshotInfo::READY);

  CloseFileRequest close;
  close.set_user("alice");
  close.set_path("/vol");
  close.set_session_id(opened.session().session_id());
  CloseFileResponse closed;
  ASSERT_TRUE(Direct([&](auto& c) { return ns()->CloseFile(&c, close, &closed); }).ok());
  DeleteFileRequest del;
  del.set_user("alice");
  del.set_path("/vol");
  DeleteFileResponse deleted;
  status = Direct([&](auto& c) { return ns()->DeleteFile(&c, del, &deleted); });
  EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("snapshot at sequence 1"), std::string::npos)
      << status.error_message();

  DeleteSnapshotRequest forget;
  forget.set_user("alice");
  forget.set_path("/vol");
  forget.set_sequence(2);
  DeleteSnapshotResponse forgotten;
  status = Direct([&](auto& c) { return ns()->DeleteSnapshot(&c, forget, &forgotten); });
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND) << status.error_message();
  forget.set_sequence(1);
  status = Direct([&](auto& c) { return ns()->DeleteSnapshot(&c, forget, &forgotten); });
  ASSERT_TRUE(status.ok()) << status.error_message();
  ListSnapshotsResponse none;
  ASSERT_TRUE(Direct([&](auto& c) { return ns()->ListSnapshots(&c, list, &none); }).ok());
  EXPECT_EQ(none.snapshots_size(), 0);
  status = Direct([&](auto& c) { return ns()->DeleteFile(&c, del, &deleted); });
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(MdsServerTest, EtcdUnreachableAnswersUnavailableRetriedNeverHalfWritten) {
  ASSERT_TRUE(CreateVolume("/before").ok());
  etcd_->Stop(SIGKILL);

  // Without retries the answer is UNAVAILABLE (etcd unreachable, or leadership lost with it).
  CreateFileRequest request;
  request.set_user("alice");
  request.set_path("/during");
  request.set_type(FILE_TYPE_VOLUME);
  request.set_size(10 * kGiB);
  CreateFileResponse response;
  grpc::Status direct = Direct([&](auto& c) { return ns()->CreateFile(&c, request, &response); });
  EXPECT_EQ(direct.error_code(), StatusCode::UNAVAILABLE) << direct.error_message();

  // A client retrying across the outage succeeds once etcd is back.
  std::thread restarter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ASSERT_TRUE(etcd_->Restart().ok());
  });
  Status retried = CreateVolume("/retried");
  restarter.join();
  EXPECT_TRUE(retried.ok()) << retried;

  // The failed create is either wholly there or wholly absent; ids stay unique; the store is
  // consistent: every listed entry stats, and new creates work.
  ASSERT_TRUE(CreateVolume("/after").ok());
  ListDirRequest list;
  list.set_user("alice");
  list.set_path("/");
  ListDirResponse listed;
  ASSERT_TRUE(
      Retried([&](grpc::ClientContext& c) { return ns()->ListDir(&c, list, &listed); }).ok());
  std::set<std::string> names;
  std::set<uint64_t> ids;
  for (const auto& f : listed.files()) {
    names.insert(f.name());
    ids.insert(f.id());
    StatFileRequest stat;
    stat.set_user("alice");
    stat.set_path("/" + f.name());
    StatFileResponse stat_out;
    EXPECT_TRUE(
        Retried([&](grpc::ClientContext& c) { return ns()->StatFile(&c, stat, &stat_out); }).ok())
        << f.name();
    EXPECT_EQ(stat_out.file().id(), f.id());
    EXPECT_EQ(stat_out.file().size(), 10 * kGiB);
  }
  EXPECT_EQ(ids.size(), names.size());
  EXPECT_TRUE(names.count("before") && names.count("retried") && names.count("after"));
  EXPECT_LE(names.size(), 4u);
}

// The scheduler's rebalancing keys load into the options; a bad ratio names its key.
TEST(MdsOptionsTest, RebalanceKeys) {
  auto source = config::ConfigSource::FromString(
      "topology:\n  maxRebalanceChanges: 0\n  copysetImbalance: 0.2\n", "test");
  ASSERT_TRUE(source.ok()) << source.status();
  MdsOptions options;
  ASSERT_TRUE(options.Load(*source).ok());
  EXPECT_EQ(options.topology.scheduler.max_rebalance_changes, 0);
  EXPECT_DOUBLE_EQ(options.topology.scheduler.copyset_imbalance, 0.2);
  source->Set("topology.copysetImbalance", "1.5", "flag --topology.copysetImbalance");
  Status bad = options.Load(*source);
  EXPECT_EQ(bad.code(), curve::StatusCode::kInvalidArgument) << bad;
  EXPECT_NE(bad.message().find("topology.copysetImbalance"), std::string::npos) << bad;
}

}  // namespace
}  // namespace curve::mds
