#include "datasets/hdf5_file.h"

#include <array>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

#include "common/atomic_file.h"
#include "datasets/dataset_error.h"

namespace grl::datasets::hdf5 {

herr_t Handle::close() {
  herr_t status = 0;
  if (id_ >= 0 && close_) status = close_(id_);
  id_ = -1;
  return status;
}

void Handle::reset() { close(); }

void silence_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

namespace {

herr_t collect_error(unsigned n, const H5E_error2_t* error, void* data) {
  auto* out = static_cast<std::vector<std::string>*>(data);
  if (error && error->desc) out->push_back(error->desc);
  return 0;
}

[[noreturn]] void fail(const std::string& file_label, const std::string& key, const std::string& what) {
  std::string message = file_label + ": key '" + key + "': " + what;
  const std::string detail = take_error_detail();
  if (!detail.empty()) message += " (HDF5: " + detail + ")";
  throw DatasetError(message);
}

Handle open_dataset(hid_t location, const std::string& path, const std::string& file_label) {
  silence_errors();
  if (!is_dataset(location, path)) fail(file_label, path, "no such dataset");
  Handle dataset(H5Dopen2(location, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) fail(file_label, path, "cannot open dataset");
  return dataset;
}

bool is_h5py_bool(hid_t type) {
  if (H5Tget_class(type) != H5T_ENUM || H5Tget_size(type) != 1 || H5Tget_nmembers(type) != 2) return false;
  return true;
}

// How to read a stored element type into memory.
struct MemoryType {
  torch::ScalarType scalar;
  Handle native;   // the memory type handed to H5Dread/H5Aread
  bool is_bool = false;  // read as uint8, then != 0
};

std::optional<MemoryType> memory_type_for(hid_t file_type) {
  auto copy = [](hid_t t) { return Handle(H5Tcopy(t), H5Tclose); };
  switch (H5Tget_class(file_type)) {
    case H5T_FLOAT:
      if (H5Tget_size(file_type) == 8) return MemoryType{torch::kDouble, copy(H5T_NATIVE_DOUBLE)};
      return MemoryType{torch::kFloat, copy(H5T_NATIVE_FLOAT)};
    case H5T_INTEGER: {
      const bool is_signed = H5Tget_sign(file_type) == H5T_SGN_2;
      switch (H5Tget_size(file_type)) {
        case 1:
          return is_signed ? MemoryType{torch::kChar, copy(H5T_NATIVE_SCHAR)} : MemoryType{torch::kByte, copy(H5T_NATIVE_UCHAR)};
        case 2:
          return is_signed ? MemoryType{torch::kShort, copy(H5T_NATIVE_SHORT)} : MemoryType{torch::kInt, copy(H5T_NATIVE_INT)};
        case 4:
          return is_signed ? MemoryType{torch::kInt, copy(H5T_NATIVE_INT)} : MemoryType{torch::kLong, copy(H5T_NATIVE_INT64)};
        default:
          return MemoryType{torch::kLong, copy(H5T_NATIVE_INT64)};
      }
    }
    case H5T_ENUM:
      if (is_h5py_bool(file_type)) {
        return MemoryType{torch::kByte, Handle(H5Tget_native_type(file_type, H5T_DIR_ASCEND), H5Tclose), true};
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::string type_name(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_FLOAT:
      return "float" + std::to_string(8 * H5Tget_size(type));
    case H5T_INTEGER:
      return std::string(H5Tget_sign(type) == H5T_SGN_2 ? "int" : "uint") + std::to_string(8 * H5Tget_size(type));
    case H5T_ENUM:
      return is_h5py_bool(type) ? "bool" : "enum";
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ARRAY:
      return "array";
    case H5T_VLEN:
      return "vlen";
    default:
      return "unsupported";
  }
}

// h5py stores numpy bool as an enum {FALSE = 0, TRUE = 1} over int8; writing the same type makes our
// files read back as bool in Python too. `base` is the file (little-endian) or the native int8.
Handle bool_enum_type(hid_t base = H5T_STD_I8LE) {
  Handle type(H5Tenum_create(base), H5Tclose);
  std::int8_t value = 0;
  H5Tenum_insert(type.get(), "FALSE", &value);
  value = 1;
  H5Tenum_insert(type.get(), "TRUE", &value);
  return type;
}

// File type and memory type for writing a tensor of `dtype` (invalid handles when unsupported).
std::pair<Handle, Handle> write_types(torch::ScalarType dtype) {
  auto pair = [](hid_t file, hid_t memory) { return std::make_pair(Handle(H5Tcopy(file), H5Tclose), Handle(H5Tcopy(memory), H5Tclose)); };
  switch (dtype) {
    case torch::kFloat: return pair(H5T_IEEE_F32LE, H5T_NATIVE_FLOAT);
    case torch::kDouble: return pair(H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
    case torch::kByte: return pair(H5T_STD_U8LE, H5T_NATIVE_UCHAR);
    case torch::kChar: return pair(H5T_STD_I8LE, H5T_NATIVE_SCHAR);
    case torch::kShort: return pair(H5T_STD_I16LE, H5T_NATIVE_SHORT);
    case torch::kInt: return pair(H5T_STD_I32LE, H5T_NATIVE_INT);
    case torch::kLong: return pair(H5T_STD_I64LE, H5T_NATIVE_INT64);
    case torch::kBool: return std::make_pair(bool_enum_type(), bool_enum_type(H5T_NATIVE_SCHAR));  // torch bools are bytes 0/1
    default: return std::make_pair(Handle(), Handle());
  }
}

Handle variable_string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

// Reads one scalar (or single-element) value of `file_type` through `read(memory_type, buffer)`.
Scalar read_scalar_value(hid_t file_type, const std::function<herr_t(hid_t, void*)>& read, const std::string& file_label,
                         const std::string& key) {
  const H5T_class_t type_class = H5Tget_class(file_type);
  if (type_class == H5T_STRING) {
    if (H5Tis_variable_str(file_type) > 0) {
      Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(memory.get(), H5T_VARIABLE);
      H5Tset_cset(memory.get(), H5Tget_cset(file_type));
      char* text = nullptr;
      if (read(memory.get(), &text) < 0) fail(file_label, key, "cannot read string");
      std::string value = text ? text : "";
      if (text) H5free_memory(text);
      return value;
    }
    const std::size_t size = H5Tget_size(file_type);
    Handle memory(H5Tcopy(file_type), H5Tclose);
    std::string buffer(size, '\0');
    if (read(memory.get(), buffer.data()) < 0) fail(file_label, key, "cannot read string");
    while (!buffer.empty() && (buffer.back() == '\0' || buffer.back() == ' ')) buffer.pop_back();
    return buffer;
  }
  if (type_class == H5T_INTEGER) {
    std::int64_t value = 0;
    if (read(H5T_NATIVE_INT64, &value) < 0) fail(file_label, key, "cannot read integer");
    return value;
  }
  if (type_class == H5T_FLOAT) {
    double value = 0;
    if (read(H5T_NATIVE_DOUBLE, &value) < 0) fail(file_label, key, "cannot read number");
    return value;
  }
  if (is_h5py_bool(file_type)) {
    Handle native(H5Tget_native_type(file_type, H5T_DIR_ASCEND), H5Tclose);
    std::uint8_t value = 0;
    if (read(native.get(), &value) < 0) fail(file_label, key, "cannot read bool");
    return value != 0;
  }
  fail(file_label, key, "unsupported scalar type " + type_name(file_type));
}

void write_scalar_with(const Scalar& value, const std::function<herr_t(hid_t file_type, hid_t space, hid_t memory, const void*)>& write,
                       const std::string& file_label, const std::string& key) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  herr_t status = -1;
  if (const auto* text = std::get_if<std::string>(&value)) {
    Handle type = variable_string_type();
    const char* pointer = text->c_str();
    status = write(type.get(), space.get(), type.get(), &pointer);
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    status = write(H5T_STD_I64LE, space.get(), H5T_NATIVE_INT64, integer);
  } else if (const auto* number = std::get_if<double>(&value)) {
    status = write(H5T_IEEE_F64LE, space.get(), H5T_NATIVE_DOUBLE, number);
  } else {
    Handle type = bool_enum_type();
    Handle memory = bool_enum_type(H5T_NATIVE_SCHAR);
    const std::int8_t byte = std::get<bool>(value) ? 1 : 0;
    status = write(type.get(), space.get(), memory.get(), &byte);
  }
  if (status < 0) fail(file_label, key, "cannot write value");
}

Handle link_creation_with_parents() {
  Handle properties(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(properties.get(), 1);
  return properties;
}

}  // namespace

std::string take_error_detail() {
  std::vector<std::string> descriptions;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_error, &descriptions);
  H5Eclear2(H5E_DEFAULT);
  return descriptions.empty() ? std::string() : descriptions.front();
}

Handle open_file_readonly(const std::filesystem::path& path) {
  silence_errors();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw DatasetError(path.string() + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw DatasetError(path.string() + ": is a directory, expected an HDF5 file");
  try {
    require_regular_file(path, "HDF5 file");  // a device or FIFO would never end
  } catch (const std::runtime_error& e) {
    throw DatasetError(e.what());
  }
  // HDF5's signature sits at byte 0, 512, 1024, 2048, ... (a user block may precede it).
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DatasetError(path.string() + ": cannot open file for reading: " + std::strerror(errno));
    const auto size = std::filesystem::file_size(path, ec);
    static const std::array<char, 8> signature = {'\211', 'H', 'D', 'F', '\r', '\n', '\032', '\n'};
    bool found = false;
    for (std::uintmax_t offset = 0; !found && offset + 8 <= size; offset = offset == 0 ? 512 : offset * 2) {
      std::array<char, 8> bytes{};
      in.seekg(static_cast<std::streamoff>(offset));
      if (!in.read(bytes.data(), 8)) break;
      found = bytes == signature;
    }
    if (!found) throw DatasetError(path.string() + ": not an HDF5 file (no HDF5 signature; D4RL and Minari datasets are HDF5)");
  }
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) {
    const std::string detail = take_error_detail();
    throw DatasetError(path.string() + ": cannot open HDF5 file (truncated or corrupt?)" +
                       (detail.empty() ? "" : " (HDF5: " + detail + ")"));
  }
  return file;
}

Handle create_file(const std::filesystem::path& path) {
  silence_errors();
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) {
    const std::string detail = take_error_detail();
    throw DatasetError(path.string() + ": cannot create HDF5 file" + (detail.empty() ? "" : " (HDF5: " + detail + ")"));
  }
  return file;
}

bool exists(hid_t location, const std::string& path) {
  silence_errors();
  std::size_t start = 0;
  while (true) {
    const auto slash = path.find('/', start);
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && H5Lexists(location, prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

namespace {
H5I_type_t object_type(hid_t location, const std::string& path) {
  if (!exists(location, path)) return H5I_BADID;
  Handle object(H5Oopen(location, path.c_str(), H5P_DEFAULT), H5Oclose);
  if (!object.valid()) {
    H5Eclear2(H5E_DEFAULT);
    return H5I_BADID;
  }
  return H5Iget_type(object.get());
}

herr_t collect_link(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->push_back(name);
  return 0;
}
}  // namespace

bool is_dataset(hid_t location, const std::string& path) { return object_type(location, path) == H5I_DATASET; }
bool is_group(hid_t location, const std::string& path) { return object_type(location, path) == H5I_GROUP; }

std::vector<std::string> list_datasets(hid_t location) {
  silence_errors();
  std::vector<std::string> links, datasets;
  H5Lvisit(location, H5_INDEX_NAME, H5_ITER_INC, collect_link, &links);
  H5Eclear2(H5E_DEFAULT);
  for (const auto& link : links)
    if (is_dataset(location, link)) datasets.push_back(link);
  return datasets;
}

std::vector<std::string> list_children(hid_t location, const std::string& group) {
  silence_errors();
  std::vector<std::string> names;
  Handle handle(H5Gopen2(location, group.c_str(), H5P_DEFAULT), H5Gclose);
  if (!handle.valid()) {
    H5Eclear2(H5E_DEFAULT);
    return names;
  }
  H5Literate(handle.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_link, &names);
  H5Eclear2(H5E_DEFAULT);
  return names;
}

std::vector<std::int64_t> shape_of(hid_t location, const std::string& path, const std::string& file_label) {
  Handle dataset = open_dataset(location, path, file_label);
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail(file_label, path, "cannot read the shape");
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return std::vector<std::int64_t>(dims.begin(), dims.end());
}

std::string stored_type_name(hid_t location, const std::string& path, const std::string& file_label) {
  Handle dataset = open_dataset(location, path, file_label);
  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  return type_name(type.get());
}

bool is_scalar_dataset(hid_t location, const std::string& path) {
  if (!is_dataset(location, path)) return false;
  Handle dataset(H5Dopen2(location, path.c_str(), H5P_DEFAULT), H5Dclose);
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  return H5Sget_simple_extent_type(space.get()) == H5S_SCALAR;
}

bool is_string_dataset(hid_t location, const std::string& path) {
  if (!is_dataset(location, path)) return false;
  Handle dataset(H5Dopen2(location, path.c_str(), H5P_DEFAULT), H5Dclose);
  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  return H5Tget_class(type.get()) == H5T_STRING;
}

torch::Tensor read_tensor(hid_t location, const std::string& path, const std::string& file_label) {
  Handle dataset = open_dataset(location, path, file_label);
  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  auto memory = memory_type_for(type.get());
  if (!memory) fail(file_label, path, "holds " + type_name(type.get()) + " values, expected numbers or booleans");
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail(file_label, path, "cannot read the shape");
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::vector<std::int64_t> shape(dims.begin(), dims.end());
  auto tensor = torch::empty(shape, torch::TensorOptions().dtype(memory->scalar));
  if (tensor.numel() > 0 && H5Sget_simple_extent_type(space.get()) != H5S_NULL) {
    if (H5Dread(dataset.get(), memory->native.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, tensor.data_ptr()) < 0)
      fail(file_label, path, "read failed (truncated or corrupt file?)");
  }
  if (memory->is_bool) tensor = tensor.ne(0);
  return tensor;
}

Scalar read_scalar(hid_t location, const std::string& path, const std::string& file_label) {
  Handle dataset = open_dataset(location, path, file_label);
  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) fail(file_label, path, "expected a single value");
  return read_scalar_value(
      type.get(), [&](hid_t memory, void* buffer) { return H5Dread(dataset.get(), memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer); },
      file_label, path);
}

std::optional<Scalar> read_attribute(hid_t location, const std::string& object, const std::string& name) {
  silence_errors();
  if (H5Aexists_by_name(location, object.c_str(), name.c_str(), H5P_DEFAULT) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return std::nullopt;
  }
  Handle attribute(H5Aopen_by_name(location, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) {
    H5Eclear2(H5E_DEFAULT);
    return std::nullopt;
  }
  Handle type(H5Aget_type(attribute.get()), H5Tclose);
  Handle space(H5Aget_space(attribute.get()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) return std::nullopt;
  try {
    return read_scalar_value(
        type.get(), [&](hid_t memory, void* buffer) { return H5Aread(attribute.get(), memory, buffer); }, "", object + "@" + name);
  } catch (const DatasetError&) {
    return std::nullopt;
  }
}

void write_tensor(hid_t location, const std::string& path, const torch::Tensor& tensor, const WriteOptions& options,
                  const std::string& file_label) {
  silence_errors();
  const auto data = tensor.to(torch::kCPU).contiguous();
  auto [file_type, memory_type] = write_types(data.scalar_type());
  if (!file_type.valid()) fail(file_label, path, std::string("cannot write tensors of type ") + c10::toString(data.scalar_type()));
  const auto sizes = data.sizes();
  std::vector<hsize_t> dims(sizes.begin(), sizes.end());
  Handle space = dims.empty() ? Handle(H5Screate(H5S_SCALAR), H5Sclose)
                              : Handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle creation(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (options.gzip_level > 0 && !dims.empty() && data.numel() > 0) {
    const std::int64_t row_bytes = static_cast<std::int64_t>(data.element_size()) * (data.numel() / sizes[0]);
    std::vector<hsize_t> chunk = dims;
    chunk[0] = static_cast<hsize_t>(std::clamp<std::int64_t>(options.chunk_bytes / std::max<std::int64_t>(row_bytes, 1), 1, sizes[0]));
    H5Pset_chunk(creation.get(), static_cast<int>(chunk.size()), chunk.data());
    if (options.shuffle) H5Pset_shuffle(creation.get());
    H5Pset_deflate(creation.get(), static_cast<unsigned>(std::min(options.gzip_level, 9)));
  }
  Handle links = link_creation_with_parents();
  Handle dataset(H5Dcreate2(location, path.c_str(), file_type.get(), space.get(), links.get(), creation.get(), H5P_DEFAULT),
                 H5Dclose);
  if (!dataset.valid()) fail(file_label, path, "cannot create dataset");
  if (data.numel() > 0 && H5Dwrite(dataset.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data_ptr()) < 0)
    fail(file_label, path, "write failed (disk full?)");
}

void write_scalar(hid_t location, const std::string& path, const Scalar& value, const std::string& file_label) {
  silence_errors();
  Handle links = link_creation_with_parents();
  write_scalar_with(
      value,
      [&](hid_t file_type, hid_t space, hid_t memory, const void* buffer) -> herr_t {
        Handle dataset(H5Dcreate2(location, path.c_str(), file_type, space, links.get(), H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
        if (!dataset.valid()) return -1;
        return H5Dwrite(dataset.get(), memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
      },
      file_label, path);
}

void write_attribute(hid_t location, const std::string& object, const std::string& name, const Scalar& value,
                     const std::string& file_label) {
  silence_errors();
  write_scalar_with(
      value,
      [&](hid_t file_type, hid_t space, hid_t memory, const void* buffer) -> herr_t {
        Handle attribute(H5Acreate_by_name(location, object.c_str(), name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT,
                                           H5P_DEFAULT),
                         H5Aclose);
        if (!attribute.valid()) return -1;
        return H5Awrite(attribute.get(), memory, buffer);
      },
      file_label, object + "@" + name);
}

}  // namespace grl::datasets::hdf5
