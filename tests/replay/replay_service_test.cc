// The Replay gRPC service through a real in-process server on 127.0.0.1:0 and
// a real client stub: validation, idempotent inserts, the rate limiter's
// algebra as seen through the RPCs, backpressure on a fast writer, and
// shutdown. Waits poll observable state with generous deadlines; no sleep is
// used as synchronisation.
#include "replay/replay_service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tasks/instance_family.h"
#include "tasks/registry.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/ledgfn.pb.h"
#include "proto/server_util.h"
#include "replay/validation.h"
#include "tests/replay/trajectory_fixtures.h"

namespace ledgfn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Far longer than any legitimate wait on a loaded 2-core machine.
constexpr absl::Duration kLong = absl::Seconds(60);

template <typename Cond>
bool PollUntil(Cond cond, absl::Duration timeout = kLong) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!cond()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

// One client Insert stream with a thread that collects the acks.
class InsertStream {
 public:
  explicit InsertStream(proto::Replay::Stub* stub)
      : stream_(stub->Insert(&context_)) {
    reader_ = std::thread([this] {
      proto::InsertResponse response;
      while (stream_->Read(&response)) {
        absl::MutexLock lock(&mu_);
        for (const proto::Ack& ack : response.acks()) acks_.push_back(ack);
        ++responses_;
      }
    });
  }

  ~InsertStream() {
    if (!finished_) {
      context_.TryCancel();
      reader_.join();
      stream_->Finish().IgnoreError();
    }
  }

  bool Write(const std::vector<proto::Trajectory>& trajectories) {
    proto::InsertRequest request;
    for (const proto::Trajectory& t : trajectories) {
      *request.add_trajectories() = t;
    }
    return stream_->Write(request);
  }
  bool Write(const proto::Trajectory& t) {
    return Write(std::vector<proto::Trajectory>{t});
  }

