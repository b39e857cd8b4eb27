// SPDX-License-Identifier: MIT
#include "vtk_output.hpp"

#include <vtkCallbackCommand.h>
#include <vtkCellData.h>
#include <vtkCommand.h>
#include <vtkDataArray.h>
#include <vtkDoubleArray.h>
#include <vtkErrorCode.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkXMLImageDataReader.h>
#include <vtkXMLImageDataWriter.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "visualization/io/atomic_file.hpp"
#include "visualization/io/number_format.hpp"

namespace lactosim::vis {
namespace {

// VTK reports failures through error events (printed to stderr by default) and a return code. This
// turns the events of one algorithm into text for our exception instead of a stray console line.
class VtkErrorCapture {
 public:
  explicit VtkErrorCapture(vtkObject* watched) : watched_(watched) {
    callback_->SetClientData(&message_);
    callback_->SetCallback([](vtkObject*, unsigned long, void* client, void* call) {
      auto* message = static_cast<std::string*>(client);
      if (!message->empty()) *message += "; ";
      // VTK's text spans lines ("ERROR: In file, line N\nclass: reason"): one line reads better.
      for (const char* c = call ? static_cast<const char*>(call) : "unknown VTK error"; *c; ++c) {
        if (*c != '\n') {
          *message += *c;
        } else if (!message->empty() && message->back() != ' ') {
          *message += ' ';
        }
      }
    });
    tag_ = watched->AddObserver(vtkCommand::ErrorEvent, callback_);
  }
  ~VtkErrorCapture() { watched_->RemoveObserver(tag_); }
  VtkErrorCapture(const VtkErrorCapture&) = delete;
  VtkErrorCapture& operator=(const VtkErrorCapture&) = delete;
  std::string text() const {
    std::string t = message_;
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    return t;
  }

