// The classical baselines of `limitnet eval --baselines` (docs/BASELINES.md): every test
// image is encoded with a real codec (src/baselines: libjpeg-turbo, libwebp), decoded as
// the receiver would, and the decoded picture is classified by the SAME cloud classifier
// that judges LimitNet (CloudModel::classify_images on the model's input shape).
//
// Bytes are the codec's own bytes: the whole file (jpeg, webp), the file without the
// pre-shared tables (jpeg-abbrev), or the prefix up to the end of the last complete scan
// (progjpeg). Unlike LimitNet's curve they include no per-packet framing: a real link
// adds a header and CRC per packet (a LimitNet DATA packet spends 6-9 of its bytes on
// that), so these numbers flatter the baselines slightly.
#pragma once
#include <string>
#include <vector>

#include "cloud/cloud_model.h"
#include "eval/batch_judge.h"
#include "eval/labelled_images.h"
#include "eval/method_curve.h"

namespace limitnet::eval {

struct CodecSweepOptions {
  size_t batch = 128;    // pictures per classifier call
  unsigned threads = 2;  // threads encoding and decoding between classifier calls
  bool progress = true;  // progress bar on stderr
  // Optional, shared by all sweeps of a run (borrowed): pictures already judged are not
  // classified again (jpeg-abbrev decodes to jpeg's pixels).
  VerdictCache* cache = nullptr;
};

// Quality sweep of a non-progressive codec ("jpeg", "jpeg-abbrev", "webp"): one point per
// quality (1..100), bytes = mean size of the complete file. Throws std::invalid_argument
// for an unknown codec or a quality outside 1..100.
MethodCurve evaluate_codec_sweep(const CloudModel& judge, const LabelledImages& images, const std::string& codec,
                                 const std::vector<int>& qualities, const CodecSweepOptions& options);

// Progressive JPEG at one quality, received as a byte prefix: point k uses the first k
// complete scans (libjpeg buffered-image mode; a partial scan is ignored), bytes = mean
// prefix length up to the end of scan k. Images with fewer scans count as complete.
MethodCurve evaluate_progressive_jpeg(const CloudModel& judge, const LabelledImages& images, int quality,
                                      const CodecSweepOptions& options);

// The default quality grid: dense at the low end, where small images cost the fewest bytes.
std::vector<int> default_sweep_qualities();

}  // namespace limitnet::eval
