#pragma once
// An asynchronous HTTP/1.1 server (Boost.Beast) that hands each request to a handler
// made of plain types. Keep-alive, a body-size limit and read timeouts are enforced
// here so no handler has to think about them.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/http/http_message.hpp"

namespace araldo::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the kernel picks one; start() returns it
  // The body limit of most requests; a refused request's body up to this size is read and
  // dropped, so its connection stays usable.
  std::size_t body_limit = 64 * 1024;
  // Bulk uploads (a subscriber CSV): the routes that take them say so (api/route_table).
  std::size_t import_body_limit = 16 << 20;
  std::chrono::milliseconds header_timeout{15'000};  // also the keep-alive idle time
  std::chrono::milliseconds body_timeout{30'000};
  int threads = 2;
  // Stamp each request with the kernel's arrival time of its first byte (the emulator's
  // rate limits count by arrival). An idle keep-alive connection then waits for its
  // client to close it, without the header timeout.
  bool arrival_times = false;
};

// Handlers may block (the store is synchronous): the server runs them on its own
// threads, one request per thread at a time.
using Handler = std::function<Response(const Request&)>;

// What to do with a request once its header is in, before any of its body is read: so a
// request without a valid key, or to an unknown path, never makes the server buffer a
// large upload.
struct Admission {
  std::optional<Response> refusal;  // answer this at once
  std::size_t body_limit = 0;       // otherwise: read a body up to this size,
  Handler handle;                   // then answer what this returns for the whole request
};
using Admit = std::function<Admission(const Request& head)>;  // head: no body yet

class HttpServer {
 public:
  HttpServer(ServerOptions options, Admit admit);
  // Admits every request with a body up to options.body_limit.
  HttpServer(ServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, starts the worker threads and returns the bound port. Throws on bind errors.
  std::uint16_t start();
  // Closes the listening socket; requests already being read are still answered.
  void stop_accepting();
  // Stops everything and joins the threads. Safe to call twice.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace araldo::http
