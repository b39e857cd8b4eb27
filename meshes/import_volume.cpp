// SPDX-License-Identifier: MIT
// kind = file: read a labelled volume through VTK's readers (or a checked raw read), map its values
// onto generator labels, mark outlets, find (and optionally repair) missing cell layers, and check
// that lumen can drain. The steps are listed in meshes/import_volume.hpp.
#include "meshes/import_volume.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <vtkCellData.h>
#include <vtkCommand.h>
#include <vtkDataArray.h>
#include <vtkErrorCode.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkNrrdReader.h>
#include <vtkPointData.h>
#include <vtkSmartPointer.h>
#include <vtkStringArray.h>
#include <vtkTIFFReader.h>
#include <vtkType.h>
#include <vtkUnsignedCharArray.h>
#include <vtkXMLImageDataReader.h>
#include <vtkXMLImageDataWriter.h>

#include "meshes/generators.hpp"
#include "meshes/nrrd_header.hpp"
#include "meshes/tiff_structure.hpp"
#include "meshes/vti_structure.hpp"

namespace fs = std::filesystem;

namespace lactosim::mesh {

namespace {

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw std::runtime_error("geometry.file '" + file + "': " + what);
}

std::string voxel_text(const std::array<int, 3>& v) {
  return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " + std::to_string(v[2]) + ")";
}

std::string number_text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// Collects the errors and warnings a VTK object raises, instead of letting them scroll past.
class VtkMessages : public vtkCommand {
 public:
  static VtkMessages* New() { return new VtkMessages; }
  void Execute(vtkObject*, unsigned long event, void* data) override {
    if (!data) return;
    std::string line = static_cast<const char*>(data);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    std::string& into = event == vtkCommand::ErrorEvent ? errors : warnings;
    into += (into.empty() ? "" : "; ") + line;
  }
  void watch(vtkObject* o) {
    o->AddObserver(vtkCommand::ErrorEvent, this);
    o->AddObserver(vtkCommand::WarningEvent, this);
  }
  std::string errors, warnings;
  // Image readers report a short read as a warning and carry on with a partial volume.
  std::string problems() const { return errors + (errors.empty() || warnings.empty() ? "" : "; ") + warnings; }
};

// A volume as read, before its values are mapped.
struct Volume {
  vtkSmartPointer<vtkDataArray> values;
  std::array<int, 3> dims{0, 0, 0};  // voxels
  std::array<double, 3> spacing{1, 1, 1};
  std::array<double, 3> origin{0, 0, 0};  // of the first point, in the file's unit
  bool point_data = true;
  std::string array;
};

// The voxels of an image: points, or cells (one fewer along every axis that has more than one point).
std::array<int, 3> voxel_dims(vtkImageData* image, bool point_data) {
  int d[3];
  image->GetDimensions(d);
  if (point_data) return {d[0], d[1], d[2]};
  return {std::max(d[0] - 1, 1), std::max(d[1] - 1, 1), std::max(d[2] - 1, 1)};
}

void take_geometry(vtkImageData* image, Volume& v) {
  image->GetSpacing(v.spacing.data());
  image->GetOrigin(v.origin.data());
  v.dims = voxel_dims(image, v.point_data);
}

// Runs a reader and fails, naming the file, on a VTK error code or on what `problems` (the
// messages the reader's observer collected during the update) reports.
template <class Reader, class Problems>
void update_or_fail(Reader& reader, Problems&& problems, const std::string& file) {
  reader->Update();
  const std::string reported = problems();
  if (!reported.empty() || reader->GetErrorCode() != vtkErrorCode::NoError)
    fail(file, "cannot be read (truncated or damaged?): " +
                   (reported.empty() ? vtkErrorCode::GetStringFromErrorCode(reader->GetErrorCode()) : reported));
}

// The volume of a reader whose voxels are its point scalars (NRRD, TIFF).
Volume point_scalars_volume(vtkImageData* image, const std::string& file) {
  Volume v;
  v.values = image->GetPointData()->GetScalars();
  if (!v.values) fail(file, "holds no voxel values");
  take_geometry(image, v);
  return v;
}

