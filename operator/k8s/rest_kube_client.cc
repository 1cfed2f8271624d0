#include "operator/k8s/rest_kube_client.h"

#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <boost/asio/ssl.hpp>

#include "operator/k8s/api_status.h"
#include "operator/k8s/object_meta.h"

namespace curve::k8s {
namespace http = web::http;

namespace {

std::string Escape(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Builds "?a=b&c=d" from the non-empty parameters.
class Query {
 public:
  Query& Add(std::string_view key, std::string_view value) {
    if (value.empty()) return *this;
    text_ += text_.empty() ? "?" : "&";
    text_ += key;
    text_ += "=";
    text_ += Escape(value);
    return *this;
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

// Loads the config's CA and client certificate into an SSL context; boost throws on bad PEM.
// With a cluster CA only that CA is trusted (as client-go does). cpprest fills every connection's
// context with the system CA bundle first (~0.6 MiB of decoded certificates, kept while the
// connection lives: ~10 MiB over the operator's connections); a fresh store drops them.
void ConfigureTls(const KubeConfig& config, boost::asio::ssl::context& ctx) {
  if (!config.ca_pem.empty()) {
    if (X509_STORE* store = X509_STORE_new()) SSL_CTX_set_cert_store(ctx.native_handle(), store);
    ctx.add_certificate_authority(boost::asio::buffer(config.ca_pem));
  }
  if (!config.client_cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(config.client_cert_pem));
    ctx.use_private_key(boost::asio::buffer(config.client_key_pem), boost::asio::ssl::context::pem);
  }
}

struct Response {
  int status = 0;
  std::string body;
};

WatchEventType ParseType(const std::string& type, bool* ok) {
  *ok = true;
  if (type == "ADDED") return WatchEventType::kAdded;
  if (type == "MODIFIED") return WatchEventType::kModified;
  if (type == "DELETED") return WatchEventType::kDeleted;
  if (type == "BOOKMARK") return WatchEventType::kBookmark;
  *ok = false;
  return WatchEventType::kAdded;
}

// Reads newline-delimited watch events from a streaming response on its own thread.
class RestWatchStream : public WatchStream {
 public:
  RestWatchStream(http::http_response response, pplx::cancellation_token_source cancel,
                  std::string what, WatchEventHandler on_event, WatchDoneHandler on_done)
      : response_(std::move(response)), cancel_(std::move(cancel)) {
    thread_ = std::thread([this, what = std::move(what), on_event = std::move(on_event),
                           on_done = std::move(on_done)] { on_done(ReadAll(what, on_event)); });
  }
  ~RestWatchStream() override { Stop(); }

  void Stop() override {
    stopped_ = true;
    cancel_.cancel();
    try {
      response_.body().streambuf().close(std::ios::in).wait();
    } catch (const std::exception&) {
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  Status ReadAll(const std::string& what, const WatchEventHandler& on_event) {
    try {
      auto body = response_.body();
      while (!stopped_) {
        concurrency::streams::container_buffer<std::string> line;
        size_t n = body.read_line(line).get();
        if (stopped_) break;
        if (n == 0 && body.is_eof()) return Status::Ok();
        const std::string& text = line.collection();
        if (text.empty()) continue;
        Json event = Json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (!event.is_object() || !event.contains("type")) {
          return UnknownError(what + ": malformed watch event: " + text.substr(0, 200));
        }
        std::string type = event["type"].is_string() ? event["type"].get<std::string>() : "";
        if (type == "ERROR") return StatusFromApiStatus(event.value("object", Json()), what);
        bool known = false;
        WatchEventType parsed = ParseType(type, &known);
        if (!known) continue;
        on_event(WatchEvent{parsed, std::move(event["object"])});
      }
    } catch (const std::exception& e) {
      if (!stopped_) return UnavailableError(what + ": watch stream failed: " + e.what());
    }
    return CancelledError(what + ": watch stopped");
  }

  http::http_response response_;
  pplx::cancellation_token_source cancel_;
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

}  // namespace

class RestKubeClient::Impl {
 public:
  Impl(const KubeConfig& config, RestKubeClientOptions options)
      : config_(config), options_(std::move(options)) {}

  Status Init() {
    try {
      boost::asio::ssl::context probe(boost::asio::ssl::context::tls_client);
      ConfigureTls(config_, probe);
    } catch (const std::exception& e) {
      return InvalidArgumentError(std::string("TLS material of the kube config: ") + e.what());
    }
    try {
      client_ = MakeClient(options_.request_timeout);
      watch_client_ = MakeClient(std::chrono::hours(1));
    } catch (const std::exception& e) {
      return InvalidArgumentError("API server URL '" + config_.server + "': " + e.what());
    }
    return Status::Ok();
  }

  // One request; transport failures map to Unavailable. `idempotent` calls are retried.
  Result<Response> Call(const http::method& method, const std::string& path_and_query,
                        const std::string& body, const std::string& content_type, bool idempotent,
                        const std::string& what) {
    rpc::Backoff backoff(options_.retry, std::random_device{}());
    auto give_up_at = std::chrono::steady_clock::now() + options_.retry.total_timeout;
    int attempts = 0;
    bool reauthenticated = false;
    while (true) {
      ++attempts;
      Result<Response> response = CallOnce(method, path_and_query, body, content_type, what);
      Status status = response.ok() ? StatusFromHttp(response->status, response->body, what)
                                    : response.status();
      if (status.ok()) return response;
      if (status.code() == StatusCode::kUnauthenticated && !config_.token_file.empty() &&
          !reauthenticated) {
        reauthenticated = true;  // the token may have rotated: read it again, once
        std::lock_guard<std::mutex> guard(token_mu_);
        token_read_at_ = {};
        continue;
      }
      if (!idempotent || !IsRetryable(status) || attempts >= options_.retry.max_attempts) {
        return status;
      }
      auto delay = backoff.Next();
      if (std::chrono::steady_clock::now() + delay >= give_up_at) return status;
      std::this_thread::sleep_for(delay);
    }
  }

  Result<std::unique_ptr<WatchStream>> StartWatch(const std::string& path_and_query,
                                                  const std::string& what,
                                                  WatchEventHandler on_event,
                                                  WatchDoneHandler on_done) {
    pplx::cancellation_token_source cancel;
    try {
      http::http_request request = MakeRequest(http::methods::GET, path_and_query);
      http::http_response response = watch_client_->request(request, cancel.get_token()).get();
      if (response.status_code() != http::status_codes::OK) {
        std::string body = response.extract_utf8string(true).get();
        return StatusFromHttp(response.status_code(), body, what);
      }
      return std::unique_ptr<WatchStream>(std::make_unique<RestWatchStream>(
          std::move(response), std::move(cancel), what, std::move(on_event), std::move(on_done)));
    } catch (const std::exception& e) {
      return UnavailableError(what + ": " + e.what());
    }
  }

 private:
  std::unique_ptr<http::client::http_client> MakeClient(std::chrono::seconds timeout) {
    http::client::http_client_config cfg;
    cfg.set_timeout(timeout);
    cfg.set_validate_certificates(!config_.insecure_skip_tls_verify);
    KubeConfig tls = config_;
    cfg.set_ssl_context_callback([tls](boost::asio::ssl::context& ctx) { ConfigureTls(tls, ctx); });
    return std::make_unique<http::client::http_client>(web::uri(config_.server), cfg);
  }

  std::string Token() {
    if (config_.token_file.empty()) return config_.token;
    std::lock_guard<std::mutex> guard(token_mu_);
    auto now = std::chrono::steady_clock::now();
    if (token_read_at_ == std::chrono::steady_clock::time_point{} ||
        now - token_read_at_ >= options_.token_refresh) {
      std::ifstream in(config_.token_file);
      std::stringstream buffer;
      buffer << in.rdbuf();
      std::string token = buffer.str();
      while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
      if (!token.empty()) token_ = token;
      token_read_at_ = now;
    }
    return token_;
  }

  http::http_request MakeRequest(const http::method& method, const std::string& path_and_query) {
    http::http_request request(method);
    request.set_request_uri(web::uri(path_and_query));
    request.headers().add("Accept", "application/json");
    request.headers().add("User-Agent", options_.user_agent);
    std::string token = Token();
    if (!token.empty()) request.headers().add("Authorization", "Bearer " + token);
    return request;
  }

  Result<Response> CallOnce(const http::method& method, const std::string& path_and_query,
                            const std::string& body, const std::string& content_type,
                            const std::string& what) {
    try {
      http::http_request request = MakeRequest(method, path_and_query);
      if (!content_type.empty()) request.set_body(body, content_type);
      http::http_response response = client_->request(request).get();
      Response out;
      out.status = response.status_code();
      out.body = response.extract_utf8string(true).get();
      return out;
    } catch (const std::exception& e) {
      return UnavailableError(what + ": " + e.what());
    }
  }

  const KubeConfig config_;
  const RestKubeClientOptions options_;
  std::unique_ptr<http::client::http_client> client_;
  std::unique_ptr<http::client::http_client> watch_client_;
  std::mutex token_mu_;
  std::string token_;
  std::chrono::steady_clock::time_point token_read_at_{};
};

namespace {

const char kJson[] = "application/json";

Result<Json> ParseObject(const Response& response, const std::string& what) {
  Json parsed = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return UnknownError(what + ": response is not a JSON object");
  }
  return parsed;
}

std::string What(std::string_view verb, const Resource& resource, std::string_view ns,
                 std::string_view name, std::string_view subresource = {}) {
  std::string what(verb);
  what += " " + resource.ToString();
  if (!subresource.empty()) {
    what += "/";
    what += subresource;
  }
  what += " ";
  what += ObjectKey(resource.namespaced ? ns : "", name);
  return what;
}

}  // namespace

Result<std::unique_ptr<RestKubeClient>> RestKubeClient::Create(const KubeConfig& config,
                                                               RestKubeClientOptions options) {
  if (config.server.empty()) return InvalidArgumentError("kube config has no server URL");
  auto impl = std::make_unique<Impl>(config, std::move(options));
  CURVE_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<RestKubeClient>(new RestKubeClient(std::move(impl)));
}

RestKubeClient::RestKubeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RestKubeClient::~RestKubeClient() = default;

Result<std::string> RestKubeClient::GetRaw(const std::string& path) {
  CURVE_ASSIGN_OR_RETURN(Response response,
                         impl_->Call(http::methods::GET, path, "", "", true, "get " + path));
  return response.body;
}

Result<Json> RestKubeClient::Get(const Resource& resource, std::string_view ns,
                                 std::string_view name, std::string_view subresource) {
  std::string what = What("get", resource, ns, name, subresource);
  CURVE_ASSIGN_OR_RETURN(
      Response response,
      impl_->Call(http::methods::GET, resource.Path(ns, name, subresource), "", "", true, what));
  return ParseObject(response, what);
}

Result<ListPage> RestKubeClient::List(const Resource& resource, std::string_view ns,
                                      const ListOptions& options) {
  std::string what = "list " + resource.ToString() + (ns.empty() ? "" : " in " + std::string(ns));
  Query query;
  query.Add("labelSelector", options.label_selector)
      .Add("fieldSelector", options.field_selector)
      .Add("limit", options.limit > 0 ? std::to_string(options.limit) : "")
      .Add("continue", options.continue_token)
      .Add("resourceVersion", options.resource_version);
  CURVE_ASSIGN_OR_RETURN(
      Response response,
      impl_->Call(http::methods::GET, resource.Path(ns) + query.str(), "", "", true, what));
  CURVE_ASSIGN_OR_RETURN(Json list, ParseObject(response, what));
  ListPage page;
  const Json& meta = list.contains("metadata") ? list["metadata"] : Json::object();
  page.resource_version = meta.value("resourceVersion", "");
  page.continue_token = meta.value("continue", "");
  if (list.contains("items") && list["items"].is_array()) {
    // Items of a list lack apiVersion and kind; restore them so they look like single GETs.
    std::string kind = list.value("kind", "");
    if (kind.size() > 4 && kind.ends_with("List")) kind.resize(kind.size() - 4);
    for (auto& item : list["items"]) {
      if (!item.contains("apiVersion")) item["apiVersion"] = list.value("apiVersion", "");
      if (!item.contains("kind")) item["kind"] = kind;
      page.items.push_back(std::move(item));
    }
  }
  return page;
}

Result<std::unique_ptr<WatchStream>> RestKubeClient::Watch(const Resource& resource,
                                                           std::string_view ns,
                                                           const WatchOptions& options,
                                                           WatchEventHandler on_event,
                                                           WatchDoneHandler on_done) {
  Query query;
  query.Add("watch", "1")
      .Add("resourceVersion", options.resource_version)
      .Add("allowWatchBookmarks", options.allow_bookmarks ? "true" : "")
      .Add("labelSelector", options.label_selector)
      .Add("fieldSelector", options.field_selector)
      .Add("timeoutSeconds",
           options.timeout_seconds > 0 ? std::to_string(options.timeout_seconds) : "");
  std::string what = "watch " + resource.ToString() + (ns.empty() ? "" : " in " + std::string(ns));
  return impl_->StartWatch(resource.Path(ns) + query.str(), what, std::move(on_event),
                           std::move(on_done));
}

Result<Json> RestKubeClient::Create(const Resource& resource, std::string_view ns,
                                    const Json& object, const WriteOptions& options) {
  std::string what = What("create", resource, ns, Name(object));
  Query query;
  query.Add("fieldManager", options.field_manager).Add("dryRun", options.dry_run ? "All" : "");
  CURVE_ASSIGN_OR_RETURN(Response response,
                         impl_->Call(http::methods::POST, resource.Path(ns) + query.str(),
                                     object.dump(), kJson, false, what));
  return ParseObject(response, what);
}

Result<Json> RestKubeClient::Update(const Resource& resource, std::string_view ns,
                                    const Json& object, std::string_view subresource,
                                    const WriteOptions& options) {
  std::string name = Name(object);
  std::string what = What("update", resource, ns, name, subresource);
  Query query;
  query.Add("fieldManager", options.field_manager).Add("dryRun", options.dry_run ? "All" : "");
  CURVE_ASSIGN_OR_RETURN(
      Response response,
      impl_->Call(http::methods::PUT, resource.Path(ns, name, subresource) + query.str(),
                  object.dump(), kJson, false, what));
  return ParseObject(response, what);
}

Result<Json> RestKubeClient::Apply(const Resource& resource, std::string_view ns,
                                   std::string_view name, const Json& object,
                                   const ApplyOptions& options, std::string_view subresource) {
  std::string what = What("apply", resource, ns, name, subresource);
  if (options.field_manager.empty()) return InvalidArgumentError(what + ": no field manager");
  Query query;
  query.Add("fieldManager", options.field_manager).Add("force", options.force ? "true" : "");
  // JSON is YAML, so the apply patch is sent as JSON under the apply content type.
  CURVE_ASSIGN_OR_RETURN(
      Response response,
      impl_->Call(http::methods::PATCH, resource.Path(ns, name, subresource) + query.str(),
                  object.dump(), "application/apply-patch+yaml", true, what));
  return ParseObject(response, what);
}

Result<Json> RestKubeClient::MergePatch(const Resource& resource, std::string_view ns,
                                        std::string_view name, const Json& patch,
                                        std::string_view subresource, const WriteOptions& options) {
  std::string what = What("patch", resource, ns, name, subresource);
  Query query;
  query.Add("fieldManager", options.field_manager).Add("dryRun", options.dry_run ? "All" : "");
  CURVE_ASSIGN_OR_RETURN(
      Response response,
      impl_->Call(http::methods::PATCH, resource.Path(ns, name, subresource) + query.str(),
                  patch.dump(), "application/merge-patch+json", false, what));
  return ParseObject(response, what);
}

Status RestKubeClient::Delete(const Resource& resource, std::string_view ns, std::string_view name,
                              const DeleteOptions& options) {
  std::string what = What("delete", resource, ns, name);
  Json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  }
  return impl_->Call(http::methods::DEL, resource.Path(ns, name), body.dump(), kJson, true, what)
      .status();
}

}  // namespace curve::k8s
