#include "actor/replay_writer.h"

#include <algorithm>

#include "common/backoff.h"
#include "common/log.h"
#include "proto/server_util.h"
#include "proto/trajectory_codec.h"

namespace ledgfn {
namespace {

std::tuple<int32_t, uint64_t, uint64_t> KeyTuple(const proto::TrajectoryKey& k) {
  return {k.actor_id(), k.incarnation(), k.sequence()};
}

}  // namespace

ReplayWriter::ReplayWriter(const ReplayWriterOptions& options)
    : options_(options),
      stub_(proto::Replay::NewStub(MakeChannel(options.address, options.security))) {
  thread_ = std::thread([this] { ConnectionLoop(); });
}

ReplayWriter::~ReplayWriter() { Close(); }

absl::Status ReplayWriter::Write(std::vector<Trajectory> trajectories) {
  absl::MutexLock lock(&mu_);
  for (const Trajectory& t : trajectories) {
    auto has_room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || static_cast<int>(pending_.size() + unacked_.size()) <
                            options_.max_queue;
    };
    mu_.Await(absl::Condition(&has_room));
    if (!refused_.ok()) return refused_;
    if (closed_) return absl::CancelledError("replay writer closed");
    pending_.emplace_back();
    EncodeTrajectory(t, options_.task, &pending_.back());
    ++counters_.written;
  }
  return absl::OkStatus();
}

absl::Status ReplayWriter::Flush(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || (pending_.empty() && unacked_.empty());
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&drained), timeout)) {
    return absl::DeadlineExceededError(
        "replay did not acknowledge every trajectory in time");
  }
  return absl::OkStatus();
}

void ReplayWriter::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_ && !thread_.joinable()) return;
    closed_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

ReplayWriterCounters ReplayWriter::counters() const {
  absl::MutexLock lock(&mu_);
  ReplayWriterCounters c = counters_;
  c.queued = static_cast<int64_t>(pending_.size() + unacked_.size());
  return c;
}

void ReplayWriter::ConnectionLoop() {
  ExponentialBackoff backoff(options_.initial_backoff, options_.max_backoff);
  bool first = true;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      if (!first) ++counters_.reconnects;
      // Resend everything unacknowledged, before anything new, in order.
      counters_.resent += static_cast<int64_t>(unacked_.size());
      for (auto it = unacked_.rbegin(); it != unacked_.rend(); ++it) {
        pending_.push_front(std::move(it->second));
      }
      unacked_.clear();
      stream_broken_ = false;
      acked_on_stream_ = false;
    }
    first = false;
    RunStream();
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    // A stream the replay acknowledged on was a working connection: the
    // next break starts the backoff over.
    if (acked_on_stream_) backoff.Reset();
    if (backoff.Wait(mu_, absl::Condition(&closed_))) return;
  }
}

void ReplayWriter::RunStream() {
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    context_ = &context;
  }
  auto stream = stub_->Insert(&context);
  std::thread reader([this, &stream] {
    proto::InsertResponse response;
    while (stream->Read(&response)) {
      absl::MutexLock lock(&mu_);
      acked_on_stream_ = true;
      for (const proto::Ack& ack : response.acks()) {
        if (unacked_.erase(KeyTuple(ack.key())) == 0) continue;
        if (ack.code() == 0) {
          ++counters_.acked;
          if (ack.duplicate()) ++counters_.duplicates;
        } else {
          ++counters_.rejected;
          if (logged_rejections_++ < 5) {
            LogWarning("replay rejected trajectory %d: %s",
                       ack.key().sequence(), ack.reason());
          }
        }
      }
    }
    absl::MutexLock lock(&mu_);
    stream_broken_ = true;
  });

  bool cancel = false;  // closed while the stream is open: wake the reader
  while (true) {
    proto::InsertRequest request;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return closed_ || stream_broken_ ||
               (!pending_.empty() &&
                static_cast<int>(unacked_.size()) < options_.max_in_flight);
      };
      mu_.Await(absl::Condition(&ready));
      if (closed_ || stream_broken_) {
        cancel = !stream_broken_;
        break;
      }
      const int room = options_.max_in_flight - static_cast<int>(unacked_.size());
      const int n = std::min({room, options_.max_batch,
                              static_cast<int>(pending_.size())});
      for (int i = 0; i < n; ++i) {
        proto::Trajectory& t = pending_.front();
        Key key{t.actor_id(), t.incarnation(), t.sequence()};
        *request.add_trajectories() = t;
        unacked_.emplace(key, std::move(t));
        pending_.pop_front();
      }
    }
    // A failed Write means the call is over: the reader ends by itself. No
    // cancel then, or Finish() would report CANCELLED instead of the
    // server's status (e.g. UNAUTHENTICATED).
    if (!stream->Write(request)) break;
  }
  if (cancel) context.TryCancel();
  reader.join();
  const grpc::Status finish = stream->Finish();
  absl::MutexLock lock(&mu_);
  context_ = nullptr;
  if (finish.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    refused_ = absl::UnauthenticatedError(
        "replay refused the credentials: " + finish.error_message());
    closed_ = true;
  }
}

}  // namespace ledgfn
