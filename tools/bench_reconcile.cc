// bench_reconcile: how long `hoso-central report reconcile` takes on a large
// central.
//
// Creates a central in a fresh data directory and fills its event log
// directly with SQL (no signatures or chains: the report reads rows, not
// batches) with N dossiers as a province's desks and couriers leave them:
// 20 desks, 10 couriers; each dossier received at a desk with the
// appointment the central's calendar computes; 90% decided by an officer
// three days later; 60% returned by post (shipment created by the desk,
// picked up, out for delivery and delivered by a courier), with a few
// mismatches of every kind (about 1 in 100 not picked up, 1 in 200
// delivered twice, 1 in 200 with a different fee collected, 1 in 500 with a
// wrong appointment). The dossier projection rows are written to match.
// Then it times, three runs each, BuildReconcileReport in this process and
// the real binary printing the CSV report to /dev/null.
//
// Usage: bench_reconcile PATH_TO_HOSO_CENTRAL [--dossiers N=100000] [--keep DIR]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "central/central_store.h"
#include "central/reconcile.h"
#include "schema/calendar.h"
#include "schema/data_dir.h"
#include "schema/holidays.h"
#include "schema/json_util.h"
#include "schema/time.h"

namespace {

using Clock = std::chrono::steady_clock;
using hoso::UnixMs;

constexpr int kDesks = 20;
constexpr int kCouriers = 10;
constexpr int64_t kDayMs = 86'400'000;
constexpr UnixMs kStart = 1'767'600'000'000;  // 2026-01-05, a Monday

// CPU seconds (user + system) of this process or of its finished children:
// the machine may be shared, so wall time alone says little.
double CpuSeconds(int who) {
  struct rusage u;
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Seconds(Clock::time_point from) {
  return std::chrono::duration<double>(Clock::now() - from).count();
}

#define CHECK_OK(expr)                                                        \
  do {                                                                        \
    auto s_ = (expr);                                                         \
    if (!s_.ok()) {                                                           \
      std::cerr << #expr << ": " << s_.ToString() << std::endl; /* NOLINT */ \
      std::exit(1);                                                           \
    }                                                                         \
  } while (0)

std::string Zero32() { return std::string(32, '\0'); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_reconcile PATH_TO_HOSO_CENTRAL [--dossiers N] [--keep DIR]\n";
    return 2;
  }
  const std::string bin = argv[1];
  int64_t n = 100'000;
  std::string keep;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--dossiers") n = std::atoll(argv[i + 1]);
    if (flag == "--keep") keep = argv[i + 1];
  }
  const std::string dir =
      keep.empty()
          ? (std::filesystem::temp_directory_path() / ("bench_reconcile_" + std::to_string(getpid())))
                .string()
          : keep;
  std::filesystem::remove_all(dir);
  hoso::central::CentralInitOptions init;
  init.central_id = "central-bench";
  init.source_data_dir = HOSO_DATA_DIR;
  CHECK_OK(hoso::central::CentralStore::Init(dir, init));
  auto store = hoso::central::CentralStore::Open(dir);
  CHECK_OK(store.status());
  auto lease = (*store)->Db();
  CHECK_OK(lease.status());
  hoso::Database& db = **lease;

  std::ifstream cal_file(std::string(HOSO_DATA_DIR) + "/calendar.json");
  std::stringstream cal_text;
  cal_text << cal_file.rdbuf();
  auto cal_data = hoso::ParseCalendarData(cal_text.str());
  CHECK_OK(cal_data.status());
  auto cal = hoso::WorkingCalendar::ForSite(*cal_data);
  CHECK_OK(cal.status());

