#include "central/dictionaries.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "schema/events.h"
#include "schema/ids.h"
#include "sync/batch.h"
#include "tests/central/central_test_util.h"

namespace hoso::central {
namespace {

using testing::CentralFixture;
using testing::TestNode;

constexpr char kApplicant[] = "Nguyễn Văn Ánh";
constexpr char kIdNumber[] = "079203001234";
constexpr char kPhone[] = "0903123456";
constexpr char kAddress[] = "12 Lê Lợi, Phường Sài Gòn";

// `n` dossier_received events of one applicant who files every dossier (so
// the personal data repeats as often as the procedure id does), each with a
// note of its own.
std::vector<Event> Dossiers(const std::string& node_id, int n, int first_number = 1) {
  std::vector<Event> out;
  for (int i = 0; i < n; ++i) {
    const int number = first_number + i;
    json::object applicant{
        {"name", kApplicant}, {"kind", "citizen"}, {"phone", kPhone}, {"id_number", kIdNumber}};
    json::object p{{"procedure_id", "2.000620"},
                   {"applicant", applicant},
                   {"appointment_ms", testing::kT0 + 864'000'000},
                   {"lookup_secret_hash", HexEncode("secret of dossier " + std::to_string(number))},
                   {"catalog_version", "2026.1"},
                   {"calendar_version", "2026.1"},
                   {"return_method", "post"},
                   {"delivery_address", kAddress},
                   {"postal_fee_vnd", 30000},
                   {"documents", json::array{"Đơn đề nghị cấp Giấy phép bán lẻ rượu",
                                             "Bản sao Giấy chứng nhận đăng ký doanh nghiệp"}},
                   {"counter_note", "biên nhận lần " + std::to_string(number)}};
    Event e = NewEvent(EventType::kDossierReceived, node_id, testing::kT0 + i * 1000, p);
    e.dossier_code = *FormatDossierCode("000.00.17.H29", Date{2026, 3, 12}, number);
    out.push_back(std::move(e));
  }
  return out;
}

class DictionariesTest : public CentralFixture {
 protected:
  void SetUp() override {
    CentralFixture::SetUp();
    dicts_ = std::make_unique<DictionaryAdmin>(store_.get(), &clock_);
  }

  // A desk whose first `n` events are dossiers, all applied at the central.
  TestNode DeskWithDossiers(const std::string& node_id, const std::string& unit, int n) {
    TestNode node = Enrol(node_id, unit, 0);
    testing::Extend(node.log, Dossiers(node_id, n));
    EXPECT_EQ(Apply(Batch(node, 1, n)).result, "applied");
    return node;
  }

  DictionaryInfo Train() {
    auto info = dicts_->Train(DictionaryTrainOptions());
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? *info : DictionaryInfo();
  }

  // The dictionary items of a down-sync answered to `n`.
  std::vector<sync::Dictionary> DictionariesIn(const IngestReport& r, const TestNode& n) {
    EXPECT_FALSE(r.refusal.has_value()) << r.refusal->ToString();
    std::vector<sync::Dictionary> out;
    for (const json::object& item : OpenDownSync(r.downsync, n).items) {
      if (item.at("kind").as_string() == "dictionary") {
        out.push_back(*sync::DictionaryFromItem(item));
      }
    }
    return out;
  }

  sync::EncodeOptions With(const sync::Dictionary& d) {
    sync::EncodeOptions o;
    o.dictionary = &d;
    return o;
  }

