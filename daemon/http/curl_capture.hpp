#pragma once
// libcurl callbacks that collect a response: the body into a std::string, the headers
// into http::Headers (a new status line, after "100 Continue" or a redirect, starts them
// over). The dispatcher, araldoctl and the tests' client all read responses this way.
#include <cstddef>

#include "daemon/http/http_message.hpp"

namespace araldo::http {

// CURLOPT_WRITEFUNCTION, with CURLOPT_WRITEDATA a std::string*.
std::size_t curl_collect_body(char* data, std::size_t size, std::size_t count, void* body);
// CURLOPT_HEADERFUNCTION, with CURLOPT_HEADERDATA an http::Headers*.
std::size_t curl_collect_header(char* data, std::size_t size, std::size_t count, void* headers);

}  // namespace araldo::http
