#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace curve::csi {

// What a CSI volume id names: the MDS user owning the volume and the volume's file name inside
// the driver's volume directory. The id is self-describing (no journal is needed to resolve it):
//
//   0001-<user length, 2 hex digits>-<user>-<file name>
//
// e.g. "0001-03-k8s-pvc-1234". The version prefix lets a later format coexist.
struct VolumeId {
  std::string user;
  std::string file_name;

  bool operator==(const VolumeId&) const = default;
};

// Encodes `id`; the user must be 1..255 characters.
std::string EncodeVolumeId(const VolumeId& id);

// Decodes an id made by EncodeVolumeId; INVALID_ARGUMENT naming the defect otherwise (callers
// decide whether a malformed id means "no such volume").
Result<VolumeId> DecodeVolumeId(std::string_view text);

// The MDS file name for a CSI volume name: characters the MDS accepts ([A-Za-z0-9.-]) are kept,
// every other byte (including '_' and a leading '.') becomes "_XX" (hex), so the mapping is
// injective and stable. INVALID_ARGUMENT when the result would exceed 255 characters.
Result<std::string> FileNameForVolumeName(std::string_view name);

// Characters allowed in MDS names: [A-Za-z0-9._-].
bool IsMdsNameChar(char c);

}  // namespace curve::csi