 private:
  vtkObject* watched_;
  unsigned long tag_ = 0;
  std::string message_;
  vtkNew<vtkCallbackCommand> callback_;
};

std::string xml_attribute(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

void check_geometry(const std::string& path, const ImageGeometry& g) {
  if (g.nx <= 0 || g.ny <= 0 || g.nz <= 0) {
    throw std::runtime_error("cannot write '" + path + "': grid " + std::to_string(g.nx) + "×" +
                             std::to_string(g.ny) + "×" + std::to_string(g.nz) + " has no voxels");
  }
  if (!(g.spacing_m > 0.0) || !std::isfinite(g.spacing_m)) {
    throw std::runtime_error("cannot write '" + path + "': voxel spacing must be positive and finite");
  }
}

void check_array(const std::string& path, const std::string& name, std::size_t size,
                 long expected, std::set<std::string>& names) {
  if (name.empty()) throw std::runtime_error("cannot write '" + path + "': an array has no name");
  if (!names.insert(name).second) {
    throw std::runtime_error("cannot write '" + path + "': array '" + name + "' appears twice");
  }
  if (long(size) != expected) {
    throw std::runtime_error("cannot write '" + path + "': array '" + name + "' has " +
                             std::to_string(size) + " values, the grid needs " +
                             std::to_string(expected));
  }
}

}  // namespace

void write_vti(const std::string& path, const ImageGeometry& geometry, const LabelArray* labels,
               const std::vector<CellArray>& arrays) {
  check_geometry(path, geometry);
  const long voxels = geometry.voxels();
  std::set<std::string> names;

  vtkNew<vtkImageData> image;
  const int* o = geometry.offset;  // points = voxel corners
  image->SetExtent(o[0], o[0] + geometry.nx, o[1], o[1] + geometry.ny, o[2], o[2] + geometry.nz);
  image->SetSpacing(geometry.spacing_m, geometry.spacing_m, geometry.spacing_m);
  image->SetOrigin(geometry.origin_m[0], geometry.origin_m[1], geometry.origin_m[2]);

  // SetArray with save=1 borrows the caller's memory (VTK will not free or write it), so no copy.
  if (labels) {
    check_array(path, labels->name, labels->values.size(), voxels, names);
    vtkNew<vtkUnsignedCharArray> a;
    a->SetName(labels->name.c_str());
    a->SetArray(const_cast<std::uint8_t*>(labels->values.data()), voxels, 1);
    image->GetCellData()->AddArray(a);
  }
  for (const CellArray& array : arrays) {
    if (array.components < 1) {
      throw std::runtime_error("cannot write '" + path + "': array '" + array.name +
                               "' has fewer than one component");
    }
    check_array(path, array.name, array.values.size(), voxels * array.components, names);
    vtkNew<vtkDoubleArray> a;
    a->SetName(array.name.c_str());
    a->SetNumberOfComponents(array.components);
    a->SetArray(const_cast<double*>(array.values.data()), voxels * array.components, 1);
    image->GetCellData()->AddArray(a);
  }
  if (labels) image->GetCellData()->SetActiveScalars(labels->name.c_str());

  io::AtomicReplace target(path);
  vtkNew<vtkXMLImageDataWriter> writer;
  VtkErrorCapture errors(writer);
  writer->SetInputData(image);
  writer->SetFileName(target.temp_path().c_str());
  // Inline binary (base64 of zlib blocks), not raw appended data: Debian 12's ParaView 5.11 fails to
  // parse raw appended blocks with its patched expat ("not well-formed (invalid token)"), while
  // every reader opens inline binary; compressed, the sizes differ by < 1 %.
  writer->SetDataModeToBinary();
  writer->SetCompressorTypeToZLib();
  writer->SetHeaderTypeToUInt64();
  if (writer->Write() != 1 || writer->GetErrorCode() != vtkErrorCode::NoError) {
    std::string why = errors.text();
    if (why.empty()) why = vtkErrorCode::GetStringFromErrorCode(writer->GetErrorCode());
    throw std::runtime_error("cannot write '" + path + "': " + why);
  }
  target.commit();
}

void write_pvti(const std::string& path, const ImageGeometry& whole, const std::vector<PvtiArray>& arrays,
                const std::vector<std::pair<ImageGeometry, std::string>>& pieces, const std::string& active_scalars) {
  check_geometry(path, whole);
  const auto extent = [](const ImageGeometry& g) {
    return std::to_string(g.offset[0]) + " " + std::to_string(g.offset[0] + g.nx) + " " + std::to_string(g.offset[1]) +
           " " + std::to_string(g.offset[1] + g.ny) + " " + std::to_string(g.offset[2]) + " " +
           std::to_string(g.offset[2] + g.nz);
  };
  std::string xml = "<?xml version=\"1.0\"?>\n"
                    "<VTKFile type=\"PImageData\" version=\"1.0\" byte_order=\"LittleEndian\" "
                    "header_type=\"UInt64\" compressor=\"vtkZLibDataCompressor\">\n";
  const std::string h = io::format_general(whole.spacing_m, 17);
  xml += "  <PImageData WholeExtent=\"" + extent(whole) + "\" GhostLevel=\"0\" Origin=\"" +
         io::format_general(whole.origin_m[0], 17) + " " + io::format_general(whole.origin_m[1], 17) + " " +
         io::format_general(whole.origin_m[2], 17) + "\" Spacing=\"" + h + " " + h + " " + h + "\">\n";
  xml += active_scalars.empty() ? "    <PCellData>\n" : "    <PCellData Scalars=\"" + active_scalars + "\">\n";
  for (const PvtiArray& a : arrays)
    xml += "      <PDataArray type=\"" + a.vtk_type + "\" Name=\"" + a.name + "\" NumberOfComponents=\"" +
           std::to_string(a.components) + "\"/>\n";
  xml += "    </PCellData>\n";
  for (const auto& [g, file] : pieces) xml += "    <Piece Extent=\"" + extent(g) + "\" Source=\"" + file + "\"/>\n";
  xml += "  </PImageData>\n</VTKFile>\n";
  io::write_file_atomically(path, xml);
}

PvdCollection::PvdCollection(std::string path) : path_(std::move(path)) {}

void PvdCollection::add(double time_s, const std::string& relative_file) {
  if (!std::isfinite(time_s)) {
    throw std::invalid_argument("'" + path_ + "': time of '" + relative_file + "' is not finite");
  }
  if (!steps_.empty() && time_s < steps_.back().first) {
    throw std::invalid_argument("'" + path_ + "': time " + io::format_general(time_s, 17) +
                                " s of '" + relative_file + "' is before the previous step's");
  }
  std::vector<std::pair<double, std::string>> steps = steps_;
  steps.emplace_back(time_s, relative_file);
  write(steps);
  steps_ = std::move(steps);
}

void PvdCollection::reset(std::vector<std::pair<double, std::string>> steps) {
  for (std::size_t i = 0; i < steps.size(); ++i)
    if (!std::isfinite(steps[i].first) || (i > 0 && steps[i].first < steps[i - 1].first))
      throw std::invalid_argument("'" + path_ + "': the times to reset to are not finite and non-decreasing");
  write(steps);
  steps_ = std::move(steps);
}

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// ParaView's file series (JSON): {"file-series-version": "1.0", "files": [{"name": …, "time": …}, …]}.
std::string file_series_json(const std::vector<std::pair<double, std::string>>& steps) {
  std::string json = "{\n  \"file-series-version\": \"1.0\",\n  \"files\": [";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::string name;
    for (char c : steps[i].second) {
      if (c == '"' || c == '\\') name += '\\';
      name += c;
    }
    json += std::string(i ? "," : "") + "\n    {\"name\": \"" + name + "\", \"time\": " +
            io::format_general(steps[i].first, 17) + "}";
  }
  return json + "\n  ]\n}\n";
}

}  // namespace

