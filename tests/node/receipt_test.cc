#include "node/receipt.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "node/print_util.h"
#include "node/qr.h"
#include "schema/time.h"

namespace hoso::node {
namespace {

constexpr char kFullId[] = "079203001234";
constexpr char kRepFullId[] = "001099007777";

NodeIdentity Unit() {
  NodeIdentity u;
  u.node_id = "desk-h29-01";
  u.name = "Bộ phận một cửa Sở Công Thương TP.HCM";
  u.unit_code = "000.00.17.H29";
  u.role = "desk";
  u.province = "Thành phố Hồ Chí Minh";
  return u;
}

Dossier MakeDossier() {
  Dossier d;
  d.code = "000.00.17.H29-260312-0007";
  d.lookup_secret = "7KQ4-M9TX";
  d.status = 2;
  d.procedure_id = "2.000620";
  d.procedure_code = "2.000620";
  d.procedure_name_vi = "Cấp Giấy phép bán lẻ rượu";
  d.procedure_name_en = "Issue alcohol retail licence";
  d.applicant.kind = "person";
  d.applicant.full_name = "Nguyễn Văn An";
  // Deliberately set: stored dossiers should not carry it, but a print must
  // never show it even if one does.
  d.applicant.id_number = kFullId;
  d.applicant.phone = "0903123456";
  d.applicant.address = {"Thành phố Hồ Chí Minh", "Phường Sài Gòn", "12 Lê Lợi"};
  d.id_masked = "********1234";
  d.applicant_type = "household";
  d.area = "urban";
  d.documents = {
      {"don", "Đơn đề nghị cấp Giấy phép bán lẻ rượu", "Application form", "original", 1},
      {"dkkd", "Giấy chứng nhận đăng ký kinh doanh", "Business registration certificate",
       "certified_copy", 2},
  };
  d.channel = "desk";
  d.clerk = "Lê Thu Hà";
  d.received_at = LocalToUnixMs({2026, 3, 12}, 8 * 60 + 5);
  d.counted_from = d.received_at;
  d.appointment = LocalToUnixMs({2026, 3, 24}, 8 * 60 + 5);
  d.processing_kind = "working_days";
  d.processing_days = 8;
  d.fee_vnd = 1200000;
  d.catalog_version = "2026.1";
  d.calendar_version = "2026.2";
  d.tariff_version = "2026.3";
  return d;
}

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// ---- Form 01, A5 HTML ----

TEST(ReceiptHtmlTest, IsStandaloneA5PageWithPrintButtonHiddenInPrint) {
  const std::string html = ReceiptHtml(MakeDossier(), Unit(), "vi");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"vi\">", 0), 0u);
  EXPECT_TRUE(Has(html, "<meta charset=\"utf-8\">"));
  EXPECT_TRUE(Has(html, "@page{size:A5 portrait;margin:12mm}"));
  EXPECT_TRUE(Has(html, ">In / Print</button>"));
  EXPECT_TRUE(Has(html, "@media print{.toolbar{display:none}}"));
  EXPECT_TRUE(Has(html, "</html>\n"));
  // Nothing fetched from elsewhere.
  for (const char* external : {"<link", "<img", "src=", "url(", "@import"}) {
    EXPECT_FALSE(Has(html, external)) << external;
  }
}

