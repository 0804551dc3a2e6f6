// Classification accuracy against bytes on air: every test image is encoded by the device
// pipeline (float reference network, quantisation, packets of at most `payload` bytes) and
// the receiver classifies what the first k packets deliver, for every k. Bytes count
// everything that goes on the air: HEAD packet framing, saliency grid, data packet framing,
// entropy-coded latent and CRCs.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "cloud/cloud_model.h"
#include "data/dataset.h"
#include "eval/labelled_images.h"
#include "model/int8_encoder.h"

namespace limitnet::eval {

struct CurveOptions {
  size_t payload = 51;   // bytes per packet (LoRa EU868 DR0)
  int batch = 256;       // latents per classifier call
  unsigned threads = 1;  // threads encoding images (the device network is the slow part)
  bool progress = true;
  // Which network makes the packets: the float reference, or the int8 device runtime, whose
  // packets are the firmware's byte for byte (its grid and order may differ from the float's).
  EncodeNetwork network = EncodeNetwork::kFloat;
  std::string bundle_name = "model";  // named in the int8 runtime's errors
};

struct CurvePoint {
  int packets = 0;             // prefix length k (images with fewer packets count as complete)
  double bytes = 0;            // mean bytes on air per image
  double top1 = 0, top5 = 0;   // fractions
  double values_fraction = 0;  // mean share of latent values received
  // sqrt(sum of squared differences to the complete dequantised latent / its energy),
  // over all images: 0 once everything arrived.
  double relative_latent_error = 0;
};

struct CurveResult {
  std::string data;  // dataset description
  size_t images = 0;
  size_t payload = 0;
  EncodeNetwork network = EncodeNetwork::kFloat;  // what made the packets (CurveOptions::network)
  double clean_top1 = 0, clean_top5 = 0;          // classifier on the clean images
  std::vector<CurvePoint> curve;
  size_t exact_round_trips = 0;  // images whose complete decode equals the encoded symbols
  double seconds = 0;
};

CurveResult evaluate_curve(const CloudModel& model, const data::Dataset& test, const CurveOptions& options);
// The same on images already in memory (shared with the baselines of `limitnet eval`).
CurveResult evaluate_curve(const CloudModel& model, const LabelledImages& test, const CurveOptions& options);

// Top-1 of `model`'s classifier on the clean test images, as a fraction.
double clean_top1(const CloudModel& model, const LabelledImages& test, size_t batch);

// Largest top-1 among points whose mean bytes are <= budget (-1 if none).
double top1_within(const CurveResult& r, double budget);

// Line plot (top-1 and top-5 against mean bytes, clean accuracy dashed) as SVG text
// (plot/svg_chart.h draws several methods in one chart).
std::string curve_svg(const CurveResult& r, const std::string& title);

}  // namespace limitnet::eval
