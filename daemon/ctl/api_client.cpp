#include "daemon/ctl/api_client.hpp"

#include <curl/curl.h>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <thread>

#include "daemon/http/curl_capture.hpp"

namespace araldo::ctl {

ApiClient::ApiClient(ClientOptions options)
    : options_(std::move(options)), curl_(curl_easy_init()) {}

ApiClient::~ApiClient() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

namespace {

// A download: a 2xx body goes to the sink as it arrives; anything else (a problem
// document) is kept in the response.
struct Download {
  CURL* curl;
  std::ostream* sink;
  ApiResponse* out;
  long long written = 0;
};

std::size_t download_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* d = static_cast<Download*>(user);
  long status = 0;
  curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300)
    return http::curl_collect_body(data, size, count, &d->out->body);
  d->sink->write(data, static_cast<std::streamsize>(size * count));
  if (!*d->sink) return 0;  // the disk is full: stop, and say so
  d->written += static_cast<long long>(size * count);
  return size * count;
}

}  // namespace

ApiResponse ApiClient::once(const std::string& method, const std::string& path,
                            const std::string& body, const std::string& content_type,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            std::ostream* sink, long long* written) {
  auto* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  ApiResponse out;
  curl_slist* list = nullptr;
  // No key: the public routes (a witness of the audit log needs none).
  if (!options_.key.empty()) {
    list = curl_slist_append(list, ("Authorization: Bearer " + options_.key).c_str());
  }
  if (!content_type.empty())
    list = curl_slist_append(list, ("Content-Type: " + content_type).c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  const std::string url = options_.server + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST" || !body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  Download download{curl, sink, &out};
  if (sink) {
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, download_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &download);
  } else {
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http::curl_collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, http::curl_collect_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out.headers);
  if (sink) {
    // An export of millions of events takes as long as it takes; a stalled one does not.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(
        curl, CURLOPT_LOW_SPEED_TIME,
        static_cast<long>(std::max<long long>(1, options_.request_timeout.count() / 1000)));
  } else {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  }
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  const auto rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (written) *written = download.written;
  if (rc != CURLE_OK) {
    out.status = 0;
    out.error = error[0] ? error : curl_easy_strerror(rc);
    return out;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  out.status = static_cast<int>(status);
  return out;
}

ApiResponse ApiClient::request(const std::string& method, const std::string& path,
                               const std::string& body, const std::string& content_type,
                               const std::vector<std::pair<std::string, std::string>>& headers) {
  const auto give_up = std::chrono::steady_clock::now() + options_.retry_for;
  auto backoff = std::chrono::milliseconds(250);
  for (;;) {
    auto r = once(method, path, body, content_type, headers, nullptr, nullptr);
    const bool again = r.status == 0 || r.status == 503;
    if (!again || std::chrono::steady_clock::now() + backoff > give_up) return r;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5'000));
  }
}

ApiResponse ApiClient::download(const std::string& path, std::ostream& sink,
                                const std::vector<std::pair<std::string, std::string>>& headers) {
  const auto give_up = std::chrono::steady_clock::now() + options_.retry_for;
  auto backoff = std::chrono::milliseconds(250);
  for (;;) {
    long long written = 0;
    auto r = once("GET", path, "", "", headers, &sink, &written);
    // Retried only while nothing was written: a half-written file is reported, not
    // appended to.
    const bool again = written == 0 && (r.status == 0 || r.status == 503);
    if (!again || std::chrono::steady_clock::now() + backoff > give_up) return r;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5'000));
  }
}

std::string encode_segment(const std::string& segment) {
  return boost::urls::encode(segment, boost::urls::unreserved_chars);
}

}  // namespace araldo::ctl
