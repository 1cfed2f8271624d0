#include "common/config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace curve::config {
namespace {

enum class Media { kSsd, kHdd };

struct DemoOptions {
  std::string listen = "127.0.0.1:6700";
  int64_t copysets = 100;
  bool enable = false;
  std::chrono::milliseconds heartbeat{10000};
  std::vector<std::string> peers;
  Media media = Media::kHdd;

  Status Load(ConfigSource& source) {
    CURVE_RETURN_IF_ERROR(source.Read("listen", &listen));
    CURVE_RETURN_IF_ERROR(source.Read("storage.copysets", &copysets, 1, 10000));
    CURVE_RETURN_IF_ERROR(source.Read("enable", &enable));
    CURVE_RETURN_IF_ERROR(source.Read("heartbeat", &heartbeat, std::chrono::milliseconds(100),
                                      std::chrono::minutes(10)));
    CURVE_RETURN_IF_ERROR(source.Read("peers", &peers));
    return source.ReadEnum<Media>("media", &media, {{"ssd", Media::kSsd}, {"hdd", Media::kHdd}});
  }
};

Result<DemoOptions> LoadFrom(const std::string& yaml) {
  CURVE_ASSIGN_OR_RETURN(auto source, ConfigSource::FromString(yaml, "mds.yaml"));
  DemoOptions options;
  CURVE_RETURN_IF_ERROR(options.Load(source));
  CURVE_RETURN_IF_ERROR(source.CheckNoUnknownKeys());
  return options;
}

TEST(ConfigTest, DefaultsSurviveAnEmptyFile) {
  auto options = LoadFrom("");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->listen, "127.0.0.1:6700");
  EXPECT_EQ(options->copysets, 100);
  EXPECT_EQ(options->heartbeat, std::chrono::milliseconds(10000));
}

TEST(ConfigTest, ReadsEveryType) {
  auto options = LoadFrom(R"(
listen: 0.0.0.0:6701
storage:
  copysets: 42
enable: yes
heartbeat: 5s
peers: [a:1, b:2]
media: ssd
)");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->listen, "0.0.0.0:6701");
  EXPECT_EQ(options->copysets, 42);
  EXPECT_TRUE(options->enable);
  EXPECT_EQ(options->heartbeat, std::chrono::seconds(5));
  EXPECT_EQ(options->peers, (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(options->media, Media::kSsd);
}

// Each bad input must name the origin, the key, the value and what was expected.
TEST(ConfigTest, ErrorsNameFileKeyValueAndExpectation) {
  struct Case {
    std::string yaml;
    std::vector<std::string> fragments;
  };
  std::vector<Case> cases = {
      {"storage:\n  copysets: 0\n",
       {"mds.yaml", "storage.copysets", "'0'", "an integer in [1, 10000]"}},
      {"storage:\n  copysets: many\n", {"storage.copysets", "'many'", "an integer"}},
      {"enable: maybe\n", {"enable", "'maybe'", "true or false"}},
      {"heartbeat: 5 parsecs\n", {"heartbeat", "'5 parsecs'", "a duration"}},
      {"heartbeat: 50ms\n", {"heartbeat", "'50ms'", "between 100ms"}},
      {"media: tape\n", {"media", "'tape'", "one of ssd, hdd"}},
      {"listen: [a, b]\n", {"listen", "a single value"}},
      {"lisen: 1.2.3.4:5\n", {"mds.yaml", "unknown configuration key", "lisen"}},
      {"listen: [unclosed\n", {"mds.yaml", "not valid YAML", "line"}},
      {"- just\n- a list\n", {"mds.yaml", "top level is not a mapping"}},
  };
  for (const auto& c : cases) {
    auto options = LoadFrom(c.yaml);
    ASSERT_FALSE(options.ok()) << c.yaml;
    EXPECT_EQ(options.status().code(), StatusCode::kInvalidArgument) << c.yaml;
    for (const auto& fragment : c.fragments) {
      EXPECT_NE(options.status().message().find(fragment), std::string::npos)
          << "'" << fragment << "' missing from: " << options.status().message();
    }
  }
}

TEST(ConfigTest, FlagsOverrideTheFileAndAreNamedInErrors) {
  std::string path = ::testing::TempDir() + "/config_test.yaml";
  {
    std::ofstream out(path);
    out << "listen: 10.0.0.1:1\nstorage:\n  copysets: 7\n";
  }
  const char* argv[] = {
      "mds", "--config", path.c_str(), "--storage.copysets=9", "--log-level=debug", "positional"};
  auto command_line = ParseCommandLine(6, argv);
  ASSERT_TRUE(command_line.ok()) << command_line.status();
  EXPECT_EQ(command_line->positional, std::vector<std::string>{"positional"});
  DemoOptions options;
  ASSERT_TRUE(LoadOptions(*command_line, {"log-level"}, &options).ok());
  EXPECT_EQ(options.listen, "10.0.0.1:1");
  EXPECT_EQ(options.copysets, 9);

  const char* bad_argv[] = {"mds", "--config", path.c_str(), "--storage.copysets=-1"};
  auto bad_line = ParseCommandLine(4, bad_argv);
  ASSERT_TRUE(bad_line.ok());
  Status status = LoadOptions(*bad_line, {}, &options);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("flag --storage.copysets"), std::string::npos) << status;

  const char* unknown_argv[] = {"mds", "--copysetz=3"};
  auto unknown_line = ParseCommandLine(2, unknown_argv);
  ASSERT_TRUE(unknown_line.ok());
  status = LoadOptions(*unknown_line, {}, &options);
  EXPECT_NE(status.message().find("copysetz"), std::string::npos) << status;
}

TEST(ConfigTest, MissingFileIsNotFound) {
  auto source = ConfigSource::FromFile("/nonexistent/curve.yaml");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kNotFound);
  EXPECT_NE(source.status().message().find("/nonexistent/curve.yaml"), std::string::npos);
}

