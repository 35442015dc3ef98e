// An undirected simple graph in compressed adjacency form, the instance of
// graph tasks (MIS) and the input structure of the graph networks.
//
// Contract:
//  * Nodes are 0..num_nodes()-1. No self-loops, no parallel edges.
//  * neighbors(v) is sorted increasingly.
//  * edges() lists every undirected edge once as (u, v) with u < v, sorted.
//  * Immutable once built; safe to share between threads.
#ifndef LEDGFN_TASKS_MIS_GRAPH_H_
#define LEDGFN_TASKS_MIS_GRAPH_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace ledgfn {

class Graph {
 public:
  // Builds a graph from an edge list. Duplicate edges (in either
  // orientation) are merged. INVALID_ARGUMENT for num_nodes < 1, a node
  // outside [0, num_nodes) or a self-loop.
  static absl::StatusOr<Graph> FromEdges(
      int num_nodes, absl::Span<const std::pair<int32_t, int32_t>> edges);

  int num_nodes() const { return static_cast<int>(offsets_.size()) - 1; }
  int64_t num_edges() const { return static_cast<int64_t>(edges_.size()); }
  absl::Span<const int32_t> neighbors(int v) const {
    return absl::MakeConstSpan(neighbors_.data() + offsets_[v],
                               offsets_[v + 1] - offsets_[v]);
  }
  int degree(int v) const { return offsets_[v + 1] - offsets_[v]; }
  const std::vector<std::pair<int32_t, int32_t>>& edges() const {
    return edges_;
  }

 private:
  std::vector<int32_t> offsets_{0};  // num_nodes + 1
  std::vector<int32_t> neighbors_;   // 2 * num_edges
  std::vector<std::pair<int32_t, int32_t>> edges_;
};

// Reads a graph from a simple edge-list file:
//   * blank lines and lines starting with '#' or '%' are ignored;
//   * an optional first line "n <num_nodes>" fixes the node count (so
//     isolated nodes can exist); otherwise it is 1 + the largest node id;
//   * every other line is "u v" (0-based node ids, whitespace-separated).
// INVALID_ARGUMENT names the file and line of a malformed entry; NOT_FOUND
// when the file cannot be read.
absl::StatusOr<Graph> ReadEdgeListFile(const std::string& path);

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_MIS_GRAPH_H_
