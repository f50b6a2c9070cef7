#include "central/dictionaries.h"

#include <sodium.h>

#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "schema/events.h"
#include "schema/time.h"
#include "sync/compress.h"

namespace hoso::central {
namespace {

constexpr size_t kMinDictionaryBytes = size_t{1} << 10;
constexpr size_t kMaxDictionaryBytes = size_t{1} << 20;

// Words that mark a payload path as personal data (docs/EVENTS.md): its
// strings never reach a sample, however often they repeat.
constexpr std::string_view kPersonalWords[] = {
    "name",  "phone",  "id_number", "id_suffix", "address",   "street", "ward",
    "email", "secret", "tax_code",  "recipient", "signature", "photo",  "proof",
};

bool IsPersonalPath(std::string_view path) {
  for (std::string_view w : kPersonalWords) {
    if (path.find(w) != std::string_view::npos) return true;
  }
  return false;
}

std::string RandomLetters(size_t n) {
  std::string s(n, 'a');
  for (char& c : s) c = static_cast<char>('a' + randombytes_uniform(26));
  return s;
}

std::string RandomHashHex() {
  unsigned char raw[kChainHashBytes];
  randombytes_buf(raw, sizeof raw);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

// Payload string value -> the dossiers (or, for events without one, the
// events) it occurs in, counted up to kMinDossiersPerKeptValue.
using Occurrences = std::map<std::string, std::set<std::string>, std::less<>>;

void CountStrings(const json::value& v, const std::string& path, const std::string& subject,
                  Occurrences& seen) {
  if (v.is_object()) {
    for (const auto& member : v.as_object()) {
      CountStrings(member.value(), JoinPath(path, member.key()), subject, seen);
    }
  } else if (v.is_array()) {
    for (const json::value& e : v.as_array()) CountStrings(e, path, subject, seen);
  } else if (v.is_string() && !IsPersonalPath(path)) {
    std::set<std::string>& subjects = seen[std::string(v.as_string())];
    if (subjects.size() < static_cast<size_t>(kMinDossiersPerKeptValue)) subjects.insert(subject);
  }
}

json::value Scrub(const json::value& v, const std::string& path, const Occurrences& seen) {
  if (v.is_object()) {
    json::object out;
    for (const auto& member : v.as_object()) {
      out[member.key()] = Scrub(member.value(), JoinPath(path, member.key()), seen);
    }
    return out;
  }
  if (v.is_array()) {
    json::array out;
    for (const json::value& e : v.as_array()) out.push_back(Scrub(e, path, seen));
    return out;
  }
  if (v.is_string()) {
    const std::string_view s = v.as_string();
    if (!IsPersonalPath(path)) {
      auto it = seen.find(s);
      if (it != seen.end() && it->second.size() >= static_cast<size_t>(kMinDossiersPerKeptValue)) {
        return v;
      }
    }
    return json::value(RandomLetters(s.size()));
  }
  if ((v.is_int64() || v.is_uint64()) && IsPersonalPath(path)) return json::value(0);
  return v;
}

Result<Event> EventFromRow(Statement& q) {
  Event e;
  e.node_id = q.ColumnText(0);
  e.seq = q.ColumnInt(1);
  e.event_id = q.ColumnText(2);
  HOSO_ASSIGN_OR_RETURN(e.type, EventTypeFromName(q.ColumnText(3)));
  e.schema_version = static_cast<int>(q.ColumnInt(4));
  e.dossier_code = q.ColumnOptText(5);
  HOSO_ASSIGN_OR_RETURN(e.payload, ParseJsonObject(q.ColumnText(6), 64));
  e.device_time_ms = q.ColumnInt(7);
  e.actor = q.ColumnOptText(8);
  e.waybill = q.ColumnOptText(9);
  return e;
}

}  // namespace

json::object DictionaryInfo::ToJson() const {
  json::object o{{"dict_id", dict_id},           {"state", state},
                 {"offered", offered},           {"trained_at", FormatLocalIso(trained_at_ms)},
                 {"size_bytes", size_bytes},     {"sample_count", sample_count},
                 {"sample_bytes", sample_bytes}, {"nodes_sent", nodes_sent}};
  o["retired_at"] = retired_at_ms ? json::value(FormatLocalIso(*retired_at_ms)) : json::value();
  return o;
}

Result<std::vector<std::string>> TrainingSamples(Database& db, int max_samples) {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  HOSO_ASSIGN_OR_RETURN(
      Statement q, db.Prepare("SELECT node_id, seq, event_id, type, schema_version, dossier_code, "
                              "payload, device_time_ms, actor, waybill FROM events "
                              "ORDER BY rowid DESC LIMIT ?1"));
  q.Bind(1, static_cast<int64_t>(max_samples));
  std::vector<Event> events;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    auto e = EventFromRow(q);
    // A stored event this build cannot read (a newer type) is simply not
    // learnt from.
    if (e.ok()) events.push_back(std::move(e).value());
  }
  Occurrences seen;
  for (const Event& e : events) {
    CountStrings(json::value(e.payload), "", e.dossier_code.value_or(e.event_id), seen);
  }
  std::vector<std::string> samples;
  samples.reserve(events.size());
  for (Event& e : events) {
    e.payload = Scrub(json::value(e.payload), "", seen).as_object();
    json::object line{
        {"event", EventToJsonObject(e)}, {"prev_hash", RandomHashHex()}, {"hash", RandomHashHex()}};
    samples.push_back(CanonicalJsonValue(json::value(std::move(line))) + "\n");
  }
  return samples;
}

sync::DictionaryLookup StoredDictionaries(Database& db) {
  Database* conn = &db;
  return [conn](int64_t dict_id) -> Result<sync::Dictionary> {
    HOSO_ASSIGN_OR_RETURN(Statement q,
                          conn->Prepare("SELECT bytes FROM dictionaries WHERE dict_id = ?1"));
    q.Bind(1, dict_id);
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return Status::NotFound("dictionary " + std::to_string(dict_id) +
                              " was never published by this central");
    }
    return sync::Dictionary{dict_id, q.ColumnBlob(0)};
  };
}

