#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check a lactosim output folder: every file opens and every value is finite.

    /usr/bin/python3 visualization/check_output.py OUTDIR [--strict-csv] [--quiet]

Opens OUTDIR/lactosim.pvd, reads every data set it lists with VTK's own XML readers (.vti, .pvti,
.vtp), prints each array's range per component, and checks that timeseries.csv parses (a header,
the same number of fields on every row, every field a number) and that run.json is valid JSON.

Exit status 0 when everything is readable and every VTK value is finite; 1 otherwise, with one line
per problem on stderr. Non-finite values in timeseries.csv are reported as warnings (a column such as
a Na:K ratio may be undefined early in a run); --strict-csv makes them errors.

Runs with Debian's python3 (python3-vtk9): a python3 earlier on PATH may not see the vtk module.
"""
import argparse
import csv
import json
import math
import os
import sys
import xml.etree.ElementTree as ET

from system_python import reexec_with_system_python


reexec_with_system_python("vtk")

try:
    import vtk
    from vtk.util.numpy_support import vtk_to_numpy
    import numpy as np
except ImportError as error:  # the wrong interpreter is the usual cause
    sys.exit(f"check_output.py: {error}; run it with Debian's /usr/bin/python3 (python3-vtk9)")

READERS = {
    ".vti": vtk.vtkXMLImageDataReader,
    ".pvti": vtk.vtkXMLPImageDataReader,
    ".vtp": vtk.vtkXMLPolyDataReader,
}


class Report:
    def __init__(self, quiet):
        self.errors = []
        self.quiet = quiet

    def error(self, message):
        self.errors.append(message)
        print(f"ERROR: {message}", file=sys.stderr)

    def warning(self, message):
        print(f"warning: {message}", file=sys.stderr)

    def info(self, message):
        if not self.quiet:
            print(message)


def error_collector(messages):
    """An observer that keeps VTK's error texts, which VTK would otherwise only print, not raise."""

    @vtk.calldata_type(vtk.VTK_STRING)
    def on_error(caller, event, calldata=None):
        messages.append(" ".join(str(calldata).split()) if calldata else f"{event} from {caller.GetClassName()}")

    return on_error


def read_dataset(path):
    """The data set in `path`, or raise RuntimeError with the reason."""
    if not os.path.isfile(path):
        raise RuntimeError("missing")
    extension = os.path.splitext(path)[1].lower()
    if extension not in READERS:
        raise RuntimeError(f"unknown file type '{extension}'")
    reader = READERS[extension]()
    messages = []
    reader.AddObserver("ErrorEvent", error_collector(messages))
    if not reader.CanReadFile(path):
        raise RuntimeError(f"not a readable VTK XML {extension} file")
    reader.SetFileName(path)
    reader.Update()
    if reader.GetErrorCode() != 0 or messages:
        reason = "; ".join(messages) or vtk.vtkErrorCode.GetStringFromErrorCode(reader.GetErrorCode())
        raise RuntimeError(reason)
    return reader.GetOutput()


def check_arrays(report, label, attributes, kind):
    for index in range(attributes.GetNumberOfArrays()):
        array = attributes.GetArray(index)
        if array is None:  # string arrays are not ours to check
            continue
        name = array.GetName() or f"<unnamed {kind} array {index}>"
        values = vtk_to_numpy(array)
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        finite = np.isfinite(values) if values.dtype.kind == "f" else np.ones(values.shape, bool)
        ranges = []
        for component in range(values.shape[1]):
            column = values[:, component][finite[:, component]]
            ranges.append(f"[{column.min():.6g}, {column.max():.6g}]" if column.size else "[no finite values]")
        report.info(f"    {kind} {name} ({values.shape[1]} comp.): {' '.join(ranges)}")
        bad = int(values.size - np.count_nonzero(finite))
        if bad:
            report.error(f"{label}: {kind} array '{name}' has {bad} non-finite value(s)")


def check_pvd(report, outdir):
    pvd = os.path.join(outdir, "lactosim.pvd")
    if not os.path.isfile(pvd):
        report.error(f"{pvd}: missing")
        return
    try:
        root = ET.parse(pvd).getroot()
    except ET.ParseError as error:
        report.error(f"{pvd}: not valid XML ({error})")
        return
    datasets = root.findall("./Collection/DataSet")
    if root.tag != "VTKFile" or root.get("type") != "Collection":
        report.error(f"{pvd}: not a VTK collection file")
        return
    if not datasets:
        report.error(f"{pvd}: lists no data sets")
    report.info(f"{pvd}: {len(datasets)} step(s)")
    for dataset in datasets:
        relative = dataset.get("file", "")
        path = os.path.join(os.path.dirname(pvd), relative)
        label = f"{path} (t = {dataset.get('timestep')})"
        try:
            data = read_dataset(path)
        except RuntimeError as error:
            report.error(f"{label}: {error}")
            continue
        report.info(f"  {relative}: {data.GetNumberOfCells()} cells, {data.GetNumberOfPoints()} points")
        check_arrays(report, label, data.GetCellData(), "cell")
        check_arrays(report, label, data.GetPointData(), "point")


def check_csv(report, outdir, strict):
    path = os.path.join(outdir, "timeseries.csv")
    if not os.path.isfile(path):
        report.error(f"{path}: missing")
        return
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows or not rows[0]:
        report.error(f"{path}: no header")
        return
    header = rows[0]
    non_finite = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            report.error(f"{path}:{line}: {len(row)} fields, the header has {len(header)}")
            continue
        for name, field in zip(header, row):
            try:
                value = float(field)
            except ValueError:
                report.error(f"{path}:{line}: column '{name}' holds '{field}', not a number")
                continue
            if not math.isfinite(value):
                non_finite[name] = non_finite.get(name, 0) + 1
    for name, count in non_finite.items():
        message = f"{path}: column '{name}' has {count} non-finite value(s)"
        report.error(message) if strict else report.warning(message)
    report.info(f"{path}: {len(header)} columns, {len(rows) - 1} rows")


def check_json(report, outdir):
    path = os.path.join(outdir, "run.json")
    if not os.path.isfile(path):
        report.error(f"{path}: missing")
        return
    try:
        with open(path, encoding="utf-8") as handle:
            json.load(handle)
    except (ValueError, UnicodeDecodeError) as error:
        report.error(f"{path}: not valid JSON ({error})")
        return
    report.info(f"{path}: valid JSON")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir", help="a lactosim output folder (--out)")
    parser.add_argument("--strict-csv", action="store_true", help="non-finite CSV values are errors")
    parser.add_argument("--quiet", action="store_true", help="print problems only")
    args = parser.parse_args()
    report = Report(args.quiet)
    if not os.path.isdir(args.outdir):
        report.error(f"{args.outdir}: not a folder")
        return 1
    check_pvd(report, args.outdir)
    check_csv(report, args.outdir, args.strict_csv)
    check_json(report, args.outdir)
    if report.errors:
        print(f"check_output: {len(report.errors)} problem(s) in {args.outdir}", file=sys.stderr)
        return 1
    report.info(f"check_output: {args.outdir} is complete and finite")
    return 0


if __name__ == "__main__":
    sys.exit(main())
