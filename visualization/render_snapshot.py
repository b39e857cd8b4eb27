# SPDX-License-Identifier: MIT
"""Render a PNG of a lactosim run or mesh with ParaView (pvbatch).

    xvfb-run -a -s "-screen 0 1024x768x24 -noreset" pvbatch visualization/render_snapshot.py INPUT [options]

INPUT is an output folder of `lactosim run` (its lactosim.pvd is read, or lactosim.hdf.series for a run
with output.format = vtkhdf), a .pvd, a .hdf.series, or a single .vti/.pvti/.hdf (for example what
`lactosim mesh ... --out FILE.vti` writes). A .hdf holds the same values as point arrays at the voxel
centres (host/app/vtkhdf_snapshot.hpp); they are used where a .vti's cell arrays would be. The picture
holds, by default:
  - a slice through the middle of the volume, normal to --axis, coloured by the cell array --array
    (a species in mM such as K_mM, or `label`), with a colour bar;
  - the lumen surface: the outer faces of the voxels whose label is one of --lumen-labels (4 = lumen,
    6 = outlet; meshes/label_grid.hpp), drawn translucent over the slice.
--cells also draws the epithelium (labels --cell-labels, 3 = alveolar cell, 5 = duct cell) as a
translucent surface; --no-slice leaves the slice out (for a picture of the geometry alone).

Before rendering it prints every cell and point array of the chosen time step with its range per
component, so `--list-only` is a quick way to see what a run holds. The time step is the last one
unless --time T (in the .pvd's own unit, seconds for lactosim) picks the nearest.

Examples:
  pvbatch visualization/render_snapshot.py lactosim-out --array K_mM -o k.png
  pvbatch visualization/render_snapshot.py lobule.vti --no-slice --cells -o lobule.png
  pvbatch visualization/render_snapshot.py lactosim-out --list-only

Rendering needs a display: without one pvbatch crashes, so run it under `xvfb-run` as above
(--list-only needs none). Keep `-noreset`: without it Xvfb resets when pvbatch's first X connection
closes, and the render window then fails now and then with "bad X server connection". Exit status 0 on success, 1 with a message when the input or an array is
missing. Real ParaView beside VTK's development files: scripts/install-paraview.sh.
"""
import argparse
import math
import os
import sys

from paraview import simple as pv
from paraview import servermanager

LUMEN_OVER_SLICE = [0.85, 0.87, 0.92]  # light grey: over a slice it must not read as a colour-map value
LUMEN_COLOUR = [0.2, 0.45, 0.9]
CELL_COLOUR = [0.95, 0.75, 0.55]
BLOOD_COLOUR = [0.8, 0.1, 0.1]


def fail(message):
    print(f"render_snapshot.py: {message}", file=sys.stderr)
    sys.exit(1)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="render_snapshot.py", description=__doc__.split("\n")[0])
    parser.add_argument("input", help="lactosim output folder, .pvd, .hdf.series, .vti, .pvti or .hdf")
    parser.add_argument("-o", "--output", help="PNG to write (default: INPUT folder/snapshot_ARRAY.png)")
    parser.add_argument("--array", default=None,
                        help="cell array that colours the slice (default K_mM if present, else label)")
    parser.add_argument("--time", type=float, default=None, help="time step to show (default: the last)")
    parser.add_argument("--axis", choices="xyz", default="z", help="slice normal (default z)")
    parser.add_argument("--lumen-labels", type=int, nargs="*", default=[4, 6],
                        help="labels drawn as the lumen surface (default 4 6; none: no lumen surface)")
    parser.add_argument("--cells", action="store_true", help="also draw the epithelium as a surface")
    parser.add_argument("--cell-labels", type=int, nargs="+", default=[3, 5],
                        help="labels of the epithelium (default 3 5)")
    parser.add_argument("--lumen-opacity", type=float, default=None,
                        help="lumen surface opacity (default 0.3 over a slice, 1 without)")
    parser.add_argument("--blood", action="store_true",
                        help="also draw the capillaries (labels --blood-labels) as a red surface")
    parser.add_argument("--blood-labels", type=int, nargs="+", default=[1],
                        help="labels of the capillaries (default 1)")
    parser.add_argument("--no-slice", action="store_true", help="no slice (geometry only)")
    parser.add_argument("--size", type=int, nargs=2, default=[1000, 750], metavar=("W", "H"))
    parser.add_argument("--azimuth", type=float, default=20.0, help="camera turn about the vertical (deg)")
    parser.add_argument("--elevation", type=float, default=55.0, help="camera tilt above the slice (deg)")
    parser.add_argument("--list-only", action="store_true", help="print arrays and ranges; no picture")
    return parser.parse_args(argv)


