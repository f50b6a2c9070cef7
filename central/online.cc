// OnlineDesk, the applicants' side: procedures, drafts, files, validation,
// submission, lookup and completion uploads. Reception is in
// online_reception.cc; what both use is in online_internal.h.
#include "central/online.h"

#include <sodium.h>

#include <algorithm>
#include <set>
#include <utility>

#include "central/auth.h"
#include "central/dossiers.h"
#include "central/online_internal.h"
#include "schema/attachment.h"
#include "schema/holidays.h"
#include "schema/ids.h"
#include "schema/text.h"

namespace hoso::central {

namespace online_internal {

constexpr int kDirMode = 0700;
constexpr int kChunkFileMode = 0600;

Result<std::string> StoreFileBytes(CentralStore& store, Database& db, std::string_view bytes,
                                   const std::string& media_type, UnixMs now,
                                   AttachmentManifest* manifest_out) {
  AttachmentManifest m = MakeManifest(bytes, media_type);
  for (int64_t i = 0; i < m.chunk_count(); ++i) {
    const std::string& h = m.chunk_hashes[i];
    HOSO_ASSIGN_OR_RETURN(Statement have,
                          db.Prepare("SELECT 1 FROM stored_chunks WHERE hash = ?1"));
    have.Bind(1, h);
    HOSO_ASSIGN_OR_RETURN(bool already, have.Step());
    if (already) continue;
    // The file first, synced, then its row: a row always has its bytes.
    const std::string path = ChunkPath(store, h);
    HOSO_RETURN_IF_ERROR(store.fs()->CreateDirs(path.substr(0, path.rfind('/')), kDirMode));
    HOSO_RETURN_IF_ERROR(store.fs()->WriteFileAtomic(
        path, std::string(bytes.substr(m.ChunkOffset(i), m.ChunkLength(i))), kChunkFileMode));
    HOSO_ASSIGN_OR_RETURN(Statement ins,
                          db.Prepare("INSERT INTO stored_chunks (hash, size_bytes, node_id, "
                                     "stored_at_ms) VALUES (?1, ?2, ?3, ?4) "
                                     "ON CONFLICT (hash) DO NOTHING"));
    HOSO_RETURN_IF_ERROR(
        ins.Bind(1, h).Bind(2, m.ChunkLength(i)).Bind(3, store.central_id()).Bind(4, now).Run());
  }
  HOSO_ASSIGN_OR_RETURN(
      Statement file,
      db.Prepare("INSERT INTO attachments (hash, size_bytes, media_type, chunk_size, chunk_count, "
                 "first_seen_ms, completed_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
                 "ON CONFLICT (hash) DO NOTHING"));
  HOSO_RETURN_IF_ERROR(file.Bind(1, m.hash)
                           .Bind(2, m.size_bytes)
                           .Bind(3, m.media_type)
                           .Bind(4, m.chunk_size)
                           .Bind(5, m.chunk_count())
                           .Bind(6, now)
                           .Run());
  if (db.Changes() == 1) {
    HOSO_ASSIGN_OR_RETURN(Statement chunk,
                          db.Prepare("INSERT INTO attachment_chunks (attachment_hash, idx, "
                                     "chunk_hash, size_bytes) VALUES (?1, ?2, ?3, ?4)"));
    for (int64_t i = 0; i < m.chunk_count(); ++i) {
      chunk.Reset();
      HOSO_RETURN_IF_ERROR(chunk.Bind(1, m.hash)
                               .Bind(2, i)
                               .Bind(3, m.chunk_hashes[i])
                               .Bind(4, m.ChunkLength(i))
                               .Run());
    }
  }
  std::string hash = m.hash;
  if (manifest_out != nullptr) *manifest_out = std::move(m);
  return hash;
}

Result<Event> AppendCentralEvent(Database& db, const std::string& central_id,
                                 const std::string& actor, const std::string& code, EventType type,
                                 json::object payload, UnixMs at,
                                 const std::optional<std::string>& origin_node_id) {
  HOSO_ASSIGN_OR_RETURN(Statement last,
                        db.Prepare("SELECT seq, hash FROM central_events ORDER BY seq DESC "
                                   "LIMIT 1"));
  HOSO_ASSIGN_OR_RETURN(bool has_last, last.Step());
  const int64_t seq = has_last ? last.ColumnInt(0) + 1 : 1;
  const std::string prev = has_last ? last.ColumnBlob(1) : GenesisHash();
  Event e = NewEvent(type, central_id, at, std::move(payload));
  e.seq = seq;
  e.dossier_code = code;
  e.actor = actor;
  HOSO_RETURN_IF_ERROR(ValidateEvent(e));
  const std::string hash = ChainHash(prev, CanonicalJson(e));
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db.Prepare("INSERT INTO central_events (seq, node_id, event_id, type, schema_version, "
                 "dossier_code, payload, device_time_ms, actor, hash, origin_node_id) VALUES "
                 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  HOSO_RETURN_IF_ERROR(ins.Bind(1, seq)
                           .Bind(2, central_id)
                           .Bind(3, e.event_id)
                           .Bind(4, EventTypeName(type))
                           .Bind(5, e.schema_version)
                           .Bind(6, code)
                           .Bind(7, ToJson(json::value(e.payload)))
                           .Bind(8, at)
                           .Bind(9, actor)
                           .BindBlob(10, hash)
                           .Bind(11, origin_node_id)
                           .Run());
  return e;
}

std::string Str(const json::object& o, std::string_view path) {
  const json::object* cur = &o;
  size_t start = 0;
  for (;;) {
    const size_t dot = path.find('.', start);
    const std::string_view key =
        path.substr(start, dot == std::string_view::npos ? dot : dot - start);
    const json::value* v = cur->if_contains(key);
    if (v == nullptr) return "";
    if (dot == std::string_view::npos) {
      return v->is_string() ? NormaliseSpaces(std::string(v->get_string())) : "";
    }
    if (!v->is_object()) return "";
    cur = &v->get_object();
    start = dot + 1;
  }
}

std::string FilerKey(const json::object& fields) {
  if (Str(fields, "applicant.kind") == "organisation") {
    return DigitsOnly(Str(fields, "business.tax_code"));
  }
  return FilerKeyOfId(DigitsOnly(Str(fields, "applicant.id_number")));
}

std::string FilerKeyOfId(const std::string& id_digits) {
  // Never the number itself: the list is keyed by a one-way hash of it.
  return "id:" + Blake2bHex("hoso.filer:" + id_digits).substr(0, 32);
}

json::object FileJson(const Statement& q) {
  // Columns: file_id, document_id, file_name, attachment_hash, media_type,
  // size_bytes, round, added_at_ms.
  return json::object{
      {"file_id", q.ColumnInt(0)},     {"document_id", q.ColumnText(1)},
      {"name", q.ColumnText(2)},       {"hash", q.ColumnText(3)},
      {"media_type", q.ColumnText(4)}, {"size_bytes", q.ColumnInt(5)},
      {"round", q.ColumnInt(6)},       {"added_at", FormatLocalIso(q.ColumnInt(7))}};
}

const char kFileColumns[] =
    "file_id, document_id, file_name, attachment_hash, media_type, size_bytes, round, "
    "added_at_ms";

Outcome<std::string> CheckUpload(const Procedure* p, const std::string& document_id,
                                 const std::string& file_name, std::string_view bytes,
                                 int64_t max_bytes, std::string* clean_name) {
  if (p != nullptr &&
      std::none_of(p->required_documents.begin(), p->required_documents.end(),
                   [&](const RequiredDocument& d) { return d.id == document_id; })) {
    return Refusal{400, "bad_request",
                   "document '" + document_id + "' is not on the checklist of " + p->id,
                   "document_id", std::nullopt};
  }
  if (bytes.empty()) {
    return Refusal{400, "bad_request", "the file is empty", "file", std::nullopt};
  }
  if (static_cast<int64_t>(bytes.size()) > max_bytes) {
    return Refusal{413, "file_too_large",
                   "the file of " + std::to_string(bytes.size()) + " bytes is over the limit of " +
                       std::to_string(max_bytes) + " bytes",
                   "file", std::nullopt};
  }
  Result<std::string> name = CleanFileName(file_name);
  if (!name.ok()) {
    return Refusal{400, "bad_request", name.status().message(), "name", std::nullopt};
  }
  *clean_name = *name;
  Result<std::string> type = SniffMediaType(bytes);
  if (!type.ok()) {
    return Refusal{415, "unsupported_media_type",
                   type.status().message() + "; only PDF, JPEG and PNG files are accepted", "file",
                   std::nullopt};
  }
  return *type;
}

}  // namespace online_internal

using namespace online_internal;  // NOLINT: this file's own helpers

namespace {

constexpr size_t kMaxFieldsBytes = 16 * 1024;
constexpr size_t kMaxTextChars = 300;
constexpr int64_t kFailedLookupWindowMs = 15 * kMsPerMinute;

size_t CodePointCount(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool IsPhone(const std::string& s) {
  std::string d;
  for (char c : s) {
    if (c == ' ' || c == '.' || c == '-') continue;
    d += c;
  }
  return d.size() == 10 && d[0] == '0' && DigitsOnly(d) == d;
}

bool IsEmail(const std::string& s) {
  const size_t at = s.find('@');
  if (at == std::string::npos || at == 0 || s.find('@', at + 1) != std::string::npos) return false;
  const std::string domain = s.substr(at + 1);
  const size_t dot = domain.rfind('.');
  return s.size() <= 254 && s.find(' ') == std::string::npos && dot != std::string::npos &&
         dot > 0 && dot + 1 < domain.size();
}

bool IsTaxCode(const std::string& s) {
  // 10 digits, or 10 digits, '-', 3 digits (a branch).
  auto digits = [](std::string_view v) {
    return std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (s.size() == 10) return digits(s);
  return s.size() == 14 && s[10] == '-' && digits(s.substr(0, 10)) && digits(s.substr(11));
}

void Need(std::vector<FieldError>& errors, const json::object& f, const std::string& field,
          const char* what_en, const char* what_vi) {
  const std::string v = Str(f, field);
  if (v.empty()) {
    errors.push_back(
        {field, std::string(what_en) + " is required", std::string(what_vi) + " là bắt buộc"});
  } else if (CodePointCount(v) > kMaxTextChars) {
    errors.push_back(
        {field,
         std::string(what_en) + " must be at most " + std::to_string(kMaxTextChars) + " characters",
         std::string(what_vi) + " dài tối đa " + std::to_string(kMaxTextChars) + " ký tự"});
  }
}

Outcome<bool> Limited(bool allowed, int64_t retry_after_s, const std::string& what) {
  if (allowed) return true;
  return Refusal{429, "too_many_requests",
                 "too many " + what + "; try again in " + std::to_string(retry_after_s) + " s", "",
                 std::nullopt};
}

}  // namespace

bool WindowCounter::Allow(const std::string& key, int limit, int64_t window_ms, UnixMs now,
                        int64_t* retry_after_s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (windows_.size() > 100000) {
    // Forget finished windows so that a flood of keys cannot grow memory.
    std::erase_if(windows_, [&](const auto& kv) { return now - kv.second.start >= window_ms; });
  }
  Window& w = windows_[key];
  if (now - w.start >= window_ms) w = Window{now, 0};
  if (w.count >= limit) {
    *retry_after_s = std::max<int64_t>(1, (w.start + window_ms - now + 999) / 1000);
    return false;
  }
  ++w.count;
  return true;
}

bool WindowCounter::Over(const std::string& key, int limit, int64_t window_ms, UnixMs now,
                       int64_t* retry_after_s) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = windows_.find(key);
  if (it == windows_.end() || now - it->second.start >= window_ms || it->second.count < limit) {
    return false;
  }
  *retry_after_s = std::max<int64_t>(1, (it->second.start + window_ms - now + 999) / 1000);
  return true;
}

std::string OnlineSecretHash(std::string_view code, std::string_view canonical_secret) {
  std::string message(code);
  message += ':';
  message.append(canonical_secret);
  return Blake2bHex(message);
}

OnlineDesk::OnlineDesk(CentralStore* store, OnlineOptions options, Catalog catalog,
                       std::unique_ptr<WorkingCalendar> calendar, Tariff tariff)
    : store_(store),
      options_(std::move(options)),
      catalog_(std::move(catalog)),
      calendar_(std::move(calendar)),
      tariff_(std::move(tariff)) {}

Result<std::unique_ptr<OnlineDesk>> OnlineDesk::Create(CentralStore* store, OnlineOptions options) {
  HOSO_RETURN_IF_ERROR(ValidateUnitCode(options.unit_code));
  const std::string data = store->dir() + "/data/";
  HOSO_ASSIGN_OR_RETURN(Catalog catalog, Catalog::Load(data + "catalog.json", store->fs()));
  HOSO_ASSIGN_OR_RETURN(CalendarData cal, LoadCalendarData(data + "calendar.json", store->fs()));
  HOSO_ASSIGN_OR_RETURN(WorkingCalendar wc, WorkingCalendar::ForSite(std::move(cal)));
  HOSO_ASSIGN_OR_RETURN(Tariff tariff, Tariff::Load(data + "tariff.json"));
  return std::unique_ptr<OnlineDesk>(
      new OnlineDesk(store, std::move(options), std::move(catalog),
                     std::make_unique<WorkingCalendar>(std::move(wc)), std::move(tariff)));
}

Outcome<bool> OnlineDesk::CountRequest(const std::string& address) {
  int64_t retry = 0;
  return Limited(limiter_.Allow("addr:" + address, options_.max_requests_per_address, kMsPerMinute,
                                options_.clock->NowMs(), &retry),
                 retry, "requests from this address");
}

Outcome<bool> OnlineDesk::CountDraftWrite(const std::string& token_hash) {
  int64_t retry = 0;
  return Limited(limiter_.Allow("draft:" + HexEncode(token_hash), options_.max_writes_per_draft,
                                kMsPerMinute, options_.clock->NowMs(), &retry),
                 retry, "changes to this draft");
}

json::object OnlineDesk::Procedures() const {
  json::array out;
  for (const Procedure* p : catalog_.InForce(LocalDateOf(options_.clock->NowMs()))) {
    if (!p->online) continue;
    json::object o = ProcedureToJson(*p);
    o["filing"] = p->processing.kind == ProcessingKind::kNone;
    const std::optional<int> days = ProcessingDays(*p, /*online=*/true);
    o["processing_days"] = days ? json::value(*days) : json::value();
    out.push_back(std::move(o));
  }
  return json::object{{"catalog_version", catalog_.version()},
                      {"unit_code", options_.unit_code},
                      {"max_file_bytes", options_.max_file_bytes},
                      {"procedures", std::move(out)}};
}

Result<json::object> OnlineDesk::Desks() const {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Statement q, db->Prepare("SELECT node_id, unit_code FROM nodes WHERE "
                                                 "role = 'desk' AND state = 'active' "
                                                 "ORDER BY unit_code"));
  json::array out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(json::object{{"node_id", q.ColumnText(0)}, {"unit_code", q.ColumnText(1)}});
  }
  return json::object{{"desks", std::move(out)}};
}

json::object OnlineDesk::PostalFee(std::string_view province) const {
  const hoso::PostalFee fee = tariff_.PostalReturnFee(options_.province, province);
  return json::object{{"amount_vnd", fee.amount_vnd},
                      {"verified", fee.verified},
                      {"zone", fee.zone},
                      {"tariff_version", tariff_.version()}};
}

Outcome<json::object> OnlineDesk::CreateDraft(const std::string& address) {
  const UnixMs now = options_.clock->NowMs();
  int64_t retry = 0;
  Outcome<bool> ok = Limited(
      limiter_.Allow("drafts:" + address, options_.max_drafts_per_address, kMsPerHour, now, &retry),
      retry, "new drafts from this address");
  if (!ok.ok()) return ok.refusal();
  const std::string token = NewSessionToken();
  const std::string token_hash = SessionTokenHash(token);
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(
      Statement ins, db->Prepare("INSERT INTO online_drafts (token_hash, fields, created_at_ms, "
                                 "updated_at_ms, remote_address) VALUES (?1, '{}', ?2, ?2, ?3)"));
  HOSO_RETURN_IF_ERROR(ins.BindBlob(1, token_hash).Bind(2, now).Bind(3, address).Run());
  HOSO_ASSIGN_OR_RETURN(json::object out, DraftJson(*db, token_hash, token));
  return out;
}

Result<json::object> OnlineDesk::DraftJson(Database& db, const std::string& token_hash,
                                           const std::string& token) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT fields, submitted_code, updated_at_ms "
                                                "FROM online_drafts WHERE token_hash = ?1"));
  q.BindBlob(1, token_hash);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no draft has this token");
  HOSO_ASSIGN_OR_RETURN(json::object fields, ParseJsonObject(q.ColumnText(0)));
  const std::optional<std::string> submitted = q.ColumnOptText(1);
  const UnixMs updated = q.ColumnInt(2);
  HOSO_ASSIGN_OR_RETURN(Statement files,
                        db.Prepare(std::string("SELECT ") + kFileColumns +
                                   " FROM online_files WHERE draft_token_hash = ?1 ORDER BY "
                                   "file_id"));
  files.BindBlob(1, token_hash);
  json::array files_json;
  std::vector<std::string> docs;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool more, files.Step());
    if (!more) break;
    docs.push_back(files.ColumnText(1));
    files_json.push_back(FileJson(files));
  }
  json::array errors;
  for (const FieldError& e : Validate(fields, docs, options_.clock->NowMs())) {
    errors.push_back(
        json::object{{"field", e.field}, {"message", e.message}, {"message_vi", e.message_vi}});
  }
  return json::object{{"token", token},
                      {"fields", std::move(fields)},
                      {"files", std::move(files_json)},
                      {"submitted_code", submitted ? json::value(*submitted) : json::value()},
                      {"updated_at", FormatLocalIso(updated)},
                      {"errors", std::move(errors)}};
}

