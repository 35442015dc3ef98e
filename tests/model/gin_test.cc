// The GIN against hand computations, and the graph networks (GIN, graph
// PolicyNet, graph PotentialNet) on a disjoint union against each graph
// alone.
#include "model/gin.h"

#include <torch/torch.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "model/network_input.h"
#include "model/policy_net.h"
#include "model/potential_net.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

Graph MakeGraph(int n, std::vector<std::pair<int32_t, int32_t>> edges) {
  auto g = Graph::FromEdges(n, edges);
  EXPECT_TRUE(g.ok()) << g.status();
  return *std::move(g);
}

GraphBatch Batch(absl::Span<const GraphRow> rows, int label_columns) {
  auto batch = BuildGraphBatch(rows, label_columns);
  EXPECT_TRUE(batch.ok()) << batch.status();
  return *std::move(batch);
}

// Sets a Linear layer's weight ([out, in], row-major) and bias by hand.
void SetLinear(torch::nn::Module& layer, std::vector<float> weight,
               std::vector<float> bias) {
  torch::NoGradGuard no_grad;
  auto params = layer.named_parameters();
  params["weight"].copy_(
      torch::tensor(weight).view(params["weight"].sizes()));
  params["bias"].copy_(torch::tensor(bias));
}

// Linear layers of GIN layer l are submodules "mlps.<l>.0" and "mlps.<l>.2"
// (then LayerNorm "mlps.<l>.3", initialised to weight 1, bias 0).
torch::nn::Module& GinLinear(Gin& gin, int layer, int index) {
  for (const auto& item : gin->named_modules("", /*include_self=*/false)) {
    if (item.key() == "mlps." + std::to_string(layer) + "." +
                          std::to_string(index)) {
      return *item.value();
    }
  }
  ADD_FAILURE() << "no linear layer " << layer << "." << index;
  return *gin;
}

void SetEmbedding(Gin& gin, std::vector<float> table) {
  torch::NoGradGuard no_grad;
  torch::Tensor weight = gin->named_parameters()["embedding.weight"];
  weight.copy_(torch::tensor(table).view(weight.sizes()));
}

constexpr float kRoot2 = 1.41421356f;  // LayerNorm's eps (1e-5) is below 1e-4

TEST(GinTest, OneLayerMatchesHandComputation) {
  // Path 0-1-2 and isolated node 3; labels 0, 1, 2, 0.
  Graph g = MakeGraph(4, {{0, 1}, {1, 2}});
  std::vector<int32_t> labels{0, 1, 2, 0};
  Gin gin(GinOptions{/*num_labels=*/3, /*label_columns=*/1, /*hidden=*/3,
                     /*layers=*/1});
  SetEmbedding(gin, {1, 0, 0, /**/ 0, 1, 0, /**/ 0, 0, 1});
  SetLinear(GinLinear(gin, 0, 0), {1, 0, 0, 0, 2, 0, 1, 0, 1}, {0, -1, 0});
  SetLinear(GinLinear(gin, 0, 2), {1, 0, 0, 0, 1, 0, 0, 0, 1}, {0, 0, 0});
  // h0 = E[label]: n0 (1,0,0), n1 (0,1,0), n2 (0,0,1), n3 (1,0,0).
  // x = h + sum of neighbours: n0 (1,1,0), n1 (1,1,1), n2 (0,1,1), n3 (1,0,0).
  // ReLU(W1 x + b1), W1 = [[1,0,0],[0,2,0],[1,0,1]], b1 = (0,-1,0):
  //   n0 (1,1,1), n1 (1,1,2), n2 (0,1,1), n3 (1,-1,1)->(1,0,1).
  // W2 = I, b2 = 0, then LayerNorm (x - mean) / sd over the 3 values:
  //   n0 (1,1,1): all equal -> (0,0,0);
  //   n1 (1,1,2): mean 4/3, sd sqrt(2)/3 -> (-1/r2, -1/r2, r2);
  //   n2 (0,1,1): mean 2/3, sd sqrt(2)/3 -> (-r2, 1/r2, 1/r2);
  //   n3 (1,0,1): mean 2/3, sd sqrt(2)/3 -> (1/r2, -r2, 1/r2).
  // ReLU: n0 (0,0,0), n1 (0,0,r2), n2 (0,1/r2,1/r2), n3 (1/r2,0,1/r2).
  torch::Tensor h = gin->forward(Batch({GraphRow{&g, labels, {}}}, 1));
  const float r = 1 / kRoot2;
  EXPECT_TRUE(torch::allclose(
      h,
      torch::tensor({{0.f, 0.f, 0.f}, {0.f, 0.f, kRoot2}, {0.f, r, r},
                     {r, 0.f, r}}),
      /*rtol=*/0, /*atol=*/1e-4))
      << h;
}