void PvdCollection::write(const std::vector<std::pair<double, std::string>>& steps) const {
  if (ends_with(path_, ".series")) {
    io::write_file_atomically(path_, file_series_json(steps));
    return;
  }
  std::string xml =
      "<?xml version=\"1.0\"?>\n"
      "<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">\n"
      "  <Collection>\n";
  for (const auto& [t, file] : steps)
    xml += "    <DataSet timestep=\"" + io::format_general(t, 17) + "\" group=\"\" part=\"0\" file=\"" +
           xml_attribute(file) + "\"/>\n";
  xml += "  </Collection>\n</VTKFile>\n";
  io::write_file_atomically(path_, xml);
}

VtiContents read_vti(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw std::runtime_error("cannot read '" + path + "': no such file");
  }
  vtkNew<vtkXMLImageDataReader> reader;
  VtkErrorCapture errors(reader);
  if (!reader->CanReadFile(path.c_str())) {
    throw std::runtime_error("cannot read '" + path + "': not a VTK XML image data file");
  }
  reader->SetFileName(path.c_str());
  reader->Update();
  vtkImageData* image = reader->GetOutput();
  if (reader->GetErrorCode() != vtkErrorCode::NoError || !errors.text().empty() || !image) {
    std::string why = errors.text();
    if (why.empty()) why = vtkErrorCode::GetStringFromErrorCode(reader->GetErrorCode());
    throw std::runtime_error("cannot read '" + path + "': " + why);
  }

  VtiContents out;
  int extent[6];
  double spacing[3], origin[3];
  image->GetExtent(extent);
  image->GetSpacing(spacing);
  image->GetOrigin(origin);
  ImageGeometry& g = out.geometry;
  g.nx = extent[1] - extent[0];
  g.ny = extent[3] - extent[2];
  g.nz = extent[5] - extent[4];
  g.spacing_m = spacing[0];
  for (int d = 0; d < 3; ++d) {
    if (std::fabs(spacing[d] - spacing[0]) > 1e-12 * std::fabs(spacing[0])) {
      throw std::runtime_error("cannot read '" + path + "': spacing differs between axes");
    }
    g.origin_m[d] = origin[d] + extent[2 * d] * spacing[d];
  }

  vtkCellData* cells = image->GetCellData();
  for (int a = 0; a < cells->GetNumberOfArrays(); ++a) {
    vtkDataArray* array = cells->GetArray(a);
    if (!array || !array->GetName()) continue;  // string arrays and unnamed arrays: not ours
    const int nc = array->GetNumberOfComponents();
    const vtkIdType tuples = array->GetNumberOfTuples();
    std::vector<double> values(std::size_t(tuples) * nc);
    for (vtkIdType t = 0; t < tuples; ++t) {
      for (int c = 0; c < nc; ++c) values[std::size_t(t) * nc + c] = array->GetComponent(t, c);
    }
    out.arrays[array->GetName()] = std::move(values);
    out.components[array->GetName()] = nc;
  }
  return out;
}

}  // namespace lactosim::vis
