#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "common/s3/object_store.h"
#include "common/testing/subprocess.h"

namespace curve::s3::testing {

// A real MinIO server for tests, on free 127.0.0.1 ports with its data under a directory the
// caller owns. The binary comes from $CURVE_MINIO_BIN, or else from scripts/go-tools.sh minio
// (built into the tools cache on first use, which takes many minutes; a no-op afterwards).
// The destructor kills the server (SIGKILL, by PID).
class MinioProcess {
 public:
  // Starts `minio server <dir>/data` and waits (up to 60 s) until it serves S3 requests. MinIO's
  // output goes to <dir>/minio.log. With `tls`, it serves https with a fresh self-signed
  // certificate for 127.0.0.1 (made by the openssl CLI; ca_file() names it). UNAVAILABLE (with
  // the log's tail) when it does not start; FAILED_PRECONDITION when the binary cannot be found
  // or built.
  static Result<std::unique_ptr<MinioProcess>> Start(const std::string& dir, bool tls = false);
  ~MinioProcess();

  // The MinIO binary: $CURVE_MINIO_BIN, or the one scripts/go-tools.sh builds (building it
  // when missing, up to 60 minutes).
  static Result<std::string> Binary();

  std::string endpoint() const;  // "http://127.0.0.1:<port>" (https with tls)
  // The server's self-signed certificate (PEM) with tls, to trust as a CA; empty without.
  const std::string& ca_file() const { return ca_file_; }
  const std::string& access_key() const { return access_key_; }
  const std::string& secret_key() const { return secret_key_; }
  int pid() const;

  // Options for a store on this server (its endpoint, credentials and CA file) with `bucket`.
  S3Options Options(const std::string& bucket) const;

  // Kills the server by PID (SIGKILL) and waits for it. Idempotent.
  void Stop();

 private:
  MinioProcess() = default;
  Status Launch(const std::string& binary);
  Status MakeCertificate();

  std::string dir_;
  bool tls_ = false;
  std::string ca_file_;
  int port_ = 0;
  int console_port_ = 0;
  std::string access_key_ = "curve-test";
  std::string secret_key_ = "curve-test-secret";
  std::unique_ptr<curve::testing::Subprocess> process_;
};

}  // namespace curve::s3::testing
