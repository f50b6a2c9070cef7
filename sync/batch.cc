#include "sync/batch.h"

#include <sodium.h>

#include <functional>
#include <system_error>
#include <thread>
#include <utility>

#include "sync/compress.h"

namespace hoso::sync {
namespace {

constexpr char kCompressionZstd[] = "zstd";
constexpr char kCompressionNone[] = "none";

// ---- Header members ----------------------------------------------------------

Result<std::string> GetHash(const json::object& o, std::string_view key) {
  HOSO_ASSIGN_OR_RETURN(std::string hex, GetString(o, key));
  auto raw = HexDecode(hex);
  if (!raw.ok() || raw->size() != kChainHashBytes) {
    return Status::InvalidArgument("\"" + std::string(key) + "\" is not " +
                                       std::to_string(2 * kChainHashBytes) + " hex characters",
                                   std::string(key));
  }
  return std::move(raw).value();
}

Result<std::string> GetNonEmpty(const json::object& o, std::string_view key) {
  HOSO_ASSIGN_OR_RETURN(std::string s, GetString(o, key));
  if (s.empty()) {
    return Status::InvalidArgument("\"" + std::string(key) + "\" is empty", std::string(key));
  }
  return s;
}

Result<int64_t> GetNonNegative(const json::object& o, std::string_view key) {
  HOSO_ASSIGN_OR_RETURN(int64_t v, GetInt(o, key));
  if (v < 0) {
    return Status::InvalidArgument("\"" + std::string(key) + "\" is negative", std::string(key));
  }
  return v;
}

// How a batch or down-sync body is packed (the members both headers share).
struct BodyEncoding {
  int64_t uncompressed_size = 0;
  std::string compression = kCompressionNone;
  int64_t dict_id = 0;
  bool sealed = false;
};

Result<BodyEncoding> GetBodyEncoding(const json::object& o) {
  BodyEncoding enc;
  HOSO_ASSIGN_OR_RETURN(enc.uncompressed_size, GetNonNegative(o, "uncompressed_size"));
  HOSO_ASSIGN_OR_RETURN(enc.compression, GetString(o, "compression"));
  if (enc.compression != kCompressionZstd && enc.compression != kCompressionNone) {
    return Status::InvalidArgument("unsupported compression \"" + enc.compression + "\"",
                                   "compression");
  }
  HOSO_ASSIGN_OR_RETURN(enc.dict_id, GetNonNegative(o, "dict_id"));
  if (enc.dict_id != 0 && enc.compression != kCompressionZstd) {
    return Status::InvalidArgument("a dictionary needs zstd compression", "dict_id");
  }
  HOSO_ASSIGN_OR_RETURN(enc.sealed, GetBool(o, "sealed"));
  return enc;
}

void PutBodyEncoding(json::object& o, const BodyEncoding& enc) {
  o["uncompressed_size"] = enc.uncompressed_size;
  o["compression"] = enc.compression;
  o["dict_id"] = enc.dict_id;
  o["sealed"] = enc.sealed;
}

// ---- Bodies --------------------------------------------------------------------

// Compresses and seals `plain` per `options`; fills `enc`.
Result<std::string> PackBody(const std::string& plain, const EncodeOptions& options,
                             BodyEncoding* enc) {
  enc->uncompressed_size = static_cast<int64_t>(plain.size());
  std::string body;
  if (options.compress) {
    std::string_view dict;
    if (options.dictionary != nullptr) {
      if (options.dictionary->dict_id <= 0) {
        return Status::InvalidArgument("dictionary ids start at 1", "dict_id");
      }
      dict = options.dictionary->bytes;
      enc->dict_id = options.dictionary->dict_id;
    }
    HOSO_ASSIGN_OR_RETURN(body, Compress(plain,
                                         ZstdParams{options.zstd_level, options.zstd_min_match,
                                                    options.zstd_hash_log},
                                         dict));
    enc->compression = kCompressionZstd;
  } else {
    if (options.dictionary != nullptr) {
      return Status::InvalidArgument("a dictionary needs compression", "dict_id");
    }
    body = plain;
    enc->compression = kCompressionNone;
  }
  if (options.seal_to_public_key.has_value()) {
    HOSO_ASSIGN_OR_RETURN(body, Seal(body, *options.seal_to_public_key));
    enc->sealed = true;
  }
  return body;
}

// Unseals and decompresses under the caps. The caller has verified the
// signature (or, for inspection, knowingly has not).
Result<std::string> UnpackBody(std::string_view body, const BodyEncoding& enc,
                               const SigningKey* unseal_key, const DictionaryLookup& dictionaries,
                               const DecodeLimits& limits) {
  if (static_cast<uint64_t>(enc.uncompressed_size) > limits.max_uncompressed_bytes) {
    return Status::ResourceExhausted("decompressed size exceeds the limit: the header claims " +
                                     std::to_string(enc.uncompressed_size) + " bytes, the cap is " +
                                     std::to_string(limits.max_uncompressed_bytes));
  }
  std::string opened;
  if (enc.sealed) {
    if (unseal_key == nullptr) {
      return Status::InvalidArgument("the body is sealed and no key to open it was given");
    }
    HOSO_ASSIGN_OR_RETURN(opened, unseal_key->OpenSealed(body));
    body = opened;
  }
  if (enc.compression == kCompressionNone) {
    if (body.size() != static_cast<uint64_t>(enc.uncompressed_size)) {
      return Status::ResourceExhausted("decompressed size exceeds the limit: body of " +
                                       std::to_string(body.size()) + " bytes, header says " +
                                       std::to_string(enc.uncompressed_size));
    }
    return std::string(body);
  }
  Dictionary dict;
  if (enc.dict_id != 0) {
    const std::string name = "dictionary " + std::to_string(enc.dict_id);
    if (!dictionaries) return Status::NotFound(name + " is not known here");
    auto found = dictionaries(enc.dict_id);
    if (!found.ok()) return found.status().WithContext(name);
    if (found->dict_id != enc.dict_id) {
      return Status::Internal(name + ": the lookup returned dictionary " +
                              std::to_string(found->dict_id));
    }
    dict = std::move(found).value();
  }
  return Decompress(body, static_cast<size_t>(enc.uncompressed_size), limits.max_uncompressed_bytes,
                    dict.bytes);
}

// Lines are '\n'-terminated, non-empty; an empty body has no lines.
Result<std::vector<std::string_view>> SplitLines(std::string_view body) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) {
      return Status::Corruption("body line " + std::to_string(lines.size() + 1) +
                                " is not terminated by a newline");
    }
    if (nl == pos) {
      return Status::Corruption("body line " + std::to_string(lines.size() + 1) + " is empty");
    }
    lines.push_back(body.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

std::string JoinLines(const std::vector<json::object>& objects) {
  std::string out;
  for (const json::object& o : objects) {
    out.append(CanonicalJsonValue(json::value(o)));
    out.push_back('\n');
  }
  return out;
}

Result<SignedFile> DecodeFramingAs(std::string_view file, FileKind kind,
                                   const DecodeLimits& limits) {
  if (file.size() > limits.max_file_bytes + kMaxHeaderBytes + 1024) {
    return Status::ResourceExhausted("file of " + std::to_string(file.size()) +
                                     " bytes exceeds the limit");
  }
  HOSO_ASSIGN_OR_RETURN(SignedFile sf, DecodeSignedFile(file, limits.max_file_bytes));
  if (sf.kind != kind) {
    return Status::InvalidArgument(std::string("expected a ") + KindName(kind) + " file, got a " +
                                   KindName(sf.kind) + " file");
  }
  return sf;
}

Result<std::string> EncodeWithBody(FileKind kind, json::object header, const std::string& plain,
                                   const SigningKey& key, const EncodeOptions& options) {
  BodyEncoding enc;
  HOSO_ASSIGN_OR_RETURN(std::string body, PackBody(plain, options, &enc));
  PutBodyEncoding(header, enc);
  return EncodeSignedFile(kind, header, body, key);
}

Status ChainBroken(int64_t seq, const std::string& what) {
  return Status::Corruption("chain broken at seq " + std::to_string(seq) + ": " + what);
}

}  // namespace

// ---- BatchHeader ------------------------------------------------------------------

json::object BatchHeader::ToJson() const {
  json::object o;
  o["format"] = kFormatVersion;
  o["kind"] = KindName(FileKind::kBatch);
  o["central_id"] = central_id;
  o["node_id"] = node_id;
  o["key_id"] = key_id;
  o["first_seq"] = first_seq;
  o["last_seq"] = last_seq;
  o["event_count"] = event_count;
  o["prev_hash"] = HexEncode(prev_hash);
  o["last_hash"] = HexEncode(last_hash);
  PutBodyEncoding(o, BodyEncoding{uncompressed_size, compression, dict_id, sealed});
  o["created_at_ms"] = created_at_ms;
  if (unacked_events) o["unacked_events"] = *unacked_events;
  if (sent_ahead) o["sent_ahead"] = true;
  return o;
}

Result<BatchHeader> BatchHeader::FromJson(const json::object& o) {
  BatchHeader h;
  HOSO_ASSIGN_OR_RETURN(h.central_id, GetNonEmpty(o, "central_id"));
  HOSO_ASSIGN_OR_RETURN(h.node_id, GetNonEmpty(o, "node_id"));
  HOSO_ASSIGN_OR_RETURN(h.key_id, GetNonEmpty(o, "key_id"));
  HOSO_ASSIGN_OR_RETURN(h.first_seq, GetInt(o, "first_seq"));
  HOSO_ASSIGN_OR_RETURN(h.last_seq, GetInt(o, "last_seq"));
  HOSO_ASSIGN_OR_RETURN(h.event_count, GetInt(o, "event_count"));
  if (h.first_seq < 1) return Status::InvalidArgument("first_seq must be >= 1", "first_seq");
  if (h.last_seq < h.first_seq - 1) {
    return Status::InvalidArgument("last_seq is before first_seq - 1", "last_seq");
  }
  if (h.event_count != h.last_seq - h.first_seq + 1) {
    return Status::InvalidArgument("event_count " + std::to_string(h.event_count) +
                                       " does not match seqs " + std::to_string(h.first_seq) +
                                       ".." + std::to_string(h.last_seq),
                                   "event_count");
  }
  HOSO_ASSIGN_OR_RETURN(h.prev_hash, GetHash(o, "prev_hash"));
  HOSO_ASSIGN_OR_RETURN(h.last_hash, GetHash(o, "last_hash"));
  HOSO_ASSIGN_OR_RETURN(BodyEncoding enc, GetBodyEncoding(o));
  h.uncompressed_size = enc.uncompressed_size;
  h.compression = enc.compression;
  h.dict_id = enc.dict_id;
  h.sealed = enc.sealed;
  HOSO_ASSIGN_OR_RETURN(h.created_at_ms, GetInt(o, "created_at_ms"));
  if (o.contains("unacked_events")) {
    HOSO_ASSIGN_OR_RETURN(int64_t n, GetNonNegative(o, "unacked_events"));
    h.unacked_events = n;
  }
  HOSO_ASSIGN_OR_RETURN(std::optional<bool> ahead, GetOptBool(o, "sent_ahead"));
  h.sent_ahead = ahead.value_or(false);
  return h;
}

// ---- Batches ------------------------------------------------------------------------

namespace {

// Below this many events a batch is decoded on the calling thread alone.
constexpr size_t kMinEventsForTwoThreads = 256;

// Runs fn over [0, n) as two halves at once, the second on a thread of its
// own: parsing and hashing the events of a batch is most of the central's
// CPU per event, and its other core is mostly idle while one node's batch is
// applied. fn must be safe to run on disjoint ranges at once. The result is
// the first half's error if it has one, else the second's: the error of the
// earliest failing event, as a single pass would report it.
Status ForBothHalves(size_t n, const std::function<Status(size_t, size_t)>& fn) {
  if (n < kMinEventsForTwoThreads) return fn(0, n);
  const size_t mid = n / 2;
  Status second;
  std::thread worker;
  try {
    worker = std::thread([&] { second = fn(mid, n); });
  } catch (const std::system_error&) {  // no thread to be had: one pass
    HOSO_RETURN_IF_ERROR(fn(0, mid));
    return fn(mid, n);
  }
  Status first = fn(0, mid);
  worker.join();
  if (!first.ok()) return first;
  return second;
}

// The checks of CheckBatchEvents: every event's hash is checked first, both
// halves at once; the pass below reports the first failure in chain order.
// With `payloads`, also keeps each event's canonical payload text.
Status CheckEvents(const BatchHeader& header, const std::vector<BatchEvent>& events,
                   std::vector<std::string>* payloads = nullptr) {
  if (static_cast<int64_t>(events.size()) != header.event_count) {
    return Status::Corruption("event count mismatch: the header says " +
                              std::to_string(header.event_count) + ", the body has " +
                              std::to_string(events.size()));
  }
  std::vector<char> hash_ok(events.size());
  if (payloads != nullptr) payloads->assign(events.size(), std::string());
  HOSO_RETURN_IF_ERROR(ForBothHalves(events.size(), [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const BatchEvent& be = events[i];
      size_t payload_begin = 0;
      size_t payload_size = 0;
      const std::string canonical = CanonicalJson(be.event, &payload_begin, &payload_size);
      hash_ok[i] = be.prev_hash.size() == kChainHashBytes &&
                   be.hash == ChainHash(be.prev_hash, canonical);
      if (payloads != nullptr) (*payloads)[i] = canonical.substr(payload_begin, payload_size);
    }
    return Status::OK();
  }));
  std::string_view prev = header.prev_hash;
  for (size_t i = 0; i < events.size(); ++i) {
    const BatchEvent& be = events[i];
    const int64_t want_seq = header.first_seq + static_cast<int64_t>(i);
    if (be.event.seq != want_seq) {
      return ChainBroken(want_seq, "found seq " + std::to_string(be.event.seq) +
                                       " (events out of order or missing)");
    }
    if (be.event.node_id != header.node_id) {
      return ChainBroken(want_seq, "event of node '" + be.event.node_id + "' in a batch of '" +
                                       header.node_id + "'");
    }
    if (be.prev_hash != prev) {
      return ChainBroken(want_seq, i == 0 ? "prev_hash differs from the header's prev_hash"
                                          : "prev_hash differs from the previous event's hash");
    }
    if (!hash_ok[i]) return ChainBroken(want_seq, "hash does not match the event");
    prev = be.hash;
  }
  if (prev != header.last_hash) {
    return ChainBroken(header.last_seq, "last_hash differs from the last event's hash");
  }
  return Status::OK();
}

}  // namespace

