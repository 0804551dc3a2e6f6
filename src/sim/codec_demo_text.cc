#include "sim/codec_demo_text.h"

#include <iomanip>
#include <sstream>

namespace limitnet::sim {

std::string codec_demo_text(const CodecDemoResult& r) {
  std::ostringstream out;
  out << "LimitNet codec demo on " << r.data << "\n"
      << "model: untrained fmnist28 encoder (random weights, seed 1) calibrated on 256 training images;\n"
      << "       trained models and classification accuracy arrive with the training issue.\n"
      << "packets of at most " << r.payload << " bytes; every byte on air counted (header, saliency, CRC)\n\n"
      << "packets  mean bytes  latent values received  relative latent error\n";
  for (const CodecDemoRow& row : r.curve) {
    out << std::setw(7) << row.packets << std::fixed << std::setprecision(1) << std::setw(12) << row.bytes
        << std::setw(23) << std::setprecision(1) << 100.0 * row.values_fraction << "%" << std::setw(23)
        << std::setprecision(3) << row.relative_latent_error << "\n";
  }
  out << "\nexact round trip with all packets: " << r.exact_round_trips << " of " << r.images << " images; "
      << std::setprecision(1) << r.seconds << " s\n";
  return out.str();
}

}  // namespace limitnet::sim
