// Fingerprints that key the resume log (benchmarks.md §8.7): the model's weights, and one sample's
// request (model + task config + prompt + generation config). SHA-256 from datasets/formats/sha256.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace slime::suite {

// sha256 over config.json and every *.safetensors / *.bin / tokenizer file of MODEL_DIR (sorted
// by name, each as "name\n<sha256 of its bytes>\n"). Hashing 14 GB of weights takes minutes, so
// CACHE_PATH (optional) remembers each file's hash by (size, mtime) and reuses it when both match.
std::string model_fingerprint(const std::string& model_dir, const std::string& cache_path = "");

// The resume key of one sample: sha256 of the canonical JSON dumps of the four parts, in order.
// nlohmann::json objects are sorted by key, so the dump does not depend on insertion order.
std::string sample_fingerprint(const std::string& model_fp, const nlohmann::json& task_config,
                               const nlohmann::json& prompt, const nlohmann::json& generation_config);

}  // namespace slime::suite
