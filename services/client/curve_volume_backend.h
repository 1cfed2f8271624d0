#pragma once

// CurveVolumeBackend: attach's VolumeBackend over a libcurve Volume, so curve-attachd can serve
// a CurveBS volume as a block device. Spec: "curve:<path>?user=<user>&mds=<host:port,...>".
// Writes that are not 4096-aligned are done as read-modify-write of the blocks they touch
// (serialized; the loop device sends aligned IO, so this is rare).

#include <memory>
#include <mutex>
#include <string>

#include "services/attach/volume_backend.h"
#include "services/client/volume.h"

namespace curve::client {

struct CurveSpec {
  std::string path;
  std::string user = "root";
  std::vector<std::string> mds;
};

// INVALID_ARGUMENT naming the expected form.
Result<CurveSpec> ParseCurveSpec(const std::string& spec);
std::string FormatCurveSpec(const CurveSpec& spec);

class CurveVolumeBackend final : public attach::VolumeBackend {
 public:
  static Result<std::unique_ptr<attach::VolumeBackend>> Open(const std::string& spec);

  uint64_t Size() const override { return volume_->size(); }
  Result<uint64_t> Refresh() override { return volume_->RefreshSize(); }
  Status Read(uint64_t offset, size_t length, char* out) override;
  Status Write(uint64_t offset, size_t length, const char* data) override;
  Status Flush() override { return volume_->Flush(); }
  std::string Describe() const override { return spec_; }

 private:
  CurveVolumeBackend(std::string spec, std::unique_ptr<Volume> volume)
      : spec_(std::move(spec)), volume_(std::move(volume)) {}

  const std::string spec_;
  std::unique_ptr<Volume> volume_;
  std::mutex unaligned_mu_;
};

// Registers the "curve" scheme with attach::OpenVolumeBackend.
void RegisterCurveVolumeBackend();

}  // namespace curve::client