std::string array_names(vtkImageData* image) {
  std::string out;
  for (auto [attrs, where] : {std::pair<vtkDataSetAttributes*, const char*>{image->GetCellData(), "cell"},
                              {image->GetPointData(), "point"}})
    for (int a = 0; a < attrs->GetNumberOfArrays(); ++a)
      out += (out.empty() ? "" : ", ") + std::string(attrs->GetArrayName(a) ? attrs->GetArrayName(a) : "?") +
             " (" + where + ")";
  return out.empty() ? "none" : out;
}

Volume read_vti(const GeometrySpec& s) {
  vtkNew<vtkXMLImageDataReader> reader;
  if (!reader->CanReadFile(s.file.c_str())) fail(s.file, "is not a VTK XML image file (.vti)");
  // Extents and appended block headers checked first: the reader allocates what they claim.
  try {
    check_vti_structure(s.file);
  } catch (const VtiStructureError& e) {
    fail(s.file, e.what());
  }
  vtkNew<VtkMessages> messages;
  messages->watch(reader);
  reader->SetFileName(s.file.c_str());
  update_or_fail(reader, [&] { return messages->errors; }, s.file);
  vtkImageData* image = reader->GetOutput();
  Volume v;
  vtkDataArray* found = nullptr;
  if (!s.array.empty()) {
    if ((found = image->GetCellData()->GetArray(s.array.c_str()))) v.point_data = false;
    else found = image->GetPointData()->GetArray(s.array.c_str());
    if (!found) fail(s.file, "has no array '" + s.array + "' (geometry.array); it has: " + array_names(image));
  } else {
    for (vtkDataSetAttributes* attrs : {static_cast<vtkDataSetAttributes*>(image->GetCellData()),
                                        static_cast<vtkDataSetAttributes*>(image->GetPointData())}) {
      found = attrs->GetScalars();
      if (!found && attrs->GetNumberOfArrays() > 0) found = attrs->GetArray(0);
      if (!found && attrs->GetAbstractArray(0))
        fail(s.file, "its first array is not numeric; name the label array with geometry.array");
      if (found) {
        v.point_data = attrs == image->GetPointData();
        break;
      }
    }
    if (!found) fail(s.file, "holds no data arrays: nothing to read labels from");
  }
  v.values = found;
  v.array = found->GetName() ? found->GetName() : "";
  take_geometry(image, v);
  return v;
}

// A volume's voxel counts against the grid limit, before a reader allocates them.
void check_voxel_count(const std::string& file, std::array<double, 3> dims) {
  try {
    grid_dims(dims, "", "its grid", "crop or downsample it");
  } catch (const GeometryKeyError& e) {
    fail(file, e.what());
  }
}

Volume read_nrrd(const GeometrySpec& s) {
  // The header checked first: VTK's reader crashes or loops on some bad ones, and reads a short
  // data block as a volume padded with whatever was in memory.
  NrrdHeader header;
  try {
    header = check_nrrd_header(s.file);
  } catch (const NrrdHeaderError& e) {
    fail(s.file, e.what());
  }
  std::array<double, 3> extent{1, 1, 1};  // the last two axes are y and z, the rest x (and components)
  const int d = int(header.sizes.size());
  for (int a = 0; a < d; ++a) extent[std::max(0, a - std::max(0, d - 3))] *= double(header.sizes[a]);
  check_voxel_count(s.file, extent);
  vtkNew<vtkNrrdReader> reader;
  if (!reader->CanReadFile(s.file.c_str())) fail(s.file, "is not a NRRD file (no NRRD000x magic line)");
  vtkNew<VtkMessages> messages;
  messages->watch(reader);
  reader->SetFileName(s.file.c_str());
  update_or_fail(reader, [&] { return messages->problems(); }, s.file);
  vtkImageData* image = reader->GetOutput();
  Volume v = point_scalars_volume(image, s.file);
  if (std::uint64_t(v.values->GetNumberOfValues()) != header.voxels)
    fail(s.file, "VTK's NRRD reader returned " + std::to_string(v.values->GetNumberOfValues()) +
                     " values, its header's sizes make " + std::to_string(header.voxels));
  // VTK's NRRD reader takes a first axis shorter than 10 for vector components (dims 5×4×3 come
  // back as 4×3×1 points of 5 components). The bytes are in x-fastest order either way, so a scalar
  // volume is recovered by reading the components as x; that axis's spacing is the next one's.
  const int comps = v.values->GetNumberOfComponents();
  if (comps > 1 && v.dims[2] == 1) {
    vtkSmartPointer<vtkDataArray> flat;
    flat.TakeReference(vtkDataArray::CreateDataArray(v.values->GetDataType()));
    flat->SetNumberOfComponents(1);
    flat->SetNumberOfTuples(v.values->GetNumberOfValues());
    std::memcpy(flat->GetVoidPointer(0), v.values->GetVoidPointer(0),
                std::size_t(v.values->GetNumberOfValues()) * std::size_t(v.values->GetDataTypeSize()));
    v.values = flat;
    v.dims = {comps, v.dims[0], v.dims[1]};
    v.spacing = {v.spacing[0], v.spacing[0], v.spacing[1]};
    v.origin = {0, v.origin[0], v.origin[1]};
  }
  return v;
}

