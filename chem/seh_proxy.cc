#include "chem/seh_proxy.h"

#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace ledgfn {
namespace {

constexpr double kLeakySlope = 0.01;

torch::Tensor Act(const torch::Tensor& x) {
  return torch::leaky_relu(x, kLeakySlope);
}

// Module forwards are not const; the parameters are all a linear map needs.
torch::Tensor Apply(const torch::nn::Linear& linear, const torch::Tensor& x) {
  return torch::linear(x, linear->weight, linear->bias);
}

// Per-molecule sums of the rows of `values` [N, D]: [B, D].
torch::Tensor SumPerMolecule(const torch::Tensor& values,
                             const ProxyBatch& batch) {
  return torch::zeros({batch.num_molecules, values.size(1)}, values.options())
      .index_add_(0, batch.molecule_of_atom, values);
}

// Softmax of `scores` [N] within each molecule (PyG softmax). PyG shifts
// each molecule's scores by their maximum and adds 1e-16 to the sum; we
// shift by the batch maximum (softmax is shift-invariant, and LibTorch's
// per-group max, scatter_reduce, is a beta API that warns) and add nothing.
// Only a molecule whose scores all sit ~700 below the batch maximum could
// underflow in double; the scores are dot products of the atoms' GRU
// states with the LSTM query (entries in [-1, 1]), orders of magnitude from
// that. The two agree to ~1e-16 relative (reference test: 3e-14).
torch::Tensor SoftmaxPerMolecule(const torch::Tensor& scores,
                                 const ProxyBatch& batch) {
  const torch::Tensor exp = (scores - scores.max()).exp();
  const torch::Tensor sum =
      torch::zeros({batch.num_molecules}, scores.options())
          .index_add_(0, batch.molecule_of_atom, exp);
  return exp / sum.index_select(0, batch.molecule_of_atom);
}

}  // namespace

SehNNConvImpl::SehNNConvImpl(int64_t dim, int64_t edge_features, int64_t hidden)
    : dim_(dim) {
  edge_in_ = torch::nn::Linear(edge_features, hidden);
  edge_out_ = torch::nn::Linear(hidden, dim * dim);
  // Registered as one Sequential for the original names nn.0 and nn.2.
  register_module(
      "nn", torch::nn::Sequential(
                edge_in_,
                torch::nn::LeakyReLU(
                    torch::nn::LeakyReLUOptions().negative_slope(kLeakySlope)),
                edge_out_));
  lin_ = register_module(
      "lin", torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(false)));
  bias_ = register_parameter("bias", torch::zeros({dim}));
}

SehNNConvImpl::EdgeWeights SehNNConvImpl::ComputeEdgeWeights(
    const torch::Tensor& edge_features) const {
  // Edge features take few distinct values (bond types): the edge network
  // runs on those only, and messages are gathered from x W for each.
  const auto [distinct, inverse, counts] = torch::unique_dim(
      edge_features, 0, /*sorted=*/true, /*return_inverse=*/true);
  const torch::Tensor weights = Apply(edge_out_, Act(Apply(edge_in_, distinct)));
  EdgeWeights edge_weights;
  edge_weights.num_distinct = distinct.size(0);
  // [in, U * out]: column block u is the distinct weight u.
  edge_weights.stacked = weights.view({-1, dim_, dim_})
                             .permute({1, 0, 2})
                             .reshape({dim_, -1});
  edge_weights.kind = inverse;
  return edge_weights;
}

