#include "tests/emulator/webhook_sender.hpp"

#include <curl/curl.h>

#include <chrono>
#include <thread>

#include "daemon/http/curl_capture.hpp"

namespace araldo::emulator {

std::vector<int> post_webhook(const std::string& url, const http::Headers& headers,
                              const std::string& body, int attempts) {
  std::vector<int> answers;
  auto pause = std::chrono::milliseconds(100);
  for (int i = 0; i < std::max(1, attempts); ++i) {
    CURL* curl = curl_easy_init();
    curl_slist* list = nullptr;
    for (const auto& h : headers.items())
      list = curl_slist_append(list, (h.name + ": " + h.value).c_str());
    list = curl_slist_append(list, "Expect:");
    std::string reply;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http::curl_collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK)
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    answers.push_back(static_cast<int>(status));
    if (status >= 200 && status < 300) break;
    if (i + 1 < attempts) {
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(2000));
    }
  }
  return answers;
}

}  // namespace araldo::emulator
