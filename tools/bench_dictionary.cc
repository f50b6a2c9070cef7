// bench_dictionary: how much a dictionary trained at the central shrinks the
// small batches a desk sends (docs/PERFORMANCE.md).
//
// Builds a desk node and a central in a temporary directory (real SQLite,
// real keys). The desk serves TRAIN applicants at the queue (ticket issued,
// called, dossier taken in, ticket served: four events each, with varied
// procedures, names, ID numbers, phones and addresses) and syncs them to the
// central through its HTTP routes called in process; the central trains a
// dictionary of DICT_BYTES as `hoso-central dict train` does. Then the desk
// serves 300 new applicants, and their events are encoded as signed batches
// of 1, 10 and 100 dossiers, compressed without and with the dictionary.
//
// Usage: bench_dictionary [TRAIN=2000] [DICT_BYTES=16384]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "central/api.h"
#include "central/central_store.h"
#include "central/dictionaries.h"
#include "central/ingest.h"
#include "central/nodes.h"
#include "node/desk.h"
#include "node/enrolment.h"
#include "node/node_store.h"
#include "node/outbox.h"
#include "node/sync_client.h"
#include "schema/data_dir.h"
#include "sync/batch.h"

namespace {

using namespace hoso;

constexpr UnixMs kStart = 1'773'280'800'000;  // 2026-03-12 09:00 +07:00
constexpr int kFresh = 300;
constexpr int kEventsPerDossier = 4;

std::string DataDir() {
  const char* env = std::getenv("HOSO_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : HOSO_DATA_DIR;
}

// The central's routes without a socket.
class InProcessTransport : public node::CentralTransport {
 public:
  explicit InProcessTransport(central::CentralApi* api) : api_(api) {}
  Result<HttpResponse> Post(const std::string& path, const std::string& content_type,
                            const std::string& body) override {
    HttpRequest r;
    r.method = "POST";
    r.target = path;
    r.path = path;
    r.headers.emplace_back("Content-Type", content_type);
    r.body = body;
    return api_->Handle(r);
  }

 private:
  central::CentralApi* api_;
};

class Applicants {
 public:
  explicit Applicants(const Catalog& catalog) {
    for (const Procedure& p : catalog.procedures()) {
      if (p.InForceOn(Date{2026, 3, 12})) procedures_.push_back(&p);
    }
  }

  node::IntakeRequest Next() {
    static const char* kFamily[] = {"Nguyễn", "Trần", "Lê",   "Phạm", "Hoàng", "Huỳnh", "Phan",
                                    "Vũ",     "Võ",   "Đặng", "Bùi",  "Đỗ",    "Hồ",    "Ngô"};
    static const char* kMiddle[] = {"Văn", "Thị", "Hữu", "Minh", "Thanh", "Quốc", "Ngọc", "Đức"};
    static const char* kGiven[] = {"An",  "Bình", "Châu", "Dũng", "Hà",   "Hải",  "Hạnh", "Khoa",
                                   "Lan", "Long", "Mai",  "Nam",  "Phúc", "Quân", "Tâm",  "Yến"};
    static const char* kWard[] = {"Phường Sài Gòn", "Phường Bến Thành",  "Phường Tân Định",
                                  "Phường Chợ Lớn", "Phường Bình Thạnh", "Xã Bình Chánh"};
    static const char* kStreet[] = {
        "Lê Lợi",        "Nguyễn Huệ", "Hai Bà Trưng",       "Trần Hưng Đạo",
        "Điện Biên Phủ", "Võ Văn Tần", "Cách Mạng Tháng Tám"};
    static const char* kProvince[] = {"079", "001", "048", "075", "092"};
    const Procedure& p = *procedures_[Pick(procedures_.size())];
    node::IntakeRequest r;
    r.procedure_id = p.id;
    r.applicant.kind = "person";
    r.applicant.full_name = std::string(kFamily[Pick(std::size(kFamily))]) + " " +
                            kMiddle[Pick(std::size(kMiddle))] + " " +
                            kGiven[Pick(std::size(kGiven))];
    r.applicant.id_number = std::string(kProvince[Pick(std::size(kProvince))]) +
                            std::to_string(1 + Pick(3)) + Digits(8);
    r.applicant.phone = "09" + Digits(8);
    r.applicant.address = {"Thành phố Hồ Chí Minh", kWard[Pick(std::size(kWard))],
                           std::to_string(1 + Pick(300)) + " " + kStreet[Pick(std::size(kStreet))]};
    r.applicant_type = "household";
    r.area = Pick(4) == 0 ? "other" : "urban";
    for (const RequiredDocument& d : p.required_documents) {
      if (!d.optional) r.documents.emplace_back(d.id, d.count);
    }
    if (p.postal_return && Pick(2) == 0) {
      r.return_method.method = "post";
      r.return_method.recipient_name = r.applicant.full_name;
      r.return_method.recipient_phone = r.applicant.phone;
      r.return_method.address = r.applicant.address;
    }
    r.clerk = Pick(2) == 0 ? "Lê Thu Hà" : "Trần Minh Khoa";
    return r;
  }

 private:
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + Pick(10)));
    return s;
  }

  std::vector<const Procedure*> procedures_;
  std::mt19937 rng_{20260312};
};