torch::Tensor SehNNConvImpl::forward(const torch::Tensor& x,
                                     const ProxyBatch& batch,
                                     const EdgeWeights& edge_weights) const {
  const int64_t num_atoms = x.size(0);
  // Row a * U + u of x_by_kind is x_a W_u; edge e takes row source * U + kind.
  const torch::Tensor x_by_kind =
      x.matmul(edge_weights.stacked).view({-1, dim_});
  const torch::Tensor messages = x_by_kind.index_select(
      0, batch.edge_source * edge_weights.num_distinct + edge_weights.kind);
  const torch::Tensor sum = torch::zeros({num_atoms, dim_}, x.options())
                                .index_add_(0, batch.edge_target, messages);
  const torch::Tensor count =
      torch::zeros({num_atoms}, x.options())
          .index_add_(0, batch.edge_target,
                      torch::ones({batch.edge_target.size(0)}, x.options()));
  const torch::Tensor mean = sum / count.clamp_min(1).unsqueeze(1);
  // The root weight conv.lin.weight is a Linear weight [out, in] (x W^T, the
  // newer PyG layout): it reproduces the original scores to ~1e-14, while
  // the old `root` reading [in, out] (x W) misses them by up to ~1.
  return mean + torch::linear(x, lin_->weight) + bias_;
}

RecurrentWeightsImpl::RecurrentWeightsImpl(int64_t input, int64_t hidden,
                                           int64_t gates) {
  w_ih = register_parameter("weight_ih_l0", torch::zeros({gates * hidden, input}));
  w_hh = register_parameter("weight_hh_l0", torch::zeros({gates * hidden, hidden}));
  b_ih = register_parameter("bias_ih_l0", torch::zeros({gates * hidden}));
  b_hh = register_parameter("bias_hh_l0", torch::zeros({gates * hidden}));
}

SehSet2SetImpl::SehSet2SetImpl(int64_t dim, int64_t steps)
    : dim_(dim), steps_(steps) {
  lstm_ = register_module("lstm", RecurrentWeights(2 * dim, dim, /*gates=*/4));
}

torch::Tensor SehSet2SetImpl::forward(const torch::Tensor& x,
                                      const ProxyBatch& batch) const {
  const int64_t b = batch.num_molecules;
  torch::Tensor q_star = torch::zeros({b, 2 * dim_}, x.options());
  torch::Tensor h = torch::zeros({b, dim_}, x.options());
  torch::Tensor c = torch::zeros({b, dim_}, x.options());
  for (int64_t step = 0; step < steps_; ++step) {
    std::tie(h, c) = torch::lstm_cell(q_star, {h, c}, lstm_->w_ih, lstm_->w_hh,
                                      lstm_->b_ih, lstm_->b_hh);
    const torch::Tensor e =
        (x * h.index_select(0, batch.molecule_of_atom)).sum(-1);
    const torch::Tensor a = SoftmaxPerMolecule(e, batch);
    const torch::Tensor r = SumPerMolecule(a.unsqueeze(1) * x, batch);
    q_star = torch::cat({h, r}, -1);
  }
  return q_star;
}

SehProxyImpl::SehProxyImpl() {
  lin0_ = register_module("lin0", torch::nn::Linear(kAtomFeatures, kDim));
  conv_ = register_module("conv", SehNNConv(kDim, kEdgeFeatures, 128));
  gru_ = register_module("gru", RecurrentWeights(kDim, kDim, /*gates=*/3));
  lin1_ = register_module("lin1", torch::nn::Linear(kDim, 8 * kDim));
  lin2_ = register_module("lin2", torch::nn::Linear(8 * kDim, kNumBlocks));
  set2set_ = register_module("set2set", SehSet2Set(kDim, kSet2SetSteps));
  lin3_ = register_module("lin3", torch::nn::Linear(2 * kDim, 1));
}

torch::Tensor SehProxyImpl::forward(const ProxyBatch& batch) const {
  torch::Tensor out = Act(Apply(lin0_, batch.atom_features));
  torch::Tensor h = out;
  const SehNNConvImpl::EdgeWeights edge_weights =
      conv_->ComputeEdgeWeights(batch.edge_features);
  for (int64_t step = 0; step < kConvSteps; ++step) {
    const torch::Tensor m = Act(conv_->forward(out, batch, edge_weights));
    h = torch::gru_cell(m, h, gru_->w_ih, gru_->w_hh, gru_->b_ih, gru_->b_hh);
    out = h;
  }
  return Apply(lin3_, set2set_->forward(out, batch)).squeeze(1);
}

namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat("cannot open ", path));
  }
  std::stringstream data;
  data << in.rdbuf();
  return data.str();
}

