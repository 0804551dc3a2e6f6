#include "data/resize.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace limitnet::data {
namespace {

// Filter taps of one axis: output j reads inputs first[j] .. first[j]+count[j]-1
// with weights w[offset[j] ...].
struct AxisTaps {
  std::vector<int> first, count, offset;
  std::vector<float> w;
};

AxisTaps make_taps(int n, int m) {
  AxisTaps t;
  t.first.resize(m);
  t.count.resize(m);
  t.offset.resize(m);
  if (m < n) {
    // Area: in units of 1/m input pixels, output j covers [j*n, (j+1)*n) and input i
    // covers [i*m, (i+1)*m); the weight is the overlap divided by n.
    for (int j = 0; j < m; ++j) {
      const long long x0 = static_cast<long long>(j) * n, x1 = x0 + n;
      const int i0 = static_cast<int>(x0 / m);
      const int i1 = static_cast<int>((x1 + m - 1) / m);  // exclusive
      t.first[j] = i0;
      t.count[j] = i1 - i0;
      t.offset[j] = static_cast<int>(t.w.size());
      for (int i = i0; i < i1; ++i) {
        const long long lo = std::max<long long>(static_cast<long long>(i) * m, x0);
        const long long hi = std::min<long long>(static_cast<long long>(i + 1) * m, x1);
        t.w.push_back(static_cast<float>(static_cast<double>(hi - lo) / n));
      }
    }
  } else {
    // Bilinear (m >= n; m == n yields weight 1 on the same pixel).
    for (int j = 0; j < m; ++j) {
      double src = (j + 0.5) * n / m - 0.5;
      src = std::clamp(src, 0.0, static_cast<double>(n - 1));
      int i0 = static_cast<int>(src);
      const double f = src - i0;
      t.first[j] = i0;
      t.offset[j] = static_cast<int>(t.w.size());
      if (f > 0.0 && i0 + 1 < n) {
        t.count[j] = 2;
        t.w.push_back(static_cast<float>(1.0 - f));
        t.w.push_back(static_cast<float>(f));
      } else {
        t.count[j] = 1;
        t.w.push_back(1.0f);
      }
    }
  }
  return t;
}

inline uint8_t to_u8(float v) {
  v = std::clamp(v + 0.5f, 0.0f, 255.0f);
  return static_cast<uint8_t>(v);
}

void check_size(int w, int h) {
  if (w <= 0 || h <= 0)
    throw std::invalid_argument("resize: target size must be positive, got " + std::to_string(w) + "x" +
                                std::to_string(h));
}

}  // namespace

void resize_into(const uint8_t* src, int sw, int sh, int c, uint8_t* dst, int dw, int dh) {
  check_size(dw, dh);
  if (sw <= 0 || sh <= 0 || c <= 0) throw std::invalid_argument("resize: empty source image");
  if (sw == dw && sh == dh) {
    std::memcpy(dst, src, static_cast<size_t>(sw) * sh * c);
    return;
  }
  const AxisTaps tx = make_taps(sw, dw), ty = make_taps(sh, dh);
  const size_t out_row = static_cast<size_t>(dw) * c;
  // Horizontal pass over every source row into float (sh x dw x c).
  std::vector<float> tmp(static_cast<size_t>(sh) * out_row);
  for (int y = 0; y < sh; ++y) {
    const uint8_t* in = src + static_cast<size_t>(y) * sw * c;
    float* out = tmp.data() + static_cast<size_t>(y) * out_row;
    for (int x = 0; x < dw; ++x) {
      const float* w = &tx.w[tx.offset[x]];
      const uint8_t* p = in + static_cast<size_t>(tx.first[x]) * c;
      for (int ch = 0; ch < c; ++ch) {
        float acc = 0.0f;
        for (int k = 0; k < tx.count[x]; ++k) acc += w[k] * p[static_cast<size_t>(k) * c + ch];
        out[static_cast<size_t>(x) * c + ch] = acc;
      }
    }
  }
  // Vertical pass.
  std::vector<float> acc(out_row);
  for (int y = 0; y < dh; ++y) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    const float* w = &ty.w[ty.offset[y]];
    for (int k = 0; k < ty.count[y]; ++k) {
      const float* row = tmp.data() + static_cast<size_t>(ty.first[y] + k) * out_row;
      for (size_t i = 0; i < out_row; ++i) acc[i] += w[k] * row[i];
    }
    uint8_t* out = dst + static_cast<size_t>(y) * out_row;
    for (size_t i = 0; i < out_row; ++i) out[i] = to_u8(acc[i]);
  }
}

Image resize(const Image& img, int width, int height) {
  check_size(width, height);
  if (!img.valid() || img.width == 0 || img.height == 0) throw std::invalid_argument("resize: invalid source image");
  Image out(width, height, img.channels);
  resize_into(img.pixels.data(), img.width, img.height, img.channels, out.pixels.data(), width, height);
  return out;
}

Image crop(const Image& img, int x, int y, int w, int h) {
  if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > img.width || y + h > img.height)
    throw std::invalid_argument("crop: region outside the image");
  Image out(w, h, img.channels);
  const size_t n = static_cast<size_t>(w) * img.channels;
  for (int r = 0; r < h; ++r) std::memcpy(out.row(r), img.row(y + r) + static_cast<size_t>(x) * img.channels, n);
  return out;
}

Image center_crop_resize(const Image& img, int width, int height) {
  check_size(width, height);
  if (!img.valid() || img.width == 0 || img.height == 0)
    throw std::invalid_argument("center_crop_resize: invalid source image");
  int cw = img.width, ch = img.height;
  // Compare aspect ratios exactly in integers: img.w/img.h vs width/height.
  const long long lhs = static_cast<long long>(img.width) * height;
  const long long rhs = static_cast<long long>(img.height) * width;
  if (lhs > rhs)
    cw = static_cast<int>(std::max<long long>(1, (rhs + height / 2) / height));
  else if (lhs < rhs)
    ch = static_cast<int>(std::max<long long>(1, (lhs + width / 2) / width));
  const Image c =
      (cw == img.width && ch == img.height) ? img : crop(img, (img.width - cw) / 2, (img.height - ch) / 2, cw, ch);
  return resize(c, width, height);
}

}  // namespace limitnet::data
