#include "services/client/volume_bench.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace curve::client {

Result<VolumeBenchResult> RunVolumeBench(Volume& volume, const VolumeBenchOptions& options) {
  const uint64_t bs = options.block_size;
  const int depth = options.depth;
  if (bs == 0 || bs % 4096 != 0) return InvalidArgumentError("block size: a multiple of 4KiB");
  if (depth < 1) return InvalidArgumentError("depth: at least 1");
  uint64_t span = volume.info().size;
  if (options.span != 0) span = std::min(span, options.span);
  const uint64_t blocks = span / bs;
  if (blocks == 0) return InvalidArgumentError("the volume is smaller than one block");
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> latencies_us;
  Status first_error;
  int in_flight = 0;
  uint64_t next = 0;
  std::mt19937_64 rng(options.seed);
  std::vector<std::string> buffers(depth, std::string(bs, 'c'));
  std::vector<int> free_slots;
  for (int i = 0; i < depth; ++i) free_slots.push_back(i);
  auto start = std::chrono::steady_clock::now();
  auto end = start + options.runtime;
  std::unique_lock lock(mu);
  while (std::chrono::steady_clock::now() < end && first_error.ok()) {
    cv.wait(lock, [&] { return !free_slots.empty(); });
    int slot = free_slots.back();
    free_slots.pop_back();
    uint64_t block = options.random ? rng() % blocks : next++ % blocks;
    ++in_flight;
    auto issued = std::chrono::steady_clock::now();
    auto done = [&, slot, issued](Status s) {
      auto us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - issued)
                    .count();
      std::lock_guard guard(mu);
      if (!s.ok() && first_error.ok()) first_error = s;
      latencies_us.push_back(us);
      free_slots.push_back(slot);
      --in_flight;
      cv.notify_all();
    };
    lock.unlock();
    if (options.write) {
      volume.AsyncWrite(block * bs, bs, buffers[slot].data(), done);
    } else {
      volume.AsyncRead(block * bs, bs, buffers[slot].data(), done);
    }
    lock.lock();
  }
  cv.wait(lock, [&] { return in_flight == 0; });
  CURVE_RETURN_IF_ERROR(first_error);
  VolumeBenchResult result;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    if (latencies_us.empty()) return 0.0;
    return latencies_us[std::min(
        latencies_us.size() - 1,
        static_cast<size_t>(p * static_cast<double>(latencies_us.size())))];
  };
  result.ops = latencies_us.size();
  result.iops = static_cast<double>(result.ops) / result.seconds;
  result.mib_per_s = result.iops * static_cast<double>(bs) / (1 << 20);
  result.p50_us = pct(0.5);
  result.p99_us = pct(0.99);
  result.p999_us = pct(0.999);
  return result;
}

}  // namespace curve::client
