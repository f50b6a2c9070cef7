// The postal return of results end to end between real processes on
// 127.0.0.1: two desk nodes and two courier nodes (hoso-node) and the central
// (hoso-central), driven through their command lines and HTTP routes as
// operators, officers and a dispatcher would. Everyone works offline and
// syncs in an order shuffled by a seed (HTTP exchanges and stick files, some
// repeated); the central's projections must equal a reference fold the test
// computes itself from every event it caused, with the schema's state
// machines in the documented fold order (central/dossiers.h,
// central/shipments.h), whatever the seed. A desk handing over a result the
// courier also delivered must stay a conflict, never overwrite.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "schema/dossier_state.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "schema/shipment_state.h"
#include "sync/http_client.h"
#include "tests/e2e/sync_process_env.h"

namespace hoso::e2e {
namespace {

constexpr char kPassword[] = "Mùa xuân 2026!";
constexpr char kIdNumber[] = "079203001234";  // the applicant's, in every intake
constexpr char kRecipient[] = "Nguyễn Văn Ánh";

// A 1x1 PNG: the delivery proof.
const unsigned char kPng[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
    0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

// One stored event as both folds read it.
struct FoldEvent {
  std::string node_id;
  int64_t seq = 0;
  std::string event_id;
  EventType type = EventType::kDossierReceived;
  json::object payload;
  int64_t device_time_ms = 0;
  std::optional<std::string> dossier_code;
  std::optional<std::string> waybill;
  bool by_central = false;
};

// Merges the authors' chains (each in seq order), taking the head with the
// least `key` that `waits` does not hold back; `released` sees each taken.
template <typename Key, typename Waits, typename Released>
std::vector<FoldEvent> MergeChains(std::vector<FoldEvent> events, Key key, Waits waits,
                                   Released released) {
  std::map<std::string, std::vector<FoldEvent>> chains;
  for (FoldEvent& e : events) chains[e.node_id].push_back(std::move(e));
  for (auto& [node, chain] : chains) {
    std::sort(chain.begin(), chain.end(),
              [](const FoldEvent& a, const FoldEvent& b) { return a.seq < b.seq; });
  }
  std::map<std::string, size_t> next;
  std::vector<FoldEvent> out;
  for (;;) {
    const std::string* best = nullptr;
    for (auto& [node, chain] : chains) {
      if (next[node] >= chain.size() || waits(chain[next[node]])) continue;
      if (best == nullptr || key(chain[next[node]]) < key(chains[*best][next[*best]])) {
        best = &node;
      }
    }
    if (best == nullptr) break;
    out.push_back(chains[*best][next[*best]++]);
    released(out.back());
  }
  EXPECT_EQ(out.size(), events.size()) << "the reference fold order left events out";
  return out;
}

std::optional<std::string> Str(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().as_string());
}

// What a dossier's and a shipment's end state come to (the columns compared).
struct DossierEnd {
  int status = 0;
  std::string handler;
  int conflicts = 0;
  bool operator==(const DossierEnd&) const = default;
};
std::ostream& operator<<(std::ostream& os, const DossierEnd& d) {
  return os << "{status " << d.status << ", handler '" << d.handler << "', conflicts "
            << d.conflicts << "}";
}
struct ShipmentEnd {
  std::string state;
  std::string courier;
  int attempts = 0;
  int conflicts = 0;
  bool operator==(const ShipmentEnd&) const = default;
};
std::ostream& operator<<(std::ostream& os, const ShipmentEnd& s) {
  return os << "{" << s.state << ", courier '" << s.courier << "', attempts " << s.attempts
            << ", conflicts " << s.conflicts << "}";
}

// The reference dossier fold (central/dossiers.h): chains merged by device
// time, node events first at a tie, then by author id; each event through
// the dossier state machine, a refused one counted as a conflict.
DossierEnd FoldDossierRef(std::vector<FoldEvent> events) {
  auto key = [](const FoldEvent& e) {
    return std::make_tuple(e.device_time_ms, e.by_central, e.node_id);
  };
  DossierEnd end;
  std::optional<DossierStatus> status;
  for (const FoldEvent& e : MergeChains(
           std::move(events), key, [](const FoldEvent&) { return false; },
           [](const FoldEvent&) {})) {
    const std::optional<DossierAction> action = DossierActionFor(e.type);
    if (!action) continue;
    Result<DossierStatus> to = ApplyDossierAction(status, *action);
    if (!to.ok()) {
      ++end.conflicts;
      continue;
    }
    status = *to;
    if (e.type == EventType::kHandlerAssigned || e.type == EventType::kHandlerTransferred) {
      end.handler = Str(e.payload, "handler_id").value_or("");
    }
  }
  end.status = status ? StatusNumber(*status) : 0;
  return end;
}

// The reference shipment fold (central/shipments.h): shipment_created
// first, then the chains merged by device time, the central's events first
// at a tie, then by author id, a courier's events never before the first
// assignment naming it; an assignment only while requested, a second
// delivery refused.
ShipmentEnd FoldShipmentRef(std::vector<FoldEvent> events) {
  std::set<std::string> named;
  for (const FoldEvent& e : events) {
    if (e.type == EventType::kShipmentAssigned) {
      named.insert(Str(e.payload, "courier_node_id").value_or(""));
    }
  }
  std::set<std::string> released;
  auto key = [](const FoldEvent& e) {
    return std::make_tuple(e.type != EventType::kShipmentCreated, e.device_time_ms, !e.by_central,
                           e.node_id);
  };
  auto waits = [&](const FoldEvent& e) {
    return !e.by_central && named.count(e.node_id) > 0 && released.count(e.node_id) == 0;
  };
  auto release = [&](const FoldEvent& e) {
    if (e.type == EventType::kShipmentAssigned) {
      released.insert(Str(e.payload, "courier_node_id").value_or(""));
    }
  };
  ShipmentEnd end;
  std::optional<ShipmentState> state;
  bool delivered = false;
  for (const FoldEvent& e : MergeChains(std::move(events), key, waits, release)) {
    if (e.type == EventType::kShipmentAssigned) {
      if (state != ShipmentState::kRequested) {
        ++end.conflicts;
        continue;
      }
      end.courier = Str(e.payload, "courier_node_id").value_or("");
      continue;
    }
    const std::optional<ShipmentAction> action = ShipmentActionFor(e.type);
    if (!action) continue;
    if (e.type == EventType::kShipmentDelivered && delivered) {
      ++end.conflicts;
      continue;
    }
    std::optional<FailureReason> reason;
    if (*action == ShipmentAction::kFailAttempt) {
      auto r = FailureReasonFromName(Str(e.payload, "reason").value_or(""));
      if (r.ok()) reason = *r;
    }
    Result<ShipmentState> to = ApplyShipmentAction(state, *action, reason);
    if (!to.ok()) {
      ++end.conflicts;
      continue;
    }
    state = *to;
    if (e.type == EventType::kShipmentOutForDelivery) ++end.attempts;
    if (e.type == EventType::kShipmentDelivered) delivered = true;
  }
  end.state = state ? ShipmentStateName(*state) : "";
  return end;
}

// The end state of one run, by the scenario's names of dossiers (A1..B3)
// and of the shipments of their results.
struct RunEnd {
  std::map<std::string, DossierEnd> dossiers;
  std::map<std::string, ShipmentEnd> shipments;
};

class PostalScenarioTest : public SyncProcessTest {
 protected:
  // One HTTP call to the central with a session; the parsed answer.
  json::object Call(const std::string& method, const std::string& target, const json::object& body,
                    const std::string& token, int want_status = 200) {
    HttpClient client("127.0.0.1", CentralPort());
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}};
    if (!token.empty()) headers.push_back({"Authorization", "Bearer " + token});
    auto r = client.Send(method, target, ToJson(body), headers);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, want_status) << method << " " << target << ": " << r->body;
    auto o = ParseJsonObject(r->body);
    return o.ok() ? *o : json::object{};
  }
  // A session of `user`, logged in once per run.
  std::string Login(const std::string& user) {
    std::string& token = tokens_[user];
    if (!token.empty()) return token;
    json::object o = Call("POST", "/api/auth/login",
                          json::object{{"username", user}, {"password", kPassword}}, "");
    token = Str(o, "token").value_or("");
    return token;
  }

  void AddUser(const std::string& name, const std::string& role, const std::string& unit) {
    Ran r = RunCli({kCentralBin, "user", "add", name, "--data", central_dir_, "--role", role,
                    "--unit", unit, "--password-file", password_path_});
    ASSERT_EQ(r.rc, 0) << r.out;
  }

  NodeDir NewCourier(int n, const std::string& unit) {
    NodeDir node;
    node.dir = tmp_.path() + "/courier-" + std::to_string(n);
    node.node_id = "courier-0" + std::to_string(n);
    node.unit_code = unit;
    Ran init =
        RunCli({kNodeBin, "init", "--data", node.dir, "--unit-code", unit, "--name",
                "Bưu tá số " + std::to_string(n), "--role", "courier", "--node-id", node.node_id,
                "--province", "Thành phố Hồ Chí Minh", "--source-data", DataDir()});
    EXPECT_EQ(init.rc, 0) << init.out;
    Ran add = RunCli({kCentralBin, "node", "add", "--data", central_dir_, "--id", node.node_id,
                      "--unit-code", unit, "--role", "courier"});
    EXPECT_EQ(add.rc, 0) << add.out;
    node.token = add.out.substr(0, add.out.find('\n'));
    return node;
  }

  std::string IntakeFrom(const NodeDir& node, const std::string& body_path) {
    Ran r =
        RunCli({kNodeBin, "intake", "--data", node.dir, "--json", body_path, "--format", "json"});
    EXPECT_EQ(r.rc, 0) << r.out;
    auto o = ParseJsonObject(r.out.substr(std::min(r.out.find('{'), r.out.size())));
    EXPECT_TRUE(o.ok()) << r.out;
    return o.ok() ? std::string(o->at("code").as_string()) : "";
  }

  // A courier action with `hoso-node courier`; must succeed.
  void Courier(const NodeDir& node, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kNodeBin, "courier", args[0], "--data", node.dir};
    argv.insert(argv.end(), args.begin() + 1, args.end());
    Ran r = RunCli(argv);
    EXPECT_EQ(r.rc, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.out;
  }

  // One exchange of `node`: over HTTP (mode 0), or by stick (export, import
  // at the central, the answers imported back); mode 2 reads the stick twice
  // at the central and the answers twice at the node.
  void SyncBy(const NodeDir& node, int mode) {
    const auto t0 = std::chrono::steady_clock::now();
    struct Acc {
      int64_t* ms;
      std::chrono::steady_clock::time_point t0;
      ~Acc() {
        *ms += std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t0)
                   .count();
      }
    } acc{&sync_ms_[mode], t0};
    if (mode == 0) {
      Ran r = SyncOnce(node, CentralUrl());
      EXPECT_EQ(r.rc, 0) << node.node_id << ": " << r.out;
      return;
    }
    const std::string stick = tmp_.path() + "/stick-" + std::to_string(++sticks_);
    std::filesystem::create_directories(stick);
    std::vector<std::string> files = Export(node, stick);
    if (files.empty()) {  // nothing to carry: an HTTP poll brings the down-sync
      Ran r = SyncOnce(node, CentralUrl());
      EXPECT_EQ(r.rc, 0) << node.node_id << ": " << r.out;
      return;
    }
    Ran imported = CentralImport(files, stick);
    EXPECT_EQ(imported.rc, 0) << imported.out;
    if (mode == 2) {  // the stick is read at the central twice
      Ran again = CentralImport(files, stick);
      EXPECT_EQ(again.rc, 0) << again.out;
    }
    std::vector<std::string> answers = AnswersOf(imported);
    if (!answers.empty()) {
      Ran back = NodeImport(node, answers);
      EXPECT_EQ(back.rc, 0) << back.out;
      if (mode == 2) {
        Ran again = NodeImport(node, answers);
        EXPECT_EQ(again.rc, 0) << again.out;
      }
    }
  }

  // Every node in `nodes` syncs once, in shuffled order and ways; `rounds` times.
  void ShuffledSyncs(std::mt19937& rng, std::vector<const NodeDir*> nodes, int rounds) {
    for (int round = 0; round < rounds; ++round) {
      std::shuffle(nodes.begin(), nodes.end(), rng);
      for (const NodeDir* n : nodes) {
        const int mode = static_cast<int>(rng() % 3);
        order_log_ += n->node_id + (mode == 0 ? "/http " : mode == 1 ? "/stick " : "/stick2 ");
        SyncBy(*n, mode);
      }
    }
  }

  // Every event the central holds (its own chain and the nodes'), read-only.
  std::vector<FoldEvent> AllStoredEvents() {
    std::vector<FoldEvent> out;
    auto db = OpenReadOnly(central_dir_ + "/central.db");
    if (db == nullptr) return out;
    for (bool central : {false, true}) {
      auto st = db->Prepare(std::string("SELECT node_id, seq, event_id, type, payload, "
                                        "device_time_ms, dossier_code, waybill FROM ") +
                            (central ? "central_events" : "events"));
      EXPECT_TRUE(st.ok()) << st.status().ToString();
      if (!st.ok()) return out;
      while (NextRow(*st)) {
        FoldEvent e;
        e.node_id = st->ColumnText(0);
        e.seq = st->ColumnInt(1);
        e.event_id = st->ColumnText(2);
        auto type = EventTypeFromName(st->ColumnText(3));
        EXPECT_TRUE(type.ok()) << st->ColumnText(3);
        if (type.ok()) e.type = *type;
        auto payload = ParseJsonObject(st->ColumnText(4));
        if (payload.ok()) e.payload = *payload;
        e.device_time_ms = st->ColumnInt(5);
        e.dossier_code = st->ColumnOptText(6);
        e.waybill = st->ColumnOptText(7);
        e.by_central = central;
        out.push_back(std::move(e));
      }
    }
    return out;
  }

  // Runs the whole scenario with `seed`; returns its end state by name.
  RunEnd RunScenario(uint32_t seed);

  std::string password_path_;
  std::string post_intake_path_;
  std::string order_log_;
  int sticks_ = 0;
  int64_t sync_ms_[3] = {0, 0, 0};
  std::map<std::string, std::string> tokens_;
};