TEST(ConfigTest, ListsOfMappingsFlattenWithIndexes) {
  auto source = ConfigSource::FromString(
      "servers:\n  - name: s1\n    zone: z1\n  - name: s2\n    zone: z2\n", "topo.yaml");
  ASSERT_TRUE(source.ok()) << source.status();
  ASSERT_EQ(source->ListSize("servers"), 2u);
  std::string name;
  ASSERT_TRUE(source->Read("servers.1.name", &name).ok());
  EXPECT_EQ(name, "s2");
  EXPECT_FALSE(source->CheckNoUnknownKeys().ok());  // the zones and s1 were never read
}

TEST(CommandLineTest, Forms) {
  const char* argv[] = {"curve", "volume", "--size", "10", "--force", "--user=alice", "--", "--x"};
  auto line = ParseCommandLine(8, argv);
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(line->Flag("size"), "10");
  EXPECT_EQ(line->Flag("force"), "true");
  EXPECT_EQ(line->Flag("user"), "alice");
  EXPECT_FALSE(line->Flag("missing").has_value());
  EXPECT_EQ(line->positional, (std::vector<std::string>{"volume", "--x"}));

  const char* bad[] = {"curve", "-x"};
  EXPECT_EQ(ParseCommandLine(2, bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(CommandLineTest, DaemonsTakeFlagsOnly) {
  const char* good[] = {"curve-mds", "--listen=127.0.0.1:0", "--config", "/etc/m.yaml"};
  auto line = ParseFlags(4, good);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->Flag("config"), "/etc/m.yaml");

  // A stray word (e.g. a forgotten "--" before a value) must not be ignored silently.
  const char* stray[] = {"curve-mds", "--listen=127.0.0.1:0", "extra"};
  auto refused = ParseFlags(3, stray);
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("unexpected argument 'extra'"), std::string::npos)
      << refused.status();
}

TEST(ParseIntegerTest, WholeTextInRange) {
  struct Case {
    std::string text;
    bool ok;
    int64_t value;
  };
  const Case cases[] = {
      {"4", true, 4},   {"-3", true, -3},   {"100", true, 100}, {"101", false, 0},
      {"-4", false, 0}, {"4abc", false, 0}, {"abc", false, 0},  {"", false, 0},
      {" 4", false, 0}, {"4 ", false, 0},   {"0x10", false, 0}, {"99999999999999999999", false, 0},
  };
  for (const auto& c : cases) {
    auto parsed = ParseInteger("--workers", c.text, -3, 100);
    ASSERT_EQ(parsed.ok(), c.ok) << "'" << c.text << "': " << parsed.status();
    if (c.ok) {
      EXPECT_EQ(*parsed, c.value) << c.text;
    } else {
      EXPECT_EQ(parsed.status().message(),
                "--workers: '" + c.text + "' is not an integer in [-3, 100]");
    }
  }
}

}  // namespace
}  // namespace curve::config
