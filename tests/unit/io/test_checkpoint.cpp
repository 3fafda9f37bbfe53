// Checkpoint: single file, directory, sharded index, and the errors for inconsistent layouts.
#include "engine/io/checkpoint.h"
#include "engine/io/safetensors_writer.h"
#include "tests/unit/io/io_test_util.h"

namespace slime::io::test {
namespace {

class CheckpointTest : public TempDirTest {
 protected:
  // Writes a shard holding NAMES (one I32 each, value = its index in NAMES).
  void write_shard(const std::string& file, const std::vector<std::string>& names) {
    values_.emplace_back(names.size());
    std::vector<TensorBuffer> buffers;
    for (size_t i = 0; i < names.size(); ++i) {
      values_.back()[i] = static_cast<int32_t>(i);
      buffers.push_back({names[i], Dtype::kI32, {1}, &values_.back()[i], 4, {}});
    }
    write_safetensors(path(file), buffers);
  }
  void write_index(const std::string& weight_map, uint64_t total_size) {
    write_bytes(path("model.safetensors.index.json"),
                "{\"metadata\": {\"total_size\": " + std::to_string(total_size) +
                    "}, \"weight_map\": {" + weight_map + "}}");
  }
  void write_two_shards() {
    write_shard("model-00001-of-00002.safetensors", {"a", "b"});
    write_shard("model-00002-of-00002.safetensors", {"c"});
  }
  const std::string kTwoShardMap =
      R"("a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
         "c": "model-00002-of-00002.safetensors")";
  std::vector<std::vector<int32_t>> values_;
};

TEST_F(CheckpointTest, OpensModelSafetensorsInADirectoryOrAFile) {
  write_shard("model.safetensors", {"x", "y"});
  for (const std::string& p : {dir_.string(), path("model.safetensors")}) {
    Checkpoint ckpt = Checkpoint::open(p);
    EXPECT_EQ(ckpt.names(), (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(ckpt.files().size(), 1u);
    EXPECT_EQ(ckpt.file_of("y").path(), path("model.safetensors"));
    EXPECT_TRUE(ckpt.index_path().empty());
  }
}

TEST_F(CheckpointTest, OpensTwoShardsThroughTheIndex) {
  write_two_shards();
  write_index(kTwoShardMap, 12);
  Checkpoint ckpt = Checkpoint::open(dir_.string());
  EXPECT_EQ(ckpt.size(), 3u);
  EXPECT_EQ(ckpt.files().size(), 2u);
  EXPECT_EQ(ckpt.file_of("b").path(), path("model-00001-of-00002.safetensors"));
  EXPECT_EQ(ckpt.file_of("c").path(), path("model-00002-of-00002.safetensors"));
  EXPECT_EQ(*reinterpret_cast<const int32_t*>(ckpt.tensor("b").data), 1);
  EXPECT_EQ(ckpt.index_total_size(), 12u);
  EXPECT_TRUE(ckpt.warnings().empty());
  EXPECT_EQ(Checkpoint::open(path("model.safetensors.index.json")).size(), 3u);
  expect_error([&] { ckpt.tensor("zz"); }, ErrorCode::kNotFound, {dir_.string(), "zz"});
}

TEST_F(CheckpointTest, ToJsonListsTensorsShardsAndTotals) {  // what `slime inspect` prints
  write_two_shards();
  write_index(kTwoShardMap, 12);
  const nlohmann::json j = to_json(Checkpoint::open(dir_.string()));
  EXPECT_EQ(j["files"].size(), 2u);
  ASSERT_EQ(j["tensors"].size(), 3u);
  EXPECT_EQ(j["tensors"][2], (nlohmann::json{{"name", "c"}, {"dtype", "I32"}, {"shape", {1}},
                                             {"shard", "model-00002-of-00002.safetensors"}}));
  EXPECT_EQ(j["totals"], (nlohmann::json{{"tensors", 3}, {"parameters", 3}, {"bytes", 12}}));
  EXPECT_TRUE(j["warnings"].empty());
}

TEST_F(CheckpointTest, WarnsWhenIndexTotalSizeDisagrees) {
  write_two_shards();
  write_index(kTwoShardMap, 999);
  Checkpoint ckpt = Checkpoint::open(dir_.string());
  ASSERT_EQ(ckpt.warnings().size(), 1u);
  EXPECT_NE(ckpt.warnings()[0].find("999"), std::string::npos);
}

TEST_F(CheckpointTest, MissingShardIsNotFound) {
  write_shard("model-00001-of-00002.safetensors", {"a", "b"});
  write_index(kTwoShardMap, 12);
  expect_error([&] { Checkpoint::open(dir_.string()); }, ErrorCode::kNotFound,
               {"model.safetensors.index.json", "model-00002-of-00002.safetensors", "'c'"});
}

TEST_F(CheckpointTest, TensorMissingFromItsShardIsNotFound) {
  write_shard("model-00001-of-00002.safetensors", {"a"});
  write_shard("model-00002-of-00002.safetensors", {"c"});
  write_index(kTwoShardMap, 12);
  expect_error([&] { Checkpoint::open(dir_.string()); }, ErrorCode::kNotFound,
               {"model-00001-of-00002.safetensors", "'b'"});
}

TEST_F(CheckpointTest, TensorInShardButNotInIndexIsAnError) {
  write_two_shards();
  write_index(R"("a": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors")", 8);
  expect_error([&] { Checkpoint::open(dir_.string()); }, ErrorCode::kFormat,
               {"model-00001-of-00002.safetensors", "'b'", "not listed"});
}

TEST_F(CheckpointTest, TensorInTheWrongShardIsAnError) {
  write_shard("model-00001-of-00002.safetensors", {"a", "b"});
  write_shard("model-00002-of-00002.safetensors", {"b", "c"});
  write_index(kTwoShardMap, 12);
  expect_error([&] { Checkpoint::open(dir_.string()); }, ErrorCode::kFormat,
               {"model-00002-of-00002.safetensors", "'b'", "maps it to"});
}

TEST_F(CheckpointTest, PickleOnlyDirectoryPointsAtTheConverter) {
  write_bytes(path("pytorch_model-00001-of-00002.bin"), "PK");
  write_bytes(path("training_args.bin"), "PK");
  expect_error([&] { Checkpoint::open(dir_.string()); }, ErrorCode::kUnsupported,
               {dir_.string(), "pytorch_model-00001-of-00002.bin", kConverterScript});
  expect_error([&] { Checkpoint::open(path("pytorch_model-00001-of-00002.bin")); }, ErrorCode::kUnsupported,
               {"pytorch_model-00001-of-00002.bin", kConverterScript});
}

TEST_F(CheckpointTest, DirectoryWithoutWeightsIsNotFound) {
  write_bytes(path("training_args.bin"), "PK");  // not weights
  write_bytes(path("config.json"), "{}");
  expect_error([&] { Checkpoint::open(dir_.string()); }, ErrorCode::kNotFound, {dir_.string()});
  expect_error([&] { Checkpoint::open(path("nothing")); }, ErrorCode::kNotFound, {"nothing"});
}

TEST_F(CheckpointTest, MalformedIndexIsAFormatError) {
  write_bytes(path("model.safetensors.index.json"), R"({"metadata": {}})");
  expect_error([&] { Checkpoint::open(dir_.string()); }, ErrorCode::kFormat,
               {"model.safetensors.index.json", "weight_map"});
}

}  // namespace
}  // namespace slime::io::test