Status CheckBatchEvents(const BatchHeader& header, const std::vector<BatchEvent>& events) {
  return CheckEvents(header, events);
}

BatchBodyWriter::BatchBodyWriter(std::string node_id, int64_t first_seq, std::string prev_hash)
    : node_id_(std::move(node_id)), first_seq_(first_seq), first_prev_hash_(std::move(prev_hash)) {
  last_hash_ = first_prev_hash_;
}

void BatchBodyWriter::Reserve(size_t body_bytes) { lines_.reserve(body_bytes); }

Status BatchBodyWriter::Add(const BatchEvent& be) {
  const int64_t want_seq = first_seq_ + count_;
  auto broken = [&](const std::string& what) {
    return Status::InvalidArgument("cannot encode batch: " + ChainBroken(want_seq, what).message());
  };
  if (be.event.seq != want_seq) {
    return broken("found seq " + std::to_string(be.event.seq) +
                  " (events out of order or missing)");
  }
  if (be.event.node_id != node_id_) {
    return broken("event of node '" + be.event.node_id + "' in a batch of '" + node_id_ + "'");
  }
  if (be.prev_hash != last_hash_) {
    return broken(count_ == 0 ? "prev_hash differs from the header's prev_hash"
                              : "prev_hash differs from the previous event's hash");
  }
  // The canonical form is computed once, for the hash and the line.
  const std::string canonical = CanonicalJson(be.event);
  if (be.prev_hash.size() != kChainHashBytes || be.hash != ChainHash(be.prev_hash, canonical)) {
    return broken("hash does not match the event");
  }
  // CanonicalJsonValue of {"event", "hash", "prev_hash"}: keys in byte
  // order, and hex needs no escaping.
  lines_.append("{\"event\":").append(canonical);
  lines_.append(",\"hash\":\"").append(HexEncode(be.hash));
  lines_.append("\",\"prev_hash\":\"").append(HexEncode(be.prev_hash)).append("\"}\n");
  last_hash_ = be.hash;
  ++count_;
  return Status::OK();
}

