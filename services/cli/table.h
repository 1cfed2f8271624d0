#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace curve::cli {

// A plain-text table with a header row and left-aligned, space-padded columns.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "10 GiB", "1.5 TiB", "512 B".
std::string FormatBytes(uint64_t bytes);

}  // namespace curve::cli