TEST(ReceiptHtmlTest, ShowsMottoUnitTitleAndFormNumber) {
  const std::string html = ReceiptHtml(MakeDossier(), Unit(), "vi");
  EXPECT_TRUE(Has(html, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
  EXPECT_TRUE(Has(html, "Độc lập - Tự do - Hạnh phúc"));
  EXPECT_TRUE(Has(html, "Bộ phận một cửa Sở Công Thương TP.HCM"));
  EXPECT_TRUE(Has(html, "Mã đơn vị: 000.00.17.H29"));
  EXPECT_TRUE(Has(html, "<h1>GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ</h1>"));
  EXPECT_TRUE(Has(html, "Mẫu số 01"));
  EXPECT_TRUE(Has(html, "Thành phố Hồ Chí Minh, ngày 12 tháng 03 năm 2026"));
}

TEST(ReceiptHtmlTest, ShowsCodeSecretAndMaskedIdButNeverTheFullId) {
  Dossier d = MakeDossier();
  d.representative = Representative{"Trần Thị Bình", kRepFullId, "Giấy ủy quyền số 12/2026/GUQ"};
  d.representative_id_masked = "********7777";
  const std::string html = ReceiptHtml(d, Unit(), "vi");
  EXPECT_TRUE(Has(html, "<div class=\"code\">000.00.17.H29-260312-0007</div>"));
  EXPECT_TRUE(Has(html, "Mã tra cứu</div><div class=\"secret\">7KQ4-M9TX</div>"));
  EXPECT_TRUE(Has(html, "<tr><th>Số định danh cá nhân</th><td>********1234</td></tr>"));
  EXPECT_TRUE(Has(html, "Trần Thị Bình (số định danh ********7777)"));
  EXPECT_TRUE(Has(html, "Giấy ủy quyền số 12/2026/GUQ"));
  EXPECT_FALSE(Has(html, kFullId));
  EXPECT_FALSE(Has(html, kRepFullId));
  EXPECT_FALSE(Has(ReceiptHtml(d, Unit(), "en"), kFullId));
}

TEST(ReceiptHtmlTest, EscapesEveryPieceOfData) {
  Dossier d = MakeDossier();
  d.applicant.full_name = "Nguyễn <b>Văn</b> & \"An\"";
  d.procedure_name_vi = "<script>alert(1)</script>";
  d.documents[0].name_vi = "Đơn 'A' & <B>";
  d.clerk = "Lê <i>Hà</i>";
  d.code = "X<1>";
  d.note = "ghi chú </p><p>";
  const std::string html = ReceiptHtml(d, Unit(), "vi");
  EXPECT_TRUE(Has(html, "Nguyễn &lt;b&gt;Văn&lt;/b&gt; &amp; &quot;An&quot;"));
  EXPECT_TRUE(Has(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(Has(html, "Đơn &#39;A&#39; &amp; &lt;B&gt;"));
  EXPECT_TRUE(Has(html, "Lê &lt;i&gt;Hà&lt;/i&gt;"));
  EXPECT_TRUE(Has(html, "X&lt;1&gt;"));
  EXPECT_TRUE(Has(html, "ghi chú &lt;/p&gt;&lt;p&gt;"));
  for (const char* raw : {"<b>Văn", "<script>", "<B>", "<i>Hà", "X<1>", "\"An\""}) {
    EXPECT_FALSE(Has(html, raw)) << raw;
  }
}

TEST(ReceiptHtmlTest, ShowsAppointmentInWordsAndDigits) {
  const std::string html = ReceiptHtml(MakeDossier(), Unit(), "vi");
  EXPECT_TRUE(Has(html,
                  "5. Hẹn trả kết quả: 08 giờ 05 phút, thứ Ba, ngày 24 tháng 03 năm 2026 "
                  "(24/03/2026 08:05)"));
  EXPECT_TRUE(Has(html,
                  "4. Thời gian nhận hồ sơ: 08 giờ 05 phút, thứ Năm, ngày 12 tháng 03 năm "
                  "2026</p>"));
}

TEST(ReceiptHtmlTest, IntakeAfterHoursSaysWhenTheClockStarted) {
  Dossier d = MakeDossier();
  d.received_at = LocalToUnixMs({2026, 3, 12}, 17 * 60 + 40);
  d.counted_from = LocalToUnixMs({2026, 3, 13}, 7 * 60 + 30);
  const std::string html = ReceiptHtml(d, Unit(), "vi");
  EXPECT_TRUE(Has(html, "thời hạn tính từ 07 giờ 30 phút, thứ Sáu, ngày 13 tháng 03 năm 2026"));
  EXPECT_FALSE(Has(ReceiptHtml(MakeDossier(), Unit(), "vi"), "thời hạn tính từ"));
}

TEST(ReceiptHtmlTest, ListsEachDocumentReceivedAsATableRow) {
  const std::string html = ReceiptHtml(MakeDossier(), Unit(), "vi");
  EXPECT_TRUE(Has(html,
                  "<th class=\"n\">STT</th><th>Tên giấy tờ</th><th>Hình thức</th>"
                  "<th class=\"n\">Số lượng</th>"));
  EXPECT_TRUE(Has(html,
                  "<tr><td class=\"n\">1</td><td>Đơn đề nghị cấp Giấy phép bán lẻ rượu</td>"
                  "<td>Bản chính</td><td class=\"n\">1</td></tr>"));
  EXPECT_TRUE(Has(html,
                  "<tr><td class=\"n\">2</td><td>Giấy chứng nhận đăng ký kinh doanh</td>"
                  "<td>Bản sao chứng thực</td><td class=\"n\">2</td></tr>"));
}

TEST(ReceiptHtmlTest, ShowsProcedureProcessingTimeFeeAndReturnAtDesk) {
  const std::string html = ReceiptHtml(MakeDossier(), Unit(), "vi");
  EXPECT_TRUE(Has(html, "<tr><th>Nội dung yêu cầu giải quyết</th><td>Cấp Giấy phép bán lẻ rượu"));
  EXPECT_TRUE(Has(html, "<tr><th>Mã thủ tục</th><td>2.000620</td></tr>"));
  EXPECT_TRUE(Has(html, "3. Thời gian giải quyết hồ sơ theo quy định: 8 ngày làm việc"));
  EXPECT_TRUE(Has(html, "7. Phí, lệ phí: 1.200.000 đ"));
  EXPECT_TRUE(Has(html, "6. Nhận kết quả: trực tiếp tại Bộ phận tiếp nhận và trả kết quả"));
  EXPECT_TRUE(Has(html,
                  "<tr><th>Địa chỉ</th><td>12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí "
                  "Minh</td></tr>"));
  EXPECT_TRUE(Has(html, "<tr><th>Điện thoại</th><td>0903123456</td></tr>"));
}

TEST(ReceiptHtmlTest, UnverifiedFeeIsPrintedAsNotVerified) {
  Dossier d = MakeDossier();
  d.fee_vnd.reset();
  EXPECT_TRUE(Has(ReceiptHtml(d, Unit(), "vi"), "7. Phí, lệ phí: chưa xác minh"));
  EXPECT_TRUE(Has(ReceiptHtml(d, Unit(), "en"), "7. Fees: not verified"));
}

TEST(ReceiptHtmlTest, ReturnByPostShowsRecipientAddressAndPostalFee) {
  Dossier d = MakeDossier();
  d.return_method.method = "post";
  d.return_method.recipient_name = "Nguyễn Văn An";
  d.return_method.recipient_phone = "0903123456";
  d.return_method.address = {"Tỉnh Đồng Nai", "Phường Trấn Biên", "5 Đường 30/4"};
  d.postal_fee_vnd = 30000;
  const std::string html = ReceiptHtml(d, Unit(), "vi");
  EXPECT_TRUE(Has(html,
                  "6. Nhận kết quả: qua dịch vụ bưu chính công ích đến Nguyễn Văn An, 0903123456, "
                  "5 Đường 30/4, Phường Trấn Biên, Tỉnh Đồng Nai; cước bưu chính: 30.000 đ"));
}

TEST(ReceiptHtmlTest, ProcessingTimeWordingFollowsTheCatalogKind) {
  Dossier d = MakeDossier();
  d.processing_kind = "calendar_days";
  d.processing_days = 20;
  EXPECT_TRUE(Has(ReceiptHtml(d, Unit(), "vi"), "theo quy định: 20 ngày</p>"));
  d.processing_kind = "none";
  d.processing_days = 0;
  d.appointment = 0;
  const std::string html = ReceiptHtml(d, Unit(), "vi");
  EXPECT_TRUE(Has(html, "theo quy định: Không quy định</p>"));
  EXPECT_TRUE(Has(html, "5. Hẹn trả kết quả: Không quy định"));
}

TEST(ReceiptHtmlTest, BusinessApplicantShowsNameTaxCodeAndLegalRepresentative) {
  Dossier d = MakeDossier();
  d.applicant.kind = "business";
  d.applicant.business_name = "Công ty TNHH Rượu Sài Gòn";
  d.applicant.tax_code = "0312345678";
  d.id_masked.clear();
  const std::string html = ReceiptHtml(d, Unit(), "vi");
  EXPECT_TRUE(Has(html, "<tr><th>Tổ chức</th><td><b>Công ty TNHH Rượu Sài Gòn</b></td></tr>"));
  EXPECT_TRUE(Has(html, "<tr><th>Mã số thuế</th><td>0312345678</td></tr>"));
  EXPECT_TRUE(Has(html, "<tr><th>Người đại diện theo pháp luật</th><td>Nguyễn Văn An</td></tr>"));
  EXPECT_FALSE(Has(html, "Số định danh cá nhân"));
}

TEST(ReceiptHtmlTest, SignatureLinesNameSubmitterAndClerk) {
  const std::string html = ReceiptHtml(MakeDossier(), Unit(), "vi");
  EXPECT_TRUE(Has(html,
                  "<div class=\"role\">Người nộp hồ sơ</div><div class=\"hint\">(Ký và ghi "
                  "rõ họ tên)</div><div class=\"space\"></div><div class=\"name\">Nguyễn "
                  "Văn An</div>"));
  EXPECT_TRUE(Has(html,
                  "<div class=\"role\">Người tiếp nhận hồ sơ</div><div class=\"hint\">(Ký "
                  "và ghi rõ họ tên)</div><div class=\"space\"></div><div "
                  "class=\"name\">Lê Thu Hà</div>"));
}

TEST(ReceiptHtmlTest, EmbedsQrOfCodeAndSecretOnly) {
  const Dossier d = MakeDossier();
  const std::string html = ReceiptHtml(d, Unit(), "vi");
  auto svg = QrSvg("HOSO:000.00.17.H29-260312-0007:7KQ4-M9TX", 3);
  ASSERT_TRUE(svg.ok());
  EXPECT_TRUE(Has(html, "<div class=\"qrbox\">" + *svg + "</div>"));
  EXPECT_TRUE(Has(html, "Tra cứu tình trạng hồ sơ bằng mã hồ sơ và mã tra cứu"));
}

TEST(ReceiptHtmlTest, SmallPrintNamesCatalogCalendarAndTariffVersions) {
  const std::string html = ReceiptHtml(MakeDossier(), Unit(), "vi");
  EXPECT_TRUE(Has(html,
                  "<p class=\"small\">Danh mục TTHC 2026.1 · Lịch làm việc 2026.2 · Biểu "
                  "phí 2026.3 · Máy desk-h29-01</p>"));
}

TEST(ReceiptHtmlTest, EnglishVariantTranslatesLabelsNotData) {
  const std::string html = ReceiptHtml(MakeDossier(), Unit(), "en");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
  EXPECT_TRUE(Has(html, "<h1>DOSSIER RECEIPT AND RESULT APPOINTMENT</h1>"));
  EXPECT_TRUE(Has(html, "SOCIALIST REPUBLIC OF VIET NAM"));
  EXPECT_TRUE(Has(html, "Dossier code</div><div class=\"code\">000.00.17.H29-260312-0007"));
  EXPECT_TRUE(Has(html, "Lookup code</div><div class=\"secret\">7KQ4-M9TX"));
  EXPECT_TRUE(Has(html, "5. Result due: 08:05, Tuesday, 24 March 2026 (24/03/2026 08:05)"));
  EXPECT_TRUE(Has(html, "3. Processing time: 8 working days"));
  EXPECT_TRUE(Has(html, "<td>Certified copy</td>"));
  EXPECT_TRUE(Has(html, "<div class=\"role\">Submitted by</div>"));
  // Data stays as recorded, with the catalog's English name beside it.
  EXPECT_TRUE(Has(html, "<b>Nguyễn Văn An</b>"));
  EXPECT_TRUE(Has(html,
                  "Cấp Giấy phép bán lẻ rượu<br><span class=\"en\">Issue alcohol retail "
                  "licence</span>"));
  EXPECT_TRUE(Has(html, "7. Fees: 1.200.000 đ"));
  for (const char* vi : {"Hẹn trả kết quả", "Người nộp hồ sơ", "Mã tra cứu", "Bản sao"}) {
    EXPECT_FALSE(Has(html, vi)) << vi;
  }
}

TEST(ReceiptHtmlTest, VietnameseLabelsAreByteExactNfcUtf8) {
  const std::string html = ReceiptHtml(MakeDossier(), Unit(), "vi");
  // Precomposed (NFC) code points, spelled as bytes so that an editor that
  // re-normalises this file cannot make the test pass by accident.
  EXPECT_TRUE(Has(html, "H\xE1\xBA\xB9n tr\xE1\xBA\xA3 k\xE1\xBA\xBFt qu\xE1\xBA\xA3"));
  EXPECT_TRUE(Has(html, "th\xE1\xBB\xA9 Ba, ng\xC3\xA0y 24"));
  EXPECT_TRUE(Has(html, "M\xC3\xA3 tra c\xE1\xBB\xA9u"));
  EXPECT_TRUE(Has(html,
                  "GI\xE1\xBA\xA4Y TI\xE1\xBA\xBEP NH\xE1\xBA\xACN H\xE1\xBB\x92 S\xC6\xA0 "
                  "V\xC3\x80 H\xE1\xBA\xB8N TR\xE1\xBA\xA2 K\xE1\xBA\xBET QU\xE1\xBA\xA2"));
  EXPECT_TRUE(Has(html,
                  "\xC4\x90\xE1\xBB\x99"
                  "c l\xE1\xBA\xADp - T\xE1\xBB\xB1 do - H\xE1\xBA\xA1nh ph\xC3\xBA"
                  "c"));
  // No decomposed marks (U+0300..U+036F are CC 80..CD AF in UTF-8) in labels.
  EXPECT_FALSE(Has(html, "\xCC\x80"));
  EXPECT_FALSE(Has(html, "\xCC\xA3"));
}

TEST(ReceiptHtmlTest, ReprintIsByteIdentical) {
  EXPECT_EQ(ReceiptHtml(MakeDossier(), Unit(), "vi"), ReceiptHtml(MakeDossier(), Unit(), "vi"));
}

// ---- Form 01, 80 mm text ----

TEST(ReceiptTextTest, EveryLineFitsThirtyTwoCodePoints) {
  Dossier d = MakeDossier();
  d.applicant.full_name = "Tôn Nữ Hoàng Thị Phương Thảo Nguyên Khánh Linh Ngọc Bích";
  d.procedure_name_vi =
      "Cấp Giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu trên địa bàn tỉnh";
  d.documents[0].name_vi = "Bảnvẽmặtbằngtổngthểcửahàngxăngdầucóxácnhậncủachủđầutư";
  d.return_method.method = "post";
  d.return_method.address = {"Thành phố Hồ Chí Minh", "Phường Bến Thành",
                             "123/45/6 Nguyễn Thị "
                             "Minh Khai"};
  for (const char* lang : {"vi", "en"}) {
    const std::string text = ReceiptText80mm(d, Unit(), lang);
    const auto lines = Lines(text);
    ASSERT_GT(lines.size(), 20u);
    for (const std::string& line : lines) {
      EXPECT_LE(CodePointCount(line), kReceiptTextColumns) << lang << ": [" << line << "]";
      EXPECT_TRUE(line.empty() || line.back() != ' ') << "trailing space: [" << line << "]";
    }
    EXPECT_EQ(text.back(), '\n');
  }
}

TEST(ReceiptTextTest, LongNamesWrapAtSpaces) {
  Dossier d = MakeDossier();
  d.applicant.full_name = "Tôn Nữ Hoàng Thị Phương Thảo Nguyên";
  const auto lines = Lines(ReceiptText80mm(d, Unit(), "vi"));
  // "Ông/Bà: Tôn Nữ Hoàng Thị Phương" is 31 code points.
  const std::vector<std::string> want = {"Ông/Bà: Tôn Nữ Hoàng Thị Phương", "  Thảo Nguyên"};
  auto it = std::search(lines.begin(), lines.end(), want.begin(), want.end());
  EXPECT_NE(it, lines.end());
}

TEST(ReceiptTextTest, ContainsCodeSecretAndAppointment) {
  const std::string text = ReceiptText80mm(MakeDossier(), Unit(), "vi");
  const auto lines = Lines(text);
  auto has_line = [&](const std::string& l) {
    return std::find(lines.begin(), lines.end(), l) != lines.end();
  };
  EXPECT_TRUE(has_line("000.00.17.H29-260312-0007"));
  EXPECT_TRUE(has_line("Mã tra cứu: 7KQ4-M9TX"));
  EXPECT_TRUE(has_line("HẸN TRẢ KẾT QUẢ:"));
  EXPECT_TRUE(has_line("08 giờ 05 phút, thứ Ba,"));
  EXPECT_TRUE(has_line("ngày 24 tháng 03 năm 2026"));
  EXPECT_TRUE(has_line("(24/03/2026 08:05)"));
  EXPECT_TRUE(has_line("Mã QR: xem bản A5"));
  EXPECT_TRUE(has_line("Phí, lệ phí: 1.200.000 đ"));
  EXPECT_TRUE(has_line("Người tiếp nhận: Lê Thu Hà"));
  EXPECT_TRUE(has_line("Số định danh: ********1234"));
  EXPECT_TRUE(has_line("   CỘNG HÒA XÃ HỘI CHỦ NGHĨA"));
  EXPECT_TRUE(has_line("            VIỆT NAM"));
  EXPECT_TRUE(has_line("      GIẤY TIẾP NHẬN HỒ SƠ"));
  EXPECT_TRUE(has_line("       VÀ HẸN TRẢ KẾT QUẢ"));
  EXPECT_TRUE(has_line("Nhận hồ sơ: 12/03/2026 08:05"));
  EXPECT_TRUE(has_line("1. Đơn đề nghị cấp Giấy phép bán"));
  EXPECT_TRUE(has_line("   lẻ rượu"));
  EXPECT_TRUE(has_line("   Bản chính, SL: 1"));
  EXPECT_TRUE(has_line("  Độc lập - Tự do - Hạnh phúc"));
}

TEST(ReceiptTextTest, NeverPrintsFullIdOrControlCharacters) {
  Dossier d = MakeDossier();
  d.representative = Representative{"Trần Thị Bình", kRepFullId, ""};
  d.applicant.full_name = "Nguyễn\x1b@Văn\x1d An";  // ESC @ resets an ESC/POS printer
  const std::string text = ReceiptText80mm(d, Unit(), "vi");
  EXPECT_FALSE(Has(text, kFullId));
  EXPECT_FALSE(Has(text, kRepFullId));
  for (char c : text) {
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 && c != '\n') << int{c};
  }
  EXPECT_TRUE(Has(text, "Ông/Bà: Nguyễn @Văn An"));
}

TEST(ReceiptTextTest, EnglishVariantHasEnglishLabels) {
  const std::string text = ReceiptText80mm(MakeDossier(), Unit(), "en");
  EXPECT_TRUE(Has(text, "RESULT DUE:\n08:05, Tuesday,\n24 March 2026\n"));
  EXPECT_TRUE(Has(text, "Lookup code: 7KQ4-M9TX\n"));
  EXPECT_TRUE(Has(text, "Applicant: Nguyễn Văn An\n"));
  EXPECT_FALSE(Has(text, "HẸN TRẢ"));
}

// ---- Form 02 ----

IntakeRequest MakeRequest() {
  IntakeRequest r;
  r.procedure_id = "2.000620";
  r.applicant.kind = "person";
  r.applicant.full_name = "Nguyễn Văn An";
  r.applicant.id_number = kFullId;
  r.applicant.phone = "0903123456";
  r.applicant.address = {"Thành phố Hồ Chí Minh", "Phường Sài Gòn", "12 Lê Lợi"};
  r.representative = Representative{"Trần <Thị> Bình", kRepFullId, ""};
  r.clerk = "Lê Thu Hà";
  return r;
}

std::vector<MissingDocument> Missing() {
  return {
      {"dkkd", "Giấy chứng nhận đăng ký kinh doanh", "Business registration certificate",
       "certified_copy", 1, 0},
      {"hd", "Hợp đồng mua bán rượu với thương nhân bán buôn", "Purchase contract", "copy", 2, 1},
  };
}

TEST(GuidanceSlipTest, ListsEachMissingDocumentWithCounts) {
  const std::string html =
      GuidanceSlipHtml(MakeRequest(), "Cấp Giấy phép bán lẻ rượu", "2.000620", Missing(), Unit(),
                       LocalToUnixMs({2026, 3, 12}, 9 * 60), "vi");
  EXPECT_TRUE(Has(html, "<h1>PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ</h1>"));
  EXPECT_TRUE(Has(html, "Mẫu số 02"));
  EXPECT_TRUE(Has(html, "Hồ sơ của Ông/Bà Nguyễn Văn An còn thiếu các giấy tờ sau:"));
  EXPECT_TRUE(Has(html,
                  "<tr><td class=\"n\">1</td><td>Giấy chứng nhận đăng ký kinh doanh</td><td>Bản "
                  "sao chứng thực</td><td class=\"n\">1</td><td class=\"n\">0</td></tr>"));
  EXPECT_TRUE(Has(html,
                  "<tr><td class=\"n\">2</td><td>Hợp đồng mua bán rượu với thương nhân bán "
                  "buôn</td><td>Bản sao</td><td class=\"n\">2</td><td class=\"n\">1</td></tr>"));
  EXPECT_TRUE(Has(html,
                  "<tr><th>Nội dung yêu cầu giải quyết</th><td>Cấp Giấy phép bán lẻ "
                  "rượu</td></tr>"));
  EXPECT_TRUE(Has(html, "<tr><th>Mã thủ tục</th><td>2.000620</td></tr>"));
  EXPECT_TRUE(Has(html, "<div class=\"role\">Người hướng dẫn</div>"));
  EXPECT_TRUE(Has(html, "<div class=\"name\">Lê Thu Hà</div>"));
  EXPECT_TRUE(Has(html, "Thành phố Hồ Chí Minh, ngày 12 tháng 03 năm 2026"));
  EXPECT_TRUE(Has(html, "Trần &lt;Thị&gt; Bình"));
}

TEST(GuidanceSlipTest, NeverPrintsTheClearIdNumbersOfTheRequest) {
  for (const char* lang : {"vi", "en"}) {
    const std::string html = GuidanceSlipHtml(MakeRequest(), "Cấp Giấy phép bán lẻ rượu",
                                              "2.000620", Missing(), Unit(), 0, lang);
    EXPECT_FALSE(Has(html, kFullId)) << lang;
    EXPECT_FALSE(Has(html, kRepFullId)) << lang;
    EXPECT_FALSE(Has(html, "********")) << lang;  // Form 02 needs no ID at all
  }
}

TEST(GuidanceSlipTest, EnglishVariantHasEnglishLabels) {
  const std::string html =
      GuidanceSlipHtml(MakeRequest(), "Cấp Giấy phép bán lẻ rượu", "2.000620", Missing(), Unit(),
                       LocalToUnixMs({2026, 3, 12}, 9 * 60), "en");
  EXPECT_TRUE(Has(html, "<h1>REQUEST TO SUPPLEMENT AND COMPLETE A DOSSIER</h1>"));
  EXPECT_TRUE(Has(html, "The dossier of Mr/Ms Nguyễn Văn An lacks the following documents:"));
  EXPECT_TRUE(Has(html,
                  "Giấy chứng nhận đăng ký kinh doanh<br><span class=\"en\">Business "
                  "registration certificate</span>"));
  EXPECT_TRUE(Has(html, "Thành phố Hồ Chí Minh, 12 March 2026"));
}

// ---- Form 03 ----

TEST(RefusalSlipTest, ShowsReasonEscapedApplicantAndClerk) {
  Dossier d = MakeDossier();
  d.status = 3;
  d.refusal_reason = "Thủ tục không thuộc thẩm quyền <Sở>";
  const std::string html = RefusalSlipHtml(d, Unit(), "vi");
  EXPECT_TRUE(Has(html, "<h1>PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ</h1>"));
  EXPECT_TRUE(Has(html, "Mẫu số 03"));
  EXPECT_TRUE(Has(html, "<p class=\"reason\">Thủ tục không thuộc thẩm quyền &lt;Sở&gt;</p>"));
  EXPECT_TRUE(Has(html, "Xin thông báo cho Ông/Bà được biết và thực hiện./."));
  EXPECT_TRUE(Has(html, "<span class=\"code\">000.00.17.H29-260312-0007</span>"));
  EXPECT_TRUE(Has(html, "<b>Nguyễn Văn An</b>"));
  EXPECT_TRUE(Has(html, "<div class=\"role\">Người tiếp nhận hồ sơ</div>"));
  EXPECT_TRUE(Has(html, "<div class=\"name\">Lê Thu Hà</div>"));
  EXPECT_FALSE(Has(html, kFullId));
  EXPECT_FALSE(Has(html, "<svg"));  // a refusal has no tracking QR
}

TEST(RefusalSlipTest, EnglishVariantHasEnglishLabels) {
  Dossier d = MakeDossier();
  d.status = 3;
  d.refusal_reason = "Thiếu thẩm quyền";
  const std::string html = RefusalSlipHtml(d, Unit(), "en");
  EXPECT_TRUE(Has(html, "<h1>NOTICE OF REFUSAL TO ACCEPT A DOSSIER</h1>"));
  EXPECT_TRUE(Has(html, "<p class=\"reason\">Thiếu thẩm quyền</p>"));
  EXPECT_FALSE(Has(html, "Xin thông báo"));
}

}  // namespace
}  // namespace hoso::node
