// SPDX-License-Identifier: MIT
// Walks a TIFF's IFD chain (TIFF 6.0 §2, BigTIFF) and checks what meshes/tiff_structure.hpp lists.
// Reads only the header, the IFDs and the tag values they point at, never the pixels.
#include "meshes/tiff_structure.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

#include <tiffio.h>

namespace lactosim::mesh {

namespace {

[[noreturn]] void fail(const std::string& what) { throw TiffStructureError(what); }

// Random access to the file's bytes: a file on disk or a buffer.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  explicit Bytes(const std::string& path) : file_(path, std::ios::binary) {
    if (!file_) fail("cannot be opened");
    file_.seekg(0, std::ios::end);
    size_ = std::uint64_t(file_.tellg());
  }
  std::uint64_t size() const { return size_; }
  bool inside(std::uint64_t offset, std::uint64_t n) const { return offset <= size_ && n <= size_ - offset; }
  // n bytes at offset; the caller has checked `inside`.
  std::vector<std::uint8_t> read(std::uint64_t offset, std::uint64_t n) {
    std::vector<std::uint8_t> out(n);
    if (data_) {
      if (n) std::memcpy(out.data(), data_ + offset, n);
    } else {
      file_.clear();
      file_.seekg(std::streamoff(offset));
      if (!file_.read(reinterpret_cast<char*>(out.data()), std::streamsize(n))) fail("cannot be read");
    }
    return out;
  }

 private:
  const std::uint8_t* data_ = nullptr;
  std::ifstream file_;
  std::uint64_t size_ = 0;
};

std::string range_text(std::uint64_t offset, std::uint64_t n) {
  return "bytes " + std::to_string(offset) + "–" + std::to_string(offset + n);
}

const char* tag_name(int tag) {
  switch (tag) {
    case 254: return "NewSubfileType";
    case 256: return "ImageWidth";
    case 257: return "ImageLength";
    case 258: return "BitsPerSample";
    case 259: return "Compression";
    case 270: return "ImageDescription";
    case 273: return "StripOffsets";
    case 274: return "Orientation";
    case 277: return "SamplesPerPixel";
    case 278: return "RowsPerStrip";
    case 279: return "StripByteCounts";
    case 280: return "MinSampleValue";
    case 281: return "MaxSampleValue";
    case 284: return "PlanarConfiguration";
    case 297: return "PageNumber";
    case 322: return "TileWidth";
    case 323: return "TileLength";
    case 324: return "TileOffsets";
    case 325: return "TileByteCounts";
    case 339: return "SampleFormat";
    default: return "tag";
  }
}

// Bytes per value of a TIFF field type; 0 for a type this walker does not know (the entry is skipped).
std::uint64_t type_bytes(int type) {
  switch (type) {
    case 1: case 2: case 6: case 7: return 1;         // BYTE ASCII SBYTE UNDEFINED
    case 3: case 8: return 2;                         // SHORT SSHORT
    case 4: case 9: case 11: case 13: return 4;       // LONG SLONG FLOAT IFD
    case 5: case 10: case 12: case 16: case 17: case 18: return 8;  // RATIONAL … LONG8 SLONG8 IFD8
    default: return 0;
  }
}

// The kind of value TIFF 6.0 gives a baseline or extension tag libtiff reads itself: 'i' integers,
// 'r' numbers (rationals; libtiff converts any numeric type), 'a' text; 0 for a tag it does not
// know (kept as is). libtiff fails to read a directory whose known tag has a type of another kind,
// and VTK's reader then divides by zero in TIFFReadScanline (a RATIONAL MaxSampleValue; found by
// fuzzing).
char tag_kind(int tag) {
  switch (tag) {
    case 254: case 255: case 256: case 257: case 258: case 259: case 262: case 263: case 264: case 265:
    case 266: case 273: case 274: case 277: case 278: case 279: case 280: case 281: case 284: case 290:
    case 291: case 292: case 293: case 296: case 297: case 301: case 317: case 320: case 321: case 322:
    case 323: case 324: case 325: case 332: case 338: case 339: case 530: case 531:
      return 'i';
    case 282: case 283: case 286: case 287: case 318: case 319: case 532:
      return 'r';
    case 269: case 270: case 271: case 272: case 285: case 305: case 306: case 315: case 316: case 33432:
      return 'a';
    default:
      return 0;
  }
}

