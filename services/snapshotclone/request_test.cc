#include "services/snapshotclone/request.h"

#include <gtest/gtest.h>

namespace curve::snapshotclone {
namespace {

Query Base(const std::string& action) {
  return {{"Action", action}, {"Version", "0.0.6"}, {"User", "alice"}};
}

struct Case {
  const char* name;
  Query query;
  bool ok;
  const char* message_part;  // in the error message (names the parameter)
};

TEST(RequestTest, ValidationTable) {
  auto with = [](Query q, std::initializer_list<std::pair<const std::string, std::string>> more) {
    for (const auto& [k, v] : more) q[k] = v;
    return q;
  };
  const std::vector<Case> cases = {
      {"no action", {{"Version", "0.0.6"}, {"User", "a"}}, false, "parameter Action is missing"},
      {"unknown action", Base("Snapshot"), false, "parameter Action: value 'Snapshot'"},
      {"no version", {{"Action", "CreateSnapshot"}, {"User", "a"}}, false, "parameter Version"},
      {"bad version", with(Base("CreateSnapshot"), {{"Version", "1.0"}}), false, "expected 0.0.6"},
      {"no user",
       {{"Action", "Flatten"}, {"Version", "0.0.6"}, {"UUID", "x"}},
       false,
       "parameter User"},
      {"create ok", with(Base("CreateSnapshot"), {{"File", "/v"}, {"Name", "s"}}), true, ""},
      {"create without File", with(Base("CreateSnapshot"), {{"Name", "s"}}), false,
       "parameter File is missing"},
      {"create without Name", with(Base("CreateSnapshot"), {{"File", "/v"}}), false,
       "parameter Name is missing"},
      {"relative File", with(Base("CreateSnapshot"), {{"File", "v"}, {"Name", "s"}}), false,
       "parameter File: value 'v'"},
      {"File with //", with(Base("CreateSnapshot"), {{"File", "/a//b"}, {"Name", "s"}}), false,
       "parameter File"},
      {"empty Name", with(Base("CreateSnapshot"), {{"File", "/v"}, {"Name", ""}}), false,
       "parameter Name"},
      {"delete without UUID", with(Base("DeleteSnapshot"), {{"File", "/v"}}), false,
       "parameter UUID is missing"},
      {"cancel ok", with(Base("CancelSnapshot"), {{"File", "/v"}, {"UUID", "u"}}), true, ""},
      {"info ok", with(Base("GetFileSnapshotInfo"), {{"File", "/v"}}), true, ""},
      {"info without File", Base("GetFileSnapshotInfo"), false, "parameter File is missing"},
      {"negative Limit", with(Base("GetFileSnapshotList"), {{"Limit", "-1"}}), false,
       "parameter Limit: value '-1'"},
      {"zero Limit", with(Base("GetFileSnapshotList"), {{"Limit", "0"}}), false, "parameter Limit"},
      {"text Offset", with(Base("GetFileSnapshotList"), {{"Offset", "ten"}}), false,
       "parameter Offset: value 'ten'"},
      {"snapshot Status 6", with(Base("GetFileSnapshotList"), {{"Status", "6"}}), false,
       "parameter Status"},
      {"clone Status 7", with(Base("GetCloneTaskList"), {{"Status", "7"}}), true, ""},
      {"Type 2", with(Base("GetCloneTaskList"), {{"Type", "2"}}), false, "parameter Type"},
      {"clone ok",
       with(Base("Clone"), {{"Source", "u1"}, {"Destination", "/d"}, {"Lazy", "false"}}), true, ""},
      {"clone without Lazy", with(Base("Clone"), {{"Source", "u1"}, {"Destination", "/d"}}), false,
       "parameter Lazy is missing"},
      {"clone bad Lazy",
       with(Base("Clone"), {{"Source", "u1"}, {"Destination", "/d"}, {"Lazy", "maybe"}}), false,
       "parameter Lazy: value 'maybe' is invalid: expected true or false"},
      {"clone without Destination", with(Base("Clone"), {{"Source", "u1"}, {"Lazy", "false"}}),
       false, "parameter Destination is missing"},
      {"clone bad Source path",
       with(Base("Clone"), {{"Source", "/a/"}, {"Destination", "/d"}, {"Lazy", "false"}}), false,
       "parameter Source"},
      {"recover from a path",
       with(Base("Recover"), {{"Source", "/a"}, {"Destination", "/d"}, {"Lazy", "false"}}), false,
       "a snapshot UUID"},
      {"flatten without UUID", Base("Flatten"), false, "parameter UUID is missing"},
      {"clean ok", with(Base("CleanCloneTask"), {{"UUID", "u"}}), true, ""},
      {"ref status without Source", Base("GetCloneRefStatus"), false,
       "parameter Source is missing"},
      {"tasks ok", Base("GetCloneTasks"), true, ""},
  };
  for (const auto& c : cases) {
    auto parsed = ParseRequest(c.query);
    EXPECT_EQ(parsed.ok(), c.ok) << c.name << ": " << parsed.status();
    if (!c.ok && !parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << c.name;
      EXPECT_NE(parsed.status().message().find(c.message_part), std::string::npos)
          << c.name << ": " << parsed.status().message();
    }
  }
}

TEST(RequestTest, ParsesValues) {
  Query q = Base("GetCloneTaskList");
  q["Limit"] = "25";
  q["Offset"] = "3";
  q["Status"] = "5";
  q["Type"] = "1";
  q["File"] = "/d";
  auto parsed = ParseRequest(q);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->action, Action::kGetCloneTaskList);
  EXPECT_EQ(parsed->limit, 25);
  EXPECT_EQ(parsed->offset, 3);
  EXPECT_EQ(parsed->status, 5);
  EXPECT_EQ(parsed->type, 1);
  EXPECT_EQ(parsed->file, "/d");
  auto defaults = ParseRequest(Base("GetCloneTasks"));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->limit, 10);
  EXPECT_EQ(defaults->offset, 0);
  Query clone = Base("Clone");
  clone["Source"] = "/src";
  clone["Destination"] = "/dst";
  clone["Lazy"] = "true";
  auto lazy = ParseRequest(clone);
  ASSERT_TRUE(lazy.ok()) << lazy.status();
  EXPECT_EQ(lazy->lazy, true);
  EXPECT_EQ(lazy->source, "/src");
}

TEST(RequestTest, CodesMapToUpstreamMessagesAndHttpStatus) {
  EXPECT_EQ(CodeMessage(code::kSuccess), "Exec success.");
  EXPECT_EQ(CodeMessage(code::kFileNotExist), "File not exist.");
  EXPECT_EQ(HttpStatusOf(code::kSuccess), 200);
  EXPECT_EQ(HttpStatusOf(code::kInvalidRequest), 400);
  EXPECT_EQ(HttpStatusOf(code::kFileNotExist), 500);
  EXPECT_EQ(code::kNotSupport, -21);
}

}  // namespace
}  // namespace curve::snapshotclone