  std::unique_ptr<DictionaryAdmin> dicts_;
};

TEST_F(DictionariesTest, TrainingStoresTheNextIdAndPublishesIt) {
  DeskWithDossiers("desk-01", "000.00.17.H29", 80);
  DictionaryInfo first = Train();
  EXPECT_EQ(first.dict_id, 1);
  EXPECT_EQ(first.state, "published");
  EXPECT_EQ(first.sample_count, 80);
  EXPECT_GT(first.size_bytes, 0);
  EXPECT_LE(first.size_bytes, static_cast<int64_t>(kDefaultDictionaryBytes));
  EXPECT_EQ(Train().dict_id, 2);

  auto list = dicts_->List();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_FALSE((*list)[0].offered);
  EXPECT_TRUE((*list)[1].offered);
  EXPECT_EQ((*list)[1].trained_at_ms, testing::kT0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM dictionaries WHERE state = 'published'"), 2);
}

TEST_F(DictionariesTest, TrainingWithTooFewEventsOrBadOptionsIsRefused) {
  DeskWithDossiers("desk-01", "000.00.17.H29", 20);
  auto few = dicts_->Train(DictionaryTrainOptions());
  ASSERT_FALSE(few.ok());
  EXPECT_TRUE(few.status().IsConflict()) << few.status().ToString();
  EXPECT_NE(few.status().message().find("20 event lines"), std::string::npos);
  EXPECT_TRUE(dicts_->Train({10, kDefaultDictionaryBytes}).status().IsInvalidArgument());
  EXPECT_TRUE(dicts_->Train({1000, 100}).status().IsInvalidArgument());
  EXPECT_EQ(Int("SELECT COUNT(*) FROM dictionaries"), 0);
}

TEST_F(DictionariesTest, SamplesAreBatchLinesWithPersonalDataScrubbed) {
  DeskWithDossiers("desk-01", "000.00.17.H29", 60);
  auto db = store_->Db();
  auto samples = TrainingSamples(**db, 1000);
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  ASSERT_EQ(samples->size(), 60u);
  for (const std::string& line : *samples) {
    ASSERT_EQ(line.back(), '\n');
    auto o = ParseJsonObject(line.substr(0, line.size() - 1));
    ASSERT_TRUE(o.ok()) << line;
    EXPECT_EQ(o->size(), 3u);
    EXPECT_EQ(o->at("hash").as_string().size(), 64u);
    const json::object& e = o->at("event").as_object();
    const json::object& p = e.at("payload").as_object();
    const json::object& a = p.at("applicant").as_object();
    // Personal data is gone however often it repeats...
    EXPECT_NE(a.at("name").as_string(), kApplicant);
    EXPECT_NE(a.at("id_number").as_string(), kIdNumber);
    EXPECT_NE(a.at("phone").as_string(), kPhone);
    EXPECT_NE(p.at("delivery_address").as_string(), kAddress);
    EXPECT_EQ(a.at("id_number").as_string().size(), std::string(kIdNumber).size());
    // ...as is what occurs in too few dossiers...
    EXPECT_EQ(p.at("counter_note").as_string().find("biên nhận"), std::string::npos);
    // ...while what repeats across dossiers stays.
    EXPECT_EQ(a.at("kind").as_string(), "citizen");
    EXPECT_EQ(p.at("procedure_id").as_string(), "2.000620");
    EXPECT_EQ(p.at("documents").as_array().at(0).as_string(),
              "Đơn đề nghị cấp Giấy phép bán lẻ rượu");
    EXPECT_EQ(e.at("type").as_string(), "dossier_received");
    EXPECT_EQ(std::string(e.at("dossier_code").as_string()).substr(0, 14), "000.00.17.H29-");
  }
}

TEST_F(DictionariesTest, TrainedDictionaryHoldsNoPersonalData) {
  DeskWithDossiers("desk-01", "000.00.17.H29", 120);
  DictionaryInfo info = Train();
  auto dict = dicts_->Get(info.dict_id);
  ASSERT_TRUE(dict.ok());
  const std::string& bytes = dict->bytes;
  EXPECT_NE(bytes.find("procedure_id"), std::string::npos);
  for (const std::string& personal :
       {std::string(kIdNumber), std::string(kPhone), std::string("Nguy"), std::string("Lê Lợi"),
        HexEncode("secret of dossier 7")}) {
    EXPECT_EQ(bytes.find(personal), std::string::npos) << personal;
  }
}

TEST_F(DictionariesTest, OverFilesTheNewestGoesOnceAndAgainOnlyAfterALostAnswer) {
  TestNode n = DeskWithDossiers("desk-01", "000.00.17.H29", 60);
  testing::Extend(n.log, Dossiers(n.node_id, 6, 61));
  const DictionaryInfo info = Train();
  auto first = DictionariesIn(Apply(Batch(n, 61, 62), Channel::kFile), n);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].dict_id, info.dict_id);
  EXPECT_EQ(first[0].bytes, dicts_->Get(info.dict_id)->bytes);
  // Files are written ahead: the next one, without the dictionary, proves
  // nothing and gets none.
  const std::string ahead = Batch(n, 63, 64);
  EXPECT_TRUE(DictionariesIn(Apply(ahead, Channel::kFile), n).empty());
  // The same file again: its answer was lost, and with it maybe the
  // dictionary.
  EXPECT_EQ(DictionariesIn(Apply(ahead, Channel::kFile), n).size(), 1u);
  // A batch already compressed with it needs none, duplicate or not.
  const std::string with = Batch(n, 65, 66, With(first[0]));
  EXPECT_TRUE(DictionariesIn(Apply(with, Channel::kFile), n).empty());
  EXPECT_TRUE(DictionariesIn(Apply(with, Channel::kFile), n).empty());
  EXPECT_EQ(Int("SELECT times_sent FROM node_dictionaries WHERE node_id = 'desk-01'"), 2);
  EXPECT_EQ(dicts_->List()->at(0).nodes_sent, 1);
}

TEST_F(DictionariesTest, OverHttpEveryBatchWithoutTheNewestGetsIt) {
  TestNode n = DeskWithDossiers("desk-01", "000.00.17.H29", 60);
  testing::Extend(n.log, Dossiers(n.node_id, 4, 61));
  Train();
  auto sent = DictionariesIn(Apply(Batch(n, 61, 62)), n);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(DictionariesIn(Apply(Batch(n, 63, 64, With(sent[0]))), n).empty());
  // A poll without it: the node never got the answer that carried it.
  EXPECT_EQ(DictionariesIn(Apply(Batch(n, 65, 64)), n).size(), 1u);
  EXPECT_TRUE(DictionariesIn(Apply(Batch(n, 65, 64, With(sent[0]))), n).empty());
}

TEST_F(DictionariesTest, ARetiredDictionaryIsNoLongerOfferedButStillDecodes) {
  TestNode n = DeskWithDossiers("desk-01", "000.00.17.H29", 60);
  testing::Extend(n.log, Dossiers(n.node_id, 2, 61));
  Train();
  const DictionaryInfo second = Train();
  const sync::Dictionary retired = *dicts_->Get(second.dict_id);
  ASSERT_TRUE(dicts_->Retire(second.dict_id).ok());
  IngestReport r = Apply(Batch(n, 61, 62, With(retired)));
  EXPECT_EQ(r.result, "applied");
  EXPECT_EQ(EventRows(n.node_id), 62);
  // The newest one still published takes its place.
  auto offered = DictionariesIn(r, n);
  ASSERT_EQ(offered.size(), 1u);
  EXPECT_EQ(offered[0].dict_id, 1);
  auto list = dicts_->List();
  EXPECT_EQ(list->at(1).state, "retired");
  EXPECT_TRUE(list->at(1).retired_at_ms.has_value());
  EXPECT_TRUE(list->at(0).offered);

  EXPECT_TRUE(dicts_->Retire(second.dict_id).IsConflict());
  EXPECT_EQ(dicts_->Retire(9).code(), Status::Code::kNotFound);
  ASSERT_TRUE(dicts_->Retire(1).ok());
  EXPECT_TRUE(DictionariesIn(Apply(Batch(n, 63, 62)), n).empty());  // nothing left to offer
}

TEST_F(DictionariesTest, DictionariesAreNeverDeletedNorChanged) {
  DeskWithDossiers("desk-01", "000.00.17.H29", 60);
  Train();
  auto db = store_->Db();
  EXPECT_FALSE((*db)->Exec("DELETE FROM dictionaries").ok());
  EXPECT_FALSE((*db)->Exec("UPDATE dictionaries SET bytes = x'00'").ok());
  EXPECT_EQ(Int("SELECT COUNT(*) FROM dictionaries"), 1);
}

}  // namespace
}  // namespace hoso::central
