// Seeded random graph families for the MIS task (DESIGN §3, `mis`).
//
// Contract:
//  * A graph depends only on the seed and the parameters: the engine is
//    std::mt19937_64(seed) and every draw goes through portable_random.h,
//    never a std::uniform_*_distribution, so the same seed gives the same
//    graph with every standard library (and so in every process that
//    rebuilds an instance from its InstanceId).
//  * Node ids carry no hidden structure beyond what is documented below;
//    the graphs are returned in Graph's canonical form.
#ifndef LEDGFN_TASKS_MIS_GRAPH_GENERATORS_H_
#define LEDGFN_TASKS_MIS_GRAPH_GENERATORS_H_

#include <cstdint>

#include "tasks/mis/graph.h"

namespace ledgfn {

// Xu et al.'s RB model B, as in GFlowNet-CombOpt's rbgraph_generator.py:
// draw n uniform in [20, 25], k uniform in [5, 12] and p uniform in
// [0.3, 1), redrawn until min_nodes <= n*k <= max_nodes. Nodes
// c*k..c*k+k-1 form clique c (all intra-clique edges). With a = ln k / ln n,
// s = int(p * n^(2a)) and r = -a / ln(1 - p), each of int(r * n * ln n - 1)
// iterations picks two distinct cliques uniformly and adds min(s, remaining)
// edges drawn without replacement from their k*k cross pairs that are not
// yet edges. Our RNG differs from theirs, so the graphs differ too.
// Requires some n*k in [min_nodes, max_nodes] (e.g. 200..300); otherwise the
// redrawing never ends.
Graph GenerateRbGraph(uint64_t seed, int min_nodes = 200, int max_nodes = 300);

// Erdős–Rényi G(n, p): each of the n(n-1)/2 node pairs is an edge
// independently with probability p. One draw per pair, so the cost is
// O(n^2) whatever p. Requires num_nodes >= 1, 0 <= p <= 1 and fewer than
// 2^30 edges (Graph's limit); MisFamilyTask keeps the expectation <= 5e7.
Graph GenerateErdosRenyiGraph(uint64_t seed, int num_nodes, double p);

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_MIS_GRAPH_GENERATORS_H_
