// The versioned policy broadcast end to end: WeightStore -> PolicyServiceImpl
// on a real in-process gRPC server -> PolicyWatcher clients. A scripted fake
// Policy server exercises the watcher's checks with chunks the real service
// never sends (corrupt, cut off, lower versions).
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "actor/policy_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "learner/policy_service.h"
#include "proto/policy_checksum.h"
#include "proto/policy_chunks.h"
#include "learner/weight_store.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/server_util.h"

namespace ledgfn {
namespace {

using ::testing::ElementsAre;

constexpr absl::Duration kDeadline = absl::Seconds(60);

std::vector<float> RandomWeights(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Polls `pred` every few milliseconds until it holds or `timeout` passes.
template <typename Pred>
bool Eventually(Pred pred, absl::Duration timeout = kDeadline) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!pred()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

// Records what a watcher's on_version hook saw.
class Recorder {
 public:
  std::function<void(const std::shared_ptr<const PolicyWeights>&)> Hook() {
    return [this](const std::shared_ptr<const PolicyWeights>& w) {
      const uint64_t sum = PolicyChecksum(w->values);
      absl::MutexLock lock(&mu_);
      versions_.push_back(w->version);
      checksums_.push_back(sum);
    };
  }
  std::vector<int64_t> versions() {
    absl::MutexLock lock(&mu_);
    return versions_;
  }
  std::vector<uint64_t> checksums() {
    absl::MutexLock lock(&mu_);
    return checksums_;
  }

 private:
  absl::Mutex mu_;
  std::vector<int64_t> versions_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> checksums_ ABSL_GUARDED_BY(mu_);
};

// A learner: a store, the Policy service and a server on `address`.
class Learner {
 public:
  explicit Learner(const std::string& address = "127.0.0.1:0",
                   PolicyServiceOptions options = {})
      : service_(&store_, options) {
    auto running = StartServer(address, {&service_});
    EXPECT_TRUE(running.ok()) << running.status();
    if (running.ok()) running_ = std::move(*running);
  }
  ~Learner() { Shutdown(); }

  // The service ends its streams by itself (no forced cancellation), then
  // the server stops.
  void Shutdown() {
    if (running_.server == nullptr) return;
    service_.Shutdown();
    EXPECT_TRUE(Eventually([&] { return service_.Stats().open_streams == 0; }))
        << "WatchPolicy handlers did not exit after Shutdown()";
    running_.server->Shutdown();
    running_.server->Wait();
    running_.server.reset();
  }

  WeightStore& store() { return store_; }
  PolicyServiceImpl& service() { return service_; }
  int port() const { return running_.port; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port()); }

 private:
  WeightStore store_;
  PolicyServiceImpl service_;
  RunningServer running_;
};

PolicyWatcherOptions WatchOptions(const std::string& address,
                                  Recorder* recorder = nullptr) {
  PolicyWatcherOptions o;
  o.address = address;
  o.initial_backoff = absl::Milliseconds(20);
  o.max_backoff = absl::Milliseconds(500);
  if (recorder != nullptr) o.on_version = recorder->Hook();
  return o;
}

void ExpectStrictlyIncreasing(const std::vector<int64_t>& v) {
  for (size_t i = 1; i < v.size(); ++i) {
    EXPECT_LT(v[i - 1], v[i]) << "at " << i;
  }
}

// ---------------------------------------------------------------- WeightStore

TEST(WeightStoreTest, ImplicitVersionsContinueFromTheLatest) {
  WeightStore store;
  EXPECT_EQ(store.Latest(), nullptr);
  EXPECT_EQ(store.Publish({1.0f}), 1);
  EXPECT_EQ(store.Publish({2.0f}), 2);
  ASSERT_TRUE(store.Publish(10, {3.0f}).ok());
  EXPECT_EQ(store.Publish({4.0f}), 11);
  ASSERT_NE(store.Latest(), nullptr);
  EXPECT_EQ(store.Latest()->version, 11);
  EXPECT_THAT(store.Latest()->values, ElementsAre(4.0f));
}

TEST(WeightStoreTest, ExplicitVersionMustIncrease) {
  WeightStore store;
  EXPECT_EQ(store.Publish(0, {1.0f}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Publish(-3, {1.0f}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Latest(), nullptr);
  ASSERT_TRUE(store.Publish(5, {5.0f}).ok());
  EXPECT_EQ(store.Publish(5, {6.0f}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Publish(4, {7.0f}).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_NE(store.Latest(), nullptr);
  EXPECT_EQ(store.Latest()->version, 5);
  EXPECT_THAT(store.Latest()->values, ElementsAre(5.0f));
  EXPECT_TRUE(store.Publish(6, {8.0f}).ok());
}

TEST(WeightStoreTest, WaitNewerTimesOutAndReturnsNewerAtOnce) {
  WeightStore store;
  EXPECT_EQ(store.WaitNewer(0, absl::Milliseconds(30)), nullptr);
  store.Publish({1.0f});
  auto w = store.WaitNewer(0, absl::ZeroDuration());
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->version, 1);
  EXPECT_EQ(store.WaitNewer(1, absl::Milliseconds(30)), nullptr);
  EXPECT_EQ(store.WaitNewer(7, absl::Milliseconds(1)), nullptr);
}

TEST(WeightStoreTest, WaitNewerWakesOnPublish) {
  WeightStore store;
  store.Publish({1.0f});
  std::shared_ptr<const PolicyWeights> got;
  absl::Time woke;
  std::thread waiter([&] {
    got = store.WaitNewer(1, absl::Hours(1));
    woke = absl::Now();
  });
  absl::SleepFor(absl::Milliseconds(20));  // usually blocked by now; either way
  const absl::Time published = absl::Now();
  store.Publish({2.0f});
  waiter.join();
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->version, 2);
  EXPECT_THAT(got->values, ElementsAre(2.0f));
  EXPECT_LT(woke - published, absl::Seconds(30));  // far from the hour
}

TEST(WeightStoreTest, CloseWakesWaitersAndLatestKeepsWorking) {
  WeightStore store;
  store.Publish({1.0f});
  std::shared_ptr<const PolicyWeights> got = std::make_shared<PolicyWeights>();
  std::thread waiter([&] { got = store.WaitNewer(1, absl::Hours(1)); });
  absl::SleepFor(absl::Milliseconds(20));
  store.Close();
  waiter.join();
  EXPECT_EQ(got, nullptr);
  EXPECT_TRUE(store.closed());
  // Closed: no waiting, even for versions that exist.
  EXPECT_EQ(store.WaitNewer(0, absl::Hours(1)), nullptr);
  EXPECT_EQ(store.Publish({2.0f}), 2);
  ASSERT_NE(store.Latest(), nullptr);
  EXPECT_EQ(store.Latest()->version, 2);
}

// ------------------------------------------------------- service and watcher

TEST(PolicyServiceTest, LargeModelReachesAllWatchersAsOneVersion) {
  Learner learner;
  constexpr size_t kFloats = 2'500'000;  // 10 MB
  const std::vector<float> model = RandomWeights(kFloats, 42);
  const uint64_t sum = PolicyChecksum(model);

  std::vector<std::unique_ptr<PolicyWatcher>> watchers;
  for (int i = 0; i < 4; ++i) {
    watchers.push_back(
        std::make_unique<PolicyWatcher>(WatchOptions(learner.address())));
  }
  ASSERT_TRUE(
      Eventually([&] { return learner.service().Stats().open_streams == 4; }));
  for (auto& w : watchers) EXPECT_EQ(w->Latest(), nullptr);

  learner.store().Publish(model);
  for (auto& w : watchers) {
    std::shared_ptr<const PolicyWeights> got = w->WaitForVersion(1, kDeadline);
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->version, 1);
    ASSERT_EQ(got->values.size(), kFloats);
    EXPECT_EQ(PolicyChecksum(got->values), sum);
    EXPECT_EQ(got->values[0], model[0]);
    EXPECT_EQ(got->values[kFloats / 2], model[kFloats / 2]);
    EXPECT_EQ(got->values[kFloats - 1], model[kFloats - 1]);
    EXPECT_TRUE(got->values == model);
    const PolicyWatcherStats stats = w->Stats();
    EXPECT_EQ(stats.versions_received, 1);
    EXPECT_EQ(stats.bytes_received, static_cast<int64_t>(kFloats * 4));
    EXPECT_EQ(stats.rejected_versions, 0);
  }
  const PolicyServiceStats stats = learner.service().Stats();
  EXPECT_EQ(stats.checksums_computed, 1);  // once, not once per stream
  EXPECT_EQ(stats.versions_sent, 4);
  // 10,000,000 bytes in 1 MiB chunks: 9 full chunks and one partial.
  EXPECT_EQ(stats.chunks_sent, 4 * 10);
  EXPECT_EQ(stats.bytes_sent, static_cast<int64_t>(4 * kFloats * 4));
}

TEST(PolicyServiceTest, QuickVersionsEndWithTheNewestInIncreasingOrder) {
  PolicyServiceOptions sopts;
  sopts.chunk_bytes = 4096;  // ~100 chunks per version
  Learner learner("127.0.0.1:0", sopts);
  constexpr int kVersions = 20;
  constexpr size_t kFloats = 100'000;
  std::vector<uint64_t> sums(kVersions + 1);
  std::vector<std::vector<float>> models(kVersions + 1);
  for (int v = 1; v <= kVersions; ++v) {
    models[v] = RandomWeights(kFloats, 1000 + v);
    sums[v] = PolicyChecksum(models[v]);
  }

  std::vector<Recorder> recorders(3);
  std::vector<std::unique_ptr<PolicyWatcher>> watchers;
  for (auto& r : recorders) {
    watchers.push_back(
        std::make_unique<PolicyWatcher>(WatchOptions(learner.address(), &r)));
  }
  ASSERT_TRUE(
      Eventually([&] { return learner.service().Stats().open_streams == 3; }));
  for (int v = 1; v <= kVersions; ++v) {
    ASSERT_EQ(learner.store().Publish(models[v]), v);
  }

  for (size_t i = 0; i < watchers.size(); ++i) {
    std::shared_ptr<const PolicyWeights> got =
        watchers[i]->WaitForVersion(kVersions, kDeadline);
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->version, kVersions);
    EXPECT_TRUE(got->values == models[kVersions]);
    const std::vector<int64_t> seen = recorders[i].versions();
    const std::vector<uint64_t> seen_sums = recorders[i].checksums();
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back(), kVersions);
    ExpectStrictlyIncreasing(seen);
    for (size_t k = 0; k < seen.size(); ++k) {
      EXPECT_EQ(seen_sums[k], sums[seen[k]]) << "version " << seen[k];
    }
    EXPECT_EQ(watchers[i]->Stats().versions_received,
              static_cast<int64_t>(seen.size()));
  }
  EXPECT_LE(learner.service().Stats().checksums_computed, kVersions);
}

TEST(PolicyServiceTest, LateWatcherGetsTheNewestVersionFirst) {
  Learner learner;
  for (int v = 1; v <= 4; ++v) learner.store().Publish(RandomWeights(1000, v));
  const std::vector<float> newest = RandomWeights(5000, 99);
  ASSERT_TRUE(learner.store().Publish(9, newest).ok());

  Recorder recorder;
  PolicyWatcher watcher(WatchOptions(learner.address(), &recorder));
  std::shared_ptr<const PolicyWeights> got = watcher.WaitForVersion(1, kDeadline);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->version, 9);
  EXPECT_TRUE(got->values == newest);
  EXPECT_THAT(recorder.versions(), ElementsAre(9));  // nothing older, ever
}

