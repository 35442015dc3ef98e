// BuildGraphBatch's disjoint union, and ScatterToRows / SumPool / MeanPool /
// MaxPool on hand examples, gradients included.
#include "model/graph_batch.h"

#include "model/neighbour_sum.h"

#include <torch/torch.h>

#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace ledgfn {
namespace {

Graph MakeGraph(int n, std::vector<std::pair<int32_t, int32_t>> edges) {
  auto g = Graph::FromEdges(n, edges);
  EXPECT_TRUE(g.ok()) << g.status();
  return *std::move(g);
}

torch::Tensor Longs(std::vector<int64_t> values) {
  return torch::tensor(values, torch::kLong);
}

// Rows: a 2-node graph, an empty row, a 3-node path.
class GraphBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto batch = BuildGraphBatch(
        {GraphRow{&pair_, labels_a_, next_a_}, GraphRow{},
         GraphRow{&path_, labels_b_, next_b_}},
        /*label_columns=*/2);
    ASSERT_TRUE(batch.ok()) << batch.status();
    batch_ = *std::move(batch);
  }

  Graph pair_ = MakeGraph(2, {{0, 1}});
  Graph path_ = MakeGraph(3, {{1, 2}, {0, 1}});
  std::vector<int32_t> labels_a_{2, 2}, next_a_{1, 0};
  std::vector<int32_t> labels_b_{0, 1, 2}, next_b_{0, 1, 1};
  GraphBatch batch_;
  // Per-node values of the 5 union nodes: rows 0 (2 nodes), 2 (3 nodes).
  torch::Tensor values_ = torch::tensor(
      {{1.f, -2.f}, {3.f, -1.f}, {-1.f, 6.f}, {2.f, 4.f}, {0.f, -3.f}});
};

TEST_F(GraphBatchTest, BuildsTheDisjointUnion) {
  EXPECT_EQ(batch_.num_rows, 3);
  EXPECT_EQ(batch_.max_nodes, 3);
  EXPECT_TRUE(torch::equal(
      batch_.node_labels,
      Longs({2, 1, 2, 0, 0, 0, 1, 1, 2, 1}).view({5, 2})));
  EXPECT_TRUE(torch::equal(batch_.node_row, Longs({0, 0, 2, 2, 2})));
  EXPECT_TRUE(torch::equal(batch_.node_position, Longs({0, 1, 0, 1, 2})));
  // Each undirected edge in both directions, sorted by (target, source);
  // the path's nodes start at 2.
  EXPECT_TRUE(torch::equal(batch_.edge_target, Longs({0, 1, 2, 3, 3, 4})));
  EXPECT_TRUE(torch::equal(batch_.edge_source, Longs({1, 0, 3, 2, 4, 3})));
  // CSR over targets: node 3 (the path's middle) has edges 3 and 4.
  EXPECT_TRUE(torch::equal(batch_.edge_offsets, Longs({0, 1, 2, 3, 5, 6})));
}

// The fused aggregation equals the textbook one (index_select + index_add),
// values and gradients.
TEST_F(GraphBatchTest, NeighbourSumEqualsIndexAddWithGradients) {
  torch::Tensor a = values_.clone().requires_grad_();
  torch::Tensor b = values_.clone().requires_grad_();
  torch::Tensor weights = torch::tensor(
      {{1.f, 2.f}, {-1.f, .5f}, {3.f, 1.f}, {.25f, -2.f}, {2.f, 2.f}});
  torch::Tensor fused = NeighbourSum(a, batch_);
  torch::Tensor reference =
      b.index_add(0, batch_.edge_target, b.index_select(0, batch_.edge_source));
  // Hand check of one node: the path's middle (union node 3) is
  // (2,4) + (-1,6) + (0,-3) = (1,7).
  EXPECT_TRUE(torch::equal(fused[3], torch::tensor({1.f, 7.f})));
  EXPECT_TRUE(torch::equal(fused, reference.detach()));
  (fused * weights).sum().backward();
  (reference * weights).sum().backward();
  EXPECT_TRUE(torch::allclose(a.grad(), b.grad(), 0, 1e-6)) << a.grad();
}

