#include "services/attach/attach_cgroup.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/testing/subprocess.h"

namespace curve::attach {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

void Touch(const fs::path& path, const std::string& text = "") { std::ofstream(path) << text; }

// A directory tree shaped like a hybrid /sys/fs/cgroup (cgroup files are plain files here).
TEST(AttachCgroupTest, CreatesTheCgroupInEveryHierarchy) {
  testing::TempDir dir;
  fs::path root = dir.path();
  for (const char* hierarchy : {"cpuset", "memory", "unified"}) {
    fs::create_directories(root / hierarchy);
    Touch(root / hierarchy / "cgroup.procs");
  }
  Touch(root / "cpuset" / "cpuset.cpus", "0-1\n");
  Touch(root / "cpuset" / "cpuset.mems", "0\n");
  fs::create_directory_symlink(root / "memory", root / "memory-alias");
  fs::create_directories(root / "not-a-cgroup");
  // What the kernel creates in a new cpuset cgroup: empty cpus and mems.
  fs::create_directories(root / "cpuset" / "attach");
  Touch(root / "cpuset" / "attach" / "cpuset.cpus");
  Touch(root / "cpuset" / "attach" / "cpuset.mems");

  auto cgroups = PrepareCgroups(root, "attach");
  ASSERT_TRUE(cgroups.ok()) << cgroups.status();
  std::vector<std::string> sorted = *cgroups;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<std::string>{root / "cpuset/attach", root / "memory/attach",
                                              root / "unified/attach"}));
  EXPECT_EQ(Read(root / "cpuset/attach/cpuset.cpus"), "0-1");
  EXPECT_EQ(Read(root / "cpuset/attach/cpuset.mems"), "0");
  EXPECT_FALSE(fs::exists(root / "not-a-cgroup/attach"));
  // Idempotent.
  EXPECT_TRUE(PrepareCgroups(root, "attach").ok());

  // Joining writes the pid to each cgroup.procs; a cgroup without one is named in the error.
  Touch(root / "memory/attach/cgroup.procs");
  Touch(root / "unified/attach/cgroup.procs");
  Status joined = JoinCgroups(1234, {root / "memory/attach", root / "unified/attach"});
  ASSERT_TRUE(joined.ok()) << joined;
  EXPECT_EQ(Read(root / "unified/attach/cgroup.procs"), "1234");
  joined = JoinCgroups(1234, {root / "cpuset/attach"});
  EXPECT_EQ(joined.code(), StatusCode::kInternal);
  EXPECT_NE(joined.message().find((root / "cpuset/attach").string()), std::string::npos) << joined;
}

TEST(AttachCgroupTest, UnifiedRootAndBadRoots) {
  testing::TempDir dir;
  Touch(fs::path(dir.path()) / "cgroup.procs");
  auto cgroups = PrepareCgroups(dir.path(), "attach");
  ASSERT_TRUE(cgroups.ok()) << cgroups.status();
  EXPECT_EQ(*cgroups, std::vector<std::string>{dir.path() + "/attach"});

  testing::TempDir empty;
  auto none = PrepareCgroups(empty.path(), "attach");
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find(empty.path() + " holds no cgroup hierarchy"),
            std::string::npos)
      << none.status();
  EXPECT_EQ(PrepareCgroups(dir.path(), "a/b").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PrepareCgroups(empty.path() + "/missing", "attach").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace curve::attach
