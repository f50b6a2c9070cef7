#include "central/users.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/central/users_test_util.h"

namespace hoso::central {
namespace {

using testing::kPassword;
using testing::kUnit;
using testing::UsersFixture;
using Code = Status::Code;

class UsersTest : public UsersFixture {};

TEST(RoleTest, NamesRoundTripAndUnknownRolesAreRefused) {
  for (Role r : kAllRoles) {
    auto parsed = ParseRole(RoleName(r));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, r);
  }
  auto bad = ParseRole("courier");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "role");
}

TEST(PasswordHashTest, HashIsArgon2idAtTheGivenCostAndVerifies) {
  auto hash = HashPassword("một mật khẩu dài", PasswordHashCost::Minimum());
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "một mật khẩu dài"));
  EXPECT_FALSE(VerifyPassword(*hash, "mot mat khau dai"));
  EXPECT_FALSE(VerifyPassword("not a hash", "một mật khẩu dài"));
  EXPECT_FALSE(NeedsRehash(*hash, PasswordHashCost::Minimum()));
  EXPECT_TRUE(NeedsRehash(*hash, PasswordHashCost::Interactive()));
  // The same password hashes differently each time (random salt).
  EXPECT_NE(*hash, *HashPassword("một mật khẩu dài", PasswordHashCost::Minimum()));
}

TEST(PasswordHashTest, InteractiveCostIsLibsodiumsInteractiveArgon2id) {
  PasswordHashCost c = PasswordHashCost::Interactive();
  EXPECT_EQ(c.opslimit, 2u);
  EXPECT_EQ(c.memlimit_bytes, size_t{64} << 20);
}

TEST(UsernameTest, IsLowerCasedTrimmedAndAsciiOnly) {
  EXPECT_EQ(*NormaliseUsername("  Nguyen.Van.An "), "nguyen.van.an");
  EXPECT_EQ(*NormaliseUsername("le_thu-ha2"), "le_thu-ha2");
  const std::string bad_names[] = {"", "nguyễn", "a b", ".an", "an@sct", std::string(65, 'a')};
  for (const std::string& bad : bad_names) {
    auto r = NormaliseUsername(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().field(), "username");
    }
  }
}

TEST(PasswordRulesTest, EachRuleIsNamedWithoutRepeatingThePassword) {
  EXPECT_TRUE(ValidatePassword("Mùa xuân 2026!", "an").ok());
  // Ten characters, counted as characters, not bytes.
  EXPECT_TRUE(ValidatePassword("ắắắắắắắắắb", "an").ok());
  struct Case {
    std::string password;
    const char* says;
  } cases[] = {
      {"short1234", "at least 10 characters"},
      {"aaaaaaaaaaaa", "one character repeated"},
      {"xx-nguyen.van.an-2026", "must not contain the username"},
      {"tab\there-and-more", "control character"},
      {std::string("bad utf8 \xC3\x28 padding"), "not valid UTF-8"},
      {std::string(257, 'x') + "y", "at most 256 bytes"},
  };
  for (const Case& c : cases) {
    Status s = ValidatePassword(c.password, "nguyen.van.an");
    ASSERT_FALSE(s.ok()) << c.password;
    EXPECT_EQ(s.field(), "password");
    EXPECT_NE(s.message().find(c.says), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find(c.password), std::string::npos) << s.message();
  }
}

TEST_F(UsersTest, AddedUserIsStoredWithAnArgon2idHashOnly) {
  User u = AddUser("Le.Thu.Ha", Role::kOfficer, kUnit, "Lê Thu Hà");
  EXPECT_EQ(u.username, "le.thu.ha");
  EXPECT_GT(u.user_id, 0);
  auto db = store_->Db();
  ASSERT_TRUE(db.ok());
  auto q = (*db)->Prepare("SELECT password_hash FROM users WHERE username = 'le.thu.ha'");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  const std::string hash = q->ColumnText(0);
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(hash.find(kPassword), std::string::npos);
  EXPECT_TRUE(VerifyPassword(hash, kPassword));
}

TEST_F(UsersTest, VietnameseDisplayNamesRoundTripExactly) {
  const std::string names[] = {"Nguyễn Văn An", "Trần Thị Ánh Tuyết", "Đặng Quốc Bảo",
                               "Phạm Ngọc Ẩn"};
  int i = 0;
  for (const std::string& name : names)
    AddUser("u" + std::to_string(i++), Role::kOfficer, kUnit, name);
  auto list = users_->ListUsers();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 4u);
  for (size_t k = 0; k < 4; ++k) EXPECT_EQ((*list)[k].display_name, names[k]);
  // Spaces are normalised, diacritics kept.
  User spaced = AddUser("spaced", Role::kOfficer, kUnit, "  Hồ   Thị\u00a0Lan ");
  EXPECT_EQ(spaced.display_name, "Hồ Thị Lan");
  EXPECT_EQ(AddUser("plain", Role::kOfficer).display_name, "plain");
}

