// http:// POST over POSIX sockets (see http_post.h for why). HTTP/1.1 with "Connection: close":
// the body ends at EOF, Content-Length or the last chunk, whichever the server uses.
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "evaluators/judge/http_post.h"

namespace slime::eval::judge {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Connects to host:port, trying every resolved address; empty error on success.
std::string connect_to(const ParsedUrl& u, double timeout_s, Fd& out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(u.port);
  if (int rc = ::getaddrinfo(u.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return fmt::format("cannot resolve {}: {}", u.host, gai_strerror(rc));
  }
  std::string err = "no address";
  timeval tv{};
  tv.tv_sec = static_cast<long>(timeout_s);
  tv.tv_usec = static_cast<long>((timeout_s - static_cast<double>(tv.tv_sec)) * 1e6);
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    // On Linux SO_SNDTIMEO also bounds connect(); SO_RCVTIMEO bounds each recv().
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      out.fd = fd;
      ::freeaddrinfo(res);
      return "";
    }
    err = fmt::format("cannot connect to {}:{}: {}", u.host, u.port, std::strerror(errno));
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return err;
}

std::string decode_chunked(const std::string& raw) {
  std::string out;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const size_t n = std::strtoul(raw.substr(pos, eol - pos).c_str(), nullptr, 16);
    if (n == 0) break;
    out.append(raw, eol + 2, n);
    pos = eol + 2 + n + 2;
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

HttpResult http_post_socket(const ParsedUrl& u, const Headers& headers, const std::string& body, double timeout_s) {
  HttpResult r;
  Fd sock;
  r.transport_error = connect_to(u, timeout_s, sock);
  if (!r.transport_error.empty()) return r;

  std::string req = fmt::format("POST {} HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
                                u.path, u.host, u.port, body.size());
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n" + body;
  for (size_t sent = 0; sent < req.size();) {
    ssize_t n = ::send(sock.fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      r.transport_error = fmt::format("send to {}:{} failed: {}", u.host, u.port, std::strerror(errno));
      return r;
    }
    sent += static_cast<size_t>(n);
  }

  // Read to EOF under an overall deadline (SO_RCVTIMEO alone would allow a slow drip forever).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  std::string raw;
  char buf[16384];
  while (true) {
    if (std::chrono::steady_clock::now() > deadline) {
      r.transport_error = fmt::format("timeout after {}s waiting for {}:{}", timeout_s, u.host, u.port);
      return r;
    }
    ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      r.transport_error = (errno == EAGAIN || errno == EWOULDBLOCK)
                              ? fmt::format("timeout after {}s waiting for {}:{}", timeout_s, u.host, u.port)
                              : fmt::format("recv from {}:{} failed: {}", u.host, u.port, std::strerror(errno));
      return r;
    }
    raw.append(buf, static_cast<size_t>(n));
  }

  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 5, "HTTP/") != 0) {
    r.transport_error = fmt::format("malformed HTTP response from {}:{} ({} bytes)", u.host, u.port, raw.size());
    return r;
  }
  const std::string head = lower(raw.substr(0, head_end));
  const size_t sp = head.find(' ');
  r.status = std::atoi(head.c_str() + sp + 1);
  std::string payload = raw.substr(head_end + 4);
  if (head.find("transfer-encoding: chunked") != std::string::npos) {
    payload = decode_chunked(payload);
  } else if (size_t cl = head.find("content-length:"); cl != std::string::npos) {
    const size_t n = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
    if (payload.size() > n) payload.resize(n);
  }
  r.body = std::move(payload);
  return r;
}

ParsedUrl parse_url(const std::string& url) {
  ParsedUrl u;
  const size_t sep = url.find("://");
  if (sep == std::string::npos) throw_error(ErrorCode::kInvalidArgument, "judge URL '{}': expected http:// or https://", url);
  u.scheme = url.substr(0, sep);
  if (u.scheme != "http" && u.scheme != "https") {
    throw_error(ErrorCode::kInvalidArgument, "judge URL '{}': scheme must be http or https", url);
  }
  const size_t host_start = sep + 3;
  const size_t slash = url.find('/', host_start);
  std::string hostport = url.substr(host_start, slash == std::string::npos ? std::string::npos : slash - host_start);
  // user:password@host would put a secret on the command line and into every record of the
  // endpoint; the message must not repeat it.
  if (hostport.find('@') != std::string::npos)
    throw_error(ErrorCode::kInvalidArgument,
                "judge URL: credentials in the URL (user:password@host) are refused; the API key comes only from "
                "the environment variable SLIME_JUDGE_API_KEY");
  u.path = slash == std::string::npos ? "/" : url.substr(slash);
  u.port = u.scheme == "https" ? 443 : 80;
  if (size_t colon = hostport.rfind(':'); colon != std::string::npos && hostport.find(']') == std::string::npos) {
    u.port = std::atoi(hostport.c_str() + colon + 1);
    hostport.resize(colon);
  }
  if (hostport.size() > 2 && hostport.front() == '[') hostport = hostport.substr(1, hostport.size() - 2);
  if (hostport.empty() || u.port <= 0) throw_error(ErrorCode::kInvalidArgument, "judge URL '{}': no host/port", url);
  u.host = hostport;
  return u;
}

HttpResult http_post(const std::string& url, const Headers& headers, const std::string& body, double timeout_s,
                     bool force_curl) {
  const ParsedUrl u = parse_url(url);
  if (u.scheme == "https" || force_curl) return http_post_curl(url, headers, body, timeout_s);
  return http_post_socket(u, headers, body, timeout_s);
}

}  // namespace slime::eval::judge
