// Realistic desk traffic for the sync benchmark (tools/bench_sync.cc):
// dossiers taken in through the node's own Desk, so the outbox holds exactly
// the events real intake writes (dossier_received, and dossier_refused for
// the share refused at the counter), hash-chained and with every payload
// field real intake fills in.
//
// Applicants are persons and businesses with Vietnamese names (diacritics,
// common family, middle and given names), ID numbers, phones, tax codes,
// streets and wards; procedures are drawn from the catalog in force on each
// day, with every mandatory document and some optional ones; a share of
// results is returned by post where the procedure allows it. The desk works
// weekdays 07:30-17:00 (Asia/Ho_Chi_Minh) at a steady pace, starting on
// 2026-03-02, and the Desk's clock follows the intake times.
//
// Thread-safety: not thread-safe (a Desk and its NodeStore are single-threaded).
#ifndef HOSO_TOOLS_BENCH_SYNC_DATA_H_
#define HOSO_TOOLS_BENCH_SYNC_DATA_H_

#include <cstdint>

#include "node/node_store.h"
#include "schema/status.h"

namespace hoso::bench {

struct DeskTrafficOptions {
  int64_t dossiers = 2000;
  // Dossiers the desk takes in per working day (at most 9999: the daily
  // dossier number has four digits).
  int per_day = 400;
  uint64_t seed = 1;
};

// Takes in `options.dossiers` dossiers at the desk of `store` (about 1 in 20
// refused at intake). The database is switched to synchronous=OFF for the
// generation (nothing here is measured) and back to FULL at the end.
// Errors: whatever Desk::Intake / RefuseAtIntake return.
Status GenerateDeskTraffic(node::NodeStore* store, const DeskTrafficOptions& options);

}  // namespace hoso::bench

#endif  // HOSO_TOOLS_BENCH_SYNC_DATA_H_
