#include "node/node_store.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "schema/events.h"
#include "schema/ids.h"
#include "schema/json_util.h"
#include "schema/migrations.h"
#include "schema/text.h"

namespace hoso::node {

namespace {

constexpr char kNodeFormat[] = "hoso.node/1";
constexpr char kDbName[] = "node.db";
constexpr char kNodeJson[] = "node.json";
constexpr char kSignKeyFile[] = "keys/node.key";
constexpr char kPublicKeyFile[] = "keys/node.pub";
constexpr char kPiiKeyFile[] = "keys/pii.key";
constexpr int kPrivateDirMode = 0700;
constexpr int kSecretFileMode = 0600;
constexpr int kPublicFileMode = 0644;
// Domain separation for the search key derived from pii.key.
constexpr std::string_view kLookupKeyContext = "hoso.pii-lookup/1";

struct DataFile {
  const char* kind;  // data_versions.kind
  const char* name;  // file name in source_data_dir and DIR/data
};
constexpr DataFile kDataFiles[] = {
    {"catalog", "catalog.json"}, {"calendar", "calendar.json"}, {"tariff", "tariff.json"}};

void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("hoso: libsodium failed to initialise\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

void Wipe(std::string& secret) {
  if (!secret.empty()) sodium_memzero(secret.data(), secret.size());
  secret.clear();
}

std::string Join(const std::string& dir, std::string_view name) {
  return dir + "/" + std::string(name);
}

bool IsNodeIdChar(char c) { return c > 0x20 && c < 0x7f; }

// A node id unique enough that two desks of one unit never share it.
std::string GenerateNodeId(const NodeIdentity& id) {
  std::string unit;
  for (char c : id.unit_code) {
    unit += c == '.' ? '-' : static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  }
  unsigned char rnd[3];
  randombytes_buf(rnd, sizeof rnd);
  return id.role + "-" + unit + "-" +
         HexEncode(std::string_view(reinterpret_cast<const char*>(rnd), sizeof rnd));
}

Result<NodeIdentity> CheckIdentity(NodeIdentity id, UnixMs now) {
  HOSO_RETURN_IF_ERROR(ValidateUnitCode(id.unit_code));
  id.name = NormaliseSpaces(id.name);
  if (id.name.empty() || !IsValidUtf8(id.name)) {
    return Status::InvalidArgument("the node needs a name", "name");
  }
  if (id.role != "desk" && id.role != "courier") {
    return Status::InvalidArgument("role must be desk or courier", "role");
  }
  id.province = NormaliseSpaces(id.province);
  if (!IsValidUtf8(id.province)) {
    return Status::InvalidArgument("province is not valid UTF-8", "province");
  }
  if (id.node_id.empty()) id.node_id = GenerateNodeId(id);
  bool printable = true;
  for (char c : id.node_id) printable = printable && IsNodeIdChar(c);
  if (id.node_id.size() > 64 || !printable) {
    return Status::InvalidArgument("node_id must be 1..64 printable ASCII characters, no spaces",
                                   "node_id");
  }
  if (id.created_at == 0) id.created_at = now;
  return id;
}

std::string IdentityToJson(const NodeIdentity& id) {
  json::object o{{"format", kNodeFormat},
                 {"node_id", id.node_id},
                 {"name", id.name},
                 {"unit_code", id.unit_code},
                 {"role", id.role},
                 {"province", id.province},
                 {"created_at", FormatUtcIso(id.created_at)},
                 {"created_at_ms", id.created_at}};
  return ToPrettyJson(o);
}

Result<NodeIdentity> IdentityFromJson(std::string_view text) {
  HOSO_ASSIGN_OR_RETURN(json::object o, ParseJsonObject(text));
  HOSO_ASSIGN_OR_RETURN(std::string format, GetString(o, "format"));
  if (format != kNodeFormat) {
    return Status::InvalidArgument("format '" + format + "' is not " + kNodeFormat, "format");
  }
  NodeIdentity id;
  HOSO_ASSIGN_OR_RETURN(id.node_id, GetString(o, "node_id"));
  HOSO_ASSIGN_OR_RETURN(id.name, GetString(o, "name"));
  HOSO_ASSIGN_OR_RETURN(id.unit_code, GetString(o, "unit_code"));
  HOSO_ASSIGN_OR_RETURN(id.role, GetString(o, "role"));
  HOSO_ASSIGN_OR_RETURN(id.province, GetString(o, "province"));
  HOSO_ASSIGN_OR_RETURN(id.created_at, GetInt(o, "created_at_ms"));
  return id;
}

// Reads a raw key file that must be exactly `size` bytes.
Result<std::string> ReadKey(FileSystem* fs, const std::string& path, size_t size) {
  HOSO_ASSIGN_OR_RETURN(std::string key, fs->ReadFile(path));
  if (key.size() != size) {
    Wipe(key);
    return Status::Corruption(path + ": expected a " + std::to_string(size) + "-byte key");
  }
  return key;
}

std::string DeriveLookupKey(const std::string& pii_key) {
  std::string out(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(kLookupKeyContext.data()),
                     kLookupKeyContext.size(),
                     reinterpret_cast<const unsigned char*>(pii_key.data()), pii_key.size());
  return out;
}

// The source data files, read and parsed before anything is written, so a
// bad source never leaves a directory behind.
struct SourceData {
  std::string text[3];
  std::string version[3];
};

Result<SourceData> ReadSourceData(FileSystem* fs, const std::string& dir) {
  SourceData src;
  for (size_t i = 0; i < std::size(kDataFiles); ++i) {
    const std::string path = Join(dir, kDataFiles[i].name);
    HOSO_ASSIGN_OR_RETURN(src.text[i], fs->ReadFile(path));
    const std::string_view text = src.text[i];
    Status parsed;
    if (i == 0) {
      auto c = Catalog::Parse(text);
      parsed = c.status();
      if (c.ok()) src.version[i] = c->version();
    } else if (i == 1) {
      auto c = ParseCalendarData(text);
      parsed = c.status();
      if (c.ok()) src.version[i] = c->version;
    } else {
      auto t = Tariff::Parse(text);
      parsed = t.status();
      if (t.ok()) src.version[i] = t->version();
    }
    HOSO_RETURN_IF_ERROR(parsed.WithContext(path));
  }
  return src;
}

// A node.db without node.json is normally what a failed Init left, and Init
// replaces it. One that holds events is a node whose node.json was lost:
// replacing it would destroy dossiers, so Init refuses.
Status CheckNoOrphanedNode(const std::string& dir, FileSystem* fs) {
  const std::string path = Join(dir, kDbName);
  if (!fs->Exists(path)) return Status::OK();
  DatabaseOptions ro;
  ro.read_only = true;
  ro.create_if_missing = false;
  auto db = Database::Open(path, ro);
  if (!db.ok()) return Status::OK();  // not a database we could have written to
  auto events = (*db)->QueryInt("SELECT COUNT(*) FROM outbox_events");
  if (events.ok() && events->value_or(0) > 0) {
    return Status::Conflict(path + " holds " + std::to_string(**events) +
                            " events but node.json is missing; restore node.json from a backup "
                            "instead of initialising over it");
  }
  return Status::OK();
}

// Writes the node database: migrations, settings and the data versions.
Status CreateDatabase(const std::string& dir, const NodeIdentity& id, const SourceData& src,
                      FileSystem* fs) {
  // Leftovers of a failed Init (never a live node: node.json is absent).
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string p = Join(dir, std::string(kDbName) + suffix);
    if (fs->Exists(p)) HOSO_RETURN_IF_ERROR(fs->Remove(p));
  }
  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenNodeDatabase(Join(dir, kDbName)));
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(Statement set,
                        db->Prepare("INSERT INTO node_settings (key, value) VALUES (?1, ?2)"));
  const std::pair<const char*, std::string> settings[] = {
      {"node_id", id.node_id},     {"name", id.name},
      {"unit_code", id.unit_code}, {"role", id.role},
      {"province", id.province},   {"created_at_ms", std::to_string(id.created_at)}};
  for (const auto& [key, value] : settings) {
    set.Bind(1, key).Bind(2, value);
    HOSO_RETURN_IF_ERROR(set.Run());
    set.Reset();
  }
  HOSO_ASSIGN_OR_RETURN(Statement ver,
                        db->Prepare("INSERT INTO data_versions (kind, version, body, "
                                    "installed_at_ms) VALUES (?1, ?2, ?3, ?4)"));
  for (size_t i = 0; i < std::size(kDataFiles); ++i) {
    ver.Bind(1, kDataFiles[i].kind)
        .Bind(2, src.version[i])
        .Bind(3, src.text[i])
        .Bind(4, id.created_at);
    HOSO_RETURN_IF_ERROR(ver.Run());
    ver.Reset();
  }
  return txn.Commit();
}

Status InitSteps(const std::string& dir, const NodeIdentity& id, const SourceData& src,
                 FileSystem* fs, std::vector<std::string>* secrets_written) {
  HOSO_RETURN_IF_ERROR(fs->CreateDirs(dir, kPrivateDirMode));
  // mkdir leaves an existing directory's mode alone; a node directory holds
  // personal data, so it is tightened either way.
  if (::chmod(dir.c_str(), kPrivateDirMode) != 0) {
    return ErrnoStatus(errno, "chmod " + dir);
  }
  HOSO_RETURN_IF_ERROR(fs->CreateDirs(Join(dir, "keys"), kPrivateDirMode));
  HOSO_RETURN_IF_ERROR(fs->CreateDirs(Join(dir, "data"), kPrivateDirMode));
  for (size_t i = 0; i < std::size(kDataFiles); ++i) {
    HOSO_RETURN_IF_ERROR(fs->WriteFileAtomic(Join(dir, std::string("data/") + kDataFiles[i].name),
                                             src.text[i], kPublicFileMode));
  }

  std::string pk(crypto_sign_PUBLICKEYBYTES, '\0');
  std::string sk(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                      reinterpret_cast<unsigned char*>(sk.data()));
  secrets_written->push_back(Join(dir, kSignKeyFile));
  Status s = fs->WriteFileAtomic(Join(dir, kSignKeyFile), sk, kSecretFileMode);
  Wipe(sk);
  HOSO_RETURN_IF_ERROR(s);
  HOSO_RETURN_IF_ERROR(fs->WriteFileAtomic(Join(dir, kPublicKeyFile), pk, kPublicFileMode));

  std::string pii(crypto_secretbox_KEYBYTES, '\0');
  crypto_secretbox_keygen(reinterpret_cast<unsigned char*>(pii.data()));
  secrets_written->push_back(Join(dir, kPiiKeyFile));
  s = fs->WriteFileAtomic(Join(dir, kPiiKeyFile), pii, kSecretFileMode);
  Wipe(pii);
  HOSO_RETURN_IF_ERROR(s);

  HOSO_RETURN_IF_ERROR(CreateDatabase(dir, id, src, fs));
  // The commit point: from here on the directory holds a node.
  return fs->WriteFileAtomic(Join(dir, kNodeJson), IdentityToJson(id), kPublicFileMode);
}

}  // namespace

