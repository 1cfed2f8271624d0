// operator_bench: curve-operator at scale on a real control plane with kwok nodes and a real
// curve-mds (OperatorKwokEnv). A CurveCluster over 100 nodes with 10 disks each (1,000
// chunkservers, useAllDevices): the time until every object exists, the operator's peak RSS,
// and its writes to the API server in a steady state, each beside a reference measured in the
// same run (kwok making the nodes Ready, the API server creating as many ConfigMaps one by one,
// kube-controller-manager's peak RSS over the same objects, everyone else's writes meanwhile).
//
//   operator_bench [--nodes=100] [--disks=10]
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "operator/integration/bench_cluster.h"
#include "operator/integration/operator_kwok_env.h"
#include "operator/k8s/resource.h"

namespace curve::op::testing {
namespace {

using Clock = std::chrono::steady_clock;
using k8s::Json;
using Seconds = std::chrono::duration<double>;

const k8s::Resource kClusters{"operator.curve.io", "v1", "curveclusters"};

[[noreturn]] void Die(const std::string& what, const Status& status) {
  std::cerr << "operator_bench: " << what << ": " << status << std::endl;
  std::exit(1);
}

// A size field of /proc/<pid>/status ("VmHWM": peak resident set, "VmRSS": current) in MiB; 0
// when unreadable.
// User + system CPU seconds `pid` used so far; 0 when unreadable.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::strtod(field.c_str(), nullptr);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double StatusMiB(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::strtod(line.c_str() + field.size() + 1, nullptr) / 1024;
    }
  }
  return 0;
}

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

void Row(const std::string& metric, const std::string& value, const std::string& reference,
         const std::string& target) {
  std::printf("| %-40s | %-12s | %-46s | %-14s |\n", metric.c_str(), value.c_str(),
              reference.c_str(), target.c_str());
}

std::string Verdict(bool ok, const std::string& target) {
  return target + (ok ? " ok" : " MISSED");
}

size_t Count(k8s::KubeClient& client, const k8s::Resource& resource, const std::string& selector) {
  k8s::ListOptions options;
  options.label_selector = selector;
  auto list = client.ListAll(resource, "curve", options);
  return list.ok() ? list->items.size() : 0;
}

