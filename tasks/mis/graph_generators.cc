#include "tasks/mis/graph_generators.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/portable_random.h"

namespace ledgfn {
namespace {

// The generators only emit in-range, loop-free edges, for which FromEdges
// cannot fail.
Graph BuildGenerated(int num_nodes,
                     const std::vector<std::pair<int32_t, int32_t>>& edges) {
  absl::StatusOr<Graph> graph = Graph::FromEdges(num_nodes, edges);
  assert(graph.ok());
  return *std::move(graph);
}

}  // namespace

Graph GenerateRbGraph(uint64_t seed, int min_nodes, int max_nodes) {
  std::mt19937_64 rng(seed);
  int n, k;
  double p;
  do {
    n = 20 + static_cast<int>(UniformBelow(rng, 6));
    k = 5 + static_cast<int>(UniformBelow(rng, 8));
    p = 0.3 + 0.7 * UniformUnit(rng);
  } while (n * k < min_nodes || n * k > max_nodes);
  const int num_nodes = n * k;

  std::vector<std::pair<int32_t, int32_t>> edges;
  for (int c = 0; c < n; ++c) {
    for (int x = 0; x < k; ++x) {
      for (int y = x + 1; y < k; ++y) edges.emplace_back(c * k + x, c * k + y);
    }
  }
  // n^(2a) = k^2 exactly; the product keeps s free of rounding in pow.
  const int64_t s = static_cast<int64_t>(p * k * k);
  const double a = std::log(k) / std::log(n);
  const double r = -a / std::log(1.0 - p);
  const int64_t iterations = static_cast<int64_t>(r * n * std::log(n) - 1);

  // Cross-clique edges only; intra-clique pairs are never candidates.
  std::vector<uint8_t> adjacent(static_cast<size_t>(num_nodes) * num_nodes, 0);
  std::vector<std::pair<int32_t, int32_t>> candidates;
  candidates.reserve(k * k);
  for (int64_t it = 0; it < iterations; ++it) {
    const int i = static_cast<int>(UniformBelow(rng, n));
    int j = static_cast<int>(UniformBelow(rng, n - 1));
    if (j >= i) ++j;  // Uniform over the cliques other than i.
    candidates.clear();
    for (int x = 0; x < k; ++x) {
      for (int y = 0; y < k; ++y) {
        const int u = i * k + x, v = j * k + y;
        if (!adjacent[static_cast<size_t>(u) * num_nodes + v]) {
          candidates.emplace_back(u, v);
        }
      }
    }
    // Partial Fisher-Yates: the first `take` candidates become a uniform
    // sample without replacement.
    const size_t take = static_cast<size_t>(
        std::min<int64_t>(s, static_cast<int64_t>(candidates.size())));
    for (size_t t = 0; t < take; ++t) {
      std::swap(candidates[t],
                candidates[t + UniformBelow(rng, candidates.size() - t)]);
      const auto [u, v] = candidates[t];
      adjacent[static_cast<size_t>(u) * num_nodes + v] = 1;
      adjacent[static_cast<size_t>(v) * num_nodes + u] = 1;
      edges.emplace_back(u, v);
    }
  }
  return BuildGenerated(num_nodes, edges);
}

Graph GenerateErdosRenyiGraph(uint64_t seed, int num_nodes, double p) {
  std::mt19937_64 rng(seed);
  std::vector<std::pair<int32_t, int32_t>> edges;
  for (int u = 0; u < num_nodes; ++u) {
    for (int v = u + 1; v < num_nodes; ++v) {
      if (UniformUnit(rng) < p) edges.emplace_back(u, v);
    }
  }
  return BuildGenerated(num_nodes, edges);
}

}  // namespace ledgfn
