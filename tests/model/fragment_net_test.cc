// Fragment-tree mode: the state reader (fragment_tree.h), the batch
// (fragment_batch.h) by hand, the dense action layout (fragment_actions.h),
// and the fragment PolicyNet and PotentialNet on a disjoint union against
// each tree alone.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tasks/molecule/fragment_tree.h"
#include "tasks/hypergrid/hypergrid_task.h"
#include "model/fragment_actions.h"
#include "model/fragment_batch.h"
#include "model/network_input.h"
#include "model/policy_net.h"
#include "model/potential_net.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

constexpr int kB = 4, kS = 3, kV = 3;
constexpr int kForward = kV + kB * kS * kV + 1;  // 40
constexpr int kBackward = kB * kS + 1;           // 13

// A fragment-tree task for the input layer and the networks only: its
// dynamics are never called (MoleculeTask is built elsewhere). Fragments
// 0, 1, 2 have 1, 2, 3 stems.
class FakeFragmentTask : public Task {
 public:
  FakeFragmentTask() { layout_ = {kB, kS, kV, {1, 2, 3}}; }
  const FragmentTreeLayout* fragment_tree_layout() const override {
    return &layout_;
  }
  std::string name() const override { return "fake_fragments"; }
  int state_size() const override { return layout_.state_size(); }
  int feature_size() const override { return 1; }
  int num_forward_actions() const override {
    return layout_.num_forward_actions();
  }
  int num_backward_actions() const override {
    return layout_.num_backward_actions();
  }
  bool has_stop_action() const override { return true; }
  int max_trajectory_length() const override { return kB + 1; }
  State InitialState() const override { return State(3 * kB, -1); }
  void ForwardMask(const State&, uint8_t*) const override {}
  void BackwardMask(const State&, uint8_t*) const override {}
  void Step(State&, int) const override {}
  bool IsTerminal(const State&) const override { return false; }
  int Level(const State&) const override { return 0; }
  void Features(const State&, float* out) const override { out[0] = 0; }
  double Energy(const State&) const override { return 0; }
  double PartialEnergy(const State&) const override { return 0; }
  bool IsMode(const State&) const override { return false; }
  bool exactly_enumerable() const override { return false; }
  TaskDefaults defaults() const override { return {}; }

 private:
  FragmentTreeLayout layout_;
};