RunEnd PostalScenarioTest::RunScenario(uint32_t seed) {
  std::cout << "[ postal   ] shuffle seed " << seed << std::endl;
  std::mt19937 rng(seed);
  RunEnd end;
  password_path_ = tmp_.path() + "/password";
  EXPECT_TRUE(
      PosixFileSystem()->WriteFileAtomic(password_path_, std::string(kPassword) + "\n", 0600).ok());
  json::object post = *ParseJsonObject(IntakeBody());
  post["return"] = json::object{{"method", "post"},
                                {"recipient_name", kRecipient},
                                {"recipient_phone", "0903123456"},
                                {"address", json::object{{"province", "Thành phố Hồ Chí Minh"},
                                                         {"ward", "Phường Sài Gòn"},
                                                         {"street", "12 Lê Lợi"}}}};
  post_intake_path_ = tmp_.path() + "/intake-post.json";
  EXPECT_TRUE(PosixFileSystem()->WriteFileAtomic(post_intake_path_, ToJson(post), 0600).ok());
  const std::string proof = tmp_.path() + "/chu-ky.png";
  EXPECT_TRUE(PosixFileSystem()
                  ->WriteFileAtomic(
                      proof, std::string(reinterpret_cast<const char*>(kPng), sizeof(kPng)), 0600)
                  .ok());

  Ran range = RunCli({kCentralBin, "waybill", "add-range", "--data", central_dir_, "--prefix", "EB",
                      "--first", "10000000", "--last", "10099999"});
  EXPECT_EQ(range.rc, 0) << range.out;
  NodeDir desk1 = NewNode(1);
  NodeDir desk2 = NewNode(2);
  NodeDir c1 = NewCourier(1, desk1.unit_code + ".BC");
  NodeDir c2 = NewCourier(2, desk2.unit_code + ".BC");
  AddUser("sup-1", "supervisor", desk1.unit_code);
  AddUser("off-1", "officer", desk1.unit_code);
  AddUser("sup-2", "supervisor", desk2.unit_code);
  AddUser("off-2", "officer", desk2.unit_code);
  AddUser("disp", "dispatcher", desk1.unit_code);
  StartCentral();
  for (const NodeDir* n : {&desk1, &desk2, &c1, &c2}) {
    Ran r = Enrol(*n, CentralUrl());
    EXPECT_EQ(r.rc, 0) << n->node_id << ": " << r.out;
  }

  // Offline at the desks: post (1, 2) and desk returns (3).
  std::map<std::string, std::string> code;  // A1.. -> dossier code
  for (const auto& [desk, letter] : {std::pair{&desk1, "A"}, std::pair{&desk2, "B"}}) {
    code[std::string(letter) + "1"] = IntakeFrom(*desk, post_intake_path_);
    code[std::string(letter) + "2"] = IntakeFrom(*desk, post_intake_path_);
    code[std::string(letter) + "3"] = IntakeFrom(*desk, intake_path_);
  }
  ShuffledSyncs(rng, {&desk1, &desk2}, 2);

  // Officers: a handler for each, then the result (shipments for 1 and 2).
  std::map<std::string, std::string> waybill;  // A1.. -> waybill
  const std::string deadline = FormatLocalIso(SystemClock()->NowMs() + 3 * 86'400'000LL);
  for (const auto& [name, c] : code) {
    const std::string n = name.substr(0, 1) == "A" ? "1" : "2";
    const std::string sup = Login("sup-" + n);
    const std::string off = Login("off-" + n);
    Call("POST", "/api/officer/dossiers/" + c + "/assign",
         json::object{{"handler", "off-" + n}, {"step_deadline", deadline}}, sup);
    json::object r = Call("POST", "/api/officer/dossiers/" + c + "/result",
                          json::object{{"outcome", "approved"}, {"document_number", "12/GP"}}, off);
    if (name[1] != '3') {
      const json::object* s = r.contains("shipment") && r.at("shipment").is_object()
                                  ? &r.at("shipment").as_object()
                                  : nullptr;
      EXPECT_TRUE(s != nullptr && Str(*s, "waybill")) << name << ": " << ToJson(r);
      if (s != nullptr) waybill[name] = Str(*s, "waybill").value_or("");
    }
  }

  // The dispatcher: A2 goes to courier 1, then to courier 2 before pick-up.
  const std::string disp = Login("disp");
  auto assign = [&](const std::string& name, const NodeDir& courier) {
    Call("POST", "/api/dispatch/shipments/" + waybill[name] + "/assign",
         json::object{{"courier", courier.node_id}}, disp);
  };
  assign("A1", c1);
  assign("A2", c1);
  assign("B1", c2);
  assign("B2", c1);
  ShuffledSyncs(rng, {&c1, &desk1}, 1);
  assign("A2", c2);
  ShuffledSyncs(rng, {&desk1, &desk2, &c1, &c2}, 2);

  // Offline on the road and at the desks.
  Courier(c1, {"pickup", waybill["A1"], "--actor", "Phạm Văn Cường"});
  Courier(c1, {"pickup", waybill["B2"]});
  Courier(c2, {"pickup", waybill["A2"]});
  Courier(c2, {"pickup", waybill["B1"]});
  Courier(c1, {"out", waybill["A1"]});
  Courier(c2, {"out", waybill["A2"]});
  Courier(c2, {"out", waybill["B1"]});
  Courier(c2, {"fail", waybill["B1"], "--reason", "not_home"});
  ShuffledSyncs(rng, {&c2, &desk2}, 1);
  Courier(c1, {"deliver", waybill["A1"], "--recipient-name", kRecipient, "--id-suffix", "1234",
               "--proof", proof});
  Courier(c2, {"fail", waybill["A2"], "--reason", "wrong_address"});
  Courier(c2, {"hold", waybill["A2"], "--post-office", "Bưu cục Sài Gòn"});
  Courier(c1, {"out", waybill["B2"]});
  Courier(c2, {"out", waybill["B1"]});
  Courier(c2, {"deliver", waybill["B1"], "--recipient-name", "Trần Thị Bình", "--relation", "vợ",
               "--id-suffix", "4321", "--proof", proof});
  // The desk hands B2 over at the counter while courier 1 delivers it too.
  Ran hb =
      RunCli({kNodeBin, "hand-back", "--data", desk2.dir, code["B2"], "--recipient-kind", "owner",
              "--recipient-name", kRecipient, "--recipient-id", kIdNumber, "--clerk", "Lê Thu Hà"});
  EXPECT_EQ(hb.rc, 0) << hb.out;
  Courier(c1, {"deliver", waybill["B2"], "--recipient-name", kRecipient, "--id-suffix", "1234",
               "--proof", proof});
  for (const auto& [desk, name] : {std::pair{&desk1, "A3"}, std::pair{&desk2, "B3"}}) {
    Ran r = RunCli({kNodeBin, "hand-back", "--data", desk->dir, code[name], "--recipient-kind",
                    "owner", "--recipient-name", kRecipient, "--recipient-id", kIdNumber, "--clerk",
                    "Lê Thu Hà"});
    EXPECT_EQ(r.rc, 0) << r.out;
  }
  ShuffledSyncs(rng, {&desk1, &desk2, &c1, &c2}, 2);
  Courier(c2, {"return", waybill["A2"], "--reason", "không liên lạc được người nhận"});
  ShuffledSyncs(rng, {&desk1, &desk2, &c1, &c2}, 2);
  // Finally each node over HTTP twice: everything acknowledged, uploads done.
  for (int i = 0; i < 2; ++i) {
    for (const NodeDir* n : {&desk1, &desk2, &c1, &c2}) SyncBy(*n, 0);
  }
  std::cout << "[ postal   ] seed " << seed << " order: " << order_log_ << std::endl;
  std::cout << "[ postal   ] time in syncs: http " << sync_ms_[0] << " ms, stick " << sync_ms_[1]
            << " ms, stick read twice " << sync_ms_[2] << " ms" << std::endl;

  // Every event each node wrote is stored once, in its chain order.
  std::set<std::string> caused;
  for (const NodeDir* n : {&desk1, &desk2, &c1, &c2}) {
    EXPECT_TRUE(Converged(*n)) << n->node_id;
    for (const EventRow& r : NodeOutbox(*n)) caused.insert(r.event_id);
  }
  std::vector<FoldEvent> stored = AllStoredEvents();
  std::map<std::string, int> times;
  for (const FoldEvent& e : stored) ++times[e.event_id];
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << "event " << id << " stored " << n << "x";
  size_t central_own = 0;
  for (const FoldEvent& e : stored) central_own += e.by_central ? 1 : 0;
  EXPECT_EQ(stored.size(), caused.size() + central_own);
  for (const std::string& id : caused) EXPECT_EQ(times.count(id), 1u) << "lost event " << id;
  // The central's own: a handler and a result for six dossiers, four
  // shipments created, five assignments.
  EXPECT_EQ(central_own, 6u * 2 + 4 + 5);

  // The reference fold against the central's projections.
  auto db = OpenReadOnly(central_dir_ + "/central.db");
  if (db == nullptr) return end;
  for (const auto& [name, c] : code) {
    std::vector<FoldEvent> mine;
    for (const FoldEvent& e : stored) {
      if (e.dossier_code == c) mine.push_back(e);
    }
    const DossierEnd want = FoldDossierRef(mine);
    auto st = db->Prepare(
        "SELECT status, coalesce(handler_id, ''), conflict_count FROM dossiers "
        "WHERE dossier_code = ?1");
    EXPECT_TRUE(st.ok());
    if (!st.ok()) continue;
    st->Bind(1, c);
    DossierEnd got;
    if (NextRow(*st)) {
      got = DossierEnd{static_cast<int>(st->ColumnInt(0)), st->ColumnText(1),
                       static_cast<int>(st->ColumnInt(2))};
    }
    EXPECT_EQ(got, want) << name << " " << c;
    end.dossiers[name] = got;
  }
  for (const auto& [name, w] : waybill) {
    std::vector<FoldEvent> mine;
    for (const FoldEvent& e : stored) {
      if (e.waybill == w) mine.push_back(e);
    }
    const ShipmentEnd want = FoldShipmentRef(mine);
    auto st = db->Prepare(
        "SELECT coalesce(state, ''), coalesce(courier_node_id, ''), attempts, conflict_count "
        "FROM shipments WHERE waybill = ?1");
    EXPECT_TRUE(st.ok());
    if (!st.ok()) continue;
    st->Bind(1, w);
    ShipmentEnd got;
    if (NextRow(*st)) {
      got = ShipmentEnd{st->ColumnText(0), st->ColumnText(1), static_cast<int>(st->ColumnInt(2)),
                        static_cast<int>(st->ColumnInt(3))};
    }
    EXPECT_EQ(got, want) << name << " " << w;
    end.shipments[name] = got;
  }

  // The courier nodes never held an ID number, and forgot the recipients
  // once the central acknowledged the ending events.
  for (const NodeDir* n : {&c1, &c2}) {
    for (const char* file : {"/node.db", "/node.db-wal"}) {
      auto bytes = PosixFileSystem()->ReadFile(n->dir + file);
      if (bytes.ok()) {
        EXPECT_EQ(bytes->find(kIdNumber), std::string::npos) << n->node_id << file;
      }
    }
    Ran list = RunCli({kNodeBin, "courier", "list", "--data", n->dir, "--all", "--json"});
    EXPECT_EQ(list.rc, 0) << list.out;
    auto o = ParseJsonObject(list.out.substr(std::min(list.out.find('{'), list.out.size())));
    EXPECT_TRUE(o.ok()) << list.out;
    if (!o.ok()) continue;
    int ended = 0;
    for (const json::value& v : o->at("shipments").as_array()) {
      const json::object& s = v.as_object();
      const std::string state = Str(s, "state").value_or("");
      if (state != "delivered" && state != "returned_to_agency") continue;
      ++ended;
      EXPECT_TRUE(s.at("purged").as_bool()) << ToJson(s);
      EXPECT_TRUE(s.at("recipient_name").is_null()) << ToJson(s);
      EXPECT_TRUE(s.at("phone").is_null()) << ToJson(s);
      EXPECT_TRUE(s.at("address").is_null()) << ToJson(s);
    }
    EXPECT_EQ(ended, 2) << n->node_id << ": " << list.out;
  }

  // The reconciliation report: the conflict of B2, nothing of the others.
  Ran report =
      RunCli({kCentralBin, "report", "reconcile", "--data", central_dir_, "--format", "json"});
  EXPECT_EQ(report.rc, 0) << report.out;
  auto rep = ParseJsonObject(report.out.substr(std::min(report.out.find('{'), report.out.size())));
  EXPECT_TRUE(rep.ok()) << report.out;
  if (rep.ok()) {
    bool two_deliveries = false;
    for (const json::value& v : rep->at("items").as_array()) {
      const std::string text = ToJson(v);
      if (Str(v.as_object(), "rule") == "two_deliveries" && text.find(code["B2"]) != text.npos) {
        two_deliveries = true;
      }
      for (const auto& [name, c] : code) {
        if (name != "B2") {
          EXPECT_EQ(text.find(c), std::string::npos) << name << ": " << text;
        }
      }
    }
    EXPECT_TRUE(two_deliveries) << report.out;
  }
  return end;
}