Result<std::optional<json::object>> TakeDictionaryItem(Database& db, const std::string& node_id,
                                                       int64_t batch_dict_id, bool resend,
                                                       UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(Statement newest,
                        db.Prepare("SELECT dict_id, bytes FROM dictionaries "
                                   "WHERE state = 'published' ORDER BY dict_id DESC LIMIT 1"));
  HOSO_ASSIGN_OR_RETURN(bool found, newest.Step());
  if (!found) return std::optional<json::object>();
  sync::Dictionary dict{newest.ColumnInt(0), newest.ColumnBlob(1)};
  if (dict.dict_id == batch_dict_id) return std::optional<json::object>();
  HOSO_ASSIGN_OR_RETURN(Statement sent, db.Prepare("SELECT 1 FROM node_dictionaries "
                                                   "WHERE node_id = ?1 AND dict_id = ?2"));
  sent.Bind(1, node_id).Bind(2, dict.dict_id);
  HOSO_ASSIGN_OR_RETURN(bool was_sent, sent.Step());
  if (was_sent && !resend) return std::optional<json::object>();
  HOSO_ASSIGN_OR_RETURN(
      Statement mark,
      db.Prepare("INSERT INTO node_dictionaries (node_id, dict_id, first_sent_at_ms, "
                 "last_sent_at_ms, times_sent) VALUES (?1, ?2, ?3, ?3, 1) "
                 "ON CONFLICT (node_id, dict_id) DO UPDATE SET "
                 "last_sent_at_ms = excluded.last_sent_at_ms, times_sent = times_sent + 1"));
  HOSO_RETURN_IF_ERROR(mark.Bind(1, node_id).Bind(2, dict.dict_id).Bind(3, now).Run());
  return std::optional<json::object>(sync::DictionaryItem(dict));
}

// ---- DictionaryAdmin ----------------------------------------------------------

DictionaryAdmin::DictionaryAdmin(CentralStore* store, Clock* clock)
    : store_(store), clock_(clock) {}

