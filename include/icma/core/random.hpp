#pragma once
// Reproducible randomness, also under parallelism.
//
// Every random choice in the toolkit (random-walk re-ranking, random
// retrieval, shuffling) must come out the same for the same --seed, whatever
// the thread count, the scheduling and the standard library. Two rules give
// that:
//
//  1. One stream per unit of work. A parallel loop does not share a generator
//     between threads (the draw order would depend on scheduling); it creates
//     Rng::for_stream(seed, i) for work item i (e.g. the query index), so item
//     i sees the same numbers whichever thread runs it and in whatever order.
//
//  2. Only portable arithmetic. std::mt19937_64 is specified bit for bit by
//     the C++ standard, but std::uniform_real_distribution and
//     std::uniform_int_distribution are not: libstdc++, libc++ and MSVC turn
//     the same engine output into different numbers. So uniform() and below()
//     are implemented here from the raw 64-bit output, with fixed formulas.

#include <cstdint>
#include <random>

namespace icma {

class Rng {
 public:
  // A generator seeded directly with `seed`.
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  // An independent stream for work item `stream` under the run's `seed`.
  // The engine seed is a SplitMix64 mix of both, so that neighbouring seeds
  // and stream numbers (0, 1, 2, ...) give unrelated sequences, and distinct
  // streams of one seed always get distinct engine seeds.
  static Rng for_stream(std::uint64_t seed, std::uint64_t stream);

  // The next raw 64 bits of the engine.
  std::uint64_t next() { return engine_(); }

  // A double in [0, 1): the top 53 bits of one draw, times 2^-53. Every
  // value is a multiple of 2^-53, so 1.0 is never returned.
  double uniform();

  // An integer in [0, n), unbiased (rejection sampling). n must be > 0;
  // n == 0 throws std::invalid_argument.
  std::uint64_t below(std::uint64_t n);

  // True with probability p (p <= 0: never; p >= 1: always). Uses one draw.
  bool chance(double p) { return uniform() < p; }

 private:
  std::mt19937_64 engine_;
};

// The SplitMix64 finaliser: a bijection on 64-bit integers that spreads every
// input bit over the whole output. Exposed for deriving further seeds.
std::uint64_t splitmix64(std::uint64_t x);

}  // namespace icma