bool type_fits(char kind, int type) {
  // Unsigned only: libtiff refuses a negative value of a signed type, and an IFD-offset type, for
  // these tags (a RowsPerStrip of type IFD; found by fuzzing).
  const bool integer = type == 1 || type == 3 || type == 4 || type == 16;
  const bool number = integer || type == 5 || type == 10 || type == 11 || type == 12;
  const bool text = type == 2 || type == 1 || type == 6 || type == 7;
  return kind == 'i' ? integer : kind == 'r' ? number : kind == 'a' ? text : true;
}

struct Entry {
  int tag = 0, type = 0;
  std::uint64_t count = 0;
  std::vector<std::uint8_t> bytes;  // the value, count × type_bytes
};

class Walker {
 public:
  explicit Walker(Bytes& b) : b_(b) {}

  TiffStructure walk() {
    if (!b_.inside(0, 8)) fail("is too short for a TIFF header (" + std::to_string(b_.size()) + " bytes)");
    const auto head = b_.read(0, 8);
    if (head[0] == 'I' && head[1] == 'I') s_.big_endian = false;
    else if (head[0] == 'M' && head[1] == 'M') s_.big_endian = true;
    else fail("is not a TIFF file (its first bytes are not II or MM)");
    const unsigned magic = unsigned(get(head.data() + 2, 2));
    std::uint64_t next = 0;
    if (magic == 42) {
      next = get(head.data() + 4, 4);
    } else if (magic == 43) {
      s_.big_tiff = true;
      if (!b_.inside(0, 16)) fail("is too short for a BigTIFF header");
      const auto big = b_.read(0, 16);
      if (get(big.data() + 4, 2) != 8) fail("is a BigTIFF with offsets of " + std::to_string(get(big.data() + 4, 2)) + " bytes, not 8");
      next = get(big.data() + 8, 8);
    } else {
      fail("is not a TIFF file (version " + std::to_string(magic) + ", not 42 or 43)");
    }
    if (next == 0) fail("has no pages (its first IFD offset is 0)");

    std::set<std::uint64_t> seen;
    long page = 0;
    while (next != 0) {
      if (page >= max_pages) fail("has more than " + std::to_string(max_pages) + " pages");
      if (!seen.insert(next).second)
        fail("its page chain loops: page " + std::to_string(page + 1) + "'s IFD offset " + std::to_string(next) +
             " is an earlier page's");
      next = read_page(next, page++);
    }
    if (s_.pages.empty()) fail("has only reduced-resolution pages (thumbnails), no image");
    const long pages = long(s_.pages.size());
    if (s_.declared_pages > 0 && s_.declared_pages != pages)
      fail("declares " + std::to_string(s_.declared_pages) + " pages (" + declared_by_ + ") but its IFD chain has " +
           std::to_string(pages) + (pages < s_.declared_pages ? ": truncated, or pages lost when it was saved" : ""));
    return s_;
  }

 private:
  static constexpr long max_pages = 100000;

  std::uint64_t get(const std::uint8_t* p, int n) const {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t(p[s_.big_endian ? n - 1 - i : i]) << (8 * i);
    return v;
  }

  std::string where(long page, int tag) const {
    return "page " + std::to_string(page + 1) + "'s " + tag_name(tag) + " (tag " + std::to_string(tag) + ")";
  }

