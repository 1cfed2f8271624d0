#include "services/mds/client/mds_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <thread>

#include "common/rpc/grpc_status.h"
#include "common/rpc/retry.h"

namespace curve::mds {

std::vector<std::string> SplitAddresses(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\n' || c == '\t') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

Result<std::unique_ptr<MdsClient>> MdsClient::Create(MdsClientOptions options) {
  if (options.addresses.empty()) return InvalidArgumentError("mds addresses are empty");
  return std::unique_ptr<MdsClient>(new MdsClient(std::move(options)));
}

MdsClient::MdsClient(MdsClientOptions options)
    : options_(std::move(options)), addresses_(options_.addresses) {
  channels_.resize(addresses_.size());
}

MdsClient::~MdsClient() = default;

std::shared_ptr<grpc::Channel> MdsClient::ChannelFor(const std::string& address) {
  std::lock_guard lock(mu_);
  auto it = std::find(addresses_.begin(), addresses_.end(), address);
  size_t index = it - addresses_.begin();
  if (it == addresses_.end()) {  // a leader outside the configured list
    addresses_.push_back(address);
    channels_.emplace_back();
  }
  if (!channels_[index]) channels_[index] = rpc::MakeChannel(address);
  return channels_[index];
}

std::string MdsClient::leader() const {
  std::lock_guard lock(mu_);
  return addresses_[current_];
}

Status MdsClient::Call(std::string_view what, const Attempt& attempt, bool idempotent) {
  auto deadline = std::chrono::steady_clock::now() + options_.total_timeout;
  rpc::RetryPolicy policy;
  policy.initial_backoff = std::chrono::milliseconds(50);
  policy.max_backoff = std::chrono::milliseconds(500);
  rpc::Backoff backoff(policy, std::random_device{}());
  std::string address;
  {
    std::lock_guard lock(mu_);
    address = addresses_[current_];
  }
  Status last;
  int attempts = 0;
  size_t tried_in_round = 0;
  while (true) {
    ++attempts;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + options_.attempt_timeout);
    grpc::Status grpc_status = attempt(ChannelFor(address), context);
    Status status = rpc::FromGrpcStatus(grpc_status);
    bool retry = status.code() == StatusCode::kUnavailable ||
                 (idempotent && status.code() == StatusCode::kDeadlineExceeded);
    if (!retry) {
      std::lock_guard lock(mu_);
      current_ = std::find(addresses_.begin(), addresses_.end(), address) - addresses_.begin();
      return status;
    }
    last = status;
    std::string hint;
    for (const auto& [key, value] : context.GetServerTrailingMetadata()) {
      if (key == "curve-mds-leader") hint.assign(value.data(), value.size());
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    {
      std::lock_guard lock(mu_);
      if (!hint.empty() && hint != address) {
        address = hint;
      } else {
        size_t index =
            std::find(addresses_.begin(), addresses_.end(), address) - addresses_.begin();
        address = addresses_[(index + 1) % addresses_.size()];
        ++tried_in_round;
      }
      if (tried_in_round >= addresses_.size()) tried_in_round = 0;
    }
    if (tried_in_round == 0 || !hint.empty()) std::this_thread::sleep_for(backoff.Next());
  }
  std::string all;
  for (const auto& a : options_.addresses) all += (all.empty() ? "" : ",") + a;
  return Status(last.code(), std::string(what) + " failed after " + std::to_string(attempts) +
                                 " attempts against MDS " + all + ": " + last.message());
}

}  // namespace curve::mds
