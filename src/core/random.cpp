#include "icma/core/random.hpp"

#include <stdexcept>

namespace icma {

std::uint64_t splitmix64(std::uint64_t x) {
  // Steele, Lea & Flood's SplitMix64 output function (the constants of
  // Java's SplittableRandom).
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

Rng Rng::for_stream(std::uint64_t seed, std::uint64_t stream) {
  // splitmix64 is a bijection, so for a fixed seed the map
  // stream -> splitmix64(splitmix64(seed) + stream) is injective: two streams
  // never share an engine seed. The outer mix makes streams 0, 1, 2, ...
  // unrelated to each other rather than consecutive engine seeds.
  return Rng(splitmix64(splitmix64(seed) + stream));
}

double Rng::uniform() {
  constexpr double two_to_minus_53 = 1.0 / 9007199254740992.0;  // 2^-53
  return static_cast<double>(next() >> 11) * two_to_minus_53;
}

std::uint64_t Rng::below(std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("Rng::below: n must be positive");
  // 2^64 mod n draws at the bottom of the range would make small results
  // slightly more likely than large ones; rejecting them leaves exactly
  // (2^64 - threshold) / n draws for each result. (-n) % n is 2^64 mod n in
  // unsigned arithmetic.
  const std::uint64_t threshold = (0 - n) % n;
  for (;;) {
    const std::uint64_t draw = next();
    if (draw >= threshold) return draw % n;
  }
}

}  // namespace icma