  // The IFD at `offset`: its entries read and checked, the page recorded; returns the next IFD's offset.
  std::uint64_t read_page(std::uint64_t offset, long page) {
    const int count_bytes = s_.big_tiff ? 8 : 2, entry_bytes = s_.big_tiff ? 20 : 12, link_bytes = s_.big_tiff ? 8 : 4;
    const std::string name = "page " + std::to_string(page + 1);
    if (!b_.inside(offset, count_bytes))
      fail(name + "'s IFD at offset " + std::to_string(offset) + " lies past the end of the file (" +
           std::to_string(b_.size()) + " bytes): the file is truncated");
    const std::uint64_t n = get(b_.read(offset, count_bytes).data(), count_bytes);
    if (n == 0 || n > 65535) fail(name + "'s IFD at offset " + std::to_string(offset) + " lists " + std::to_string(n) + " tags");
    const std::uint64_t table = n * std::uint64_t(entry_bytes) + std::uint64_t(link_bytes);
    if (!b_.inside(offset + count_bytes, table))
      fail(name + "'s IFD (" + range_text(offset, count_bytes + table) + ") runs past the end of the file (" +
           std::to_string(b_.size()) + " bytes): the file is truncated");
    const auto raw = b_.read(offset + count_bytes, table);

    std::vector<Entry> entries;
    for (std::uint64_t e = 0; e < n; ++e) {
      const std::uint8_t* p = raw.data() + e * entry_bytes;
      Entry en;
      en.tag = int(get(p, 2));
      en.type = int(get(p + 2, 2));
      en.count = get(p + 4, s_.big_tiff ? 8 : 4);
      const std::uint64_t size = type_bytes(en.type);
      // A type TIFF does not define: libtiff takes some such entries anyway and divides by zero
      // later (a PlanarConfiguration of type 32771 crashed TIFFReadScanline; found by fuzzing).
      if (size == 0)
        fail(where(page, en.tag) + " has field type " + std::to_string(en.type) + ", which TIFF does not define");
      if (!type_fits(tag_kind(en.tag), en.type))
        fail(where(page, en.tag) + " has field type " + std::to_string(en.type) + ", not the " +
             (tag_kind(en.tag) == 'i' ? "integer" : tag_kind(en.tag) == 'r' ? "rational" : "text") +
             " type TIFF gives it");
      const std::uint8_t* value = p + (s_.big_tiff ? 12 : 8);
      const std::uint64_t inline_bytes = s_.big_tiff ? 8 : 4;
      if (en.count > b_.size() / size + inline_bytes)  // more bytes than the file could hold
        fail(where(page, en.tag) + " has " + std::to_string(en.count) + " values, more than the file's " +
             std::to_string(b_.size()) + " bytes could hold");
      const std::uint64_t total = en.count * size;
      if (total <= inline_bytes) {
        en.bytes.assign(value, value + total);
      } else {
        const std::uint64_t at = get(value, int(inline_bytes));
        if (!b_.inside(at, total))
          fail(where(page, en.tag) + " points at " + range_text(at, total) + ", past the end of the file (" +
               std::to_string(b_.size()) + " bytes): the file is truncated");
        if (is_needed(en.tag)) en.bytes = b_.read(at, total);
      }
      entries.push_back(std::move(en));
    }
    record_page(entries, page, offset);
    return get(raw.data() + n * entry_bytes, link_bytes);
  }

  static bool is_needed(int tag) {
    return tag == 254 || tag == 256 || tag == 257 || tag == 258 || tag == 259 || tag == 262 || tag == 270 ||
           tag == 273 || tag == 274 || tag == 277 || tag == 278 || tag == 279 || tag == 284 || tag == 297 ||
           tag == 322 || tag == 323 || tag == 324 || tag == 325 || tag == 339;
  }

  // The integer values of an entry (BYTE, SHORT, LONG, LONG8 and their IFD kinds).
  std::vector<std::uint64_t> integers(const Entry& e, long page) const {
    const std::uint64_t size = type_bytes(e.type);
    if (e.type == 2 || e.type == 5 || e.type == 10 || e.type == 11 || e.type == 12)
      fail(where(page, e.tag) + " has field type " + std::to_string(e.type) + ", not an integer type");
    // Only the values of is_needed tags are read; any other here would be a walker bug (UBSan found
    // Photometric read from an empty buffer when its value lay outside the IFD).
    if (e.bytes.size() != e.count * size)
      fail(where(page, e.tag) + ": its values were not read (lactosim bug: add the tag to is_needed)");
    std::vector<std::uint64_t> out(e.count);
    for (std::uint64_t i = 0; i < e.count; ++i) out[i] = get(e.bytes.data() + i * size, int(size));
    return out;
  }

  std::uint64_t one(const std::vector<Entry>& entries, int tag, std::uint64_t fallback, long page) const {
    for (const Entry& e : entries)
      if (e.tag == tag) {
        const auto v = integers(e, page);
        if (v.empty()) fail(where(page, tag) + " has no value");
        // BitsPerSample and SampleFormat carry one value per sample; they must agree.
        for (auto x : v)
          if (x != v[0]) fail(where(page, tag) + " differs between samples (" + std::to_string(v[0]) + " and " +
                              std::to_string(x) + ")");
        return v[0];
      }
    return fallback;
  }

  const Entry* find(const std::vector<Entry>& entries, int tag) const {
    for (const Entry& e : entries)
      if (e.tag == tag) return &e;
    return nullptr;
  }