int Run(int nodes, int disks) {
  auto env = OperatorKwokEnv::Start();
  if (!env.ok()) Die("control plane", env.status());
  if (Status s = (*env)->StartMds(); !s.ok()) Die("curve-mds", s);
  k8s::KubeClient& client = (*env)->client();

  std::vector<FakeHost> hosts;
  std::vector<std::string> names;
  for (int i = 0; i < nodes; ++i) {
    FakeHost host;
    host.name = "n" + std::to_string(i);
    host.zone = "z" + std::to_string(i % 5);
    host.address = "10.9." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    for (int d = 0; d < disks; ++d) host.disks.push_back({"sd" + std::string(1, char('b' + d))});
    names.push_back(host.name);
    hosts.push_back(std::move(host));
  }
  auto started = Clock::now();
  if (Status s = (*env)->AddNodes(hosts); !s.ok()) Die("kwok nodes", s);
  double nodes_s = Seconds(Clock::now() - started).count();

  if (Status s = (*env)->StartOperator("bench"); !s.ok()) Die("curve-operator", s);
  Json cluster = BenchCluster(names);
  started = Clock::now();
  if (auto created = client.Create(kClusters, "curve", cluster); !created.ok()) {
    Die("create the CurveCluster", created.status());
  }
  // Every chunkserver Deployment and prepare Job exists (they are applied last).
  const size_t want = static_cast<size_t>(nodes) * disks;
  const std::string of = "app.kubernetes.io/instance=big,app.kubernetes.io/component=";
  size_t deployments = 0, jobs = 0;
  while (Seconds(Clock::now() - started).count() < 600) {
    deployments = Count(client, k8s::resources::kDeployments, of + "chunkserver");
    jobs = Count(client, k8s::resources::kJobs, of + "prepare");
    if (deployments >= want && jobs >= want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  double created_s = Seconds(Clock::now() - started).count();
  if (deployments < want || jobs < want) {
    Die("objects",
        DeadlineExceededError(std::to_string(deployments) + " chunkserver Deployments, " +
                              std::to_string(jobs) + " prepare Jobs of " + std::to_string(want) +
                              " after 600 s"));
  }
  size_t created_writes = (*env)->OperatorWrites("bench").size();

  // Ready (every pod running, every copyset healthy in the MDS), then converged: no operator write
  // for 10 s (5 resyncs); then a steady window of 5 resyncs.
  auto ready = [&] {
    auto got = client.Get(kClusters, "curve", "big");
    if (!got.ok()) return false;
    for (const auto& c : got->value("status", Json::object()).value("conditions", Json::array())) {
      if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
    }
    return false;
  };
  while (!ready() && Seconds(Clock::now() - started).count() < 600) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  double ready_s = Seconds(Clock::now() - started).count();
  if (!ready()) Die("Ready", DeadlineExceededError("the CurveCluster not Ready after 600 s"));
  size_t last = (*env)->OperatorWrites("bench").size();
  auto since = Clock::now();
  auto quiet_deadline = Clock::now() + std::chrono::seconds(600);
  while (Clock::now() - since < std::chrono::seconds(10) && Clock::now() < quiet_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    size_t now = (*env)->OperatorWrites("bench").size();
    if (now != last) last = now, since = Clock::now();
  }
  double converged_s = Seconds(Clock::now() - started).count() - 10;
  size_t operator_before = (*env)->OperatorWrites("bench").size();
  size_t all_before = (*env)->cluster().apiserver().AuditedWrites().size();
  std::this_thread::sleep_for(std::chrono::seconds(10));
  size_t steady_writes = (*env)->OperatorWrites("bench").size() - operator_before;
  size_t others_writes =
      (*env)->cluster().apiserver().AuditedWrites().size() - all_before - steady_writes;
  double operator_rss = StatusMiB((*env)->OperatorPid("bench"), "VmHWM");
  double manager_rss = StatusMiB((*env)->cluster().controller_manager_pid(), "VmHWM");
  double operator_cpu = CpuSeconds((*env)->OperatorPid("bench"));
  double manager_cpu = CpuSeconds((*env)->cluster().controller_manager_pid());
  double operator_now = StatusMiB((*env)->OperatorPid("bench"), "VmRSS");
  double manager_now = StatusMiB((*env)->cluster().controller_manager_pid(), "VmRSS");

  // Reference: the API server creating as many plain ConfigMaps, one by one.
  const size_t reference_count = 2 * want;
  started = Clock::now();
  for (size_t i = 0; i < reference_count; ++i) {
    Json map = {{"apiVersion", "v1"},
                {"kind", "ConfigMap"},
                {"metadata", {{"name", "ref-" + std::to_string(i)}, {"namespace", "curve"}}},
                {"data", {{"k", "v"}}}};
    if (auto made = client.Create(k8s::resources::kConfigMaps, "curve", map); !made.ok()) {
      Die("reference ConfigMaps", made.status());
    }
  }
  double reference_s = Seconds(Clock::now() - started).count();
  (*env)->StopOperator("bench", SIGTERM);

  std::printf(
      "curve-operator: CurveCluster of %d kwok nodes x %d disks (%zu chunkservers), "
      "resync 2 s\n",
      nodes, disks, want);
  Row("metric", "operator", "reference (same run)", "target");
  std::printf("|%s|%s|%s|%s|\n", std::string(42, '-').c_str(), std::string(14, '-').c_str(),
              std::string(48, '-').c_str(), std::string(16, '-').c_str());
  Row("all objects created (" + std::to_string(2 * want) + " Deployments+Jobs)",
      Format("%.1f s", created_s), Format("API server: as many ConfigMaps in %.1f s", reference_s),
      Verdict(created_s < 60, "< 60 s"));
  Row("operator writes until then", std::to_string(created_writes),
      "kwok: " + std::to_string(nodes) + " nodes Ready in " + Format("%.1f s", nodes_s), "-");
  Row("Ready (every pod running, copysets healthy)", Format("%.1f s", ready_s), "-", "-");
  Row("converged (10 s without writes)", Format("%.1f s", converged_s), "-", "-");
  Row("operator peak RSS", Format("%.1f MiB", operator_rss),
      Format("kube-controller-manager %.1f MiB", manager_rss),
      Verdict(operator_rss > 0 && operator_rss < 64, "< 64 MiB"));
  Row("operator CPU (user+sys, whole run)", Format("%.1f s", operator_cpu),
      Format("kube-controller-manager %.1f s", manager_cpu), "-");
  Row("operator RSS in the steady state", Format("%.1f MiB", operator_now),
      Format("kube-controller-manager %.1f MiB", manager_now), "-");
  Row("steady-state writes (10 s = 5 resyncs)", std::to_string(steady_writes),
      "everyone else: " + std::to_string(others_writes) + " writes",
      Verdict(steady_writes == 0, "0"));
  return 0;
}

}  // namespace
}  // namespace curve::op::testing

int main(int argc, char** argv) {
  int nodes = 100, disks = 10;
  auto command_line = curve::config::ParseFlags(argc, argv);
  if (!command_line.ok()) {
    std::cerr << "operator_bench: " << command_line.status().message() << "\n";
    return 2;
  }
  for (const auto& [name, value] : command_line->flags) {
    int* target = name == "nodes" ? &nodes : name == "disks" ? &disks : nullptr;
    if (target == nullptr) {
      std::cerr << "operator_bench: unknown flag --" << name << " (known: --nodes= --disks=)\n";
      return 2;
    }
    auto parsed = name == "nodes" ? curve::config::ParseInteger("--nodes", value, 3, 10000)
                                  : curve::config::ParseInteger("--disks", value, 1, 24);
    if (!parsed.ok()) {
      std::cerr << "operator_bench: " << parsed.status().message() << "\n";
      return 2;
    }
    *target = static_cast<int>(*parsed);
  }
  return curve::op::testing::Run(nodes, disks);
}