  const auto fill_start = Clock::now();
  {
    auto txn = hoso::Transaction::Begin(db);
    CHECK_OK(txn.status());
    auto node = db.Prepare(
        "INSERT INTO nodes (node_id, unit_code, role, state, created_at_ms, last_seen_ms) "
        "VALUES (?1, ?2, ?3, 'active', ?4, ?5)");
    CHECK_OK(node.status());
    for (int d = 0; d < kDesks + kCouriers; ++d) {
      char id[32], unit[32];
      const bool desk = d < kDesks;
      std::snprintf(id, sizeof id, desk ? "desk-%02d" : "courier-%02d", desk ? d : d - kDesks);
      std::snprintf(unit, sizeof unit, "000.00.%02d.H29", d + 10);
      CHECK_OK(node->Bind(1, id).Bind(2, unit).Bind(3, desk ? "desk" : "courier")
                   .Bind(4, kStart).Bind(5, kStart + 200 * kDayMs).Run());
      node->Reset();
    }
    auto ev = db.Prepare(
        "INSERT INTO events (node_id, seq, event_id, type, schema_version, dossier_code, "
        "payload, device_time_ms, received_at_ms, hash, actor, waybill) VALUES "
        "(?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    CHECK_OK(ev.status());
    auto cev = db.Prepare(
        "INSERT INTO central_events (seq, node_id, event_id, type, schema_version, "
        "dossier_code, payload, device_time_ms, actor, hash, origin_node_id) VALUES "
        "(?1, 'central-bench', ?2, 'result_recorded', 1, ?3, '{\"outcome\":\"approved\"}', ?4, "
        "'tran.van.binh', ?5, ?6)");
    CHECK_OK(cev.status());
    auto dos = db.Prepare(
        "INSERT INTO dossiers (dossier_code, unit_code, procedure_id, status, received_at_ms, "
        "appointment_ms, origin_node_id, last_event_id, last_event_type, last_event_at_ms, "
        "event_count, updated_at_ms) VALUES (?1, ?2, '2.000620', ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
        "?10, ?9)");
    CHECK_OK(dos.status());
    std::vector<int64_t> seqs(kDesks + kCouriers, 0);
    int64_t central_seq = 0, event_no = 0;
    auto put = [&](int node, const char* type, const std::string& code, const std::string& payload,
                   UnixMs t, const std::string& waybill) {
      char id[32];
      const bool desk = node < kDesks;
      std::snprintf(id, sizeof id, desk ? "desk-%02d" : "courier-%02d",
                    desk ? node : node - kDesks);
      CHECK_OK(ev->Bind(1, id)
                   .Bind(2, ++seqs[node])
                   .Bind(3, "e" + std::to_string(++event_no))
                   .Bind(4, type)
                   .Bind(5, code)
                   .Bind(6, payload)
                   .Bind(7, t)
                   .Bind(8, t + 600'000)
                   .BindBlob(9, Zero32())
                   .Bind(10, desk ? "le-thi-thu" : "buu-ta")
                   .Bind(11, waybill.empty() ? std::optional<std::string>()
                                             : std::optional<std::string>(waybill))
                   .Run());
      ev->Reset();
    };
    for (int64_t i = 0; i < n; ++i) {
      const int desk = static_cast<int>(i % kDesks);
      const int courier = kDesks + static_cast<int>(i % kCouriers);
      const int64_t k = i / kDesks;
      const int64_t day = k / 2000;  // at most 2000 dossiers per desk and day
      char code[48], waybill[32];
      std::snprintf(code, sizeof code, "000.00.%02d.H29-26%04lld-%04lld", desk + 10,
                    static_cast<long long>(day % 10000), static_cast<long long>(k % 2000 + 1));
      std::snprintf(waybill, sizeof waybill, "EB%08lld0VN", static_cast<long long>(i));
      const UnixMs received = kStart + day * kDayMs + 3 * 3'600'000 + (k % 2000) * 10'000;
      UnixMs due = *cal->DueWorkingDays(received, 8);
      if (i % 500 == 7) due += kDayMs;
      const bool post = i % 5 < 3;
      std::string payload = "{\"procedure_id\":\"2.000620\",\"applicant\":{\"name\":\"Nguyễn Văn "
                            "An\"},\"appointment_ms\":" +
                            std::to_string(due) +
                            ",\"lookup_secret_hash\":\"00ff\",\"catalog_version\":\"2026.1\","
                            "\"calendar_version\":\"2026.1\",\"return_method\":\"" +
                            (post ? "post" : "desk") + "\"" +
                            (post ? ",\"delivery_address\":\"12 Lê Lợi\",\"postal_fee_vnd\":25000"
                                  : "") +
                            "}";
      put(desk, "dossier_received", code, payload, received, "");
      const bool decided = i % 10 != 9;
      int status = 2;
      UnixMs last = received;
      if (decided) {
        last = received + 3 * kDayMs;
        ++central_seq;
        CHECK_OK(cev->Bind(1, central_seq)
                     .Bind(2, "c" + std::to_string(central_seq))
                     .Bind(3, code)
                     .Bind(4, last)
                     .BindBlob(5, Zero32())
                     .Bind(6, std::string(desk < 10 ? "desk-0" : "desk-") + std::to_string(desk))
                     .Run());
        cev->Reset();
        status = 9;
        if (post) {
          put(desk, "shipment_created", code,
              "{\"block_id\":\"1\",\"recipient_name\":\"Nguyễn Văn An\",\"address\":\"12 Lê "
              "Lợi\",\"postal_fee_vnd\":25000}",
              last + 3'600'000, waybill);
          if (i % 100 != 11) {
            put(courier, "shipment_picked_up", code, "{}", last + kDayMs, waybill);
            put(courier, "shipment_out_for_delivery", code, "{\"attempt\":1}",
                last + kDayMs + 3'600'000, waybill);
            const std::string fee = i % 200 == 12 ? "30000" : "25000";
            put(courier, "shipment_delivered", code,
                "{\"recipient_name\":\"Nguyễn Văn An\",\"proof_hash\":\"" +
                    std::string(64, 'a') + "\",\"fee_collected_vnd\":" + fee + "}",
                last + kDayMs + 7'200'000, waybill);
            if (i % 200 == 17) {
              put(courier, "shipment_delivered", code,
                  "{\"recipient_name\":\"Trần Văn B\",\"proof_hash\":\"" + std::string(64, 'b') +
                      "\"}",
                  last + kDayMs + 9'000'000, waybill);
            }
            status = 10;
            last += kDayMs + 7'200'000;
          }
        }
      }
      char desk_id[16];
      std::snprintf(desk_id, sizeof desk_id, "desk-%02d", desk);
      char unit[32];
      std::snprintf(unit, sizeof unit, "000.00.%02d.H29", desk + 10);
      CHECK_OK(dos->Bind(1, code)
                   .Bind(2, unit)
                   .Bind(3, status)
                   .Bind(4, received)
                   .Bind(5, due)
                   .Bind(6, desk_id)
                   .Bind(7, "e" + std::to_string(event_no))
                   .Bind(8, "x")
                   .Bind(9, last)
                   .Bind(10, 1)
                   .Run());
      dos->Reset();
    }
    CHECK_OK(txn->Commit());
  }
  const double fill_s = Seconds(fill_start);
  auto rows = db.QueryInt("SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM "
                          "central_events)");
  CHECK_OK(rows.status());
  CHECK_OK(db.Exec("ANALYZE"));
  const UnixMs as_of = kStart + 400 * kDayMs;
  std::printf("%lld dossiers, %lld events, filled in %.1f s; database %.0f MB\n",
              static_cast<long long>(n), static_cast<long long>(rows->value_or(0)), fill_s,
              static_cast<double>(std::filesystem::file_size(dir + "/central.db")) / 1e6);

  for (int run = 0; run < 3; ++run) {
    hoso::central::ReconcileOptions o;
    o.as_of_ms = as_of;
    const auto t = Clock::now();
    const double cpu = CpuSeconds(RUSAGE_SELF);
    auto report = hoso::central::BuildReconcileReport(db, o);
    CHECK_OK(report.status());
    const double s = Seconds(t);
    const double cpu_s = CpuSeconds(RUSAGE_SELF) - cpu;
    const auto by_rule = report->OpenByRule();
    std::printf("in process, run %d: %.2f s wall, %.2f s CPU, %zu items (", run + 1, s, cpu_s,
                report->items.size());
    bool first = true;
    for (const auto& [rule, count] : by_rule) {
      std::printf("%s%s %lld", first ? "" : ", ", rule.c_str(), static_cast<long long>(count));
      first = false;
    }
    std::printf(")\n");
  }
  for (int run = 0; run < 3; ++run) {
    const std::string cmd = bin + " report reconcile --data " + dir +
                            " --format csv --as-of " + hoso::FormatLocalIso(as_of) +
                            " > /dev/null";
    const auto t = Clock::now();
    const double cpu = CpuSeconds(RUSAGE_CHILDREN);
    if (std::system(cmd.c_str()) != 0) {
      std::cerr << "failed: " << cmd << "\n";
      return 1;
    }
    const double wall = Seconds(t);
    std::printf("hoso-central report reconcile --format csv, run %d: %.2f s wall, %.2f s CPU\n",
                run + 1, wall, CpuSeconds(RUSAGE_CHILDREN) - cpu);
  }
  struct rusage after;
  getrusage(RUSAGE_CHILDREN, &after);
  std::printf("peak resident set of the command: %.0f MB\n",
              static_cast<double>(after.ru_maxrss) / 1024.0);
  if (keep.empty()) std::filesystem::remove_all(dir);
  return 0;
}