Result<std::string> BatchBodyWriter::Finish(std::string central_id, const SigningKey& key,
                                            const EncodeOptions& options, UnixMs now) {
  if (first_seq_ < 1) return Status::InvalidArgument("first seq must be >= 1");
  if (first_prev_hash_.size() != kChainHashBytes) {
    return Status::InvalidArgument("prev hash must be " + std::to_string(kChainHashBytes) +
                                   " raw bytes");
  }
  if (central_id.empty() || node_id_.empty()) {
    return Status::InvalidArgument("central id and node id are required");
  }
  BatchHeader h;
  h.central_id = std::move(central_id);
  h.node_id = node_id_;
  h.key_id = key.key_id();
  h.first_seq = first_seq_;
  h.prev_hash = first_prev_hash_;
  h.last_hash = last_hash_;
  h.event_count = count_;
  h.last_seq = first_seq_ + count_ - 1;
  h.created_at_ms = now;
  h.unacked_events = options.unacked_events;
  h.sent_ahead = options.sent_ahead;
  std::string lines = std::move(lines_);
  lines_.clear();
  count_ = 0;
  last_hash_ = first_prev_hash_;
  return EncodeWithBody(FileKind::kBatch, h.ToJson(), lines, key, options);
}

Result<std::string> EncodeBatch(std::string central_id, std::string node_id,
                                const std::vector<BatchEvent>& events, int64_t first_seq_if_empty,
                                std::string prev_hash_if_empty, const SigningKey& key,
                                const EncodeOptions& options, UnixMs now) {
  BatchBodyWriter writer(std::move(node_id),
                         events.empty() ? first_seq_if_empty : events.front().event.seq,
                         events.empty() ? std::move(prev_hash_if_empty) : events.front().prev_hash);
  for (size_t i = 0; i < events.size(); ++i) {
    HOSO_RETURN_IF_ERROR(writer.Add(events[i]));
    // Room for the rest at once: growing by doubling would hold up to three
    // times the body while it copies.
    if (i == 0) writer.Reserve(writer.body_bytes() * events.size() * 5 / 4);
  }
  return writer.Finish(std::move(central_id), key, options, now);
}