Status NodeStore::Init(const std::string& dir, const InitOptions& options) {
  EnsureSodium();
  FileSystem* fs = options.fs;
  if (dir.empty()) return Status::InvalidArgument("the data directory is empty", "data");
  if (fs->Exists(Join(dir, kNodeJson))) {
    return Status::Conflict(dir + " already holds a node; choose another directory");
  }
  HOSO_RETURN_IF_ERROR(CheckNoOrphanedNode(dir, fs));
  HOSO_ASSIGN_OR_RETURN(NodeIdentity id, CheckIdentity(options.identity, options.clock->NowMs()));
  HOSO_ASSIGN_OR_RETURN(SourceData src, ReadSourceData(fs, options.source_data_dir));
  std::vector<std::string> secrets_written;
  Status s = InitSteps(dir, id, src, fs, &secrets_written);
  if (!s.ok()) {
    // Keys of a node that never came to be must not linger on disk. Removal
    // is best effort (unlink needs no free space).
    for (const std::string& p : secrets_written) {
      if (fs->Exists(p)) (void)fs->Remove(p);
    }
    return s.WithContext("initialising node in " + dir);
  }
  return Status::OK();
}

Result<std::unique_ptr<NodeStore>> NodeStore::Open(const std::string& dir, FileSystem* fs) {
  EnsureSodium();
  const std::string node_json = Join(dir, kNodeJson);
  if (!fs->Exists(node_json)) {
    return Status::NotFound(dir + " holds no node (no node.json); run hoso-node init first");
  }
  std::unique_ptr<NodeStore> store(new NodeStore());
  store->dir_ = dir;
  store->fs_ = fs;
  HOSO_ASSIGN_OR_RETURN(std::string text, fs->ReadFile(node_json));
  auto identity = IdentityFromJson(text);
  if (!identity.ok()) return Status::Corruption(node_json + ": " + identity.status().message());
  store->identity_ = std::move(*identity);

  const std::string pii_path = Join(dir, kPiiKeyFile);
  struct stat st;
  if (::stat(pii_path.c_str(), &st) != 0) return ErrnoStatus(errno, "stat " + pii_path);
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::PermissionDenied(pii_path + " must be readable by its owner only (0600), is " +
                                    mode);
  }
  HOSO_ASSIGN_OR_RETURN(store->pii_key_, ReadKey(fs, pii_path, crypto_secretbox_KEYBYTES));
  store->pii_lookup_key_ = DeriveLookupKey(store->pii_key_);
  HOSO_ASSIGN_OR_RETURN(store->sign_secret_key_,
                        ReadKey(fs, Join(dir, kSignKeyFile), crypto_sign_SECRETKEYBYTES));
  HOSO_ASSIGN_OR_RETURN(store->public_key_,
                        ReadKey(fs, Join(dir, kPublicKeyFile), crypto_sign_PUBLICKEYBYTES));

  HOSO_ASSIGN_OR_RETURN(Catalog catalog, Catalog::Load(Join(dir, "data/catalog.json"), fs));
  store->catalog_ = std::make_unique<Catalog>(std::move(catalog));
  HOSO_ASSIGN_OR_RETURN(CalendarData calendar,
                        LoadCalendarData(Join(dir, "data/calendar.json"), fs));
  store->calendar_ = std::make_unique<CalendarData>(calendar);
  HOSO_ASSIGN_OR_RETURN(WorkingCalendar wc, WorkingCalendar::ForSite(std::move(calendar)));
  store->working_calendar_ = std::make_unique<WorkingCalendar>(std::move(wc));
  const std::string tariff_path = Join(dir, "data/tariff.json");
  HOSO_ASSIGN_OR_RETURN(std::string tariff_text, fs->ReadFile(tariff_path));
  auto tariff = Tariff::Parse(tariff_text);
  if (!tariff.ok()) return tariff.status().WithContext(tariff_path);
  store->tariff_ = std::make_unique<Tariff>(std::move(*tariff));

  HOSO_ASSIGN_OR_RETURN(store->db_, OpenNodeDatabase(Join(dir, kDbName)));
  // node.json and the database must describe the same node, or events would
  // be chained under another node's id.
  HOSO_ASSIGN_OR_RETURN(
      Statement q, store->db_->Prepare("SELECT value FROM node_settings WHERE key = 'node_id'"));
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row || q.ColumnText(0) != store->identity_.node_id) {
    return Status::Corruption(Join(dir, kDbName) + " does not belong to node '" +
                              store->identity_.node_id + "'");
  }
  return store;
}

