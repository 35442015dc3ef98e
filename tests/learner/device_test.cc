// What keeps the learner off the host on a GPU (learner/trainer.h) computes
// the same values as the plain CPU path: the on-device gradient clip against
// LibTorch's clip_grad_norm_, batches built in pinned memory against pageable
// ones, dropout masks drawn from host-side lengths, and one-copy flattening
// of published weights. Runs on LEDGFN_TEST_DEVICE (tests/test_device.h);
// the pinned-memory case needs CUDA and is skipped without it.
#include <random>
#include <vector>

#include "tasks/hypergrid/hypergrid_task.h"
#include "model/flat_weights.h"
#include "model/policy_net.h"
#include "gtest/gtest.h"
#include "learner/decomposition_loss.h"
#include "learner/grad_clip.h"
#include "learner/trajectory_batch.h"
#include "tests/test_device.h"

namespace ledgfn {
namespace {

// Three parameters on the test device with fixed gradients of total 2-norm
// about 12.4, and one without a gradient.
std::vector<torch::Tensor> ParamsWithGradients() {
  torch::manual_seed(11);
  std::vector<torch::Tensor> params;
  for (auto shape : {std::vector<int64_t>{4, 3}, {3}, {2, 2}, {5}}) {
    params.push_back(torch::randn(shape).to(TestDevice()).requires_grad_());
  }
  for (int i = 0; i < 3; ++i) {
    params[i].mutable_grad() = (3 * torch::randn(params[i].sizes())).to(TestDevice());
  }
  return params;
}

std::vector<torch::Tensor> Grads(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) {
    if (p.grad().defined()) out.push_back(p.grad().clone());
  }
  return out;
}

TEST(GradClipTest, EqualsLibTorchClipGradNorm) {
  for (double max_norm : {0.5, 10.0, 1000.0}) {  // clips, clips, leaves alone
    auto ours = ParamsWithGradients();
    auto theirs = ParamsWithGradients();
    const auto before = Grads(ours);
    ClipGradNorm(ours, max_norm);
    torch::nn::utils::clip_grad_norm_(theirs, max_norm);
    const auto a = Grads(ours), b = Grads(theirs);
    ASSERT_EQ(a.size(), 3u);
    double norm_sq = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_TRUE(torch::equal(a[i], b[i])) << "max_norm " << max_norm << ", tensor " << i;
      norm_sq += a[i].square().sum().item<double>();
    }
    EXPECT_FALSE(ours[3].grad().defined());
    if (max_norm < 12) {
      EXPECT_NEAR(std::sqrt(norm_sq), max_norm, 1e-4 * max_norm);
    } else {
      for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], before[i]));
    }
  }
}

// Hypergrid D=2, H=4 (actions +x, +y, stop): three trajectories of lengths
// 4, 1 and 6 (T' = 3, 0, 5).
class DeviceBatchTest : public ::testing::Test {
 protected:
  DeviceBatchTest() : task_(2, 4, 0.1, 0.5, 2.0) {
    a_.actions = {0, 1, 1, 2};
    b_.actions = {2};
    c_.actions = {0, 0, 1, 1, 0, 2};
    for (Trajectory* t : {&a_, &b_, &c_}) {
      t->energy = 0.25 * static_cast<double>(t->actions.size());
      State s = task_.InitialState();
      t->partial_energies.push_back(task_.PartialEnergy(s));
      for (int a : t->actions) {
        if (a == task_.stop_action()) break;
        task_.Step(s, a);
        t->partial_energies.push_back(task_.PartialEnergy(s));
      }
    }
  }
  absl::StatusOr<TrajectoryBatch> Build(bool pinned) {
    return BuildTrajectoryBatch(task_, {&a_, &b_, &c_}, true, pinned);
  }
  static std::vector<torch::Tensor> Tensors(const TrajectoryBatch& b) {
    return {b.states.features, b.transitions.features, b.forward_mask, b.backward_mask, b.actions,
            b.backward_actions, b.transition_mask, b.nonstop_mask, b.lengths,
            b.nonstop_lengths, b.energy,       b.partial_energy,  b.uniform_log_pb};
  }

  HypergridTask task_;
  Trajectory a_, b_, c_;
};

TEST_F(DeviceBatchTest, HostLengthsEqualTheTensor) {
  TrajectoryBatch batch = *Build(false);
  EXPECT_EQ(batch.host_nonstop_lengths, (std::vector<int64_t>{3, 0, 5}));
  for (int b = 0; b < 3; ++b) {
    EXPECT_EQ(batch.nonstop_lengths[b].item<int64_t>(), batch.host_nonstop_lengths[b]);
  }
}

TEST_F(DeviceBatchTest, OnTheDeviceHoldsTheSameValues) {
  const TrajectoryBatch cpu = *Build(false);
  const TrajectoryBatch moved = cpu.To(TestDevice());
  EXPECT_EQ(moved.host_nonstop_lengths, cpu.host_nonstop_lengths);
  const auto a = Tensors(cpu), b = Tensors(moved);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(b[i].device(), TestDevice()) << i;
    EXPECT_TRUE(torch::equal(a[i], b[i].to(torch::kCPU))) << i;
  }
}

TEST_F(DeviceBatchTest, PinnedBatchEqualsPageableOne) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "pinned memory needs CUDA";
  const TrajectoryBatch pageable = *Build(false);
  const TrajectoryBatch pinned = *Build(true);
  const auto a = Tensors(pageable), b = Tensors(pinned);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(b[i].is_pinned()) << i;
    EXPECT_TRUE(torch::equal(a[i], b[i])) << i;
  }
  const auto on_gpu = Tensors(pinned.To(torch::kCUDA));
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i], on_gpu[i].to(torch::kCPU))) << i;
  }
}

TEST_F(DeviceBatchTest, KeepMaskIsTheSameDrawOnAnyDevice) {
  const TrajectoryBatch cpu = *Build(false);
  const TrajectoryBatch moved = cpu.To(TestDevice());
  std::mt19937_64 rng_cpu(5), rng_device(5);
  for (int i = 0; i < 10; ++i) {
    torch::Tensor expected = DrawKeepMask(cpu, 0.4, rng_cpu);
    torch::Tensor keep = DrawKeepMask(moved, 0.4, rng_device);
    EXPECT_EQ(keep.device(), TestDevice());
    EXPECT_TRUE(torch::equal(keep.to(torch::kCPU), expected));
  }
}

TEST(FlatWeightsTest, OneVectorInParameterOrderAndBack) {
  torch::manual_seed(2);
  PolicyNet net(PolicyNetOptions{6, 3, 2, 8, 2});
  net->to(TestDevice());
  std::vector<float> expected;
  for (const auto& p : net->parameters()) {
    torch::Tensor cpu = p.detach().to(torch::kCPU).contiguous();
    expected.insert(expected.end(), cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
  }
  const std::vector<float> flat = FlattenParameters(*net);
  EXPECT_EQ(flat, expected);

  torch::manual_seed(3);
  PolicyNet other(PolicyNetOptions{6, 3, 2, 8, 2});
  other->to(TestDevice());
  ASSERT_TRUE(LoadFlatParameters(*other, flat).ok());
  EXPECT_EQ(FlattenParameters(*other), flat);
  EXPECT_EQ(LoadFlatParameters(*other, std::vector<float>(3)).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ledgfn