Result<std::vector<BatchEvent>> ParseBatchLines(std::string_view body) {
  HOSO_ASSIGN_OR_RETURN(std::vector<std::string_view> lines, SplitLines(body));
  std::vector<BatchEvent> events(lines.size());
  HOSO_RETURN_IF_ERROR(ForBothHalves(lines.size(), [&](size_t begin, size_t end) -> Status {
    for (size_t i = begin; i < end; ++i) {
      auto where = [i] { return "event line " + std::to_string(i + 1); };
      auto obj = ParseJsonObject(lines[i]);
      if (!obj.ok()) return Status::Corruption(where() + ": " + obj.status().message());
      if (obj->size() != 3) {
        return Status::Corruption(where() + ": expected exactly event, prev_hash and hash");
      }
      auto ev_obj = GetObject(*obj, "event");
      auto prev = GetHash(*obj, "prev_hash");
      auto hash = GetHash(*obj, "hash");
      if (!ev_obj.ok() || !prev.ok() || !hash.ok()) {
        const Status s =
            !ev_obj.ok() ? ev_obj.status() : !prev.ok() ? prev.status() : hash.status();
        return Status::Corruption(where() + ": " + s.message());
      }
      auto ev = EventFromJsonObject(std::move(obj->at("event").get_object()));
      // A well-formed line the build cannot accept (a newer payload version, a
      // missing field) keeps its code: the sender must fix it, not resend it.
      if (!ev.ok()) return ev.status().WithContext(where());
      events[i] =
          BatchEvent{std::move(ev).value(), std::move(prev).value(), std::move(hash).value()};
    }
    return Status::OK();
  }));
  return events;
}

