// The training protocol: what one learner round does (learner/trainer.h).
//  * kOnline (ours, DESIGN §2.2): N_phi r_phi steps on minibatches of the
//    source's newest W trajectories, then one policy step on the source's
//    batch (fresh, plus replayed when the run asks for them).
//  * kPaper (the LED-GFN paper's code, Shen et al.'s trainer): an online
//    batch from the source and a policy step, then an offline batch of
//    objects drawn uniformly from all distinct visited ones with their
//    trajectories sampled backward with P_B, and a second policy step; for
//    LED, N_phi r_phi steps before each policy step, each on one whole batch
//    drawn from the newest batches of both kinds.
//  * kCombOpt (GFlowNet-CombOpt's MIS protocol, Zhang et al. 2023): the
//    online round, whose policy steps cut the fresh batch into minibatches
//    (TrainerOptions::policy_minibatch), on a family of graphs.
// `--protocol=paper` also starts every setting from the paper's bag
// settings, `--protocol=combopt` from GFlowNet-CombOpt's MIS settings
// (launcher/training_flags.cc); flags still override each.
#ifndef LEDGFN_LEARNER_PROTOCOL_H_
#define LEDGFN_LEARNER_PROTOCOL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tasks/task.h"

namespace ledgfn {

enum class Protocol { kOnline, kPaper, kCombOpt };

// "online", "paper" or "combopt"; INVALID_ARGUMENT otherwise.
absl::StatusOr<Protocol> ParseProtocol(absl::string_view name);
std::string ProtocolName(Protocol protocol);

// OK when `task` can be trained under `protocol`: the paper protocol samples
// offline trajectories backward, so it needs a single-instance vector task
// with backward dynamics (bag, hypergrid, set); the combopt protocol a family
// of graphs (mis); INVALID_ARGUMENT otherwise.
absl::Status CheckProtocolSupports(Protocol protocol, const Task& task);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_PROTOCOL_H_
