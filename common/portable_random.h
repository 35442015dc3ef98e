// Uniform draws from a std::mt19937_64 that give the same values with every
// standard library. The engine's output sequence is fixed by the C++
// standard, but std::uniform_int_distribution and
// std::uniform_real_distribution are not (libstdc++ and libc++ map the same
// engine output to different numbers), so seeded graph instances built with
// them would differ between builds and processes would disagree about an
// InstanceId's graph. These helpers define the mapping themselves.
#ifndef LEDGFN_COMMON_PORTABLE_RANDOM_H_
#define LEDGFN_COMMON_PORTABLE_RANDOM_H_

#include <cstdint>
#include <random>

namespace ledgfn {

// Uniform in [0, bound) for bound >= 1, without modulo bias: outputs below
// 2^64 mod bound are rejected, so the accepted range is a whole number of
// periods of `% bound`.
inline uint64_t UniformBelow(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
  uint64_t r;
  do {
    r = rng();
  } while (r < threshold);
  return r % bound;
}

// Uniform in [0, 1) on the grid k * 2^-53: the top 53 bits of one output,
// exactly representable as a double.
inline double UniformUnit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_PORTABLE_RANDOM_H_