  // True once at least `n` acks arrived; false after `timeout`.
  bool WaitForAcks(size_t n, absl::Duration timeout = kLong) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() {
      mu_.AssertReaderHeld();
      return acks_.size() >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

  std::vector<proto::Ack> acks() const {
    absl::MutexLock lock(&mu_);
    return acks_;
  }
  size_t num_acks() const {
    absl::MutexLock lock(&mu_);
    return acks_.size();
  }
  int64_t responses() const {
    absl::MutexLock lock(&mu_);
    return responses_;
  }

  // Half-closes, waits for the remaining acks and returns the call status.
  // Call only when no other thread writes.
  grpc::Status Finish() {
    stream_->WritesDone();
    reader_.join();
    finished_ = true;
    return stream_->Finish();
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<
      grpc::ClientReaderWriter<proto::InsertRequest, proto::InsertResponse>>
      stream_;
  std::thread reader_;
  bool finished_ = false;

  mutable absl::Mutex mu_;
  std::vector<proto::Ack> acks_ ABSL_GUARDED_BY(mu_);
  int64_t responses_ ABSL_GUARDED_BY(mu_) = 0;
};

class ReplayServiceTest : public ::testing::Test {
 protected:
  ReplayServiceTest() : task_(BagTask()) {}

  ~ReplayServiceTest() override {
    if (service_ != nullptr) service_->Shutdown();
    if (server_ != nullptr) {
      server_->Shutdown(std::chrono::system_clock::now() +
                        std::chrono::seconds(5));
    }
  }

  // Limiter options under which inserts never block in these tests.
  static ReplayServiceOptions Unlimited(int64_t capacity = 1000) {
    ReplayServiceOptions o;
    o.table.capacity = capacity;
    o.limiter.samples_per_insert = 1.0;
    o.limiter.min_size_to_sample = 1;
    o.limiter.error_buffer = 1e9;
    return o;
  }

  void Start(const ReplayServiceOptions& options) {
    absl::StatusOr<std::unique_ptr<ReplayServiceImpl>> service =
        ReplayServiceImpl::Create(*task_, options);
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = *std::move(service);
    absl::StatusOr<RunningServer> running =
        StartServer("127.0.0.1:0", {service_.get()});
    ASSERT_TRUE(running.ok()) << running.status();
    server_ = std::move(running->server);
    stub_ = proto::Replay::NewStub(
        MakeChannel("127.0.0.1:" + std::to_string(running->port)));
  }

  proto::InfoResponse RpcInfo() {
    grpc::ClientContext context;
    proto::InfoResponse info;
    grpc::Status status = stub_->Info(&context, proto::InfoRequest(), &info);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return info;
  }

  grpc::Status Sample(proto::Selector selector, int count,
                      absl::Duration timeout, proto::SampleResponse* response,
                      int64_t window = 0) {
    proto::SampleRequest request;
    request.set_selector(selector);
    request.set_count(count);
    request.set_window(window);
    return Sample(request, timeout, response);
  }
  grpc::Status Sample(const proto::SampleRequest& request,
                      absl::Duration timeout, proto::SampleResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return stub_->Sample(&context, request, response);
  }

  static std::vector<uint64_t> Sequences(const proto::SampleResponse& r) {
    std::vector<uint64_t> out;
    for (const proto::Trajectory& t : r.trajectories()) {
      out.push_back(t.sequence());
    }
    return out;
  }

  std::unique_ptr<Task> task_;
  std::unique_ptr<ReplayServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<proto::Replay::Stub> stub_;
};

// --- Idempotent inserts ----------------------------------------------------

TEST_F(ReplayServiceTest, DuplicateOnOneStreamIsAckedAndStoredOnce) {
  Start(Unlimited());
  InsertStream stream(stub_.get());
  const proto::Trajectory t = ValidTrajectory(*task_, 0);
  ASSERT_TRUE(stream.Write(t));
  ASSERT_TRUE(stream.Write(t));
  ASSERT_TRUE(stream.Finish().ok());

  const std::vector<proto::Ack> acks = stream.acks();
  ASSERT_EQ(acks.size(), 2u);
  for (const proto::Ack& ack : acks) {
    EXPECT_EQ(ack.code(), 0);
    EXPECT_EQ(ack.key().actor_id(), t.actor_id());
    EXPECT_EQ(ack.key().incarnation(), t.incarnation());
    EXPECT_EQ(ack.key().sequence(), t.sequence());
  }
  EXPECT_FALSE(acks[0].duplicate());
  EXPECT_TRUE(acks[1].duplicate());

  const proto::InfoResponse info = RpcInfo();
  EXPECT_EQ(info.inserted(), 1);
  EXPECT_EQ(info.duplicates(), 1);
  EXPECT_EQ(info.size(), 1);
  EXPECT_EQ(info.limiter_inserts(), 1);
}

TEST_F(ReplayServiceTest, ResendAfterReconnectIsStoredOnce) {
  Start(Unlimited());
  {
    // First connection: 0, 1, 2 (in one request) are stored and acked.
    InsertStream first(stub_.get());
    ASSERT_TRUE(first.Write({ValidTrajectory(*task_, 0),
                             ValidTrajectory(*task_, 1),
                             ValidTrajectory(*task_, 2)}));
    ASSERT_TRUE(first.WaitForAcks(3));
    ASSERT_TRUE(first.Finish().ok());
  }
  // Second connection: the actor resends 1 and 2 (it lost their acks) and
  // continues with 3; another incarnation's sequence 1 is a different key.
  InsertStream second(stub_.get());
  ASSERT_TRUE(second.Write(ValidTrajectory(*task_, 1)));
  ASSERT_TRUE(second.Write(ValidTrajectory(*task_, 2)));
  ASSERT_TRUE(second.Write(ValidTrajectory(*task_, 3)));
  ASSERT_TRUE(second.Write(ValidTrajectory(*task_, 1, /*actor=*/1,
                                           /*incarnation=*/7)));
  ASSERT_TRUE(second.Finish().ok());
  const std::vector<proto::Ack> acks = second.acks();
  ASSERT_EQ(acks.size(), 4u);
  std::vector<bool> duplicate;
  for (const proto::Ack& ack : acks) {
    EXPECT_EQ(ack.code(), 0);
    duplicate.push_back(ack.duplicate());
  }
  EXPECT_THAT(duplicate, ElementsAre(true, true, false, false));
  EXPECT_EQ(acks[2].key().sequence(), 3u);

  const proto::InfoResponse info = RpcInfo();
  EXPECT_EQ(info.inserted(), 5);
  EXPECT_EQ(info.duplicates(), 2);
  EXPECT_EQ(info.size(), 5);
  // Every stored key appears exactly once in the table, in insertion order.
  proto::SampleResponse fresh;
  ASSERT_TRUE(Sample(proto::FRESH, 5, kLong, &fresh).ok());
  EXPECT_THAT(Sequences(fresh), ElementsAre(0, 1, 2, 3, 1));
  EXPECT_EQ(fresh.trajectories(4).incarnation(), 7u);
}

TEST(DedupeIndexTest, ContiguousFloorRecentSetAndForfeitedGaps) {
  DedupeIndex index(/*window=*/4, /*max_incarnations=*/2);
  EXPECT_FALSE(index.Contains(1, 9, 0));
  index.Add(1, 9, 0);
  index.Add(1, 9, 2);  // out of order: held in the recent set
  EXPECT_TRUE(index.Contains(1, 9, 0));
  EXPECT_FALSE(index.Contains(1, 9, 1));
  EXPECT_TRUE(index.Contains(1, 9, 2));
  index.Add(1, 9, 1);  // closes the gap
  EXPECT_TRUE(index.Contains(1, 9, 1));
  EXPECT_FALSE(index.Contains(1, 9, 3));
  // floor is 3 now; 3 + window = 7 is beyond the window: 3..3 forfeited.
  index.Add(1, 9, 7);
  EXPECT_TRUE(index.Contains(1, 9, 3));  // forfeited: counts as seen
  EXPECT_FALSE(index.Contains(1, 9, 5));
  EXPECT_FALSE(index.Contains(1, 9, 6));
  EXPECT_TRUE(index.Contains(1, 9, 7));
  // Other actors and incarnations are separate keys.
  EXPECT_FALSE(index.Contains(2, 9, 0));
  EXPECT_FALSE(index.Contains(1, 8, 0));
  // A third incarnation evicts the least recently used one.
  index.Add(2, 9, 0);
  EXPECT_EQ(index.num_incarnations(), 2);
  index.Add(1, 9, 8);  // (1, 9) is now the most recent
  index.Add(3, 9, 0);
  EXPECT_EQ(index.num_incarnations(), 2);
  EXPECT_FALSE(index.Contains(2, 9, 0));
  EXPECT_TRUE(index.Contains(1, 9, 8));
  EXPECT_TRUE(index.Contains(3, 9, 0));
}

// --- Validation --------------------------------------------------------------

TEST_F(ReplayServiceTest, InvalidTrajectoriesAreRejectedCountedAndNotStored) {
  ReplayServiceOptions options = Unlimited();
  options.validation.max_abs_energy = 10;  // the bag's default
  Start(options);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    proto::Trajectory t;
    RejectCategory category;
    std::string reason;
  };
  std::vector<Case> cases;
  uint64_t seq = 100;
  auto base = [&]() { return ValidTrajectory(*task_, seq++); };

  {
    Case c{base(), RejectCategory::kUnknownTask, "unknown task"};
    c.t.set_task("hypergrid");
    cases.push_back(c);
  }
  {
    Case c{base(), RejectCategory::kIllegalAction, "masked"};
    c.t.set_actions(0, task_->stop_action());  // stop at size 0 is masked
    cases.push_back(c);
  }
  {
    Case c{base(), RejectCategory::kIllegalAction, "outside"};
    c.t.set_actions(3, 99);
    cases.push_back(c);
  }
  {
    Case c{base(), RejectCategory::kIllegalAction, "stop"};
    c.t.mutable_actions()->RemoveLast();  // no stop at the end
    cases.push_back(c);
  }
  {
    Case c{base(), RejectCategory::kNonfiniteEnergy, "not finite"};
    c.t.set_energy(nan);
    cases.push_back(c);
  }
  {
    Case c{base(), RejectCategory::kNonfiniteEnergy, "not finite"};
    c.t.set_energy(inf);
    cases.push_back(c);
  }
  {
    Case c{base(), RejectCategory::kNonfiniteEnergy, "not finite"};
    c.t.set_energy(-inf);
    cases.push_back(c);
  }
  for (double absurd : {-1e300, 1e300, 10.01, -10.01}) {
    Case c{base(), RejectCategory::kEnergyOutOfRange, "outside [-10, 10]"};
    c.t.set_energy(absurd);
    cases.push_back(c);
  }
  {
    Case c{base(), RejectCategory::kEnergyOutOfRange, "partial energy 5"};
    for (int i = 0; i < 14; ++i) c.t.add_partial_energies(i == 5 ? -1e300 : 0.5);
    cases.push_back(c);
  }
  {
    Case c{base(), RejectCategory::kEmpty, "empty"};
    c.t.clear_actions();
    cases.push_back(c);
  }
  {
    Case c{base(), RejectCategory::kTooLong, "more than"};
    c.t.add_actions(0);  // 15 actions > 14
    cases.push_back(c);
  }
  {
    Case c{base(), RejectCategory::kPartialEnergies, "partial energies"};
    for (int i = 0; i < 3; ++i) c.t.add_partial_energies(0.5);
    cases.push_back(c);
  }
  {
    Case c{base(), RejectCategory::kPartialEnergies, "partial energy"};
    for (int i = 0; i < 14; ++i) c.t.add_partial_energies(i == 5 ? nan : 0.5);
    cases.push_back(c);
  }

  // Energies just inside the bound are valid.
  std::vector<proto::Trajectory> inside;
  for (double e : {9.99, -9.99, 10.0}) {
    inside.push_back(base());
    inside.back().set_energy(e);
  }

  InsertStream stream(stub_.get());
  std::vector<proto::Trajectory> request;
  for (const Case& c : cases) request.push_back(c.t);
  // One valid trajectory between the bad ones: it is stored, its neighbours
  // are not, and the acks keep the arrival order.
  request.insert(request.begin() + 4, ValidTrajectory(*task_, 0));
  ASSERT_TRUE(stream.Write(request));
  // Resending a rejected trajectory rejects it again.
  ASSERT_TRUE(stream.Write(cases[0].t));
  ASSERT_TRUE(stream.Write(inside));
  ASSERT_TRUE(stream.Finish().ok());

  const std::vector<proto::Ack> acks = stream.acks();
  ASSERT_EQ(acks.size(), request.size() + 1 + inside.size());
  for (size_t i = 0; i < inside.size(); ++i) {
    EXPECT_EQ(acks[request.size() + 1 + i].code(), 0) << "inside " << i;
  }
  for (size_t i = 0; i < request.size(); ++i) {
    EXPECT_EQ(acks[i].key().sequence(), request[i].sequence()) << i;
  }
  EXPECT_EQ(acks[4].code(), 0);
  EXPECT_FALSE(acks[4].duplicate());
  std::vector<int64_t> expected_by_category(kNumRejectCategories, 0);
  for (size_t i = 0; i < cases.size(); ++i) {
    const proto::Ack& ack = acks[i < 4 ? i : i + 1];
    EXPECT_EQ(ack.code(), 3) << "case " << i;
    EXPECT_FALSE(ack.duplicate()) << "case " << i;
    EXPECT_THAT(ack.reason(), HasSubstr(cases[i].reason)) << "case " << i;
    ++expected_by_category[static_cast<int>(cases[i].category)];
  }
  EXPECT_EQ(acks[request.size()].code(), 3);
  ++expected_by_category[static_cast<int>(cases[0].category)];

  const proto::InfoResponse info = RpcInfo();
  const int64_t stored = 1 + static_cast<int64_t>(inside.size());
  EXPECT_EQ(info.size(), stored);
  EXPECT_EQ(info.inserted(), stored);
  EXPECT_EQ(info.rejected(), static_cast<int64_t>(cases.size()) + 1);
  EXPECT_EQ(info.limiter_inserts(), stored);
  const ReplayServiceInfo local = service_->Info();
  for (int c = 0; c < kNumRejectCategories; ++c) {
    EXPECT_EQ(local.rejected_by_category[c], expected_by_category[c])
        << RejectCategoryName(static_cast<RejectCategory>(c));
  }
}

// MIS trajectories name their graph; the service rebuilds it and replays
// the actions on it. Only training instances of the served family pass.
TEST_F(ReplayServiceTest, MisTrajectoriesAreValidatedOnTheirInstance) {
  TaskOptions options;
  options.name = "mis";
  options.mis_family = "er-12-0.3";
  options.mis_train_instances = 4;
  options.mis_test_instances = 2;
  auto mis = MakeTask(options);
  ASSERT_TRUE(mis.ok()) << mis.status();
  task_ = *std::move(mis);
  const InstanceFamily& instances = *task_->instances();
  Start(Unlimited());

  // A valid trajectory on training graph `seed`: always select the lowest
  // undecided node.
  uint64_t sequence = 0;
  auto on = [&](const InstanceId& id) {
    proto::Trajectory t;
    t.set_task("mis");
    t.set_instance_family(id.family);
    t.set_instance_seed(id.seed);
    t.set_actor_id(1);
    t.set_sequence(sequence++);
    auto instance = instances.Instance(id);
    EXPECT_TRUE(instance.ok()) << instance.status();
    State s = (*instance)->InitialState();
    std::vector<uint8_t> mask((*instance)->num_forward_actions());
    while (!(*instance)->IsTerminal(s)) {
      (*instance)->ForwardMask(s, mask.data());
      const int v = static_cast<int>(
          std::find(mask.begin(), mask.end(), 1) - mask.begin());
      t.add_actions(v);
      (*instance)->Step(s, v);
    }
    t.set_energy((*instance)->Energy(s));
    return t;
  };
  const std::string family = instances.TestInstances().front().family;
  const proto::Trajectory valid = on(InstanceId{family, 3});
  proto::Trajectory test_instance = on(instances.TestInstances().front());
  proto::Trajectory other_family = on(InstanceId{family, 2});
  other_family.set_instance_family("er-12-0.4");
  proto::Trajectory no_instance = on(InstanceId{family, 2});
  no_instance.clear_instance_family();
  proto::Trajectory illegal = on(InstanceId{family, 0});
  illegal.add_actions(illegal.actions(0));  // continues past terminal
  const std::vector<proto::Trajectory> rejected = {test_instance, other_family,
                                                   no_instance, illegal};

  InsertStream stream(stub_.get());
  std::vector<proto::Trajectory> request = rejected;
  request.push_back(valid);
  ASSERT_TRUE(stream.Write(request));
  ASSERT_TRUE(stream.Finish().ok());
  const std::vector<proto::Ack> acks = stream.acks();
  ASSERT_EQ(acks.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(acks[i].code(), 3) << i;
    EXPECT_THAT(acks[i].reason(), HasSubstr("not a training instance")) << i;
  }
  EXPECT_EQ(acks[3].code(), 3);
  EXPECT_THAT(acks[3].reason(), HasSubstr("past terminal"));
  EXPECT_EQ(acks[4].code(), 0) << acks[4].reason();
  const ReplayServiceInfo local = service_->Info();
  EXPECT_EQ(local.rejected_by_category[static_cast<int>(
                RejectCategory::kUnknownInstance)],
            3);
  EXPECT_EQ(local.rejected_by_category[static_cast<int>(
                RejectCategory::kIllegalAction)],
            1);

  // The instance travels back with the trajectory.
  proto::SampleResponse response;
  ASSERT_TRUE(Sample(proto::UNIFORM, 1, kLong, &response).ok());
  ASSERT_EQ(response.trajectories_size(), 1);
  EXPECT_EQ(response.trajectories(0).instance_family(), family);
  EXPECT_EQ(response.trajectories(0).instance_seed(), 3u);
  EXPECT_EQ(response.trajectories(0).actions_size(), valid.actions_size());
}

TEST_F(ReplayServiceTest, OversizedInsertRequestEndsTheStreamUnprocessed) {
  Start(Unlimited());
  // Empty trajectories are two bytes each on the wire but would cost an Ack
  // with a reason each: the request count is capped before any work.
  const std::vector<proto::Trajectory> at_limit(kMaxInsertBatch);
  std::vector<proto::Trajectory> over = at_limit;
  over.emplace_back();

  InsertStream rejected(stub_.get());
  rejected.Write(over);  // may fail once the server has ended the call
  const grpc::Status status = rejected.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_NE(status.error_message().find("limit"), std::string::npos);
  EXPECT_EQ(rejected.num_acks(), 0u);
  EXPECT_EQ(RpcInfo().rejected(), 0);

  InsertStream accepted(stub_.get());
  ASSERT_TRUE(accepted.Write(at_limit));
  ASSERT_TRUE(accepted.Finish().ok());
  EXPECT_EQ(accepted.num_acks(), static_cast<size_t>(kMaxInsertBatch));
  EXPECT_EQ(RpcInfo().rejected(), kMaxInsertBatch);
}

TEST(ValidationTest, LimitsAndRequiredPartialEnergies) {
  std::unique_ptr<Task> task = BagTask();
  proto::Trajectory t = ValidTrajectory(*task, 0);
  RejectCategory category = RejectCategory::kEmpty;
  EXPECT_TRUE(ValidateTrajectory(*task, ViewOf(t), ValidationLimits()).ok());

  ValidationLimits short_limit;
  short_limit.max_actions = 5;
  absl::Status s = ValidateTrajectory(*task, ViewOf(t), short_limit, &category);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_EQ(category, RejectCategory::kTooLong);

  ValidationLimits require;
  require.require_partial_energies = true;
  s = ValidateTrajectory(*task, ViewOf(t), require, &category);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_EQ(category, RejectCategory::kPartialEnergies);
  EXPECT_EQ(RejectCategoryName(category), "partial_energies");

  // T' = 13 non-stop transitions: 14 partial energies E(s_0)..E(s_13).
  for (int i = 0; i < 14; ++i) t.add_partial_energies(-0.1 * i);
  EXPECT_TRUE(ValidateTrajectory(*task, ViewOf(t), require).ok());
  t.add_partial_energies(0.0);
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateTrajectory(*task, ViewOf(t), require)));
}

