#include "daemon/http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "daemon/http/arrival_time.hpp"
#include "daemon/http/problem.hpp"

namespace araldo::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

Request head_of(const bhttp::request<bhttp::string_body>& in) {
  Request out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  for (const auto& field : in) {
    out.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

bhttp::response<bhttp::string_body> to_beast(const Response& in, unsigned version,
                                             bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(in.status), version};
  for (const auto& h : in.headers.items()) out.insert(h.name, h.value);
  out.body() = in.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

Response early_problem(int status, std::string type, std::string title, std::string detail) {
  return Problem{status, std::move(type), std::move(title), std::move(detail), {}}.to_response();
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  Admit admit;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  bool stopped = false;

  asio::awaitable<void> write(beast::tcp_stream& stream, const Response& resp, unsigned version,
                              bool keep_alive) {
    auto out = to_beast(resp, version, keep_alive);
    stream.expires_after(options.body_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream, out, use_tuple);
    (void)n;
    if (ec) throw beast::system_error(ec);
  }

  // The header, then each piece the producer gives as one chunk, then the last chunk.
  asio::awaitable<void> write_stream(beast::tcp_stream& stream, const Response& resp,
                                     unsigned version, bool keep_alive, const std::string& remote) {
    bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(resp.status), version};
    for (const auto& h : resp.headers.items()) head.insert(h.name, h.value);
    head.keep_alive(keep_alive);
    head.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> serializer(head);
    stream.expires_after(options.body_timeout);
    auto [hec, hn] = co_await bhttp::async_write_header(stream, serializer, use_tuple);
    (void)hn;
    if (hec) throw beast::system_error(hec);
    long long bytes = 0;
    for (;;) {
      std::optional<std::string> piece;
      try {
        piece = resp.stream();
      } catch (const std::exception& e) {
        spdlog::error("event=http.stream_failed remote={} bytes={} error=\"{}\"", remote, bytes,
                      e.what());
        throw;
      }
      stream.expires_after(options.body_timeout);
      if (!piece) {
        auto [ec, n] = co_await asio::async_write(stream, bhttp::make_chunk_last(), use_tuple);
        (void)n;
        if (ec) throw beast::system_error(ec);
        co_return;
      }
      if (piece->empty()) continue;  // an empty chunk would end the body
      bytes += static_cast<long long>(piece->size());
      auto [ec, n] =
          co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(*piece)), use_tuple);
      (void)n;
      if (ec) throw beast::system_error(ec);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    boost::system::error_code ignored;
    const auto peer = stream.socket().remote_endpoint(ignored);
    const std::string remote = peer.address().to_string() + ":" + std::to_string(peer.port());

    for (;;) {
      std::optional<std::chrono::steady_clock::time_point> arrived;
      if (options.arrival_times && buffer.size() == 0) {
        auto [wec] = co_await stream.socket().async_wait(tcp::socket::wait_read, use_tuple);
        if (wec) break;
        arrived = peek_arrival_time(stream.socket().native_handle());
      }
      bhttp::request_parser<bhttp::string_body> parser;
      // The limit depends on the path, known only once the header is in.
      parser.body_limit(std::max(options.body_limit, options.import_body_limit));
      parser.header_limit(16 * 1024);

      stream.expires_after(options.header_timeout);
      auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
      (void)hn;
      if (hec == bhttp::error::end_of_stream || hec == beast::error::timeout ||
          hec == asio::error::connection_reset || hec == asio::error::eof) {
        break;
      }
      if (hec == bhttp::error::body_limit) {
        co_await write(stream,
                       early_problem(413, "body-too-large", "Request body too large",
                                     "the body exceeds the limit of " +
                                         std::to_string(std::max(options.body_limit,
                                                                 options.import_body_limit)) +
                                         " bytes"),
                       11, false);
        break;
      }
      if (hec) {
        const int status = hec == bhttp::error::header_limit ? 431 : 400;
        co_await write(
            stream,
            early_problem(status, "malformed-http", "Malformed HTTP request", hec.message()), 11,
            false);
        break;
      }

      auto request = head_of(parser.get());
      request.received_at = arrived.value_or(std::chrono::steady_clock::now());
      Admission admission;
      try {
        admission = admit(request);
      } catch (const std::exception& e) {
        spdlog::error("event=http.admission_failed method={} target={} remote={} error=\"{}\"",
                      request.method, loggable_target(request.target), remote, e.what());
        admission.refusal = early_problem(500, "internal-error", "Internal error",
                                          "the server failed while handling the request; it "
                                          "was logged");
      }
      if (admission.refusal) {
        // A small body announced with the request is read and dropped, so the connection
        // stays usable; anything else closes it, unread (the client waiting on
        // 100-continue never sends it).
        const auto length = parser.content_length();
        const bool expecting = iequals(parser.get()[bhttp::field::expect], "100-continue");
        bool keep = parser.get().keep_alive() && !expecting && !parser.chunked() &&
                    length.value_or(0) <= options.body_limit;
        if (keep && length.value_or(0) > 0) {
          parser.body_limit(options.body_limit);
          stream.expires_after(options.body_timeout);
          auto [dec, dn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
          (void)dn;
          keep = !dec;
        }
        co_await write(stream, *admission.refusal, parser.get().version(), keep);
        if (!keep) break;
        continue;
      }
      const std::size_t body_limit = admission.body_limit;
      parser.body_limit(body_limit);  // chunked bodies are counted as they arrive
      if (const auto length = parser.content_length(); length && *length > body_limit) {
        co_await write(
            stream,
            early_problem(413, "body-too-large", "Request body too large",
                          "the body exceeds the limit of " + std::to_string(body_limit) + " bytes"),
            parser.get().version(), false);
        break;
      }

      // curl and others wait for this before sending a larger body.
      if (auto expect = parser.get()[bhttp::field::expect];
          !expect.empty() && iequals(expect, "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, parser.get().version()};
        stream.expires_after(options.body_timeout);
        auto [cec, cn] = co_await bhttp::async_write(stream, cont, use_tuple);
        (void)cn;
        if (cec) break;
      }

      stream.expires_after(options.body_timeout);
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
      (void)bn;
      if (bec == bhttp::error::body_limit) {
        co_await write(
            stream,
            early_problem(413, "body-too-large", "Request body too large",
                          "the body exceeds the limit of " + std::to_string(body_limit) + " bytes"),
            parser.get().version(), false);
        break;
      }
      if (bec == asio::error::eof || bec == asio::error::connection_reset ||
          bec == beast::error::timeout || bec == bhttp::error::partial_message ||
          bec == bhttp::error::end_of_stream) {
        break;  // peer gone mid-body, or too slow: nobody to answer
      }
      if (bec) {  // a malformed body (a chunk size that is not hex, say)
        co_await write(
            stream, early_problem(400, "malformed-http", "Malformed HTTP request", bec.message()),
            parser.get().version(), false);
        break;
      }

      const auto& breq = parser.get();
      request.body = breq.body();
      Response resp;
      try {
        resp = admission.handle(request);
      } catch (const std::exception& e) {
        spdlog::error("event=http.handler_failed method={} target={} remote={} error=\"{}\"",
                      std::string(breq.method_string()), loggable_target(breq.target()), remote,
                      e.what());
        resp = early_problem(500, "internal-error", "Internal error",
                             "the server failed while handling the request; it was logged");
      }

      if (resp.delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(resp.delay);
        co_await timer.async_wait(use_tuple);
      }
      if (resp.drop_connection) {
        // An abortive close (RST), the way a crashed upstream or a middlebox looks.
        stream.socket().set_option(asio::socket_base::linger(true, 0), ignored);
        stream.socket().close(ignored);
        co_return;
      }
      const bool keep_alive = breq.keep_alive();
      if (resp.stream) {
        co_await write_stream(stream, resp, breq.version(), keep_alive, remote);
      } else {
        co_await write(stream, resp, breq.version(), keep_alive);
      }
      if (!keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), use_tuple);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        spdlog::warn("event=http.accept_failed error=\"{}\"", ec.message());
        continue;
      }
      auto executor = socket.get_executor();
      asio::co_spawn(executor, session(std::move(socket)), [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::debug("event=http.session_ended error=\"{}\"", ex.what());
        }
      });
    }
  }
};

