// A Judge (evaluators/score.h) that also takes the per-call parameters upstream graders set: a
// system message (LLaVA-Bench), temperature and max_tokens (MM-Vet retries raise the temperature).
// Scorers use chat() when the judge is a ChatJudge and fall back to Judge::complete() otherwise.
#pragma once
#include <optional>
#include <string>

#include "evaluators/score.h"

namespace slime::eval::judge {

struct ChatRequest {
  std::string system;  // empty: no system message
  std::string user;
  std::optional<double> temperature;  // unset: the judge's configured default
  std::optional<int> max_tokens;      // unset: the judge's configured default
};

struct ChatReply {
  std::string content;        // choices[0].message.content
  std::string model;          // "model" of the response (what actually answered), else the request's
  std::string prompt_sha256;  // sha256 of the user prompt
  bool cached = false;        // served from the disk cache, no network call
};

class ChatJudge : public Judge {
 public:
  virtual ChatReply chat(const ChatRequest& request) = 0;
  std::string complete(const std::string& prompt) override { return chat({"", prompt, {}, {}}).content; }
};

// Sends `request` through chat() for a ChatJudge; a plain Judge gets only the user prompt through
// complete() (system message and sampling parameters are then the judge's own business).
ChatReply ask(Judge& judge, const ChatRequest& request);

// sha256 hex of a prompt or template (datasets/formats/sha256.h), for the judge records.
std::string prompt_hash(const std::string& text);

}  // namespace slime::eval::judge
