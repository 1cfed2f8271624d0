// curve-snapshotclone end to end: a LocalCluster, a MinIO and a curve-snapshotclone process
// (its state in its own etcd) on loopback. A volume holds pattern A; a snapshot is taken over
// HTTP and the volume is overwritten with pattern B while it runs; clones of the snapshot read back
// exactly A, a clone of the volume reads back its current content, recovering the snapshot onto the
// volume brings A back, deleting the snapshot removes its objects from MinIO; bad requests get
// upstream's codes; a snapshotclone killed mid-snapshot finishes the task after a restart.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "common/s3/object_store.h"
#include "common/s3/testing/minio_process.h"
#include "common/testing/etcd_process.h"
#include "services/client/volume.h"
#include "services/snapshotclone/testing/http_get.h"
#include "tests/cluster/local_cluster.h"
#include "tests/cluster/pattern.h"

namespace curve::testing {
namespace {

using Json = nlohmann::json;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kVolumeSize = 16 * kMiB;  // 2 segments of 8 chunks of 1 MiB
const std::string kBucket = "curve-snapshots";

class SnapshotCloneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalClusterOptions options;
    options.chunks_per_disk = 160;
    auto cluster = LocalCluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(cluster).value();
    auto minio = s3::testing::MinioProcess::Start(dir_.path() + "/minio");
    ASSERT_TRUE(minio.ok()) << minio.status();
    minio_ = std::move(minio).value();
    auto etcd = EtcdProcess::Start();
    ASSERT_TRUE(etcd.ok()) << etcd.status();
    etcd_ = std::move(etcd).value();
    auto store = s3::NewS3ObjectStore(minio_->Options(kBucket));
    ASSERT_TRUE(store.ok()) << store.status();
    objects_ = std::move(store).value();
    port_ = PickFreePort();
    std::ofstream config(dir_.path() + "/snapshotclone.conf");
    config << "mds.listen.addr: \"" << cluster_->mds_addresses() << "\"\n"
           << "etcd.endpoints: \"" << etcd_->endpoint() << "\"\n"
           << "s3.nos_address: \"" << minio_->endpoint() << "\"\n"
           << "s3.snapshot_bucket_name: \"" << kBucket << "\"\n"
           << "server.port: \"" << port_ << "\"\n"
           << "server.dummy_port: \"" << PickFreePort() << "\"\n"
           << "server.proxy_port: \"" << PickFreePort() << "\"\n";
    config.close();
    ASSERT_TRUE(StartService().ok());
  }

  Status StartService() {
    setenv("S3_ACCESS_KEY", minio_->access_key().c_str(), 1);
    setenv("S3_SECRET_KEY", minio_->secret_key().c_str(), 1);
    CURVE_ASSIGN_OR_RETURN(
        auto process,
        Subprocess::Start(
            {CURVE_SNAPSHOTCLONE_BIN, "--config=" + dir_.path() + "/snapshotclone.conf",
             "--listen=127.0.0.1:" + std::to_string(port_), "--worker.scanInterval=100ms"},
            dir_.path() + "/snapshotclone.log"));
    service_ = std::make_unique<Subprocess>(std::move(process));
    auto line = service_->ReadLine(std::chrono::seconds(30));
    if (!line.has_value() || line->rfind("listening ", 0) != 0) {
      return UnavailableError("curve-snapshotclone did not start; see " + dir_.path() +
                              "/snapshotclone.log");
    }
    return Status::Ok();
  }

  Json Call(const std::string& action, const std::string& params) {
    auto answer = snapshotclone::testing::HttpGet(
        port_, "/SnapshotCloneService?Action=" + action + "&Version=0.0.6&User=alice" + params);
    EXPECT_TRUE(answer.ok()) << answer.status();
    if (!answer.ok()) return Json::object();
    Json json = Json::parse(answer->body, nullptr, false);
    EXPECT_TRUE(json.is_object()) << answer->body;
    return json;
  }

  // The service's log lines that report an error or a warning, for failure messages.
  std::string ServiceErrors() {
    std::ifstream log(dir_.path() + "/snapshotclone.log");
    std::string line, out = "curve-snapshotclone errors:\n";
    while (std::getline(log, line)) {
      if (line.find(" E ") != std::string::npos || line.find(" W ") != std::string::npos) {
        out += line + "\n";
      }
    }
    return out;
  }

  // Polls until the snapshot is done (Status 0); fails on error (5) or after the deadline.
  void WaitSnapshotDone(const std::string& uuid) {
    Json last;
    bool done = PollUntil(
        [&] {
          last = Call("GetFileSnapshotInfo", "&File=/vol&UUID=" + uuid);
          return last["Code"] == "0" && last["Snapshots"].size() == 1 &&
                 last["Snapshots"][0]["Status"] != 1;
        },
        std::chrono::seconds(120));
    ASSERT_TRUE(done) << last.dump() << "\n" << ServiceErrors();
    ASSERT_EQ(last["Snapshots"][0]["Status"], 0) << last.dump() << "\n" << ServiceErrors();
    EXPECT_EQ(last["Snapshots"][0]["Progress"], 100);
  }