Volume read_tiff(const GeometrySpec& s) {
  vtkNew<vtkTIFFReader> reader;
  vtkNew<VtkMessages> messages;
  messages->watch(reader);
  long pages = 0;  // as our own walk of the file(s) counts them
  if (fs::is_directory(s.file)) {
    std::vector<std::string> slices;
    for (const auto& entry : fs::directory_iterator(s.file)) {
      std::string ext = entry.path().extension().string();
      for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
      if (entry.is_regular_file() && (ext == ".tif" || ext == ".tiff")) slices.push_back(entry.path().string());
    }
    if (slices.empty()) fail(s.file, "is a folder without .tif/.tiff slices");
    std::sort(slices.begin(), slices.end());
    // Every slice whole, one page, and the first slice's size and type: VTK reads each slice with
    // the first one's layout.
    TiffPage first;
    for (const auto& slice : slices) {
      const std::string name = fs::path(slice).filename().string();
      TiffStructure t;
      try {
        t = check_tiff_structure(slice);
      } catch (const TiffStructureError& e) {
        fail(s.file, "slice '" + name + "' " + e.what());
      }
      if (t.pages.size() != 1)
        fail(s.file, "slice '" + name + "' has " + std::to_string(t.pages.size()) +
                         " pages; a folder of slices needs one page per file");
      const TiffPage& p = t.pages.front();
      if (&slice == &slices.front()) first = p;
      else if (p.width != first.width || p.height != first.height || p.bits != first.bits ||
               p.samples != first.samples || p.sample_format != first.sample_format)
        fail(s.file, "slice '" + name + "' is " + std::to_string(p.width) + "×" + std::to_string(p.height) + " of " +
                         std::to_string(p.bits) + "-bit samples, the first slice '" +
                         fs::path(slices.front()).filename().string() + "' is " + std::to_string(first.width) +
                         "×" + std::to_string(first.height) + " of " + std::to_string(first.bits) +
                         "-bit samples: every slice must agree");
    }
    check_voxel_count(s.file, {double(first.width), double(first.height), double(slices.size())});
    pages = long(slices.size());
    vtkNew<vtkStringArray> names;
    for (const auto& n : slices) names->InsertNextValue(n);
    reader->SetFileDimensionality(2);
    reader->SetFileNames(names);
  } else {
    // The page chain walked first: libtiff reads a truncated stack as fewer or blank pages.
    TiffStructure t;
    try {
      t = check_tiff_structure(s.file);
    } catch (const TiffStructureError& e) {
      fail(s.file, e.what());
    }
    const TiffPage& p = t.pages.front();
    check_voxel_count(s.file, {double(p.width), double(p.height), double(t.pages.size())});
    pages = long(t.pages.size());
    if (!reader->CanReadFile(s.file.c_str())) fail(s.file, "is not a TIFF file");
    reader->SetFileName(s.file.c_str());
  }
  update_or_fail(reader, [&] { return messages->problems(); }, s.file);
  vtkImageData* image = reader->GetOutput();
  Volume v = point_scalars_volume(image, s.file);
  if (v.dims[2] != pages)
    fail(s.file, "VTK's TIFF reader returned " + std::to_string(v.dims[2]) + " slices, the file's page chain has " +
                     std::to_string(pages));
  v.spacing = {1, 1, 1};  // TIFF resolution tags are rarely the voxel size: voxel_um is required
  v.origin = {0, 0, 0};
  return v;
}

