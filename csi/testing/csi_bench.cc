// `make bench` for curve-csi: CreateVolume, NodeStage and NodePublish latencies (p50/p99) and
// concurrent CreateVolume throughput, against curve-csi --mode=all on a real etcd + curve-mds
// with the LoopFileAttacher, and NodeStage/NodePublish again on the real data path
// (CurveAttacher on a LocalCluster with 3 chunkservers). References measured in the same run:
// the MDS CreateFile call itself, and losetup + mkfs + mount / mount --bind done directly. Needs
// root (and /dev/fuse for the curve rows).
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <thread>

#include "csi/testing/csi_cluster.h"
#include "csi/util/exec.h"
#include "proto/csi/csi.grpc.pb.h"
#include "proto/mds/namespace.grpc.pb.h"
#include "services/mds/client/mds_client.h"

namespace curve::csi::testing {
namespace {

namespace v1 = ::csi::v1;
using Clock = std::chrono::steady_clock;

struct Stats {
  double p50_ms = 0, p99_ms = 0;
};

Stats Summarize(std::vector<double> ms) {
  if (ms.empty()) return {};
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, size_t(q * (ms.size() - 1)))]; };
  return {at(0.5), at(0.99)};
}

double Millis(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct NodeTimes {
  std::vector<double> stage_ms, publish_ms;
  std::string error;  // the first failure
};

// NodeStage and NodePublish of each volume under <dir>/stage<i>, <dir>/target<i>; with
// `release`, each is unpublished and unstaged before the next (so nothing runs in the
// background of the following measurement).
NodeTimes StageAndPublish(v1::Node::Stub& node, const std::vector<v1::Volume>& volumes,
                          const std::string& dir, const v1::VolumeCapability& capability,
                          bool release) {
  NodeTimes times;
  auto fail = [&](const char* op, const grpc::Status& status) {
    if (times.error.empty()) times.error = std::string(op) + ": " + status.error_message();
  };
  for (size_t i = 0; i < volumes.size(); ++i) {
    std::string staging = dir + "/stage" + std::to_string(i);
    std::string target = dir + "/target" + std::to_string(i);
    mkdir(staging.c_str(), 0755);
    v1::NodeStageVolumeRequest stage;
    stage.set_volume_id(volumes[i].volume_id());
    stage.set_staging_target_path(staging);
    *stage.mutable_volume_capability() = capability;
    *stage.mutable_volume_context() = volumes[i].volume_context();
    v1::NodeStageVolumeResponse staged;
    grpc::ClientContext stage_context;
    auto start = Clock::now();
    grpc::Status status = node.NodeStageVolume(&stage_context, stage, &staged);
    if (!status.ok()) {
      fail("NodeStageVolume", status);
      continue;
    }
    times.stage_ms.push_back(Millis(start));
    v1::NodePublishVolumeRequest publish;
    publish.set_volume_id(volumes[i].volume_id());
    publish.set_staging_target_path(staging);
    publish.set_target_path(target);
    *publish.mutable_volume_capability() = capability;
    v1::NodePublishVolumeResponse published;
    grpc::ClientContext publish_context;
    start = Clock::now();
    status = node.NodePublishVolume(&publish_context, publish, &published);
    if (status.ok()) {
      times.publish_ms.push_back(Millis(start));
    } else {
      fail("NodePublishVolume", status);
    }
    if (!release) continue;
    v1::NodeUnpublishVolumeRequest unpublish;
    unpublish.set_volume_id(volumes[i].volume_id());
    unpublish.set_target_path(target);
    v1::NodeUnpublishVolumeResponse unpublished;
    grpc::ClientContext unpublish_context;
    status = node.NodeUnpublishVolume(&unpublish_context, unpublish, &unpublished);
    if (!status.ok()) fail("NodeUnpublishVolume", status);
    v1::NodeUnstageVolumeRequest unstage;
    unstage.set_volume_id(volumes[i].volume_id());
    unstage.set_staging_target_path(staging);
    v1::NodeUnstageVolumeResponse unstaged;
    grpc::ClientContext unstage_context;
    status = node.NodeUnstageVolume(&unstage_context, unstage, &unstaged);
    if (!status.ok()) fail("NodeUnstageVolume", status);
  }
  return times;
}

void Row(const char* what, Stats ours, const char* reference, Stats ref) {
  std::printf("| %-34s | %8.1f | %8.1f | %-30s | %8.1f | %8.1f |\n", what, ours.p50_ms, ours.p99_ms,
              reference, ref.p50_ms, ref.p99_ms);
}

int Run() {
  if (geteuid() != 0) {
    std::printf("csi_bench: skipped (needs root for loop devices and mounts)\n");
    return 0;
  }
  const char* mds_bin = getenv("CURVE_MDS_BIN");
  auto cluster = CsiCluster::Start(mds_bin ? mds_bin : CURVE_MDS_BIN, CURVE_CSI_BIN);
  if (!cluster.ok()) {
    std::fprintf(stderr, "csi_bench: %s\n", cluster.status().ToString().c_str());
    return 1;
  }
  const std::string dir = (*cluster)->dir();
  const int n = getenv("CSI_BENCH_VOLUMES") ? atoi(getenv("CSI_BENCH_VOLUMES")) : 50;
  auto channel = grpc::CreateChannel((*cluster)->endpoint(), grpc::InsecureChannelCredentials());
  auto controller = v1::Controller::NewStub(channel);
  auto node = v1::Node::NewStub(channel);
  v1::VolumeCapability capability;
  capability.mutable_mount()->set_fs_type("ext4");
  capability.mutable_access_mode()->set_mode(v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  auto create = [&](const std::string& name, v1::CreateVolumeResponse* response) {
    v1::CreateVolumeRequest request;
    request.set_name(name);
    *request.add_volume_capabilities() = capability;
    grpc::ClientContext context;
    return controller->CreateVolume(&context, request, response);
  };

  // Reference: the MDS CreateFile call that CreateVolume makes.
  mds::MdsClientOptions mds_options;
  mds_options.addresses = {(*cluster)->mds_address()};
  auto mds = std::move(mds::MdsClient::Create(mds_options)).value();
  std::vector<double> mds_ms, create_ms, raw_stage_ms, raw_bind_ms;
  for (int i = 0; i < n; ++i) {
    mds::CreateFileRequest request;
    request.set_user("bench");
    request.set_path("/ref" + std::to_string(i));
    request.set_type(mds::FILE_TYPE_VOLUME);
    request.set_size(10ull << 30);
    mds::CreateFileResponse response;
    auto start = Clock::now();
    Status status = mds->Call("CreateFile", [&](const auto& ch, grpc::ClientContext& c) {
      return mds::NamespaceService::NewStub(ch)->CreateFile(&c, request, &response);
    });
    if (status.ok()) mds_ms.push_back(Millis(start));
  }
  std::vector<v1::Volume> volumes;
  for (int i = 0; i < n; ++i) {
    v1::CreateVolumeResponse response;
    auto start = Clock::now();
    if (create("bench-" + std::to_string(i), &response).ok()) {
      create_ms.push_back(Millis(start));
      volumes.push_back(response.volume());
    }
  }
  NodeTimes loopfile = StageAndPublish(*node, volumes, dir, capability, /*release=*/false);
  // References: the same work done directly with the tools, on fresh 10 GiB sparse files.
  for (int i = 0; i < std::min(n, 10); ++i) {
    std::string file = dir + "/raw" + std::to_string(i) + ".img";
    std::string mount = dir + "/rawmnt" + std::to_string(i);
    std::string bind = dir + "/rawbind" + std::to_string(i);
    mkdir(mount.c_str(), 0755);
    mkdir(bind.c_str(), 0755);
    auto start = Clock::now();
    bool ok = RunChecked({"truncate", "-s", "10G", file}).ok();
    auto device = RunChecked({"losetup", "--find", "--show", "--direct-io=on", file});
    ok = ok && device.ok();
    std::string dev = ok ? device->substr(0, device->find('\n')) : "";
    ok = ok && RunChecked({"mkfs.ext4", "-F", "-q", "-m0", "-E",
                           "nodiscard,lazy_itable_init=1,lazy_journal_init=1", dev})
                   .ok();
    ok = ok && RunChecked({"mount", "-t", "ext4", dev, mount}).ok();
    if (ok) raw_stage_ms.push_back(Millis(start));
    start = Clock::now();
    if (ok && RunChecked({"mount", "--bind", mount, bind}).ok())
      raw_bind_ms.push_back(Millis(start));
  }
  // Throughput: 20 concurrent CreateVolume calls against the same number done one by one.
  const int concurrent = 20;
  auto start = Clock::now();
  for (int i = 0; i < concurrent; ++i) {
    v1::CreateVolumeResponse response;
    create("seq-" + std::to_string(i), &response).IgnoreError();
  }
  double sequential_s = Millis(start) / 1000;
  start = Clock::now();
  std::vector<std::thread> threads;
  std::atomic<int> ok_calls{0};
  for (int i = 0; i < concurrent; ++i) {
    threads.emplace_back([&, i] {
      v1::CreateVolumeResponse response;
      if (create("par-" + std::to_string(i), &response).ok()) ++ok_calls;
    });
  }
  for (auto& t : threads) t.join();
  double parallel_s = Millis(start) / 1000;

  // The real data path: CurveAttacher (a curve-attachd per volume: libcurve, FUSE, loop device)
  // on a LocalCluster with 3 chunkservers; each volume is released before the next is staged.
  const int curve_n =
      getenv("CSI_BENCH_CURVE_VOLUMES") ? atoi(getenv("CSI_BENCH_CURVE_VOLUMES")) : 10;
  CsiClusterOptions curve_options;
  curve_options.csi_bin = CURVE_CSI_BIN;
  curve_options.attacher = "curve";
  auto curve_cluster = CsiCluster::Start(curve_options);
  NodeTimes curve;
  if (!curve_cluster.ok()) {
    curve.error = curve_cluster.status().ToString();
  } else {
    auto curve_channel =
        grpc::CreateChannel((*curve_cluster)->endpoint(), grpc::InsecureChannelCredentials());
    auto curve_controller = v1::Controller::NewStub(curve_channel);
    auto curve_node = v1::Node::NewStub(curve_channel);
    std::vector<v1::Volume> curve_volumes;
    for (int i = 0; i < curve_n; ++i) {
      v1::CreateVolumeRequest request;
      request.set_name("curve-" + std::to_string(i));
      (*request.mutable_parameters())["poolset"] = (*curve_cluster)->poolset();
      *request.add_volume_capabilities() = capability;
      v1::CreateVolumeResponse response;
      grpc::ClientContext context;
      if (curve_controller->CreateVolume(&context, request, &response).ok()) {
        curve_volumes.push_back(response.volume());
      }
    }
    curve = StageAndPublish(*curve_node, curve_volumes, (*curve_cluster)->dir(), capability,
                            /*release=*/true);
  }

  std::printf("curve-csi (LoopFileAttacher backend, %d volumes)\n\n", n);
  std::printf("| %-34s | %8s | %8s | %-30s | %8s | %8s |\n", "operation", "p50 ms", "p99 ms",
              "reference (same run)", "p50 ms", "p99 ms");
  std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(36, '-').c_str(), std::string(10, '-').c_str(),
              std::string(10, '-').c_str(), std::string(32, '-').c_str(),
              std::string(10, '-').c_str(), std::string(10, '-').c_str());
  Row("CreateVolume", Summarize(create_ms), "MDS CreateFile", Summarize(mds_ms));
  Row("NodeStage (attach+mkfs+mount)", Summarize(loopfile.stage_ms), "losetup+mkfs.ext4+mount",
      Summarize(raw_stage_ms));
  Row("NodePublish (bind mount)", Summarize(loopfile.publish_ms), "mount --bind",
      Summarize(raw_bind_ms));
  std::printf("\ncurve-csi (CurveAttacher: curve-attachd, 3 chunkservers, %zu of %d volumes)\n\n",
              curve.stage_ms.size(), curve_n);
  Row("NodeStage curve (attachd+mkfs+mount)", Summarize(curve.stage_ms), "losetup+mkfs.ext4+mount",
      Summarize(raw_stage_ms));
  Row("NodePublish curve (bind mount)", Summarize(curve.publish_ms), "mount --bind",
      Summarize(raw_bind_ms));
  for (const auto* times : {&loopfile, &curve}) {
    if (!times->error.empty()) std::printf("first failure: %s\n", times->error.c_str());
  }
  std::printf("\n20 CreateVolume calls: concurrent %.1f ops/s (%d ok), sequential %.1f ops/s\n",
              concurrent / parallel_s, ok_calls.load(), concurrent / sequential_s);
  std::printf("targets: CreateVolume p50 < 20 ms; NodeStage of a fresh 10 GiB volume p50 < 3 s\n");
  return 0;
}

}  // namespace
}  // namespace curve::csi::testing

int main() { return curve::csi::testing::Run(); }