TEST(PolicyServiceTest, WatcherKeepsOldWeightsWhileALargeVersionStreams) {
  Learner learner;
  const std::vector<float> v1 = RandomWeights(2'500'000, 1);
  const std::vector<float> v2 = RandomWeights(3'000'000, 2);  // other size
  const uint64_t sum1 = PolicyChecksum(v1);
  const uint64_t sum2 = PolicyChecksum(v2);
  learner.store().Publish(v1);
  PolicyWatcher watcher(WatchOptions(learner.address()));
  ASSERT_NE(watcher.WaitForVersion(1, kDeadline), nullptr);

  std::atomic<bool> done{false};
  int64_t observations = 0, bad = 0, saw_v1 = 0;
  std::thread poller([&] {
    while (!done) {
      std::shared_ptr<const PolicyWeights> w = watcher.Latest();
      ++observations;
      const bool ok =
          w != nullptr &&
          ((w->version == 1 && w->values.size() == v1.size() &&
            PolicyChecksum(w->values) == sum1) ||
           (w->version == 2 && w->values.size() == v2.size() &&
            PolicyChecksum(w->values) == sum2));
      if (!ok) ++bad;
      if (w != nullptr && w->version == 1) ++saw_v1;
    }
  });
  learner.store().Publish(v2);
  std::shared_ptr<const PolicyWeights> got = watcher.WaitForVersion(2, kDeadline);
  done = true;
  poller.join();
  ASSERT_NE(got, nullptr);
  EXPECT_TRUE(got->values == v2);
  EXPECT_EQ(bad, 0) << "of " << observations << " observations";
  EXPECT_GT(saw_v1, 0);
}