  void WaitTaskDone(const std::string& uuid) {
    Json last;
    bool done = PollUntil(
        [&] {
          last = Call("GetCloneTasks", "&UUID=" + uuid);
          return last["Code"] == "0" && last["TaskInfos"].size() == 1 &&
                 last["TaskInfos"][0]["TaskStatus"] != 1 && last["TaskInfos"][0]["TaskStatus"] != 2;
        },
        std::chrono::seconds(120));
    ASSERT_TRUE(done) << last.dump() << "\n" << ServiceErrors();
    ASSERT_EQ(last["TaskInfos"][0]["TaskStatus"], 0) << last.dump() << "\n" << ServiceErrors();
  }

  Result<std::unique_ptr<client::Volume>> Open(const std::string& path) {
    client::VolumeOptions options;
    options.mds_addresses = cluster_->mds_list();
    return client::Volume::Open(options, "alice", path);
  }

  Result<std::string> ReadAll(const std::string& path) {
    CURVE_ASSIGN_OR_RETURN(auto volume, Open(path));
    std::string data(kVolumeSize, 'x');
    CURVE_RETURN_IF_ERROR(volume->Read(0, data.size(), data.data()));
    return data;
  }

  TempDir dir_;
  std::unique_ptr<LocalCluster> cluster_;
  std::unique_ptr<s3::testing::MinioProcess> minio_;
  std::unique_ptr<EtcdProcess> etcd_;
  std::unique_ptr<s3::ObjectStore> objects_;
  std::unique_ptr<Subprocess> service_;
  int port_ = 0;
};

// Pattern A (generation 1) in chunks 0-2 and 9-10 (both segments); the rest never written.
std::string ExpectedA() {
  std::string data(kVolumeSize, '\0');
  data.replace(0, 3 * kMiB, PatternRange(0, 3 * kMiB, 1));
  data.replace(9 * kMiB, 2 * kMiB, PatternRange(9 * kMiB, 2 * kMiB, 1));
  return data;
}

// First differing 4 KiB block, for readable failures.
std::string FirstDifference(const std::string& got, const std::string& want) {
  for (size_t at = 0; at < want.size(); at += 4096) {
    if (got.compare(at, 4096, want, at, 4096) != 0) {
      // A pattern block ends with its offset and generation (pattern.h).
      uint64_t offset = 0, generation = 0;
      std::memcpy(&offset, &got[at + 4096 - 16], 8);
      std::memcpy(&generation, &got[at + 4096 - 8], 8);
      return "block at " + std::to_string(at) + " holds offset " + std::to_string(offset) +
             " generation " + std::to_string(generation);
    }
  }
  return "none";
}

