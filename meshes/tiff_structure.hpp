// SPDX-License-Identifier: MIT
// A TIFF file's page structure, walked without libtiff before vtkTIFFReader sees the file: libtiff
// reads a truncated stack as fewer or partly blank pages, with a console warning at most, so a
// volume would import short or with zeros and no error (issue #18).
//
//   header   II*\0 / MM\0* (classic, 32-bit offsets) or II+\0 / MM\0+ (BigTIFF, 64-bit offsets);
//   IFDs     every IFD, tag value, strip and tile lies inside the file; the chain ends (no loop);
//   pages    every full-resolution page (thumbnails, NewSubfileType bit 0, are skipped) has the
//            first page's width, height, bits, samples per pixel, sample format, compression,
//            photometric interpretation, planar configuration and strip or tile layout (VTK reads
//            every page into a buffer laid out for the first); an
//            uncompressed page holds all the bytes its size needs;
//   count    the number of pages agrees with what the file declares: ImageJ's `images=N` in the
//            first page's ImageDescription, and the total of the PageNumber tag.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace lactosim::mesh {

struct TiffPage {
  std::uint64_t ifd_offset = 0;
  std::uint32_t width = 0, height = 0;
  std::uint32_t bits = 1, samples = 1, sample_format = 1, compression = 1;
  std::uint32_t photometric = 1, planar = 1, tile_width = 0, tile_length = 0;  // tile sizes 0: strips
  std::uint64_t data_bytes = 0;  // sum of its strip or tile byte counts
};

struct TiffStructure {
  bool big_endian = false;
  bool big_tiff = false;
  std::vector<TiffPage> pages;   // full-resolution pages, in chain order
  long thumbnails = 0;           // reduced-resolution pages, skipped
  long declared_pages = -1;      // ImageJ images=N or PageNumber's total; -1 when neither says
};

// What is wrong with the structure, without the file's name (the importer adds it).
struct TiffStructureError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Walks and checks the file, then has libtiff read every page's directory (VTK's reader goes on
// after libtiff failed one, and divides by zero); throws TiffStructureError naming the page, tag
// and byte range at fault.
TiffStructure check_tiff_structure(const std::string& path);
// The same on bytes in memory (tests and the fuzz target).
TiffStructure check_tiff_bytes(const std::uint8_t* data, std::size_t size);

}  // namespace lactosim::mesh
