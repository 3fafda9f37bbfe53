#include "evaluators/judge/mmvet_grader.h"

#include "evaluators/judge/chat_judge.h"
#include "evaluators/primitives/pystr.h"

namespace slime::eval::judge {

// yuweihao/MM-Vet mm-vet_evaluator.py @ acde843e02dae30047bb456ee4a8ab28dee7e0ae, `prompt`
// (2290 bytes, sha256 d1b3e0a5b4e72c88...). Reproduced as data; the trailing "\n" is upstream's.
const char* const kMmvetPrompt =
    "Compare the ground truth and prediction from AI models, to give a correctness score for the prediction. <AND> in the ground truth means it is totally right only when all elements in the ground truth are present in the prediction, and <OR> means it is totally right when any one element in the ground truth is present in the prediction. The correctness score is 0.0 (totally wrong), 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, or 1.0 (totally right). Just complete the last space of the correctness score.\n"
    "\n"
    "Question | Ground truth | Prediction | Correctness\n"
    "--- | --- | --- | ---\n"
    "What is x in the equation? | -1 <AND> -5 | x = 3 | 0.0\n"
    "What is x in the equation? | -1 <AND> -5 | x = -1 | 0.5\n"
    "What is x in the equation? | -1 <AND> -5 | x = -5 | 0.5\n"
    "What is x in the equation? | -1 <AND> -5 | x = -5 or 5 | 0.5\n"
    "What is x in the equation? | -1 <AND> -5 | x = -1 or x = -5 | 1.0\n"
    "Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme talks about Iceland and Greenland. It's pointing out that despite their names, Iceland is not very icy and Greenland isn't very green. | 0.4\n"
    "Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme is using humor to point out the misleading nature of Iceland's and Greenland's names. Iceland, despite its name, has lush green landscapes while Greenland is mostly covered in ice and snow. The text 'This is why I have trust issues' is a playful way to suggest that these contradictions can lead to distrust or confusion. The humor in this meme is derived from the unexpected contrast between the names of the countries and their actual physical characteristics. | 1.0\n";

namespace {
constexpr int kMaxTokens = 3;         // upstream max_tokens=3
constexpr int kMaxTries = 5;          // `if try_time > 5: score = 0.0`
constexpr double kTemperatureStep = 0.5;
constexpr const char* kRetrySuffix = "\nPredict the correctness of the answer (digit): ";
}  // namespace

std::string mmvet_query(const std::string& question, const std::string& answer, const std::string& prediction) {
  const std::string gt = py::replace_all(py::replace_all(answer, "<AND>", " <AND> "), "<OR>", " <OR> ");
  return std::string(kMmvetPrompt) + "\n" + py::join({question, gt, prediction, ""}, " | ");
}

std::optional<double> mmvet_parse(const std::string& content) {
  const std::string first = py::strip(py::split_on(content, " ")[0]);
  const std::optional<double> score = py::to_float(first);
  if (!score || *score > 1.0 || *score < 0.0) return std::nullopt;
  return score;
}

MmvetGrade mmvet_grade(Judge& judge, const std::string& question, const std::string& answer,
                       const std::string& prediction) {
  MmvetGrade g;
  double temperature = 0.0;
  auto request = [&](const std::string& prompt) {
    const ChatReply r = ask(judge, {"", prompt, temperature, kMaxTokens});
    g.prompt_sha256.push_back(r.prompt_sha256);
    g.requests += 1;
    g.cached += r.cached ? 1 : 0;
    g.model = r.model;
    return r.content;
  };
  const std::string query = mmvet_query(question, answer, prediction);
  std::string content = request(query);
  int try_time = 1;
  while (true) {
    // Upstream: content = content.split(" ")[0].strip(); score = float(content); range check.
    content = py::strip(py::split_on(content, " ")[0]);
    if (auto s = mmvet_parse(content)) {
      g.score = *s;
      break;
    }
    // The retry uses the temperature before the increment, so the first retry is still at 0.
    content = request(query + kRetrySuffix);
    try_time += 1;
    temperature += kTemperatureStep;
    if (try_time > kMaxTries) {
      g.score = 0.0;
      break;
    }
  }
  g.content = content;
  return g;
}

}  // namespace slime::eval::judge
