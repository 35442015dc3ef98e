// The Replay gRPC service (DESIGN §2.4, proto/ledgfn.proto `service Replay`):
// a thin adapter that translates proto to calls of the replay core,
// ReplayBuffer (replay/replay_buffer.h: validation, deduplication, the rate
// limiter, the table, durability, with their contracts), plus recovery and
// the journal on disk (replay/wal_journal.h) when durability is on.
//
// Insert (bidirectional stream). The handler reads ONE InsertRequest, stores
// or rejects each of its trajectories in order (ReplayBuffer::Insert), waits
// once for the journal (group commit), writes one InsertResponse with one
// Ack per trajectory (arrival order: code 3 INVALID_ARGUMENT with the reason
// for a rejected one, duplicate = true for a resend), and only then reads
// the next request. A trajectory that the rate limiter does not admit yet
// makes the handler wait, so it stops reading the stream; gRPC's HTTP/2 flow
// control then fills up and the actor's Write() blocks. That is the
// backpressure: the service holds at most `capacity` stored trajectories
// plus, per stream, the request being processed and what the transport's
// flow-control window buffers. If the call ends early (client cancelled:
// CANCELLED; Shutdown(): UNAVAILABLE) the current request gets no
// InsertResponse, although some of its trajectories may have been stored; a
// reconnecting actor resends its unacked tail and deduplication acks those
// as duplicates.
//
// Sample (unary): ReplayBuffer::Sample with the call's deadline; FRESH with
// replay_count > 0 is ReplayBuffer::SamplePolicyBatch (the FRESH items, then
// replay_count drawn with replay_selector). SELECTOR_UNSPECIFIED or an
// unknown value: INVALID_ARGUMENT.
//
// Info (unary): every InfoResponse field; see ReplayServiceInfo.
//
// Lookup (unary): whether the table holds each given key now, for tests and
// operators checking what survived a restart.
//
// Thread-safe.
#ifndef LEDGFN_REPLAY_REPLAY_SERVICE_H_
#define LEDGFN_REPLAY_REPLAY_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tasks/task.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/ledgfn.pb.h"
#include "proto/token_checker.h"
#include "replay/recovery.h"
#include "replay/replay_buffer.h"
#include "replay/wal_journal.h"

namespace ledgfn {

// Most trajectories one InsertRequest may carry. A request with more ends
// the stream with INVALID_ARGUMENT before any of it is processed, so the
// answer to one request (an Ack with a reason of a few hundred bytes at most
// per trajectory) stays far below kMaxMessageBytes, and a request of tiny
// trajectories cannot make the service build a huge response.
inline constexpr int kMaxInsertBatch = 4096;

// The replay core's options plus the service's own.
struct ReplayServiceOptions : ReplayBufferOptions {
  // What survives a restart (replay/wal_journal.h). `data_dir` is required
  // unless kNone; it is created if missing and holds snapshot-*.snap and
  // wal-*.log files. snapshot_every > 0; absl::InfiniteDuration()
  // snapshots only at Close().
  Durability durability = Durability::kNone;
  std::string data_dir;
  absl::Duration snapshot_every = absl::Seconds(60);
  // Checked first by every RPC (UNAUTHENTICATED without the bearer token);
  // null: no token required.
  std::shared_ptr<TokenChecker> auth;

  // INVALID_ARGUMENT with the reason unless the constraints above (and the
  // core's) hold.
  absl::Status Validate() const;
};

struct ReplayServiceInfo : ReplayBufferInfo {
  Durability durability = Durability::kNone;

  // Fills every field of `out` (blocked seconds include current waits).
  void ToProto(proto::InfoResponse* out) const;
};

// The Selector a proto::Selector names; INVALID_ARGUMENT for
// SELECTOR_UNSPECIFIED and unknown values.
absl::StatusOr<Selector> SelectorFromProto(int selector);

class ReplayServiceImpl final : public proto::Replay::Service {
 public:
  // `task` must outlive the service. INVALID_ARGUMENT if
  // `options.Validate()` fails. With durability, first recovers the state
  // from `options.data_dir` (replay/recovery.h; its errors are returned,
  // e.g. FAILED_PRECONDITION for data of another task), then opens the
  // journal and starts the periodic snapshots.
  static absl::StatusOr<std::unique_ptr<ReplayServiceImpl>> Create(
      const Task& task, const ReplayServiceOptions& options);