// What a raw file's size would fit instead: another value width (a uint16 volume read as uint8 is
// twice the size), or another header length.
std::string raw_size_hint(std::uintmax_t actual, long voxels, long header, int bytes) {
  std::string hint;
  if (actual >= std::uintmax_t(header)) {
    const std::uintmax_t data = actual - std::uintmax_t(header);
    for (const auto& [width, names] : {std::pair<int, const char*>{1, "uint8 or int8"}, {2, "uint16 or int16"},
                                       {4, "uint32 or int32"}})
      if (width != bytes && data == std::uintmax_t(voxels) * std::uintmax_t(width))
        hint = "; the size fits " + std::string(names) + " (geometry.raw_type)";
  }
  const std::uintmax_t voxel_bytes = std::uintmax_t(voxels) * std::uintmax_t(bytes);
  if (hint.empty() && actual > voxel_bytes)
    hint = "; the size fits a header of " + std::to_string(actual - voxel_bytes) + " bytes (geometry.raw_header_bytes)";
  return hint;
}

Volume read_raw(const GeometrySpec& s) {
  static const std::map<std::string, std::pair<int, int>> types = {
      {"uint8", {VTK_UNSIGNED_CHAR, 1}}, {"int8", {VTK_SIGNED_CHAR, 1}},   {"uint16", {VTK_UNSIGNED_SHORT, 2}},
      {"int16", {VTK_SHORT, 2}},         {"uint32", {VTK_UNSIGNED_INT, 4}}, {"int32", {VTK_INT, 4}}};
  const auto [vtk_type, bytes] = types.at(s.raw_type);
  const long n = long(s.raw_dims[0]) * s.raw_dims[1] * s.raw_dims[2];
  const std::uintmax_t expected = std::uintmax_t(s.raw_header_bytes) + std::uintmax_t(n) * bytes;
  std::error_code ec;
  const std::uintmax_t actual = fs::file_size(s.file, ec);
  if (ec) fail(s.file, "cannot be read: " + ec.message());
  if (actual != expected)
    fail(s.file, std::string(actual < expected ? "is truncated" : "is too long") + ": expected " +
                     std::to_string(expected) + " bytes (header " + std::to_string(s.raw_header_bytes) +
                     " + " + std::to_string(s.raw_dims[0]) + "×" + std::to_string(s.raw_dims[1]) + "×" +
                     std::to_string(s.raw_dims[2]) + " voxels × " + std::to_string(bytes) + " bytes of " +
                     s.raw_type + "), the file has " + std::to_string(actual) +
                     raw_size_hint(actual, n, s.raw_header_bytes, bytes) +
                     " — check geometry.raw_dims, raw_type and raw_header_bytes");
  Volume v;
  v.values.TakeReference(vtkDataArray::CreateDataArray(vtk_type));
  v.values->SetNumberOfTuples(n);
  std::ifstream in(s.file, std::ios::binary);
  in.seekg(s.raw_header_bytes);
  auto* data = static_cast<char*>(v.values->GetVoidPointer(0));
  if (!in.read(data, std::streamsize(n) * bytes)) fail(s.file, "could not read all " + std::to_string(n) + " voxels");
  const std::uint16_t probe = 1;
  const bool host_little = *reinterpret_cast<const std::uint8_t*>(&probe) == 1;
  if (bytes > 1 && host_little != (s.raw_endian == "little"))
    for (long i = 0; i < n; ++i) std::reverse(data + i * bytes, data + (i + 1) * bytes);
  v.dims = s.raw_dims;
  return v;
}

bool is_integer_type(int t) {
  switch (t) {
    case VTK_CHAR: case VTK_SIGNED_CHAR: case VTK_UNSIGNED_CHAR: case VTK_SHORT: case VTK_UNSIGNED_SHORT:
    case VTK_INT: case VTK_UNSIGNED_INT: case VTK_LONG: case VTK_UNSIGNED_LONG: case VTK_LONG_LONG:
    case VTK_UNSIGNED_LONG_LONG: case VTK_ID_TYPE:
      return true;
    default:
      return false;
  }
}

struct Unmapped {
  long voxels = 0;
  long first = 0;
};

