// The fuzz targets under the normal build (any compiler): replays the checked-in seed
// corpus and crash regressions, then seeded random mutations of them (bit flips, byte
// writes, truncations, insertions, splices). A violated invariant aborts the test binary
// with the target's message. Real coverage-guided fuzzing: docs/FUZZING.md.
//
// LIMITNET_FUZZ_REPLAY_MUTATIONS (environment) overrides the number of mutations per
// target, e.g. 0 for corpus-only or 1000000 for a longer soak.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "fuzz_targets.h"

namespace limitnet::fuzz {
namespace {

namespace fs = std::filesystem;
using Input = std::vector<uint8_t>;
using Target = std::function<int(const uint8_t*, size_t)>;

std::vector<Input> load_dir(const fs::path& dir) {
  std::vector<Input> out;
  if (!fs::is_directory(dir)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());  // deterministic order
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

// The input being run, written to fuzz_replay_crash.bin (working directory) if a target
// aborts, so that the failure can be replayed with the libFuzzer binary or added to
// fuzz/regressions/<target>/.
const Input* current_input = nullptr;
extern "C" void dump_current_input(int sig) {
  if (current_input) {
    if (FILE* f = std::fopen("fuzz_replay_crash.bin", "wb")) {
      std::fwrite(current_input->data(), 1, current_input->size(), f);
      std::fclose(f);
      std::fputs("fuzz replay: failing input written to fuzz_replay_crash.bin\n", stderr);
    }
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void run_one(const Target& target, const Input& in) {
  current_input = &in;
  target(in.data(), in.size());
  current_input = nullptr;
}

size_t mutations(size_t fallback) {
  const char* env = std::getenv("LIMITNET_FUZZ_REPLAY_MUTATIONS");
  return env && *env ? static_cast<size_t>(std::strtoull(env, nullptr, 10)) : fallback;
}

Input mutate(const std::vector<Input>& corpus, std::mt19937_64& rng) {
  Input x = corpus[rng() % corpus.size()];
  const int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    switch (rng() % 7) {
      case 0:  // bit flip
        if (!x.empty()) x[rng() % x.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // byte write, biased to interesting values
        if (!x.empty()) {
          static const uint8_t kInteresting[] = {0x00, 0x01, 0x7F, 0x80, 0xFF, 0x10, 0x40, 0x0F};
          x[rng() % x.size()] = (rng() & 1) ? kInteresting[rng() % 8] : static_cast<uint8_t>(rng());
        }
        break;
      case 2:  // truncate
        if (!x.empty()) x.resize(rng() % x.size());
        break;
      case 3: {  // insert random bytes
        const size_t at = x.empty() ? 0 : rng() % (x.size() + 1);
        const size_t n = 1 + rng() % 8;
        for (size_t i = 0; i < n; ++i) x.insert(x.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
        break;
      }
      case 4: {  // splice: prefix of this, suffix of another
        const Input& y = corpus[rng() % corpus.size()];
        const size_t a = x.empty() ? 0 : rng() % x.size(), b = y.empty() ? 0 : rng() % y.size();
        x.resize(a);
        x.insert(x.end(), y.begin() + static_cast<long>(b), y.end());
        break;
      }
      case 5: {  // erase a chunk
        if (x.size() > 1) {
          const size_t a = rng() % x.size(), n = 1 + rng() % std::min<size_t>(16, x.size() - a);
          x.erase(x.begin() + static_cast<long>(a), x.begin() + static_cast<long>(a + n));
        }
        break;
      }
      default: {  // duplicate a chunk
        if (!x.empty()) {
          const size_t a = rng() % x.size(), n = 1 + rng() % std::min<size_t>(64, x.size() - a);
          const Input chunk(x.begin() + static_cast<long>(a), x.begin() + static_cast<long>(a + n));
          x.insert(x.begin() + static_cast<long>(rng() % (x.size() + 1)), chunk.begin(), chunk.end());
        }
        break;
      }
    }
  }
  return x;
}

void replay(const std::string& name, const Target& target, size_t default_mutations, uint64_t seed) {
  const fs::path root = fs::path(LIMITNET_SOURCE_DIR) / "fuzz";
  const std::vector<Input> corpus = load_dir(root / "corpus" / name);
  ASSERT_FALSE(corpus.empty()) << "no seed corpus in " << (root / "corpus" / name)
                               << " (regenerate with limitnet_fuzz_corpus, see docs/FUZZING.md)";
  std::signal(SIGABRT, dump_current_input);
  std::signal(SIGSEGV, dump_current_input);
  for (const Input& in : corpus) run_one(target, in);
  for (const Input& in : load_dir(root / "regressions" / name)) run_one(target, in);
  target(nullptr, 0);
  std::mt19937_64 rng(seed);
  const size_t n = mutations(default_mutations);
  for (size_t i = 0; i < n; ++i) {
    const Input x = mutate(corpus, rng);
    run_one(target, x);
  }
}

// 200k mutations in total; the counts keep each test to a few seconds in a Release build.
TEST(FuzzReplay, PacketDecoder) { replay("fuzz_packet_decoder", packet_decoder_one_input, 100000, 1); }
TEST(FuzzReplay, EncoderRoundtrip) { replay("fuzz_encoder_roundtrip", encoder_roundtrip_one_input, 4000, 4); }
TEST(FuzzReplay, BundleParser) { replay("fuzz_bundle_parser", bundle_parser_one_input, 40000, 2); }
TEST(FuzzReplay, LnpParser) { replay("fuzz_lnp_parser", lnp_parser_one_input, 56000, 3); }
TEST(FuzzReplay, RangeCoder) { replay("fuzz_range_coder", range_coder_one_input, 100000, 5); }

}  // namespace
}  // namespace limitnet::fuzz
