#include "schema/env.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

namespace hoso {
namespace {

using Code = Status::Code;

TEST(FakeClockTest, StartsAtTheGivenInstantAndMovesOnlyWhenTold) {
  FakeClock clock(1773277500000);
  EXPECT_EQ(clock.NowMs(), 1773277500000);
  EXPECT_EQ(clock.MonotonicMs(), 0);
  EXPECT_EQ(clock.NowMs(), 1773277500000);
}

TEST(FakeClockTest, AdvanceMovesWallAndMonotonicTime) {
  FakeClock clock(1000);
  clock.Advance(250);
  EXPECT_EQ(clock.NowMs(), 1250);
  EXPECT_EQ(clock.MonotonicMs(), 250);
}

TEST(FakeClockTest, SetJumpsWallTimeButNotMonotonicTime) {
  FakeClock clock(1000);
  clock.Advance(10);
  clock.Set(500);  // a device clock corrected backwards
  EXPECT_EQ(clock.NowMs(), 500);
  EXPECT_EQ(clock.MonotonicMs(), 10);
}

TEST(SystemClockTest, IsAfter2025AndMonotonicNeverGoesBack) {
  Clock* clock = SystemClock();
  ASSERT_NE(clock, nullptr);
  EXPECT_EQ(clock, SystemClock());
  EXPECT_GT(clock->NowMs(), 1735689600000);  // 2025-01-01T00:00:00Z
  int64_t prev = clock->MonotonicMs();
  for (int i = 0; i < 1000; ++i) {
    const int64_t now = clock->MonotonicMs();
    ASSERT_GE(now, prev);
    prev = now;
  }
}

class FileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hoso_env_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string PathOf(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
  FileSystem* fs_ = PosixFileSystem();
};

TEST_F(FileSystemTest, WriteThenReadRoundTripsBinaryData) {
  const char kData[] = "Biên nhận\0\x01\xff tail";
  const std::string data(kData, sizeof kData - 1);
  ASSERT_TRUE(fs_->WriteFileAtomic(PathOf("receipt.bin"), data).ok());
  auto read = fs_->ReadFile(PathOf("receipt.bin"));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, data);
}

TEST_F(FileSystemTest, LargeFilesRoundTrip) {
  std::string data(300 * 1024, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + 7);
  ASSERT_TRUE(fs_->WriteFileAtomic(PathOf("big"), data).ok());
  auto read = fs_->ReadFile(PathOf("big"));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, data);
}

TEST_F(FileSystemTest, AtomicWriteReplacesContentAndLeavesNoTempFile) {
  ASSERT_TRUE(fs_->WriteFileAtomic(PathOf("settings.json"), "{\"v\":1, \"long\":true}").ok());
  ASSERT_TRUE(fs_->WriteFileAtomic(PathOf("settings.json"), "{\"v\":2}").ok());
  auto read = fs_->ReadFile(PathOf("settings.json"));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, "{\"v\":2}");
  auto names = fs_->ListDir(dir_);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"settings.json"});
}

