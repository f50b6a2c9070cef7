// Online dossiers collected at this desk (node/collections.h): the central's
// events make one a collection of the desk it names, move it through the
// state machine, and the clerk hands the result over once it is ready, over
// the API (node/api_collections.cc) as over Collections.
#include "node/collections.h"

#include <gtest/gtest.h>

#include <string>

#include "node/api.h"
#include "node/central_events.h"
#include "node/desk.h"
#include "node/node_store.h"
#include "node/outbox.h"
#include "tests/node/desk_test_env.h"

namespace hoso::node {
namespace {

constexpr char kNode[] = "desk-h29-01";
constexpr char kCode[] = "000.00.00.TT-260312-0001";

class CollectionsTest : public testing::DeskTestBase {
 protected:
  CollectionsTest() : DeskTestBase("2026-03-12T08:00:00+07:00") {}
  static void SetUpTestSuite() {
    MakeTemplate({kNode, "Bộ phận một cửa", "000.00.17.H29", "desk", "Thành phố Hồ Chí Minh", 0});
  }
  static void TearDownTestSuite() { RemoveTemplate(); }

  // A central event of `code` as a down-sync item, `seq` in the central's chain.
  json::object Item(const std::string& code, EventType type, json::object payload) {
    clock_.Advance(60'000);
    Event e = NewEvent(type, "central-hcm", clock_.NowMs(), std::move(payload));
    e.seq = ++seq_;
    e.dossier_code = code;
    e.actor = "online";
    return json::object{{"kind", "event"}, {"event", EventToJsonObject(e)}};
  }
  // What the central's online door records at submission (central/online.cc).
  json::object Submitted(const std::string& code, const std::string& desk) {
    return Item(code, EventType::kDossierSubmittedOnline,
                json::object{
                    {"procedure_id", "2.000620"},
                    {"applicant", json::object{{"name", "Trần Thị Bích"}, {"phone", "0903123456"}}},
                    {"unit_code", "000.00.00.TT"},
                    {"papers_by", "online"},
                    {"lookup_secret_hash", std::string(64, 'a')},
                    {"documents", json::array{"don-de-nghi"}},
                    {"return_method", "desk"},
                    {"desk_node_id", desk}});
  }
  // ... and at acceptance (central/online_reception.cc).
  json::object Accepted(const std::string& code) {
    return Item(code, EventType::kDossierReceived,
                json::object{{"procedure_id", "2.000620"},
                             {"applicant", json::object{{"name", "Trần Thị Bích"},
                                                        {"kind", "citizen"},
                                                        {"phone", "0903123456"}}},
                             {"appointment_ms", kAppointment},
                             {"lookup_secret_hash", std::string(64, 'a')},
                             {"catalog_version", "v1"},
                             {"calendar_version", "v1"},
                             {"return_method", "desk"},
                             {"documents", json::array{"don-de-nghi"}}});
  }
  json::object Assigned(const std::string& code) {
    return Item(code, EventType::kHandlerAssigned,
                json::object{{"unit_code", "000.00.17.H29"},
                             {"handler_id", "an"},
                             {"handler_name", "Nguyễn Văn An"}});
  }
  json::object Result(const std::string& code) {
    return Item(code, EventType::kResultRecorded, json::object{{"outcome", "approved"}});
  }

  void Apply(const json::object& item) {
    auto r = ApplyCentralEventItem(store_->db(), item, clock_.NowMs(), kNode, &store_->catalog());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  // Submitted, accepted, assigned and decided: status 9.
  void ToResultReady(const std::string& code) {
    for (const json::object& item :
         {Submitted(code, kNode), Accepted(code), Assigned(code), Result(code)}) {
      Apply(item);
    }
  }
  int64_t Int(const std::string& sql) {
    auto q = store_->db().Prepare(sql);
    EXPECT_TRUE(q.ok());
    auto row = q->Step();
    EXPECT_TRUE(row.ok() && *row);
    return q->ColumnInt(0);
  }
  CollectionReturn Handover() {
    CollectionReturn r;
    r.recipient_name = "Trần Thị Bích";
    r.recipient_id_last4 = "1234";
    r.clerk = "Lê Thu Hà";
    return r;
  }
  HttpResponse Call(DeskApi& api, const std::string& method, const std::string& target,
                    const std::string& body = "") {
    HttpRequest req;
    req.method = method;
    req.target = target;
    const size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) {
      const std::string query = target.substr(q + 1);
      const size_t eq = query.find('=');
      req.query[query.substr(0, eq)] = query.substr(eq + 1);
    }
    req.body = body;
    return api.Handle(req);
  }

  static constexpr UnixMs kAppointment = 1'774'000'000'000;
  int64_t seq_ = 0;
};

TEST_F(CollectionsTest, ASubmissionNamingThisDeskBecomesOneCollectionOnce) {
  const json::object submitted = Submitted(kCode, kNode);
  Apply(submitted);
  Apply(submitted);  // sent again: nothing more
  Collections collections(store_.get(), &clock_);
  auto list = collections.List(std::nullopt);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  const Collection& c = (*list)[0];
  EXPECT_EQ(c.code, kCode);
  EXPECT_EQ(c.status, 1);
  EXPECT_EQ(c.applicant_name, "Trần Thị Bích");
  EXPECT_EQ(c.procedure_id, "2.000620");
  EXPECT_FALSE(c.procedure_name_vi.empty());
  EXPECT_EQ(c.return_method, "desk");
  EXPECT_FALSE(c.received_at_ms.has_value());
  EXPECT_EQ(Int("SELECT COUNT(*) FROM collections"), 1);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM central_events WHERE applied = 1"), 1);
  // Not a desk dossier: the desk has no papers and no lookup secret.
  EXPECT_EQ(Int("SELECT COUNT(*) FROM dossiers"), 0);
  EXPECT_TRUE(desk_->Get(kCode).status().IsNotFound());
}

TEST_F(CollectionsTest, ItsStatusFollowsTheCentralsEvents) {
  Apply(Submitted(kCode, kNode));
  Collections collections(store_.get(), &clock_);
  Apply(Accepted(kCode));
  EXPECT_EQ(collections.Get(kCode)->status, 2);
  EXPECT_EQ(collections.Get(kCode)->appointment_ms, kAppointment);
  EXPECT_TRUE(collections.Get(kCode)->received_at_ms.has_value());
  Apply(Assigned(kCode));
  EXPECT_EQ(collections.Get(kCode)->status, 4);
  // A result before assignment would be refused by the state machine; here it is in order.
  Apply(Result(kCode));
  auto c = collections.Get(kCode);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->status, 9);
  EXPECT_EQ(c->result_outcome, "approved");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM central_events WHERE applied = 1"), 4);
  // An event the state machine forbids (a second result) is stored, not applied.
  Apply(Result(kCode));
  EXPECT_EQ(collections.Get(kCode)->status, 9);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM central_events WHERE applied = 0"), 1);
}

TEST_F(CollectionsTest, AnAcceptanceAloneAlsoMakesTheCollection) {
  Apply(Accepted(kCode));
  Collections collections(store_.get(), &clock_);
  auto c = collections.Get(kCode);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->status, 2);
  EXPECT_EQ(c->appointment_ms, kAppointment);
}

TEST_F(CollectionsTest, NothingHappensForAnOnlineDossierThatChoseAnotherDesk) {
  Apply(Submitted(kCode, "desk-bn"));
  Apply(Assigned(kCode));
  EXPECT_EQ(Int("SELECT COUNT(*) FROM collections"), 0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM central_events WHERE applied = 0 AND note = 'the dossier "
                "was not received at this node'"),
            2);
  Collections collections(store_.get(), &clock_);
  EXPECT_TRUE(collections.Get(kCode).status().IsNotFound());
}

