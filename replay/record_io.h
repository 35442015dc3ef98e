// Framed records on disk for the replay service's durability (snapshots and
// the write-ahead log). File operations: common/file_util.h.
//
// Frame: 4-byte little-endian payload length, 4-byte little-endian CRC-32
// (zlib) of the payload, the payload (a serialised protobuf message). A
// reader stops at the first frame that is short (a write cut off by a crash)
// or fails its CRC: everything before it is intact, everything from it on
// is reported as `torn_bytes` and ignored. Payloads are limited to
// kMaxRecordBytes so a damaged length can never make a reader allocate
// gigabytes.
#ifndef LEDGFN_REPLAY_RECORD_IO_H_
#define LEDGFN_REPLAY_RECORD_IO_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message_lite.h"

namespace ledgfn {

inline constexpr uint32_t kMaxRecordBytes = 64u << 20;

// Appends the frame of `message` to `out`.
void AppendRecord(const google::protobuf::MessageLite& message, std::string* out);

// Reads the frames of one file in order.
class RecordReader {
 public:
  // NOT_FOUND if the file does not exist; PERMISSION_DENIED if unreadable.
  static absl::StatusOr<RecordReader> Open(const std::string& path);
  RecordReader(RecordReader&& other) noexcept;
  RecordReader& operator=(RecordReader&&) = delete;
  ~RecordReader();

  // Parses the next intact frame into `message`. False at the end of the
  // file, at a torn or corrupt frame, or when the payload does not parse as
  // `message` (then torn_bytes() counts the rest of the file).
  bool Next(google::protobuf::MessageLite* message);
  // Bytes after the last intact frame (0 for a cleanly ended file).
  int64_t torn_bytes() const { return torn_bytes_; }

 private:
  RecordReader(std::FILE* file, int64_t size) : file_(file), size_(size) {}
  std::FILE* file_;
  int64_t size_;
  int64_t offset_ = 0;
  int64_t torn_bytes_ = 0;
  std::string payload_;
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_RECORD_IO_H_
