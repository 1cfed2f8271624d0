#include "common/s3/testing/fake_object_store.h"

#include <gtest/gtest.h>

namespace curve::s3 {
namespace {

TEST(FakeObjectStoreTest, PutGetOverwriteDelete) {
  FakeObjectStore store;
  ASSERT_TRUE(store.Put("a/1", "one").ok());
  ASSERT_TRUE(store.Put("a/1", std::string_view("t\0o", 3)).ok());
  EXPECT_EQ(*store.Get("a/1"), std::string("t\0o", 3));
  ASSERT_TRUE(store.Put("empty", "").ok());
  EXPECT_EQ(*store.Get("empty"), "");
  EXPECT_TRUE(store.Delete("a/1").ok());
  EXPECT_TRUE(store.Delete("a/1").ok());  // absent is OK
  EXPECT_EQ(store.Get("a/1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.size(), 1u);
}

TEST(FakeObjectStoreTest, ListsByPrefixSorted) {
  FakeObjectStore store;
  for (const char* key : {"b/2", "a/2", "a/1", "ab", "b/1"}) ASSERT_TRUE(store.Put(key, "").ok());
  EXPECT_EQ(*store.List("a/"), (std::vector<std::string>{"a/1", "a/2"}));
  EXPECT_EQ(*store.List("a"), (std::vector<std::string>{"a/1", "a/2", "ab"}));
  EXPECT_EQ(*store.List(""), (std::vector<std::string>{"a/1", "a/2", "ab", "b/1", "b/2"}));
  EXPECT_TRUE(store.List("c")->empty());
}

TEST(FakeObjectStoreTest, RejectsInvalidKeysLikeS3) {
  FakeObjectStore store;
  EXPECT_EQ(store.Put("", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Get(std::string(1025, 'k')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Delete("bad\xff").code(), StatusCode::kInvalidArgument);
}

TEST(FakeObjectStoreTest, InjectedErrorsFailEveryCallUntilCleared) {
  FakeObjectStore store;
  ASSERT_TRUE(store.Put("k", "v").ok());
  store.InjectError(UnavailableError("store down"));
  EXPECT_EQ(store.Put("k", "w").code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.Get("k").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.Delete("k").code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.List("").status().code(), StatusCode::kUnavailable);
  store.ClearError();
  EXPECT_EQ(*store.Get("k"), "v");
  FakeObjectStore::Stats stats = store.stats();
  EXPECT_EQ(stats.puts, 2);
  EXPECT_EQ(stats.gets, 2);
  EXPECT_EQ(stats.deletes, 1);
  EXPECT_EQ(stats.lists, 1);
}

}  // namespace
}  // namespace curve::s3
