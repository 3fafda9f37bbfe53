// A tiny seeded SliME model and a tiny hires-detail dataset in a temp dir, made once per test
// process (init-model's tiny preset and the hires-detail generator: no network, no Python).
#pragma once
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "datasets/hires_detail/generator.h"
#include "datasets/registry.h"
#include "engine/model/init_model.h"
#include "engine/model/vlm.h"
#include "engine/train/batch.h"

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

// Train item INDEX of the fixture's train split for VLM, with the tokenizer's default template.
inline train::TrainItem fixture_train_item(const model::Vlm& vlm, size_t index) {
  data::LoadOptions lo;
  lo.path = train_fixture().data_dir;
  lo.split = "train";
  const std::vector<data::Sample> samples = data::load_task_all("hires_detail", lo);
  if (index >= samples.size()) throw std::out_of_range("fixture_train_item: the fixture's train split is shorter");
  return train::make_train_item(vlm, text::default_template(*vlm.tokenizer), data::find_task("hires_detail"),
                                samples[index], static_cast<int64_t>(index));
}

}  // namespace slime::test