// Wide rows take the vectorised chunks (64 floats, 32 doubles at a time)
// and a tail: still exactly the textbook sum, in float and in double.
TEST_F(GraphBatchTest, NeighbourSumOfWideRowsEqualsIndexAdd) {
  torch::manual_seed(3);
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    for (int64_t width : {64, 71, 130, 256}) {
      torch::Tensor h = torch::randn({5, width}, dtype);
      torch::Tensor reference =
          h.index_add(0, batch_.edge_target, h.index_select(0, batch_.edge_source));
      EXPECT_TRUE(torch::equal(NeighbourSum(h, batch_), reference))
          << width << " " << dtype;
    }
  }
}

TEST_F(GraphBatchTest, RejectsBadColumnsAndLabelCounts) {
  EXPECT_EQ(BuildGraphBatch({GraphRow{&pair_, labels_a_, {}}}, 3).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Transitions need next labels.
  EXPECT_EQ(BuildGraphBatch({GraphRow{&pair_, labels_a_, {}}}, 2).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildGraphBatch({GraphRow{&path_, labels_a_, {}}}, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(BuildGraphBatch({GraphRow{&pair_, labels_a_, {}}}, 1).ok());
}

TEST_F(GraphBatchTest, ScatterToRowsPadsWithZeros) {
  torch::Tensor x = values_.clone().requires_grad_();
  torch::Tensor dense = ScatterToRows(x, batch_);
  EXPECT_TRUE(torch::equal(
      dense, torch::tensor({{{1.f, -2.f}, {3.f, -1.f}, {0.f, 0.f}},
                            {{0.f, 0.f}, {0.f, 0.f}, {0.f, 0.f}},
                            {{-1.f, 6.f}, {2.f, 4.f}, {0.f, -3.f}}})));
  (dense * torch::arange(18, torch::kFloat).view({3, 3, 2})).sum().backward();
  // Each node receives the weight of its slot: row*6 + position*2 + channel.
  EXPECT_TRUE(torch::equal(
      x.grad(), torch::tensor({{0.f, 1.f}, {2.f, 3.f}, {12.f, 13.f},
                               {14.f, 15.f}, {16.f, 17.f}})));
}

TEST_F(GraphBatchTest, SumAndMeanPool) {
  // Row 0: (1, -2) + (3, -1); row 2: (-1, 6) + (2, 4) + (0, -3).
  EXPECT_TRUE(torch::equal(SumPool(values_, batch_),
                           torch::tensor({{4.f, -3.f}, {0.f, 0.f}, {1.f, 7.f}})));
  torch::Tensor x = values_.clone().requires_grad_();
  torch::Tensor mean = MeanPool(x, batch_);
  EXPECT_TRUE(torch::allclose(
      mean, torch::tensor({{2.f, -1.5f}, {0.f, 0.f}, {1.f / 3, 7.f / 3}})));
  mean.sum().backward();
  const float third = 1.f / 3;
  EXPECT_TRUE(torch::allclose(
      x.grad(), torch::tensor({{.5f, .5f}, {.5f, .5f}, {third, third},
                               {third, third}, {third, third}})));
}

TEST_F(GraphBatchTest, MaxPoolKeepsNegativeMaximaAndZeroForEmptyRows) {
  torch::Tensor x = values_.clone().requires_grad_();
  torch::Tensor max = MaxPool(x, batch_);
  EXPECT_TRUE(torch::equal(
      max, torch::tensor({{3.f, -1.f}, {0.f, 0.f}, {2.f, 6.f}})));
  max.sum().backward();
  // Only each (row, channel)'s argmax gets the gradient.
  EXPECT_TRUE(torch::equal(
      x.grad(), torch::tensor({{0.f, 0.f}, {1.f, 1.f}, {0.f, 1.f},
                               {1.f, 0.f}, {0.f, 0.f}})));
}

TEST(GraphBatchEmptyTest, AllRowsEmpty) {
  auto batch = BuildGraphBatch({GraphRow{}, GraphRow{}}, 1);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->max_nodes, 0);
  torch::Tensor none = torch::zeros({0, 4});
  EXPECT_EQ(ScatterToRows(none, *batch).sizes(), torch::IntArrayRef({2, 0, 4}));
  EXPECT_TRUE(torch::equal(MaxPool(none, *batch), torch::zeros({2, 4})));
  EXPECT_TRUE(torch::equal(MeanPool(none, *batch), torch::zeros({2, 4})));
}

}  // namespace
}  // namespace ledgfn