Result<DictionaryInfo> DictionaryAdmin::Train(const DictionaryTrainOptions& options) {
  if (options.max_samples < kMinDictionarySamples) {
    return Status::InvalidArgument(
        "max samples must be at least " + std::to_string(kMinDictionarySamples), "max_samples");
  }
  if (options.dict_bytes < kMinDictionaryBytes || options.dict_bytes > kMaxDictionaryBytes) {
    return Status::InvalidArgument("the dictionary size must be 1024..1048576 bytes", "size");
  }
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(std::vector<std::string> samples,
                        TrainingSamples(*db, options.max_samples));
  int64_t sample_bytes = 0;
  for (const std::string& s : samples) sample_bytes += static_cast<int64_t>(s.size());
  const std::string what =
      std::to_string(samples.size()) + " event lines (" + std::to_string(sample_bytes) + " bytes)";
  if (samples.size() < static_cast<size_t>(kMinDictionarySamples)) {
    return Status::Conflict("the central holds " + what + "; training needs at least " +
                            std::to_string(kMinDictionarySamples) + " events");
  }
  auto bytes = sync::TrainDictionary(samples, options.dict_bytes);
  if (!bytes.ok()) {
    return Status::Conflict("zstd could not learn a dictionary from " + what + ": " +
                            bytes.status().message());
  }
  DictionaryInfo info;
  info.state = "published";
  info.offered = true;
  info.trained_at_ms = clock_->NowMs();
  info.size_bytes = static_cast<int64_t>(bytes->size());
  info.sample_count = static_cast<int64_t>(samples.size());
  info.sample_bytes = sample_bytes;
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(std::optional<int64_t> last,
                        db->QueryInt("SELECT MAX(dict_id) FROM dictionaries"));
  info.dict_id = last.value_or(0) + 1;
  HOSO_ASSIGN_OR_RETURN(Statement ins,
                        db->Prepare("INSERT INTO dictionaries (dict_id, bytes, trained_at_ms, "
                                    "sample_count, sample_bytes) VALUES (?1, ?2, ?3, ?4, ?5)"));
  HOSO_RETURN_IF_ERROR(ins.Bind(1, info.dict_id)
                           .BindBlob(2, *bytes)
                           .Bind(3, info.trained_at_ms)
                           .Bind(4, info.sample_count)
                           .Bind(5, info.sample_bytes)
                           .Run());
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return info;
}

Result<std::vector<DictionaryInfo>> DictionaryAdmin::List() {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db->Prepare("SELECT d.dict_id, d.state, d.trained_at_ms, d.retired_at_ms, length(d.bytes), "
                  "d.sample_count, d.sample_bytes, "
                  "(SELECT COUNT(*) FROM node_dictionaries n WHERE n.dict_id = d.dict_id), "
                  "d.dict_id = (SELECT MAX(dict_id) FROM dictionaries WHERE state = 'published') "
                  "FROM dictionaries d ORDER BY d.dict_id"));
  std::vector<DictionaryInfo> out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    DictionaryInfo d;
    d.dict_id = q.ColumnInt(0);
    d.state = q.ColumnText(1);
    d.trained_at_ms = q.ColumnInt(2);
    d.retired_at_ms = q.ColumnOptInt(3);
    d.size_bytes = q.ColumnInt(4);
    d.sample_count = q.ColumnInt(5);
    d.sample_bytes = q.ColumnInt(6);
    d.nodes_sent = q.ColumnInt(7);
    d.offered = q.ColumnOptInt(8).value_or(0) == 1;
    out.push_back(std::move(d));
  }
  return out;
}

Status DictionaryAdmin::Retire(int64_t dict_id) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(Statement q, db->Prepare("SELECT state FROM dictionaries "
                                                 "WHERE dict_id = ?1"));
  q.Bind(1, dict_id);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no dictionary " + std::to_string(dict_id));
  if (q.ColumnText(0) == "retired") {
    return Status::Conflict("dictionary " + std::to_string(dict_id) + " is already retired");
  }
  HOSO_ASSIGN_OR_RETURN(Statement up, db->Prepare("UPDATE dictionaries SET state = 'retired', "
                                                  "retired_at_ms = ?2 WHERE dict_id = ?1"));
  HOSO_RETURN_IF_ERROR(up.Bind(1, dict_id).Bind(2, clock_->NowMs()).Run());
  return txn.Commit();
}

Result<sync::Dictionary> DictionaryAdmin::Get(int64_t dict_id) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  return StoredDictionaries(*db)(dict_id);
}

}  // namespace hoso::central
