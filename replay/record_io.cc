#include "replay/record_io.h"

#include <zlib.h>

#include <cerrno>

#include <utility>

namespace ledgfn {
namespace {

void PutLittleEndian32(uint32_t value, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint32_t GetLittleEndian32(const unsigned char* bytes) {
  return static_cast<uint32_t>(bytes[0]) | static_cast<uint32_t>(bytes[1]) << 8 |
         static_cast<uint32_t>(bytes[2]) << 16 | static_cast<uint32_t>(bytes[3]) << 24;
}

uint32_t Crc32(const std::string& bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()),
            static_cast<uInt>(bytes.size())));
}

}  // namespace

void AppendRecord(const google::protobuf::MessageLite& message, std::string* out) {
  const std::string payload = message.SerializeAsString();
  PutLittleEndian32(static_cast<uint32_t>(payload.size()), out);
  PutLittleEndian32(Crc32(payload), out);
  out->append(payload);
}

absl::StatusOr<RecordReader> RecordReader::Open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    if (errno == ENOENT) return absl::NotFoundError("no file " + path);
    return absl::PermissionDeniedError("cannot read " + path);
  }
  std::fseek(file, 0, SEEK_END);
  const int64_t size = std::ftell(file);
  std::fseek(file, 0, SEEK_SET);
  return RecordReader(file, size);
}

RecordReader::RecordReader(RecordReader&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      size_(other.size_),
      offset_(other.offset_),
      torn_bytes_(other.torn_bytes_) {}

RecordReader::~RecordReader() {
  if (file_ != nullptr) std::fclose(file_);
}

bool RecordReader::Next(google::protobuf::MessageLite* message) {
  if (file_ == nullptr || offset_ >= size_ || torn_bytes_ > 0) return false;
  auto torn = [this] {
    torn_bytes_ = size_ - offset_;
    return false;
  };
  unsigned char header[8];
  if (size_ - offset_ < 8 || std::fread(header, 1, 8, file_) != 8) return torn();
  const uint32_t length = GetLittleEndian32(header);
  const uint32_t crc = GetLittleEndian32(header + 4);
  if (length > kMaxRecordBytes || size_ - offset_ - 8 < length) return torn();
  payload_.resize(length);
  if (length > 0 && std::fread(payload_.data(), 1, length, file_) != length) {
    return torn();
  }
  if (Crc32(payload_) != crc || !message->ParseFromString(payload_)) return torn();
  offset_ += 8 + static_cast<int64_t>(length);
  return true;
}

}  // namespace ledgfn