  void record_page(const std::vector<Entry>& entries, long page, std::uint64_t offset) {
    const std::string name = "page " + std::to_string(page + 1);
    if (one(entries, 254, 0, page) & 1) {  // reduced-resolution copy of another page
      ++s_.thumbnails;
      return;
    }
    TiffPage p;
    p.width = std::uint32_t(std::min<std::uint64_t>(one(entries, 256, 0, page), UINT32_MAX));
    p.height = std::uint32_t(std::min<std::uint64_t>(one(entries, 257, 0, page), UINT32_MAX));
    if (p.width == 0 || p.height == 0)
      fail(name + " has size " + std::to_string(p.width) + "×" + std::to_string(p.height) +
           " (ImageWidth/ImageLength missing or 0)");
    p.bits = std::uint32_t(std::min<std::uint64_t>(one(entries, 258, 1, page), 1000));
    p.samples = std::uint32_t(std::min<std::uint64_t>(one(entries, 277, 1, page), 1000));
    p.sample_format = std::uint32_t(std::min<std::uint64_t>(one(entries, 339, 1, page), 1000));
    p.compression = std::uint32_t(std::min<std::uint64_t>(one(entries, 259, 1, page), 100000));
    if (p.bits == 0 || p.bits > 64) fail(name + " has " + std::to_string(p.bits) + " bits per sample");
    if (p.samples == 0 || p.samples > 64) fail(name + " has " + std::to_string(p.samples) + " samples per pixel");
    const std::uint64_t planar = one(entries, 284, 1, page), rows = one(entries, 278, 1, page);
    const std::uint64_t orientation = one(entries, 274, 1, page);
    if (planar != 1 && planar != 2)
      fail(where(page, 284) + " is " + std::to_string(planar) + ", not 1 (chunky) or 2 (planar)");
    if (rows == 0) fail(where(page, 278) + " is 0");
    if (orientation < 1 || orientation > 8) fail(where(page, 274) + " is " + std::to_string(orientation) + ", not 1–8");
    p.ifd_offset = offset;

    // Pixel data: strips or tiles, every one inside the file.
    const bool tiled = find(entries, 324) != nullptr;
    p.photometric = std::uint32_t(std::min<std::uint64_t>(one(entries, 262, 1, page), 100000));
    p.planar = std::uint32_t(planar);
    if (tiled) {
      p.tile_width = std::uint32_t(std::min<std::uint64_t>(one(entries, 322, 0, page), UINT32_MAX));
      p.tile_length = std::uint32_t(std::min<std::uint64_t>(one(entries, 323, 0, page), UINT32_MAX));
      if (p.tile_width == 0 || p.tile_length == 0 || p.tile_width % 16 || p.tile_length % 16)
        fail(name + " has tiles of " + std::to_string(p.tile_width) + "×" + std::to_string(p.tile_length) +
             " pixels (TIFF needs positive multiples of 16)");
    }
    const int offsets_tag = tiled ? 324 : 273, counts_tag = tiled ? 325 : 279;
    const Entry* offsets = find(entries, offsets_tag);
    if (!offsets) fail(name + " has no pixel data (no StripOffsets or TileOffsets)");
    const Entry* counts = find(entries, counts_tag);
    const auto at = integers(*offsets, page);
    if (at.empty()) fail(where(page, offsets_tag) + " is empty");
    if (!counts) {
      if (p.compression != 1 || at.size() != 1)
        fail(name + " has no " + tag_name(counts_tag) + ": the size of its pixel data is unknown");
    } else {
      const auto n = integers(*counts, page);
      if (n.size() != at.size())
        fail(where(page, counts_tag) + " has " + std::to_string(n.size()) + " values, " + tag_name(offsets_tag) +
             " has " + std::to_string(at.size()));
      for (std::size_t i = 0; i < at.size(); ++i) {
        if (!b_.inside(at[i], n[i]))
          fail(name + "'s " + (tiled ? "tile " : "strip ") + std::to_string(i) + " (" + range_text(at[i], n[i]) +
               ") lies past the end of the file (" + std::to_string(b_.size()) + " bytes): the file is truncated");
        p.data_bytes += n[i];
      }
      if (p.compression == 1 && !tiled) {
        const std::uint64_t per_row_samples = planar == 2 ? 1 : p.samples;
        const std::uint64_t row_bytes = (std::uint64_t(p.width) * p.bits * per_row_samples + 7) / 8;
        const std::uint64_t needed = row_bytes * p.height * (planar == 2 ? p.samples : 1);
        if (p.data_bytes < needed)
          fail(name + " holds " + std::to_string(p.data_bytes) + " bytes of uncompressed pixels, its " +
               std::to_string(p.width) + "×" + std::to_string(p.height) + " pixels of " + std::to_string(p.bits) +
               " bits × " + std::to_string(p.samples) + " samples need " + std::to_string(needed));
      }
    }

    if (!s_.pages.empty()) {
      const TiffPage& f = s_.pages.front();
      auto differ = [&](const char* what, std::uint64_t first, std::uint64_t here) {
        if (first != here)
          fail(name + " has " + what + " " + std::to_string(here) + ", page 1 has " + std::to_string(first) +
               ": the pages of a stack must agree");
      };
      if (f.width != p.width || f.height != p.height)
        fail(name + " is " + std::to_string(p.width) + "×" + std::to_string(p.height) + " pixels, page 1 is " +
             std::to_string(f.width) + "×" + std::to_string(f.height) + ": the pages of a stack must agree");
      differ("bits per sample", f.bits, p.bits);
      differ("samples per pixel", f.samples, p.samples);
      differ("sample format", f.sample_format, p.sample_format);
      // VTK lays out its buffer from page 1 and reads every page into it: a later page that
      // decodes differently wrote past it (heap corruption found by fuzzing).
      differ("compression", f.compression, p.compression);
      differ("photometric interpretation", f.photometric, p.photometric);
      differ("planar configuration", f.planar, p.planar);
      differ("tile width (0: strips)", f.tile_width, p.tile_width);
      differ("tile length (0: strips)", f.tile_length, p.tile_length);
    } else {
      declared_pages(entries, page);
    }
    s_.pages.push_back(p);
  }