TEST_F(UsersTest, UsernamesAreUniqueWhateverTheirCase) {
  AddUser("nguyen.van.an", Role::kOfficer);
  NewUser nu;
  nu.username = "NGUYEN.Van.An";
  nu.role = Role::kSupervisor;
  nu.unit_code = kUnit;
  auto again = users_->AddUser(nu, kPassword, Actor::Cli());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kConflict);
  // The schema holds the line too, whatever the code above does.
  auto db = store_->Db();
  ASSERT_TRUE(db.ok());
  EXPECT_FALSE((*db)
                   ->Exec("INSERT INTO users (username, display_name, role, unit_code, "
                          "password_hash, created_at_ms, updated_at_ms) VALUES ('Nguyen.van.an', "
                          "'x', 'officer', 'U1', '$argon2id$x', 1, 1)")
                   .ok());
}

TEST_F(UsersTest, UnitIsRequiredForEveryRoleButAdminAndRefusedForAdmin) {
  NewUser nu;
  nu.username = "ha";
  for (Role r : {Role::kSupervisor, Role::kOfficer, Role::kDispatcher}) {
    nu.role = r;
    auto u = users_->AddUser(nu, kPassword, Actor::Cli());
    ASSERT_FALSE(u.ok()) << RoleName(r);
    EXPECT_EQ(u.status().field(), "unit_code");
  }
  nu.role = Role::kAdmin;
  nu.unit_code = kUnit;
  auto admin = users_->AddUser(nu, kPassword, Actor::Cli());
  ASSERT_FALSE(admin.ok());
  EXPECT_EQ(admin.status().field(), "unit_code");
  nu.role = Role::kOfficer;
  nu.unit_code = "000-17";
  auto bad_unit = users_->AddUser(nu, kPassword, Actor::Cli());
  ASSERT_FALSE(bad_unit.ok());
  EXPECT_EQ(bad_unit.status().field(), "unit_code");
  nu.unit_code = kUnit;
  auto weak = users_->AddUser(nu, "short", Actor::Cli());
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.status().field(), "password");
  EXPECT_TRUE(users_->ListUsers()->empty());
}

TEST_F(UsersTest, EveryChangeIsAuditedWithItsActor) {
  AddUser("an", Role::kOfficer, kUnit, "Nguyễn Văn An");
  Actor admin;
  admin.name = "root.admin";
  admin.role = "admin";
  admin.remote_address = "10.1.2.3";
  ASSERT_TRUE(users_->Disable("AN", admin).ok());
  ASSERT_TRUE(users_->Enable("an", Actor::Cli()).ok());
  ASSERT_TRUE(users_->SetPassword("an", "Một mật khẩu mới", Actor::Cli()).ok());
  auto rows = Audit();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[3].action, kAuditUserAdd);
  EXPECT_EQ(rows[3].target, "an");
  EXPECT_EQ(rows[3].detail.at("role").as_string(), "officer");
  EXPECT_EQ(rows[3].detail.at("display_name").as_string(), "Nguyễn Văn An");
  EXPECT_EQ(rows[3].actor.name.rfind("cli:", 0), 0u);
  EXPECT_EQ(rows[2].action, kAuditUserDisable);
  EXPECT_EQ(rows[2].actor.name, "root.admin");
  EXPECT_EQ(rows[2].actor.remote_address, "10.1.2.3");
  EXPECT_EQ(rows[1].action, kAuditUserEnable);
  EXPECT_EQ(rows[0].action, kAuditUserPasswd);
  EXPECT_EQ(rows[0].at_ms, testing::kT0);
  // The password appears nowhere in the log.
  for (const AuditEntry& e : rows) {
    EXPECT_EQ(ToJson(e.ToJson()).find("mật khẩu"), std::string::npos);
  }
}

TEST_F(UsersTest, DisableTwiceAndUnknownUsersAreRefused) {
  AddUser("an", Role::kOfficer);
  ASSERT_TRUE(users_->Disable("an", Actor::Cli()).ok());
  EXPECT_EQ(users_->Disable("an", Actor::Cli()).code(), Code::kConflict);
  EXPECT_EQ(users_->Enable("nobody", Actor::Cli()).code(), Code::kNotFound);
  EXPECT_EQ(users_->SetPassword("nobody", "Một mật khẩu mới", Actor::Cli()).code(),
            Code::kNotFound);
  EXPECT_EQ(users_->SetPassword("an", "short", Actor::Cli()).code(), Code::kInvalidArgument);
  EXPECT_TRUE(users_->FindUser("AN")->disabled);
  EXPECT_EQ(Audit(kAuditUserDisable).size(), 1u);
}

TEST_F(UsersTest, NewPasswordReplacesTheOldOne) {
  AddUser("an", Role::kOfficer);
  ASSERT_TRUE(users_->SetPassword("an", "Một mật khẩu mới", Actor::Cli()).ok());
  EXPECT_FALSE(auth_->Login("an", kPassword, "").ok());
  EXPECT_TRUE(auth_->Login("an", "Một mật khẩu mới", "").ok());
}

}  // namespace
}  // namespace hoso::central
