// LLaMA-Factory's dataset_info.json: per dataset, its formatting (alpaca or sharegpt), the
// names of its columns and, for sharegpt, of its role tags. With --dataset-info FILE
// --dataset NAME, each record is read through that mapping: its columns and tags renamed to
// the defaults the alpaca and sharegpt dialects read, the dialect chosen by formatting.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <utility>
#include <vector>

namespace tracemill::normalize {

class DatasetInfo {
 public:
  /// Reads entry `dataset` of `file`; throws libstream::Error (usage) when either is missing
  /// or malformed.
  DatasetInfo(const std::string& file, const std::string& dataset);

  /// The dialect its formatting names: "alpaca" or "sharegpt".
  [[nodiscard]] const std::string& dialect() const { return dialect_; }

  /// `record` with its columns and tags renamed, into `out` (which owns the copy).
  void rename(const rapidjson::Value& record, rapidjson::Document& out) const;

 private:
  std::string dialect_;
  std::vector<std::pair<std::string, std::string>> columns_;  // the dataset's name -> the dialect's
  std::string role_tag_ = "from", content_tag_ = "value";
  std::vector<std::pair<std::string, std::string>> roles_;  // the dataset's role name -> ShareGPT's
};

}  // namespace tracemill::normalize
