#include "schema/tariff.h"
#include "schema/data_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace hoso {
namespace {

std::string DataDir() {
  const char* env = std::getenv("HOSO_DATA_DIR");
  return env != nullptr ? env : HOSO_DATA_DIR;
}

TEST(TariffTest, RealTariffLoadsAndDistinguishesZones) {
  auto t = Tariff::Load(DataDir() + "/tariff.json");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_FALSE(t->version().empty());
  const PostalFee same = t->PostalReturnFee("Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh");
  const PostalFee other = t->PostalReturnFee("Thành phố Hồ Chí Minh", "Tỉnh Cao Bằng");
  EXPECT_EQ(same.zone, "same_province");
  EXPECT_EQ(other.zone, "other_province");
  EXPECT_GT(same.amount_vnd, 0);
  EXPECT_GE(other.amount_vnd, same.amount_vnd);
}

TEST(TariffTest, ProvinceComparisonIgnoresAccentsAndPrefix) {
  auto t = Tariff::Parse(R"({"format":"hoso.tariff/1","version":"x","effective_from":"2026-01-01",
    "postal_return":{"same_province_vnd":1,"other_province_vnd":2,"verified":true}})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->PostalReturnFee("Tỉnh Quảng Trị", "quang tri").amount_vnd, 1);
  EXPECT_EQ(t->PostalReturnFee("Tỉnh Quảng Trị", "Quảng Ngãi").amount_vnd, 2);
  EXPECT_TRUE(t->PostalReturnFee("a", "a").verified);
}

TEST(TariffTest, MalformedTariffNamesTheField) {
  auto t = Tariff::Parse(R"({"format":"hoso.tariff/1","version":"x","effective_from":"2026-01-01",
    "postal_return":{"same_province_vnd":"cheap","other_province_vnd":2,"verified":true}})");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().field(), "postal_return.same_province_vnd");
  auto u = Tariff::Parse(R"({"format":"hoso.tariff/9"})");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().field(), "format");
  auto v = Tariff::Parse(R"({"format":"hoso.tariff/1","version":"x","effective_from":"2026-13-01",
    "postal_return":{"same_province_vnd":1,"other_province_vnd":2,"verified":true}})");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().field(), "effective_from");
}

}  // namespace
}  // namespace hoso