Outcome<json::object> OnlineDesk::GetDraft(const std::string& token) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  Result<json::object> d = DraftJson(*db, SessionTokenHash(token), token);
  if (!d.ok() && d.status().code() == Status::Code::kNotFound) {
    return hoso::central::Refuse(404, "no_draft", "no draft has this token");
  }
  if (!d.ok()) return d.status();
  return std::move(*d);
}

Outcome<json::object> OnlineDesk::SaveDraft(const std::string& token, const json::object& fields) {
  const std::string token_hash = SessionTokenHash(token);
  if (Outcome<bool> ok = CountDraftWrite(token_hash); !ok.ok()) return ok.refusal();
  const std::string text = ToJson(json::value(fields));
  if (text.size() > kMaxFieldsBytes) {
    return Refusal{413, "body_too_large",
                   "the draft's fields of " + std::to_string(text.size()) +
                       " bytes are over the limit of " + std::to_string(kMaxFieldsBytes) + " bytes",
                   "fields", std::nullopt};
  }
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Statement up,
                        db->Prepare("UPDATE online_drafts SET fields = ?2, updated_at_ms = ?3 "
                                    "WHERE token_hash = ?1 AND submitted_code IS NULL"));
  HOSO_RETURN_IF_ERROR(
      up.BindBlob(1, token_hash).Bind(2, text).Bind(3, options_.clock->NowMs()).Run());
  if (db->Changes() == 0) {
    Outcome<json::object> d = GetDraft(token);
    if (!d.ok()) return d.refusal();
    return hoso::central::Refuse(409, "already_submitted",
                                 "this draft was submitted as dossier " +
                                     std::string(d->at("submitted_code").as_string()) +
                                     "; it can no longer change");
  }
  HOSO_ASSIGN_OR_RETURN(json::object out, DraftJson(*db, token_hash, token));
  return out;
}

