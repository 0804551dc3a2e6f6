// Accuracy against bytes of one comparison method (a classical codec or a learned
// baseline), in the same terms as LimitNet's curve (accuracy_curve.h): `bytes` is the
// mean per test image, top1/top5 are fractions of the test images.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace limitnet::eval {

struct MethodPoint {
  double bytes = 0;           // mean bytes per image; what is counted: MethodCurve::bytes_counted
  double top1 = 0, top5 = 0;  // fractions of the test images
  int quality = 0;            // codec quality 1..100 (JPEG family, WebP); 0 = not a codec point
  int scans = 0;              // progjpeg: complete scans used (images with fewer use all theirs)
  int packets = 0;            // starfish: packets received (images with fewer use all theirs)
  double header_bytes = 0;    // codecs: mean bytes of `bytes` that are markers and tables
  double psnr_db = 0;         // codecs: mean PSNR of the decoded picture (each capped at 99 dB)
  std::string model;          // learned baselines: the bundle this point comes from
};

struct MethodCurve {
  std::string name;           // "jpeg", "jpeg-abbrev", "progjpeg", "webp", "starfish", "fixedrate"
  std::string bytes_counted;  // one line: what `bytes` includes and leaves out
  std::vector<MethodPoint> points;
  double seconds = 0;              // wall time of the evaluation
  size_t reused_verdicts = 0;      // pictures identical to ones already judged (not classified again)
  std::vector<std::string> notes;  // caveats found while evaluating (e.g. another classifier)
};

}  // namespace limitnet::eval