// --- Rate limiter through the RPCs ------------------------------------------

// spi = 1, min_size_to_sample = 4, error_buffer = 4: min_diff = 0,
// max_diff = 8, diff = inserts - samples.
//   CanSample(n): inserts >= 4 && inserts - samples - n >= 0
//   CanInsert:    inserts + 1 <= 4 || inserts + 1 - samples <= 8
TEST_F(ReplayServiceTest, LimiterBlocksAndUnblocksAsItsAlgebraSays) {
  ReplayServiceOptions options;
  options.table.capacity = 100;
  options.limiter.samples_per_insert = 1.0;
  options.limiter.min_size_to_sample = 4;
  options.limiter.error_buffer = 4;
  Start(options);

  InsertStream stream(stub_.get());
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(stream.Write(ValidTrajectory(*task_, i)));
  }
  ASSERT_TRUE(stream.WaitForAcks(3));

  // 3 stored < min_size_to_sample: a FRESH sample of 4 cannot proceed.
  proto::SampleResponse response;
  grpc::Status status =
      Sample(proto::FRESH, 4, absl::Milliseconds(300), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_message();
  EXPECT_EQ(RpcInfo().limiter_samples(), 0);

  ASSERT_TRUE(stream.Write(ValidTrajectory(*task_, 3)));
  ASSERT_TRUE(stream.WaitForAcks(4));
  status = Sample(proto::FRESH, 4, kLong, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(Sequences(response), ElementsAre(0, 1, 2, 3));
  // Nothing fresh is left, and 4 - 4 - 1 < min_diff: one more must wait.
  status = Sample(proto::FRESH, 1, absl::Milliseconds(300), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  // inserts = 4, samples = 4: inserts are admitted up to inserts = 12, the
  // 13th (sequence 12) waits and the stream stalls there.
  for (uint64_t i = 4; i < 16; ++i) {
    ASSERT_TRUE(stream.Write(ValidTrajectory(*task_, i)));
  }
  ASSERT_TRUE(stream.WaitForAcks(12));
  ASSERT_TRUE(PollUntil([&] { return service_->Info().inserts_waiting == 1; }));
  EXPECT_EQ(stream.num_acks(), 12u);
  EXPECT_EQ(service_->Info().inserted, 12);
  EXPECT_EQ(service_->Info().limiter.diff, 8.0);

  // One FRESH sample makes room for exactly one insert.
  status = Sample(proto::FRESH, 1, kLong, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(Sequences(response), ElementsAre(4));
  ASSERT_TRUE(stream.WaitForAcks(13));
  EXPECT_EQ(stream.acks()[12].key().sequence(), 12u);
  ASSERT_TRUE(PollUntil([&] {
    const ReplayServiceInfo info = service_->Info();
    return info.inserted == 13 && info.inserts_waiting == 1;
  }));
  EXPECT_EQ(stream.num_acks(), 13u);

  // A batch of 3 makes room for 3 more: acks reach 16 = all written.
  status = Sample(proto::FRESH, 3, kLong, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(Sequences(response), ElementsAre(5, 6, 7));
  ASSERT_TRUE(stream.WaitForAcks(16));
  ASSERT_TRUE(stream.Finish().ok());

  const proto::InfoResponse info = RpcInfo();
  EXPECT_EQ(info.inserted(), 16);
  EXPECT_EQ(info.limiter_inserts(), 16);
  EXPECT_EQ(info.limiter_samples(), 8);
  EXPECT_EQ(info.fresh_sampled(), 8);
  EXPECT_EQ(info.min_size_to_sample(), 4);
  EXPECT_EQ(info.error_buffer(), 4.0);
  EXPECT_GT(info.insert_blocked_seconds(), 0.0);
  EXPECT_GT(info.sample_blocked_seconds(), 0.0);
}

TEST_F(ReplayServiceTest, FastWriterIsSlowedAndMemoryStaysBounded) {
  // spi = 1, min_size 10, error_buffer 10: with no samples inserts stop at
  // inserts = max_diff = 20. Capacity 16 < 20, so evictions happen too.
  ReplayServiceOptions options;
  options.table.capacity = 16;
  options.limiter.samples_per_insert = 1.0;
  options.limiter.min_size_to_sample = 10;
  options.limiter.error_buffer = 10;
  Start(options);

  // Far more than any HTTP/2 flow-control window can absorb.
  constexpr int64_t kToSend = 2'000'000;
  InsertStream stream(stub_.get());
  std::atomic<int64_t> written{0};
  std::thread writer([&] {
    // The same request re-sent with new sequences, to keep the writer fast.
    proto::Trajectory t = ValidTrajectory(*task_, 0);
    for (int64_t i = 0; i < kToSend; ++i) {
      t.set_sequence(static_cast<uint64_t>(i));
      if (!stream.Write(t)) return;
      written.fetch_add(1);
    }
  });

  // The service admits exactly 20 and then waits on the limiter.
  ASSERT_TRUE(stream.WaitForAcks(20));
  ASSERT_TRUE(PollUntil([&] { return service_->Info().inserts_waiting == 1; }));
  // The writer is slowed down: once the transport's window is full its
  // Write() blocks. Wait until it has made no progress for a while.
  int64_t last = -1;
  absl::Time last_change = absl::Now();
  ASSERT_TRUE(PollUntil([&] {
    const int64_t now_written = written.load();
    if (now_written != last) {
      last = now_written;
      last_change = absl::Now();
    }
    return absl::Now() - last_change > absl::Seconds(1);
  }, absl::Minutes(3)));
  EXPECT_LT(written.load(), kToSend);
  EXPECT_EQ(stream.num_acks(), 20u);
  ReplayServiceInfo info = service_->Info();
  EXPECT_EQ(info.inserted, 20);
  EXPECT_EQ(info.size, 16);
  EXPECT_LE(info.size, info.capacity);
  EXPECT_EQ(info.evicted, 4);
  EXPECT_EQ(info.limiter.size, 16);
  std::printf("[ info     ] writer blocked after %lld writes (%lld acked)\n",
              static_cast<long long>(written.load()),
              static_cast<long long>(stream.num_acks()));

  // Sampling lets it progress: 5 samples admit 5 more inserts, no more. The
  // 4 evicted items were never FRESH-sampled: the batch starts at 4.
  proto::SampleResponse response;
  grpc::Status status = Sample(proto::FRESH, 5, kLong, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(Sequences(response), ElementsAre(4, 5, 6, 7, 8));
  ASSERT_TRUE(stream.WaitForAcks(25));
  ASSERT_TRUE(PollUntil([&] { return service_->Info().inserts_waiting == 1; }));
  info = service_->Info();
  EXPECT_EQ(info.inserted, 25);
  EXPECT_EQ(stream.num_acks(), 25u);
  EXPECT_LE(info.size, info.capacity);
  // Keys 4..8 were evicted after the FRESH sample took them.
  EXPECT_EQ(info.evicted, 9);
  EXPECT_EQ(info.fresh_evicted, 4);

  // Shutdown releases the blocked handler; the writer's stream then fails.
  service_->Shutdown();
  writer.join();
  EXPECT_LT(written.load(), kToSend);
  EXPECT_EQ(stream.Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

// spi = 1, min_size_to_sample = 1, error_buffer = 1: max_diff = 2, so the
// third insert waits (nothing samples).
TEST_F(ReplayServiceTest, ShutdownReleasesABlockedInsertStream) {
  ReplayServiceOptions options;
  options.table.capacity = 100;
  options.limiter.min_size_to_sample = 1;
  options.limiter.error_buffer = 1;
  Start(options);

  InsertStream stream(stub_.get());
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(stream.Write(ValidTrajectory(*task_, i)));
  }
  ASSERT_TRUE(stream.WaitForAcks(2));
  ASSERT_TRUE(PollUntil([&] { return service_->Info().inserts_waiting == 1; }));
  EXPECT_EQ(stream.num_acks(), 2u);

  service_->Shutdown();
  const grpc::Status status = stream.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_EQ(stream.num_acks(), 2u);
  const ReplayServiceInfo info = service_->Info();
  EXPECT_EQ(info.inserted, 2);
  EXPECT_EQ(info.inserts_waiting, 0);
  EXPECT_TRUE(info.shutting_down);
}

TEST_F(ReplayServiceTest, ShutdownReleasesABlockedFreshSample) {
  ReplayServiceOptions options;
  options.table.capacity = 100;
  options.limiter.min_size_to_sample = 4;
  options.limiter.error_buffer = 4;
  Start(options);

  // FRESH count limits: [1, max batch], and the limiter's liveness bound
  // count + spi <= 2 * error_buffer.
  proto::SampleResponse response;
  for (int count : {0, 8, 5000}) {
    EXPECT_EQ(Sample(proto::FRESH, count, kLong, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << count;
  }

  // The table is empty: a FRESH sample waits (here up to 10 minutes).
  grpc::Status sample_status;
  std::thread sampler([&] {
    proto::SampleResponse r;
    sample_status = Sample(proto::FRESH, 1, absl::Minutes(10), &r);
  });
  ASSERT_TRUE(PollUntil([&] { return service_->Info().samples_waiting == 1; }));
  const absl::Time start = absl::Now();
  service_->Shutdown();
  sampler.join();
  EXPECT_EQ(sample_status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << sample_status.error_message();
  // Released long before its deadline.
  EXPECT_LT(absl::Now() - start, absl::Minutes(1));
  EXPECT_EQ(service_->Info().samples_waiting, 0);
  EXPECT_EQ(RpcInfo().limiter_samples(), 0);

  // Non-blocking calls keep working; inserts are refused.
  EXPECT_EQ(Sample(proto::UNIFORM, 1, kLong, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  InsertStream stream(stub_.get());
  stream.Write(ValidTrajectory(*task_, 0));
  EXPECT_EQ(stream.Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(RpcInfo().size(), 0);
}

// --- Other selectors, count limits, lag filter and Info -------------------

TEST_F(ReplayServiceTest, SelectorsCountLimitsAndInfo) {
  ReplayServiceOptions options = Unlimited(/*capacity=*/8);
  options.max_sample_batch = 64;
  Start(options);

  proto::SampleResponse response;
  for (proto::Selector s : {proto::UNIFORM, proto::NEWEST_WINDOW,
                            proto::PRIORITIZED}) {
    EXPECT_EQ(Sample(s, 4, kLong, &response, /*window=*/2).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION)
        << s;
  }

  InsertStream stream(stub_.get());
  std::vector<proto::Trajectory> batch;
  for (uint64_t i = 0; i < 10; ++i) {
    batch.push_back(ValidTrajectory(*task_, i, 1, 5, /*version=*/i));
  }
  ASSERT_TRUE(stream.Write(batch));
  ASSERT_TRUE(stream.Finish().ok());  // keys 0, 1 evicted: capacity 8

  // Count limits.
  for (int count : {0, -1, 65}) {
    EXPECT_EQ(Sample(proto::UNIFORM, count, kLong, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << count;
  }
  EXPECT_EQ(Sample(proto::SELECTOR_UNSPECIFIED, 1, kLong, &response)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Sample(proto::NEWEST_WINDOW, 1, kLong, &response, /*window=*/0)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  ASSERT_TRUE(Sample(proto::UNIFORM, 64, kLong, &response).ok());
  ASSERT_EQ(response.trajectories_size(), 64);
  for (const proto::Trajectory& t : response.trajectories()) {
    EXPECT_GE(t.sequence(), 2u);
    EXPECT_LE(t.sequence(), 9u);
    EXPECT_EQ(t.task(), "bag");
  }
  ASSERT_TRUE(Sample(proto::NEWEST_WINDOW, 32, kLong, &response, 2).ok());
  ASSERT_EQ(response.trajectories_size(), 32);
  for (const proto::Trajectory& t : response.trajectories()) {
    EXPECT_GE(t.sequence(), 8u);
  }
  ASSERT_TRUE(Sample(proto::PRIORITIZED, 16, kLong, &response).ok());
  EXPECT_EQ(response.trajectories_size(), 16);

  // FRESH with a lag filter: versions 2..9 are fresh (0, 1 were evicted);
  // learner at 9 with max lag 3 keeps versions 6..9.
  proto::SampleRequest fresh;
  fresh.set_selector(proto::FRESH);
  fresh.set_count(8);
  fresh.set_learner_version(9);
  fresh.set_max_policy_lag(-1);
  EXPECT_EQ(Sample(fresh, kLong, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  fresh.set_max_policy_lag(3);
  ASSERT_TRUE(Sample(fresh, kLong, &response).ok());
  EXPECT_THAT(Sequences(response), ElementsAre(6, 7, 8, 9));
  EXPECT_EQ(response.dropped_for_lag(), 4);

  const proto::InfoResponse info = RpcInfo();
  EXPECT_EQ(info.task(), "bag");
  EXPECT_EQ(info.size(), 8);
  EXPECT_EQ(info.capacity(), 8);
  EXPECT_EQ(info.inserted(), 10);
  EXPECT_EQ(info.duplicates(), 0);
  EXPECT_EQ(info.rejected(), 0);
  EXPECT_EQ(info.evicted(), 2);
  EXPECT_EQ(info.sampled(), 64 + 32 + 16 + 4);
  EXPECT_EQ(info.fresh_sampled(), 4);
  EXPECT_EQ(info.dropped_for_lag(), 4);
  EXPECT_EQ(info.limiter_inserts(), 10);
  EXPECT_EQ(info.limiter_samples(), 8);
  EXPECT_EQ(info.samples_per_insert(), 1.0);
  EXPECT_EQ(info.min_size_to_sample(), 1);
  EXPECT_EQ(info.error_buffer(), 1e9);
  EXPECT_EQ(info.insert_blocked_seconds(), 0.0);
  EXPECT_EQ(info.sample_blocked_seconds(), 0.0);
}

TEST(ReplayServiceOptionsTest, RejectsUnusableOptions) {
  std::unique_ptr<Task> task = BagTask();
  ReplayServiceOptions o;
  o.table.capacity = 4;
  o.limiter.min_size_to_sample = 5;  // could never sample
  EXPECT_TRUE(absl::IsInvalidArgument(
      ReplayServiceImpl::Create(*task, o).status()));
  o.limiter.min_size_to_sample = 4;
  EXPECT_TRUE(ReplayServiceImpl::Create(*task, o).ok());
  o.max_sample_batch = 0;
  EXPECT_TRUE(absl::IsInvalidArgument(
      ReplayServiceImpl::Create(*task, o).status()));
  o.max_sample_batch = 16;
  o.wait_slice = absl::ZeroDuration();
  EXPECT_TRUE(absl::IsInvalidArgument(
      ReplayServiceImpl::Create(*task, o).status()));
}

}  // namespace
}  // namespace ledgfn
