// Reading dossiers back: Get, Timeline, accent-free Search and the logged
// reveal of ID numbers, on a real node directory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "node/desk.h"
#include "node/node_store.h"
#include "tests/node/desk_test_env.h"

namespace hoso::node {
namespace {

using testing::At;

class DeskReadTest : public testing::DeskTestBase {
 protected:
  DeskReadTest() : DeskTestBase("2026-03-12T08:00:00+07:00") {}
  static void SetUpTestSuite() {
    MakeTemplate({"desk-h29-01", "Bộ phận một cửa",       "000.00.17.H29",
                  "desk",        "Thành phố Hồ Chí Minh", 0});
  }
  static void TearDownTestSuite() { RemoveTemplate(); }

  // Takes in a complete alcohol retail licence dossier; received one minute
  // after the previous one so "newest first" is well defined.
  Dossier Take(const std::string& name, const std::string& id_number,
               const std::string& phone = "0903123456") {
    IntakeRequest r;
    r.procedure_id = "2.000620";
    r.applicant.kind = "person";
    r.applicant.full_name = name;
    r.applicant.id_number = id_number;
    r.applicant.phone = phone;
    r.applicant.address = {"Thành phố Hồ Chí Minh", "Phường Sài Gòn", "12 Lê Lợi"};
    r.applicant_type = "household";
    r.documents = {{"don-de-nghi", 1},
                   {"gcn-dang-ky-kinh-doanh", 1},
                   {"dia-diem-kinh-doanh", 1},
                   {"van-ban-gioi-thieu", 1}};
    r.clerk = "Lê Thu Hà";
    clock_.Advance(60000);
    auto d = desk_->Intake(r, nullptr);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : Dossier{};
  }

