#include "sim/cloud_loader.h"

#include "cloud/cloud_model.h"
#include "codec/host/model_file.h"

namespace limitnet::sim {

CloudLoader cloud_model_loader(const std::string& device, bool flip_average) {
  return [device, flip_average](const std::string& path, const std::string& cloud_part, int threads) {
    auto model = std::make_shared<CloudModel>(path, cloud_part, threads, device);
    model->set_flip_average(flip_average);
    CloudClassifier c;
    c.probabilities = probability_model_of(*model);
    c.input_size = model->input_size();
    c.input_channels = model->input_channels();
    c.description = model->preset() + ", id " + model_id_text(model->model_id()) + ", cloud classifier of " +
                    std::to_string(model->num_classes()) + " classes" +
                    (model->flip_average() ? ", picture and mirror averaged" : "");
    c.owner = model;
    return c;
  };
}

}  // namespace limitnet::sim