TEST(PolicyServiceTest, WatcherReconnectsToARestartedLearner) {
  auto first = std::make_unique<Learner>();
  const int port = first->port();
  ASSERT_TRUE(first->store().Publish(3, RandomWeights(10'000, 3)).ok());
  Recorder recorder;
  PolicyWatcher watcher(WatchOptions(first->address(), &recorder));
  ASSERT_NE(watcher.WaitForVersion(3, kDeadline), nullptr);

  first->Shutdown();  // asserts that the open stream ended by itself
  first.reset();
  // The learner is away: the watcher keeps trying and keeps its weights.
  ASSERT_TRUE(Eventually([&] { return watcher.Stats().reconnects >= 2; }));
  ASSERT_NE(watcher.Latest(), nullptr);
  EXPECT_EQ(watcher.Latest()->version, 3);

  // The learner comes back on the same port with its restored counter.
  Learner second(absl::StrCat("127.0.0.1:", port));
  ASSERT_EQ(second.port(), port);
  const std::vector<float> v7 = RandomWeights(10'000, 7);
  ASSERT_TRUE(second.store().Publish(7, v7).ok());
  std::shared_ptr<const PolicyWeights> got = watcher.WaitForVersion(7, kDeadline);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->version, 7);
  EXPECT_TRUE(got->values == v7);
  EXPECT_THAT(recorder.versions(), ElementsAre(3, 7));
  EXPECT_EQ(watcher.Stats().versions_received, 2);
}

TEST(PolicyServiceTest, StoreCloseAndClientStopEndStreams) {
  Learner learner;
  learner.store().Publish({1.0f, 2.0f});
  PolicyWatcher a(WatchOptions(learner.address()));
  PolicyWatcher b(WatchOptions(learner.address()));
  ASSERT_NE(a.WaitForVersion(1, kDeadline), nullptr);
  ASSERT_NE(b.WaitForVersion(1, kDeadline), nullptr);
  ASSERT_TRUE(
      Eventually([&] { return learner.service().Stats().open_streams == 2; }));
  a.Stop();  // the server notices the cancellation
  EXPECT_TRUE(
      Eventually([&] { return learner.service().Stats().open_streams == 1; }));
  EXPECT_THAT(a.Latest()->values, ElementsAre(1.0f, 2.0f));  // still held
  learner.store().Close();  // ends the other one with UNAVAILABLE
  EXPECT_TRUE(
      Eventually([&] { return learner.service().Stats().open_streams == 0; }));
  EXPECT_TRUE(Eventually([&] {
    return b.Stats().last_stream_status.code() == absl::StatusCode::kUnavailable;
  }));
}

TEST(PolicyServiceTest, StopInterruptsTheBackoffWait) {
  // A port with nothing listening: bind one, then stop the server.
  int port = 0;
  {
    Learner gone;
    port = gone.port();
  }
  PolicyWatcherOptions o = WatchOptions(absl::StrCat("127.0.0.1:", port));
  o.initial_backoff = absl::Seconds(120);  // the first failure waits this long
  o.max_backoff = absl::Seconds(120);
  PolicyWatcher watcher(o);
  ASSERT_TRUE(Eventually([&] { return !watcher.Stats().last_stream_status.ok(); }));
  const absl::Time start = absl::Now();
  watcher.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));  // far below 120 s
  EXPECT_EQ(watcher.Stats().reconnects, 0);
  EXPECT_EQ(watcher.Latest(), nullptr);
}

// ------------------------------------------- scripted server: watcher checks

std::vector<proto::PolicyChunk> Chunks(int64_t version,
                                       const std::vector<float>& values,
                                       int chunk_bytes) {
  return SplitPolicyVersion(version, values, PolicyChecksum(values), chunk_bytes);
}

// Serves a fixed script per call: call i writes calls[i].chunks (optionally
// waiting for `gate` before chunk `gate_at`) and then ends the stream (OK) if
// `end`, else holds it open until cancelled. Calls beyond the script hold.
class ScriptedPolicyService final : public proto::Policy::Service {
 public:
  struct Call {
    std::vector<proto::PolicyChunk> chunks;
    bool end = false;
    absl::Notification* gate = nullptr;
    size_t gate_at = 0;
  };
  explicit ScriptedPolicyService(std::vector<Call> calls)
      : calls_(std::move(calls)) {}

  grpc::Status WatchPolicy(
      grpc::ServerContext* context, const proto::WatchPolicyRequest* request,
      grpc::ServerWriter<proto::PolicyChunk>* writer) override {
    size_t index;
    {
      absl::MutexLock lock(&mu_);
      index = have_versions_.size();
      have_versions_.push_back(request->have_version());
    }
    if (index < calls_.size()) {
      const Call& call = calls_[index];
      for (size_t i = 0; i < call.chunks.size(); ++i) {
        if (call.gate != nullptr && i == call.gate_at) {
          while (!call.gate->WaitForNotificationWithTimeout(
              absl::Milliseconds(10))) {
            if (context->IsCancelled()) return grpc::Status::CANCELLED;
          }
        }
        if (!writer->Write(call.chunks[i])) return grpc::Status::CANCELLED;
      }
      if (call.end) return grpc::Status::OK;
    }
    while (!context->IsCancelled()) absl::SleepFor(absl::Milliseconds(10));
    return grpc::Status::CANCELLED;
  }

  std::vector<int64_t> have_versions() {
    absl::MutexLock lock(&mu_);
    return have_versions_;
  }

 private:
  const std::vector<Call> calls_;
  absl::Mutex mu_;
  std::vector<int64_t> have_versions_ ABSL_GUARDED_BY(mu_);
};

class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<ScriptedPolicyService::Call> calls)
      : service_(std::move(calls)) {
    auto running = StartServer("127.0.0.1:0", {&service_});
    EXPECT_TRUE(running.ok()) << running.status();
    if (running.ok()) running_ = std::move(*running);
  }
  ~ScriptedServer() {
    if (running_.server == nullptr) return;
    running_.server->Shutdown(std::chrono::system_clock::now() +
                              std::chrono::seconds(5));
    running_.server->Wait();
  }
  std::string address() const {
    return absl::StrCat("127.0.0.1:", running_.port);
  }
  ScriptedPolicyService& service() { return service_; }

 private:
  ScriptedPolicyService service_;
  RunningServer running_;
};

