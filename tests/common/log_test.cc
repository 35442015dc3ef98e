// Tests of the programs' log records: format, and whole lines under
// concurrent writers.
#include "common/log.h"

#include <atomic>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

TEST(LogTest, RecordHasUtcTimeWithMillisRoleSeverityAndMessage) {
  const absl::Time t = absl::FromUnixMillis(1796402401123);  // 2026-12-04
  EXPECT_EQ(FormatLogRecord(t, "ledgfn_learner", LogSeverity::kInfo, "hello"),
            "2026-12-04T16:40:01.123Z ledgfn_learner I: hello\n");
  EXPECT_EQ(FormatLogRecord(absl::FromUnixMillis(5), "r", LogSeverity::kWarning, "w"),
            "1970-01-01T00:00:00.005Z r W: w\n");
  EXPECT_EQ(FormatLogRecord(t, "ledgfn_actor/3", LogSeverity::kError, "e"),
            "2026-12-04T16:40:01.123Z ledgfn_actor/3 E: e\n");
}

TEST(LogTest, WritesOneRecordToStderrWithTheCurrentTime) {
  SetLogRole("log_test");
  testing::internal::CaptureStderr();
  const absl::Time before = absl::Now();
  LogWarning("replay rejected trajectory %d: %s", 7, "bad actions");
  const absl::Time after = absl::Now();
  const std::string out = testing::internal::GetCapturedStderr();

  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      out, m,
      std::regex(R"((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) log_test W: replay rejected trajectory 7: bad actions\n)")))
      << out;
  absl::Time logged;
  std::string error;
  ASSERT_TRUE(absl::ParseTime("%Y-%m-%dT%H:%M:%E3SZ", m[1].str(),
                              absl::UTCTimeZone(), &logged, &error))
      << error;
  EXPECT_GE(logged, absl::FromUnixMillis(absl::ToUnixMillis(before)));  // truncated
  EXPECT_LE(logged, after);
}

TEST(LogTest, ConcurrentRecordsNeverInterleave) {
  SetLogRole("log_test");
  constexpr int kThreads = 2;
  constexpr int kRecords = 2000;
  // Long messages (about a page each), both threads released at once: a
  // record written in two pieces is split by the other thread's records
  // hundreds of times here.
  testing::internal::CaptureStderr();
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &ready] {
      const std::string body(4000, static_cast<char>('a' + t));
      ++ready;
      while (ready.load() < kThreads) {
      }
      for (int i = 0; i < kRecords; ++i) LogInfo("%d %d %s", t, i, body);
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::string out = testing::internal::GetCapturedStderr();

  // The header by regex; the long body by comparison (std::regex recurses
  // per character).
  const std::regex header(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z log_test I: (\d) (\d+))");
  std::vector<int> next(kThreads, 0);
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    ++lines;
    const size_t space = line.rfind(' ');
    ASSERT_NE(space, absl::string_view::npos) << line.substr(0, 200);
    const std::string head(line.substr(0, space));
    std::smatch m;
    ASSERT_TRUE(std::regex_match(head, m, header))
        << "torn record: " << line.substr(0, 200);
    const int t = std::stoi(m[1].str());
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(std::stoi(m[2].str()), next[t]++);  // each thread's, in order
    EXPECT_EQ(line.substr(space + 1), std::string(4000, static_cast<char>('a' + t)))
        << "torn record: " << line.substr(0, 200);
  }
  EXPECT_EQ(lines, kThreads * kRecords);
}

}  // namespace
}  // namespace ledgfn
