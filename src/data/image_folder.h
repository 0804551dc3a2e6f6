// ImageFolder datasets: root/<class>/<image>, the torchvision layout.
//
// Classes are the non-hidden subdirectories of root, sorted by name (byte order);
// the label is the index in that list. Images are the files below each class folder
// (recursively, symlinks followed) whose name ends in .jpg, .jpeg, .jpe or .png (any
// case), sorted by path; other files are ignored. The content decides the decoder
// (magic bytes), so a mis-named file still decodes. Hidden entries (".*") are ignored.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/in_memory_dataset.h"

namespace limitnet::data {

struct ImageFolderListing {
  std::vector<std::string> class_names;
  std::vector<std::string> files;  // class-major, sorted within each class
  std::vector<int> labels;         // parallel to files
};

// Lists root without decoding. class_names: empty = the subdirectories of root;
// otherwise exactly these classes in this order (a missing folder is an empty class;
// folders not in the list are ignored) so that train/ and test/ share one label map.
ImageFolderListing list_image_folder(const std::string& root, const std::vector<std::string>& class_names = {});

// Sorted non-hidden subdirectory names of root (empty when root is not a directory).
std::vector<std::string> list_subdirectories(const std::string& root);

// Decodes the listing in parallel: all files in listing order (class-major) when
// limit is 0 or >= the number of files, else a class-balanced round-robin selection
// of `limit` files (see selection.h) in that round-robin order. Images go into one
// contiguous array, each fitted to width x height x channels (0 = the first image's
// size / 3 channels; options.center_crop picks crop-then-resize over stretching).
// Throws DataError("no images found under <root> ...") when there is nothing to load,
// and for the first undecodable file (in dataset order) unless
// options.skip_unreadable.
std::unique_ptr<InMemoryDataset> open_image_folder(const std::string& root, int width, int height, int channels,
                                                   size_t limit = 0, const OpenOptions& options = OpenOptions{},
                                                   const std::vector<std::string>& class_names = {});

}  // namespace limitnet::data