TEST_F(CollectionsTest, AnEventOfAnUnknownDossierStartsNoCollection) {
  Apply(Assigned(kCode));
  EXPECT_EQ(Int("SELECT COUNT(*) FROM collections"), 0);
}

TEST_F(CollectionsTest, HandOverWritesTheResultReturnedEventWithTheStatusChange) {
  ToResultReady(kCode);
  Collections collections(store_.get(), &clock_);
  const int64_t outbox_before = Int("SELECT COUNT(*) FROM outbox_events");
  CollectionReturn r = Handover();
  r.on_behalf = true;
  auto c = collections.Return(kCode, r);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->status, 10);
  EXPECT_EQ(c->returned_recipient_name, "Trần Thị Bích");
  EXPECT_EQ(c->returned_recipient_id_suffix, "1234");
  EXPECT_TRUE(c->returned_on_behalf);
  EXPECT_EQ(c->returned_clerk, "Lê Thu Hà");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM outbox_events"), outbox_before + 1);
  auto records = EventsOfDossier(store_->db(), kCode);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 1u);
  const Event* e = &(*records)[0].event;
  EXPECT_EQ(e->type, EventType::kResultReturned);
  EXPECT_EQ(e->node_id, kNode);
  EXPECT_EQ(e->actor, "Lê Thu Hà");
  EXPECT_EQ(e->payload.at("recipient_name").as_string(), "Trần Thị Bích");
  EXPECT_EQ(e->payload.at("recipient_id_suffix").as_string(), "1234");
  EXPECT_TRUE(e->payload.at("on_behalf").as_bool());
  EXPECT_EQ(e->payload.at("method").as_string(), "desk");
}