std::vector<proto::PolicyChunk> Concat(
    std::vector<std::vector<proto::PolicyChunk>> parts) {
  std::vector<proto::PolicyChunk> all;
  for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

TEST(PolicyWatcherTest, PartialVersionNeverReplacesTheHeldOne) {
  const std::vector<float> v1 = RandomWeights(300, 1);
  const std::vector<float> v2 = RandomWeights(400, 2);
  const auto c1 = Chunks(1, v1, 256);  // 1200 bytes: 5 chunks
  const auto c2 = Chunks(2, v2, 256);  // 1600 bytes: 7 chunks
  absl::Notification gate;
  ScriptedPolicyService::Call call;
  call.chunks = Concat({c1, c2});
  call.gate = &gate;
  call.gate_at = c1.size() + 3;  // three chunks of v2, then wait
  ScriptedServer server({call});
  PolicyWatcher watcher(WatchOptions(server.address()));

  ASSERT_NE(watcher.WaitForVersion(1, kDeadline), nullptr);
  // Wait until the watcher has the three chunks of v2 in hand.
  ASSERT_TRUE(Eventually(
      [&] { return watcher.Stats().bytes_received == 1200 + 3 * 256; }));
  std::shared_ptr<const PolicyWeights> held = watcher.Latest();
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->version, 1);
  EXPECT_TRUE(held->values == v1);

  gate.Notify();
  std::shared_ptr<const PolicyWeights> got = watcher.WaitForVersion(2, kDeadline);
  ASSERT_NE(got, nullptr);
  EXPECT_TRUE(got->values == v2);
  EXPECT_EQ(watcher.Stats().rejected_versions, 0);
  EXPECT_EQ(watcher.Stats().reconnects, 0);
}

