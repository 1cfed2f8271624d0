#include "common/s3/s3_object_store.h"

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <cpprest/rawptrstream.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>
#include <utility>

#include "common/logging.h"
#include "common/s3/s3_response.h"
#include "common/s3/sigv4.h"
#include "common/s3/validation.h"

namespace curve::s3 {
namespace {

namespace http = web::http;
using Query = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 0;
  std::string body;
};

bool Retryable(int http_status) { return http_status == 429 || http_status >= 500; }

Status ValidateOptions(const S3Options& options) {
  CURVE_RETURN_IF_ERROR(ValidateBucketName(options.bucket));
  if (options.access_key.empty() || options.secret_key.empty()) {
    return InvalidArgumentError("S3 access key and secret key must both be set (bucket '" +
                                options.bucket + "')");
  }
  if (options.region.empty() ||
      !std::all_of(options.region.begin(), options.region.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      })) {
    return InvalidArgumentError("S3 region '" + options.region +
                                "' is invalid (expected e.g. us-east-1)");
  }
  if (options.timeout_seconds <= 0) {
    return InvalidArgumentError("S3 timeout_seconds must be positive, got " +
                                std::to_string(options.timeout_seconds));
  }
  if (options.max_attempts <= 0) {
    return InvalidArgumentError("S3 max_attempts must be positive, got " +
                                std::to_string(options.max_attempts));
  }
  if (options.list_page_size < 1 || options.list_page_size > 1000) {
    return InvalidArgumentError("S3 list_page_size must be 1-1000, got " +
                                std::to_string(options.list_page_size));
  }
  return Status::Ok();
}

}  // namespace

class S3ObjectStore::Impl {
 public:
  Impl(S3Options options, Endpoint endpoint)
      : options_(std::move(options)), endpoint_(std::move(endpoint)), logger_(log::Get("s3")) {}

  Status Init() {
    http::client::http_client_config config;
    config.set_timeout(std::chrono::seconds(options_.timeout_seconds));
    if (endpoint_.https && !options_.ca_file.empty()) {
      const std::string ca_file = options_.ca_file;
      try {
        boost::asio::ssl::context probe(boost::asio::ssl::context::tls_client);
        probe.load_verify_file(ca_file);
      } catch (const std::exception& e) {
        return InvalidArgumentError("S3 ca_file '" + ca_file + "' (endpoint " + endpoint_.url +
                                    "): " + e.what());
      }
      config.set_ssl_context_callback(
          [ca_file](boost::asio::ssl::context& context) { context.load_verify_file(ca_file); });
    }
    try {
      client_ = std::make_unique<http::client::http_client>(web::uri(endpoint_.url), config);
    } catch (const std::exception& e) {
      return InvalidArgumentError("S3 endpoint '" + options_.endpoint + "': " + e.what());
    }
    return EnsureBucket();
  }

  Status Put(const std::string& key, std::string_view data) {
    CURVE_RETURN_IF_ERROR(ValidateKey(key).WithContext(Where("PUT", key)));
    CURVE_ASSIGN_OR_RETURN(Response response, Call(http::methods::PUT, "PUT", key, {}, data));
    if (response.status != 200) return Error(response, "PUT", key);
    return Status::Ok();
  }

  Result<std::string> Get(const std::string& key) {
    CURVE_RETURN_IF_ERROR(ValidateKey(key).WithContext(Where("GET", key)));
    CURVE_ASSIGN_OR_RETURN(Response response, Call(http::methods::GET, "GET", key, {}, {}));
    if (response.status != 200) return Error(response, "GET", key);
    return std::move(response.body);
  }

  Status Delete(const std::string& key) {
    CURVE_RETURN_IF_ERROR(ValidateKey(key).WithContext(Where("DELETE", key)));
    CURVE_ASSIGN_OR_RETURN(Response response, Call(http::methods::DEL, "DELETE", key, {}, {}));
    if (response.status == 200 || response.status == 204) return Status::Ok();
    if (response.status == 404 && ParseError(response.body).code == "NoSuchKey") {
      return Status::Ok();
    }
    return Error(response, "DELETE", key);
  }

