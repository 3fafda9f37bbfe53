// ChatJudge over an OpenAI-compatible /chat/completions endpoint (OpenAI, vLLM, llama.cpp server,
// SGLang, ...): temperature 0 unless a grader asks otherwise, retries with exponential backoff on
// transport errors, 429 and 5xx, and the disk cache of judge_cache.h in front of the network.
//
// The API key comes only from SLIME_JUDGE_API_KEY (judge_config_from_env). It goes into the
// Authorization header and nowhere else: not into the cache key or files, not into call records,
// not into describe(), and every error message is scrubbed of it.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluators/judge/chat_judge.h"
#include "evaluators/judge/judge_cache.h"

namespace slime::eval::judge {

struct JudgeConfig {
  std::string url;    // base ("http://host:8000/v1") or full ".../chat/completions" URL
  std::string model;  // model id sent in the request
  std::string api_key;         // from the environment only; empty: no Authorization header
  double temperature = 0.0;    // default for requests that do not set one
  int max_tokens = 1024;       // default for requests that do not set one
  double timeout_s = 120.0;    // per HTTP attempt
  int retries = 3;             // extra attempts after the first
  double backoff_s = 1.0;      // sleep before retry i is backoff_s * 2^i
  std::string cache_dir;       // empty: no cache
  bool force_curl = false;     // send http:// through curl too (tests of the https path)
};

// Fills url/model/api_key/cache_dir from SLIME_JUDGE_URL, SLIME_JUDGE_MODEL, SLIME_JUDGE_API_KEY,
// SLIME_JUDGE_CACHE where set; flags given by the caller should overwrite url/model/cache_dir after.
JudgeConfig judge_config_from_env();

struct CallRecord {
  std::string model;          // model that answered
  std::string prompt_sha256;  // of the user prompt
  bool cached = false;
};

class OpenAIJudge : public ChatJudge {
 public:
  explicit OpenAIJudge(JudgeConfig config);  // throws kInvalidArgument for a bad URL / empty model
  std::string model_id() const override { return config_.model; }
  ChatReply chat(const ChatRequest& request) override;

  const std::vector<CallRecord>& calls() const { return calls_; }
  const std::string& endpoint() const { return endpoint_; }
  // {model, endpoint, temperature, max_tokens, cache_dir, calls, cached_calls}; no key.
  nlohmann::json describe() const;

 private:
  nlohmann::json post_with_retries(const nlohmann::json& body);
  std::string scrub(std::string text) const;  // replaces the API key by "***"

  JudgeConfig config_;
  std::string endpoint_;
  JudgeCache cache_;
  std::vector<CallRecord> calls_;
};

}  // namespace slime::eval::judge
