// Keys: Ed25519 identities of nodes and of the central (libsodium), the
// X25519 sealing derived from them, key ids and BLAKE2b hashing.
//
// A SigningKey owns a 64-byte Ed25519 secret key (libsodium layout: 32-byte
// seed followed by the 32-byte public key). It is move-only and wipes the
// secret with sodium_memzero when destroyed or moved from. Sealed boxes are
// addressed to an Ed25519 public key: both sides convert it to X25519
// (crypto_sign_ed25519_pk_to_curve25519 / _sk_to_curve25519), so one key pair
// per party serves for signing and for receiving sealed files.
//
// Key id: lower-case hex of the first 8 bytes of BLAKE2b-256(public key),
// 16 characters. It names a key in headers and tables; it is not secret.
//
// Thread-safety: a const SigningKey may be used from many threads at once
// (Sign, OpenSealed); the free functions are thread-safe.
#ifndef HOSO_SYNC_KEYS_H_
#define HOSO_SYNC_KEYS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "schema/env.h"
#include "schema/status.h"

namespace hoso::sync {

constexpr size_t kPublicKeyBytes = 32;
constexpr size_t kSecretKeyBytes = 64;
constexpr size_t kSignatureBytes = 64;
constexpr size_t kKeyIdHexChars = 16;
// What crypto_box_seal adds to a plaintext.
constexpr size_t kSealOverheadBytes = 48;

class SigningKey {
 public:
  // A fresh random key pair.
  static SigningKey Generate();
  // From the 64 raw bytes of a libsodium Ed25519 secret key. kInvalidArgument
  // on a wrong length or when the embedded public key does not match the seed.
  static Result<SigningKey> FromSecretKey(std::string_view secret_key);
  // Reads a key file (exactly 64 raw bytes). kPermissionDenied when the file
  // is readable by group or others (checked with stat before reading),
  // kNotFound when missing, kInvalidArgument when malformed.
  static Result<SigningKey> Load(const std::string& path, FileSystem* fs);

  SigningKey(SigningKey&& other) noexcept;
  SigningKey& operator=(SigningKey&& other) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  // Writes the 64 raw secret bytes atomically with mode 0600.
  Status Save(const std::string& path, FileSystem* fs) const;

  // The 32-byte Ed25519 public key.
  const std::string& public_key() const { return public_key_; }
  // KeyIdOf(public_key()).
  std::string key_id() const;
  // 64-byte detached Ed25519 signature of `msg`.
  std::string Sign(std::string_view msg) const;

  // The 32-byte X25519 public key that Seal() converts public_key() to.
  std::string BoxPublicKey() const;
  // Opens a crypto_box_seal addressed to this key's public key. kCorruption
  // "cannot open sealed body" when the box was sealed to another key or is
  // damaged.
  Result<std::string> OpenSealed(std::string_view sealed) const;

 private:
  SigningKey();
  void Wipe();

  unsigned char secret_[kSecretKeyBytes];
  std::string public_key_;
};

// True iff `sig` is a valid Ed25519 signature of `msg` by `public_key`.
// False (never a crash) for keys or signatures of the wrong length.
bool Verify(std::string_view public_key, std::string_view msg, std::string_view sig);

// Lower-case hex of the first 8 bytes of BLAKE2b-256(public_key).
std::string KeyIdOf(std::string_view public_key);

// Parses a 64-character hex Ed25519 public key into its 32 raw bytes.
// kInvalidArgument otherwise.
Result<std::string> PublicKeyFromHex(std::string_view hex);

// crypto_box_seal of `plaintext` to the X25519 key derived from
// `ed25519_public_key`. kInvalidArgument when the key has the wrong length or
// is not a valid curve point.
Result<std::string> Seal(std::string_view plaintext, std::string_view ed25519_public_key);

// BLAKE2b-256 (unkeyed crypto_generichash), 32 raw bytes.
std::string Blake2b256(std::string_view data);

// The bytes the OLD key signs to rotate to a new key:
// "hoso-key-rotation/1\n" + node_id + "\n" + new_public_key_hex.
std::string RotationMessage(std::string_view node_id, std::string_view new_public_key_hex);

}  // namespace hoso::sync

#endif  // HOSO_SYNC_KEYS_H_
