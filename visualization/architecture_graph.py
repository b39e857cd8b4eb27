#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The layers of lactosim as the code has them: one node per source folder, one arrow per folder
that #includes another (label: how many include lines), drawn with Graphviz. docs/architecture.md
shows the result; rerun it after moving code:

    python3 visualization/architecture_graph.py -o docs/architecture.png   (needs `dot`: graphviz)

An arrow that points up the layers (a lower folder including a higher one) is drawn red and makes the
script exit 1, so it doubles as a check. The order, lowest first, is LAYERS below.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

# Lowest first: a folder may include its own layer and the ones before it.
LAYERS = [
    ["kernels/physics"],
    ["kernels"],
    ["kernels/cpu", "kernels/cuda"],
    ["meshes"],
    ["visualization/io"],
    ["visualization"],
    ["host/step"],
    ["host"],
    ["host/io", "host/config"],
    ["host/app"],
    ["bench", "tests"],
]
SOURCE = re.compile(r"\.(hpp|cpp|cu|cuh|h)$")
INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"', re.M)


def folder_of(path):
    """The LAYERS folder a repository path belongs to (the longest match), or None."""
    if path == "host/main.cpp":
        return "host/app"  # the entry point sits with the commands it dispatches to
    best = None
    for layer in LAYERS:
        for f in layer:
            if path == f or path.startswith(f + "/"):
                if best is None or len(f) > len(best):
                    best = f
    return best


def rank_of(folder):
    for i, layer in enumerate(LAYERS):
        if folder in layer:
            return i
    return -1


def edges(root):
    count = collections.Counter()
    for top in ("kernels", "meshes", "visualization", "host", "bench", "tests"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if not SOURCE.search(name):
                    continue
                path = os.path.relpath(os.path.join(dirpath, name), root)
                src = folder_of(path)
                text = open(os.path.join(root, path), encoding="utf-8", errors="replace").read()
                for inc in INCLUDE.findall(text):
                    # Resolve relative includes against the file's folder, then against the root.
                    rel = os.path.normpath(os.path.join(os.path.dirname(path), inc))
                    target = rel if os.path.exists(os.path.join(root, rel)) else inc
                    dst = folder_of(target)
                    if src and dst and src != dst:
                        count[(src, dst)] += 1
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default="docs/architecture.png")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = ap.parse_args()
    count = edges(args.root)
    upward = [(s, d) for (s, d) in count if rank_of(d) > rank_of(s)]
    lines = ["digraph lactosim {", "  rankdir=BT; node [shape=box, fontname=Helvetica];",
             "  edge [fontname=Helvetica, fontsize=9];"]
    for layer in LAYERS[:-1]:  # bench and tests use everything: left out of the picture
        lines.append("  { rank=same; " + " ".join(f'"{f}";' for f in layer) + " }")
    for (s, d), n in sorted(count.items()):
        if s in ("tests", "bench"):
            continue  # everything above uses everything below: the arrows would hide the layers
        colour = "red" if (s, d) in upward else "gray30"
        lines.append(f'  "{s}" -> "{d}" [label="{n}", color={colour}];')
    lines.append("}")
    dot = "\n".join(lines) + "\n"
    fmt = os.path.splitext(args.output)[1].lstrip(".") or "png"
    subprocess.run(["dot", "-T" + fmt, "-o", args.output], input=dot.encode(), check=True)
    print(f"architecture_graph: wrote {args.output} ({len(count)} folder pairs)")
    for s, d in upward:
        print(f"architecture_graph: {s} includes {d}, a higher layer ({count[(s, d)]} lines)", file=sys.stderr)
    return 1 if upward else 0


if __name__ == "__main__":
    sys.exit(main())