// label[v] = map[value[v]]; values the map lacks go to `bad` (count and first voxel).
template <class T>
void map_values(const T* value, long n, const std::map<long long, std::uint8_t>& map,
                std::vector<std::uint8_t>& label, std::map<long long, Unmapped>& bad) {
  long long last = 0;
  std::uint8_t last_label = 0;
  bool have_last = false;
  for (long v = 0; v < n; ++v) {
    const long long x = static_cast<long long>(value[v]);
    if (have_last && x == last) {
      label[v] = last_label;
      continue;
    }
    const auto it = map.find(x);
    if (it == map.end()) {
      Unmapped& u = bad[x];
      if (u.voxels++ == 0) u.first = v;
      have_last = false;
      continue;
    }
    last = x, last_label = it->second, have_last = true;
    label[v] = last_label;
  }
}

std::array<int, 3> ijk(const LabelGrid& g, long v) {
  return {int(v % g.nx), int((v / g.nx) % g.ny), int(v / (long(g.nx) * g.ny))};
}

bool is_lumen(std::uint8_t l) { return l == labels::lumen || l == labels::outlet; }

// Calls visit(v, w) for every pair of face neighbours (w = v + e_axis).
template <class Visit>
void for_each_face(const LabelGrid& g, Visit&& visit) {
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const long v = g.index(i, j, k);
        if (i + 1 < g.nx) visit(v, v + 1);
        if (j + 1 < g.ny) visit(v, v + g.nx);
        if (k + 1 < g.nz) visit(v, v + long(g.nx) * g.ny);
      }
}

// The cell label a repaired voxel takes: duct cells where duct cells outnumber alveolar cells in its
// 3×3×3 neighbourhood, alveolar cells otherwise.
std::uint8_t repair_label(const LabelGrid& g, long v) {
  const auto c = ijk(g, v);
  int alveolar = 0, duct = 0;
  for (int dk = -1; dk <= 1; ++dk)
    for (int dj = -1; dj <= 1; ++dj)
      for (int di = -1; di <= 1; ++di) {
        const int i = c[0] + di, j = c[1] + dj, k = c[2] + dk;
        if (i < 0 || j < 0 || k < 0 || i >= g.nx || j >= g.ny || k >= g.nz) continue;
        alveolar += g.at(i, j, k) == labels::alveolar_cell;
        duct += g.at(i, j, k) == labels::duct_cell;
      }
  return duct > alveolar ? labels::duct_cell : labels::alveolar_cell;
}

}  // namespace

std::string ImportReport::text() const {
  std::ostringstream o;
  o << "import: '" << file << "' (" << format;
  if (!array.empty()) o << ", array '" << array << "'";
  o << ", " << data_type << (point_data ? ", point data: a voxel per point" : ", cell data: a voxel per cell")
    << "); h from " << spacing_source << "\n";
  o << "import: voxels per label:";
  for (int l = 0; l < 256; ++l)
    if (voxels_per_label[l]) o << " " << l << ":" << voxels_per_label[l];
  o << "\n";
  if (lumen_interstitium_faces || lumen_blood_faces) {
    o << "import: lumen touches interstitium on " << lumen_interstitium_faces << " faces and blood on "
      << lumen_blood_faces << " faces with no cell between";
    if (repaired_voxels) o << "; repaired: " << repaired_voxels << " voxels turned into cells";
    if (cell_blood_faces_after_repair) o << " (" << cell_blood_faces_after_repair << " of their faces touch blood)";
    o << "\n";
  }
  o << "import: lumen: " << lumen_components << " component(s), " << closed_lumen.size() << " without an outlet";
  if (outlet_face_voxels) o << "; " << outlet_face_voxels << " outlet voxels on the outlet face";
  o << "\n";
  for (const auto& w : warnings) o << "import: warning: " << w << "\n";
  return o.str();
}

