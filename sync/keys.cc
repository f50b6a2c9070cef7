#include "sync/keys.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "schema/events.h"

namespace hoso::sync {
namespace {

// sodium_init is idempotent and thread-safe, but calling it once keeps the
// hot paths (Sign, Verify) free of its lock. A failure means the process
// cannot do cryptography at all; there is nothing sane to continue with.
void EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

SigningKey::SigningKey() { std::memset(secret_, 0, sizeof(secret_)); }

SigningKey::~SigningKey() { Wipe(); }

void SigningKey::Wipe() { sodium_memzero(secret_, sizeof(secret_)); }

SigningKey::SigningKey(SigningKey&& other) noexcept : public_key_(std::move(other.public_key_)) {
  std::memcpy(secret_, other.secret_, sizeof(secret_));
  other.Wipe();
  other.public_key_.clear();
}

SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    std::memcpy(secret_, other.secret_, sizeof(secret_));
    public_key_ = std::move(other.public_key_);
    other.Wipe();
    other.public_key_.clear();
  }
  return *this;
}

SigningKey SigningKey::Generate() {
  EnsureSodium();
  SigningKey key;
  unsigned char pk[kPublicKeyBytes];
  crypto_sign_keypair(pk, key.secret_);
  key.public_key_.assign(reinterpret_cast<const char*>(pk), sizeof(pk));
  return key;
}

Result<SigningKey> SigningKey::FromSecretKey(std::string_view secret_key) {
  EnsureSodium();
  if (secret_key.size() != kSecretKeyBytes) {
    return Status::InvalidArgument("a secret key is " + std::to_string(kSecretKeyBytes) +
                                   " bytes, got " + std::to_string(secret_key.size()));
  }
  // Rebuild the pair from the seed: a file whose public half does not belong
  // to its seed would sign with one key and announce another.
  SigningKey key;
  unsigned char pk[kPublicKeyBytes];
  crypto_sign_seed_keypair(pk, key.secret_, U(secret_key));
  if (sodium_memcmp(key.secret_, secret_key.data(), kSecretKeyBytes) != 0) {
    return Status::InvalidArgument("secret key: public half does not match the seed");
  }
  key.public_key_.assign(reinterpret_cast<const char*>(pk), sizeof(pk));
  return key;
}

Result<SigningKey> SigningKey::Load(const std::string& path, FileSystem* fs) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
      return Status::PermissionDenied("key file " + path +
                                      " is accessible by group or others; chmod 600 it");
    }
  } else if (errno != ENOENT) {
    return ErrnoStatus(errno, "stat " + path);
  }
  HOSO_ASSIGN_OR_RETURN(std::string bytes, fs->ReadFile(path));
  auto key = FromSecretKey(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  if (!key.ok()) return key.status().WithContext("key file " + path);
  return key;
}

Status SigningKey::Save(const std::string& path, FileSystem* fs) const {
  std::string bytes(reinterpret_cast<const char*>(secret_), sizeof(secret_));
  Status s = fs->WriteFileAtomic(path, bytes, 0600);
  sodium_memzero(bytes.data(), bytes.size());
  return s;
}

std::string SigningKey::key_id() const { return KeyIdOf(public_key_); }

std::string SigningKey::Sign(std::string_view msg) const {
  EnsureSodium();
  unsigned char sig[kSignatureBytes];
  crypto_sign_detached(sig, nullptr, U(msg), msg.size(), secret_);
  return std::string(reinterpret_cast<const char*>(sig), sizeof(sig));
}

std::string SigningKey::BoxPublicKey() const {
  EnsureSodium();
  unsigned char x_pk[crypto_box_PUBLICKEYBYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(x_pk, U(public_key_)) != 0) return std::string();
  return std::string(reinterpret_cast<const char*>(x_pk), sizeof(x_pk));
}

Result<std::string> SigningKey::OpenSealed(std::string_view sealed) const {
  EnsureSodium();
  if (sealed.size() < crypto_box_SEALBYTES) {
    return Status::Corruption("cannot open sealed body: shorter than the seal overhead");
  }
  unsigned char x_pk[crypto_box_PUBLICKEYBYTES];
  unsigned char x_sk[crypto_box_SECRETKEYBYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(x_pk, U(public_key_)) != 0 ||
      crypto_sign_ed25519_sk_to_curve25519(x_sk, secret_) != 0) {
    sodium_memzero(x_sk, sizeof(x_sk));
    return Status::Internal("cannot convert the signing key for unsealing");
  }
  std::string plain(sealed.size() - crypto_box_SEALBYTES, '\0');
  int rc = crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()), U(sealed),
                                sealed.size(), x_pk, x_sk);
  sodium_memzero(x_sk, sizeof(x_sk));
  if (rc != 0) {
    return Status::Corruption("cannot open sealed body: sealed to another key or damaged");
  }
  return plain;
}

bool Verify(std::string_view public_key, std::string_view msg, std::string_view sig) {
  EnsureSodium();
  if (public_key.size() != kPublicKeyBytes || sig.size() != kSignatureBytes) return false;
  return crypto_sign_verify_detached(U(sig), U(msg), msg.size(), U(public_key)) == 0;
}

std::string KeyIdOf(std::string_view public_key) {
  return HexEncode(Blake2b256(public_key).substr(0, kKeyIdHexChars / 2));
}

Result<std::string> PublicKeyFromHex(std::string_view hex) {
  if (hex.size() != 2 * kPublicKeyBytes) {
    return Status::InvalidArgument("a public key is " + std::to_string(2 * kPublicKeyBytes) +
                                   " hex characters, got " + std::to_string(hex.size()));
  }
  auto raw = HexDecode(hex);
  if (!raw.ok()) return Status::InvalidArgument("public key: " + raw.status().message());
  return std::move(raw).value();
}

Result<std::string> Seal(std::string_view plaintext, std::string_view ed25519_public_key) {
  EnsureSodium();
  if (ed25519_public_key.size() != kPublicKeyBytes) {
    return Status::InvalidArgument("sealing needs a " + std::to_string(kPublicKeyBytes) +
                                   "-byte public key");
  }
  unsigned char x_pk[crypto_box_PUBLICKEYBYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(x_pk, U(ed25519_public_key)) != 0) {
    return Status::InvalidArgument("sealing key is not a valid Ed25519 public key");
  }
  std::string out(plaintext.size() + crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal(reinterpret_cast<unsigned char*>(out.data()), U(plaintext), plaintext.size(),
                      x_pk) != 0) {
    return Status::Internal("crypto_box_seal failed");
  }
  return out;
}

std::string Blake2b256(std::string_view data) {
  EnsureSodium();
  unsigned char h[32];
  crypto_generichash(h, sizeof(h), U(data), data.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(h), sizeof(h));
}

std::string RotationMessage(std::string_view node_id, std::string_view new_public_key_hex) {
  std::string m = "hoso-key-rotation/1\n";
  m.append(node_id);
  m.push_back('\n');
  m.append(new_public_key_hex);
  return m;
}

static_assert(kSealOverheadBytes == crypto_box_SEALBYTES);
static_assert(kSecretKeyBytes == crypto_sign_SECRETKEYBYTES);
static_assert(kPublicKeyBytes == crypto_sign_PUBLICKEYBYTES);
static_assert(kSignatureBytes == crypto_sign_BYTES);

}  // namespace hoso::sync