NodeStore::~NodeStore() {
  Wipe(sign_secret_key_);
  Wipe(pii_key_);
  Wipe(pii_lookup_key_);
}

std::string NodeStore::Sign(std::string_view message) const {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(sign_secret_key_.data()));
  return sig;
}

std::string NodeStore::EncryptPii(const std::string& plaintext) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(bytes, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(bytes + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        bytes, reinterpret_cast<const unsigned char*>(pii_key_.data()));
  return out;
}

Result<std::string> NodeStore::DecryptPii(const std::string& ciphertext) const {
  constexpr size_t kOverhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
  if (ciphertext.size() < kOverhead) {
    return Status::Corruption("encrypted personal data is truncated");
  }
  std::string out(ciphertext.size() - kOverhead, '\0');
  const auto* bytes = reinterpret_cast<const unsigned char*>(ciphertext.data());
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()),
                                 bytes + crypto_secretbox_NONCEBYTES,
                                 ciphertext.size() - crypto_secretbox_NONCEBYTES, bytes,
                                 reinterpret_cast<const unsigned char*>(pii_key_.data())) != 0) {
    return Status::Corruption(
        "encrypted personal data fails authentication (tampered, or "
        "another node's key)");
  }
  return out;
}

std::string NodeStore::PiiLookupHash(const std::string& id_number) const {
  const std::string digits = DigitsOnly(id_number);
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(digits.data()),
                     digits.size(), reinterpret_cast<const unsigned char*>(pii_lookup_key_.data()),
                     pii_lookup_key_.size());
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

}  // namespace hoso::node