  // Stop the gRPC server (and so every handler) before destroying the
  // service; the buffer's destructor shuts it down and closes the journal
  // (no final snapshot: call Close() for that).
  ~ReplayServiceImpl() override = default;

  ReplayServiceImpl(const ReplayServiceImpl&) = delete;
  ReplayServiceImpl& operator=(const ReplayServiceImpl&) = delete;

  // RPCs; see the file comment and proto/ledgfn.proto.
  grpc::Status Insert(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<proto::InsertResponse, proto::InsertRequest>*
          stream) override;
  grpc::Status Sample(grpc::ServerContext* context,
                      const proto::SampleRequest* request,
                      proto::SampleResponse* response) override;
  grpc::Status Info(grpc::ServerContext* context,
                    const proto::InfoRequest* request,
                    proto::InfoResponse* response) override;
  grpc::Status Lookup(grpc::ServerContext* context,
                      const proto::LookupRequest* request,
                      proto::LookupResponse* response) override;

  // In-process equivalents of the RPCs (the handlers are thin wrappers).
  //
  // One trajectory: ReplayBuffer::Insert, its ack filled, and OK once the
  // ack may be sent (with kWal: once the insert, or for a duplicate
  // everything logged before it, is on disk); or, with *ack unspecified,
  // Insert's and AwaitDurable's errors.
  absl::Status InsertTrajectory(const proto::Trajectory& trajectory,
                                absl::Time deadline,
                                absl::FunctionRef<bool()> cancelled,
                                proto::Ack* ack);
  // The trajectories of one InsertRequest, in order, with a single wait for
  // the disk at the end (group commit): fills response->acks() (one per
  // trajectory) and returns OK, or the first error as InsertTrajectory
  // (then the response must not be sent).
  absl::Status InsertRequestTrajectories(const proto::InsertRequest& request,
                                         absl::Time deadline,
                                         absl::FunctionRef<bool()> cancelled,
                                         proto::InsertResponse* response);
  // One Sample call with the given deadline (FRESH only waits).
  absl::StatusOr<proto::SampleResponse> SampleTrajectories(
      const proto::SampleRequest& request, absl::Time deadline,
      absl::FunctionRef<bool()> cancelled);
  ReplayServiceInfo Info() const;
  // For each key, whether the table holds a trajectory with it now.
  // O(size + keys). INVALID_ARGUMENT for more than kMaxLookupKeys keys.
  absl::StatusOr<proto::LookupResponse> LookupKeys(
      const proto::LookupRequest& request) const;
  static constexpr int kMaxLookupKeys = 1 << 20;

  // ReplayBuffer::WriteSnapshotNow (FAILED_PRECONDITION without
  // durability).
  absl::Status WriteSnapshotNow() { return buffer_->WriteSnapshotNow(); }
  // For a graceful exit, after the server stopped: ReplayBuffer::Close (a
  // final snapshot with durability: nothing acknowledged is lost).
  absl::Status Close() { return buffer_->Close(); }
  // How the state was recovered at Create (empty report without
  // durability).
  const RecoveryReport& recovery() const { return recovery_; }

  // Cancels the rate limiter: every blocked and future insert and FRESH
  // sample returns UNAVAILABLE promptly; UNIFORM, NEWEST_WINDOW,
  // PRIORITIZED and Info keep working. Idempotent, irreversible. Call it
  // before grpc::Server::Shutdown so that handlers blocked on the limiter do
  // not hold the server's shutdown up.
  void Shutdown() { buffer_->Shutdown(); }
  bool shutting_down() const { return buffer_->shutting_down(); }

  const Task& task() const { return buffer_->task(); }

 private:
  ReplayServiceImpl(const ReplayServiceOptions& options,
                    std::unique_ptr<ReplayBuffer> buffer);

  // Stores one trajectory and fills its ack; *durable_sequence is the
  // journal record to wait for before the ack may be sent.
  absl::Status Store(const proto::Trajectory& trajectory, absl::Time deadline,
                     absl::FunctionRef<bool()> cancelled, proto::Ack* ack,
                     int64_t* durable_sequence);

  const ReplayServiceOptions options_;
  const std::unique_ptr<ReplayBuffer> buffer_;
  RecoveryReport recovery_;
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_REPLAY_SERVICE_H_
