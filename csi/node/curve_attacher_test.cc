// CurveAttacher on a fake services/attach Attacher: the backend spec, name filtering, idempotent
// detach, refresh checks and the liveness verdict.
#include "csi/node/curve_attacher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

#include "csi/util/volume_id.h"

namespace curve::csi {
namespace {

// Mappings in memory; `pid` 0 marks a dead daemon.
class FakeMapAttacher : public attach::Attacher {
 public:
  Result<attach::MappedVolume> Map(const std::string& volume, const std::string& spec) override {
    auto& mapped = mappings[volume];
    if (mapped.volume.empty()) {
      mapped.volume = volume;
      mapped.device = "/dev/loop" + std::to_string(mappings.size());
      mapped.backend = spec;
      mapped.pid = getpid();
      mapped.alive = true;
      mapped.size = 10 << 20;
    }
    return mapped;
  }
  Status Unmap(const std::string& volume) override {
    if (mappings.erase(volume) == 0) return NotFoundError(volume + " is not mapped");
    return Status::Ok();
  }
  Result<attach::MappedVolume> Refresh(const std::string& volume) override {
    auto it = mappings.find(volume);
    if (it == mappings.end()) return NotFoundError(volume + " is not mapped");
    it->second.size = grown_size;
    return it->second;
  }
  Result<std::vector<attach::MappedVolume>> ListMapped() override {
    std::vector<attach::MappedVolume> out;
    for (const auto& [name, mapped] : mappings) out.push_back(mapped);
    return out;
  }

  std::map<std::string, attach::MappedVolume> mappings;
  uint64_t grown_size = 20 << 20;
};

class CurveAttacherTest : public ::testing::Test {
 protected:
  CurveAttacherTest() {
    auto fake = std::make_unique<FakeMapAttacher>();
    fake_ = fake.get();
    CurveAttacherOptions options;
    options.mds = {"10.0.0.1:6700", "10.0.0.2:6700"};
    options.volume_dir = "/k8s";
    attacher_ = std::make_unique<CurveAttacher>(options, std::move(fake));
  }

  AttachRequest Request() const {
    return {EncodeVolumeId({"alice", "pvc-1"}), "alice", "pvc-1", 10 << 20};
  }

  FakeMapAttacher* fake_;
  std::unique_ptr<CurveAttacher> attacher_;
};

TEST_F(CurveAttacherTest, MapsTheVolumeIdWithACurveSpec) {
  auto device = attacher_->Attach(Request());
  ASSERT_TRUE(device.ok()) << device.status();
  const auto& mapped = fake_->mappings.at(Request().volume_id);
  EXPECT_EQ(mapped.device, *device);
  EXPECT_EQ(mapped.backend, "curve:/k8s/pvc-1?user=alice&mds=10.0.0.1:6700,10.0.0.2:6700");
  EXPECT_EQ(*attacher_->Attach(Request()), *device);  // idempotent
}

TEST_F(CurveAttacherTest, ListsOnlyCsiVolumesAndDetachIsIdempotent) {
  ASSERT_TRUE(attacher_->Attach(Request()).ok());
  ASSERT_TRUE(fake_->Map("/playground", "curve:/playground?user=root&mds=a:1").ok());
  auto attached = attacher_->ListAttached();
  ASSERT_TRUE(attached.ok());
  ASSERT_EQ(attached->size(), 1u);
  EXPECT_EQ(attached->begin()->first, Request().volume_id);
  EXPECT_TRUE(attacher_->Detach(Request().volume_id).ok());
  EXPECT_TRUE(attacher_->Detach(Request().volume_id).ok());
  EXPECT_EQ(fake_->mappings.count("/playground"), 1u);
}

TEST_F(CurveAttacherTest, RefreshReturnsTheGrownSizeAndRefusesASmallerOne) {
  EXPECT_EQ(attacher_->Refresh(Request().volume_id, 0).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(attacher_->Attach(Request()).ok());
  auto size = attacher_->Refresh(Request().volume_id, 20 << 20);
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 20 << 20);
  auto small = attacher_->Refresh(Request().volume_id, 30 << 20);
  EXPECT_EQ(small.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(small.status().message().find("ControllerExpandVolume"), std::string::npos);
}

TEST_F(CurveAttacherTest, CheckNamesADeadDaemonOrALostDevice) {
  EXPECT_EQ(attacher_->Check(Request().volume_id).code(), StatusCode::kNotFound);
  ASSERT_TRUE(attacher_->Attach(Request()).ok());
  EXPECT_TRUE(attacher_->Check(Request().volume_id).ok());
  auto& mapped = fake_->mappings.at(Request().volume_id);
  mapped.alive = false;
  mapped.pid = 0x3ffffff0;  // no such process
  Status dead = attacher_->Check(Request().volume_id);
  EXPECT_EQ(dead.code(), StatusCode::kUnavailable);
  EXPECT_NE(dead.message().find("is dead"), std::string::npos) << dead;
}

}  // namespace
}  // namespace curve::csi
