// Dictionaries: the zstd dictionaries the central trains from the event lines
// it holds, publishes to its nodes in the down-sync, and decodes their
// batches with (sync/FORMAT.md, "Compression and dictionaries").
//
// States (table dictionaries): published -> retired. Training stores a new
// dictionary under the next dict_id, published at once. Nodes are offered the
// NEWEST published dictionary only; retiring one stops offering it (the
// newest published one before it, if any, is offered instead). A dictionary
// is never deleted and its bytes never change: ingest decodes batches
// compressed with any dictionary the central ever trained, retired or not.
//
// Personal data: a dictionary goes to every node, courier nodes included, so
// the training samples carry none. In the payload of each sampled event, a
// string whose dotted path names personal data (name, phone, id_number,
// address, ...) or that occurs in fewer than kMinDossiersPerKeptValue
// different dossiers is replaced by random letters of the same length;
// chain hashes are replaced by random ones. Member names, enum values,
// procedure ids, dates, dossier codes and catalog versions stay: they are
// what repeats from batch to batch.
//
// Thread-safety: DictionaryAdmin is safe for concurrent use (each call takes
// its own connection). The free functions use the caller's connection.
#ifndef HOSO_CENTRAL_DICTIONARIES_H_
#define HOSO_CENTRAL_DICTIONARIES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "central/central_store.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "schema/status.h"
#include "sync/batch.h"

namespace hoso::central {

// Tunables of `hoso-central dict train`.
inline constexpr int kDefaultMaxDictionarySamples = 20000;
inline constexpr size_t kDefaultDictionaryBytes = size_t{16} << 10;
// Fewer event lines than this teach a dictionary nothing worth sending.
inline constexpr int kMinDictionarySamples = 50;
// A payload string seen in fewer different dossiers is scrubbed.
inline constexpr int kMinDossiersPerKeptValue = 5;

struct DictionaryInfo {
  int64_t dict_id = 0;
  std::string state;     // published | retired
  bool offered = false;  // the newest published: what nodes are sent
  UnixMs trained_at_ms = 0;
  std::optional<UnixMs> retired_at_ms;
  int64_t size_bytes = 0;
  int64_t sample_count = 0;
  int64_t sample_bytes = 0;
  int64_t nodes_sent = 0;  // nodes it went to at least once

  json::object ToJson() const;
};

struct DictionaryTrainOptions {
  int max_samples = kDefaultMaxDictionarySamples;  // newest events first
  size_t dict_bytes = kDefaultDictionaryBytes;     // at most this large
};

class DictionaryAdmin {
 public:
  // REQUIRES: store and clock outlive the DictionaryAdmin.
  explicit DictionaryAdmin(CentralStore* store, Clock* clock = SystemClock());

  // Trains on the newest events (TrainingSamples), stores the dictionary as
  // MAX(dict_id) + 1 and publishes it. kInvalidArgument for options out of
  // range (max_samples < kMinDictionarySamples, dict_bytes outside
  // 1 KiB..1 MiB); kConflict when the central holds fewer than
  // kMinDictionarySamples events or zstd cannot learn from them.
  Result<DictionaryInfo> Train(const DictionaryTrainOptions& options);

  // Every dictionary, by dict_id.
  Result<std::vector<DictionaryInfo>> List();

  // Stops offering `dict_id`; batches compressed with it still decode.
  // kNotFound for an unknown id, kConflict when already retired.
  Status Retire(int64_t dict_id);

  // The stored bytes (for `hoso inspect --dictionary`). kNotFound.
  Result<sync::Dictionary> Get(int64_t dict_id);

 private:
  CentralStore* store_;
  Clock* clock_;
};

// The newest `max_samples` events the central holds, each as one batch line
// ("{"event":...,"hash":...,"prev_hash":...}\n", canonical) with personal
// data scrubbed as described above. Newest first.
Result<std::vector<std::string>> TrainingSamples(Database& db, int max_samples);

// Every dictionary stored, published or retired; kNotFound for another id
// (ingest refuses that batch as 422 unknown_dictionary). Reads through `db`,
// which must outlive the lookup.
sync::DictionaryLookup StoredDictionaries(Database& db);

// The dictionary item a down-sync to `node_id` carries, if any, recorded in
// node_dictionaries. `batch_dict_id` is the dict_id of the batch answered;
// `resend` says the node evidently lacks what it was sent before (see
// central/ingest.h). Nothing when no dictionary is published or the batch is
// already compressed with the newest published one; the newest published
// one when it was never sent to the node, or `resend`.
// REQUIRES: a write transaction is open on `db`.
Result<std::optional<json::object>> TakeDictionaryItem(Database& db, const std::string& node_id,
                                                       int64_t batch_dict_id, bool resend,
                                                       UnixMs now);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_DICTIONARIES_H_