void check_imported_grid(LabelGrid& g, const GeometrySpec& spec, const std::string& file, ImportReport& r) {
  // Outlets on a domain face: the lumen voxels of that face's layer.
  if (spec.outlet_face >= 0) {
    const int axis = spec.outlet_face / 2;
    const int n[3] = {g.nx, g.ny, g.nz};
    const int layer = spec.outlet_face % 2 ? n[axis] - 1 : 0;
    for (int k = 0; k < g.nz; ++k)
      for (int j = 0; j < g.ny; ++j)
        for (int i = 0; i < g.nx; ++i) {
          const int c[3] = {i, j, k};
          if (c[axis] != layer || g.at(i, j, k) != labels::lumen) continue;
          g.label[g.index(i, j, k)] = labels::outlet;
          ++r.outlet_face_voxels;
        }
    if (r.outlet_face_voxels == 0)
      r.warnings.push_back("geometry.outlet_face has no lumen voxels (label 4) on it: no outlets made there");
  }

  // Missing cell layers: lumen face to face with interstitium or blood.
  std::vector<char> convert(spec.repair_contacts ? g.label.size() : 0, 0);
  for_each_face(g, [&](long a, long b) {
    std::uint8_t la = g.label[a], lb = g.label[b];
    if (is_lumen(lb)) std::swap(a, b), std::swap(la, lb);
    if (!is_lumen(la) || (lb != labels::interstitium && lb != labels::blood)) return;
    (lb == labels::interstitium ? r.lumen_interstitium_faces : r.lumen_blood_faces)++;
    if (r.first_contacts.size() < 5) {
      const auto p = ijk(g, a), q = ijk(g, b);
      r.first_contacts.push_back({p[0], p[1], p[2], q[0], q[1], q[2]});
    }
    if (spec.repair_contacts) convert[b] = 1;
  });
  const long contacts = r.lumen_interstitium_faces + r.lumen_blood_faces;
  if (contacts && !spec.repair_contacts) {
    std::string where;
    for (const auto& c : r.first_contacts)
      where += (where.empty() ? "" : ", ") + std::string("lumen ") + voxel_text({c[0], c[1], c[2]}) + " | " +
               voxel_text({c[3], c[4], c[5]});
    fail(file, "lumen touches interstitium on " + std::to_string(r.lumen_interstitium_faces) +
                   " faces and blood on " + std::to_string(r.lumen_blood_faces) +
                   " faces with no cell layer between (first: " + where +
                   "); those faces would be no-flux walls with no apical membrane or junction. Fix the "
                   "segmentation, or set geometry.repair_contacts = true to turn the interstitium/blood "
                   "voxel of each such face into a cell");
  }
  if (spec.repair_contacts && contacts) {
    std::vector<std::pair<long, std::uint8_t>> changes;
    for (long v = 0; v < long(convert.size()); ++v)
      if (convert[v]) changes.push_back({v, repair_label(g, v)});
    for (const auto& [v, l] : changes) g.label[v] = l;
    r.repaired_voxels = long(changes.size());
    for_each_face(g, [&](long a, long b) {
      if ((convert[a] && g.label[b] == labels::blood) || (convert[b] && g.label[a] == labels::blood))
        ++r.cell_blood_faces_after_repair;
    });
    if (r.cell_blood_faces_after_repair)
      r.warnings.push_back(std::to_string(r.cell_blood_faces_after_repair) +
                           " faces of repaired cells touch blood (no interstitium between): a model "
                           "that names no cell|blood membrane treats them as walls");
  }

  // Lumen components (6-connected) and whether each reaches an outlet voxel.
  std::vector<char> seen(g.label.size(), 0);
  std::deque<long> queue;
  const long stride[3] = {1, g.nx, long(g.nx) * g.ny};
  for (long start = 0; start < g.size(); ++start) {
    if (seen[start] || !is_lumen(g.label[start])) continue;
    ++r.lumen_components;
    long voxels = 0;
    bool outlet = false;
    seen[start] = 1;
    queue.push_back(start);
    while (!queue.empty()) {
      const long v = queue.front();
      queue.pop_front();
      ++voxels;
      outlet = outlet || g.label[v] == labels::outlet;
      const auto c = ijk(g, v);
      const int n[3] = {g.nx, g.ny, g.nz};
      for (int a = 0; a < 3; ++a)
        for (int d : {-1, 1}) {
          if (c[a] + d < 0 || c[a] + d >= n[a]) continue;
          const long w = v + d * stride[a];
          if (!seen[w] && is_lumen(g.label[w])) seen[w] = 1, queue.push_back(w);
        }
    }
    if (!outlet) r.closed_lumen.push_back({voxels, ijk(g, start)});
  }
  if (!r.closed_lumen.empty()) {
    std::string list;
    for (std::size_t c = 0; c < r.closed_lumen.size() && c < 5; ++c)
      list += (list.empty() ? "" : ", ") + std::to_string(r.closed_lumen[c].voxels) + " voxels from " +
              voxel_text(r.closed_lumen[c].first_voxel);
    if (r.closed_lumen.size() > 5) list += ", …";
    const std::string what = std::to_string(r.closed_lumen.size()) + " of " + std::to_string(r.lumen_components) +
                             " lumen components reach no outlet (" + list + ")";
    if (spec.require_outlet)
      fail(file, what + ": milk there cannot leave and its pressure problem has no solution. Give outlets "
                        "with geometry.outlet_label or geometry.outlet_face, or fix the segmentation");
    r.warnings.push_back(what + "; allowed because geometry.require_outlet = false");
  }
  r.voxels_per_label = {};
  for (std::uint8_t l : g.label) ++r.voxels_per_label[l];
}

