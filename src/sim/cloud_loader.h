// The experiment's CloudLoader (sim/experiment.h) backed by limitnet::CloudModel: the piece
// of the link experiment that needs libtorch, built as limitnet_simcloud so that
// limitnet_sim stays free of it.
#pragma once

#include "sim/experiment.h"

namespace limitnet::sim {

// `device`: where the cloud networks run (auto, cpu, cuda, cuda:N: nets/device.h). With
// flip_average every classifier it loads (the model's and the judges') averages each picture
// with its mirror image (CloudModel::set_flip_average), and its description says so.
CloudLoader cloud_model_loader(const std::string& device = "cpu", bool flip_average = false);

}  // namespace limitnet::sim
