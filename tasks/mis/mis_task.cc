// MisTask (one graph) and the greedy baseline; the family of seeded graphs
// is in mis_family_task.cc.
#include "tasks/mis/mis_task.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ledgfn {

MisTask::MisTask(std::shared_ptr<const Graph> graph)
    : graph_(std::move(graph)), num_nodes_(graph_->num_nodes()) {}

State MisTask::InitialState() const { return State(num_nodes_, kUndecided); }

void MisTask::ForwardMask(const State& s, uint8_t* mask) const {
  for (int v = 0; v < num_nodes_; ++v) mask[v] = s[v] == kUndecided;
}

void MisTask::BackwardMask(const State& s, uint8_t* mask) const {
  for (int v = 0; v < num_nodes_; ++v) mask[v] = s[v] == kSelected;
}

void MisTask::Step(State& s, int action) const {
  s[action] = kSelected;
  // Only undecided neighbours change: an undecided v has no selected
  // neighbour, and excluded ones stay excluded.
  for (int32_t u : graph_->neighbors(action)) {
    if (s[u] == kUndecided) s[u] = kExcluded;
  }
}

bool MisTask::IsTerminal(const State& s) const {
  return std::find(s.begin(), s.end(), kUndecided) == s.end();
}

int MisTask::Level(const State& s) const {
  return static_cast<int>(std::count(s.begin(), s.end(), kSelected));
}

void MisTask::Features(const State& s, float* out) const {
  std::fill(out, out + feature_size(), 0.0f);
  for (int v = 0; v < num_nodes_; ++v) out[kNumLabels * v + s[v]] = 1.0f;
}

double MisTask::Energy(const State& x) const { return -Level(x); }

double MisTask::PartialEnergy(const State& s) const { return -Level(s); }

bool MisTask::exactly_enumerable() const {
  return num_nodes_ <= kMaxEnumerableNodes;
}

std::string MisTask::ToString(const State& x) const {
  std::string out = "{";
  const char* separator = "";
  for (int v = 0; v < num_nodes_; ++v) {
    if (x[v] != kSelected) continue;
    absl::StrAppend(&out, separator, v);
    separator = ",";
  }
  out += "}";
  return out;
}

TaskDefaults MisTask::defaults() const {
  // The struct's values (batch 16, lambda 0.9, epsilon 0, learning rates
  // 1e-3 / 1e-1 / 1e-3, width 256), with GFlowNet-CombOpt's 5 GIN layers.
  TaskDefaults d;
  d.layers = 5;
  // E = -|I| and |I| <= the number of nodes <= the longest trajectory.
  d.max_abs_energy = EnergyBoundFor(max_trajectory_length());
  return d;
}

std::vector<int32_t> GreedyMinDegreeIndependentSet(const Graph& graph) {
  const int n = graph.num_nodes();
  std::vector<uint8_t> undecided(n, 1);
  // Undecided neighbours per node; only ever decreases.
  std::vector<int> degree(n);
  // Min-heap of (degree, node) with lazy deletion: an entry is stale once
  // its node is decided or its degree has dropped, and a fresher entry was
  // pushed then. Ties go to the lowest id through the pair order.
  using Entry = std::pair<int, int32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  for (int v = 0; v < n; ++v) {
    degree[v] = graph.degree(v);
    heap.emplace(degree[v], v);
  }
  std::vector<int32_t> selected;
  while (!heap.empty()) {
    const auto [d, v] = heap.top();
    heap.pop();
    if (!undecided[v] || d != degree[v]) continue;
    selected.push_back(v);
    undecided[v] = 0;
    for (int32_t u : graph.neighbors(v)) {
      if (!undecided[u]) continue;
      undecided[u] = 0;  // Excluded.
      for (int32_t w : graph.neighbors(u)) {
        if (undecided[w]) heap.emplace(--degree[w], w);
      }
    }
  }
  std::sort(selected.begin(), selected.end());
  return selected;
}

}  // namespace ledgfn
