// A tiny seeded SliME model and a tiny hires-detail dataset in a temp dir, made once per test
// process (init-model's tiny preset and the hires-detail generator: no network, no Python).
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

#include "datasets/hires_detail/generator.h"
#include "engine/model/init_model.h"

namespace slime::test {

struct TrainFixture {
  std::string root, model_dir, data_dir;
};

inline const TrainFixture& train_fixture() {
  static const TrainFixture f = [] {
    namespace fs = std::filesystem;
    TrainFixture t;
    t.root = (fs::temp_directory_path() / ("slime_train_fixture_" + std::to_string(::getpid()))).string();
    fs::remove_all(t.root);
    t.model_dir = t.root + "/model";
    t.data_dir = t.root + "/data";
    model::InitModelOptions o;
    o.preset = "tiny";
    o.seed = 3;
    o.out_dir = t.model_dir;
    o.tokenizer_dir = std::string(SLIME_SOURCE_DIR) + "/tests/data/tokenizers/llama2";
    model::init_model(o);
    data::hires::HiresDetailConfig h;
    h.seed = 1;
    h.train = 4;
    h.val = 0;
    h.test = 2;
    h.sizes = {{672, 336}, {336, 672}};  // 2 crops each: small and fast
    data::hires::write_hires_detail(t.data_dir, h);
    return t;
  }();
  return f;
}

}  // namespace slime::test
