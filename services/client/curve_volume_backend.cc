#include "services/client/curve_volume_backend.h"

#include <cstring>

namespace curve::client {

Result<CurveSpec> ParseCurveSpec(const std::string& spec) {
  const std::string kPrefix = "curve:";
  Status bad = InvalidArgumentError("backend '" + spec +
                                    "': expected curve:/volume?user=USER&mds=HOST:PORT,...");
  if (spec.rfind(kPrefix, 0) != 0) return bad;
  std::string rest = spec.substr(kPrefix.size());
  CurveSpec out;
  size_t q = rest.find('?');
  out.path = rest.substr(0, q);
  if (out.path.empty() || out.path[0] != '/') return bad;
  if (q != std::string::npos) {
    std::string query = rest.substr(q + 1);
    size_t start = 0;
    while (start <= query.size()) {
      size_t end = query.find('&', start);
      std::string kv =
          query.substr(start, end == std::string::npos ? std::string::npos : end - start);
      size_t eq = kv.find('=');
      if (eq == std::string::npos) return bad;
      std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
      if (key == "user") {
        out.user = value;
      } else if (key == "mds") {
        size_t s = 0;
        while (s <= value.size()) {
          size_t e = value.find(',', s);
          std::string a = value.substr(s, e == std::string::npos ? std::string::npos : e - s);
          if (!a.empty()) out.mds.push_back(a);
          if (e == std::string::npos) break;
          s = e + 1;
        }
      } else {
        return bad;
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  if (out.mds.empty()) return bad;
  return out;
}

std::string FormatCurveSpec(const CurveSpec& spec) {
  std::string mds;
  for (const auto& a : spec.mds) mds += (mds.empty() ? "" : ",") + a;
  return "curve:" + spec.path + "?user=" + spec.user + "&mds=" + mds;
}

Result<std::unique_ptr<attach::VolumeBackend>> CurveVolumeBackend::Open(const std::string& spec) {
  CURVE_ASSIGN_OR_RETURN(CurveSpec parsed, ParseCurveSpec(spec));
  VolumeOptions options;
  options.mds_addresses = parsed.mds;
  options.client_name = "curve-attachd";
  CURVE_ASSIGN_OR_RETURN(auto volume, Volume::Open(options, parsed.user, parsed.path));
  return std::unique_ptr<attach::VolumeBackend>(new CurveVolumeBackend(spec, std::move(volume)));
}

Status CurveVolumeBackend::Read(uint64_t offset, size_t length, char* out) {
  if (length == 0) return Status::Ok();
  if (offset % 512 == 0 && length % 512 == 0) return volume_->Read(offset, length, out);
  uint64_t start = offset / 512 * 512;
  uint64_t end = (offset + length + 511) / 512 * 512;
  std::string buffer(end - start, '\0');
  CURVE_RETURN_IF_ERROR(volume_->Read(start, buffer.size(), buffer.data()));
  std::memcpy(out, buffer.data() + (offset - start), length);
  return Status::Ok();
}

Status CurveVolumeBackend::Write(uint64_t offset, size_t length, const char* data) {
  if (length == 0) return Status::Ok();
  if (offset % 4096 == 0 && length % 4096 == 0) return volume_->Write(offset, length, data);
  std::lock_guard lock(unaligned_mu_);
  uint64_t start = offset / 4096 * 4096;
  uint64_t end = (offset + length + 4095) / 4096 * 4096;
  if (end > Size()) return volume_->Write(offset, length, data);  // reports OUT_OF_RANGE
  std::string buffer(end - start, '\0');
  CURVE_RETURN_IF_ERROR(volume_->Read(start, buffer.size(), buffer.data()));
  std::memcpy(buffer.data() + (offset - start), data, length);
  return volume_->Write(start, buffer.size(), buffer.data());
}

void RegisterCurveVolumeBackend() {
  attach::RegisterVolumeBackendScheme("curve", &CurveVolumeBackend::Open);
}

}  // namespace curve::client