using Json = nlohmann::json;

// Copies one array of the index into its parameter, after every check.
absl::Status LoadArray(const Json& array, const std::string& bin,
                       const std::string& bin_path,
                       const std::string& json_path,
                       std::map<std::string, torch::Tensor>& parameters,
                       std::set<std::string>& loaded) {
  if (!array.is_object() || !array.contains("name") ||
      !array["name"].is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(json_path, ": an array without a name: ", array.dump()));
  }
  const std::string name = array["name"].get<std::string>();
  const auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat(json_path, ": array ", name, ": ", what));
  };
  if (!absl::StartsWith(name, "mpnn.")) return error("not under mpnn.");
  const auto it = parameters.find(name.substr(5));
  if (it == parameters.end()) return error("no such parameter in the proxy");
  if (!loaded.insert(name).second) return error("given twice");
  if (array.value("dtype", "") != "float32-le") {
    return error("dtype must be float32-le");
  }
  torch::Tensor& parameter = it->second;
  std::vector<int64_t> shape;
  if (!array.contains("shape") || !array["shape"].is_array()) {
    return error("no shape");
  }
  for (const Json& d : array["shape"]) {
    if (!d.is_number_integer()) return error("bad shape " + array["shape"].dump());
    shape.push_back(d.get<int64_t>());
  }
  if (shape != parameter.sizes().vec()) {
    return error(absl::StrCat("shape ", array["shape"].dump(), ", the proxy needs [",
                              absl::StrJoin(parameter.sizes().vec(), ","), "]"));
  }
  if (!array.contains("offset") || !array["offset"].is_number_unsigned() ||
      !array.contains("nbytes") || !array["nbytes"].is_number_unsigned()) {
    return error("offset and nbytes must be non-negative integers");
  }
  const uint64_t offset = array["offset"].get<uint64_t>();
  const uint64_t nbytes = array["nbytes"].get<uint64_t>();
  if (nbytes != static_cast<uint64_t>(parameter.numel()) * sizeof(float)) {
    return error(absl::StrCat("nbytes ", nbytes, " for ", parameter.numel(),
                              " float32 values"));
  }
  if (offset > bin.size() || nbytes > bin.size() - offset) {
    return error(absl::StrCat("bytes [", offset, ", ", offset + nbytes,
                              ") outside ", bin_path, " (", bin.size(),
                              " bytes)"));
  }
  std::vector<float> values(parameter.numel());
  std::memcpy(values.data(), bin.data() + offset, nbytes);  // little-endian host
  parameter.copy_(torch::from_blob(values.data(), parameter.sizes(), torch::kFloat32)
                      .to(torch::kFloat64));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SehProxy> LoadSehProxy(const std::string& bin_path,
                                      const std::string& json_path) {
  absl::StatusOr<std::string> bin = ReadFile(bin_path);
  if (!bin.ok()) return bin.status();
  absl::StatusOr<std::string> text = ReadFile(json_path);
  if (!text.ok()) return text.status();
  const Json index = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (index.is_discarded() || !index.is_object() || !index.contains("arrays") ||
      !index["arrays"].is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(json_path, ": not a JSON object with an \"arrays\" list"));
  }
  try {
    SehProxy proxy;
    proxy->to(torch::kFloat64);
    proxy->eval();
    torch::NoGradGuard no_grad;
    std::map<std::string, torch::Tensor> parameters;
    for (const auto& item : proxy->named_parameters()) {
      parameters[item.key()] = item.value();
    }
    std::set<std::string> loaded;
    for (const Json& array : index["arrays"]) {
      absl::Status status =
          LoadArray(array, *bin, bin_path, json_path, parameters, loaded);
      if (!status.ok()) return status;
    }
    for (const auto& [name, parameter] : parameters) {
      if (!loaded.count("mpnn." + name)) {
        return absl::InvalidArgumentError(
            absl::StrCat(json_path, ": array mpnn.", name, " is missing"));
      }
    }
    return proxy;
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("loading the sEH proxy failed: ", e.what()));
  }
}

}  // namespace ledgfn