TEST_F(CollectionsTest, HandOverIsRefusedBeforeTheResultIsReadyAndAfterItWasReturned) {
  Apply(Submitted(kCode, kNode));
  Apply(Accepted(kCode));
  Collections collections(store_.get(), &clock_);
  const int64_t outbox_before = Int("SELECT COUNT(*) FROM outbox_events");
  auto early = collections.Return(kCode, Handover());
  EXPECT_TRUE(early.status().IsConflict()) << early.status().ToString();
  EXPECT_EQ(collections.Get(kCode)->status, 2);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM outbox_events"), outbox_before);
  Apply(Assigned(kCode));
  Apply(Result(kCode));
  ASSERT_TRUE(collections.Return(kCode, Handover()).ok());
  auto twice = collections.Return(kCode, Handover());
  EXPECT_TRUE(twice.status().IsConflict()) << twice.status().ToString();
  EXPECT_EQ(Int("SELECT COUNT(*) FROM outbox_events"), outbox_before + 1);
  EXPECT_TRUE(collections.Return("000.00.00.TT-260312-0099", Handover()).status().IsNotFound());
}

TEST_F(CollectionsTest, HandOverChecksTheLastFourDigitsAndTheNames) {
  ToResultReady(kCode);
  Collections collections(store_.get(), &clock_);
  CollectionReturn r = Handover();
  r.recipient_id_last4 = "079203001234";  // never the whole number
  auto bad = collections.Return(kCode, r);
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_EQ(bad.status().field(), "recipient_id_last4");
  r = Handover();
  r.clerk = "";
  EXPECT_EQ(collections.Return(kCode, r).status().field(), "clerk");
  EXPECT_EQ(collections.Get(kCode)->status, 9);
}

TEST_F(CollectionsTest, TheApiListsShowsAndHandsOver) {
  ToResultReady(kCode);
  Apply(Submitted("000.00.00.TT-260312-0002", kNode));
  DeskApi api(store_.get(), desk_.get());
  HttpResponse all = Call(api, "GET", "/api/collections");
  ASSERT_EQ(all.status, 200) << all.body;
  auto list = ParseJsonObject(all.body);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->at("count").as_int64(), 2);
  HttpResponse ready = Call(api, "GET", "/api/collections?status=9");
  ASSERT_EQ(ready.status, 200) << ready.body;
  auto ready_list = ParseJsonObject(ready.body);
  ASSERT_EQ(ready_list->at("count").as_int64(), 1);
  EXPECT_EQ(ready_list->at("collections").as_array()[0].at("code").as_string(), kCode);
  EXPECT_EQ(Call(api, "GET", "/api/collections?status=x").status, 400);

  HttpResponse one = Call(api, "GET", std::string("/api/collections/") + kCode);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(ParseJsonObject(one.body)->at("applicant_name").as_string(), "Trần Thị Bích");
  EXPECT_EQ(Call(api, "GET", "/api/collections/000.00.00.TT-260312-0099").status, 404);

  const std::string body =
      R"({"recipient_name":"Trần Thị Bích","recipient_id_last4":"1234","clerk":"Lê Thu Hà"})";
  HttpResponse early = Call(api, "POST", "/api/collections/000.00.00.TT-260312-0002/return", body);
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_NE(early.body.find("invalid_transition"), std::string::npos);
  EXPECT_EQ(Call(api, "POST", std::string("/api/collections/") + kCode + "/return", "{}").status,
            400);
  HttpResponse done = Call(api, "POST", std::string("/api/collections/") + kCode + "/return", body);
  ASSERT_EQ(done.status, 200) << done.body;
  auto returned = ParseJsonObject(done.body);
  EXPECT_EQ(returned->at("status").as_int64(), 10);
  EXPECT_EQ(returned->at("returned").at("recipient_id_suffix").as_string(), "1234");
  EXPECT_EQ(Call(api, "POST", std::string("/api/collections/") + kCode + "/return", body).status,
            409);
}

}  // namespace
}  // namespace hoso::node