Result<OpenedBatch> DecodeBatch(std::string_view file, const KeyLookup& key_lookup,
                                const SigningKey* central_key_for_unseal,
                                const DictionaryLookup& dictionaries, const DecodeLimits& limits) {
  HOSO_ASSIGN_OR_RETURN(SignedFile sf, DecodeFramingAs(file, FileKind::kBatch, limits));
  // Only what is needed to find the key is read before the signature holds.
  HOSO_ASSIGN_OR_RETURN(std::string node_id, GetNonEmpty(sf.header, "node_id"));
  HOSO_ASSIGN_OR_RETURN(std::string key_id, GetNonEmpty(sf.header, "key_id"));
  if (!key_lookup) return Status::Internal("DecodeBatch needs a key lookup");
  HOSO_ASSIGN_OR_RETURN(std::string public_key, key_lookup(node_id, key_id));
  HOSO_RETURN_IF_ERROR(VerifySignature(sf, public_key));

  OpenedBatch out;
  HOSO_ASSIGN_OR_RETURN(out.header, BatchHeader::FromJson(sf.header));
  HOSO_ASSIGN_OR_RETURN(BodyEncoding enc, GetBodyEncoding(sf.header));
  HOSO_ASSIGN_OR_RETURN(std::string plain,
                        UnpackBody(sf.body, enc, central_key_for_unseal, dictionaries, limits));
  HOSO_ASSIGN_OR_RETURN(out.events, ParseBatchLines(plain));
  HOSO_RETURN_IF_ERROR(CheckEvents(out.header, out.events, &out.canonical_payloads));
  out.file_hash = FileHash(file);
  return out;
}

Result<BatchHeader> PeekBatchHeader(std::string_view file, size_t max_file_bytes) {
  DecodeLimits limits;
  limits.max_file_bytes = max_file_bytes;
  HOSO_ASSIGN_OR_RETURN(SignedFile sf, DecodeFramingAs(file, FileKind::kBatch, limits));
  return BatchHeader::FromJson(sf.header);
}

