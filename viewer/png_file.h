// 8-bit RGB images and PNG files (libpng): what the recorder, the screenshot key and the tests use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace grl::viewer {

// Row-major, top row first, 3 bytes (R, G, B) per pixel.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;

  bool empty() const { return width <= 0 || height <= 0; }
};

// Writes `image` as an 8-bit RGB PNG into a temporary file beside `path`, then renames it over
// `path`, so a reader (ffmpeg, a test, a person) never sees half a frame. Throws std::runtime_error
// naming the file when it cannot be written or the image is empty or inconsistent.
void write_png(const std::filesystem::path& path, const RgbImage& image);

// Reads a PNG of any colour type and bit depth, converted to 8-bit RGB (alpha dropped). Throws
// std::runtime_error naming the file when it is missing or not a PNG.
RgbImage read_png(const std::filesystem::path& path);

}  // namespace grl::viewer