  std::vector<std::string> Codes(const SearchQuery& q) {
    auto found = desk_->Search(q);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    std::vector<std::string> out;
    if (found.ok()) {
      for (const Dossier& d : *found) out.push_back(d.code);
    }
    return out;
  }
  std::vector<std::string> Codes(const std::string& text) {
    SearchQuery q;
    q.text = text;
    return Codes(q);
  }
};

using CodeList = std::vector<std::string>;

TEST_F(DeskReadTest, GetReturnsTheStoredDossierWithDocumentsInOrder) {
  Dossier taken = Take("Nguyễn Văn Ánh", "079203001234");
  auto d = desk_->Get(taken.code);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->applicant.full_name, "Nguyễn Văn Ánh");
  EXPECT_EQ(d->lookup_secret, taken.lookup_secret);
  EXPECT_EQ(d->id_masked, "********1234");
  ASSERT_EQ(d->documents.size(), 4u);
  EXPECT_EQ(d->documents[0].id, "don-de-nghi");
  EXPECT_EQ(d->documents[3].id, "van-ban-gioi-thieu");
  EXPECT_EQ(d->documents[1].form, "copy");
  json::object j = Desk::DossierToJson(*d);
  EXPECT_EQ(j.at("code").as_string(), taken.code);
  EXPECT_EQ(j.at("lookup_secret").as_string().size(), 9u);  // ABCD-EFGH
  EXPECT_EQ(j.at("id_masked").as_string(), "********1234");
  EXPECT_EQ(j.at("received_at").as_string(), FormatLocalIso(d->received_at));
  EXPECT_EQ(j.at("processing").at("days").as_int64(), 8);
  EXPECT_EQ(j.at("status_name_en").as_string(), "received");
  EXPECT_EQ(ToJson(j).find("079203001234"), std::string::npos);
}

TEST_F(DeskReadTest, GetOfAnUnknownCodeIsNotFound) {
  EXPECT_TRUE(desk_->Get("000.00.17.H29-260312-0001").status().IsNotFound());
}

TEST_F(DeskReadTest, AccentFreeNameFindsPrefixOfTheLastWordNewestFirst) {
  Dossier a = Take("Nguyễn Văn A", "079203000001");
  Dossier an = Take("Nguyễn Văn An", "079203000002");
  Take("Nguyễn Thị An", "079203000003");
  Take("Trần Văn Anh", "079203000004");
  EXPECT_EQ(Codes("nguyen van a"), (CodeList{an.code, a.code}));
  EXPECT_EQ(Codes("NGUYỄN VĂN AN"), (CodeList{an.code}));
  EXPECT_EQ(Codes("  Nguyen   Van  An "), (CodeList{an.code}));
  EXPECT_EQ(Codes("van an").size(), 2u);  // "Văn An" and "Văn Anh"
  EXPECT_EQ(Codes("nguyen").size(), 3u);
  EXPECT_TRUE(Codes("le van").empty());
  EXPECT_TRUE(Codes("!!!").empty());
}

TEST_F(DeskReadTest, FullIdNumberFindsExactlyItsDossier) {
  Dossier mine = Take("Nguyễn Văn Ánh", "079203001234");
  Take("Trần Thị Bình", "079203001235");
  EXPECT_EQ(Codes("079203001234"), (CodeList{mine.code}));
  EXPECT_EQ(Codes("0792 0300 1234"), (CodeList{mine.code}));
  EXPECT_TRUE(Codes("07920300123").empty());  // a prefix of an ID is not a match
}

TEST_F(DeskReadTest, CodeOrItsPrefixFinds) {
  Dossier first = Take("Nguyễn Văn Ánh", "079203001234");
  Dossier second = Take("Trần Thị Bình", "079203001235");
  EXPECT_EQ(Codes(first.code), (CodeList{first.code}));
  EXPECT_EQ(Codes("000.00.17.H29-260312"), (CodeList{second.code, first.code}));
  EXPECT_EQ(Codes("260312-0002"), (CodeList{second.code}));
}

TEST_F(DeskReadTest, PhoneAndTaxCodeFind) {
  Dossier mine = Take("Nguyễn Văn Ánh", "079203001234", "0912 345 678");
  Take("Trần Thị Bình", "079203001235", "0987654321");
  EXPECT_EQ(Codes("0912345678"), (CodeList{mine.code}));
  EXPECT_EQ(Codes("0912.345.678"), (CodeList{mine.code}));
  EXPECT_EQ(Codes("+84 912 345 678"), (CodeList{mine.code}));
  EXPECT_EQ(Codes("091234"), (CodeList{mine.code}));

  IntakeRequest r;
  r.procedure_id = "2.000620";
  r.applicant = {
      "business",       "Lê Văn Cường", "", "Công ty TNHH Ánh Dương",
      "0312345678-001", "0281234567",   "", {"Thành phố Hồ Chí Minh", "", "1 Nguyễn Huệ"}};
  r.documents = {{"don-de-nghi", 1},
                 {"gcn-dang-ky-kinh-doanh", 1},
                 {"dia-diem-kinh-doanh", 1},
                 {"van-ban-gioi-thieu", 1}};
  r.clerk = "Lê Thu Hà";
  auto biz = desk_->Intake(r, nullptr);
  ASSERT_TRUE(biz.ok()) << biz.status().ToString();
  EXPECT_EQ(Codes("0312345678"), (CodeList{biz->code}));
  EXPECT_EQ(Codes("0312345678-001"), (CodeList{biz->code}));
  EXPECT_EQ(Codes("anh duong"), (CodeList{biz->code}));
  EXPECT_EQ(Codes("le van cuong"), (CodeList{biz->code}));
}

TEST_F(DeskReadTest, RepresentativeNameAndIdFind) {
  IntakeRequest r;
  r.procedure_id = "2.000620";
  r.applicant = {"person",
                 "Nguyễn Văn Ánh",
                 "079203001234",
                 "",
                 "",
                 "0903123456",
                 "",
                 {"Thành phố Hồ Chí Minh", "", "12 Lê Lợi"}};
  r.representative = Representative{"Trần Thị Bình", "079301004321", "Giấy ủy quyền"};
  r.documents = {{"don-de-nghi", 1},
                 {"gcn-dang-ky-kinh-doanh", 1},
                 {"dia-diem-kinh-doanh", 1},
                 {"van-ban-gioi-thieu", 1}};
  r.clerk = "Lê Thu Hà";
  auto d = desk_->Intake(r, nullptr);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(Codes("tran thi binh"), (CodeList{d->code}));
  EXPECT_EQ(Codes("079301004321"), (CodeList{d->code}));
}

TEST_F(DeskReadTest, FiltersByStatusDateRangeAndLimit) {
  Dossier d1 = Take("Nguyễn Văn A", "079203000001");
  clock_.Set(At("2026-03-13T09:00:00+07:00"));
  Dossier d2 = Take("Nguyễn Văn B", "079203000002");
  clock_.Set(At("2026-03-16T09:00:00+07:00"));
  Dossier d3 = Take("Nguyễn Văn C", "079203000003");
  ASSERT_TRUE(desk_->ResultArrived(d2.code, "Hà", "approved", "").ok());

  SearchQuery q;
  EXPECT_EQ(Codes(q), (CodeList{d3.code, d2.code, d1.code}));
  q.status = 9;
  EXPECT_EQ(Codes(q), (CodeList{d2.code}));
  q.status.reset();
  q.from = Date{2026, 3, 13};
  q.to = Date{2026, 3, 13};
  EXPECT_EQ(Codes(q), (CodeList{d2.code}));
  q.to.reset();
  EXPECT_EQ(Codes(q), (CodeList{d3.code, d2.code}));
  q.from.reset();
  q.limit = 2;
  q.text = "nguyen van";
  EXPECT_EQ(Codes(q), (CodeList{d3.code, d2.code}));

  for (int bad : {0, 201}) {
    SearchQuery b;
    b.limit = bad;
    EXPECT_EQ(desk_->Search(b).status().field(), "limit") << bad;
  }
  SearchQuery backwards;
  backwards.from = Date{2026, 3, 14};
  backwards.to = Date{2026, 3, 13};
  EXPECT_EQ(desk_->Search(backwards).status().field(), "to");
}

TEST_F(DeskReadTest, TimelineSummarisesEachEventInBothLanguages) {
  Dossier d = Take("Nguyễn Văn Ánh", "079203001234");
  clock_.Advance(kMsPerDay);
  ASSERT_TRUE(desk_->ResultArrived(d.code, "Lê Thu Hà", "approved", "").ok());
  clock_.Advance(kMsPerDay);
  ASSERT_TRUE(desk_
                  ->HandBackAtDesk(d.code,
                                   HandBack{"owner", "Nguyễn Văn Ánh", "", "", "Lê Thu Hà", 0},
                                   "079203001234")
                  .ok());
  auto tl = desk_->Timeline(d.code);
  ASSERT_TRUE(tl.ok()) << tl.status().ToString();
  ASSERT_EQ(tl->size(), 3u);
  EXPECT_EQ((*tl)[0].type, "dossier_received");
  EXPECT_EQ((*tl)[1].type, "result_recorded");
  EXPECT_EQ((*tl)[2].type, "result_returned");
  EXPECT_LT((*tl)[0].seq, (*tl)[1].seq);
  EXPECT_EQ((*tl)[2].at, clock_.NowMs());
  EXPECT_EQ((*tl)[0].summary_en, "Dossier received at the desk (Lê Thu Hà)");
  EXPECT_EQ((*tl)[0].summary_vi, "Tiếp nhận hồ sơ tại bộ phận một cửa (Lê Thu Hà)");
  EXPECT_NE((*tl)[2].summary_vi.find("Nguyễn Văn Ánh"), std::string::npos);
  EXPECT_TRUE(desk_->Timeline("000.00.17.H29-260312-0099")->empty());
}

TEST_F(DeskReadTest, RevealReturnsTheNumberAndLogsWhoWhyAndWhen) {
  Dossier d = Take("Nguyễn Văn Ánh", "079203001234");
  EXPECT_EQ(desk_->RevealIdNumber(d.code, "Lê Thu Hà", "").status().field(), "reason");
  EXPECT_EQ(desk_->RevealIdNumber(d.code, " ", "Đối chiếu").status().field(), "viewer");
  EXPECT_TRUE(desk_->IdViewLog(10)->empty());
  auto id = desk_->RevealIdNumber(d.code, "Lê Thu Hà", "Đối chiếu với bản chính CCCD");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, "079203001234");
  clock_.Advance(60000);
  ASSERT_TRUE(desk_->RevealIdNumber(d.code, "Phạm Minh", "Trả kết quả").ok());
  auto log = desk_->IdViewLog(10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  const json::object& newest = (*log)[0].as_object();
  EXPECT_EQ(newest.at("viewer").as_string(), "Phạm Minh");
  EXPECT_EQ(newest.at("code").as_string(), d.code);
  EXPECT_EQ(newest.at("reason").as_string(), "Trả kết quả");
  EXPECT_EQ(newest.at("at").as_string(), FormatLocalIso(clock_.NowMs()));
  EXPECT_EQ((*log)[1].as_object().at("viewer").as_string(), "Lê Thu Hà");
  EXPECT_EQ(desk_->IdViewLog(1)->size(), 1u);
  EXPECT_TRUE(desk_->IdViewLog(0).status().IsInvalidArgument());
  EXPECT_TRUE(desk_->RevealIdNumber("000.00.17.H29-260312-0099", "Hà", "x").status().IsNotFound());
}

TEST_F(DeskReadTest, TamperedCiphertextIsCorruptionAndNotLogged) {
  Dossier d = Take("Nguyễn Văn Ánh", "079203001234");
  ASSERT_TRUE(store_->db()
                  .Exec("UPDATE dossiers SET applicant_id_cipher = "
                        "zeroblob(length(applicant_id_cipher))")
                  .ok());
  EXPECT_TRUE(desk_->RevealIdNumber(d.code, "Lê Thu Hà", "Đối chiếu").status().IsCorruption());
  EXPECT_TRUE(desk_->IdViewLog(10)->empty());
}

}  // namespace
}  // namespace hoso::node
