#include "engine/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/common/error.h"

namespace slime::io {
namespace {

using nlohmann::json;

struct DtypeInfo {
  Dtype dtype;
  const char* name;
  size_t itemsize;
};
constexpr DtypeInfo kDtypes[] = {
    {Dtype::kBool, "BOOL", 1}, {Dtype::kU8, "U8", 1},    {Dtype::kI8, "I8", 1},
    {Dtype::kI16, "I16", 2},   {Dtype::kI32, "I32", 4},  {Dtype::kI64, "I64", 8},
    {Dtype::kF16, "F16", 2},   {Dtype::kBF16, "BF16", 2}, {Dtype::kF32, "F32", 4},
    {Dtype::kF64, "F64", 8},
};

const DtypeInfo& info(Dtype dtype) {
  for (const auto& d : kDtypes)
    if (d.dtype == dtype) return d;
  throw_error(ErrorCode::kInternal, "unknown Dtype {}", static_cast<int>(dtype));
}

// nlohmann keeps one of two equal keys silently; the format forbids duplicates, so a parser
// callback tracks the keys of every open object.
json parse_header(const std::string& path, const char* begin, size_t size) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  bool duplicate_is_tensor = false;
  auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !open_objects.empty()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second && duplicate.empty()) {
        duplicate = key;
        duplicate_is_tensor = open_objects.size() == 1;
      }
    }
    return true;
  };
  json header;
  try {
    header = json::parse(begin, begin + size, callback);
  } catch (const json::exception& e) {
    throw_error(ErrorCode::kFormat, "{}: header is not valid JSON: {}", path, e.what());
  }
  if (!duplicate.empty())
    throw_error(ErrorCode::kFormat, "{}: duplicate {} '{}' in the header", path,
                duplicate_is_tensor ? "tensor name" : "key", duplicate);
  // The reference also insists on '{' as the very first byte (InvalidHeaderStart).
  if (!header.is_object() || size == 0 || begin[0] != '{')
    throw_error(ErrorCode::kFormat, "{}: header must be a JSON object starting with '{{'", path);
  return header;
}

uint64_t get_index(const std::string& path, const std::string& name, const char* field,
                   const json& value) {
  if (!value.is_number_unsigned())
    throw_error(ErrorCode::kFormat, "{}: tensor '{}': {} must hold non-negative integers, got {}",
                path, name, field, value.dump());
  return value.get<uint64_t>();
}

TensorView parse_entry(const std::string& path, const std::string& name, const json& entry) {
  if (!entry.is_object())
    throw_error(ErrorCode::kFormat, "{}: tensor '{}': entry is not an object", path, name);
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(field))
      throw_error(ErrorCode::kFormat, "{}: tensor '{}': missing field '{}'", path, name, field);
  const json& dtype = entry["dtype"];
  const json& shape = entry["shape"];
  const json& offsets = entry["data_offsets"];
  if (!dtype.is_string())
    throw_error(ErrorCode::kFormat, "{}: tensor '{}': dtype must be a string", path, name);
  auto parsed = parse_dtype(dtype.get_ref<const std::string&>());
  if (!parsed)
    throw_error(ErrorCode::kUnsupported,
                "{}: tensor '{}': dtype '{}' is not supported (BOOL, U8, I8, I16, I32, I64, F16, "
                "BF16, F32, F64)",
                path, name, dtype.get_ref<const std::string&>());
  if (!shape.is_array())
    throw_error(ErrorCode::kFormat, "{}: tensor '{}': shape must be an array", path, name);
  if (!offsets.is_array() || offsets.size() != 2)
    throw_error(ErrorCode::kFormat, "{}: tensor '{}': data_offsets must be [begin, end]", path, name);

  TensorView view{name, *parsed, {}, nullptr, 0, 0};
  // numel · itemsize with overflow checks: a huge shape must not wrap into a small byte count.
  uint64_t bytes = dtype_itemsize(*parsed);
  for (const json& dim : shape) {
    uint64_t d = get_index(path, name, "shape", dim);
    if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        (d != 0 && bytes > std::numeric_limits<uint64_t>::max() / d))
      throw_error(ErrorCode::kFormat, "{}: tensor '{}': shape {} overflows", path, name, shape.dump());
    bytes *= d;
    view.shape.push_back(static_cast<int64_t>(d));
  }
  uint64_t begin = get_index(path, name, "data_offsets", offsets[0]);
  uint64_t end = get_index(path, name, "data_offsets", offsets[1]);
  if (end < begin)
    throw_error(ErrorCode::kFormat, "{}: tensor '{}': data_offsets [{}, {}) end before begin", path,
                name, begin, end);
  if (end - begin != bytes)
    throw_error(ErrorCode::kFormat,
                "{}: tensor '{}': data_offsets [{}, {}) hold {} bytes but shape {} x {} needs {}",
                path, name, begin, end, end - begin, shape.dump(), dtype_name(*parsed), bytes);
  view.offset = begin;
  view.nbytes = bytes;
  return view;
}

}  // namespace

