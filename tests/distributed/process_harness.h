// Real processes for distributed tests: spawn a binary with its output in a
// log file, SIGTERM or kill -9 it, wait for its --port_file, read its
// metrics.csv, scrape its /metrics endpoint.
#ifndef LEDGFN_TESTS_DISTRIBUTED_PROCESS_HARNESS_H_
#define LEDGFN_TESTS_DISTRIBUTED_PROCESS_HARNESS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

extern char** environ;

namespace ledgfn {

using Clock = std::chrono::steady_clock;

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A child process with stderr (and stdout) captured to a file.
class Process {
 public:
  Process(const std::string& binary, std::vector<std::string> args,
          const std::string& log)
      : log_(log) {
    args.insert(args.begin(), binary);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    EXPECT_EQ(posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Process() { Kill(); }
  // kill -9 (no chance to clean up: a crash, an OOM kill, a lost node) and
  // reap. The exit status: 128 + SIGKILL, or the earlier one if it had
  // exited already.
  int Kill() {
    if (pid_ <= 0 || exited_) return status_;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exited_ = true;
    status_ = Decode(status);
    return status_;
  }
  // Exit status after SIGTERM, or -1 if it did not exit within `timeout`.
  // The signal is sent once the process catches SIGTERM: a role still
  // loading its libraries (seconds for LibTorch on a busy machine) would die
  // by the default action, 128 + SIGTERM, which is not the graceful stop a
  // test means to check. (A role that never installs its handler is still
  // signalled, after `timeout`, and its status shows it.)
  int Terminate(std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    while (!exited_ && !CatchesSigterm() && Clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (exited_) return status_;
    kill(pid_, SIGTERM);
    return Wait(timeout);
  }
  int Wait(std::chrono::milliseconds timeout) {
    if (exited_) return status_;
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      if (Reaped()) return status_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  std::string log() const { return ReadFile(log_); }

 private:
  // Reaps the process if it has exited (without waiting); then status_ is
  // its exit status.
  bool Reaped() {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
    exited_ = true;
    status_ = Decode(status);
    return true;
  }

  // Whether the process has a handler for SIGTERM: bit 15 of SigCgt in
  // /proc/<pid>/status. Reaps it (and says no) if it has exited.
  bool CatchesSigterm() {
    if (Reaped()) return false;
    std::istringstream in(ReadFile("/proc/" + std::to_string(pid_) + "/status"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("SigCgt:", 0) == 0) {
        const uint64_t caught = std::strtoull(line.c_str() + 7, nullptr, 16);
        return (caught >> (SIGTERM - 1)) & 1;
      }
    }
    return false;
  }

  static int Decode(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string log_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = -1;
};

inline int WaitForPort(const std::string& file) {
  const auto end = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < end) {
    std::ifstream in(file);
    int port = 0;
    if (in >> port && port > 0) return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

// The data rows of a metrics.csv, each as column name -> value.
inline std::vector<std::map<std::string, double>> CsvRows(const std::string& csv) {
  std::istringstream in(ReadFile(csv));
  std::string header, line;
  std::getline(in, header);
  std::vector<std::map<std::string, double>> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::map<std::string, double> row;
    std::istringstream h(header), v(line);
    std::string name, value;
    while (std::getline(h, name, ',') && std::getline(v, value, ',')) {
      // An empty cell is a value the run could not compute.
      row[name] = value.empty() ? std::numeric_limits<double>::quiet_NaN()
                                : std::strtod(value.c_str(), nullptr);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The last data row of a metrics.csv (empty if none).
inline std::map<std::string, double> LastRow(const std::string& csv) {
  auto rows = CsvRows(csv);
  return rows.empty() ? std::map<std::string, double>() : rows.back();
}

inline int64_t Captured(const std::string& text, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) return -1;
  return std::stoll(m[1]);
}


// A port that was free a moment ago (bind to 0, read it, close).
inline int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// GET http://127.0.0.1:port/metrics; the body, or "" on failure.
inline std::string Scrape(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    send(fd, request.data(), request.size(), 0);
    char buf[65536];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, n);
  }
  close(fd);
  const size_t body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

// The value of the first sample line starting with `series` ("name" or
// "name{labels"), or -1.
inline double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series, 0) == 0 &&
        (line[series.size()] == ' ' || line[series.size()] == '{')) {
      return std::strtod(line.substr(line.rfind(' ') + 1).c_str(), nullptr);
    }
  }
  return -1;
}

}  // namespace ledgfn

#endif  // LEDGFN_TESTS_DISTRIBUTED_PROCESS_HARNESS_H_
