#include "icma/tokenizer/length_report.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace icma::tokenizer {
namespace {

// The value at fraction q of the sorted lengths (nearest rank).
std::size_t percentile(const std::vector<std::size_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace

std::string length_report(const std::vector<std::size_t>& lengths, std::size_t max_length, std::size_t show_longest,
                          const std::function<std::string(std::size_t)>& where) {
  std::vector<std::size_t> sorted = lengths;
  std::sort(sorted.begin(), sorted.end());

  std::size_t total = 0;
  for (std::size_t n : lengths) total += n;
  std::ostringstream out;
  out << "texts: " << lengths.size() << "   tokens: " << total << "\n";
  if (lengths.empty()) return out.str();
  const double mean = static_cast<double>(total) / static_cast<double>(lengths.size());
  out << "min " << sorted.front() << "   mean " << std::fixed;
  out.precision(1);
  out << mean << "   p50 " << percentile(sorted, 0.5) << "   p90 " << percentile(sorted, 0.9) << "   p95 "
      << percentile(sorted, 0.95) << "   p99 " << percentile(sorted, 0.99) << "   max " << sorted.back() << "\n";

  // Histogram: buckets of a round width, about 10-20 of them, plus one
  // boundary at --max-length so that the over-length texts stand apart.
  const std::size_t top = sorted.back() + 1;
  std::size_t width = 1;
  while (top > width * 20) {
    if (top <= width * 2 * 20) { width *= 2; break; }
    if (top <= width * 5 * 20) { width *= 5; break; }
    width *= 10;
  }
  // Bucket ranges [low, high]; the one holding --max-length is split there.
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (std::size_t low = 0; low < top; low += width) {
    const std::size_t high = low + width - 1;
    const std::size_t limit = max_length;
    if (limit > 0 && low <= limit && limit < high) {
      ranges.emplace_back(low, limit);
      ranges.emplace_back(limit + 1, high);
    } else {
      ranges.emplace_back(low, high);
    }
  }
  std::vector<std::size_t> counts(ranges.size(), 0);
  for (std::size_t n : lengths) {
    for (std::size_t b = 0; b < ranges.size(); ++b) {
      if (n >= ranges[b].first && n <= ranges[b].second) {
        ++counts[b];
        break;
      }
    }
  }
  const std::size_t peak = *std::max_element(counts.begin(), counts.end());
  out << "histogram (tokens per text):\n";
  for (std::size_t b = 0; b < ranges.size(); ++b) {
    const auto [low, high] = ranges[b];
    std::string label = low == high ? std::to_string(low) : std::to_string(low) + "-" + std::to_string(high);
    const bool over = max_length > 0 && low > max_length;
    const std::size_t bar = peak == 0 ? 0 : (counts[b] * 50 + peak - 1) / peak;
    if (label.size() < 12) label.insert(0, 12 - label.size(), ' ');
    std::string count = std::to_string(counts[b]);
    if (count.size() < 8) count.insert(0, 8 - count.size(), ' ');
    out << label << " " << count << " " << std::string(bar, '#') << (over ? "  (over --max-length)" : "") << "\n";
  }

  if (max_length > 0) {
    std::vector<std::size_t> over;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      if (lengths[i] > max_length) over.push_back(i);
    }
    out.precision(2);
    out << "over --max-length " << max_length << ": " << over.size() << " of " << lengths.size() << " ("
        << 100.0 * static_cast<double>(over.size()) / static_cast<double>(lengths.size()) << "%)\n";
    std::stable_sort(over.begin(), over.end(), [&](std::size_t a, std::size_t b) { return lengths[a] > lengths[b]; });
    if (!over.empty()) {
      out << "longest:\n";
      for (std::size_t k = 0; k < over.size() && k < show_longest; ++k) {
        out << "  " << where(over[k]) << "  " << lengths[over[k]] << " tokens (+"
            << lengths[over[k]] - max_length << ")\n";
      }
    }
  }
  return out.str();
}

}  // namespace icma::tokenizer