// ---- Down-sync ----------------------------------------------------------------------

Result<std::vector<json::object>> ParseItemLines(std::string_view body) {
  HOSO_ASSIGN_OR_RETURN(std::vector<std::string_view> lines, SplitLines(body));
  std::vector<json::object> items;
  items.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    auto obj = ParseJsonObject(lines[i]);
    auto kind = obj.ok() ? GetNonEmpty(*obj, "kind") : Result<std::string>(obj.status());
    if (!kind.ok()) {
      return Status::Corruption("item line " + std::to_string(i + 1) + ": " +
                                kind.status().message());
    }
    items.push_back(std::move(obj).value());
  }
  return items;
}

Result<std::string> EncodeDownSync(const DownSync& ds, const SigningKey& central_key,
                                   const EncodeOptions& options, UnixMs now) {
  const std::string& r = ds.result;
  if (r != kResultApplied && r != kResultDuplicate && r != kResultPoll && r != kResultRefused) {
    return Status::InvalidArgument("unknown down-sync result \"" + r + "\"", "result");
  }
  if (ds.error.has_value() != (r == kResultRefused)) {
    return Status::InvalidArgument("a down-sync carries an error iff it is refused", "error");
  }
  if (ds.central_id.empty() || ds.node_id.empty() || ds.acked_seq < 0) {
    return Status::InvalidArgument("down-sync needs central id, node id and acked_seq >= 0");
  }
  for (const json::object& item : ds.items) {
    const json::value* k = item.if_contains("kind");
    if (k == nullptr || !k->is_string() || k->get_string().empty()) {
      return Status::InvalidArgument("every down-sync item needs a string \"kind\"", "items");
    }
  }
  json::object h;
  h["format"] = kFormatVersion;
  h["kind"] = KindName(FileKind::kDownSync);
  h["central_id"] = ds.central_id;
  h["node_id"] = ds.node_id;
  h["key_id"] = central_key.key_id();
  h["acked_seq"] = ds.acked_seq;
  h["expected_seq"] = ds.acked_seq + 1;
  h["in_reply_to"] = ds.in_reply_to;
  h["result"] = ds.result;
  if (ds.error.has_value()) {
    json::object e;
    e["code"] = ds.error->code;
    e["message"] = ds.error->message;
    if (ds.error->expected_seq.has_value()) e["expected_seq"] = *ds.error->expected_seq;
    h["error"] = std::move(e);
  }
  h["item_count"] = static_cast<int64_t>(ds.items.size());
  if (ds.takes_ahead) h["takes_ahead"] = true;
  h["created_at_ms"] = now;
  return EncodeWithBody(FileKind::kDownSync, std::move(h), JoinLines(ds.items), central_key,
                        options);
}

Result<DownSync> DecodeDownSync(std::string_view file, std::string_view central_public_key,
                                const SigningKey* node_key_for_unseal,
                                const DictionaryLookup& dictionaries, const DecodeLimits& limits) {
  HOSO_ASSIGN_OR_RETURN(SignedFile sf, DecodeFramingAs(file, FileKind::kDownSync, limits));
  HOSO_RETURN_IF_ERROR(VerifySignature(sf, central_public_key));

  const json::object& o = sf.header;
  DownSync ds;
  HOSO_ASSIGN_OR_RETURN(ds.central_id, GetNonEmpty(o, "central_id"));
  HOSO_ASSIGN_OR_RETURN(ds.node_id, GetNonEmpty(o, "node_id"));
  HOSO_ASSIGN_OR_RETURN(ds.key_id, GetNonEmpty(o, "key_id"));
  HOSO_ASSIGN_OR_RETURN(ds.acked_seq, GetNonNegative(o, "acked_seq"));
  HOSO_ASSIGN_OR_RETURN(ds.expected_seq, GetInt(o, "expected_seq"));
  if (ds.expected_seq != ds.acked_seq + 1) {
    return Status::InvalidArgument("expected_seq is not acked_seq + 1", "expected_seq");
  }
  HOSO_ASSIGN_OR_RETURN(ds.in_reply_to, GetString(o, "in_reply_to"));
  HOSO_ASSIGN_OR_RETURN(ds.result, GetNonEmpty(o, "result"));
  const json::object* err = nullptr;
  if (o.if_contains("error") != nullptr) {
    HOSO_ASSIGN_OR_RETURN(err, GetObject(o, "error"));
  }
  if (err != nullptr) {
    DownSyncError e;
    HOSO_ASSIGN_OR_RETURN(e.code, GetString(*err, "code", "error"));
    HOSO_ASSIGN_OR_RETURN(e.message, GetString(*err, "message", "error"));
    HOSO_ASSIGN_OR_RETURN(e.expected_seq, GetOptInt(*err, "expected_seq", "error"));
    ds.error = std::move(e);
  }
  HOSO_ASSIGN_OR_RETURN(int64_t item_count, GetNonNegative(o, "item_count"));
  HOSO_ASSIGN_OR_RETURN(ds.created_at_ms, GetInt(o, "created_at_ms"));
  HOSO_ASSIGN_OR_RETURN(std::optional<bool> takes_ahead, GetOptBool(o, "takes_ahead"));
  ds.takes_ahead = takes_ahead.value_or(false);
  HOSO_ASSIGN_OR_RETURN(BodyEncoding enc, GetBodyEncoding(o));
  ds.uncompressed_size = enc.uncompressed_size;
  ds.compression = enc.compression;
  ds.dict_id = enc.dict_id;
  ds.sealed = enc.sealed;

  HOSO_ASSIGN_OR_RETURN(std::string plain,
                        UnpackBody(sf.body, enc, node_key_for_unseal, dictionaries, limits));
  HOSO_ASSIGN_OR_RETURN(ds.items, ParseItemLines(plain));
  if (static_cast<int64_t>(ds.items.size()) != item_count) {
    return Status::Corruption("item count mismatch: the header says " + std::to_string(item_count) +
                              ", the body has " + std::to_string(ds.items.size()));
  }
  return ds;
}

