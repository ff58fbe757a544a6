// Test files written directly with HDF5's C++ API (not with our writer), the way h5py lays out D4RL
// and Minari files: arrays in a chosen file type, numpy bools as h5py's int8 enum, scalar strings.
#pragma once

#include <H5Cpp.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace grl::testing {

// h5py's numpy-bool type: enum {FALSE = 0, TRUE = 1} over int8.
inline H5::EnumType h5py_bool_type() {
  H5::EnumType type(H5::PredType::STD_I8LE);
  std::int8_t value = 0;
  type.insert("FALSE", &value);
  value = 1;
  type.insert("TRUE", &value);
  return type;
}

class Hdf5Writer {
 public:
  explicit Hdf5Writer(const std::filesystem::path& path) : file_(path.string(), H5F_ACC_TRUNC) {}

  // `values` row-major with shape `dims`, converted by HDF5 into `file_type` (float32, uint8, ...).
  void array(const std::string& key, const std::vector<double>& values, const std::vector<hsize_t>& dims,
             const H5::DataType& file_type = H5::PredType::IEEE_F32LE) {
    H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
    H5::DataSet dataset = file_.createDataSet(key, file_type, space, creation(key));
    dataset.write(values.data(), H5::PredType::NATIVE_DOUBLE);
  }
  void bools(const std::string& key, const std::vector<int>& values) {
    std::vector<std::int8_t> bytes(values.begin(), values.end());
    hsize_t n = bytes.size();
    H5::DataSpace space(1, &n);
    H5::EnumType type = h5py_bool_type();
    H5::EnumType memory(H5::PredType::NATIVE_SCHAR);
    std::int8_t v = 0;
    memory.insert("FALSE", &v);
    v = 1;
    memory.insert("TRUE", &v);
    file_.createDataSet(key, type, space, creation(key)).write(bytes.data(), memory);
  }
  void scalar_string(const std::string& key, const std::string& value) {
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    H5::DataSpace space(H5S_SCALAR);
    const char* pointer = value.c_str();
    file_.createDataSet(key, type, space, creation(key)).write(&pointer, type);
  }
  void fixed_string(const std::string& key, const std::string& value) {
    H5::StrType type(H5::PredType::C_S1, value.size());
    H5::DataSpace space(H5S_SCALAR);
    file_.createDataSet(key, type, space, creation(key)).write(value.data(), type);
  }
  void scalar_int(const std::string& key, std::int64_t value) {
    H5::DataSpace space(H5S_SCALAR);
    file_.createDataSet(key, H5::PredType::STD_I64LE, space, creation(key)).write(&value, H5::PredType::NATIVE_INT64);
  }
  void group(const std::string& key) { file_.createGroup(key); }
  void int_attribute(const std::string& object, const std::string& name, std::int64_t value) {
    H5::Group g = file_.openGroup(object);
    H5::DataSpace space(H5S_SCALAR);
    g.createAttribute(name, H5::PredType::STD_I64LE, space).write(H5::PredType::NATIVE_INT64, &value);
  }
  void close() { file_.close(); }

 private:
  H5::DSetCreatPropList creation(const std::string&) {
    H5::DSetCreatPropList properties;
    return properties;
  }
  H5::H5File file_;
};

// Rows 0..n-1 of an (n, width) array whose element (i, j) is base + 10 * i + j.
inline std::vector<double> ramp(int rows, int width, double base = 0) {
  std::vector<double> out;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < width; ++j) out.push_back(base + 10.0 * i + j);
  return out;
}

}  // namespace grl::testing
