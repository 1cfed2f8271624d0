#include "services/snapshotclone/http_server.h"

#include <cpprest/http_listener.h>
#include <cpprest/uri.h>

#include <exception>

namespace curve::snapshotclone {

namespace http = web::http;
using web::http::experimental::listener::http_listener;

struct HttpServer::Impl {
  std::unique_ptr<http_listener> listener;
  Handler handler;
  bool stopped = false;
};

namespace {

void Reply(const http::http_request& request, int status, const std::string& body) {
  http::http_response response(static_cast<http::status_code>(status));
  response.set_body(body, "application/json");
  request.reply(response).then([](pplx::task<void> t) {
    try {
      t.get();
    } catch (const std::exception&) {
      // The client went away; nothing to answer.
    }
  });
}

}  // namespace

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& address, Handler handler) {
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  Impl* raw = impl.get();
  try {
    impl->listener =
        std::make_unique<http_listener>(web::uri("http://" + address + "/SnapshotCloneService"));
    impl->listener->support([raw](http::http_request request) {
      if (request.method() != http::methods::GET) {
        Reply(request, 405, R"({"Code":"-5","Message":"only GET is served"})");
        return;
      }
      std::string relative = request.relative_uri().path();
      if (!relative.empty() && relative != "/") {
        Reply(request, 404, R"({"Code":"-5","Message":"unknown path"})");
        return;
      }
      Query query;
      try {
        for (const auto& [key, value] : web::uri::split_query(request.request_uri().query())) {
          // split_query leaves the components encoded ('+' stays a '+').
          query[web::uri::decode(key)] = web::uri::decode(value);
        }
      } catch (const std::exception&) {
        Reply(request, 400,
              R"({"Code":"-5","Message":"BadRequest:\"Invalid request.\" malformed query"})");
        return;
      }
      Answer answer = raw->handler(query);
      Reply(request, answer.http_status, answer.body);
    });
    impl->listener->open().wait();
  } catch (const std::exception& e) {
    return UnavailableError("cannot listen on " + address + ": " + e.what());
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  try {
    impl_->listener->close().wait();
  } catch (const std::exception&) {
    // Closing a listener that failed is not worth reporting at shutdown.
  }
}

}  // namespace curve::snapshotclone