json::object DictionaryItem(const Dictionary& dict) {
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string b64(sodium_base64_ENCODED_LEN(dict.bytes.size(), variant), '\0');
  sodium_bin2base64(b64.data(), b64.size(),
                    reinterpret_cast<const unsigned char*>(dict.bytes.data()), dict.bytes.size(),
                    variant);
  b64.resize(b64.size() - 1);  // the terminating NUL
  json::object o;
  o["kind"] = "dictionary";
  o["dict_id"] = dict.dict_id;
  o["bytes_b64"] = b64;
  return o;
}

Result<Dictionary> DictionaryFromItem(const json::object& item) {
  HOSO_ASSIGN_OR_RETURN(std::string kind, GetString(item, "kind"));
  if (kind != "dictionary") return Status::InvalidArgument("not a dictionary item", "kind");
  Dictionary d;
  HOSO_ASSIGN_OR_RETURN(d.dict_id, GetInt(item, "dict_id"));
  if (d.dict_id <= 0) return Status::InvalidArgument("dictionary ids start at 1", "dict_id");
  HOSO_ASSIGN_OR_RETURN(std::string b64, GetString(item, "bytes_b64"));
  d.bytes.resize(b64.size() * 3 / 4 + 3);
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(d.bytes.data()), d.bytes.size(),
                        b64.data(), b64.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return Status::InvalidArgument("bytes_b64 is not base64", "bytes_b64");
  }
  d.bytes.resize(len);
  return d;
}

// ---- Enrolment ------------------------------------------------------------------------

Result<std::string> EncodeEnrolRequest(const EnrolRequest& req, const SigningKey& node_key,
                                       UnixMs now) {
  if (req.node_id.empty() || req.unit_code.empty() || req.role.empty() || req.token.empty()) {
    return Status::InvalidArgument("enrolment needs node id, unit code, role and token");
  }
  json::object h;
  h["format"] = kFormatVersion;
  h["kind"] = KindName(FileKind::kEnrolRequest);
  h["node_id"] = req.node_id;
  h["unit_code"] = req.unit_code;
  h["role"] = req.role;
  h["key_id"] = node_key.key_id();
  h["public_key"] = HexEncode(node_key.public_key());
  h["token"] = req.token;
  h["created_at_ms"] = now;
  return EncodeSignedFile(FileKind::kEnrolRequest, h, "", node_key);
}

