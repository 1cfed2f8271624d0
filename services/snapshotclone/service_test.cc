#include "services/snapshotclone/service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "services/snapshotclone/testing/worker_fixture.h"

namespace curve::snapshotclone::testing {
namespace {

using Json = nlohmann::json;

class ServiceTest : public WorkerTest {
 protected:
  void SetUp() override {
    WorkerTest::SetUp();
    service_ = std::make_unique<SnapshotCloneService>(*store_, source_, [this] { ++pokes_; });
  }

  // Sends Action with User=alice (unless given) and Version=0.0.6; returns the JSON answer and
  // stores the HTTP status.
  Json Call(const std::string& action, Query more = {}) {
    Query query{{"Action", action}, {"Version", "0.0.6"}, {"User", "alice"}};
    for (auto& [k, v] : more) query[k] = v;
    Answer answer = service_->Handle(query);
    http_status_ = answer.http_status;
    Json body = Json::parse(answer.body, nullptr, false);
    EXPECT_TRUE(body.is_object()) << answer.body;
    EXPECT_TRUE(body.contains("RequestId")) << answer.body;
    EXPECT_TRUE(body.contains("Message")) << answer.body;
    EXPECT_TRUE(body["Code"].is_string()) << answer.body;
    return body;
  }

  std::string DoneSnapshot() {
    Json created = Call("CreateSnapshot", {{"File", "/vol"}, {"Name", "s1"}});
    std::string uuid = created["UUID"].get<std::string>();
    EXPECT_TRUE(snapshots_->Run(uuid, stop_).ok());
    return uuid;
  }