TEST(GinTest, LabelColumnsAreConcatenatedInOrder) {
  // Edge 0-1, node 2 isolated; labels (s) 0, 1, 2 and (s') 2, 0, 1.
  Graph g = MakeGraph(3, {{0, 1}});
  std::vector<int32_t> labels{0, 1, 2}, next{2, 0, 1};
  Gin gin(GinOptions{/*num_labels=*/3, /*label_columns=*/2, /*hidden=*/2,
                     /*layers=*/1});
  SetEmbedding(gin, {1, 0, /**/ 0, 1, /**/ 1, 1});
  SetLinear(GinLinear(gin, 0, 0), {1, 0, 0, 0, 0, 0, 1, 0}, {0, 0});
  SetLinear(GinLinear(gin, 0, 2), {1, 0, 0, 1}, {0, 0});
  // h0 = (E[s], E[s']): n0 (1,0,1,1), n1 (0,1,1,0), n2 (1,1,0,1).
  // x = h + neighbours: n0 = n1 = (1,1,2,1), n2 (1,1,0,1).
  // W1 picks x_0 and x_2: n0 = n1 = (1,2), n2 (1,0); W2 = I.
  // LayerNorm of two values is (-1,1) or (1,-1); ReLU: n0 = n1 = (0,1),
  // n2 (1,0). Swapped columns would give (1,0), (1,0), (0,1).
  torch::Tensor h = gin->forward(Batch({GraphRow{&g, labels, next}}, 2));
  EXPECT_TRUE(torch::allclose(h, torch::tensor({{0.f, 1.f}, {0.f, 1.f}, {1.f, 0.f}}),
                              /*rtol=*/0, /*atol=*/1e-4))
      << h;
}

TEST(GinTest, ParameterOrderIsEmbeddingThenLayers) {
  Gin gin(GinOptions{3, 1, 4, 2});
  std::vector<std::string> names;
  for (const auto& item : gin->named_parameters()) names.push_back(item.key());
  EXPECT_EQ(names,
            (std::vector<std::string>{
                "embedding.weight", "mlps.0.0.weight", "mlps.0.0.bias",
                "mlps.0.2.weight", "mlps.0.2.bias", "mlps.0.3.weight",
                "mlps.0.3.bias", "mlps.1.0.weight", "mlps.1.0.bias",
                "mlps.1.2.weight", "mlps.1.2.bias", "mlps.1.3.weight",
                "mlps.1.3.bias"}));
}

// Three random graphs of different sizes and an empty row, batched together
// and one by one.
class DisjointUnionTest : public ::testing::Test {
 protected:
  static constexpr int kSizes[] = {5, 8, 3};
  static constexpr int kHidden = 16;
  static constexpr int kLayers = 3;

  void SetUp() override {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int32_t> label(0, 2);
    std::bernoulli_distribution edge(0.4);
    for (int n : kSizes) {
      std::vector<std::pair<int32_t, int32_t>> edges;
      for (int32_t u = 0; u < n; ++u) {
        for (int32_t v = u + 1; v < n; ++v) {
          if (edge(rng)) edges.emplace_back(u, v);
        }
      }
      graphs_.push_back(MakeGraph(n, edges));
      labels_.emplace_back(n);
      next_.emplace_back(n);
      for (int32_t& l : labels_.back()) l = label(rng);
      for (int32_t& l : next_.back()) l = label(rng);
    }
    // Rows 0, 2, 3 are the graphs; row 1 is empty. As a 2 x 2 shape.
    rows_ = {Row(0), GraphRow{}, Row(1), Row(2)};
    torch::manual_seed(3);
  }

  GraphRow Row(int i) const {
    return GraphRow{&graphs_[i], labels_[i], next_[i]};
  }
  static int RowOf(int i) { return i == 0 ? 0 : i + 1; }

  std::vector<Graph> graphs_;
  std::vector<std::vector<int32_t>> labels_, next_;
  std::vector<GraphRow> rows_;
};