Result<json::object> OnlineDesk::StoreFile(Database& db, std::string_view bytes,
                                           const std::string& media_type) {
  HOSO_ASSIGN_OR_RETURN(std::string hash, StoreFileBytes(*store_, db, bytes, media_type,
                                                         options_.clock->NowMs(), nullptr));
  return json::object{{"hash", hash}};
}

Outcome<json::object> OnlineDesk::AddDraftFile(const std::string& token,
                                               const std::string& document_id,
                                               const std::string& file_name,
                                               std::string_view bytes) {
  const std::string token_hash = SessionTokenHash(token);
  if (Outcome<bool> ok = CountDraftWrite(token_hash); !ok.ok()) return ok.refusal();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Statement q, db->Prepare("SELECT fields, submitted_code FROM "
                                                 "online_drafts WHERE token_hash = ?1"));
  q.BindBlob(1, token_hash);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return hoso::central::Refuse(404, "no_draft", "no draft has this token");
  if (q.ColumnOptText(1)) {
    return hoso::central::Refuse(409, "already_submitted",
                                 "this draft was submitted; it can no longer change");
  }
  HOSO_ASSIGN_OR_RETURN(json::object fields, ParseJsonObject(q.ColumnText(0)));
  const Procedure* p = nullptr;
  auto found = catalog_.Find(Str(fields, "procedure_id"), LocalDateOf(options_.clock->NowMs()));
  if (found.ok()) p = *found;
  if (p == nullptr) {
    return Refusal{400, "bad_request", "choose the procedure before attaching files",
                   "procedure_id", std::nullopt};
  }
  std::string name;
  Outcome<std::string> type =
      CheckUpload(p, document_id, file_name, bytes, options_.max_file_bytes, &name);
  if (!type.ok()) return type.refusal();
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(
      Statement count,
      db->Prepare("SELECT COUNT(*) FROM online_files WHERE draft_token_hash = ?1"));
  count.BindBlob(1, token_hash);
  HOSO_ASSIGN_OR_RETURN(bool counted, count.Step());
  if (counted && count.ColumnInt(0) >= options_.max_files_per_draft) {
    return hoso::central::Refuse(409, "too_many_files",
                                 "a draft holds at most " +
                                     std::to_string(options_.max_files_per_draft) +
                                     " files; remove one first");
  }
  HOSO_ASSIGN_OR_RETURN(json::object stored, StoreFile(*db, bytes, *type));
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db->Prepare("INSERT INTO online_files (draft_token_hash, document_id, file_name, "
                  "attachment_hash, media_type, size_bytes, added_at_ms) VALUES (?1, ?2, ?3, ?4, "
                  "?5, ?6, ?7)"));
  HOSO_RETURN_IF_ERROR(ins.BindBlob(1, token_hash)
                           .Bind(2, document_id)
                           .Bind(3, name)
                           .Bind(4, std::string(stored.at("hash").as_string()))
                           .Bind(5, *type)
                           .Bind(6, static_cast<int64_t>(bytes.size()))
                           .Bind(7, options_.clock->NowMs())
                           .Run());
  const int64_t id = db->LastInsertRowId();
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return json::object{{"file_id", id},       {"document_id", document_id},
                      {"name", name},        {"hash", stored.at("hash")},
                      {"media_type", *type}, {"size_bytes", static_cast<int64_t>(bytes.size())}};
}