TEST_F(SnapshotCloneTest, SnapshotCloneRecoverDelete) {
  ASSERT_TRUE(cluster_->CreateVolume("alice", "/vol", kVolumeSize).ok());
  std::string current = ExpectedA();
  {
    auto volume = Open("/vol");
    ASSERT_TRUE(volume.ok()) << volume.status();
    ASSERT_TRUE((*volume)->Write(0, 3 * kMiB, current.data()).ok());
    ASSERT_TRUE((*volume)->Write(9 * kMiB, 2 * kMiB, current.data() + 9 * kMiB).ok());

    Json created = Call("CreateSnapshot", "&File=/vol&Name=snap1");
    ASSERT_EQ(created["Code"], "0") << created.dump();
    const std::string uuid = created["UUID"].get<std::string>();
    // Overwrite part of A with B while the snapshot runs: once it is READY (its progress passed
    // the wait; the volume's writer switched to the new sequence), writes no longer reach it.
    Json running;
    ASSERT_TRUE(PollUntil(
        [&] {
          running = Call("GetFileSnapshotInfo", "&File=/vol&UUID=" + uuid);
          return running["Code"] == "0" && running["Snapshots"].size() == 1 &&
                 running["Snapshots"][0]["Progress"].get<int>() >= 5;
        },
        std::chrono::seconds(60)))
        << running.dump();
    std::string b = PatternRange(kMiB, kMiB, 2) + PatternRange(9 * kMiB, kMiB, 2);
    ASSERT_TRUE((*volume)->Write(kMiB, kMiB, b.data()).ok());
    ASSERT_TRUE((*volume)->Write(9 * kMiB, kMiB, b.data() + kMiB).ok());
    current.replace(kMiB, kMiB, b.substr(0, kMiB));
    current.replace(9 * kMiB, kMiB, b.substr(kMiB));
    WaitSnapshotDone(uuid);
    auto stored = objects_->List("snapshots/" + uuid + "/");
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->size(), 6u);  // 5 chunks and the metadata

    // Clone the snapshot: exactly A.
    Json clone = Call("Clone", "&Source=" + uuid + "&Destination=/clone1&Lazy=false&Poolset=ssd");
    ASSERT_EQ(clone["Code"], "0") << clone.dump();
    WaitTaskDone(clone["UUID"].get<std::string>());
    auto cloned = ReadAll("/clone1");
    ASSERT_TRUE(cloned.ok()) << cloned.status();
    EXPECT_TRUE(*cloned == ExpectedA()) << FirstDifference(*cloned, ExpectedA());

    // Clone the volume (still open by its writer): its current content, in the volume's poolset.
    Json copy = Call("Clone", "&Source=/vol&Destination=/clone2&Lazy=false");
    ASSERT_EQ(copy["Code"], "0") << copy.dump();
    WaitTaskDone(copy["UUID"].get<std::string>());
    auto copied = ReadAll("/clone2");
    ASSERT_TRUE(copied.ok()) << copied.status();
    EXPECT_TRUE(*copied == current) << FirstDifference(*copied, current);

    // Bad requests.
    EXPECT_EQ(Call("Explode", "")["Code"], "-5");
    EXPECT_EQ(Call("CreateSnapshot", "&Name=x")["Code"], "-5");
    EXPECT_EQ(Call("GetFileSnapshotInfo", "&File=/vol&UUID=no-such")["Code"], "-8");
    Json lazy = Call("Clone", "&Source=" + uuid + "&Destination=/lazy&Lazy=true");
    EXPECT_EQ(lazy["Code"], "-21") << lazy.dump();

    // Recover needs the volume closed (it writes through its own session).
    ASSERT_TRUE((*volume)->Close().ok());
    Json recover = Call("Recover", "&Source=" + uuid + "&Destination=/vol&Lazy=false");
    ASSERT_EQ(recover["Code"], "0") << recover.dump();
    WaitTaskDone(recover["UUID"].get<std::string>());
    auto recovered = ReadAll("/vol");
    ASSERT_TRUE(recovered.ok()) << recovered.status();
    EXPECT_TRUE(*recovered == ExpectedA()) << FirstDifference(*recovered, ExpectedA());

    Json deleted = Call("DeleteSnapshot", "&File=/vol&UUID=" + uuid);
    ASSERT_EQ(deleted["Code"], "0") << deleted.dump();
    ASSERT_TRUE(
        PollUntil([&] { return Call("GetFileSnapshotInfo", "&File=/vol")["TotalCount"] == 0; },
                  std::chrono::seconds(60)));
    stored = objects_->List("snapshots/" + uuid + "/");
    ASSERT_TRUE(stored.ok());
    EXPECT_TRUE(stored->empty());
  }
}

TEST_F(SnapshotCloneTest, KilledMidSnapshotFinishesAfterRestart) {
  ASSERT_TRUE(cluster_->CreateVolume("alice", "/vol", kVolumeSize).ok());
  const std::string a = PatternRange(0, kVolumeSize, 1);
  {
    auto volume = Open("/vol");
    ASSERT_TRUE(volume.ok()) << volume.status();
    ASSERT_TRUE((*volume)->Write(0, kVolumeSize, a.data()).ok());
  }
  Json created = Call("CreateSnapshot", "&File=/vol&Name=snap");
  ASSERT_EQ(created["Code"], "0") << created.dump();
  const std::string uuid = created["UUID"].get<std::string>();
  Json last;
  ASSERT_TRUE(PollUntil(
      [&] {
        last = Call("GetFileSnapshotInfo", "&File=/vol&UUID=" + uuid);
        if (last["Code"] != "0" || last["Snapshots"].size() != 1) return false;
        const Json& s = last["Snapshots"][0];
        return s["Progress"].get<int>() > 5 || s["Status"] != 1;
      },
      std::chrono::seconds(60)))
      << last.dump();
  service_->Kill(SIGKILL);
  std::cout << "killed curve-snapshotclone at " << last["Snapshots"][0].dump() << std::endl;
  ASSERT_TRUE(StartService().ok());
  WaitSnapshotDone(uuid);
  Json clone = Call("Clone", "&Source=" + uuid + "&Destination=/clone&Lazy=false");
  ASSERT_EQ(clone["Code"], "0") << clone.dump();
  WaitTaskDone(clone["UUID"].get<std::string>());
  auto cloned = ReadAll("/clone");
  ASSERT_TRUE(cloned.ok()) << cloned.status();
  EXPECT_TRUE(*cloned == a) << FirstDifference(*cloned, a);
}

}  // namespace
}  // namespace curve::testing