TEST_F(FileSystemTest, WriteAppliesTheRequestedMode) {
  ASSERT_TRUE(fs_->WriteFileAtomic(PathOf("node.key"), "secret", 0600).ok());
  ASSERT_TRUE(fs_->WriteFileAtomic(PathOf("public.txt"), "hello", 0644).ok());
  struct stat st;
  ASSERT_EQ(::stat(PathOf("node.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(PathOf("public.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(FileSystemTest, ReadingAMissingFileIsNotFound) {
  auto read = fs_->ReadFile(PathOf("nothing"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), Code::kNotFound);
  EXPECT_NE(read.status().message().find(PathOf("nothing")), std::string::npos);
}

TEST_F(FileSystemTest, WriteIntoAMissingDirectoryFails) {
  Status s = fs_->WriteFileAtomic(PathOf("no/such/dir/file"), "x");
  EXPECT_EQ(s.code(), Code::kNotFound) << s.ToString();
}

TEST_F(FileSystemTest, CreateDirsMakesParentsAndAcceptsExistingOnes) {
  const std::string deep = PathOf("export/2026/03/12");
  ASSERT_TRUE(fs_->CreateDirs(deep).ok());
  EXPECT_TRUE(std::filesystem::is_directory(deep));
  EXPECT_TRUE(fs_->CreateDirs(deep).ok());
  EXPECT_TRUE(fs_->CreateDirs(PathOf("export")).ok());
}

TEST_F(FileSystemTest, CreateDirsOverAFileFails) {
  ASSERT_TRUE(fs_->WriteFileAtomic(PathOf("plain"), "x").ok());
  EXPECT_FALSE(fs_->CreateDirs(PathOf("plain")).ok());
  EXPECT_FALSE(fs_->CreateDirs(PathOf("plain/sub")).ok());
  EXPECT_EQ(fs_->CreateDirs("").code(), Code::kInvalidArgument);
}

TEST_F(FileSystemTest, ListDirReturnsSortedNamesWithoutDots) {
  for (const char* name : {"b.batch", "a.batch", "c.ack"}) {
    ASSERT_TRUE(fs_->WriteFileAtomic(PathOf(name), name).ok());
  }
  ASSERT_TRUE(fs_->CreateDirs(PathOf("sub")).ok());
  auto names = fs_->ListDir(dir_);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a.batch", "b.batch", "c.ack", "sub"}));
  auto missing = fs_->ListDir(PathOf("missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST_F(FileSystemTest, ExistsRemoveAndRename) {
  EXPECT_FALSE(fs_->Exists(PathOf("f")));
  ASSERT_TRUE(fs_->WriteFileAtomic(PathOf("f"), "data").ok());
  EXPECT_TRUE(fs_->Exists(PathOf("f")));
  EXPECT_TRUE(fs_->Exists(dir_));

  ASSERT_TRUE(fs_->Rename(PathOf("f"), PathOf("g")).ok());
  EXPECT_FALSE(fs_->Exists(PathOf("f")));
  auto moved = fs_->ReadFile(PathOf("g"));
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, "data");
  EXPECT_EQ(fs_->Rename(PathOf("f"), PathOf("h")).code(), Code::kNotFound);

  ASSERT_TRUE(fs_->Remove(PathOf("g")).ok());
  EXPECT_FALSE(fs_->Exists(PathOf("g")));
  EXPECT_EQ(fs_->Remove(PathOf("g")).code(), Code::kNotFound);
}

class FaultInjectionTest : public FileSystemTest {
 protected:
  FaultInjectionFileSystem faulty_{PosixFileSystem()};
};

TEST_F(FaultInjectionTest, PassesEverythingThroughWhenNoFaultIsSet) {
  ASSERT_TRUE(faulty_.CreateDirs(PathOf("d"), 0755).ok());
  ASSERT_TRUE(faulty_.WriteFileAtomic(PathOf("d/f"), "x", 0644).ok());
  ASSERT_TRUE(faulty_.Rename(PathOf("d/f"), PathOf("d/g")).ok());
  EXPECT_TRUE(faulty_.Exists(PathOf("d/g")));
  auto names = faulty_.ListDir(PathOf("d"));
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"g"});
  EXPECT_EQ(faulty_.writes(), 3);
}

TEST_F(FaultInjectionTest, NthWriteFailsOnceAndLeavesOldContent) {
  ASSERT_TRUE(faulty_.WriteFileAtomic(PathOf("f"), "v0", 0644).ok());
  faulty_.FailNthWrite(2);
  EXPECT_EQ(faulty_.writes(), 0);
  EXPECT_TRUE(faulty_.WriteFileAtomic(PathOf("f"), "v1", 0644).ok());
  Status second = faulty_.WriteFileAtomic(PathOf("f"), "v2", 0644);
  EXPECT_EQ(second.code(), Code::kIoError);
  EXPECT_NE(second.message().find("injected"), std::string::npos) << second.ToString();
  auto read = faulty_.ReadFile(PathOf("f"));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, "v1");
  EXPECT_TRUE(faulty_.WriteFileAtomic(PathOf("f"), "v3", 0644).ok());
  EXPECT_EQ(faulty_.writes(), 3);
}

TEST_F(FaultInjectionTest, EachKindOfWriteCountsTowardsTheFailure) {
  faulty_.FailNthWrite(2);
  EXPECT_TRUE(faulty_.CreateDirs(PathOf("d"), 0755).ok());
  EXPECT_EQ(faulty_.CreateDirs(PathOf("e"), 0755).code(), Code::kIoError);
  EXPECT_FALSE(std::filesystem::exists(PathOf("e")));

  ASSERT_TRUE(faulty_.WriteFileAtomic(PathOf("a"), "x", 0644).ok());
  faulty_.FailNthWrite(1);
  EXPECT_EQ(faulty_.Rename(PathOf("a"), PathOf("b")).code(), Code::kIoError);
  EXPECT_TRUE(faulty_.Exists(PathOf("a")));
  // Removal and reads are not writes.
  faulty_.FailNthWrite(1);
  EXPECT_TRUE(faulty_.ReadFile(PathOf("a")).ok());
  EXPECT_TRUE(faulty_.Remove(PathOf("a")).ok());
  EXPECT_EQ(faulty_.writes(), 0);
}

TEST_F(FaultInjectionTest, FullDiskFailsEveryWriteUntilCleared) {
  faulty_.SetDiskFull(true);
  for (int i = 0; i < 3; ++i) {
    Status s = faulty_.WriteFileAtomic(PathOf("f"), "x", 0644);
    EXPECT_EQ(s.code(), Code::kIoError);
    EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.ToString();
  }
  EXPECT_FALSE(faulty_.CreateDirs(PathOf("d"), 0755).ok());
  EXPECT_FALSE(faulty_.Exists(PathOf("f")));
  faulty_.SetDiskFull(false);
  EXPECT_TRUE(faulty_.WriteFileAtomic(PathOf("f"), "x", 0644).ok());
}

TEST(ErrnoStatusTest, MapsErrnoToWhatTheCallerShouldDo) {
  EXPECT_EQ(ErrnoStatus(ENOENT, "open x").code(), Code::kNotFound);
  EXPECT_EQ(ErrnoStatus(EACCES, "open x").code(), Code::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus(EPERM, "open x").code(), Code::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus(EEXIST, "mkdir x").code(), Code::kConflict);
  EXPECT_EQ(ErrnoStatus(EAGAIN, "read x").code(), Code::kUnavailable);
  EXPECT_EQ(ErrnoStatus(EINTR, "read x").code(), Code::kUnavailable);
  EXPECT_EQ(ErrnoStatus(ENOSPC, "write x").code(), Code::kIoError);
  EXPECT_EQ(ErrnoStatus(EIO, "write x").code(), Code::kIoError);
}

TEST(ErrnoStatusTest, MessageNamesTheOperationAndTheReason) {
  Status s = ErrnoStatus(ENOSPC, "write /data/outbox/0001.batch");
  EXPECT_EQ(s.message(), "write /data/outbox/0001.batch: No space left on device");
}

}  // namespace
}  // namespace hoso
