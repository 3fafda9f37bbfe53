// An image file named by a dataset row: checked to stay under the root, and (optionally) hashed
// into the dataset's content hash so that a changed image is noticed too.
#pragma once
#include <string>

#include "datasets/dataset.h"
#include "datasets/formats/safe_path.h"

namespace slime::data {

ResolvedPath resolve_image(const std::string& root, const std::string& relative,
                           const std::string& where, bool hash, DatasetInfo& info);

}  // namespace slime::data