def open_input(path):
    """A reader for INPUT, and the folder it lies in."""
    if os.path.isdir(path):
        series = os.path.join(path, "lactosim.hdf.series")
        path = series if os.path.isfile(series) else os.path.join(path, "lactosim.pvd")
    if not os.path.isfile(path):
        fail(f"{path}: no such file (give a lactosim output folder, a .pvd, .hdf.series, .vti, .pvti or .hdf)")
    extension = os.path.splitext(path)[1].lower()
    if path.lower().endswith(".hdf.series") or extension == ".hdf":
        reader = pv.OpenDataFile(path)  # ParaView's VTKHDF reader (5.11: .hdf and .hdf.series)
        if reader is None:
            fail(f"{path}: ParaView found no reader for it")
    elif extension == ".pvd":
        reader = pv.PVDReader(FileName=path)
    elif extension == ".vti":
        reader = pv.XMLImageDataReader(FileName=[path])
    elif extension == ".pvti":
        reader = pv.XMLPartitionedImageDataReader(FileName=[path]) if hasattr(
            pv, "XMLPartitionedImageDataReader") else pv.XMLPImageDataReader(FileName=[path])
    else:
        fail(f"{path}: unknown file type '{extension}' (expected .pvd, .hdf.series, .vti, .pvti or .hdf)")
    return reader, os.path.dirname(os.path.abspath(path))


def pick_time(reader, wanted):
    times = list(getattr(reader, "TimestepValues", None) or [])
    if not times:
        return 0.0, 1, 1
    if wanted is None:
        return times[-1], len(times), len(times)
    index = min(range(len(times)), key=lambda i: abs(times[i] - wanted))
    return times[index], index + 1, len(times)


def list_arrays(reader, time):
    """Prints every array with its range per component (and the magnitude for vectors)."""
    reader.UpdatePipeline(time)
    info = reader.GetDataInformation()
    print(f"data set: {info.GetNumberOfCells()} cells, {info.GetNumberOfPoints()} points, "
          f"bounds {tuple(round(b, 9) for b in info.GetBounds())}")
    found = {}
    for kind, attributes in (("cell", reader.CellData), ("point", reader.PointData)):
        for name in attributes.keys():
            array = attributes[name]
            components = array.GetNumberOfComponents()
            ranges = [array.GetRange(c) for c in range(components)]
            text = " ".join(f"[{lo:.6g}, {hi:.6g}]" for lo, hi in ranges)
            if components > 1:
                lo, hi = array.GetRange(-1)
                text += f" |magnitude| [{lo:.6g}, {hi:.6g}]"
            print(f"  {kind} {name} ({components} comp.): {text}")
            found[(kind, name)] = ranges[0] if components == 1 else array.GetRange(-1)
    return found


def label_surface(source, labels, association="CELLS"):
    """The outer faces of the voxels whose label is in `labels` (one Threshold per label, appended).
    With point labels (an .hdf) the cells between voxel centres whose corners all carry the label."""
    pieces = [pv.Threshold(Input=source, Scalars=[association, "label"], LowerThreshold=value - 0.5,
                           UpperThreshold=value + 0.5, ThresholdMethod="Between") for value in labels]
    merged = pieces[0] if len(pieces) == 1 else pv.AppendDatasets(Input=pieces)
    return pv.ExtractSurface(Input=merged)


