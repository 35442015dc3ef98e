#include "proto/trajectory_codec.h"

namespace ledgfn {

void EncodeTrajectory(const Trajectory& in, const std::string& task,
                      proto::Trajectory* out) {
  out->set_task(task);
  out->mutable_actions()->Assign(in.actions.begin(), in.actions.end());
  out->set_energy(in.energy);
  out->mutable_partial_energies()->Assign(in.partial_energies.begin(),
                                          in.partial_energies.end());
  out->set_policy_version(in.policy_version);
  out->set_actor_id(in.actor_id);
  out->set_incarnation(in.incarnation);
  out->set_sequence(in.sequence);
  out->set_instance_family(in.instance.family);
  out->set_instance_seed(in.instance.seed);
}

Trajectory DecodeTrajectory(const proto::Trajectory& in) {
  Trajectory t;
  t.actions.assign(in.actions().begin(), in.actions().end());
  t.energy = in.energy();
  t.partial_energies.assign(in.partial_energies().begin(),
                            in.partial_energies().end());
  t.policy_version = in.policy_version();
  t.actor_id = in.actor_id();
  t.incarnation = in.incarnation();
  t.sequence = in.sequence();
  t.instance.family = in.instance_family();
  t.instance.seed = in.instance_seed();
  return t;
}

proto::TrajectoryKey KeyOf(const Trajectory& t) {
  proto::TrajectoryKey key;
  key.set_actor_id(t.actor_id);
  key.set_incarnation(t.incarnation);
  key.set_sequence(t.sequence);
  return key;
}

TrajectoryView ViewOf(const proto::Trajectory& t) {
  TrajectoryView view;
  view.task = t.task();
  view.instance = InstanceId{t.instance_family(), t.instance_seed()};
  view.actions = absl::MakeConstSpan(t.actions().data(), t.actions().size());
  view.energy = t.energy();
  view.partial_energies = absl::MakeConstSpan(t.partial_energies().data(),
                                              t.partial_energies().size());
  view.actor_id = t.actor_id();
  view.incarnation = t.incarnation();
  view.sequence = t.sequence();
  return view;
}

}  // namespace ledgfn