Outcome<json::object> OnlineDesk::RemoveDraftFile(const std::string& token, int64_t file_id) {
  const std::string token_hash = SessionTokenHash(token);
  if (Outcome<bool> ok = CountDraftWrite(token_hash); !ok.ok()) return ok.refusal();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Statement del,
                        db->Prepare("DELETE FROM online_files WHERE file_id = ?1 AND "
                                    "draft_token_hash = ?2 AND dossier_code IS NULL"));
  HOSO_RETURN_IF_ERROR(del.Bind(1, file_id).BindBlob(2, token_hash).Run());
  if (db->Changes() == 0) {
    return hoso::central::Refuse(404, "not_found",
                                 "the draft has no file " + std::to_string(file_id));
  }
  HOSO_ASSIGN_OR_RETURN(json::object out, DraftJson(*db, token_hash, token));
  return out;
}

std::vector<FieldError> OnlineDesk::Validate(const json::object& f,
                                             const std::vector<std::string>& docs,
                                             UnixMs now) const {
  std::vector<FieldError> errors;
  const std::string proc_id = Str(f, "procedure_id");
  const Procedure* p = nullptr;
  if (proc_id.empty()) {
    errors.push_back({"procedure_id", "choose a procedure", "hãy chọn thủ tục"});
  } else if (auto found = catalog_.Find(proc_id, LocalDateOf(now)); !found.ok()) {
    errors.push_back({"procedure_id", "procedure '" + proc_id + "' is not in the catalog in force",
                      "thủ tục '" + proc_id + "' không có trong danh mục hiện hành"});
  } else if (!(*found)->online) {
    errors.push_back({"procedure_id", "procedure '" + proc_id + "' is not offered online",
                      "thủ tục '" + proc_id + "' không được tiếp nhận trực tuyến"});
  } else {
    p = *found;
  }
  const std::string kind = Str(f, "applicant.kind");
  if (kind != "organisation" && kind != "citizen") {
    errors.push_back(
        {"applicant.kind", "choose organisation or citizen", "hãy chọn tổ chức hoặc cá nhân"});
  }
  Need(errors, f, "applicant.name", "the applicant's name", "Họ tên người nộp");
  const std::string phone = Str(f, "applicant.phone");
  if (phone.empty()) {
    errors.push_back(
        {"applicant.phone", "the phone number is required", "Số điện thoại là bắt buộc"});
  } else if (!IsPhone(phone)) {
    errors.push_back({"applicant.phone", "the phone number must be 10 digits starting with 0",
                      "Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0"});
  }
  const std::string email = Str(f, "applicant.email");
  if (!email.empty() && !IsEmail(email)) {
    errors.push_back({"applicant.email", "the e-mail address is not valid (name@domain.vn)",
                      "Địa chỉ thư điện tử không hợp lệ (ten@mien.vn)"});
  }
  Need(errors, f, "applicant.address", "the applicant's address", "Địa chỉ người nộp");
  if (kind == "citizen") {
    const std::string id = Str(f, "applicant.id_number");
    if (id.size() != 12 || DigitsOnly(id) != id) {
      errors.push_back({"applicant.id_number", "the citizen identity number must be 12 digits",
                        "Số định danh cá nhân phải gồm 12 chữ số"});
    }
  }
  if (kind == "organisation") {
    Need(errors, f, "business.name", "the business name", "Tên doanh nghiệp");
    const std::string tax = Str(f, "business.tax_code");
    if (!IsTaxCode(tax)) {
      errors.push_back({"business.tax_code",
                        "the tax code must be 10 digits, or 10 digits, '-' and 3 digits",
                        "Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số, '-' và 3 chữ số"});
    }
  }
  const bool filing = p != nullptr && p->processing.kind == ProcessingKind::kNone;
  if (p != nullptr && p->report_due) {
    const json::value* v = f.if_contains("report_period");
    const int year = LocalDateOf(now).year;
    if (v == nullptr || !v->is_int64() || v->as_int64() < 2000 || v->as_int64() > year) {
      errors.push_back({"report_period",
                        "the report's year must be from 2000 to " + std::to_string(year),
                        "Năm báo cáo phải từ 2000 đến " + std::to_string(year)});
    }
  }
  const std::string papers = Str(f, "papers_by");
  if (papers != "online" && papers != "post") {
    errors.push_back({"papers_by", "choose how the papers are sent: online only or by post",
                      "hãy chọn cách nộp giấy tờ: chỉ trực tuyến hoặc qua bưu chính"});
  }
  if (!filing) {
    const std::string method = Str(f, "return.method");
    if (method != "desk" && method != "post") {
      errors.push_back({"return.method", "choose how the result is returned: desk or post",
                        "hãy chọn cách nhận kết quả: tại bộ phận một cửa hoặc qua bưu chính"});
    } else if (method == "post") {
      if (p != nullptr && !p->postal_return) {
        errors.push_back({"return.method", "this procedure's result cannot be sent by post",
                          "kết quả của thủ tục này không trả qua bưu chính"});
      }
      Need(errors, f, "return.recipient_name", "the recipient's name", "Họ tên người nhận");
      const std::string rphone = Str(f, "return.phone");
      if (!IsPhone(rphone)) {
        errors.push_back({"return.phone", "the recipient's phone must be 10 digits starting with 0",
                          "Số điện thoại người nhận phải gồm 10 chữ số, bắt đầu bằng 0"});
      }
      Need(errors, f, "return.address", "the delivery address", "Địa chỉ nhận");
      Need(errors, f, "return.province", "the delivery province", "Tỉnh/thành phố nhận");
    }
  }
  if (p != nullptr) {
    for (const RequiredDocument& d : p->required_documents) {
      if (d.optional) continue;
      if (std::find(docs.begin(), docs.end(), d.id) == docs.end()) {
        errors.push_back({"documents." + d.id, "attach a file of: " + d.name_en,
                          "hãy đính kèm tệp: " + d.name_vi});
      }
    }
  }
  return errors;
}

