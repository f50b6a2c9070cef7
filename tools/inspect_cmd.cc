// `hoso inspect FILE`: decodes any sync file (batch, down-sync, enrolment
// request or answer), verifies its signature when it can, opens its body and
// prints header and lines, for operators holding a file from a USB stick or
// a failed exchange.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "schema/env.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "schema/time.h"
#include "sync/batch.h"
#include "sync/keys.h"
#include "sync/signed_file.h"
#include "tools/cli.h"
#include "tools/commands.h"

namespace hoso::tools {

namespace {

constexpr const char* kInspectUsage =
    "usage: hoso inspect FILE [--json] [--public-key HEX] [--central-key FILE]\n"
    "                         [--dictionary FILE]\n"
    "\n"
    "Decodes a sync file (HOSOBAT1 batch, HOSODWN1 down-sync, HOSOENQ1 enrolment\n"
    "request, HOSOENA1 enrolment answer, HOSOCHK1 attachment chunk), prints its\n"
    "header, checks its signature and prints the events or items of its body (for a\n"
    "chunk: its size and whether it hashes to its name). Exits 1 with one line on any\n"
    "damage: bad framing, bad signature, broken chain, decompression over the cap.\n"
    "  --public-key HEX    the signer's Ed25519 public key (64 hex characters): the\n"
    "                      node's for a batch or chunk, the central's for a down-sync.\n"
    "                      Enrolment files carry their key and are always checked.\n"
    "  --central-key FILE  secret key file that opens sealed bodies (the central's\n"
    "                      key for batches, the node's for down-syncs)\n"
    "  --dictionary FILE   raw zstd dictionary for a body with a dict_id\n"
    "  --json              JSON lines: first {\"kind\",\"bytes\",\"file_hash\",\"header\",\n"
    "                      \"signature\",\"body\"}, then one line per event or item\n";

int UsageError(std::ostream& err, const std::string& reason) {
  err << "hoso: " << reason << "\n";
  return 2;
}

int Failure(std::ostream& err, const Status& status) {
  err << "hoso: " << status.message() << "\n";
  return 1;
}

// Which key the signature was checked with, or why it was not.
struct SignatureCheck {
  std::string state = "not_checked";  // "ok" | "not_checked"
  std::string key_id;
  std::string note = "not checked (no --public-key)";
};

Result<SignatureCheck> CheckSignature(const sync::SignedFile& file,
                                      const std::optional<std::string>& public_key_hex) {
  SignatureCheck check;
  std::string key;
  if (file.kind == sync::FileKind::kEnrolRequest || file.kind == sync::FileKind::kEnrolAnswer) {
    const char* member =
        file.kind == sync::FileKind::kEnrolRequest ? "public_key" : "central_public_key";
    HOSO_ASSIGN_OR_RETURN(std::string hex, GetString(file.header, member));
    HOSO_ASSIGN_OR_RETURN(key, sync::PublicKeyFromHex(hex));
    if (public_key_hex.has_value()) {
      HOSO_ASSIGN_OR_RETURN(std::string given, sync::PublicKeyFromHex(*public_key_hex));
      if (given != key) {
        return Status::Corruption("bad signature: the file names key " + sync::KeyIdOf(key) +
                                  ", not " + sync::KeyIdOf(given));
      }
    }
  } else if (public_key_hex.has_value()) {
    HOSO_ASSIGN_OR_RETURN(key, sync::PublicKeyFromHex(*public_key_hex));
  } else {
    return check;
  }
  HOSO_RETURN_IF_ERROR(sync::VerifySignature(file, key));
  check.state = "ok";
  check.key_id = sync::KeyIdOf(key);
  check.note = "ok (key " + check.key_id + ")";
  return check;
}

std::string ShortHex(std::string_view raw) { return HexEncode(raw).substr(0, 16); }

void PrintEventText(std::ostream& out, const sync::BatchEvent& be) {
  const Event& e = be.event;
  out << "  seq " << e.seq << "  " << EventTypeName(e.type);
  if (e.dossier_code) out << "  " << *e.dossier_code;
  if (e.waybill) out << "  waybill " << *e.waybill;
  out << "  " << FormatLocalIso(e.device_time_ms) << "  hash " << ShortHex(be.hash) << "\n";
}

}  // namespace

int RunInspectCommand(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  auto args = cli::Args::Parse(argv, {"public-key", "central-key", "dictionary"}, {"json"});
  if (!args.ok()) return UsageError(err, args.status().message());
  if (args->Has("help")) {
    out << kInspectUsage;
    return 0;
  }
  if (args->positional().size() != 1) {
    return UsageError(err, "inspect takes exactly one FILE (see hoso inspect --help)");
  }
  const std::string path = args->positional()[0];
  const bool as_json = args->Has("json");

  auto bytes = PosixFileSystem()->ReadFile(path);
  if (!bytes.ok()) return Failure(err, bytes.status().WithContext(path));
  const sync::DecodeLimits limits;
  auto file = sync::DecodeSignedFile(*bytes, limits.max_file_bytes);
  if (!file.ok()) return Failure(err, file.status().WithContext(path));

  auto sig = CheckSignature(*file, args->Get("public-key"));
  if (!sig.ok()) return Failure(err, sig.status().WithContext(path));

  std::optional<sync::SigningKey> unseal_key;
  if (auto key_path = args->Get("central-key")) {
    auto key = sync::SigningKey::Load(*key_path, PosixFileSystem());
    if (!key.ok()) return Failure(err, key.status());
    unseal_key.emplace(std::move(key).value());
  }
  sync::DictionaryLookup dictionaries;
  std::string dict_bytes;
  if (auto dict_path = args->Get("dictionary")) {
    auto d = PosixFileSystem()->ReadFile(*dict_path);
    if (!d.ok()) return Failure(err, d.status());
    dict_bytes = std::move(d).value();
    dictionaries = [&dict_bytes](int64_t id) -> Result<sync::Dictionary> {
      return sync::Dictionary{id, dict_bytes};
    };
  }

  // Body: unsealed and decompressed under the default caps, then parsed.
  const json::value* sealed = file->header.if_contains("sealed");
  const bool locked = sealed != nullptr && sealed->is_bool() && sealed->get_bool() && !unseal_key;
  std::vector<sync::BatchEvent> events;
  std::vector<json::object> items;
  std::string chunk_note;
  if (!locked && file->kind == sync::FileKind::kChunk) {
    // Raw chunk bytes: no compression, no lines; check them against the name.
    std::string chunk = file->body;
    if (sealed != nullptr && sealed->is_bool() && sealed->get_bool()) {
      auto opened = unseal_key->OpenSealed(file->body);
      if (!opened.ok()) return Failure(err, opened.status().WithContext(path));
      chunk = std::move(opened).value();
    }
    auto name = GetString(file->header, "chunk_hash");
    const std::string actual = HexEncode(sync::Blake2b256(chunk));
    if (!name.ok() || *name != actual) {
      return Failure(err, Status::Corruption(path + ": chunk hash mismatch: the body hashes to " +
                                             actual));
    }
    chunk_note = std::to_string(chunk.size()) + " bytes, BLAKE2b-256 matches chunk_hash";
  } else if (!locked) {
    auto body =
        sync::OpenBodyUnverified(*file, unseal_key ? &*unseal_key : nullptr, dictionaries, limits);
    if (!body.ok()) return Failure(err, body.status().WithContext(path));
    if (file->kind == sync::FileKind::kBatch) {
      auto header = sync::BatchHeader::FromJson(file->header);
      if (!header.ok()) return Failure(err, header.status().WithContext(path));
      auto parsed = sync::ParseBatchLines(*body);
      if (!parsed.ok()) return Failure(err, parsed.status().WithContext(path));
      events = std::move(parsed).value();
      Status chain = sync::CheckBatchEvents(*header, events);
      if (!chain.ok()) return Failure(err, chain.WithContext(path));
    } else {
      auto parsed = sync::ParseItemLines(*body);
      if (!parsed.ok()) return Failure(err, parsed.status().WithContext(path));
      items = std::move(parsed).value();
    }
  }

  const std::string body_state = locked ? "sealed" : "opened";
  if (as_json) {
    json::object summary;
    summary["kind"] = sync::KindName(file->kind);
    summary["bytes"] = static_cast<int64_t>(bytes->size());
    summary["file_hash"] = sync::FileHash(*bytes);
    summary["header"] = file->header;
    summary["signature"] = sig->state;
    if (!sig->key_id.empty()) summary["signature_key_id"] = sig->key_id;
    summary["body"] = body_state;
    if (!chunk_note.empty()) summary["chunk"] = chunk_note;
    out << ToJson(summary) << "\n";
    for (const sync::BatchEvent& be : events) {
      json::object line;
      line["event"] = EventToJsonObject(be.event);
      line["prev_hash"] = HexEncode(be.prev_hash);
      line["hash"] = HexEncode(be.hash);
      out << ToJson(line) << "\n";
    }
    for (const json::object& item : items) out << ToJson(item) << "\n";
    return 0;
  }

  out << "file: " << path << " (" << bytes->size() << " bytes)\n";
  out << "kind: " << sync::KindName(file->kind) << " ("
      << std::string(sync::MagicOf(file->kind), sync::kMagicBytes) << ")\n";
  out << "file hash: " << sync::FileHash(*bytes) << "\n";
  out << "signature: " << sig->note << "\n";
  out << "header: " << ToPrettyJson(file->header);
  if (locked) {
    out << "body: sealed (give --central-key FILE to open it)\n";
  } else if (file->kind == sync::FileKind::kChunk) {
    out << "chunk: " << chunk_note << "\n";
  } else if (file->kind == sync::FileKind::kBatch) {
    out << "events: " << events.size() << " (chain verified)\n";
    for (const sync::BatchEvent& be : events) PrintEventText(out, be);
  } else {
    out << "items: " << items.size() << "\n";
    for (const json::object& item : items) out << "  " << ToJson(item) << "\n";
  }
  return 0;
}

}  // namespace hoso::tools
