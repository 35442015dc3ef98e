#include "learner/policy_loss.h"

#include "model/masking.h"
#include "learner/balance_loss.h"

namespace ledgfn {

torch::Tensor TransitionLogRatios(const PolicyOutputs& outputs,
                                  const TrajectoryBatch& batch,
                                  bool uniform_backward) {
  const int64_t L = batch.max_length;
  torch::Tensor log_pf_all =
      MaskedLogSoftmax(outputs.forward_logits, batch.forward_mask);
  torch::Tensor log_pf = log_pf_all.narrow(1, 0, L)
                             .gather(2, batch.actions.unsqueeze(2))
                             .squeeze(2);
  torch::Tensor log_pb;
  if (uniform_backward) {
    log_pb = batch.uniform_log_pb;
  } else {
    torch::Tensor log_pb_all =
        MaskedLogSoftmax(outputs.backward_logits, batch.backward_mask);
    log_pb = log_pb_all.narrow(1, 1, L)
                 .gather(2, batch.backward_actions.unsqueeze(2))
                 .squeeze(2);
    log_pb = torch::where(batch.nonstop_mask, log_pb, torch::zeros_like(log_pb));
  }
  torch::Tensor ratio = log_pf - log_pb;
  return torch::where(batch.transition_mask, ratio, torch::zeros_like(ratio));
}

torch::Tensor StateLogFlows(const torch::Tensor& log_flow_head,
                            const torch::Tensor& log_z,
                            const TrajectoryBatch& batch,
                            const torch::Tensor& terminal_log_flow) {
  const int64_t L = batch.max_length;
  auto long_opts = batch.lengths.options();
  torch::Tensor t = torch::arange(L + 1, long_opts).unsqueeze(0);
  torch::Tensor T = batch.lengths.unsqueeze(1);
  torch::Tensor flows =
      torch::where(t < T, log_flow_head, torch::zeros_like(log_flow_head));
  flows = torch::where(t == T, terminal_log_flow.unsqueeze(1), flows);
  return torch::where(t == 0, log_z.expand_as(flows), flows);
}

torch::Tensor PolicyLoss(const PolicyLossInputs& in) {
  return PolicyLossTerms(in).mean();
}

torch::Tensor PolicyLossTerms(const PolicyLossInputs& in) {
  const TrajectoryBatch& batch = *in.batch;
  torch::Tensor terms =
      TransitionLogRatios(*in.outputs, batch, in.uniform_backward) +
      in.credits->credits;
  torch::Tensor flows = StateLogFlows(in.outputs->log_flow, in.log_z, batch,
                                      in.credits->terminal_log_flow);
  return BalanceLossTerms(flows, terms, in.span_weights);
}

}  // namespace ledgfn
