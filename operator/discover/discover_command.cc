#include "operator/discover/discover_command.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/config.h"
#include "common/logging.h"
#include "common/signals.h"
#include "operator/discover/device_discovery.h"
#include "operator/k8s/rest_kube_client.h"

namespace curve::op {
namespace {

struct DiscoverOptions {
  std::string node;
  std::string kubeconfig;
  DiscoveryPaths paths;
  std::chrono::seconds interval{60};
  bool print = false;
};

bool ParseFlags(int argc, char** argv, DiscoverOptions* o, std::string* error) {
  if (const char* node = std::getenv("NODE_NAME")) o->node = node;
  auto command_line = config::ParseFlags(argc, argv);
  if (!command_line.ok()) {
    *error = command_line.status().message();
    return false;
  }
  for (const auto& [name, value] : command_line->flags) {
    const std::string key = "--" + name;
    if (key == "--node") {
      o->node = value;
    } else if (key == "--kubeconfig") {
      o->kubeconfig = value;
    } else if (key == "--sys-block") {
      o->paths.sys_block = value;
    } else if (key == "--dev") {
      o->paths.dev = value;
    } else if (key == "--mounts") {
      o->paths.mounts = value;
    } else if (key == "--interval") {
      auto seconds = config::ParseInteger(key, std::string_view(value).substr(0, value.size() - 1),
                                          0, 24 * 3600);
      if (value.empty() || value.back() != 's' || !seconds.ok()) {
        *error = "--interval: a whole number of seconds (e.g. 60s; 0s = once), got '" + value + "'";
        return false;
      }
      o->interval = std::chrono::seconds(*seconds);
    } else if (key == "--print") {
      o->print = true;
    } else {
      *error = "unknown flag " + key +
               " (known: --node --kubeconfig --sys-block --dev --mounts --interval --print)";
      return false;
    }
  }
  if (o->node.empty() && !o->print) {
    *error = "--node: required (or $NODE_NAME) unless --print";
    return false;
  }
  return true;
}

}  // namespace

int RunDiscover(int argc, char** argv) {
  DiscoverOptions options;
  std::string error;
  if (!ParseFlags(argc, argv, &options, &error)) {
    std::fprintf(stderr, "curve-operator discover: %s\n", error.c_str());
    return 2;
  }
  auto logger = log::Get("discover");
  if (options.print) {
    auto devices = DiscoverDevices(options.paths);
    if (!devices.ok()) {
      logger->error("op=Discover err={}", devices.status().ToString());
      return 1;
    }
    std::printf("%s\n", FormatDiscoveryReport(*devices).c_str());
    return 0;
  }
  BlockTerminationSignals();
  auto config = k8s::KubeConfig::Load(options.kubeconfig);
  if (!config.ok()) {
    logger->critical("op=Start err={}", config.status().ToString());
    return 2;
  }
  auto client = k8s::RestKubeClient::Create(*config);
  if (!client.ok()) {
    logger->critical("op=Start err={}", client.status().ToString());
    return 2;
  }
  auto pass = [&]() -> Status {
    CURVE_ASSIGN_OR_RETURN(auto devices, DiscoverDevices(options.paths));
    CURVE_ASSIGN_OR_RETURN(
        bool wrote, PublishDiscoveryReport(**client, options.node, FormatDiscoveryReport(devices)));
    if (wrote) logger->info("op=Publish node={} devices={}", options.node, devices.size());
    return Status::Ok();
  };
  if (options.interval.count() == 0) {
    Status status = pass();
    if (!status.ok()) logger->error("op=Discover node={} err={}", options.node, status.ToString());
    return status.ok() ? 0 : 1;
  }
  std::jthread loop([&](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any wake;
    while (!stop.stop_requested()) {
      Status status = pass();
      if (!status.ok()) logger->warn("op=Discover node={} err={}", options.node, status.ToString());
      std::unique_lock lock(mu);
      wake.wait_for(lock, stop, options.interval, [] { return false; });
    }
  });
  WaitForTerminationSignal();
  return 0;
}

}  // namespace curve::op
