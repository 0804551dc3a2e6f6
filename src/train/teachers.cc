#include "train/teachers.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include <opencv2/imgproc.hpp>
#include <opencv2/saliency.hpp>

#include "data/image_io.h"
#include "data/resize.h"

namespace limitnet::train {

TeacherSpec parse_teacher(const std::string& text) {
  TeacherSpec t;
  if (text == "spectral") {
    t.kind = TeacherKind::kSpectral;
  } else if (text == "fine") {
    t.kind = TeacherKind::kFine;
  } else if (text == "gradcam") {
    t.kind = TeacherKind::kGradCam;
  } else if (text == "none") {
    t.kind = TeacherKind::kNone;
  } else if (text.rfind("dir:", 0) == 0 && text.size() > 4) {
    t.kind = TeacherKind::kDirectory;
    t.directory = text.substr(4);
  } else {
    throw std::runtime_error("unknown saliency teacher '" + text + "'; valid: spectral, fine, gradcam, dir:PATH, none");
  }
  return t;
}

std::string teacher_name(const TeacherSpec& t) {
  switch (t.kind) {
    case TeacherKind::kNone:
      return "none";
    case TeacherKind::kSpectral:
      return "spectral";
    case TeacherKind::kFine:
      return "fine";
    case TeacherKind::kGradCam:
      return "gradcam";
    case TeacherKind::kDirectory:
      return "dir:" + t.directory;
  }
  return "?";
}

void opencv_saliency(TeacherKind kind, const uint8_t* hwc, int w, int h, int c, uint8_t* map) {
  cv::Mat img(h, w, c == 1 ? CV_8UC1 : CV_8UC3, const_cast<uint8_t*>(hwc));
  cv::Mat bgr;
  if (c == 1) {
    cv::cvtColor(img, bgr, cv::COLOR_GRAY2BGR);
  } else {
    cv::cvtColor(img, bgr, cv::COLOR_RGB2BGR);
  }
  cv::Mat sal, out;
  if (kind == TeacherKind::kSpectral) {
    cv::saliency::StaticSaliencySpectralResidual sr;
    // Its default working size (64x64) is larger than our images: use the image's own.
    sr.setImageWidth(w);
    sr.setImageHeight(h);
    sr.computeSaliency(bgr, sal);
  } else {
    cv::saliency::StaticSaliencyFineGrained fg;
    fg.computeSaliency(bgr, sal);
  }
  cv::Mat f;
  sal.convertTo(f, CV_32F);
  cv::resize(f, f, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
  double lo = 0, hi = 0;
  cv::minMaxLoc(f, &lo, &hi);
  if (hi > lo) {
    f.convertTo(out, CV_8U, 255.0 / (hi - lo), -lo * 255.0 / (hi - lo));
  } else {
    out = cv::Mat::zeros(h, w, CV_8U);
  }
  for (int y = 0; y < h; ++y) std::copy(out.ptr<uint8_t>(y), out.ptr<uint8_t>(y) + w, map + static_cast<size_t>(y) * w);
}

std::vector<uint8_t> compute_teacher_maps(const TeacherSpec& t, const data::Dataset& ds, unsigned threads) {
  const int w = ds.width(), h = ds.height(), c = ds.channels();
  const size_t n = ds.size(), plane = static_cast<size_t>(w) * h;
  std::vector<uint8_t> maps(n * plane, 0);
  if (t.kind == TeacherKind::kNone) return maps;
  if (t.kind == TeacherKind::kGradCam) throw std::runtime_error("teacher: gradcam maps come from the classifier");
  threads = std::max(1u, threads);
  std::vector<std::string> errors(threads);
  auto work = [&](unsigned part) {
    std::vector<uint8_t> img(ds.image_bytes());
    try {
      for (size_t i = part; i < n; i += threads) {
        ds.get(i, img.data(), nullptr);
        uint8_t* out = maps.data() + i * plane;
        if (t.kind == TeacherKind::kDirectory) {
          char name[32];
          std::snprintf(name, sizeof name, "/%06zu.png", i);
          const data::Image m = data::read_image(t.directory + name, 1);
          const data::Image r = data::resize(m, w, h);
          std::copy(r.pixels.begin(), r.pixels.end(), out);
        } else {
          opencv_saliency(t.kind, img.data(), w, h, c, out);
        }
      }
    } catch (const std::exception& e) {
      errors[part] = e.what();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned p = 0; p < threads; ++p) pool.emplace_back(work, p);
  for (auto& th : pool) th.join();
  for (const auto& e : errors) {
    if (!e.empty()) throw std::runtime_error("teacher " + teacher_name(t) + ": " + e);
  }
  return maps;
}

}  // namespace limitnet::train
