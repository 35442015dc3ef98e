// Conversions between the wire form (ledgfn.proto) and the in-process
// `Trajectory`. Decoding checks only what the wire form cannot express
// (sizes); task-level validation is the replay service's (replay/validation.h).
#ifndef LEDGFN_PROTO_TRAJECTORY_CODEC_H_
#define LEDGFN_PROTO_TRAJECTORY_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/trajectory.h"
#include "proto/ledgfn.pb.h"

namespace ledgfn {

void EncodeTrajectory(const Trajectory& in, const std::string& task,
                      proto::Trajectory* out);
Trajectory DecodeTrajectory(const proto::Trajectory& in);
proto::TrajectoryKey KeyOf(const Trajectory& t);
// The view of `in` for validation and deduplication (replay/validation.h):
// borrows its repeated fields, valid while `in` is.
TrajectoryView ViewOf(const proto::Trajectory& in);

}  // namespace ledgfn

#endif  // LEDGFN_PROTO_TRAJECTORY_CODEC_H_