Outcome<SubmitResult> OnlineDesk::Submit(const std::string& token, const std::string& address,
                                         std::vector<FieldError>* errors) {
  const std::string token_hash = SessionTokenHash(token);
  if (Outcome<bool> ok = CountDraftWrite(token_hash); !ok.ok()) return ok.refusal();
  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(Statement q, db->Prepare("SELECT fields, submitted_code FROM "
                                                 "online_drafts WHERE token_hash = ?1"));
  q.BindBlob(1, token_hash);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return hoso::central::Refuse(404, "no_draft", "no draft has this token");
  if (auto code = q.ColumnOptText(1)) {
    return hoso::central::Refuse(409, "already_submitted",
                                 "this draft was already submitted as dossier " + *code);
  }
  HOSO_ASSIGN_OR_RETURN(json::object f, ParseJsonObject(q.ColumnText(0)));
  HOSO_ASSIGN_OR_RETURN(Statement files,
                        db->Prepare("SELECT document_id FROM online_files "
                                    "WHERE draft_token_hash = ?1 ORDER BY file_id"));
  files.BindBlob(1, token_hash);
  std::vector<std::string> docs;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool more, files.Step());
    if (!more) break;
    docs.push_back(files.ColumnText(0));
  }
  *errors = Validate(f, docs, now);
  if (!errors->empty()) {
    return Refusal{422, "validation_failed",
                   std::to_string(errors->size()) + " field(s) need attention: " +
                       errors->front().field + ": " + errors->front().message,
                   errors->front().field, std::nullopt};
  }
  const Date day = LocalDateOf(now);
  const Procedure& p = **catalog_.Find(Str(f, "procedure_id"), day);
  const bool filing = p.processing.kind == ProcessingKind::kNone;
  std::optional<std::string> desk_node;
  if (!filing && Str(f, "return.method") == "desk" && !Str(f, "return.desk_node_id").empty()) {
    HOSO_ASSIGN_OR_RETURN(Statement n, db->Prepare("SELECT 1 FROM nodes WHERE node_id = ?1 AND "
                                                   "role = 'desk' AND state = 'active'"));
    n.Bind(1, Str(f, "return.desk_node_id"));
    HOSO_ASSIGN_OR_RETURN(bool known, n.Step());
    if (!known) {
      errors->push_back({"return.desk_node_id", "choose one of the listed ward desks",
                         "hãy chọn một bộ phận một cửa trong danh sách"});
      return Refusal{422, "validation_failed",
                     "1 field(s) need attention: return.desk_node_id: the desk is not listed",
                     "return.desk_node_id", std::nullopt};
    }
    desk_node = Str(f, "return.desk_node_id");
  }

  // The day's next number under the online unit.
  HOSO_ASSIGN_OR_RETURN(
      Statement num,
      db->Prepare("INSERT INTO online_daily_numbers (unit_code, day, last_number) VALUES (?1, ?2, "
                  "1) ON CONFLICT (unit_code, day) DO UPDATE SET last_number = last_number + 1 "
                  "RETURNING last_number"));
  num.Bind(1, options_.unit_code).Bind(2, FormatDate(day));
  HOSO_ASSIGN_OR_RETURN(bool numbered, num.Step());
  if (!numbered) return Status::Internal("no number was returned");
  HOSO_ASSIGN_OR_RETURN(std::string code, FormatDossierCode(options_.unit_code, day,
                                                            static_cast<int>(num.ColumnInt(0))));
  num.Reset();
  const std::string secret = NewLookupSecret();
  const std::string secret_hash = OnlineSecretHash(code, secret);

  const std::string applicant_name = Str(f, "applicant.kind") == "organisation"
                                         ? Str(f, "business.name")
                                         : Str(f, "applicant.name");
  json::array doc_ids;
  for (const RequiredDocument& d : p.required_documents) {
    if (std::find(docs.begin(), docs.end(), d.id) != docs.end())
      doc_ids.push_back(json::value(d.id));
  }
  json::object payload{
      {"procedure_id", p.id},
      {"applicant", json::object{{"name", applicant_name}, {"phone", Str(f, "applicant.phone")}}},
      {"unit_code", options_.unit_code},
      {"papers_by", Str(f, "papers_by")},
      {"lookup_secret_hash", secret_hash},
      {"documents", doc_ids}};
  std::optional<int64_t> postal_fee;
  if (filing) {
    payload["filing"] = true;
    if (p.report_due) payload["report_period"] = f.at("report_period").as_int64();
  } else {
    payload["return_method"] = Str(f, "return.method");
    if (desk_node) payload["desk_node_id"] = *desk_node;
    if (Str(f, "return.method") == "post") {
      payload["delivery_address"] = Str(f, "return.address") + ", " + Str(f, "return.province");
      postal_fee = PostalFee(Str(f, "return.province")).at("amount_vnd").as_int64();
      payload["postal_fee_vnd"] = *postal_fee;
    }
  }
  HOSO_ASSIGN_OR_RETURN(
      Event submitted,
      AppendCentralEvent(*db, store_->central_id(), "online", code,
                         EventType::kDossierSubmittedOnline, payload, now, desk_node));
  std::optional<UnixMs> acknowledged;
  if (filing) {
    // A notification or report is received as it is filed: nothing is
    // decided on it, so its receipt is also its acknowledgement.
    json::object received{{"procedure_id", p.id},
                          {"applicant", json::object{{"name", applicant_name}}},
                          {"appointment_ms", now},
                          {"lookup_secret_hash", secret_hash},
                          {"catalog_version", catalog_.version()},
                          {"calendar_version", calendar_->version()},
                          {"return_method", "desk"},
                          {"documents", doc_ids}};
    HOSO_RETURN_IF_ERROR(AppendCentralEvent(*db, store_->central_id(), "online", code,
                                            EventType::kDossierReceived, std::move(received), now,
                                            std::nullopt)
                             .status());
    acknowledged = now;
  }
  HOSO_RETURN_IF_ERROR(RefoldDossiers(*db, {code}, now));

  HOSO_ASSIGN_OR_RETURN(
      Statement od,
      db->Prepare("INSERT INTO online_dossiers (dossier_code, procedure_id, kind, filer_key, "
                  "applicant_name, secret_hash, fields, report_period, submitted_at_ms) VALUES "
                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  od.Bind(1, code).Bind(2, p.id).Bind(3, filing ? "filing" : "dossier").Bind(4, FilerKey(f));
  od.Bind(5, applicant_name).Bind(6, secret_hash).Bind(7, ToJson(json::value(f)));
  if (p.report_due) {
    od.Bind(8, f.at("report_period").as_int64());
  } else {
    od.BindNull(8);
  }
  HOSO_RETURN_IF_ERROR(od.Bind(9, now).Run());
  HOSO_ASSIGN_OR_RETURN(Statement mv,
                        db->Prepare("UPDATE online_files SET dossier_code = ?2, "
                                    "draft_token_hash = NULL WHERE draft_token_hash = ?1"));
  HOSO_RETURN_IF_ERROR(mv.BindBlob(1, token_hash).Bind(2, code).Run());
  HOSO_ASSIGN_OR_RETURN(Statement done, db->Prepare("UPDATE online_drafts SET submitted_code = ?2, "
                                                    "updated_at_ms = ?3 WHERE token_hash = ?1"));
  HOSO_RETURN_IF_ERROR(done.BindBlob(1, token_hash).Bind(2, code).Bind(3, now).Run());
  Actor who = Actor::Anonymous(address);
  who.name = "online";
  HOSO_RETURN_IF_ERROR(AppendAudit(
      *db, now, who, "online.submit", code,
      json::object{{"event_id", submitted.event_id}, {"procedure_id", p.id}, {"filing", filing}}));
  HOSO_RETURN_IF_ERROR(txn.Commit());

  SubmitResult r;
  r.code = code;
  r.secret = secret;
  r.receipt =
      json::object{{"code", code},
                   {"secret", FormatLookupSecret(secret)},
                   {"procedure_id", p.id},
                   {"procedure_name_vi", p.name_vi},
                   {"procedure_name_en", p.name_en},
                   {"applicant", applicant_name},
                   {"submitted_at", FormatLocalIso(now)},
                   {"filing", filing},
                   {"status", filing ? 2 : 1},
                   {"acknowledged_at",
                    acknowledged ? json::value(FormatLocalIso(*acknowledged)) : json::value()},
                   {"postal_fee_vnd", postal_fee ? json::value(*postal_fee) : json::value()},
                   {"documents", doc_ids}};
  return r;
}

Outcome<OnlineDesk::Submitted> OnlineDesk::Authorise(Database& db, const std::string& code,
                                                     const std::string& secret,
                                                     const std::string& address) {
  const UnixMs now = options_.clock->NowMs();
  int64_t retry = 0;
  // Checked before anything is looked up, so that a guesser learns nothing
  // once over the limit; counted only when the lookup fails below.
  if (!limiter_.Allow("lookup-probe:" + address, options_.max_failed_lookups_per_address * 10,
                      kFailedLookupWindowMs, now, &retry)) {
    return Limited(false, retry, "lookups from this address").refusal();
  }
  auto refuse = [&]() -> Refusal {
    int64_t r = 0;
    if (!limiter_.Allow("lookup-fail:" + address, options_.max_failed_lookups_per_address,
                        kFailedLookupWindowMs, now, &r)) {
      return Limited(false, r, "failed lookups from this address").refusal();
    }
    return hoso::central::Refuse(404, "no_match", "no dossier matches this code and secret");
  };
  // Over the failure limit, refused even with the right secret.
  if (limiter_.Over("lookup-fail:" + address, options_.max_failed_lookups_per_address,
                    kFailedLookupWindowMs, now, &retry)) {
    return Limited(false, retry, "failed lookups from this address").refusal();
  }
  Result<std::string> canonical = NormaliseLookupSecret(secret);
  if (!canonical.ok()) return refuse();
  Outcome<Submitted> s = LoadSubmitted(db, code);
  if (!s.ok()) return refuse();
  const std::string expected = OnlineSecretHash(code, *canonical);
  if (expected.size() != s->secret_hash.size() ||
      sodium_memcmp(expected.data(), s->secret_hash.data(), expected.size()) != 0) {
    return refuse();
  }
  return s;
}

}  // namespace hoso::central