TEST(PolicyWatcherTest, RejectsCorruptOrCutOffVersionsAndReconnects) {
  const std::vector<float> v1 = RandomWeights(300, 1);
  const std::vector<float> v2 = RandomWeights(300, 2);
  const std::vector<float> v3 = RandomWeights(300, 3);
  const std::vector<float> v4 = RandomWeights(300, 4);
  auto bad_sum = Chunks(2, v2, 256);
  for (auto& c : bad_sum) c.set_checksum(c.checksum() ^ 1);
  auto gap = Chunks(3, v3, 256);
  gap.erase(gap.begin() + 2);  // offsets jump
  auto cut = Chunks(3, v3, 256);
  cut.pop_back();  // the stream ends before `last`
  std::vector<ScriptedPolicyService::Call> calls(4);
  calls[0].chunks = Concat({Chunks(1, v1, 256), bad_sum});
  calls[1].chunks = gap;
  calls[2].chunks = cut;
  calls[2].end = true;
  calls[3].chunks = Chunks(4, v4, 256);
  ScriptedServer server(calls);
  Recorder recorder;
  PolicyWatcher watcher(WatchOptions(server.address(), &recorder));

  std::shared_ptr<const PolicyWeights> got = watcher.WaitForVersion(4, kDeadline);
  ASSERT_NE(got, nullptr);
  EXPECT_TRUE(got->values == v4);
  EXPECT_THAT(recorder.versions(), ElementsAre(1, 4));
  const PolicyWatcherStats stats = watcher.Stats();
  EXPECT_EQ(stats.rejected_versions, 3);
  EXPECT_EQ(stats.reconnects, 3);
  // Every reconnect announced the version held.
  EXPECT_THAT(server.service().have_versions(), ElementsAre(0, 1, 1, 1));
}