ImportedVolume import_volume(const GeometrySpec& spec) {
  const std::string& file = spec.file;
  if (spec.label_map.empty())
    throw GeometryKeyError("geometry.label_map", "geometry.kind = file needs geometry.label_map (file_value:label pairs)");
  if (!fs::exists(file)) fail(file, "does not exist");

  Volume v;
  if (spec.format == "vti") v = read_vti(spec);
  else if (spec.format == "nrrd") v = read_nrrd(spec);
  else if (spec.format == "tiff") v = read_tiff(spec);
  else if (spec.format == "raw") v = read_raw(spec);
  else throw GeometryKeyError("geometry.format", "geometry.format = " + spec.format + " is not vti, nrrd, tiff or raw");

  ImportedVolume out;
  ImportReport& r = out.report;
  r.file = file;
  r.format = spec.format;
  r.array = v.array;
  r.point_data = v.point_data;
  r.data_type = v.values->GetDataTypeAsString();

  // Values: one integer component per voxel.
  if (v.values->GetNumberOfComponents() != 1)
    fail(file, "array '" + v.array + "' has " + std::to_string(v.values->GetNumberOfComponents()) +
                   " components per voxel (RGB?); a label volume has one integer value per voxel");
  if (!is_integer_type(v.values->GetDataType()))
    fail(file, "array '" + v.array + "' holds " + r.data_type +
                   " values; labels must be integers (export the segmentation as uint8 or uint16)");
  const long n = long(v.dims[0]) * v.dims[1] * v.dims[2];
  if (n <= 0) fail(file, "has no voxels");
  try {
    grid_dims({double(v.dims[0]), double(v.dims[1]), double(v.dims[2])}, "", "its grid", "crop or downsample it");
  } catch (const GeometryKeyError& e) {
    fail(file, e.what());
  }
  if (v.values->GetNumberOfTuples() != n)
    fail(file, "array '" + v.array + "' holds " + std::to_string(v.values->GetNumberOfTuples()) + " values, the " +
                   std::to_string(v.dims[0]) + "×" + std::to_string(v.dims[1]) + "×" + std::to_string(v.dims[2]) +
                   " grid needs " + std::to_string(n) + " (truncated?)");

  // Voxel size and origin, in metres.
  LabelGrid& g = out.grid;
  g.nx = v.dims[0], g.ny = v.dims[1], g.nz = v.dims[2];
  double unit = 1e-6;
  if (spec.spacing_unit == "m") unit = 1;
  else if (spec.spacing_unit == "mm") unit = 1e-3;
  else if (spec.spacing_unit == "auto" && spec.format != "raw" && spec.format != "tiff") {
    bool tiny = true;
    for (int a = 0; a < 3; ++a) tiny = tiny && std::abs(v.spacing[a]) < 1e-3;
    unit = tiny ? 1 : 1e-6;
  }
  const std::string unit_name = unit == 1 ? "m" : unit == 1e-3 ? "mm" : "um";
  if (spec.voxel_given) {
    g.h_m = spec.voxel_m;
    r.spacing_source = "geometry.voxel_um = " + number_text(spec.voxel_m * 1e6) + " um";
  } else {
    const double* sp = v.spacing.data();
    double h = sp[0], lo = 1e300, hi = 0;
    for (int a = 0; a < 3; ++a) {
      if (!(std::isfinite(sp[a]) && sp[a] > 0))
        fail(file, "has spacing " + number_text(sp[a]) + " along axis " + std::to_string(a) +
                       "; set geometry.voxel_um to give the voxel size");
      lo = std::min(lo, sp[a]), hi = std::max(hi, sp[a]);
    }
    if (hi > lo * (1 + 1e-6))
      fail(file, "has non-cubic voxels (spacing " + number_text(sp[0]) + " × " + number_text(sp[1]) + " × " +
                     number_text(sp[2]) + " " + unit_name +
                     "); lactosim needs one edge h: resample the volume, or set geometry.voxel_um to override");
    g.h_m = h * unit;
    r.spacing_source = "the file's spacing " + number_text(h) + " read as " + unit_name +
                       (spec.spacing_unit == "auto" ? " (spacing_unit = auto)" : "") + " = " +
                       number_text(g.h_m * 1e6) + " um";
    if (g.h_m < 1e-9 || g.h_m > 1e-2)
      fail(file, "gives a voxel edge of " + number_text(g.h_m) + " m (" + r.spacing_source +
                     "); set geometry.spacing_unit or geometry.voxel_um");
  }
  for (int a = 0; a < 3; ++a) g.origin_m[a] = v.origin[a] * unit - (v.point_data ? 0.5 * g.h_m : 0.0);

  // Values → labels.
  std::map<long long, std::uint8_t> map = spec.label_map;
  if (spec.outlet_label) map[*spec.outlet_label] = labels::outlet;
  g.label.assign(n, 0);
  std::map<long long, Unmapped> bad;
  switch (v.values->GetDataType()) {
    vtkTemplateMacro(map_values(static_cast<const VTK_TT*>(v.values->GetVoidPointer(0)), n, map, g.label, bad));
  }
  if (!bad.empty()) {
    std::string list;
    int shown = 0;
    for (const auto& [value, u] : bad) {
      if (shown++ == 8) {
        list += "; and " + std::to_string(bad.size() - 8) + " more values";
        break;
      }
      list += (list.empty() ? "" : "; ") + std::string("value ") + std::to_string(value) + " in " +
              std::to_string(u.voxels) + " voxels, first at voxel " + voxel_text(ijk(g, u.first));
    }
    std::string keys;
    for (const auto& [value, label] : map) keys += (keys.empty() ? "" : " ") + std::to_string(value);
    fail(file, std::to_string(bad.size()) + " value(s) are not in geometry.label_map (" + list +
                   "); the map covers: " + keys);
  }

  check_imported_grid(g, spec, file, r);
  return out;
}

