#include "central/audit.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/central/users_test_util.h"

namespace hoso::central {
namespace {

using testing::UsersFixture;

class AuditTest : public UsersFixture {
 protected:
  void Append(const Actor& actor, const std::string& action, const std::string& target,
              json::object detail = {}) {
    auto db = store_->Db();
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(AppendAudit(**db, clock_.NowMs(), actor, action, target, detail).ok());
    clock_.Advance(1000);
  }
  Result<AuditPage> List(const AuditQuery& q) {
    HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
    return ListAudit(*db, q);
  }
  static Actor UserActor(const std::string& name, const std::string& unit) {
    Actor a;
    a.name = name;
    a.role = "officer";
    a.unit_code = unit;
    a.remote_address = "10.0.0.1";
    return a;
  }
};

TEST_F(AuditTest, RowsComeBackAsWrittenNewestFirst) {
  Append(Actor::Cli(), "user.add", "an", json::object{{"display_name", "Nguyễn Văn An"}});
  Append(UserActor("an", "000.00.17.H29"), "auth.login", "an");
  Append(Actor::Node("desk-01"), "sync.batch", "");
  auto page = List(AuditQuery());
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->entries.size(), 3u);
  EXPECT_FALSE(page->next_before_id.has_value());
  const AuditEntry& node = page->entries[0];
  EXPECT_EQ(node.actor.name, "node:desk-01");
  EXPECT_TRUE(node.target.empty());
  EXPECT_FALSE(node.actor.role.has_value());
  const AuditEntry& login = page->entries[1];
  EXPECT_EQ(login.at_ms, testing::kT0 + 1000);
  EXPECT_EQ(login.actor.role, "officer");
  EXPECT_EQ(login.actor.unit_code, "000.00.17.H29");
  EXPECT_EQ(login.actor.remote_address, "10.0.0.1");
  EXPECT_EQ(page->entries[2].detail.at("display_name").as_string(), "Nguyễn Văn An");
  json::object j = login.ToJson();
  EXPECT_EQ(j.at("at").as_string(), FormatLocalIso(testing::kT0 + 1000));
  EXPECT_EQ(j.at("unit").as_string(), "000.00.17.H29");
  EXPECT_TRUE(node.ToJson().at("target").is_null());
  EXPECT_TRUE(node.ToJson().at("remote_address").is_null());
}

TEST_F(AuditTest, RowsCannotBeChangedOrDeleted) {
  Append(Actor::Cli(), "user.add", "an");
  auto db = store_->Db();
  ASSERT_TRUE(db.ok());
  for (const char* sql : {"UPDATE audit_log SET action = 'nothing'",
                          "UPDATE audit_log SET detail = '{}' WHERE audit_id = 1",
                          "DELETE FROM audit_log", "DELETE FROM audit_log WHERE audit_id = 1"}) {
    Status s = (*db)->Exec(sql);
    ASSERT_FALSE(s.ok()) << sql;
    EXPECT_NE(s.message().find("the audit log is append-only"), std::string::npos) << s.message();
  }
  auto page = List(AuditQuery());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].action, "user.add");
}

TEST_F(AuditTest, DetailMustBeAJsonObject) {
  auto db = store_->Db();
  ASSERT_TRUE(db.ok());
  EXPECT_FALSE((*db)
                   ->Exec("INSERT INTO audit_log (at_ms, actor, action, detail) "
                          "VALUES (1, 'x', 'y', '[1]')")
                   .ok());
  EXPECT_FALSE(
      (*db)->Exec("INSERT INTO audit_log (at_ms, actor, action) VALUES (1, '', 'y')").ok());
}

TEST_F(AuditTest, FiltersCombineAndAnActionEndingInADotIsAPrefix) {
  Append(UserActor("an", "U1"), "auth.login", "an");
  Append(UserActor("binh", "U2"), "auth.login", "binh");
  Append(UserActor("an", "U1"), "auth.logout", "an");
  Append(UserActor("an", "U1"), "authx.other", "an");
  AuditQuery q;
  q.action = "auth.";
  EXPECT_EQ(List(q)->entries.size(), 3u);
  q.action = "auth";
  EXPECT_EQ(List(q)->entries.size(), 0u);
  q.action = "auth.login";
  EXPECT_EQ(List(q)->entries.size(), 2u);
  q.actor = "an";
  EXPECT_EQ(List(q)->entries.size(), 1u);
  q = AuditQuery();
  q.unit_code = "U2";
  ASSERT_EQ(List(q)->entries.size(), 1u);
  EXPECT_EQ(List(q)->entries[0].actor.name, "binh");
  q = AuditQuery();
  q.since_ms = testing::kT0 + 2000;
  EXPECT_EQ(List(q)->entries.size(), 2u);
}

TEST_F(AuditTest, PagesFollowTheCursorWithoutGapsOrRepeats) {
  for (int i = 0; i < 7; ++i) Append(Actor::Cli(), "user.add", "u" + std::to_string(i));
  AuditQuery q;
  q.limit = 3;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = List(q);
    ASSERT_TRUE(page.ok());
    for (const AuditEntry& e : page->entries) seen.push_back(e.target);
    if (!page->next_before_id) break;
    q.before_id = page->next_before_id;
    // Rows written meanwhile do not disturb the older pages.
    Append(Actor::Cli(), "audit.read", "");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"u6", "u5", "u4", "u3", "u2", "u1", "u0"}));
  q = AuditQuery();
  q.limit = 0;
  EXPECT_EQ(List(q).status().field(), "limit");
}

TEST(AuditQueryTest, QueryStringParametersAreCheckedOneByOne) {
  auto q = AuditQueryFromParams({{"user", "an"},
                                 {"action", "auth."},
                                 {"since", "2026-03-12"},
                                 {"before", "42"},
                                 {"limit", "10"}});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->actor, "an");
  EXPECT_EQ(q->action, "auth.");
  EXPECT_EQ(q->since_ms, LocalToUnixMs(Date{2026, 3, 12}, 0));
  EXPECT_EQ(q->before_id, 42);
  EXPECT_EQ(q->limit, 10);
  auto t = AuditQueryFromParams({{"since", "2026-03-12T08:00:00+07:00"}});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->since_ms, LocalToUnixMs(Date{2026, 3, 12}, 8 * 60));
  EXPECT_EQ(AuditQueryFromParams({})->limit, kDefaultAuditPageSize);
  const std::map<std::string, std::string> bad[] = {
      {{"since", "hôm qua"}}, {{"before", "0"}}, {{"before", "x1"}},
      {{"limit", "1001"}},    {{"limit", "-1"}}, {{"since", "2026-13-40"}}};
  const char* fields[] = {"since", "before", "before", "limit", "limit", "since"};
  for (size_t i = 0; i < std::size(bad); ++i) {
    auto r = AuditQueryFromParams(bad[i]);
    ASSERT_FALSE(r.ok()) << i;
    EXPECT_EQ(r.status().field(), fields[i]) << i;
  }
}

}  // namespace
}  // namespace hoso::central
