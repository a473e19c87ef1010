#include "daemon/dispatch/curl_multi_sender.hpp"

#include <curl/curl.h>

#include <mutex>
#include <stdexcept>
#include <string>

#include "daemon/http/curl_capture.hpp"

namespace araldo::dispatch {
namespace {

std::once_flag curl_init_once;

}  // namespace

struct CurlMultiSender::Transfer {
  std::uint64_t tag = 0;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  std::string request_body;
  std::string response_body;
  http::Headers response_headers;
  char error[CURL_ERROR_SIZE] = {0};
  std::chrono::steady_clock::time_point started;

  ~Transfer() {
    if (easy) curl_easy_cleanup(easy);
    if (header_list) curl_slist_free_all(header_list);
  }
};

channels::TransportError::Kind transport_error_kind(int code) {
  using Kind = channels::TransportError::Kind;
  switch (static_cast<CURLcode>(code)) {
    case CURLE_OPERATION_TIMEDOUT:
      return Kind::timeout;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Kind::connect;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return Kind::reset;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return Kind::tls;
    default:
      return Kind::other;
  }
}

CurlMultiSender::CurlMultiSender() {
  std::call_once(curl_init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  multi_ = curl_multi_init();
  if (!multi_) throw std::runtime_error("curl_multi_init failed");
}

CurlMultiSender::~CurlMultiSender() {
  for (auto& [easy, transfer] : transfers_) {
    curl_multi_remove_handle(static_cast<CURLM*>(multi_), easy);
  }
  transfers_.clear();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void CurlMultiSender::submit(std::uint64_t tag, const channels::OutgoingRequest& request,
                             std::chrono::milliseconds timeout) {
  auto t = std::make_unique<Transfer>();
  t->tag = tag;
  t->easy = curl_easy_init();
  if (!t->easy) throw std::runtime_error("curl_easy_init failed");
  t->request_body = request.body;
  for (const auto& h : request.headers.items()) {
    t->header_list = curl_slist_append(t->header_list, (h.name + ": " + h.value).c_str());
  }
  // No "Expect: 100-continue" round trip: these bodies are small.
  t->header_list = curl_slist_append(t->header_list, "Expect:");

  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method != "GET") {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->request_body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(t->request_body.size()));
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->header_list);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &http::curl_collect_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->response_body);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &http::curl_collect_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t->response_headers);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);  // signals and threads do not mix
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<long long>(timeout.count(), 10'000)));
  curl_easy_setopt(e, CURLOPT_USERAGENT, "araldod/0.1");
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  t->started = std::chrono::steady_clock::now();
  if (curl_multi_add_handle(static_cast<CURLM*>(multi_), e) != CURLM_OK) {
    throw std::runtime_error("curl_multi_add_handle failed");
  }
  transfers_.emplace(e, std::move(t));
}

std::vector<CurlMultiSender::Completion> CurlMultiSender::poll(std::chrono::milliseconds max_wait,
                                                               int extra_fd) {
  auto* m = static_cast<CURLM*>(multi_);
  int running = 0;
  std::vector<Completion> done;
  curl_multi_perform(m, &running);
  collect(done);
  // Block only when nothing finished: a transfer that perform() just completed leaves
  // no socket to wake curl_multi_poll, which would then sleep the whole max_wait.
  if (done.empty()) {
    curl_waitfd extra{};
    extra.fd = extra_fd;
    extra.events = CURL_WAIT_POLLIN;
    curl_multi_poll(m, extra_fd >= 0 ? &extra : nullptr, extra_fd >= 0 ? 1u : 0u,
                    static_cast<int>(std::max<long long>(0, max_wait.count())), nullptr);
    curl_multi_perform(m, &running);
    collect(done);
  }
  return done;
}

void CurlMultiSender::collect(std::vector<Completion>& done) {
  auto* m = static_cast<CURLM*>(multi_);
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(m, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* e = msg->easy_handle;
    auto it = transfers_.find(e);
    if (it == transfers_.end()) continue;
    auto& t = *it->second;
    Completion c;
    c.tag = t.tag;
    c.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t.started);
    if (msg->data.result == CURLE_OK) {
      channels::HttpReply reply;
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &reply.status);
      reply.headers = std::move(t.response_headers);
      reply.body = std::move(t.response_body);
      c.answer = std::move(reply);
    } else {
      const auto code = static_cast<int>(msg->data.result);
      std::string message = t.error[0] ? t.error : curl_easy_strerror(msg->data.result);
      c.answer = channels::TransportError{transport_error_kind(code), std::move(message)};
    }
    curl_multi_remove_handle(m, e);
    transfers_.erase(it);
    done.push_back(std::move(c));
  }
}

void CurlMultiSender::wakeup() {
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

}  // namespace araldo::dispatch