Result<EnrolRequest> DecodeEnrolRequest(std::string_view file, const DecodeLimits& limits) {
  HOSO_ASSIGN_OR_RETURN(SignedFile sf, DecodeFramingAs(file, FileKind::kEnrolRequest, limits));
  const json::object& o = sf.header;
  EnrolRequest req;
  HOSO_ASSIGN_OR_RETURN(std::string pk_hex, GetString(o, "public_key"));
  auto pk = PublicKeyFromHex(pk_hex);
  if (!pk.ok()) return Status::Corruption("bad signature: " + pk.status().message());
  req.public_key = std::move(pk).value();
  HOSO_RETURN_IF_ERROR(VerifySignature(sf, req.public_key));
  HOSO_ASSIGN_OR_RETURN(req.key_id, GetNonEmpty(o, "key_id"));
  if (req.key_id != KeyIdOf(req.public_key)) {
    return Status::InvalidArgument("key_id is not the id of public_key", "key_id");
  }
  HOSO_ASSIGN_OR_RETURN(req.node_id, GetNonEmpty(o, "node_id"));
  HOSO_ASSIGN_OR_RETURN(req.unit_code, GetNonEmpty(o, "unit_code"));
  HOSO_ASSIGN_OR_RETURN(req.role, GetNonEmpty(o, "role"));
  HOSO_ASSIGN_OR_RETURN(req.token, GetNonEmpty(o, "token"));
  HOSO_ASSIGN_OR_RETURN(req.created_at_ms, GetInt(o, "created_at_ms"));
  if (!sf.body.empty()) return Status::Corruption("an enrolment request has an empty body");
  return req;
}

Result<std::string> EncodeEnrolAnswer(const EnrolAnswer& answer, const SigningKey& central_key) {
  if (answer.central_id.empty() || answer.node_id.empty()) {
    return Status::InvalidArgument("enrolment answer needs central id and node id");
  }
  json::object h;
  h["format"] = kFormatVersion;
  h["kind"] = KindName(FileKind::kEnrolAnswer);
  h["central_id"] = answer.central_id;
  h["central_public_key"] = HexEncode(central_key.public_key());
  h["central_key_id"] = central_key.key_id();
  h["node_id"] = answer.node_id;
  h["unit_code"] = answer.unit_code;
  h["role"] = answer.role;
  h["enrolled_at_ms"] = answer.enrolled_at_ms;
  return EncodeSignedFile(FileKind::kEnrolAnswer, h, JoinLines(answer.items), central_key);
}

Result<EnrolAnswer> DecodeEnrolAnswer(std::string_view file,
                                      std::string_view expected_central_public_key,
                                      const DecodeLimits& limits) {
  HOSO_ASSIGN_OR_RETURN(SignedFile sf, DecodeFramingAs(file, FileKind::kEnrolAnswer, limits));
  const json::object& o = sf.header;
  EnrolAnswer a;
  HOSO_ASSIGN_OR_RETURN(std::string pk_hex, GetString(o, "central_public_key"));
  auto pk = PublicKeyFromHex(pk_hex);
  if (!pk.ok()) return Status::Corruption("bad signature: " + pk.status().message());
  a.central_public_key = std::move(pk).value();
  if (!expected_central_public_key.empty() && a.central_public_key != expected_central_public_key) {
    return Status::Corruption("bad signature: unexpected central key " +
                              KeyIdOf(a.central_public_key));
  }
  HOSO_RETURN_IF_ERROR(VerifySignature(sf, a.central_public_key));
  HOSO_ASSIGN_OR_RETURN(a.central_key_id, GetNonEmpty(o, "central_key_id"));
  if (a.central_key_id != KeyIdOf(a.central_public_key)) {
    return Status::InvalidArgument("central_key_id is not the id of central_public_key",
                                   "central_key_id");
  }
  HOSO_ASSIGN_OR_RETURN(a.central_id, GetNonEmpty(o, "central_id"));
  HOSO_ASSIGN_OR_RETURN(a.node_id, GetNonEmpty(o, "node_id"));
  HOSO_ASSIGN_OR_RETURN(a.unit_code, GetString(o, "unit_code"));
  HOSO_ASSIGN_OR_RETURN(a.role, GetString(o, "role"));
  HOSO_ASSIGN_OR_RETURN(a.enrolled_at_ms, GetInt(o, "enrolled_at_ms"));
  HOSO_ASSIGN_OR_RETURN(a.items, ParseItemLines(sf.body));
  return a;
}

// ---- Inspection ---------------------------------------------------------------------

Result<std::string> OpenBodyUnverified(const SignedFile& file, const SigningKey* unseal_key,
                                       const DictionaryLookup& dictionaries,
                                       const DecodeLimits& limits) {
  if (file.kind == FileKind::kEnrolRequest || file.kind == FileKind::kEnrolAnswer) {
    return file.body;  // enrolment bodies are plain
  }
  HOSO_ASSIGN_OR_RETURN(BodyEncoding enc, GetBodyEncoding(file.header));
  return UnpackBody(file.body, enc, unseal_key, dictionaries, limits);
}

}  // namespace hoso::sync
