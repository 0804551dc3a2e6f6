// Saliency teachers for distilling the device's saliency branch (training phase 1).
// A teacher turns each training image into an importance map of the same size (u8, 0..255,
// H x W, row-major). Host only; no libtorch here (Grad-CAM lives with the classifier, in
// trainer.cc).
//
//   spectral   OpenCV contrib StaticSaliencySpectralResidual (Hou & Zhang 2007)
//   fine       OpenCV contrib StaticSaliencyFineGrained (Montabone & Soto 2010)
//   gradcam    Grad-CAM of the trained cloud classifier on the true class
//   dir:PATH   precomputed maps (e.g. BASNet / U2-Net outputs): PATH/<index>.png, where
//              <index> is the image's position in the training set as opened by
//              limitnet (6 digits, zero padded: 000000.png); any size, gray or RGB
//              (converted to gray, resized to the image size)
//   none       no distillation (the saliency loss is off)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace limitnet::train {

enum class TeacherKind { kNone, kSpectral, kFine, kGradCam, kDirectory };

struct TeacherSpec {
  TeacherKind kind = TeacherKind::kSpectral;
  std::string directory;  // kDirectory only
};
// Parses "spectral", "fine", "gradcam", "dir:PATH", "none". Throws std::runtime_error.
TeacherSpec parse_teacher(const std::string& text);
std::string teacher_name(const TeacherSpec& t);

// Maps of every image of `ds` (N x H x W bytes) for the OpenCV and directory teachers.
// Uses up to `threads` threads. Throws std::runtime_error "<path>: <reason>" for a missing
// or unreadable map file.
std::vector<uint8_t> compute_teacher_maps(const TeacherSpec& t, const data::Dataset& ds, unsigned threads);

// One image (HWC u8, w x h x c) -> map (w x h u8), for OpenCV teachers.
void opencv_saliency(TeacherKind kind, const uint8_t* hwc, int w, int h, int c, uint8_t* map);

}  // namespace limitnet::train