// One applicant at the queue: ticket issued, called, dossier taken in, served.
bool Serve(node::Desk& desk, Applicants& applicants, FakeClock& clock) {
  auto ticket = desk.IssueTicket("A");
  auto called = desk.CallNext("A", "3");
  std::vector<node::MissingDocument> missing;
  auto dossier = desk.Intake(applicants.Next(), &missing);
  auto done = called.ok() ? desk.Done(called->id) : called.status();
  clock.Advance(90'000);
  if (!ticket.ok() || !dossier.ok() || !done.ok()) {
    std::cerr << "serving failed: "
              << (!ticket.ok()    ? ticket.status().ToString()
                  : !dossier.ok() ? dossier.status().ToString()
                                  : done.status().ToString())
              << "\n";
    return false;
  }
  return true;
}

template <typename T>
bool Ok(const Result<T>& r, const char* what) {
  if (!r.ok()) std::cerr << what << ": " << r.status().ToString() << "\n";
  return r.ok();
}
bool Ok(const Status& s, const char* what) {
  if (!s.ok()) std::cerr << what << ": " << s.ToString() << "\n";
  return s.ok();
}

int Run(int train, size_t dict_bytes) {
  char tmpl[] = "/tmp/hoso-bench-dict-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  FakeClock clock(kStart);

  central::CentralInitOptions co;
  co.central_id = "central-hcm";
  co.source_data_dir = DataDir();
  co.clock = &clock;
  if (!Ok(central::CentralStore::Init(dir + "/central", co), "central init")) return 1;
  auto central = central::CentralStore::Open(dir + "/central");
  if (!Ok(central, "central open")) return 1;
  central::NodeAdmin admin(central->get(), &clock);
  central::IngestOptions io;
  io.clock = &clock;
  central::Ingestor ingestor(central->get(), io);
  central::CentralApi api(central->get(), &admin, &ingestor);
  InProcessTransport transport(&api);

  node::InitOptions no;
  no.identity = {"desk-h29-01", "Bộ phận một cửa Sở Công Thương", "000.00.17.H29",
                 "desk",        "Thành phố Hồ Chí Minh",          kStart};
  no.source_data_dir = DataDir();
  no.clock = &clock;
  if (!Ok(node::NodeStore::Init(dir + "/desk", no), "node init")) return 1;
  auto store = node::NodeStore::Open(dir + "/desk");
  if (!Ok(store, "node open")) return 1;
  node::Desk desk(store->get(), node::Desk::Options{&clock});
  Applicants applicants((*store)->catalog());

  auto token = admin.AddNode("desk-h29-01", "000.00.17.H29", "desk");
  if (!Ok(token, "node add")) return 1;
  if (!Ok(node::Enrol(**store, "http://central", token->token, transport, &clock), "enrol")) {
    return 1;
  }
  for (int i = 0; i < train; ++i) {
    if (!Serve(desk, applicants, clock)) return 1;
  }
  node::SyncClient client(store->get(), &transport, {&clock, {}});
  for (bool more = true; more;) {
    auto r = client.RunOnce();
    if (!Ok(r, "sync")) return 1;
    more = r->more;
  }
  central::DictionaryAdmin dicts(central->get(), &clock);
  auto info = dicts.Train({central::kDefaultMaxDictionarySamples, dict_bytes});
  if (!Ok(info, "train")) return 1;
  auto dict = dicts.Get(info->dict_id);
  if (!Ok(dict, "dictionary")) return 1;

  auto last = node::LastSeq((*store)->db());
  if (!Ok(last, "outbox")) return 1;
  const int64_t fresh_from = *last + 1;
  for (int i = 0; i < kFresh; ++i) {
    if (!Serve(desk, applicants, clock)) return 1;
  }
  auto fresh = node::EventsFrom((*store)->db(), fresh_from, kFresh * kEventsPerDossier);
  if (!Ok(fresh, "fresh events")) return 1;
  auto key = node::LoadNodeKey(**store);
  if (!Ok(key, "node key")) return 1;

  std::printf(
      "trained dictionary %lld: %lld bytes from %lld event lines (%lld bytes) of %d "
      "applicants\n\n",
      static_cast<long long>(info->dict_id), static_cast<long long>(info->size_bytes),
      static_cast<long long>(info->sample_count), static_cast<long long>(info->sample_bytes),
      train);
  std::printf(
      "| dossiers per batch | events | event lines | zstd body | zstd + dictionary body "
      "| batch file, zstd | batch file, zstd + dictionary | file saved |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (int per_batch : {1, 10, 100}) {
    const int events = per_batch * kEventsPerDossier;
    const int batches = kFresh / per_batch;
    double plain = 0, body[2] = {0, 0}, file[2] = {0, 0};
    for (int b = 0; b < batches; ++b) {
      std::vector<sync::BatchEvent> chunk;
      for (int i = 0; i < events; ++i) {
        node::OutboxRecord& r = (*fresh)[static_cast<size_t>(b * events + i)];
        chunk.push_back(sync::BatchEvent{r.event, r.prev_hash, r.hash});
      }
      for (int with = 0; with < 2; ++with) {
        sync::EncodeOptions o;
        o.dictionary = with ? &*dict : nullptr;
        auto f =
            sync::EncodeBatch("central-hcm", "desk-h29-01", chunk, 0, "", *key, o, clock.NowMs());
        if (!Ok(f, "encode")) return 1;
        auto h = sync::PeekBatchHeader(*f);
        auto framed = sync::DecodeSignedFile(*f);
        if (!Ok(h, "header") || !Ok(framed, "framing")) return 1;
        plain += static_cast<double>(h->uncompressed_size);
        body[with] += static_cast<double>(framed->body.size());
        file[with] += static_cast<double>(f->size());
      }
    }
    const double n = batches;
    std::printf("| %d | %d | %.0f B | %.0f B | %.0f B | %.0f B | %.0f B | %.0f %% |\n", per_batch,
                events, plain / 2 / n, body[0] / n, body[1] / n, file[0] / n, file[1] / n,
                100.0 * (1.0 - file[1] / file[0]));
  }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int train = argc > 1 ? std::atoi(argv[1]) : 2000;
  const size_t dict_bytes =
      argc > 2 ? static_cast<size_t>(std::atoll(argv[2])) : hoso::central::kDefaultDictionaryBytes;
  if (train < 20 || dict_bytes < 1024) {
    std::cerr << "usage: bench_dictionary [TRAIN>=20] [DICT_BYTES>=1024]\n";
    return 2;
  }
  return Run(train, dict_bytes);
}
