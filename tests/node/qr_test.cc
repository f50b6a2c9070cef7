#include "node/qr.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace hoso::node {
namespace {

using Matrix = std::vector<std::vector<bool>>;

// A 40-byte receipt payload: byte mode at level M needs version 3.
const std::string kPayload = ReceiptQrPayload("000.00.17.H29-260312-0007", "7KQ4-M9TX");

// A finder pattern: 7x7 dark ring, light ring, 3x3 dark core, with a light
// separator on its inner sides.
bool FinderAt(const Matrix& m, int top, int left) {
  for (int y = 0; y < 7; ++y) {
    for (int x = 0; x < 7; ++x) {
      const bool ring = y == 0 || y == 6 || x == 0 || x == 6;
      const bool core = y >= 2 && y <= 4 && x >= 2 && x <= 4;
      if (m[top + y][left + x] != (ring || core)) return false;
    }
  }
  return true;
}

// Rebuilds the module grid from the SVG path "M<x> <y>h<n>v1h-<n>z..." (one
// subpath per horizontal run), quiet zone included.
Matrix MatrixFromSvgPath(const std::string& svg, int total) {
  Matrix m(total, std::vector<bool>(total, false));
  const std::string key = "<path fill=\"#000\" d=\"";
  size_t pos = svg.find(key);
  if (pos == std::string::npos) return {};
  pos += key.size();
  const size_t end = svg.find('"', pos);
  std::string d = svg.substr(pos, end - pos);
  const char* p = d.c_str();
  int x = 0, y = 0, run = 0, run2 = 0, used = 0;
  while (*p != '\0') {
    if (std::sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &run, &run2, &used) != 4 || run != run2) {
      return {};
    }
    for (int i = 0; i < run; ++i) m[y][x + i] = true;
    p += used;
  }
  return m;
}

TEST(QrTest, ReceiptPayloadIsHosoColonCodeColonSecret) {
  EXPECT_EQ(kPayload, "HOSO:000.00.17.H29-260312-0007:7KQ4-M9TX");
}

TEST(QrTest, ReceiptPayloadUsesVersion3WhichIs29Modules) {
  auto m = QrMatrix(kPayload);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->size(), 29u);
  for (const auto& row : *m) EXPECT_EQ(row.size(), 29u);
}

TEST(QrTest, ShortTextUsesVersion1WhichIs21Modules) {
  auto m = QrMatrix("HOSO");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->size(), 21u);
}

TEST(QrTest, FinderPatternsSitInThreeCornersOnly) {
  auto m = QrMatrix(kPayload);
  ASSERT_TRUE(m.ok());
  const int n = static_cast<int>(m->size());
  EXPECT_TRUE(FinderAt(*m, 0, 0));
  EXPECT_TRUE(FinderAt(*m, 0, n - 7));
  EXPECT_TRUE(FinderAt(*m, n - 7, 0));
  EXPECT_FALSE(FinderAt(*m, n - 7, n - 7));
  // Separators: the module just inside each finder is light.
  EXPECT_FALSE((*m)[7][7]);
  EXPECT_FALSE((*m)[7][n - 8]);
  EXPECT_FALSE((*m)[n - 8][7]);
}

TEST(QrTest, TimingPatternAlternatesBetweenFinders) {
  auto m = QrMatrix(kPayload);
  ASSERT_TRUE(m.ok());
  const int n = static_cast<int>(m->size());
  for (int i = 8; i < n - 8; ++i) {
    EXPECT_EQ((*m)[6][i], i % 2 == 0) << "row 6, column " << i;
    EXPECT_EQ((*m)[i][6], i % 2 == 0) << "column 6, row " << i;
  }
}

TEST(QrTest, SvgViewBoxCoversSymbolPlusFourModuleQuietZone) {
  auto svg = QrSvg(kPayload, 4);
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_EQ(svg->rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg->find("viewBox=\"0 0 37 37\""), std::string::npos);
  EXPECT_NE(svg->find("width=\"148\" height=\"148\""), std::string::npos);
  EXPECT_NE(svg->find("shape-rendering=\"crispEdges\""), std::string::npos);
  EXPECT_EQ(svg->substr(svg->size() - 6), "</svg>");
}

TEST(QrTest, SvgHasExactlyOnePathOfDarkModules) {
  auto svg = QrSvg(kPayload);
  ASSERT_TRUE(svg.ok());
  const size_t first = svg->find("<path");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(svg->find("<path", first + 1), std::string::npos);
}

TEST(QrTest, SvgPathDrawsExactlyTheMatrixInsideTheQuietZone) {
  auto svg = QrSvg(kPayload, 3);
  auto m = QrMatrix(kPayload);
  ASSERT_TRUE(svg.ok());
  ASSERT_TRUE(m.ok());
  const int n = static_cast<int>(m->size());
  const int total = n + 2 * kQrQuietZoneModules;
  Matrix drawn = MatrixFromSvgPath(*svg, total);
  ASSERT_EQ(static_cast<int>(drawn.size()), total) << "path did not parse";
  for (int y = 0; y < total; ++y) {
    for (int x = 0; x < total; ++x) {
      const bool inside = y >= 4 && y < n + 4 && x >= 4 && x < n + 4;
      const bool want = inside && (*m)[y - 4][x - 4];
      ASSERT_EQ(drawn[y][x], want) << "module " << x << "," << y;
    }
  }
}

TEST(QrTest, SameTextGivesByteIdenticalSvg) {
  auto a = QrSvg(kPayload);
  auto b = QrSvg(kPayload);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  auto other = QrSvg(ReceiptQrPayload("000.00.17.H29-260312-0008", "7KQ4-M9TX"));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*a, *other);
}

TEST(QrTest, EmptyTextIsInvalidArgument) {
  EXPECT_TRUE(QrMatrix("").status().IsInvalidArgument());
  EXPECT_TRUE(QrSvg("").status().IsInvalidArgument());
}

TEST(QrTest, TextBeyondVersion40IsInvalidArgument) {
  // Version 40 at level M holds 2331 bytes in byte mode.
  auto m = QrMatrix(std::string(3000, 'x'));
  EXPECT_TRUE(m.status().IsInvalidArgument()) << m.status().ToString();
  auto big = QrMatrix(std::string(2331, 'x'));
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->size(), 177u);
}

TEST(QrTest, ModuleSizeBelowOnePixelIsInvalidArgument) {
  auto svg = QrSvg(kPayload, 0);
  EXPECT_TRUE(svg.status().IsInvalidArgument());
  EXPECT_EQ(svg.status().field(), "module_px");
}

}  // namespace
}  // namespace hoso::node