  Result<std::vector<std::string>> List(const std::string& prefix) {
    if (!prefix.empty()) {
      CURVE_RETURN_IF_ERROR(ValidateKey(prefix).WithContext(Where("LIST", prefix)));
    }
    std::vector<std::string> keys;
    std::string token;
    while (true) {
      Query query = {{"list-type", "2"},
                     {"encoding-type", "url"},
                     {"max-keys", std::to_string(options_.list_page_size)}};
      if (!prefix.empty()) query.emplace_back("prefix", prefix);
      if (!token.empty()) query.emplace_back("continuation-token", token);
      CURVE_ASSIGN_OR_RETURN(Response response,
                             Call(http::methods::GET, "LIST", "", query, {}, prefix));
      if (response.status != 200) return Error(response, "LIST", prefix);
      Result<ListPage> page = ParseListPage(response.body);
      if (!page.ok()) return page.status().WithContext(Where("LIST", prefix));
      keys.insert(keys.end(), std::make_move_iterator(page->keys.begin()),
                  std::make_move_iterator(page->keys.end()));
      if (!page->truncated) break;
      token = std::move(page->next_token);
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

 private:
  // "s3 GET endpoint=http://127.0.0.1:9000 bucket=snapshots key=a/b": what every error names.
  std::string Where(std::string_view op, const std::string& key) const {
    std::string where =
        "s3 " + std::string(op) + " endpoint=" + endpoint_.url + " bucket=" + options_.bucket;
    if (!key.empty()) where += (op == "LIST" ? " prefix=" : " key=") + key;
    return where;
  }

  // The status for an S3 answer that is not a success, with S3's error code and message.
  Status Error(const Response& response, std::string_view op, const std::string& key) const {
    S3Error error = ParseError(response.body);
    StatusCode code = CodeForS3Error(response.status, error.code);
    std::string message = Where(op, key) + ": HTTP " + std::to_string(response.status);
    if (!error.code.empty()) message += " " + error.code;
    if (!error.message.empty()) message += ": " + error.message;
    if (code == StatusCode::kPermissionDenied) {
      message += " (check the access key, secret key and the bucket's policy)";
    }
    return Status(code, std::move(message));
  }

  // Checks the bucket with GetBucketLocation, creating it on NoSuchBucket.
  Status EnsureBucket() {
    CURVE_ASSIGN_OR_RETURN(Response location, Call(http::methods::GET, "GET-BUCKET-LOCATION", "",
                                                   {{"location", ""}}, {}));
    if (location.status == 200) return Status::Ok();
    if (location.status != 404 || ParseError(location.body).code != "NoSuchBucket") {
      return Error(location, "GET-BUCKET-LOCATION", "");
    }
    std::string body;
    if (options_.region != "us-east-1") {
      body =
          "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
          "<LocationConstraint>" +
          options_.region + "</LocationConstraint></CreateBucketConfiguration>";
    }
    CURVE_ASSIGN_OR_RETURN(Response created,
                           Call(http::methods::PUT, "CREATE-BUCKET", "", {}, body));
    if (created.status == 200) {
      logger_->info("op=CreateBucket endpoint={} bucket={} region={}", endpoint_.url,
                    options_.bucket, options_.region);
      return Status::Ok();
    }
    if (ParseError(created.body).code == "BucketAlreadyOwnedByYou") return Status::Ok();
    return Error(created, "CREATE-BUCKET", "");
  }

  // Sends one request (retrying transport failures and 5xx/429 answers) and returns the last
  // answer; UNAVAILABLE when no answer came. `key` empty: a request on the bucket itself.
  // `name` is the operation in messages; `subject` the key or prefix they name.
  Result<Response> Call(const http::method& method, std::string_view name, const std::string& key,
                        const Query& query, std::string_view payload,
                        const std::string& subject = "") {
    const std::string& named = key.empty() ? subject : key;
    std::string path = "/" + options_.bucket;
    if (!key.empty()) path += "/" + UriEncode(key, true);
    std::string query_string = CanonicalQuery(query);
    std::string payload_sha256 = Sha256Hex(payload);
    auto delay = std::chrono::milliseconds(100);
    for (int attempt = 1;; ++attempt) {
      Result<Response> response =
          CallOnce(method, path, query, query_string, payload, payload_sha256);
      bool retry = !response.ok() || Retryable(response->status);
      if (!retry) return response;
      if (attempt >= options_.max_attempts) {
        if (response.ok()) return response;
        return UnavailableError(Where(name, named) + ": no answer after " +
                                std::to_string(attempt) + " attempt(s) (timeout " +
                                std::to_string(options_.timeout_seconds) +
                                " s each): " + response.status().message());
      }
      std::string failure = response.ok() ? Error(*response, name, named).message()
                                          : Where(name, named) + ": " + response.status().message();
      logger_->warn("op=Retry attempt={} retry_in_ms={} err={}", attempt, delay.count(), failure);
      std::this_thread::sleep_for(delay);
      delay *= 2;
    }
  }

  // One signed request; UNAVAILABLE when the transport fails (connect, timeout, reset).
  Result<Response> CallOnce(const http::method& method, const std::string& path, const Query& query,
                            const std::string& query_string, std::string_view payload,
                            const std::string& payload_sha256) {
    std::string amz_date = AmzDate(static_cast<long long>(std::time(nullptr)));
    SigningRequest signing;
    signing.method = method;
    signing.canonical_uri = path;
    signing.query = query;
    signing.headers = {{"host", endpoint_.host_header},
                       {"x-amz-content-sha256", payload_sha256},
                       {"x-amz-date", amz_date}};
    signing.payload_sha256 = payload_sha256;
    Signature signature =
        SignV4(signing, SigningKey{options_.access_key, options_.secret_key, options_.region, "s3"},
               amz_date);
    try {
      http::http_request request(method);
      request.set_request_uri(web::uri(query_string.empty() ? path : path + "?" + query_string));
      // Host is signed but not set: cpprest writes it itself (host, plus ":port" when the
      // endpoint names one, as host_header does), and a Host set here would also become the TLS
      // server name it verifies, which must not carry the port.
      for (const auto& [name, value] : signing.headers) {
        if (name != "host") request.headers().add(name, value);
      }
      request.headers().add("Authorization", signature.authorization);
      if (method == http::methods::PUT) {
        static const uint8_t kEmpty = 0;
        const auto* data =
            payload.empty() ? &kEmpty : reinterpret_cast<const uint8_t*>(payload.data());
        request.set_body(
            concurrency::streams::rawptr_stream<uint8_t>::open_istream(data, payload.size()),
            payload.size(), "application/octet-stream");
      }
      http::http_response response = client_->request(request).get();
      Response out;
      out.status = response.status_code();
      concurrency::streams::container_buffer<std::string> body;
      response.body().read_to_end(body).get();
      out.body = std::move(body.collection());
      return out;
    } catch (const std::exception& e) {
      return UnavailableError(e.what());
    }
  }

  const S3Options options_;
  const Endpoint endpoint_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<http::client::http_client> client_;
};

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(const S3Options& options) {
  CURVE_ASSIGN_OR_RETURN(Endpoint endpoint, ParseEndpoint(options.endpoint));
  CURVE_RETURN_IF_ERROR(ValidateOptions(options));
  auto impl = std::make_unique<Impl>(options, std::move(endpoint));
  CURVE_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<S3ObjectStore>(new S3ObjectStore(std::move(impl)));
}

S3ObjectStore::S3ObjectStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3ObjectStore::~S3ObjectStore() = default;

Status S3ObjectStore::Put(const std::string& key, std::string_view data) {
  return impl_->Put(key, data);
}
Result<std::string> S3ObjectStore::Get(const std::string& key) { return impl_->Get(key); }
Status S3ObjectStore::Delete(const std::string& key) { return impl_->Delete(key); }
Result<std::vector<std::string>> S3ObjectStore::List(const std::string& prefix) {
  return impl_->List(prefix);
}

Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(const S3Options& options) {
  CURVE_ASSIGN_OR_RETURN(auto store, S3ObjectStore::Open(options));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace curve::s3
