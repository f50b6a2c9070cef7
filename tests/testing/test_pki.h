// Throwaway certificates for the TLS tests, made with the OpenSSL C API: a
// root CA, an intermediate CA under it, and a server certificate issued by
// the intermediate, all with fresh P-256 keys, written as PEM files.
//
// Thread-safety: functions without shared state; safe from any thread.
#ifndef HOSO_TESTS_TESTING_TEST_PKI_H_
#define HOSO_TESTS_TESTING_TEST_PKI_H_

#include <string>
#include <vector>

namespace hoso::testing {

struct ServerCertSpec {
  // subjectAltName entries as OpenSSL writes them: "DNS:localhost",
  // "IP:127.0.0.1".
  std::vector<std::string> alt_names = {"DNS:localhost", "IP:127.0.0.1"};
  // Validity relative to now, in days.
  int not_before_days = -1;
  int not_after_days = 365;
};

struct TlsFiles {
  std::string ca_file;    // the root CA certificate: what a client trusts
  std::string cert_file;  // the server certificate followed by the intermediate
  std::string key_file;   // the server's private key (PEM, unencrypted)
};

// Makes a new root CA (so two calls give two CAs that do not trust each
// other's certificates) and a server certificate under it, and writes
// DIR/NAME-ca.pem, DIR/NAME-cert.pem and DIR/NAME-key.pem. Aborts the test
// program on an OpenSSL failure (there is nothing a test could do about it).
TlsFiles MakeTlsFiles(const std::string& dir, const std::string& name,
                      const ServerCertSpec& spec = {});

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_TEST_PKI_H_
