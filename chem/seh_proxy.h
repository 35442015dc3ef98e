// The sEH proxy of the original GFlowNet molecule experiments: the atom-graph
// MPNN `MPNNet_v2` (version 'v2') in LibTorch, evaluated in float64 with the
// published float32 weights, as the original ran it.
//
// Architecture (LeakyReLU slope 0.01 everywhere, no dropout):
//   out = act(lin0(x)); h = out
//   12 times: m = act(NNConv(out)); out = h = GRUCell(m, h)
//   score = lin3(Set2Set(out, 3 steps))
// NNConv (PyG, aggr='mean'): edge weights W_e = nn(edge_attr) viewed
// [64 in, 64 out] with nn = Linear(4,128) -> act -> Linear(128,4096); the
// message from j to i is x_j W_e, averaged over i's incoming edges (0 when
// none), plus the root term x W_root^T and conv.bias. lin1/lin2 (the
// per-stem head) are loaded and checked but unused for the score.
//
// Contract: LoadSehProxy checks every array of the .json index against the
// model (name, shape, float32-le dtype, byte range inside the .bin) and that
// every parameter is loaded exactly once; errors are INVALID_ARGUMENT naming
// the file and the array. forward() reads the parameters only (no module
// state changes), so concurrent calls under torch::NoGradGuard are safe.
#ifndef LEDGFN_CHEM_SEH_PROXY_H_
#define LEDGFN_CHEM_SEH_PROXY_H_

#include <string>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "chem/proxy_batch.h"

namespace ledgfn {

// PyG NNConv with mean aggregation and a 2-layer edge network.
class SehNNConvImpl : public torch::nn::Module {
 public:
  SehNNConvImpl(int64_t dim, int64_t edge_features, int64_t hidden);
  // The edge weight matrices, once per distinct edge feature vector
  // (computed once per forward: they depend on the edge features only).
  struct EdgeWeights {
    torch::Tensor stacked;     // [dim in, U * dim out], block u = W_u
    torch::Tensor kind;        // [E] int64: the u of each edge
    int64_t num_distinct = 0;  // U
  };
  EdgeWeights ComputeEdgeWeights(const torch::Tensor& edge_features) const;
  torch::Tensor forward(const torch::Tensor& x, const ProxyBatch& batch,
                        const EdgeWeights& edge_weights) const;

 private:
  int64_t dim_;
  torch::nn::Linear edge_in_{nullptr}, edge_out_{nullptr};  // nn.0, nn.2
  torch::nn::Linear lin_{nullptr};  // the root weight, x W^T
  torch::Tensor bias_;
};
TORCH_MODULE(SehNNConv);

// A single-layer recurrent cell's parameters under torch's RNN names
// (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0), gates stacked as
// torch does.
class RecurrentWeightsImpl : public torch::nn::Module {
 public:
  RecurrentWeightsImpl(int64_t input, int64_t hidden, int64_t gates);
  torch::Tensor w_ih, w_hh, b_ih, b_hh;
};
TORCH_MODULE(RecurrentWeights);

// PyG Set2Set over the atoms of each molecule: q* = 0, LSTM state 0; each
// step (h, c) = LSTMCell(q*, (h, c)), attention a = softmax within the
// molecule of <x_i, h>, r = sum a_i x_i, q* = [h, r]. Returns q* [B, 2 dim].
class SehSet2SetImpl : public torch::nn::Module {
 public:
  SehSet2SetImpl(int64_t dim, int64_t steps);
  torch::Tensor forward(const torch::Tensor& x, const ProxyBatch& batch) const;

 private:
  int64_t dim_, steps_;
  RecurrentWeights lstm_{nullptr};
};
TORCH_MODULE(SehSet2Set);

class SehProxyImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kDim = 64;
  static constexpr int64_t kConvSteps = 12;
  static constexpr int64_t kSet2SetSteps = 3;
  static constexpr int64_t kNumBlocks = 105;  // lin2's outputs (unused)

  SehProxyImpl();
  // The proxy score of each molecule of the batch: [num_molecules] float64.
  torch::Tensor forward(const ProxyBatch& batch) const;

 private:
  torch::nn::Linear lin0_{nullptr}, lin1_{nullptr}, lin2_{nullptr},
      lin3_{nullptr};
  SehNNConv conv_{nullptr};
  RecurrentWeights gru_{nullptr};
  SehSet2Set set2set_{nullptr};
};
TORCH_MODULE(SehProxy);

// The proxy in eval mode, float64, weights from the float32-le `bin_path`
// indexed by `json_path` (names "mpnn.<parameter>").
absl::StatusOr<SehProxy> LoadSehProxy(const std::string& bin_path,
                                      const std::string& json_path);

}  // namespace ledgfn

#endif  // LEDGFN_CHEM_SEH_PROXY_H_