TEST_F(DisjointUnionTest, GinAndPoolsMatchEachGraphAlone) {
  Gin gin(GinOptions{3, 1, kHidden, kLayers});
  GraphBatch batch = Batch(rows_, 1);
  torch::Tensor h = gin->forward(batch);
  torch::Tensor sum = SumPool(h, batch), mean = MeanPool(h, batch),
                max = MaxPool(h, batch);
  int64_t offset = 0;
  for (int i = 0; i < 3; ++i) {
    GraphBatch alone = Batch({Row(i)}, 1);
    torch::Tensor expected = gin->forward(alone);
    EXPECT_TRUE(torch::allclose(h.narrow(0, offset, kSizes[i]), expected,
                                /*rtol=*/0, /*atol=*/1e-5))
        << "graph " << i;
    const int r = RowOf(i);
    EXPECT_TRUE(torch::allclose(sum[r], SumPool(expected, alone)[0], 0, 1e-5));
    EXPECT_TRUE(torch::allclose(mean[r], MeanPool(expected, alone)[0], 0, 1e-5));
    EXPECT_TRUE(torch::allclose(max[r], MaxPool(expected, alone)[0], 0, 1e-5));
    offset += kSizes[i];
  }
  for (const torch::Tensor& pooled : {sum, mean, max}) {
    EXPECT_TRUE(torch::equal(pooled[1], torch::zeros({kHidden})));
  }
}

TEST_F(DisjointUnionTest, GraphPolicyMatchesEachGraphAlone) {
  PolicyNet net(PolicyNetOptions{0, 0, 0, kHidden, kLayers,
                                 /*num_node_labels=*/3, /*fragment_tree=*/{}});
  NetworkInput input{{}, Batch(rows_, 1), {2, 2}, {}};
  PolicyOutputs out = net->forward(input);
  const int64_t max_nodes = 8;
  ASSERT_EQ(out.forward_logits.sizes(), torch::IntArrayRef({2, 2, max_nodes}));
  ASSERT_EQ(out.backward_logits.sizes(), torch::IntArrayRef({2, 2, max_nodes}));
  ASSERT_EQ(out.log_flow.sizes(), torch::IntArrayRef({2, 2}));
  torch::Tensor forward = out.forward_logits.view({4, max_nodes});
  torch::Tensor backward = out.backward_logits.view({4, max_nodes});
  torch::Tensor log_flow = out.log_flow.view({4});
  for (int i = 0; i < 3; ++i) {
    // A scalar shape: per-node outputs [n], log-flow [].
    PolicyOutputs alone = net->forward(NetworkInput{{}, Batch({Row(i)}, 1), {}, {}});
    const int n = kSizes[i];
    const int r = RowOf(i);
    ASSERT_EQ(alone.forward_logits.sizes(), torch::IntArrayRef({n}));
    ASSERT_EQ(alone.log_flow.dim(), 0);
    EXPECT_TRUE(torch::allclose(forward[r].narrow(0, 0, n),
                                alone.forward_logits, 0, 1e-5));
    EXPECT_TRUE(torch::allclose(backward[r].narrow(0, 0, n),
                                alone.backward_logits, 0, 1e-5));
    EXPECT_TRUE(torch::allclose(log_flow[r], alone.log_flow, 0, 1e-5));
    // Padding is exactly zero.
    EXPECT_TRUE(torch::equal(forward[r].narrow(0, n, max_nodes - n),
                             torch::zeros({max_nodes - n})));
    EXPECT_TRUE(torch::equal(backward[r].narrow(0, n, max_nodes - n),
                             torch::zeros({max_nodes - n})));
  }
  EXPECT_TRUE(torch::equal(forward[1], torch::zeros({max_nodes})));
  EXPECT_TRUE(torch::equal(backward[1], torch::zeros({max_nodes})));

  // log Z stays out of the network parameters, which are the rest.
  const auto network = net->network_parameters();
  EXPECT_EQ(network.size(), net->parameters().size() - 1);
  for (const torch::Tensor& p : network) EXPECT_FALSE(p.is_same(net->log_z()));
}

TEST_F(DisjointUnionTest, GraphPotentialMatchesEachGraphAlone) {
  PotentialNet net(PotentialNetOptions{0, kHidden, kLayers,
                                       /*num_node_labels=*/3,
                                       /*fragment_tree=*/{}});
  torch::Tensor phi = net->forward(NetworkInput{{}, Batch(rows_, 2), {2, 2}, {}});
  ASSERT_EQ(phi.sizes(), torch::IntArrayRef({2, 2}));
  for (int i = 0; i < 3; ++i) {
    torch::Tensor alone = net->forward(NetworkInput{{}, Batch({Row(i)}, 2), {}, {}});
    ASSERT_EQ(alone.dim(), 0);
    EXPECT_TRUE(torch::allclose(phi.view({4})[RowOf(i)], alone, 0, 1e-5));
  }
}

}  // namespace
}  // namespace ledgfn
