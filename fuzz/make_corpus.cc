// Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/), so the
// committed seeds can be regenerated and reviewed:
//   build-fuzz/fuzz/make_corpus fuzz/corpus
// Seeds are deterministic (fixed rng seed): valid trajectories of every fuzz
// task with and without partial energies, one of each rejection, and policy
// streams that complete, ignore, and corrupt versions.
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "proto/ledgfn.pb.h"
#include "proto/policy_checksum.h"
#include "proto/policy_chunks.h"
#include "proto/trajectory_codec.h"

namespace ledgfn {
namespace {

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return static_cast<bool>(out);
}

std::vector<std::string> TrajectorySeeds() {
  std::vector<std::string> seeds;
  std::mt19937_64 rng(7);
  uint64_t sequence = 0;
  for (const auto& task : FuzzTasks()) {
    proto::InsertRequest request;
    for (bool partial : {false, true}) {
      Trajectory t = SampleValidTrajectory(*task, partial, rng);
      t.actor_id = 1;
      t.incarnation = 42;
      t.sequence = sequence++;
      EncodeTrajectory(t, task->name(), request.add_trajectories());
    }
    seeds.push_back(request.SerializeAsString());
  }
  // One rejection per check, on the bag task.
  const Task& bag = *FuzzTasks().back();
  const Trajectory valid = SampleValidTrajectory(bag, true, rng);
  proto::InsertRequest rejected;
  auto add = [&](auto change) {
    proto::Trajectory* t = rejected.add_trajectories();
    EncodeTrajectory(valid, bag.name(), t);
    t->set_sequence(static_cast<uint64_t>(rejected.trajectories_size()));
    change(*t);
  };
  add([](proto::Trajectory& t) { t.set_task("maze"); });
  add([](proto::Trajectory& t) { t.clear_actions(); });
  add([](proto::Trajectory& t) { t.set_energy(1.0 / 0.0); });
  add([](proto::Trajectory& t) { t.set_actions(0, -1); });
  add([](proto::Trajectory& t) { t.add_partial_energies(0.5); });
  add([](proto::Trajectory& t) { t.set_sequence(1); });  // a duplicate key
  seeds.push_back(rejected.SerializeAsString());
  return seeds;
}

// One framed record of the policy chunk fuzzer's input.
std::string Record(const proto::PolicyChunk& chunk) {
  const std::string bytes = chunk.SerializeAsString();
  std::string out;
  out.push_back(static_cast<char>(bytes.size() & 0xff));
  out.push_back(static_cast<char>(bytes.size() >> 8));
  return out + bytes;
}

// `values` as version `version`, cut into chunks of `chunk_bytes`.
std::string Version(int64_t version, const std::vector<float>& values,
                    int chunk_bytes, uint64_t checksum) {
  std::string out;
  for (const proto::PolicyChunk& chunk :
       SplitPolicyVersion(version, values, checksum, chunk_bytes)) {
    out += Record(chunk);
  }
  return out;
}

std::vector<std::string> PolicyChunkSeeds() {
  const std::vector<float> a = {1.0f, -2.5f, 3.25f};
  const std::vector<float> b = {0.5f, 0.25f, 0.125f, 8.0f, -1.0f};
  const uint64_t sa = PolicyChecksum(a);
  const uint64_t sb = PolicyChecksum(b);
  std::vector<std::string> seeds;
  // held 0: version 1 in odd-sized chunks, then version 2.
  seeds.push_back(std::string(1, '\0') + Version(1, a, 5, sa) +
                  Version(2, b, 8, sb));
  // held 1: version 1 is ignored, version 3 accepted, then an empty version.
  seeds.push_back(std::string(1, '\1') + Version(1, a, 12, sa) +
                  Version(3, b, 4, sb) + Version(4, {}, 4, PolicyChecksum({})));
  // A corrupt checksum.
  seeds.push_back(std::string(1, '\0') + Version(1, a, 4, sa ^ 1));
  return seeds;
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR (e.g. fuzz/corpus)\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  struct Target {
    const char* name;
    std::vector<std::string> seeds;
  };
  const Target targets[] = {
      {"trajectory_fuzzer", ledgfn::TrajectorySeeds()},
      {"policy_chunk_fuzzer", ledgfn::PolicyChunkSeeds()},
  };
  for (const Target& target : targets) {
    for (size_t i = 0; i < target.seeds.size(); ++i) {
      const std::string path =
          dir + "/" + target.name + "/seed_" + std::to_string(i) + ".bin";
      if (!ledgfn::WriteFile(path, target.seeds[i])) {
        std::fprintf(stderr, "cannot write %s (does the folder exist?)\n",
                     path.c_str());
        return 1;
      }
    }
  }
  return 0;
}
