# SPDX-License-Identifier: MIT
"""Interactive ParaView setup for a lactosim run (a Python trace to start from).

    LACTOSIM_OUT=lactosim-out paraview --script=visualization/lactosim_state.py

or, in a running ParaView, View > Python Shell > Run Script (it then asks nothing: set LACTOSIM_OUT
before starting ParaView, or edit OUT below). It builds the pipeline that render_snapshot.py renders,
but live, so you can change it in the Pipeline Browser:

  lactosim.pvd ─┬─ Slice (z, through the middle), coloured by K_mM    ← change the array in the toolbar
                ├─ Lumen (Threshold label 4–4 and 6–6, outer surface, translucent)
                └─ Epithelium (Threshold label 3 and 5, hidden: tick its eye to show it)

Press Play (or drag the time slider) to step through the snapshots; Filters > Data Analysis > Plot
Over Line on the Slice gives a concentration profile across the alveolar wall.
Species are cell arrays named with their unit (Na_mM, K_mM, ...); `label` holds the compartments
(0 stroma, 1 blood, 2 interstitium, 3 alveolar cell, 4 lumen, 5 duct cell, 6 outlet).
"""
import os

from paraview.simple import (AppendDatasets, ColorBy, ExtractSurface, GetActiveViewOrCreate,
                             GetAnimationScene, GetColorTransferFunction, Hide, PVDReader, Render,
                             RenameSource, ResetCamera, SetActiveSource, Show, Slice, Threshold,
                             XMLImageDataReader)

OUT = os.environ.get("LACTOSIM_OUT", "lactosim-out")
ARRAY = os.environ.get("LACTOSIM_ARRAY", "K_mM")


def label_surface(source, labels, name):
    pieces = [Threshold(Input=source, Scalars=["CELLS", "label"], LowerThreshold=value - 0.5,
                        UpperThreshold=value + 0.5, ThresholdMethod="Between") for value in labels]
    merged = pieces[0] if len(pieces) == 1 else AppendDatasets(Input=pieces)
    surface = ExtractSurface(Input=merged)
    RenameSource(name, surface)
    return surface


path = os.path.join(OUT, "lactosim.pvd") if os.path.isdir(OUT) else OUT
if not os.path.isfile(path):
    raise RuntimeError(f"lactosim_state.py: {path} not found; set LACTOSIM_OUT to a lactosim output folder")
reader = PVDReader(FileName=path) if path.endswith(".pvd") else XMLImageDataReader(FileName=[path])
RenameSource(os.path.basename(path), reader)
GetAnimationScene().UpdateAnimationUsingDataTimeSteps()
GetAnimationScene().GoToLast()

view = GetActiveViewOrCreate("RenderView")
bounds = reader.GetDataInformation().GetBounds()
centre = [(bounds[2 * a] + bounds[2 * a + 1]) / 2 for a in range(3)]

cut = Slice(Input=reader)
RenameSource("Slice", cut)
cut.SliceType = "Plane"
cut.SliceType.Origin = centre
cut.SliceType.Normal = [0, 0, 1]
cut_display = Show(cut, view)
if ARRAY in reader.CellData.keys():
    ColorBy(cut_display, ("CELLS", ARRAY))
    GetColorTransferFunction(ARRAY).ApplyPreset("Viridis (matplotlib)", True)
    cut_display.RescaleTransferFunctionToDataRange(False, True)
    cut_display.SetScalarBarVisibility(view, True)

lumen_display = Show(label_surface(reader, [4, 6], "Lumen"), view)
ColorBy(lumen_display, None)
lumen_display.DiffuseColor = lumen_display.AmbientColor = [0.85, 0.87, 0.92]
lumen_display.Opacity = 0.3

cells = label_surface(reader, [3, 5], "Epithelium")
cells_display = Show(cells, view)
ColorBy(cells_display, None)
cells_display.DiffuseColor = cells_display.AmbientColor = [0.95, 0.75, 0.55]
cells_display.Opacity = 0.2
Hide(cells, view)

Hide(reader, view)
SetActiveSource(cut)
view.CameraPosition = [centre[0] + 1, centre[1] - 2, centre[2] + 2]
view.CameraFocalPoint = centre
view.CameraViewUp = [0, 0, 1]
ResetCamera(view)
Render(view)
