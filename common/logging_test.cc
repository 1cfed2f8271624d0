#include "common/logging.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace curve::log {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(LoggingTest, ParseLevelAcceptsNamesAndRejectsOthers) {
  EXPECT_EQ(*ParseLevel("DEBUG"), spdlog::level::debug);
  EXPECT_EQ(*ParseLevel("warning"), spdlog::level::warn);
  EXPECT_EQ(*ParseLevel("error"), spdlog::level::err);
  auto bad = ParseLevel("loud");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'loud'"), std::string::npos);
  EXPECT_NE(bad.status().message().find("trace, debug, info"), std::string::npos);
}

TEST(LoggingTest, JsonLinesAreValidJsonWithEscapes) {
  std::string path = ::testing::TempDir() + "/logging_test.json";
  std::remove(path.c_str());
  LogOptions options;
  options.format = Format::kJson;
  options.file = path;
  options.level = "debug";
  ASSERT_TRUE(Init(options).ok());
  auto logger = Get("mds");
  logger->debug("op=create volume={} note=\"quoted\"\nnext", "vol1");
  logger->trace("below the level");
  logger->flush();

  std::istringstream lines(ReadFile(path));
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["logger"], "mds");
  EXPECT_EQ(json["level"], "debug");
  EXPECT_EQ(json["msg"], "op=create volume=vol1 note=\"quoted\"\nnext");
  EXPECT_TRUE(json.contains("ts"));
  EXPECT_FALSE(std::getline(lines, line)) << "trace must be filtered: " << line;
  ASSERT_TRUE(Init(LogOptions{}).ok());
}

TEST(LoggingTest, LevelChangesApplyToExistingLoggers) {
  auto logger = Get("csi");
  ASSERT_TRUE(Init(LogOptions{"warn", Format::kText, ""}).ok());
  EXPECT_FALSE(logger->should_log(spdlog::level::info));
  ASSERT_TRUE(Init(LogOptions{"debug", Format::kText, ""}).ok());
  EXPECT_TRUE(logger->should_log(spdlog::level::debug));
  EXPECT_TRUE(Init(LogOptions{}).ok());
}

TEST(LoggingTest, EnvironmentOverridesAndBadValuesAreNamed) {
  setenv("CURVE_LOG_LEVEL", "debug", 1);
  setenv("CURVE_LOG_FORMAT", "json", 1);
  auto options = OptionsFromEnvironment(LogOptions{});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->level, "debug");
  EXPECT_EQ(options->format, Format::kJson);
  setenv("CURVE_LOG_FORMAT", "xml", 1);
  auto bad = OptionsFromEnvironment(LogOptions{});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("CURVE_LOG_FORMAT"), std::string::npos);
  unsetenv("CURVE_LOG_LEVEL");
  unsetenv("CURVE_LOG_FORMAT");
}

TEST(LoggingTest, UnwritableFileIsAnError) {
  LogOptions options;
  options.file = "/etc/hostname/x.log";
  Status status = Init(options);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("/etc/hostname/x.log"), std::string::npos);
}

}  // namespace
}  // namespace curve::log
