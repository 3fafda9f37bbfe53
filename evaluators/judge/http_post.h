// One JSON POST to an OpenAI-compatible endpoint, without a new library dependency.
//
// Transport choice: http:// URLs (local vLLM / llama.cpp / SGLang servers) go over plain POSIX
// sockets in this process, so a judge on 127.0.0.1 needs nothing installed. https:// URLs run the
// system `curl` binary through posix_spawnp with an argv array (never a shell, so no quoting or
// injection), because a TLS stack in-process would be a new dependency (OpenSSL) and curl already
// carries one with its certificate setup. Headers go to curl through a 0600 temp file
// (`-H @file`, deleted right after) so an Authorization header never shows in the process list.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace slime::eval::judge {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
  int status = 0;    // HTTP status code; 0 when no response arrived (connect/timeout failure)
  std::string body;  // response body (chunked encoding already decoded)
  std::string transport_error;  // non-empty when status == 0: why (never contains header values)
};

struct ParsedUrl {
  std::string scheme, host, path;  // path starts with '/'
  int port = 0;
};
// Throws kInvalidArgument for anything but http://host[:port]/path or https://...
ParsedUrl parse_url(const std::string& url);

// POST `body` over a TCP socket (http:// only); `timeout_s` bounds connect, send and each read.
HttpResult http_post_socket(const ParsedUrl& url, const Headers& headers, const std::string& body, double timeout_s);
// POST through the `curl` binary (any scheme curl speaks); `timeout_s` becomes --max-time.
HttpResult http_post_curl(const std::string& url, const Headers& headers, const std::string& body, double timeout_s);

// http:// -> sockets, https:// -> curl; `force_curl` sends http:// through curl as well (tests).
HttpResult http_post(const std::string& url, const Headers& headers, const std::string& body, double timeout_s,
                     bool force_curl = false);

}  // namespace slime::eval::judge
