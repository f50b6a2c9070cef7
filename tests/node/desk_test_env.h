// DeskTestBase: the fixture the Desk tests share. Each suite makes one node
// directory (Init fsyncs a lot) and every test works on a fresh copy of it,
// through a NodeStore and a Desk driven by a FakeClock.
//
// Thread-safety: test-only; one test at a time.
#ifndef HOSO_TESTS_NODE_DESK_TEST_ENV_H_
#define HOSO_TESTS_NODE_DESK_TEST_ENV_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "node/desk.h"
#include "node/node_store.h"
#include "schema/data_dir.h"
#include "schema/env.h"
#include "schema/time.h"

namespace hoso::node::testing {

// $HOSO_DATA_DIR (set by ctest) or the compiled-in schema/data.
inline std::string DataDir() {
  const char* env = std::getenv("HOSO_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : HOSO_DATA_DIR;
}

inline UnixMs At(const char* iso) { return ParseIsoTime(iso).value(); }

class DeskTestBase : public ::testing::Test {
 protected:
  // `clock_start`: ISO 8601 instant the FakeClock starts at.
  explicit DeskTestBase(const char* clock_start) : clock_(At(clock_start)) {}

  // Call from the derived fixture's SetUpTestSuite / TearDownTestSuite.
  static void MakeTemplate(const NodeIdentity& identity) {
    char tmpl[] = "/tmp/hoso-desk-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    suite_dir_ = tmpl;
    InitOptions o;
    o.identity = identity;
    o.source_data_dir = DataDir();
    Status s = NodeStore::Init(suite_dir_ + "/template", o);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void RemoveTemplate() { std::filesystem::remove_all(suite_dir_); }

  void SetUp() override {
    dir_ = suite_dir_ + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::copy(suite_dir_ + "/template", dir_, std::filesystem::copy_options::recursive);
    auto store = NodeStore::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    desk_ = std::make_unique<Desk>(store_.get(), Desk::Options{&clock_});
  }
  void TearDown() override {
    desk_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  FakeClock clock_;
  inline static std::string suite_dir_;
  std::string dir_;
  std::unique_ptr<NodeStore> store_;
  std::unique_ptr<Desk> desk_;
};

}  // namespace hoso::node::testing

#endif  // HOSO_TESTS_NODE_DESK_TEST_ENV_H_