def main(argv):
    args = parse_args(argv)
    reader, folder = open_input(args.input)
    time, step, steps = pick_time(reader, args.time)
    print(f"{args.input}: time step {step} of {steps} (t = {time:g})")
    arrays = list_arrays(reader, time)
    if args.list_only:
        return 0

    cell_names = [name for kind, name in arrays if kind == "cell"]
    association = "CELLS"
    if not cell_names:  # an .hdf: the voxels' values are point arrays at their centres
        cell_names = [name for kind, name in arrays if kind == "point"]
        association = "POINTS"
    if "label" not in cell_names and (args.lumen_labels or args.cells or args.blood):
        fail(f"{args.input} has no cell array 'label': cannot draw surfaces (use --lumen-labels)")
    array = args.array or ("K_mM" if "K_mM" in cell_names else "label")
    if not args.no_slice and array not in cell_names:
        fail(f"no cell array '{array}'; there are: {', '.join(cell_names)}")
    output = args.output or os.path.join(folder, f"snapshot_{'geometry' if args.no_slice else array}.png")

    view = pv.CreateView("RenderView")
    view.ViewSize = args.size
    view.ViewTime = time
    view.OrientationAxesVisibility = 1
    if hasattr(view, "UseColorPaletteForBackground"):
        view.UseColorPaletteForBackground = 0
    view.Background = [1.0, 1.0, 1.0]
    view.EnableRenderOnInteraction = 0

    bounds = reader.GetDataInformation().GetBounds()
    centre = [(bounds[2 * a] + bounds[2 * a + 1]) / 2 for a in range(3)]
    normal = {"x": [1, 0, 0], "y": [0, 1, 0], "z": [0, 0, 1]}[args.axis]

    if not args.no_slice:
        plane = pv.Slice(Input=reader)
        plane.SliceType = "Plane"
        plane.SliceType.Origin = centre
        plane.SliceType.Normal = normal
        if hasattr(plane, "Triangulatetheslice"):
            plane.Triangulatetheslice = 0
        shown = pv.Show(plane, view)
        pv.ColorBy(shown, (association, array))
        lut = pv.GetColorTransferFunction(array)
        lut.ApplyPreset("Viridis (matplotlib)" if array != "label" else "Rainbow Uniform", True)
        plane.UpdatePipeline(time)
        lo, hi = (plane.CellData if association == "CELLS" else plane.PointData)[array].GetRange()
        lut.RescaleTransferFunction(lo, hi if hi > lo else lo + 1)
        shown.SetScalarBarVisibility(view, True)
        bar = pv.GetScalarBar(lut, view)
        bar.Title = array.replace("_mM", " (mM)")
        bar.ComponentTitle = ""
        bar.TitleColor = bar.LabelColor = [0.1, 0.1, 0.1]
        bar.WindowLocation = "Any Location"
        bar.Position = [0.88, 0.1]
        bar.ScalarBarLength = 0.8
        bar.RangeLabelFormat = "%.4g"

    if args.cells:
        cells = pv.Show(label_surface(reader, args.cell_labels, association), view)
        cells.ColorArrayName = ["POINTS", ""]  # one solid colour (ColorBy(rep, None) fails on point data)
        cells.AmbientColor = cells.DiffuseColor = CELL_COLOUR
        cells.Opacity = 0.18
    if args.blood:
        blood = pv.Show(label_surface(reader, args.blood_labels, association), view)
        blood.ColorArrayName = ["POINTS", ""]  # one solid colour (ColorBy(rep, None) fails on point data)
        blood.AmbientColor = blood.DiffuseColor = BLOOD_COLOUR
        blood.Opacity = 0.35
    if args.lumen_labels:
        lumen = pv.Show(label_surface(reader, args.lumen_labels, association), view)
        lumen.ColorArrayName = ["POINTS", ""]  # one solid colour (ColorBy(rep, None) fails on point data)
        lumen.AmbientColor = lumen.DiffuseColor = LUMEN_COLOUR if args.no_slice else LUMEN_OVER_SLICE
        lumen.Opacity = args.lumen_opacity if args.lumen_opacity is not None else (
            1.0 if args.no_slice else 0.3)
        lumen.Specular = 0.3

    # Camera: look at the slice from its normal, then turn and tilt so the surfaces read as 3-D.
    up = {"x": [0, 0, 1], "y": [0, 0, 1], "z": [0, 1, 0]}[args.axis]
    view.CameraFocalPoint = centre
    view.CameraPosition = [centre[a] + normal[a] for a in range(3)]
    view.CameraViewUp = up
    view.ResetCamera()
    camera = view.GetActiveCamera()
    camera.Azimuth(args.azimuth)
    camera.Elevation(-args.elevation if args.axis == "z" else args.elevation)
    camera.OrthogonalizeViewUp()
    view.ResetCamera()
    camera.Dolly(1.15)

    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    pv.SaveScreenshot(output, view, ImageResolution=args.size, CompressionLevel="9")
    if not os.path.isfile(output) or os.path.getsize(output) == 0:
        fail(f"{output}: not written")
    print(f"wrote {output} ({os.path.getsize(output)} bytes)")
    pv.Delete(view)  # before interpreter teardown, else the X server may refuse the GL context
    del view
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