TEST(PolicyWatcherTest, IgnoresVersionsNotAboveTheOneHeld) {
  // A learner restarted without its version counter: it sends v2 although
  // the watcher holds v5. The watcher keeps v5 and takes v6.
  const std::vector<float> v5 = RandomWeights(100, 5);
  const std::vector<float> v2 = RandomWeights(100, 2);
  const std::vector<float> v6 = RandomWeights(100, 6);
  std::vector<ScriptedPolicyService::Call> calls(2);
  calls[0].chunks = Chunks(5, v5, 128);
  calls[0].end = true;
  calls[1].chunks = Concat({Chunks(2, v2, 128), Chunks(6, v6, 128)});
  ScriptedServer server(calls);
  Recorder recorder;
  PolicyWatcher watcher(WatchOptions(server.address(), &recorder));

  std::shared_ptr<const PolicyWeights> got = watcher.WaitForVersion(6, kDeadline);
  ASSERT_NE(got, nullptr);
  EXPECT_TRUE(got->values == v6);
  EXPECT_THAT(recorder.versions(), ElementsAre(5, 6));
  EXPECT_EQ(watcher.Stats().ignored_versions, 1);
  EXPECT_EQ(watcher.Stats().rejected_versions, 0);
  EXPECT_THAT(server.service().have_versions(), ElementsAre(0, 5));
}

TEST(PolicyWatcherTest, EmptyVersionIsOneChunk) {
  std::vector<ScriptedPolicyService::Call> calls(1);
  calls[0].chunks = Concat({Chunks(1, {}, 128), Chunks(2, {4.0f}, 128)});
  ASSERT_EQ(calls[0].chunks.size(), 2u);
  ScriptedServer server(calls);
  Recorder recorder;
  PolicyWatcher watcher(WatchOptions(server.address(), &recorder));
  std::shared_ptr<const PolicyWeights> got = watcher.WaitForVersion(2, kDeadline);
  ASSERT_NE(got, nullptr);
  EXPECT_THAT(got->values, ElementsAre(4.0f));
  EXPECT_THAT(recorder.versions(), ElementsAre(1, 2));
}

}  // namespace
}  // namespace ledgfn
