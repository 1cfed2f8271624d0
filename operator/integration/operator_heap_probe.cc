// operator_heap_probe: the operator's heap at bench scale without a control plane. One leader
// term (RunLeaderTerm: the real informers, controller and reconciler) runs against the in-memory
// FakeKubeClient with N nodes x D disks and a useAllDevices CurveCluster until every chunkserver
// Deployment and prepare Job exists, then reconciles a few more times. glibc's heap in use
// (mallinfo2: arena + mmapped blocks) is sampled every few milliseconds. The fake API server's
// own objects live in the same heap, so the operator's share is reported as the difference to
// the heap once the term (its informers and reconciler) is gone while the fake still holds every
// object. A development aid for `operator_bench`'s RSS row; not a test.
//
//   operator_heap_probe [--nodes=100] [--disks=10] [--settle=6s]
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "common/config.h"
#include "operator/api/node_inventory.h"
#include "operator/cluster/cluster_reconciler.h"
#include "operator/integration/bench_cluster.h"
#include "operator/k8s/fake_kube_client.h"
#include "operator/k8s/object_meta.h"
#include "operator/operator_main.h"

namespace curve::op {
namespace {

using k8s::Json;
using Seconds = std::chrono::duration<double>;

double HeapMiB() {
  struct mallinfo2 info = mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd) / (1024 * 1024);
}

class NullRegistrar : public TopologyRegistrar {
 public:
  Result<std::vector<std::string>> Apply(const mds::ApplyTopologyRequest&) override {
    return std::vector<std::string>{};
  }
  Result<mds::GetClusterHealthResponse> Health() override {
    return mds::GetClusterHealthResponse{};
  }
};

Json NodeObject(int i, int disks) {
  std::vector<DiscoveredDevice> devices;
  for (int d = 0; d < disks; ++d) {
    DiscoveredDevice disk;
    disk.name = "sd" + std::string(1, static_cast<char>('b' + d));
    disk.size_bytes = 1ull << 40;
    disk.rotational = true;
    devices.push_back(disk);
  }
  std::string n = std::to_string(i);
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", "n" + n},
            {"labels", {{"topology.kubernetes.io/zone", "z" + std::to_string(i % 5)}}},
            {"annotations", {{kDiscoveredDevicesAnnotation, FormatDiscoveryReport(devices)}}}}},
          {"status",
           {{"addresses", Json::array({{{"type", "InternalIP"},
                                        {"address", "10.9." + std::to_string(i / 250) + "." +
                                                        std::to_string(i % 250 + 1)}}})}}}};
}

size_t Count(k8s::FakeKubeClient& client, const k8s::Resource& resource,
             const std::string& component) {
  k8s::ListOptions options;
  options.label_selector =
      "app.kubernetes.io/instance=big,app.kubernetes.io/component=" + component;
  auto list = client.ListAll(resource, "curve", options);
  return list.ok() ? list->items.size() : 0;
}

int Run(int nodes, int disks, std::chrono::seconds settle) {
  LimitMallocFootprint();  // as curve-operator's main
  double start = HeapMiB();
  k8s::FakeKubeClient client;
  std::vector<std::string> names;
  for (int i = 0; i < nodes; ++i) {
    if (!client.Create(k8s::resources::kNodes, "", NodeObject(i, disks)).ok()) return 1;
    names.push_back("n" + std::to_string(i));
  }
  Json cluster = BenchCluster(names);
  if (!client.Create(kCurveClusters, "curve", cluster).ok()) return 1;
  double before = HeapMiB();

  std::atomic<bool> sampling{true};
  std::atomic<double> peak{before};
  std::thread sampler([&] {
    while (sampling) {
      double now = HeapMiB();
      if (now > peak) peak = now;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  OperatorOptions options;
  options.mds_address = "127.0.0.1:1";
  options.resync = std::chrono::seconds(2);
  auto registrar = [](const std::string&) -> Result<std::unique_ptr<TopologyRegistrar>> {
    return std::unique_ptr<TopologyRegistrar>(std::make_unique<NullRegistrar>());
  };
  const size_t want = static_cast<size_t>(nodes) * disks;
  auto started = std::chrono::steady_clock::now();
  double created_s = 0, steady = 0;
  {
    std::jthread term(
        [&](std::stop_token stop) { RunLeaderTerm(&client, options, registrar, stop); });
    while (Count(client, k8s::resources::kDeployments, "chunkserver") < want ||
           Count(client, k8s::resources::kJobs, "prepare") < want) {
      if (Seconds(std::chrono::steady_clock::now() - started).count() > 300) {
        std::cerr << "operator_heap_probe: objects not all created after 300 s\n";
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    created_s = Seconds(std::chrono::steady_clock::now() - started).count();
    std::this_thread::sleep_for(settle);
    steady = HeapMiB();
  }
  sampling = false;
  sampler.join();
  double after = HeapMiB();
  std::printf("operator_heap_probe: %d nodes x %d disks, objects created in %.1f s\n", nodes, disks,
              created_s);
  std::printf("  heap at start %.1f MiB, with the fake's nodes and cluster %.1f MiB\n", start,
              before);
  std::printf("  fake API server's objects after the term %.1f MiB (heap %.1f MiB)\n",
              after - before, after);
  std::printf("  operator heap: peak %.1f MiB, steady %.1f MiB (above the fake's final heap)\n",
              peak - after, steady - after);
  return 0;
}

}  // namespace
}  // namespace curve::op

int main(int argc, char** argv) {
  int nodes = 100, disks = 10, settle = 6;
  auto command_line = curve::config::ParseFlags(argc, argv);
  if (!command_line.ok()) {
    std::cerr << "operator_heap_probe: " << command_line.status().message() << "\n";
    return 2;
  }
  for (const auto& [name, value] : command_line->flags) {
    struct Known {
      const char* name;
      int* target;
      int64_t min, max;
    };
    const Known known[] = {
        {"nodes", &nodes, 3, 10000}, {"disks", &disks, 1, 24}, {"settle", &settle, 0, 3600}};
    const Known* flag = nullptr;
    for (const auto& k : known) flag = name == k.name ? &k : flag;
    if (flag == nullptr) {
      std::cerr << "operator_heap_probe: unknown flag --" << name
                << " (known: --nodes= --disks= --settle=)\n";
      return 2;
    }
    auto parsed = curve::config::ParseInteger("--" + name, value, flag->min, flag->max);
    if (!parsed.ok()) {
      std::cerr << "operator_heap_probe: " << parsed.status().message() << "\n";
      return 2;
    }
    *flag->target = static_cast<int>(*parsed);
  }
  return curve::op::Run(nodes, disks, std::chrono::seconds(settle));
}