  std::unique_ptr<SnapshotCloneService> service_;
  int pokes_ = 0;
  int http_status_ = 0;
};

TEST_F(ServiceTest, CreateSnapshotAnswersAUuidAndListsIt) {
  MakeVolume();
  Json created = Call("CreateSnapshot", {{"File", "/vol"}, {"Name", "s1"}});
  EXPECT_EQ(created["Code"], "0");
  EXPECT_EQ(created["Message"], "Exec success.");
  EXPECT_EQ(http_status_, 200);
  ASSERT_TRUE(created["UUID"].is_string());
  const std::string uuid = created["UUID"].get<std::string>();
  EXPECT_EQ(pokes_, 1);

  Json info = Call("GetFileSnapshotInfo", {{"File", "/vol"}});
  EXPECT_EQ(info["Code"], "0");
  EXPECT_EQ(info["TotalCount"], 1);
  ASSERT_EQ(info["Snapshots"].size(), 1u);
  const Json& s = info["Snapshots"][0];
  for (const char* field :
       {"UUID", "User", "File", "SeqNum", "Name", "Time", "FileLength", "Status", "Progress"}) {
    EXPECT_TRUE(s.contains(field)) << field << " in " << s.dump();
  }
  EXPECT_EQ(s["UUID"], uuid);
  EXPECT_EQ(s["Status"], 1);  // pending
  EXPECT_EQ(s["Progress"], 0);

  ASSERT_TRUE(snapshots_->Run(uuid, stop_).ok());
  info = Call("GetFileSnapshotInfo", {{"File", "/vol"}, {"UUID", uuid}});
  EXPECT_EQ(info["Snapshots"][0]["Status"], 0);
  EXPECT_EQ(info["Snapshots"][0]["Progress"], 100);
  EXPECT_EQ(info["Snapshots"][0]["SeqNum"], 1);
  EXPECT_EQ(info["Snapshots"][0]["FileLength"], kVolumeSize);
}

TEST_F(ServiceTest, TheSnapshotHoldsTheVolumeAsOfTheRequest) {
  MakeVolume(1);
  Json created = Call("CreateSnapshot", {{"File", "/vol"}, {"Name", "a"}});
  ASSERT_EQ(created["Code"], "0");
  EXPECT_TRUE(source_.HasMdsSnapshot("/vol"));
  // Written after the answer, before any worker ran.
  ASSERT_TRUE(source_.Write("/vol", 0, Pattern(0, kChunk, 2)).ok());
  const std::string uuid = created["UUID"].get<std::string>();
  ASSERT_TRUE(snapshots_->Run(uuid, stop_).ok());
  EXPECT_EQ(Snapshot(uuid).status, SnapshotStatus::kDone);
  EXPECT_EQ(*objects_.Get("snapshots/" + uuid + "/chunks/0"), Pattern(0, kChunk, 1));
}

TEST_F(ServiceTest, SecondSnapshotOfAVolumeIsQueued) {
  MakeVolume();
  Json first = Call("CreateSnapshot", {{"File", "/vol"}, {"Name", "a"}});
  Json second = Call("CreateSnapshot", {{"File", "/vol"}, {"Name", "b"}});
  EXPECT_EQ(first["Code"], "0");
  EXPECT_EQ(second["Code"], "0");
  EXPECT_NE(first["UUID"], second["UUID"]);
  EXPECT_EQ(Snapshot(first["UUID"].get<std::string>()).seq, 1u);
  EXPECT_EQ(Snapshot(second["UUID"].get<std::string>()).seq, 0u);  // taken when it starts
  EXPECT_EQ(source_.created_snapshots(), 1);
  Json list = Call("GetFileSnapshotList", {{"File", "/vol"}, {"Status", "1"}});
  EXPECT_EQ(list["TotalCount"], 2);
  ASSERT_TRUE(snapshots_->Run(first["UUID"].get<std::string>(), stop_).ok());
  ASSERT_TRUE(snapshots_->Run(second["UUID"].get<std::string>(), stop_).ok());
  EXPECT_EQ(Snapshot(second["UUID"].get<std::string>()).seq, 2u);
  EXPECT_EQ(Snapshot(second["UUID"].get<std::string>()).status, SnapshotStatus::kDone);
}

TEST_F(ServiceTest, ErrorsCarryUpstreamCodes) {
  MakeVolume();
  struct Case {
    const char* what;
    std::string action;
    Query query;
    std::string code;
    int http;
  };
  std::vector<Case> cases = {
      {"unknown action", "Explode", {}, "-5", 400},
      {"missing File", "CreateSnapshot", {{"Name", "s"}}, "-5", 400},
      {"missing volume", "CreateSnapshot", {{"File", "/nope"}, {"Name", "s"}}, "-8", 500},
      {"another user's volume",
       "CreateSnapshot",
       {{"File", "/vol"}, {"Name", "s"}, {"User", "bob"}},
       "-7",
       500},
      {"unknown snapshot info",
       "GetFileSnapshotInfo",
       {{"File", "/vol"}, {"UUID", "x"}},
       "-8",
       500},
      {"unknown snapshot delete", "DeleteSnapshot", {{"File", "/vol"}, {"UUID", "x"}}, "-8", 500},
      {"unknown snapshot cancel", "CancelSnapshot", {{"File", "/vol"}, {"UUID", "x"}}, "-14", 500},
      {"lazy clone",
       "Clone",
       {{"Source", "/vol"}, {"Destination", "/c"}, {"Lazy", "true"}},
       "-21",
       500},
      {"clone of unknown snapshot",
       "Clone",
       {{"Source", "x"}, {"Destination", "/c"}, {"Lazy", "false"}},
       "-8",
       500},
      {"clone onto an existing volume",
       "Clone",
       {{"Source", "/vol"}, {"Destination", "/vol2"}, {"Lazy", "false"}},
       "-19",
       500},
      {"unknown task", "GetCloneTasks", {{"UUID", "x"}}, "-8", 500},
      {"flatten unknown", "Flatten", {{"UUID", "x"}}, "-8", 500},
      {"clean unknown", "CleanCloneTask", {{"UUID", "x"}}, "-8", 500},
  };
  ASSERT_TRUE(source_.CreateVolume("alice", "/vol2", kVolumeSize, "").ok());
  for (auto& c : cases) {
    Json answer = Call(c.action, c.query);
    EXPECT_EQ(answer["Code"], c.code) << c.what << ": " << answer.dump();
    EXPECT_EQ(http_status_, c.http) << c.what;
  }
  Json lazy = Call("Clone", {{"Source", "/vol"}, {"Destination", "/c"}, {"Lazy", "true"}});
  EXPECT_NE(
      lazy["Message"].get<std::string>().find("lazy clones are not supported; use Lazy=false"),
      std::string::npos)
      << lazy.dump();
  Json bad = Call("GetFileSnapshotList", {{"Limit", "-3"}});
  EXPECT_NE(bad["Message"].get<std::string>().find("parameter Limit"), std::string::npos)
      << bad.dump();
}

TEST_F(ServiceTest, SnapshotLifecycleCodes) {
  MakeVolume();
  Json created = Call("CreateSnapshot", {{"File", "/vol"}, {"Name", "s1"}});
  const std::string pending = created["UUID"].get<std::string>();
  // A clone of an unfinished snapshot is refused.
  EXPECT_EQ(Call("Clone", {{"Source", pending}, {"Destination", "/c"}, {"Lazy", "false"}})["Code"],
            "-15");
  EXPECT_EQ(Call("DeleteSnapshot", {{"File", "/other"}, {"UUID", pending}})["Code"], "-11");
  EXPECT_EQ(Call("CancelSnapshot", {{"File", "/vol"}, {"UUID", pending}})["Code"], "0");
  EXPECT_EQ(Snapshot(pending).status, SnapshotStatus::kCanceling);
  ASSERT_TRUE(snapshots_->Run(pending, stop_).ok());
  EXPECT_EQ(Call("GetFileSnapshotInfo", {{"File", "/vol"}})["TotalCount"], 0);

  const std::string done = DoneSnapshot();
  EXPECT_EQ(Call("CancelSnapshot", {{"File", "/vol"}, {"UUID", done}})["Code"], "-14");
  Json clone = Call(
      "Clone", {{"Source", done}, {"Destination", "/c"}, {"Lazy", "false"}, {"Poolset", "hdd"}});
  ASSERT_EQ(clone["Code"], "0") << clone.dump();
  const std::string task = clone["UUID"].get<std::string>();
  // The snapshot is read by an unfinished clone: it stays.
  EXPECT_EQ(Call("DeleteSnapshot", {{"File", "/vol"}, {"UUID", done}})["Code"], "-16");
  Json ref = Call("GetCloneRefStatus", {{"Source", done}});
  EXPECT_EQ(ref["RefStatus"], 1);
  EXPECT_EQ(ref["CloneFileInfo"][0]["File"], "/c");
  EXPECT_EQ(Call("CleanCloneTask", {{"UUID", task}})["Code"], "-17");
  EXPECT_EQ(Call("Flatten", {{"UUID", task}})["Code"], "-9");

  ASSERT_TRUE(clones_->Run(task, stop_).ok());
  Json tasks = Call("GetCloneTasks", {{"UUID", task}});
  ASSERT_EQ(tasks["TaskInfos"].size(), 1u);
  const Json& t = tasks["TaskInfos"][0];
  for (const char* field : {"UUID", "User", "File", "Src", "TaskType", "TaskStatus", "IsLazy",
                            "NextStep", "Time", "Progress"}) {
    EXPECT_TRUE(t.contains(field)) << field << " in " << t.dump();
  }
  EXPECT_EQ(t["TaskStatus"], 0);
  EXPECT_EQ(t["File"], "/c");
  EXPECT_EQ(t["Src"], done);
  EXPECT_EQ(t["IsLazy"], false);
  EXPECT_EQ(source_.Poolset("/c"), "hdd");
  EXPECT_EQ(Call("GetCloneRefStatus", {{"Source", done}})["RefStatus"], 0);
  EXPECT_EQ(Call("Flatten", {{"UUID", task}})["Code"], "0");
  EXPECT_EQ(Call("GetCloneTaskList", {{"Type", "1"}})["TotalCount"], 0);
  EXPECT_EQ(Call("GetCloneTaskList", {{"Type", "0"}, {"Status", "0"}})["TotalCount"], 1);
  EXPECT_EQ(Call("CleanCloneTask", {{"UUID", task}})["Code"], "0");
  EXPECT_EQ(Call("GetCloneTasks", {})["TotalCount"], 0);
  EXPECT_EQ(source_.Contents("/c").size(), kVolumeSize);  // a done clone keeps its volume

  EXPECT_EQ(Call("DeleteSnapshot", {{"File", "/vol"}, {"UUID", done}})["Code"], "0");
  EXPECT_EQ(Snapshot(done).status, SnapshotStatus::kDeleting);
  ASSERT_TRUE(snapshots_->Run(done, stop_).ok());
  EXPECT_TRUE(Objects().empty());
}

TEST_F(ServiceTest, CleaningAFailedCloneDeletesItsDestination) {
  MakeVolume();
  const std::string done = DoneSnapshot();
  Json clone = Call("Clone", {{"Source", done}, {"Destination", "/c"}, {"Lazy", "false"}});
  const std::string task = clone["UUID"].get<std::string>();
  objects_.InjectError(UnavailableError("s3 is down"));
  EXPECT_FALSE(clones_->Run(task, stop_).ok());
  objects_.ClearError();
  EXPECT_EQ(Clone(task).status, CloneStatus::kError);
  ASSERT_TRUE(source_.StatVolume("alice", "/c").ok());  // half made
  EXPECT_EQ(Call("CleanCloneTask", {{"UUID", task}})["Code"], "0");
  EXPECT_EQ(source_.StatVolume("alice", "/c").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(store_->GetClone(task)->has_value());
}

TEST_F(ServiceTest, PagingAndFilters) {
  MakeVolume();
  for (int i = 0; i < 5; ++i) {
    Call("CreateSnapshot", {{"File", "/vol"}, {"Name", "s" + std::to_string(i)}});
  }
  Json page = Call("GetFileSnapshotInfo", {{"File", "/vol"}, {"Limit", "2"}, {"Offset", "3"}});
  EXPECT_EQ(page["TotalCount"], 5);
  ASSERT_EQ(page["Snapshots"].size(), 2u);
  EXPECT_EQ(page["Snapshots"][0]["Name"], "s3");
  EXPECT_EQ(page["Snapshots"][1]["Name"], "s4");
  EXPECT_EQ(Call("GetFileSnapshotList", {{"Status", "0"}})["TotalCount"], 0);
  EXPECT_EQ(Call("GetFileSnapshotList", {{"User", "bob"}})["TotalCount"], 0);
}

}  // namespace
}  // namespace curve::snapshotclone::testing
