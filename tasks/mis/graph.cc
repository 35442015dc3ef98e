#include "tasks/mis/graph.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace ledgfn {
namespace {

// Node ids of an edge-list file above this are almost certainly a corrupt
// or wrong file, and accepting them would allocate adjacency for them.
constexpr int64_t kMaxFileNodes = 1'000'000;

// Both directions of every edge are stored in int32-indexed offsets.
constexpr int64_t kMaxEdges = std::numeric_limits<int32_t>::max() / 2;

}  // namespace

absl::StatusOr<Graph> Graph::FromEdges(
    int num_nodes, absl::Span<const std::pair<int32_t, int32_t>> edges) {
  if (num_nodes < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("a graph needs at least one node, got ", num_nodes));
  }
  Graph graph;
  graph.edges_.reserve(edges.size());
  for (const auto& [a, b] : edges) {
    if (a < 0 || a >= num_nodes || b < 0 || b >= num_nodes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "edge (", a, ", ", b, ") has a node outside [0, ", num_nodes, ")"));
    }
    if (a == b) {
      return absl::InvalidArgumentError(absl::StrCat("self-loop on node ", a));
    }
    graph.edges_.emplace_back(std::min(a, b), std::max(a, b));
  }
  std::sort(graph.edges_.begin(), graph.edges_.end());
  graph.edges_.erase(std::unique(graph.edges_.begin(), graph.edges_.end()),
                     graph.edges_.end());
  if (graph.num_edges() > kMaxEdges) {
    return absl::InvalidArgumentError(absl::StrCat(
        "graph has ", graph.num_edges(), " edges, more than ", kMaxEdges));
  }

  graph.offsets_.assign(num_nodes + 1, 0);
  for (const auto& [u, v] : graph.edges_) {
    ++graph.offsets_[u + 1];
    ++graph.offsets_[v + 1];
  }
  for (int v = 0; v < num_nodes; ++v) {
    graph.offsets_[v + 1] += graph.offsets_[v];
  }
  // Filling in sorted edge order keeps each list sorted: node w first
  // receives its smaller neighbours u from edges (u, w), which all precede
  // the edges (w, v) that bring its larger ones, each group in order.
  graph.neighbors_.resize(2 * graph.edges_.size());
  std::vector<int32_t> next(graph.offsets_.begin(), graph.offsets_.end() - 1);
  for (const auto& [u, v] : graph.edges_) {
    graph.neighbors_[next[u]++] = v;
    graph.neighbors_[next[v]++] = u;
  }
  return graph;
}

absl::StatusOr<Graph> ReadEdgeListFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open edge-list file '",
                                            path, "': ", std::strerror(errno)));
  }
  // Parses a node id or count; false unless it is an integer in [0, max].
  auto parse = [](absl::string_view token, int64_t max, int64_t* value) {
    return absl::SimpleAtoi(token, value) && *value >= 0 && *value <= max;
  };
  auto error = [&path](int line_number, absl::string_view line,
                       absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", line_number, ": ", what, " in '", line, "'"));
  };

  int64_t declared_nodes = -1;  // From the "n" header, when there is one.
  int64_t largest_id = -1;
  bool seen_entry = false;  // The header is valid only before any edge.
  std::vector<std::pair<int32_t, int32_t>> edges;
  std::string raw;
  int line_number = 0;
  while (std::getline(in, raw)) {
    ++line_number;
    // Also drops the CR of CRLF files.
    const absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#' || line[0] == '%') continue;
    const std::vector<absl::string_view> tokens =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (tokens.size() != 2) {
      return error(line_number, line, "expected \"u v\" or \"n <num_nodes>\"");
    }
    if (tokens[0] == "n") {
      if (seen_entry) {
        return error(line_number, line,
                     "the node-count header must come before every edge");
      }
      if (!parse(tokens[1], kMaxFileNodes, &declared_nodes) ||
          declared_nodes < 1) {
        return error(line_number, line,
                     absl::StrCat("node count must be an integer in [1, ",
                                  kMaxFileNodes, "]"));
      }
      seen_entry = true;
      continue;
    }
    seen_entry = true;
    const int64_t max_id =
        declared_nodes >= 0 ? declared_nodes - 1 : kMaxFileNodes - 1;
    int64_t u, v;
    if (!parse(tokens[0], max_id, &u) || !parse(tokens[1], max_id, &v)) {
      return error(
          line_number, line,
          absl::StrCat("node ids must be integers in [0, ", max_id, "]"));
    }
    if (u == v) return error(line_number, line, "self-loop");
    largest_id = std::max({largest_id, u, v});
    edges.emplace_back(static_cast<int32_t>(u), static_cast<int32_t>(v));
  }
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("error reading edge-list file '", path, "'"));
  }
  const int64_t num_nodes =
      declared_nodes >= 0 ? declared_nodes : largest_id + 1;
  absl::StatusOr<Graph> graph =
      Graph::FromEdges(static_cast<int>(num_nodes), edges);
  if (!graph.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", graph.status().message()));
  }
  return graph;
}

}  // namespace ledgfn
