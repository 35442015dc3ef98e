// The vector (MLP) mode of PolicyNet and PotentialNet is unchanged by the
// graph mode: same modules, registration order and seeded initial weights as
// before graph networks existed (reference runs depend on them). The expected
// values were recorded from the code before the graph mode was added.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "model/network_input.h"
#include "model/policy_net.h"
#include "model/potential_net.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

std::vector<std::string> Names(torch::nn::Module& module) {
  std::vector<std::string> names;
  for (const auto& item : module.named_parameters()) names.push_back(item.key());
  return names;
}

void ExpectPrefix(const torch::Tensor& t, const std::vector<float>& expected) {
  torch::Tensor flat = t.flatten();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_FLOAT_EQ(flat[i].item<float>(), expected[i]) << "entry " << i;
  }
}

TEST(VectorNetsTest, PolicyNetRegistrationAndInitialWeightsUnchanged) {
  torch::manual_seed(0);
  PolicyNet net(PolicyNetOptions{/*feature_size=*/5, /*num_forward_actions=*/3,
                                 /*num_backward_actions=*/2, /*hidden=*/4,
                                 /*layers=*/2});
  EXPECT_EQ(Names(*net),
            (std::vector<std::string>{"log_z", "trunk.0.weight", "trunk.0.bias",
                                      "trunk.2.weight", "trunk.2.bias",
                                      "head.weight", "head.bias"}));
  auto params = net->named_parameters();
  ExpectPrefix(params["trunk.0.weight"],
               {-0.0033482078f, 0.239904866f, -0.36807698f, -0.329121947f,
                -0.172246262f, 0.119923614f});
  ExpectPrefix(params["head.bias"],
               {0.310188293f, 0.480097055f, -0.385311782f, -0.18323487f,
                0.196504951f, 0.414274693f});
  EXPECT_EQ(net->log_z().item<float>(), 0.0f);
  // Everything but log Z, in registration order.
  EXPECT_EQ(net->network_parameters().size(), 6u);
  EXPECT_TRUE(net->network_parameters()[0].is_same(params["trunk.0.weight"]));

  torch::manual_seed(1);
  torch::Tensor x = torch::randn({3, 10}).narrow(1, 0, 5);
  PolicyOutputs out = net->forward(x);
  EXPECT_FLOAT_EQ(out.forward_logits[0][0].item<float>(), 0.249908f);
  EXPECT_FLOAT_EQ(out.backward_logits[1][1].item<float>(), 0.183002785f);
  EXPECT_FLOAT_EQ(out.log_flow[2].item<float>(), 0.423516572f);
  // The NetworkInput overload dispatches to the same computation.
  PolicyOutputs same = net->forward(NetworkInput{x, {}, {3}, {}});
  EXPECT_TRUE(torch::equal(same.forward_logits, out.forward_logits));
  EXPECT_TRUE(torch::equal(same.log_flow, out.log_flow));
}

TEST(VectorNetsTest, PotentialNetRegistrationAndInitialWeightsUnchanged) {
  torch::manual_seed(0);
  PotentialNet net(PotentialNetOptions{/*feature_size=*/5, /*hidden=*/4,
                                       /*layers=*/2});
  EXPECT_EQ(Names(*net),
            (std::vector<std::string>{
                "mlp.layers.0.weight", "mlp.layers.0.bias",
                "mlp.layers.2.weight", "mlp.layers.2.bias",
                "mlp.layers.4.weight", "mlp.layers.4.bias"}));
  auto params = net->named_parameters();
  ExpectPrefix(params["mlp.layers.0.weight"],
               {-0.0023675405f, 0.169638351f, -0.260269731f, -0.232724354f,
                -0.121796504f, 0.0847988054f});
  ExpectPrefix(params["mlp.layers.4.bias"], {0.310188293f});

  // The transition features are s then s', concatenated by the caller.
  torch::manual_seed(1);
  torch::Tensor x = torch::randn({3, 10});
  torch::Tensor phi = net->forward(NetworkInput{x, {}, {3}, {}});
  ASSERT_EQ(phi.sizes(), torch::IntArrayRef({3}));
  EXPECT_FLOAT_EQ(phi[0].item<float>(), 0.344409823f);
  EXPECT_FLOAT_EQ(phi[1].item<float>(), 0.419912577f);
  EXPECT_FLOAT_EQ(phi[2].item<float>(), 0.388788819f);
}

}  // namespace
}  // namespace ledgfn