HttpServer::HttpServer(ServerOptions options, Admit admit) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->admit = std::move(admit);
}

HttpServer::HttpServer(ServerOptions options, Handler handler)
    : HttpServer(options,
                 [limit = options.body_limit, handler = std::move(handler)](const Request&) {
                   return Admission{std::nullopt, limit, handler};
                 }) {}

HttpServer::~HttpServer() {
  stop();
}

std::uint16_t HttpServer::start() {
  auto& s = *impl_;
  const tcp::endpoint endpoint{asio::ip::make_address(s.options.address), s.options.port};
  s.acceptor.open(endpoint.protocol());
  s.acceptor.set_option(asio::socket_base::reuse_address(true));
  s.acceptor.bind(endpoint);
  // On the listener too: accepted sockets inherit it, and a request that arrives before
  // its connection is accepted is stamped already.
  if (s.options.arrival_times) enable_arrival_times(s.acceptor.native_handle());
  s.acceptor.listen(asio::socket_base::max_listen_connections);
  const auto port = s.acceptor.local_endpoint().port();
  asio::co_spawn(s.ioc, s.accept_loop(), asio::detached);
  for (int i = 0; i < std::max(1, s.options.threads); ++i) {
    s.threads.emplace_back([&s] { s.ioc.run(); });
  }
  return port;
}

void HttpServer::stop_accepting() {
  asio::post(impl_->ioc, [&s = *impl_] {
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
  });
}

void HttpServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace araldo::http
