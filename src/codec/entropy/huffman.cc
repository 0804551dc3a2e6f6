#include "codec/entropy/huffman.h"

#include "codec/entropy/bit_io.h"

namespace limitnet {

namespace {
// Classic two-queue Huffman construction on weights sorted ascending; returns depths.
void code_depths(const uint32_t* weight, int n, uint8_t* depth) {
  // Nodes 0..n-1 are leaves, n..2n-2 internal. parent[] gives the tree.
  uint64_t w[2 * kMaxSymbols];
  int parent[2 * kMaxSymbols];
  int order[kMaxSymbols];
  for (int i = 0; i < n; ++i) order[i] = i;
  // Insertion sort by (weight, symbol): n <= 256 and it is deterministic.
  for (int i = 1; i < n; ++i) {
    const int v = order[i];
    int j = i - 1;
    while (j >= 0 && (weight[order[j]] > weight[v] || (weight[order[j]] == weight[v] && order[j] > v))) {
      order[j + 1] = order[j];
      --j;
    }
    order[j + 1] = v;
  }
  for (int i = 0; i < n; ++i) w[i] = weight[i];
  int leaf = 0, inner = n, next_inner = n;
  auto pick = [&]() {
    // Prefer the leaf on equal weight: keeps the tree shallow and the choice deterministic.
    if (leaf < n && (inner >= next_inner || w[order[leaf]] <= w[inner])) return order[leaf++];
    return inner++;
  };
  for (int k = 0; k < n - 1; ++k) {
    const int a = pick(), b = pick();
    w[next_inner] = w[a] + w[b];
    parent[a] = parent[b] = next_inner;
    ++next_inner;
  }
  const int root = next_inner - 1;
  for (int i = 0; i < n; ++i) {
    int d = 0;
    for (int node = i; node != root; node = parent[node]) ++d;
    depth[i] = static_cast<uint8_t>(d);
  }
}
}  // namespace

Status huffman_lengths_from_histogram(const uint32_t* histogram, int n, int max_length, uint8_t* lengths) {
  if (n < 2 || n > kMaxSymbols || max_length < 1 || max_length > kHuffmanMaxLength || (1 << max_length) < n) {
    return Status::kInvalidArgument;
  }
  uint32_t weight[kMaxSymbols];
  for (int i = 0; i < n; ++i) weight[i] = histogram[i] == 0 ? 1 : histogram[i];
  // Too-long codes come from very skewed counts: flatten the counts until they fit. Each
  // round halves every weight (keeping it >= 1), so it ends after at most 32 rounds.
  for (;;) {
    code_depths(weight, n, lengths);
    int longest = 0;
    for (int i = 0; i < n; ++i) longest = lengths[i] > longest ? lengths[i] : longest;
    if (longest <= max_length) return Status::kOk;
    for (int i = 0; i < n; ++i) weight[i] = (weight[i] >> 1) | 1u;
  }
}

Status HuffmanTable::init(const uint8_t* lengths, int n) {
  if (n < 2 || n > kMaxSymbols) return Status::kInvalidArgument;
  symbols = n;
  max_length = 0;
  for (int l = 0; l <= kHuffmanMaxLength + 1; ++l) count[l] = 0;
  for (int s = 0; s < n; ++s) {
    if (lengths[s] < 1 || lengths[s] > kHuffmanMaxLength) return Status::kMalformed;
    length[s] = lengths[s];
    count[lengths[s]]++;
    if (lengths[s] > max_length) max_length = lengths[s];
  }
  // Kraft equality: a complete code, so every bit pattern decodes and none is ambiguous.
  uint32_t kraft = 0;
  for (int l = 1; l <= max_length; ++l) kraft += static_cast<uint32_t>(count[l]) << (kHuffmanMaxLength - l);
  if (kraft != (1u << kHuffmanMaxLength)) return Status::kMalformed;

  uint32_t code_value = 0, index = 0;
  for (int l = 1; l <= max_length; ++l) {
    first_code[l] = static_cast<uint16_t>(code_value);
    first_index[l] = static_cast<uint16_t>(index);
    uint32_t c = code_value;
    for (int s = 0; s < n; ++s) {
      if (length[s] != l) continue;
      code[s] = static_cast<uint16_t>(c++);
      sorted_symbol[index++] = static_cast<uint8_t>(s);
    }
    code_value = (code_value + count[l]) << 1;
  }
  return Status::kOk;
}

int huffman_decode_symbol(const HuffmanTable& table, BitReader* reader) {
  uint32_t value = 0;
  for (int l = 1; l <= table.max_length; ++l) {
    const int b = reader->bit();
    if (b < 0) return -1;
    value = (value << 1) | static_cast<uint32_t>(b);
    const uint32_t offset = value - table.first_code[l];
    if (value >= table.first_code[l] && offset < table.count[l])
      return table.sorted_symbol[table.first_index[l] + offset];
  }
  return -1;  // unreachable for a complete code
}

}  // namespace limitnet
