#include "viewer/png_file.h"

#include <png.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include "common/atomic_file.h"

namespace grl::viewer {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// libpng reports errors through longjmp by default; a throwing handler turns them into C++
// exceptions instead (libpng allows an error callback that does not return).
[[noreturn]] void throw_png_error(png_structp, png_const_charp message) { throw std::runtime_error(message); }
void ignore_png_warning(png_structp, png_const_charp) {}

}  // namespace

void write_png(const std::filesystem::path& path, const RgbImage& image) {
  if (image.empty() || image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3) {
    throw std::runtime_error("write_png " + path.string() + ": the image is empty or its pixel count is not " +
                             std::to_string(image.width) + " x " + std::to_string(image.height) + " x 3");
  }
  const std::filesystem::path temporary = temporary_path_for(path);
  png_structp png = nullptr;
  png_infop info = nullptr;
  try {
    FilePtr file(std::fopen(temporary.c_str(), "wb"));
    if (!file) throw std::runtime_error("cannot create the file");
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, throw_png_error, ignore_png_warning);
    if (png == nullptr) throw std::runtime_error("libpng could not start");
    info = png_create_info_struct(png);
    if (info == nullptr) throw std::runtime_error("libpng could not start");
    png_init_io(png, file.get());
    // Level 3 is ~3x faster than libpng's default of 6 for rendered frames and barely larger.
    png_set_compression_level(png, 3);
    png_set_IHDR(png, info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height), 8,
                 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < image.height; ++y) {
      png_write_row(png, image.pixels.data() + static_cast<std::size_t>(y) * image.width * 3);
    }
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    if (std::fflush(file.get()) != 0) throw std::runtime_error("cannot write the file (disk full?)");
    file.reset();
    std::filesystem::rename(temporary, path);
  } catch (const std::exception& e) {
    if (png != nullptr) png_destroy_write_struct(&png, info != nullptr ? &info : nullptr);
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw std::runtime_error("cannot write PNG " + path.string() + ": " + e.what());
  }
}

RgbImage read_png(const std::filesystem::path& path) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) throw std::runtime_error("cannot open PNG " + path.string() + ": no such file or not readable");
  png_byte signature[8] = {};
  if (std::fread(signature, 1, 8, file.get()) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
    throw std::runtime_error(path.string() + " is not a PNG file");
  }
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, throw_png_error, ignore_png_warning);
  png_infop info = png != nullptr ? png_create_info_struct(png) : nullptr;
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw std::runtime_error("cannot read PNG " + path.string() + ": libpng could not start");
  }
  RgbImage image;
  try {
    png_init_io(png, file.get());
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    // Normalise every layout to 8-bit RGB.
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_packing(png);
    png_set_palette_to_rgb(png);
    png_set_expand_gray_1_2_4_to_8(png);
    png_set_gray_to_rgb(png);
    png_read_update_info(png, info);
    image.width = static_cast<int>(png_get_image_width(png, info));
    image.height = static_cast<int>(png_get_image_height(png, info));
    if (png_get_rowbytes(png, info) != static_cast<std::size_t>(image.width) * 3) {
      throw std::runtime_error("unexpected row layout after conversion to RGB");
    }
    image.pixels.resize(static_cast<std::size_t>(image.width) * image.height * 3);
    for (int y = 0; y < image.height; ++y) {
      png_read_row(png, image.pixels.data() + static_cast<std::size_t>(y) * image.width * 3, nullptr);
    }
    png_read_end(png, nullptr);
  } catch (const std::exception& e) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw std::runtime_error("cannot read PNG " + path.string() + ": " + e.what());
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return image;
}

}  // namespace grl::viewer
