// BuildNetworkInput for vector and graph tasks: layout, padding rows and
// validation.
#include "model/network_input.h"

#include <torch/torch.h>

#include <utility>
#include <vector>

#include "tasks/graph_states.h"
#include "tasks/hypergrid/hypergrid_task.h"
#include "tasks/mis/graph.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

// A graph task for the input layer only: a 3-dimensional hypergrid of side 3
// whose coordinates are read as the labels (0..2) of a 3-node path. (MisTask
// is built elsewhere; BuildNetworkInput only needs graph_states(), labels and
// state_size().)
class PathLabelTask : public HypergridTask, public GraphStates {
 public:
  PathLabelTask()
      : HypergridTask(3, 3, 0.1, 0.5, 2.0),
        graph_(*Graph::FromEdges(3, {{0, 1}, {1, 2}})) {}
  const GraphStates* graph_states() const override { return this; }
  const Graph& graph() const override { return graph_; }
  int num_node_labels() const override { return 3; }

 private:
  Graph graph_;
};

torch::Tensor Floats(std::vector<float> values, std::vector<int64_t> shape) {
  return torch::tensor(values).view(shape);
}

class NetworkInputTest : public ::testing::Test {
 protected:
  // Hypergrid 2 x 3: one-hot per axis, 6 features.
  HypergridTask grid_{2, 3, 0.1, 0.5, 2.0};
  PathLabelTask path_;
  State a_{0, 1}, b_{1, 1}, c_{2, 0};
};

TEST_F(NetworkInputTest, VectorStatesWithPaddingRows) {
  auto input = BuildNetworkInput(
      grid_, {NetworkRow{&grid_, &a_}, NetworkRow{}, NetworkRow{&grid_, &c_},
              NetworkRow{}},
      {2, 2}, /*transitions=*/false);
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_FALSE(input->is_graph());
  EXPECT_EQ(input->shape, (std::vector<int64_t>{2, 2}));
  EXPECT_TRUE(torch::equal(
      input->features,
      Floats({1, 0, 0, 0, 1, 0, /**/ 0, 0, 0, 0, 0, 0,
              /**/ 0, 0, 1, 1, 0, 0, /**/ 0, 0, 0, 0, 0, 0},
             {2, 2, 6})));
}

TEST_F(NetworkInputTest, VectorTransitionsConcatenateStateThenNext) {
  auto input = BuildNetworkInput(
      grid_, {NetworkRow{&grid_, &a_, &b_}, NetworkRow{}}, {2},
      /*transitions=*/true);
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_TRUE(torch::equal(
      input->features,
      Floats({1, 0, 0, 0, 1, 0, /**/ 0, 1, 0, 0, 1, 0,
              /**/ 0, 0, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0},
             {2, 12})));
}

TEST_F(NetworkInputTest, GraphRowsBecomeOneUnion) {
  State s{2, 2, 2}, t{1, 0, 2};
  auto input = BuildNetworkInput(
      path_, {NetworkRow{}, NetworkRow{&path_, &s, &t}, NetworkRow{&path_, &t, &s}},
      {3}, /*transitions=*/true);
  ASSERT_TRUE(input.ok()) << input.status();
  ASSERT_TRUE(input->is_graph());
  EXPECT_FALSE(input->features.defined());
  const GraphBatch& g = input->graph;
  EXPECT_EQ(g.num_rows, 3);
  EXPECT_EQ(g.max_nodes, 3);
  EXPECT_TRUE(torch::equal(g.node_row,
                           torch::tensor({1, 1, 1, 2, 2, 2}, torch::kLong)));
  EXPECT_TRUE(torch::equal(
      g.node_labels, torch::tensor({2, 1, 2, 0, 2, 2, 1, 2, 0, 2, 2, 2},
                                   torch::kLong)
                         .view({6, 2})));
  EXPECT_EQ(g.edge_source.size(0), 8);

  auto states = BuildNetworkInput(path_, {NetworkRow{&path_, &s}}, {},
                                  /*transitions=*/false);
  ASSERT_TRUE(states.ok()) << states.status();
  EXPECT_EQ(states->graph.node_labels.size(1), 1);
}

TEST_F(NetworkInputTest, RejectsMismatches) {
  auto code = [](const absl::StatusOr<NetworkInput>& r) {
    return r.status().code();
  };
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
  // Shape product differs from the row count.
  EXPECT_EQ(code(BuildNetworkInput(grid_, {NetworkRow{&grid_, &a_}}, {2}, false)),
            kInvalid);
  // A graph row among vector rows, and the reverse.
  State s{0, 1, 2};
  EXPECT_EQ(code(BuildNetworkInput(grid_, {NetworkRow{&path_, &s}}, {1}, false)),
            kInvalid);
  EXPECT_EQ(code(BuildNetworkInput(path_, {NetworkRow{&grid_, &a_}}, {1}, false)),
            kInvalid);
  // Another feature size.
  HypergridTask bigger(2, 4, 0.1, 0.5, 2.0);
  State d{3, 0};
  EXPECT_EQ(code(BuildNetworkInput(grid_, {NetworkRow{&bigger, &d}}, {1}, false)),
            kInvalid);
  // Transitions without a next state.
  EXPECT_EQ(code(BuildNetworkInput(grid_, {NetworkRow{&grid_, &a_}}, {1}, true)),
            kInvalid);
  // Label vectors of the wrong length, labels out of range.
  State short_labels{0, 1}, bad_label{0, 3, 1};
  EXPECT_EQ(code(BuildNetworkInput(path_, {NetworkRow{&path_, &short_labels}},
                                   {1}, false)),
            kInvalid);
  EXPECT_EQ(code(BuildNetworkInput(path_, {NetworkRow{&path_, &bad_label}}, {1},
                                   false)),
            kInvalid);
  // Neighbour features of a row whose task cannot be stepped back.
  class Frozen : public HypergridTask {
   public:
    Frozen() : HypergridTask(2, 3, 0.1, 0.5, 2.0) {}
    const BackwardDynamics* backward_dynamics() const override {
      return nullptr;
    }
  } frozen;
  EXPECT_TRUE(BuildNetworkInput(grid_, {NetworkRow{&grid_, &a_}}, {1}, false,
                                /*pinned=*/false, /*neighbours=*/true)
                  .ok());
  EXPECT_EQ(code(BuildNetworkInput(grid_, {NetworkRow{&frozen, &a_}}, {1}, false,
                                   /*pinned=*/false, /*neighbours=*/true)),
            kInvalid);
}

}  // namespace
}  // namespace ledgfn
