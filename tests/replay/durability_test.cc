// Replay durability: framed records and torn tails, the write-ahead log's
// group commit, snapshots, and restarts of a real ReplayServiceImpl on the
// same data directory (recovered table, dedupe keys, FRESH cursor and a
// limiter that does not wedge), plus the refusals (another task, a missing
// WAL segment).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "common/file_util.h"
#include "proto/replay_storage.pb.h"
#include "replay/dedupe_index.h"
#include "replay/record_io.h"
#include "replay/recovery.h"
#include "replay/replay_service.h"
#include "replay/write_ahead_log.h"
#include "tests/replay/trajectory_fixtures.h"
#include "tasks/registry.h"

namespace ledgfn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr absl::Duration kLong = absl::Seconds(60);

std::string FreshDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("ledgfn_durability_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

ReplayServiceOptions DurableOptions(const std::string& dir, Durability mode) {
  ReplayServiceOptions o;
  o.table.capacity = 1000;
  o.limiter.samples_per_insert = 1;
  o.limiter.min_size_to_sample = 4;
  o.limiter.error_buffer = 100;
  o.durability = mode;
  o.data_dir = dir;
  o.snapshot_every = absl::InfiniteDuration();  // snapshots only when asked
  return o;
}

std::unique_ptr<ReplayServiceImpl> MakeService(const Task& task,
                                               const ReplayServiceOptions& o) {
  auto service = ReplayServiceImpl::Create(task, o);
  EXPECT_TRUE(service.ok()) << service.status();
  return service.ok() ? *std::move(service) : nullptr;
}

proto::Ack Insert(ReplayServiceImpl& service, const proto::Trajectory& t) {
  proto::Ack ack;
  const absl::Status s =
      service.InsertTrajectory(t, absl::Now() + kLong, [] { return false; }, &ack);
  EXPECT_TRUE(s.ok()) << s;
  return ack;
}

std::vector<uint64_t> FreshSequences(ReplayServiceImpl& service, int count) {
  proto::SampleRequest request;
  request.set_selector(proto::FRESH);
  request.set_count(count);
  auto response = service.SampleTrajectories(request, absl::Now() + kLong,
                                             [] { return false; });
  EXPECT_TRUE(response.ok()) << response.status();
  std::vector<uint64_t> out;
  if (response.ok()) {
    for (const auto& t : response->trajectories()) out.push_back(t.sequence());
  }
  return out;
}

std::vector<bool> Stored(const ReplayServiceImpl& service, const Task& task,
                         uint64_t first, uint64_t end) {
  proto::LookupRequest request;
  for (uint64_t s = first; s < end; ++s) {
    const proto::Trajectory t = ValidTrajectory(task, s);
    auto* key = request.add_keys();
    key->set_actor_id(t.actor_id());
    key->set_incarnation(t.incarnation());
    key->set_sequence(t.sequence());
  }
  auto response = service.LookupKeys(request);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? std::vector<bool>(response->stored().begin(),
                                           response->stored().end())
                       : std::vector<bool>();
}

TEST(RecordIoTest, StopsAtTornAndCorruptFramesAndReportsTheRest) {
  const std::string dir = FreshDir("records");
  ASSERT_TRUE(MakeDirs(dir).ok());
  const std::string path = dir + "/records";
  std::string bytes;
  proto::SampleMark mark;
  for (int i = 1; i <= 3; ++i) {
    mark.set_fresh_cursor(i);
    AppendRecord(mark, &bytes);
  }
  const size_t one = bytes.size() / 3;
  auto read_all = [&](const std::string& contents, int64_t* torn) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
    auto reader = RecordReader::Open(path);
    EXPECT_TRUE(reader.ok());
    std::vector<int64_t> cursors;
    proto::SampleMark m;
    while (reader->Next(&m)) cursors.push_back(m.fresh_cursor());
    *torn = reader->torn_bytes();
    return cursors;
  };
  int64_t torn = -1;
  EXPECT_EQ(read_all(bytes, &torn), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(torn, 0);
  // A write cut off inside the third frame.
  EXPECT_EQ(read_all(bytes.substr(0, bytes.size() - 2), &torn),
            (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(torn, static_cast<int64_t>(one - 2));
  // A flipped payload byte in the second frame fails its CRC.
  std::string corrupt = bytes;
  corrupt[one + 9] ^= 0x40;
  EXPECT_EQ(read_all(corrupt, &torn), (std::vector<int64_t>{1}));
  EXPECT_EQ(torn, static_cast<int64_t>(2 * one));
  // A huge length never allocates: it is a torn frame.
  std::string huge = bytes.substr(0, one) + std::string("\xff\xff\xff\x7f\0\0\0\0", 8);
  EXPECT_EQ(read_all(huge, &torn), (std::vector<int64_t>{1}));
  EXPECT_EQ(torn, 8);
  EXPECT_TRUE(absl::IsNotFound(RecordReader::Open(dir + "/missing").status()));
}

TEST(DedupeIndexTest, ExportImportRestoresAnswersAndEvictionOrder) {
  DedupeIndex index(/*window=*/8, /*max_incarnations=*/2);
  for (uint64_t s : {0, 1, 2, 5, 6}) index.Add(1, 10, s);  // floor 3, recent {5, 6}
  index.Add(2, 20, 0);
  DedupeIndex copy(8, 2);
  copy.Import(index.Export());
  for (uint64_t s = 0; s < 9; ++s) {
    EXPECT_EQ(copy.Contains(1, 10, s), index.Contains(1, 10, s)) << s;
  }
  EXPECT_TRUE(copy.Contains(2, 20, 0));
  // (1, 10) was used least recently in both, so a third stream evicts it.
  index.Add(3, 30, 0);
  copy.Add(3, 30, 0);
  EXPECT_FALSE(copy.Contains(1, 10, 0));
  EXPECT_EQ(copy.Contains(1, 10, 0), index.Contains(1, 10, 0));
  EXPECT_TRUE(copy.Contains(2, 20, 0));
}

TEST(WriteAheadLogTest, GroupCommitsConcurrentAppendsAndRotates) {
  const std::string dir = FreshDir("wal");
  auto wal = WriteAheadLog::Open(dir, /*first_index=*/0);
  ASSERT_TRUE(wal.ok()) << wal.status();
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      proto::WalRecord record;
      record.mutable_sample()->set_fresh_cursor(1);
      for (int i = 0; i < kPerThread; ++i) {
        const int64_t sequence = (*wal)->Append(record);
        if (!(*wal)->AwaitDurable(sequence, absl::Now() + kLong).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const WriteAheadLogStats stats = (*wal)->stats();
  EXPECT_EQ(stats.records, kThreads * kPerThread);
  // Group commit: concurrent waiters share syncs.
  EXPECT_LT(stats.syncs, stats.records);
  const int64_t rotation = (*wal)->Rotate(/*first_index=*/400);
  EXPECT_TRUE((*wal)->AwaitDurable(rotation, absl::Now() + kLong).ok());
  EXPECT_TRUE((*wal)->Close().ok());
  auto segments = ListDir(dir, kWalPrefix, kWalSuffix);
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(*segments, (std::vector<std::string>{IndexName("wal-", 0, ".log"),
                                                 IndexName("wal-", 400, ".log")}));
  // After Close nothing new becomes durable.
  proto::WalRecord record;
  EXPECT_TRUE(absl::IsUnavailable(
      (*wal)->AwaitDurable((*wal)->Append(record), absl::Now() + kLong)));
}

TEST(ReplayDurabilityTest, WalRestartKeepsEveryAckedInsertDedupeAndFreshCursor) {
  auto task = BagTask();
  const std::string dir = FreshDir("wal_restart");
  const ReplayServiceOptions options = DurableOptions(dir, Durability::kWal);
  {
    auto service = MakeService(*task, options);
    ASSERT_NE(service, nullptr);
    for (uint64_t s = 0; s < 50; ++s) {
      EXPECT_FALSE(Insert(*service, ValidTrajectory(*task, s)).duplicate());
    }
    EXPECT_EQ(FreshSequences(*service, 10),
              (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    // Destroyed without Close(): no final snapshot, only the log.
  }
  auto service = MakeService(*task, options);
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->recovery().wal_inserts, 50);
  EXPECT_EQ(service->Info().recovered, 50);
  EXPECT_EQ(Stored(*service, *task, 0, 50), std::vector<bool>(50, true));
  EXPECT_EQ(Stored(*service, *task, 50, 52), std::vector<bool>(2, false));
  // The dedupe keys survived: a resend is a duplicate and not stored again.
  EXPECT_TRUE(Insert(*service, ValidTrajectory(*task, 7)).duplicate());
  EXPECT_EQ(service->Info().size, 50);
  // FRESH continues after what it returned before the restart.
  EXPECT_EQ(FreshSequences(*service, 3), (std::vector<uint64_t>{10, 11, 12}));
  // New inserts are admitted (the restored limiter is not wedged).
  EXPECT_FALSE(Insert(*service, ValidTrajectory(*task, 50)).duplicate());
  EXPECT_EQ(service->Info().size, 51);
}

TEST(ReplayDurabilityTest, SnapshotModeKeepsTheLastSnapshotAndCloseKeepsAll) {
  auto task = BagTask();
  const std::string dir = FreshDir("snapshot");
  const ReplayServiceOptions options = DurableOptions(dir, Durability::kSnapshot);
  {
    auto service = MakeService(*task, options);
    for (uint64_t s = 0; s < 30; ++s) Insert(*service, ValidTrajectory(*task, s));
    ASSERT_TRUE(service->WriteSnapshotNow().ok());
    for (uint64_t s = 30; s < 40; ++s) Insert(*service, ValidTrajectory(*task, s));
    // A crash now (no Close) loses the 10 inserts after the snapshot.
  }
  {
    auto service = MakeService(*task, options);
    EXPECT_EQ(service->Info().recovered, 30);
    EXPECT_EQ(Stored(*service, *task, 28, 32),
              (std::vector<bool>{true, true, false, false}));
    for (uint64_t s = 30; s < 40; ++s) Insert(*service, ValidTrajectory(*task, s));
    ASSERT_TRUE(service->Close().ok());  // graceful: final snapshot
  }
  auto service = MakeService(*task, options);
  EXPECT_EQ(service->Info().recovered, 40);
  EXPECT_EQ(Stored(*service, *task, 0, 40), std::vector<bool>(40, true));
  auto snapshots = ListDir(dir, kSnapshotPrefix, kSnapshotSuffix);
  ASSERT_TRUE(snapshots.ok());
  EXPECT_EQ(snapshots->size(), 1u);  // older ones deleted
}

TEST(ReplayDurabilityTest, WalSnapshotsCompactTheLogAndRecoveryCombinesBoth) {
  auto task = BagTask();
  const std::string dir = FreshDir("compact");
  ReplayServiceOptions options = DurableOptions(dir, Durability::kWal);
  options.table.capacity = 25;  // recovery keeps the newest 25, dedupe all
  {
    auto service = MakeService(*task, options);
    for (uint64_t s = 0; s < 20; ++s) Insert(*service, ValidTrajectory(*task, s));
    ASSERT_TRUE(service->WriteSnapshotNow().ok());
    for (uint64_t s = 20; s < 40; ++s) Insert(*service, ValidTrajectory(*task, s));
  }
  auto segments = ListDir(dir, kWalPrefix, kWalSuffix);
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(*segments, (std::vector<std::string>{IndexName("wal-", 20, ".log")}));
  auto service = MakeService(*task, options);
  EXPECT_EQ(service->recovery().snapshot_items, 20);
  EXPECT_EQ(service->recovery().wal_inserts, 20);
  EXPECT_EQ(service->Info().size, 25);
  std::vector<bool> expected(40, false);
  for (int s = 15; s < 40; ++s) expected[s] = true;
  EXPECT_EQ(Stored(*service, *task, 0, 40), expected);
  EXPECT_TRUE(Insert(*service, ValidTrajectory(*task, 3)).duplicate());
}

TEST(ReplayDurabilityTest, TornLogTailIsIgnoredAndLaterSegmentsContinue) {
  auto task = BagTask();
  const std::string dir = FreshDir("torn");
  const ReplayServiceOptions options = DurableOptions(dir, Durability::kWal);
  {
    auto service = MakeService(*task, options);
    for (uint64_t s = 0; s < 10; ++s) Insert(*service, ValidTrajectory(*task, s));
  }
  const std::string segment = dir + "/" + IndexName("wal-", 0, ".log");
  fs::resize_file(segment, fs::file_size(segment) - 5);  // a cut-off write
  {
    auto service = MakeService(*task, options);
    EXPECT_EQ(service->recovery().wal_inserts, 9);
    EXPECT_GT(service->recovery().torn_bytes, 0);
    EXPECT_EQ(Stored(*service, *task, 8, 10), (std::vector<bool>{true, false}));
    // The lost one was never acknowledged in a real crash; its resend is new.
    EXPECT_FALSE(Insert(*service, ValidTrajectory(*task, 9)).duplicate());
  }
  auto service = MakeService(*task, options);
  EXPECT_EQ(service->Info().recovered, 10);
  EXPECT_EQ(Stored(*service, *task, 0, 10), std::vector<bool>(10, true));
}

TEST(ReplayDurabilityTest, RefusesAnotherTasksDataAndAMissingSegment) {
  auto task = BagTask();
  const std::string dir = FreshDir("refuse");
  ReplayServiceOptions options = DurableOptions(dir, Durability::kWal);
  {
    auto service = MakeService(*task, options);
    for (uint64_t s = 0; s < 5; ++s) Insert(*service, ValidTrajectory(*task, s));
    ASSERT_TRUE(service->Close().ok());
  }
  TaskOptions other;
  other.name = "hypergrid";
  auto hypergrid = MakeTask(other);
  ASSERT_TRUE(hypergrid.ok());
  auto refused = ReplayServiceImpl::Create(**hypergrid, options);
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("bag"));

  // A segment that does not continue the recovered data: DATA_LOSS.
  std::ofstream(dir + "/" + IndexName("wal-", 7, ".log")) << "";
  auto gap = ReplayServiceImpl::Create(*task, options);
  EXPECT_TRUE(absl::IsDataLoss(gap.status())) << gap.status();

  options.data_dir = "";
  EXPECT_TRUE(absl::IsInvalidArgument(ReplayServiceImpl::Create(*task, options).status()));
  EXPECT_FALSE(ParseDurability("fsync").ok());
}

}  // namespace
}  // namespace ledgfn