  // What the first page says about the count: ImageJ's "images=N" in ImageDescription, PageNumber's total.
  void declared_pages(const std::vector<Entry>& entries, long page) {
    if (const Entry* d = find(entries, 270); d && d->type == 2) {
      const std::string text(d->bytes.begin(), d->bytes.end());
      const auto at = text.find("images=");
      if (text.rfind("ImageJ=", 0) == 0 && at != std::string::npos) {
        long n = 0;
        std::size_t i = at + 7;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && n < 100000000) n = n * 10 + (text[i++] - '0');
        if (n > 0) s_.declared_pages = n, declared_by_ = "ImageJ's images=" + std::to_string(n);
      }
    }
    if (const Entry* pn = find(entries, 297); pn && s_.declared_pages < 0) {
      const auto v = integers(*pn, page);
      if (v.size() == 2 && v[1] > 1)
        s_.declared_pages = long(std::min<std::uint64_t>(v[1], 100000000)),
        declared_by_ = "its PageNumber tag";
    }
  }

  Bytes& b_;
  TiffStructure s_;
  std::string declared_by_;
};

}  // namespace

namespace {

// libtiff's own reading of every directory, after our walk: VTK's reader goes on after libtiff
// failed to read a page's directory, and then divides by zero in TIFFReadScanline (three fuzz
// findings had that form). libtiff reports through process-wide handlers, swapped in here.
thread_local std::string libtiff_errors;

void collect_error(const char* module, const char* format, va_list args) {
  char text[512];
  std::vsnprintf(text, sizeof text, format, args);
  if (!libtiff_errors.empty()) libtiff_errors += "; ";
  libtiff_errors += (module ? std::string(module) + ": " : std::string()) + text;
}

void ignore_warning(const char*, const char*, va_list) {}

void check_with_libtiff(const std::string& path, std::size_t pages) {
  libtiff_errors.clear();
  const TIFFErrorHandler old_error = TIFFSetErrorHandler(collect_error);
  const TIFFErrorHandler old_warning = TIFFSetWarningHandler(ignore_warning);
  std::string failure;
  if (TIFF* t = TIFFOpen(path.c_str(), "r")) {
    std::size_t page = 1;  // the directory libtiff holds now
    for (;;) {
      std::uint32_t rows = 0;
      TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rows);
      if (libtiff_errors.empty() && !TIFFIsTiled(t) && (rows == 0 || TIFFScanlineSize64(t) == 0))
        libtiff_errors = "no rows per strip, or an empty scanline";
      if (!libtiff_errors.empty() || !TIFFReadDirectory(t)) break;
      ++page;
    }
    if (!libtiff_errors.empty())
      failure = "libtiff cannot read page " + std::to_string(page) + " (or the one after it): " + libtiff_errors;
    else if (page < pages)
      failure = "libtiff reads " + std::to_string(page) + " pages, the IFD chain has " + std::to_string(pages);
    TIFFClose(t);
  } else {
    failure = "libtiff cannot open it: " + libtiff_errors;
  }
  TIFFSetErrorHandler(old_error);
  TIFFSetWarningHandler(old_warning);
  if (!failure.empty()) fail(failure.substr(0, 400));
}

}  // namespace

TiffStructure check_tiff_structure(const std::string& path) {
  Bytes b(path);
  TiffStructure s = Walker(b).walk();
  check_with_libtiff(path, s.pages.size() + std::size_t(s.thumbnails));
  return s;
}

TiffStructure check_tiff_bytes(const std::uint8_t* data, std::size_t size) {
  Bytes b(data, size);
  return Walker(b).walk();
}

}  // namespace lactosim::mesh