// Hand-written states (slot: block, parent, stem).
// s0: no block.
const State kS0(3 * kB, -1);
// a: root 2 (stems 0..2); 1 on (0, 2); 0 on (1, 1).
const State kA{2, -1, -1, 1, 0, 2, 0, 1, 1, -1, -1, -1};
// a without its last block.
const State kA2{2, -1, -1, 1, 0, 2, -1, -1, -1, -1, -1, -1};
// b: root 1 alone.
const State kBState{1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
// c: root 2; 2 on (0, 0); 0 on (0, 1); 1 on (1, 2): all four slots.
const State kC{2, -1, -1, 2, 0, 0, 0, 0, 1, 1, 1, 2};
const State kC3{2, -1, -1, 2, 0, 0, 0, 0, 1, -1, -1, -1};

FragmentTree Read(const State& s) {
  FakeFragmentTask task;
  auto tree = ReadFragmentTree(*task.fragment_tree_layout(), s);
  EXPECT_TRUE(tree.ok()) << tree.status();
  return tree.ok() ? *std::move(tree) : FragmentTree{};
}

using Stems = std::vector<std::vector<uint8_t>>;

torch::Tensor Floats(std::vector<float> values, std::vector<int64_t> shape) {
  return torch::tensor(values).view(shape);
}

TEST(FragmentTreeTest, ReadsParentsAndFreeStems) {
  FragmentTree a = Read(kA);
  EXPECT_EQ(a.num_blocks, 3);
  EXPECT_EQ(a.block, (std::vector<int>{2, 1, 0, -1}));
  EXPECT_EQ(a.parent, (std::vector<int>{-1, 0, 1, -1}));
  EXPECT_EQ(a.parent_stem, (std::vector<int>{-1, 2, 1, -1}));
  // Root: stems 0, 1 free, 2 taken by slot 1. Slot 1 (2 stems) owns only
  // stem 1, taken by slot 2. Slot 2 (1 stem) owns none.
  EXPECT_EQ(a.free_stems, (Stems{{1, 1, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}}));

  FragmentTree c = Read(kC);
  EXPECT_EQ(c.num_blocks, 4);
  EXPECT_EQ(c.free_stems, (Stems{{0, 0, 1}, {0, 1, 0}, {0, 0, 0}, {0, 1, 0}}));

  FragmentTree s0 = Read(kS0);
  EXPECT_EQ(s0.num_blocks, 0);
  EXPECT_EQ(s0.block, (std::vector<int>(kB, -1)));
  EXPECT_EQ(s0.free_stems, (Stems(kB, std::vector<uint8_t>(kS, 0))));
}

TEST(FragmentTreeTest, RejectsStatesThatBreakTheLayout) {
  FakeFragmentTask task;
  const FragmentTreeLayout& layout = *task.fragment_tree_layout();
  const std::vector<std::pair<std::string, State>> bad = {
      {"size", State(3 * kB - 1, -1)},
      {"block out of range", {3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}},
      {"gap", {1, -1, -1, -1, -1, -1, 0, 0, 1, -1, -1, -1}},
      {"root with parent", {1, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1}},
      {"later parent", {2, -1, -1, 1, 2, 0, 0, 0, 1, -1, -1, -1}},
      {"stem taken twice", {2, -1, -1, 1, 0, 1, 0, 0, 1, -1, -1, -1}},
      // Slot 1's stem 0 is its own bond to the root.
      {"non-root stem 0", {2, -1, -1, 1, 0, 2, 0, 1, 0, -1, -1, -1}},
      // Fragment 0 has one stem.
      {"stem beyond fragment", {0, -1, -1, 1, 0, 1, -1, -1, -1, -1, -1, -1}},
      {"empty with parent", {1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1}},
  };
  for (const auto& [what, s] : bad) {
    EXPECT_EQ(ReadFragmentTree(layout, s).status().code(),
              absl::StatusCode::kInvalidArgument)
        << what;
  }
}

class FragmentNetTest : public ::testing::Test {
 protected:
  static constexpr int kHidden = 16;
  static constexpr int kLayers = 3;

  void SetUp() override { torch::manual_seed(5); }

  NetworkInput Input(std::vector<NetworkRow> rows, std::vector<int64_t> shape,
                     bool transitions) {
    auto input = BuildNetworkInput(task_, rows, std::move(shape), transitions);
    EXPECT_TRUE(input.ok()) << input.status();
    return input.ok() ? *std::move(input) : NetworkInput{};
  }
  NetworkRow Row(const State& s, const State* next = nullptr) {
    return NetworkRow{&task_, &s, next};
  }

  FakeFragmentTask task_;
};

TEST_F(FragmentNetTest, BatchOfOneTreeByHand) {
  NetworkInput input = Input({Row(kA)}, {}, /*transitions=*/false);
  ASSERT_TRUE(input.is_fragment());
  EXPECT_FALSE(input.is_graph());
  EXPECT_FALSE(input.features.defined());
  const FragmentBatch& f = input.fragments;
  EXPECT_EQ(f.num_rows, 1);
  EXPECT_EQ(f.max_blocks, kB);
  // [one-hot block (3), root, free stems (3)].
  EXPECT_TRUE(torch::equal(f.node_features,
                           Floats({0, 0, 1, 1, 1, 1, 0,  //
                                   0, 1, 0, 0, 0, 0, 0,  //
                                   1, 0, 0, 0, 0, 0, 0},
                                  {3, 7})))
      << f.node_features;
  EXPECT_TRUE(torch::equal(f.node_row, torch::tensor({0, 0, 0}, torch::kLong)));
  EXPECT_TRUE(torch::equal(f.node_slot, torch::tensor({0, 1, 2}, torch::kLong)));
  // Bonds 0 -(stem 2 | stem 0)- 1 and 1 -(stem 1 | stem 0)- 2, each both
  // ways, parent -> child first.
  EXPECT_TRUE(
      torch::equal(f.edge_source, torch::tensor({0, 1, 1, 2}, torch::kLong)));
  EXPECT_TRUE(
      torch::equal(f.edge_target, torch::tensor({1, 0, 2, 1}, torch::kLong)));
  // [stem at the source (3), stem at the target (3)].
  EXPECT_TRUE(torch::equal(f.edge_features,
                           Floats({0, 0, 1, 1, 0, 0,  //
                                   1, 0, 0, 0, 0, 1,  //
                                   0, 1, 0, 1, 0, 0,  //
                                   1, 0, 0, 0, 1, 0},
                                  {4, 6})))
      << f.edge_features;
}

TEST_F(FragmentNetTest, TransitionsFlagTheAddedBlockAndSkipEmptyRows) {
  NetworkInput input =
      Input({NetworkRow{}, Row(kS0, &kBState), Row(kA2, &kA), Row(kS0, &kS0)},
            {4}, /*transitions=*/true);
  ASSERT_TRUE(input.is_fragment());
  const FragmentBatch& f = input.fragments;
  EXPECT_EQ(f.num_rows, 4);
  // Row 1: b's root (added); row 2: a's three blocks, slot 2 added; rows 0
  // and 3 have none.
  EXPECT_TRUE(torch::equal(f.node_features,
                           Floats({0, 1, 0, 1, 1, 1, 0, 1,  //
                                   0, 0, 1, 1, 1, 1, 0, 0,  //
                                   0, 1, 0, 0, 0, 0, 0, 0,  //
                                   1, 0, 0, 0, 0, 0, 0, 1},
                                  {4, 8})))
      << f.node_features;
  EXPECT_TRUE(
      torch::equal(f.node_row, torch::tensor({1, 2, 2, 2}, torch::kLong)));
  EXPECT_TRUE(
      torch::equal(f.node_slot, torch::tensor({0, 0, 1, 2}, torch::kLong)));
  EXPECT_TRUE(
      torch::equal(f.edge_source, torch::tensor({1, 2, 2, 3}, torch::kLong)));
  EXPECT_TRUE(
      torch::equal(f.edge_target, torch::tensor({2, 1, 3, 2}, torch::kLong)));
}

TEST_F(FragmentNetTest, BuildRejectsOtherKindsAndBadStates) {
  HypergridTask grid(2, 3, 0.1, 0.5, 2.0);
  State g{0, 1};
  EXPECT_EQ(BuildNetworkInput(task_, {NetworkRow{&grid, &g}}, {1}, false)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  State bad = kA;
  bad[6] = 7;  // block out of range
  EXPECT_EQ(BuildNetworkInput(task_, {Row(bad)}, {1}, false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(FragmentNetTest, NodeAndRowOutputsLandAtTheirActionIndices) {
  // Rows: a (slots 0..2), s_0 (none), b (slot 0).
  NetworkInput input =
      Input({Row(kA), Row(kS0), Row(kBState)}, {3}, /*transitions=*/false);
  const FragmentTreeLayout& layout = *task_.fragment_tree_layout();
  const std::vector<std::pair<int, int>> nodes = {{0, 0}, {0, 1}, {0, 2},
                                                  {2, 0}};  // (row, slot)
  ASSERT_EQ(FragmentNodeOutputSize(layout), kS * kV + kS);
  ASSERT_EQ(FragmentRowOutputSize(layout), kV + 3);
  torch::Tensor node_out =
      torch::arange(1, 1 + 4 * (kS * kV + kS), torch::kFloat).view({4, -1});
  torch::Tensor row_out =
      -torch::arange(1, 1 + 3 * (kV + 3), torch::kFloat).view({3, -1});
  PolicyOutputs out =
      FragmentPolicyOutputs(node_out, row_out, input.fragments, layout, {3});
  ASSERT_EQ(out.forward_logits.sizes(), torch::IntArrayRef({3, kForward}));
  ASSERT_EQ(out.backward_logits.sizes(), torch::IntArrayRef({3, kBackward}));
  ASSERT_EQ(out.log_flow.sizes(), torch::IntArrayRef({3}));

  torch::Tensor forward = torch::zeros({3, kForward});
  torch::Tensor backward = torch::zeros({3, kBackward});
  for (int r = 0; r < 3; ++r) {
    for (int b = 0; b < kV; ++b) forward[r][b] = row_out[r][b];
    forward[r][kForward - 1] = row_out[r][kV];
    backward[r][kB * kS] = row_out[r][kV + 1];
  }
  for (size_t n = 0; n < nodes.size(); ++n) {
    const auto [r, p] = nodes[n];
    for (int j = 0; j < kS; ++j) {
      for (int b = 0; b < kV; ++b) {
        forward[r][kV + (p * kS + j) * kV + b] = node_out[n][j * kV + b];
      }
      backward[r][p * kS + j] = node_out[n][kS * kV + j];
    }
  }
  EXPECT_TRUE(torch::equal(out.forward_logits, forward)) << out.forward_logits;
  EXPECT_TRUE(torch::equal(out.backward_logits, backward));
  EXPECT_TRUE(torch::equal(out.log_flow, row_out.select(1, kV + 2)));

  // Perturbing node 2 (row 0, slot 2) moves exactly its stems' actions.
  torch::Tensor perturbed = node_out.clone();
  perturbed[2] += 0.5;
  PolicyOutputs moved =
      FragmentPolicyOutputs(perturbed, row_out, input.fragments, layout, {3});
  // (row, action) pairs that changed: row 0, V + (2 * S + j) * V + b.
  torch::Tensor changed_forward =
      (moved.forward_logits != out.forward_logits).nonzero();
  torch::Tensor changed_backward =
      (moved.backward_logits != out.backward_logits).nonzero();
  torch::Tensor attach =
      torch::arange(kV + 2 * kS * kV, kV + 3 * kS * kV, torch::kLong);
  EXPECT_TRUE(torch::equal(
      changed_forward, torch::stack({torch::zeros_like(attach), attach}, 1)))
      << changed_forward;
  EXPECT_TRUE(torch::equal(changed_backward,
                           torch::tensor({0, 6, 0, 7, 0, 8}, torch::kLong)
                               .view({3, 2})))
      << changed_backward;
}

TEST_F(FragmentNetTest, PolicyMatchesEachTreeAloneAndPadsEmptySlots) {
  PolicyNet net(PolicyNetOptionsFor(task_, kHidden, kLayers));
  EXPECT_TRUE(net->options().fragment_mode());
  EXPECT_EQ(net->options().num_forward_actions, kForward);
  EXPECT_EQ(net->options().num_backward_actions, kBackward);
  const std::vector<const State*> states = {&kA, &kS0, &kBState, &kC};
  std::vector<NetworkRow> rows;
  for (const State* s : states) rows.push_back(Row(*s));
  PolicyOutputs out = net->forward(Input(rows, {2, 2}, false));
  ASSERT_EQ(out.forward_logits.sizes(), torch::IntArrayRef({2, 2, kForward}));
  ASSERT_EQ(out.backward_logits.sizes(), torch::IntArrayRef({2, 2, kBackward}));
  ASSERT_EQ(out.log_flow.sizes(), torch::IntArrayRef({2, 2}));
  torch::Tensor forward = out.forward_logits.view({4, kForward});
  torch::Tensor backward = out.backward_logits.view({4, kBackward});
  torch::Tensor log_flow = out.log_flow.view({4});
  for (int r = 0; r < 4; ++r) {
    PolicyOutputs alone = net->forward(Input({Row(*states[r])}, {}, false));
    ASSERT_EQ(alone.forward_logits.sizes(), torch::IntArrayRef({kForward}));
    ASSERT_EQ(alone.log_flow.dim(), 0);
    EXPECT_TRUE(torch::allclose(forward[r], alone.forward_logits, 0, 1e-5))
        << "row " << r;
    EXPECT_TRUE(torch::allclose(backward[r], alone.backward_logits, 0, 1e-5));
    EXPECT_TRUE(torch::allclose(log_flow[r], alone.log_flow, 0, 1e-5));
  }
  // Actions on empty slots are exactly 0: s_0 has every slot empty, b all
  // but slot 0. Their first-fragment, stop and root-removal logits are not.
  const int64_t slot_width = kS * kV;
  EXPECT_TRUE(torch::equal(forward[1].narrow(0, kV, kB * slot_width),
                           torch::zeros({kB * slot_width})));
  EXPECT_TRUE(torch::equal(backward[1].narrow(0, 0, kB * kS),
                           torch::zeros({kB * kS})));
  EXPECT_TRUE(torch::equal(
      forward[2].narrow(0, kV + slot_width, (kB - 1) * slot_width),
      torch::zeros({(kB - 1) * slot_width})));
  EXPECT_TRUE(torch::equal(backward[2].narrow(0, kS, (kB - 1) * kS),
                           torch::zeros({(kB - 1) * kS})));
  EXPECT_NE(forward[2][kV].item<float>(), 0.0f);  // b's stem (0, 0)
}

TEST_F(FragmentNetTest, PotentialMatchesEachTransitionAlone) {
  PotentialNet net(PotentialNetOptionsFor(task_, kHidden, kLayers));
  const std::vector<std::pair<const State*, const State*>> transitions = {
      {&kA2, &kA}, {&kS0, &kBState}, {&kC3, &kC}};
  std::vector<NetworkRow> rows = {Row(kA2, &kA), Row(kS0, &kBState),
                                  NetworkRow{}, Row(kC3, &kC)};
  torch::Tensor phi = net->forward(Input(rows, {2, 2}, true));
  ASSERT_EQ(phi.sizes(), torch::IntArrayRef({2, 2}));
  const int row_of[] = {0, 1, 3};
  for (int i = 0; i < 3; ++i) {
    torch::Tensor alone = net->forward(
        Input({Row(*transitions[i].first, transitions[i].second)}, {}, true));
    ASSERT_EQ(alone.dim(), 0);
    EXPECT_TRUE(torch::allclose(phi.view({4})[row_of[i]], alone, 0, 1e-5))
        << "transition " << i;
  }
  // The padding row pools to 0: phi is the readout's bias.
  torch::Tensor bias = net->named_parameters()["readout.bias"];
  EXPECT_TRUE(torch::allclose(phi.view({4})[2], bias[0], 0, 1e-6));
  // The added-block flag matters: the same s' reached from another s.
  torch::Tensor other = net->forward(Input({Row(kS0, &kA)}, {}, true));
  EXPECT_GT((other - phi.view({4})[0]).abs().item<float>(), 1e-6);
}

// Every parameter but log Z gets a nonzero gradient from a batch of trees.
void ExpectGradientsEverywhere(torch::nn::Module& net,
                               const torch::Tensor& loss,
                               const torch::Tensor* skip) {
  loss.backward();
  for (const auto& item : net.named_parameters()) {
    if (skip != nullptr && item.value().is_same(*skip)) continue;
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    EXPECT_GT(item.value().grad().abs().sum().item<float>(), 0.0f)
        << item.key();
  }
}

TEST_F(FragmentNetTest, GradientsReachEveryParameter) {
  PolicyNet policy(PolicyNetOptionsFor(task_, kHidden, kLayers));
  PolicyOutputs out =
      policy->forward(Input({Row(kA), Row(kS0), Row(kC)}, {3}, false));
  torch::Tensor loss = (out.forward_logits * torch::randn({3, kForward})).sum() +
                       (out.backward_logits * torch::randn({3, kBackward})).sum() +
                       (out.log_flow * torch::randn({3})).sum();
  ExpectGradientsEverywhere(*policy, loss, &policy->log_z());
  EXPECT_EQ(policy->network_parameters().size(),
            policy->parameters().size() - 1);

  PotentialNet potential(PotentialNetOptionsFor(task_, kHidden, kLayers));
  torch::Tensor phi = potential->forward(
      Input({Row(kA2, &kA), Row(kC3, &kC), Row(kS0, &kBState)}, {3}, true));
  ExpectGradientsEverywhere(*potential, (phi * torch::randn({3})).sum(),
                            nullptr);
}

}  // namespace
}  // namespace ledgfn