LabelGrid import_label_volume(const GeometrySpec& spec) {
  ImportedVolume imported = import_volume(spec);
  std::istringstream lines(imported.report.text());
  for (std::string line; std::getline(lines, line);) std::cerr << "lactosim: " << line << "\n";
  return std::move(imported.grid);
}

void write_label_vti(const LabelGrid& grid, const std::string& path, const std::string& array) {
  vtkNew<vtkImageData> image;
  image->SetExtent(0, grid.nx, 0, grid.ny, 0, grid.nz);  // points at voxel corners
  image->SetSpacing(grid.h_m, grid.h_m, grid.h_m);
  image->SetOrigin(grid.origin_m[0], grid.origin_m[1], grid.origin_m[2]);
  vtkNew<vtkUnsignedCharArray> values;
  values->SetName(array.c_str());
  values->SetNumberOfTuples(grid.size());
  std::copy(grid.label.begin(), grid.label.end(), values->GetPointer(0));
  image->GetCellData()->SetScalars(values);
  vtkNew<vtkXMLImageDataWriter> writer;
  vtkNew<VtkMessages> messages;
  messages->watch(writer);
  writer->SetInputData(image);
  writer->SetFileName(path.c_str());
  writer->SetDataModeToAppended();
  writer->EncodeAppendedDataOff();
  writer->SetCompressorTypeToZLib();
  if (writer->Write() != 1 || !messages->errors.empty())
    throw std::runtime_error("cannot write '" + path + "': " + messages->errors);
}

}  // namespace lactosim::mesh
