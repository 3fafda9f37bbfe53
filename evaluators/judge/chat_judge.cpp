#include "evaluators/judge/chat_judge.h"

#include "datasets/formats/sha256.h"

namespace slime::eval::judge {

std::string prompt_hash(const std::string& text) { return data::sha256_hex(text); }

ChatReply ask(Judge& judge, const ChatRequest& request) {
  if (auto* chat = dynamic_cast<ChatJudge*>(&judge)) return chat->chat(request);
  ChatReply r;
  r.content = judge.complete(request.user);
  r.model = judge.model_id();
  r.prompt_sha256 = prompt_hash(request.user);
  return r;
}

}  // namespace slime::eval::judge
