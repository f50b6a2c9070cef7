#include "schema/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

namespace hoso {
namespace {

using Code = Status::Code;

constexpr Code kAllCodes[] = {
    Code::kOk,
    Code::kInvalidArgument,
    Code::kNotFound,
    Code::kConflict,
    Code::kUnauthenticated,
    Code::kPermissionDenied,
    Code::kResourceExhausted,
    Code::kUnavailable,
    Code::kCorruption,
    Code::kIoError,
    Code::kInternal,
};

TEST(StatusTest, DefaultIsOkAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::OK().ok());
  EXPECT_TRUE(s.message().empty());
}

TEST(StatusTest, EachFactoryCarriesItsCodeAndMessage) {
  struct Case {
    Status status;
    Code code;
  };
  const Case cases[] = {
      {Status::InvalidArgument("m"), Code::kInvalidArgument},
      {Status::NotFound("m"), Code::kNotFound},
      {Status::Conflict("m"), Code::kConflict},
      {Status::Unauthenticated("m"), Code::kUnauthenticated},
      {Status::PermissionDenied("m"), Code::kPermissionDenied},
      {Status::ResourceExhausted("m"), Code::kResourceExhausted},
      {Status::Unavailable("m"), Code::kUnavailable},
      {Status::Corruption("m"), Code::kCorruption},
      {Status::IoError("m"), Code::kIoError},
      {Status::Internal("m"), Code::kInternal},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(c.status.ok());
    EXPECT_EQ(c.status.code(), c.code);
    EXPECT_EQ(c.status.message(), "m");
  }
}

TEST(StatusTest, PredicatesMatchOnlyTheirOwnCode) {
  EXPECT_TRUE(Status::InvalidArgument("x").IsInvalidArgument());
  EXPECT_TRUE(Status::NotFound("x").IsNotFound());
  EXPECT_TRUE(Status::Conflict("x").IsConflict());
  EXPECT_TRUE(Status::Unavailable("x").IsUnavailable());
  EXPECT_TRUE(Status::Corruption("x").IsCorruption());
  EXPECT_TRUE(Status::IoError("x").IsIoError());
  const Status conflict = Status::Conflict("x");
  EXPECT_FALSE(conflict.IsNotFound());
  EXPECT_FALSE(conflict.IsUnavailable());
  EXPECT_FALSE(conflict.IsInvalidArgument());
  EXPECT_FALSE(Status::OK().IsConflict());
}

TEST(StatusTest, InvalidArgumentNamesTheFieldAtFault) {
  Status s = Status::InvalidArgument("must be 12 digits", "applicant.id_number");
  EXPECT_EQ(s.field(), "applicant.id_number");
  EXPECT_EQ(s.ToString(), "invalid_argument: must be 12 digits (field applicant.id_number)");
  EXPECT_EQ(Status::NotFound("no dossier").ToString(), "not_found: no dossier");
  EXPECT_TRUE(Status::NotFound("no dossier").field().empty());
}

TEST(StatusTest, WithContextPrefixesTheMessageAndKeepsCodeAndField) {
  Status s = Status::InvalidArgument("bad date", "received").WithContext("intake 0007");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "intake 0007: bad date");
  EXPECT_EQ(s.field(), "received");
  Status ok = Status::OK().WithContext("ignored");
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(ok.message().empty());
}

TEST(StatusTest, CodeNamesAreDistinctSnakeCase) {
  std::set<std::string> names;
  for (Code c : kAllCodes) {
    const std::string name = Status::CodeName(c);
    EXPECT_NE(name, "unknown");
    for (char ch : name) EXPECT_TRUE((ch >= 'a' && ch <= 'z') || ch == '_') << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(kAllCodes));
  EXPECT_STREQ(Status::CodeName(Code::kResourceExhausted), "resource_exhausted");
  EXPECT_STREQ(Status::CodeName(Code::kIoError), "io_error");
}

TEST(StatusTest, HttpStatusTellsClientsWhetherToRetry) {
  EXPECT_EQ(Status::HttpStatusFor(Code::kOk), 200);
  EXPECT_EQ(Status::HttpStatusFor(Code::kInvalidArgument), 400);
  EXPECT_EQ(Status::HttpStatusFor(Code::kUnauthenticated), 401);
  EXPECT_EQ(Status::HttpStatusFor(Code::kPermissionDenied), 403);
  EXPECT_EQ(Status::HttpStatusFor(Code::kNotFound), 404);
  EXPECT_EQ(Status::HttpStatusFor(Code::kConflict), 409);
  EXPECT_EQ(Status::HttpStatusFor(Code::kResourceExhausted), 413);
  EXPECT_EQ(Status::HttpStatusFor(Code::kCorruption), 422);
  EXPECT_EQ(Status::HttpStatusFor(Code::kInternal), 500);
  EXPECT_EQ(Status::HttpStatusFor(Code::kUnavailable), 503);
  EXPECT_EQ(Status::HttpStatusFor(Code::kIoError), 507);
  for (Code c : kAllCodes) {
    const int http = Status::HttpStatusFor(c);
    if (c == Code::kOk) continue;
    EXPECT_GE(http, 400) << Status::CodeName(c);
    EXPECT_LT(http, 600) << Status::CodeName(c);
  }
}

TEST(ResultTest, HoldsAValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(r.value(), 42);
  EXPECT_TRUE(r.status().ok());
}

TEST(ResultTest, HoldsAnError) {
  Result<std::string> r = Status::NotFound("no dossier 0007");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), "no dossier 0007");
}

TEST(ResultTest, MoveOnlyValuesCanBeTakenOut) {
  Result<std::unique_ptr<std::string>> r = std::make_unique<std::string>("hồ sơ");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, "hồ sơ");
  EXPECT_EQ(r->get()->size(), std::string("hồ sơ").size());
  std::unique_ptr<std::string> taken = std::move(r).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, "hồ sơ");
}

Status FailIf(bool fail) { return fail ? Status::Unavailable("link down") : Status::OK(); }

Status TwoSteps(bool fail_first, int* reached) {
  HOSO_RETURN_IF_ERROR(FailIf(fail_first));
  *reached = 2;
  return Status::OK();
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtTheFirstError) {
  int reached = 0;
  Status s = TwoSteps(true, &reached);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(reached, 0);
  EXPECT_TRUE(TwoSteps(false, &reached).ok());
  EXPECT_EQ(reached, 2);
}

Result<int> Parse(const std::string& s) {
  if (s.empty()) return Status::InvalidArgument("empty", "days");
  return static_cast<int>(s.size());
}

Result<int> SumOfLengths(const std::string& a, const std::string& b) {
  HOSO_ASSIGN_OR_RETURN(int x, Parse(a));
  HOSO_ASSIGN_OR_RETURN(const int y, Parse(b));
  return x + y;
}

TEST(StatusMacrosTest, AssignOrReturnDeclaresTheValueOrReturnsTheError) {
  auto ok = SumOfLengths("ab", "cde");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);
  auto bad = SumOfLengths("ab", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "days");
}

Status AssignIntoStatus(int* out) {
  HOSO_ASSIGN_OR_RETURN(*out, Parse("four"));
  HOSO_ASSIGN_OR_RETURN(*out, Parse(""));
  *out = -1;
  return Status::OK();
}

TEST(StatusMacrosTest, AssignOrReturnWorksInFunctionsReturningStatus) {
  int out = 0;
  Status s = AssignIntoStatus(&out);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(out, 4);
}

}  // namespace
}  // namespace hoso
