// MSB-first bit writer and reader over caller-owned byte buffers (no allocation).
#pragma once
#include <cstddef>
#include <cstdint>

namespace limitnet {

class BitWriter {
 public:
  BitWriter(uint8_t* out, size_t capacity) : out_(out), capacity_(capacity) {}
  // Appends the `count` low bits of `value`, most significant first. Returns false (and
  // writes nothing more) once the buffer is full.
  bool put(uint32_t value, int count) {
    for (int b = count - 1; b >= 0; --b) {
      if ((bitpos_ >> 3) >= capacity_) return false;
      const size_t byte = bitpos_ >> 3;
      if ((bitpos_ & 7) == 0) out_[byte] = 0;
      if ((value >> b) & 1u) out_[byte] = static_cast<uint8_t>(out_[byte] | (0x80u >> (bitpos_ & 7)));
      ++bitpos_;
    }
    return true;
  }
  size_t bits() const { return bitpos_; }
  size_t bytes() const { return (bitpos_ + 7) >> 3; }  // the last byte is zero-padded

 private:
  uint8_t* out_;
  size_t capacity_;
  size_t bitpos_ = 0;
};

class BitReader {
 public:
  BitReader(const uint8_t* in, size_t size) : in_(in), size_bits_(size * 8) {}
  // Next bit, or -1 past the end.
  int bit() {
    if (bitpos_ >= size_bits_) return -1;
    const int b = (in_[bitpos_ >> 3] >> (7 - (bitpos_ & 7))) & 1;
    ++bitpos_;
    return b;
  }
  size_t position() const { return bitpos_; }
  size_t size_bits() const { return size_bits_; }

 private:
  const uint8_t* in_;
  size_t size_bits_;
  size_t bitpos_ = 0;
};

}  // namespace limitnet