const char* dtype_name(Dtype dtype) { return info(dtype).name; }
size_t dtype_itemsize(Dtype dtype) { return info(dtype).itemsize; }

std::optional<Dtype> parse_dtype(std::string_view name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return d.dtype;
  return std::nullopt;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  return parse(MappedFile::open(path));
}

SafetensorsFile SafetensorsFile::parse(std::shared_ptr<const MappedFile> file) {
  const std::string& path = file->path();
  const size_t size = file->size();
  if (size < 8)
    throw_error(ErrorCode::kFormat, "{}: truncated: {} bytes, less than the 8-byte header length",
                path, size);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | file->data()[i];  // little-endian on any host
  if (n > kMaxHeaderBytes)
    throw_error(ErrorCode::kFormat, "{}: header length {} exceeds the limit of {} bytes", path, n,
                kMaxHeaderBytes);
  if (8 + n > size)
    throw_error(ErrorCode::kFormat, "{}: header length {} runs past the end of the {}-byte file",
                path, n, size);

  SafetensorsFile result;
  result.file_ = file;
  result.header_bytes_ = n;
  const json header = parse_header(path, reinterpret_cast<const char*>(file->data()) + 8, n);
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object())
        throw_error(ErrorCode::kFormat, "{}: __metadata__ must be an object of strings", path);
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string())
          throw_error(ErrorCode::kFormat, "{}: __metadata__['{}'] is not a string", path, key);
        result.metadata_[key] = value.get<std::string>();
      }
      continue;
    }
    result.tensors_.push_back(parse_entry(path, name, entry));
  }

  // Sorted by offsets, the ranges must tile the data section exactly: from 0, no gap, no overlap,
  // and ending at the end of the file.
  auto& tensors = result.tensors_;
  std::sort(tensors.begin(), tensors.end(), [](const TensorView& a, const TensorView& b) {
    return std::make_pair(a.offset, a.nbytes) < std::make_pair(b.offset, b.nbytes);
  });
  const uint64_t data_bytes = size - 8 - n;
  uint64_t expected = 0;
  for (const TensorView& t : tensors) {
    const uint64_t end = t.offset + t.nbytes;
    if (end > data_bytes)
      throw_error(ErrorCode::kFormat,
                  "{}: tensor '{}': data_offsets [{}, {}) out of range: the data section has {} "
                  "bytes (truncated file?)",
                  path, t.name, t.offset, end, data_bytes);
    if (t.offset < expected)
      throw_error(ErrorCode::kFormat, "{}: tensor '{}': data_offsets [{}, {}) overlap the previous "
                  "tensor, which ends at {}", path, t.name, t.offset, end, expected);
    if (t.offset > expected)
      throw_error(ErrorCode::kFormat, "{}: tensor '{}': data_offsets [{}, {}) leave a hole{}: "
                  "expected begin {}", path, t.name, t.offset, end,
                  expected == 0 ? " (data must start at offset 0)" : "", expected);
    expected = end;
  }
  if (expected != data_bytes)
    throw_error(ErrorCode::kFormat, "{}: {} trailing bytes after the last tensor{}{}", path,
                data_bytes - expected, tensors.empty() ? "" : " '",
                tensors.empty() ? "" : tensors.back().name + "'");

  const uint8_t* data = file->data() + 8 + n;
  for (size_t i = 0; i < tensors.size(); ++i) {
    tensors[i].data = data + tensors[i].offset;
    result.index_.emplace(tensors[i].name, i);
  }
  return result;
}

const TensorView* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const TensorView& SafetensorsFile::at(const std::string& name) const {
  const TensorView* view = find(name);
  if (view == nullptr) throw_error(ErrorCode::kNotFound, "{}: no tensor '{}'", path(), name);
  return *view;
}

}  // namespace slime::io
