#include "evaluators/judge/openai_judge.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "evaluators/judge/http_post.h"

namespace slime::eval::judge {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string chat_endpoint(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  const std::string tail = "/chat/completions";
  if (url.size() >= tail.size() && url.compare(url.size() - tail.size(), tail.size(), tail) == 0) return url;
  return url + tail;
}

// A status worth retrying: rate limiting and server-side failures; other 4xx will not improve.
bool retryable(int status) { return status == 0 || status == 408 || status == 429 || status >= 500; }

}  // namespace

JudgeConfig judge_config_from_env() {
  JudgeConfig c;
  c.url = env_or("SLIME_JUDGE_URL", "");
  c.model = env_or("SLIME_JUDGE_MODEL", "");
  c.api_key = env_or("SLIME_JUDGE_API_KEY", "");
  c.cache_dir = env_or("SLIME_JUDGE_CACHE", "");
  return c;
}

OpenAIJudge::OpenAIJudge(JudgeConfig config)
    : config_(std::move(config)), endpoint_(chat_endpoint(config_.url)), cache_(config_.cache_dir) {
  parse_url(endpoint_);  // validates scheme/host now rather than at the first sample
  if (config_.model.empty()) {
    throw_error(ErrorCode::kInvalidArgument, "judge {}: no model id (--judge-model or SLIME_JUDGE_MODEL)", endpoint_);
  }
  if (config_.retries < 0 || config_.timeout_s <= 0) {
    throw_error(ErrorCode::kInvalidArgument, "judge {}: retries must be >= 0 and timeout > 0", endpoint_);
  }
}

std::string OpenAIJudge::scrub(std::string text) const {
  if (config_.api_key.empty()) return text;
  for (size_t p; (p = text.find(config_.api_key)) != std::string::npos;) text.replace(p, config_.api_key.size(), "***");
  return text;
}

nlohmann::json OpenAIJudge::post_with_retries(const nlohmann::json& body) {
  Headers headers = {{"Content-Type", "application/json"}};
  if (!config_.api_key.empty()) headers.push_back({"Authorization", "Bearer " + config_.api_key});
  const std::string payload = body.dump();
  std::string last_error;
  for (int attempt = 0; attempt <= config_.retries; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(config_.backoff_s * std::pow(2.0, attempt - 1)));
    }
    const HttpResult r = http_post(endpoint_, headers, payload, config_.timeout_s, config_.force_curl);
    if (r.status == 200) {
      auto j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
      if (!j.is_discarded() && j.contains("choices") && j["choices"].is_array() && !j["choices"].empty()) return j;
      last_error = fmt::format("HTTP 200 without choices: {:.200}", scrub(r.body));
      continue;  // a truncated or garbled body from a busy server: worth another try
    }
    // Scrub before cutting to 300 characters: a cut through the key would leave a prefix of it.
    last_error = r.status == 0 ? scrub(r.transport_error) : fmt::format("HTTP {}: {:.300}", r.status, scrub(r.body));
    if (!retryable(r.status)) break;
  }
  throw_error(ErrorCode::kIo, "judge {} (model {}): {} (after up to {} attempts)", endpoint_, config_.model,
              scrub(last_error), config_.retries + 1);
}

ChatReply OpenAIJudge::chat(const ChatRequest& request) {
  const double temperature = request.temperature.value_or(config_.temperature);
  const int max_tokens = request.max_tokens.value_or(config_.max_tokens);
  nlohmann::json messages = nlohmann::json::array();
  if (!request.system.empty()) messages.push_back({{"role", "system"}, {"content", request.system}});
  messages.push_back({{"role", "user"}, {"content", request.user}});
  const nlohmann::json body = {
      {"model", config_.model}, {"messages", messages}, {"temperature", temperature}, {"max_tokens", max_tokens}};

  ChatReply reply;
  reply.prompt_sha256 = prompt_hash(request.user);
  const std::string key = JudgeCache::key(config_.model, temperature, max_tokens, request.system, request.user);
  nlohmann::json response;
  if (auto hit = cache_.get(key)) {
    response = std::move(*hit);
    reply.cached = true;
  } else {
    response = post_with_retries(body);
    cache_.put(key, response);
  }
  const auto& message = response["choices"][0]["message"];
  if (!message.is_object() || !message.contains("content") || !message["content"].is_string()) {
    throw_error(ErrorCode::kFormat, "judge {}: response without choices[0].message.content (cache key {})", endpoint_,
                key);
  }
  reply.content = message["content"].get<std::string>();
  reply.model = response.contains("model") && response["model"].is_string() ? response["model"].get<std::string>()
                                                                             : config_.model;
  calls_.push_back({reply.model, reply.prompt_sha256, reply.cached});
  return reply;
}

nlohmann::json OpenAIJudge::describe() const {
  int64_t cached = 0;
  for (const auto& c : calls_) cached += c.cached ? 1 : 0;
  return {{"model", config_.model},           {"endpoint", endpoint_},
          {"temperature", config_.temperature}, {"max_tokens", config_.max_tokens},
          {"cache_dir", cache_.dir()},          {"calls", calls_.size()},
          {"cached_calls", cached}};
}

}  // namespace slime::eval::judge
