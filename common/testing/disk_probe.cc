#include "common/testing/disk_probe.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

namespace curve::testing {

namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point After(double seconds) {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

double MillisSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

Latencies Summarize(std::vector<double> ms, double seconds) {
  Latencies l;
  if (ms.empty()) return l;
  std::sort(ms.begin(), ms.end());
  l.per_second = static_cast<double>(ms.size()) / seconds;
  l.p50_ms = ms[ms.size() / 2];
  l.p99_ms = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  return l;
}

Result<Latencies> MeasureFdatasync(const std::string& dir, double seconds, int writers) {
  std::vector<std::vector<double>> samples(writers);
  std::vector<Status> errors(writers);
  auto start = Clock::now();
  auto end = After(seconds);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      std::string path = dir + "/fdatasync-probe-" + std::to_string(w);
      int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
      if (fd < 0) {
        errors[w] = InternalError("open " + path + ": " + std::strerror(errno));
        return;
      }
      std::string block(4096, 'd');
      off_t offset = 0;
      while (Clock::now() < end) {
        auto t0 = Clock::now();
        if (::pwrite(fd, block.data(), block.size(), offset) != 4096 || ::fdatasync(fd) != 0) {
          errors[w] = InternalError("write/fdatasync " + path + ": " + std::strerror(errno));
          break;
        }
        offset += 4096;
        samples[w].push_back(MillisSince(t0));
      }
      ::close(fd);
      ::unlink(path.c_str());
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (int w = 0; w < writers; ++w) {
    CURVE_RETURN_IF_ERROR(errors[w]);
    all.insert(all.end(), samples[w].begin(), samples[w].end());
  }
  return Summarize(std::move(all), elapsed);
}

Result<Latencies> MeasureDirectIoRandomWrite(const std::string& dir, double seconds, int depth,
                                             uint64_t file_bytes) {
  std::string path = dir + "/direct-io-probe";
  int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC | O_DIRECT, 0644);
  if (fd < 0) return InternalError("open " + path + " O_DIRECT: " + std::strerror(errno));
  constexpr size_t kFill = 1 << 20;
  void* raw = nullptr;
  if (posix_memalign(&raw, 4096, kFill) != 0) {
    ::close(fd);
    ::unlink(path.c_str());
    return ResourceExhaustedError("posix_memalign");
  }
  std::unique_ptr<char, decltype(&std::free)> buffer(static_cast<char*>(raw), &std::free);
  std::memset(buffer.get(), 'r', kFill);
  Status status;
  for (uint64_t at = 0; at < file_bytes && status.ok(); at += kFill) {
    if (::pwrite(fd, buffer.get(), kFill, static_cast<off_t>(at)) != static_cast<ssize_t>(kFill)) {
      status = InternalError("fill " + path + ": " + std::strerror(errno));
    }
  }
  if (status.ok() && ::fsync(fd) != 0) status = InternalError("fsync " + path);
  std::vector<std::vector<double>> samples(depth);
  std::atomic<bool> failed{false};
  auto start = Clock::now();
  if (status.ok()) {
    auto end = After(seconds);
    std::vector<std::thread> threads;
    const uint64_t blocks = file_bytes / 4096;
    for (int w = 0; w < depth; ++w) {
      threads.emplace_back([&, w] {
        std::mt19937_64 rng(static_cast<uint64_t>(w) + 1);
        // Each writer owns a 4 KiB slice of the aligned buffer.
        const char* block = buffer.get() + (static_cast<size_t>(w) * 4096) % kFill;
        while (Clock::now() < end && !failed) {
          off_t offset = static_cast<off_t>(rng() % blocks * 4096);
          auto t0 = Clock::now();
          if (::pwrite(fd, block, 4096, offset) != 4096) {
            failed = true;
            break;
          }
          samples[w].push_back(MillisSince(t0));
        }
      });
    }
    for (auto& t : threads) t.join();
    if (failed) status = InternalError("O_DIRECT write " + path + ": " + std::strerror(errno));
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  ::unlink(path.c_str());
  CURVE_RETURN_IF_ERROR(status);
  std::vector<double> all;
  for (auto& s : samples) all.insert(all.end(), s.begin(), s.end());
  return Summarize(std::move(all), elapsed);
}

double ProcessCpuSeconds(pid_t pid) {
  if (pid == 0) {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  }
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.rfind(')') == std::string::npos) return 0;
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

uint64_t ProcessRssBytes(pid_t pid) {
  std::ifstream in("/proc/" + (pid == 0 ? std::string("self") : std::to_string(pid)) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

}  // namespace curve::testing