TEST_F(PostalScenarioTest, TwoDesksTwoCouriersShuffledSyncsEndInTheReferenceFoldForTwoSeeds) {
  const auto start = std::chrono::steady_clock::now();
  const RunEnd first = RunScenario(20261126);
  // The expected end, whatever the order.
  EXPECT_EQ(first.dossiers.at("A1"), (DossierEnd{10, "off-1", 0}));
  EXPECT_EQ(first.dossiers.at("A2"), (DossierEnd{9, "off-1", 0}));
  EXPECT_EQ(first.dossiers.at("A3"), (DossierEnd{10, "off-1", 0}));
  EXPECT_EQ(first.dossiers.at("B1"), (DossierEnd{10, "off-2", 0}));
  EXPECT_EQ(first.dossiers.at("B2"), (DossierEnd{10, "off-2", 1}));
  EXPECT_EQ(first.dossiers.at("B3"), (DossierEnd{10, "off-2", 0}));
  EXPECT_EQ(first.shipments.at("A1"), (ShipmentEnd{"delivered", "courier-01", 1, 0}));
  EXPECT_EQ(first.shipments.at("A2"), (ShipmentEnd{"returned_to_agency", "courier-02", 1, 0}));
  EXPECT_EQ(first.shipments.at("B1"), (ShipmentEnd{"delivered", "courier-02", 2, 0}));
  EXPECT_EQ(first.shipments.at("B2"), (ShipmentEnd{"delivered", "courier-01", 1, 0}));

  // The same scenario from scratch with another seed.
  central_.reset();
  const std::string first_root = tmp_.path() + "/run-1";
  std::filesystem::create_directories(first_root);
  for (const char* d : {"central", "desk-1", "desk-2", "courier-1", "courier-2"}) {
    std::filesystem::rename(tmp_.path() + "/" + d, first_root + "/" + d);
  }
  order_log_.clear();
  tokens_.clear();
  std::fill(std::begin(sync_ms_), std::end(sync_ms_), 0);
  SetUp();
  const RunEnd second = RunScenario(7);
  EXPECT_EQ(second.dossiers, first.dossiers);
  EXPECT_EQ(second.shipments, first.shipments);
  std::cout << "[ postal   ] two runs in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count()
            << " ms" << std::endl;
}

}  // namespace
}  // namespace hoso::e2e
