#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs real ParaView 5.11 (Debian's paraview + python3-paraview) BESIDE libvtk9-dev, for
# pvbatch snapshots and the `paraview` CTest label (tests/paraview/).
#
#   scripts/install-paraview.sh              into /opt/lactosim-paraview (root or sudo)
#   LACTOSIM_PARAVIEW_DIR=DIR scripts/install-paraview.sh    into DIR instead
#
# Debian's paraview/python3-paraview conflict with libvtk9-dev and python3-vtk9 (BUILD-NOTES):
# `apt-get install paraview` would remove VTK's development files. So this script
#   1. installs ParaView's runtime dependencies with apt (refusing any removal: --no-remove),
#      plus xvfb and xauth, which rendering needs;
#   2. downloads the two ParaView packages with `apt-get download` and unpacks them with `dpkg -x`
#      into a folder of their own;
#   3. builds a small preload library that lets ParaView 5.11 read appended VTK XML data with
#      Debian 12's patched expat (see step 3 below; needs a C compiler, build-essential);
#   4. writes DIR/bin/pvbatch and DIR/bin/pvpython, wrappers that set the library and Python paths.
# It is idempotent: a second run with the same version unpacked does nothing but print the path.
# Afterwards: export PATH="/opt/lactosim-paraview/bin:$PATH" (CTest finds it there by itself).
set -euo pipefail
prefix=${LACTOSIM_PARAVIEW_DIR:-/opt/lactosim-paraview}
packages=(paraview python3-paraview)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-paraview: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

version=$(apt-cache policy paraview 2>/dev/null | awk '/Candidate:/ {print $2}')
if [[ -z "$version" || "$version" == "(none)" ]]; then
  $SUDO apt-get update -q
  version=$(apt-cache policy paraview | awk '/Candidate:/ {print $2}')
fi
if [[ -z "$version" || "$version" == "(none)" ]]; then
  echo "install-paraview: no 'paraview' package in the apt sources (Debian 12 main has 5.11)" >&2
  exit 1
fi
stamp="$version (expat shim)"
if [[ -f "$prefix/.version" && "$(cat "$prefix/.version")" == "$stamp" && -x "$prefix/bin/pvbatch" ]]; then
  echo "install-paraview: ParaView $version already in $prefix (pvbatch: $prefix/bin/pvbatch)"
  exit 0
fi

command -v cc >/dev/null || { echo "install-paraview: needs a C compiler (scripts/install-deps.sh)" >&2; exit 1; }

# 1. Runtime dependencies: every Depends of the two packages except each other; of alternatives
#    the first; of a virtual package (<tclsh>) its first provider. --no-remove: abort rather than remove anything (libvtk9-dev).
mapfile -t deps < <(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
                      --no-replaces --no-enhances "${packages[@]}" |
                    awk 'provider && NF == 1 { print $1; provider = 0; next }
                         $1 ~ /^\|?Depends:$/ {
                           if (!skip) { if ($2 ~ /^</) provider = 1; else print $2 }
                           skip = ($1 == "|Depends:"); next }' |
                    grep -v -x -e paraview -e python3-paraview | sort -u)
# Only the missing ones: naming an installed library (libc6) would upgrade it.
missing=()
for dep in "${deps[@]}" xvfb xauth; do
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$dep" 2>/dev/null)" == "ii " ]] || missing+=("$dep")
done
if ((${#missing[@]})); then
  echo "install-paraview: installing ${#missing[@]} missing runtime dependencies: ${missing[*]}"
  $SUDO apt-get install -y -q --no-install-recommends --no-remove "${missing[@]}"
fi

# 2. The packages themselves, unpacked (not installed).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ $(id -u) -ne 0 ]] || chown _apt "$work" 2>/dev/null || true  # apt's sandbox user downloads as root
(cd "$work" && apt-get download "${packages[@]}")
$SUDO rm -rf "$prefix.partial"
$SUDO mkdir -p "$prefix.partial"
for deb in "$work"/*.deb; do $SUDO dpkg -x "$deb" "$prefix.partial"; done

# 3. Debian 12's expat security updates (CVE-2023-52425) defer re-parsing of large tokens, which
#    ParaView 5.11's own VTK 9.2 does not switch off (VTK >= 9.3.1 and Debian's VTK 9.1 do): its
#    readers then fail on every VTK XML file with appended data ("Error parsing XML in stream ...
#    not well-formed (invalid token)"), lactosim's .vti included. A preloaded shim switches reparse
#    deferral off for each parser VTK creates, as VTK's own fix does. No expat headers needed.
cat >"$work/expat_no_deferral.c" <<'EOF_C'
#define _GNU_SOURCE
#include <dlfcn.h>
typedef struct XML_ParserStruct* XML_Parser;
typedef unsigned char XML_Bool;
XML_Parser XML_ParserCreate(const char* encoding) {
  static XML_Parser (*create)(const char*);
  static XML_Bool (*set_deferral)(XML_Parser, XML_Bool);
  if (!create) {
    create = (XML_Parser(*)(const char*))dlsym(RTLD_NEXT, "XML_ParserCreate");
    set_deferral = (XML_Bool(*)(XML_Parser, XML_Bool))dlsym(RTLD_NEXT, "XML_SetReparseDeferralEnabled");
  }
  XML_Parser parser = create(encoding);
  if (parser && set_deferral) set_deferral(parser, 0);
  return parser;
}
EOF_C
$SUDO mkdir -p "$prefix.partial/lib"
$SUDO cc -shared -fPIC -O2 -o "$prefix.partial/lib/libexpat_no_deferral.so" "$work/expat_no_deferral.c" -ldl

# 4. Wrappers: ParaView's libraries live in usr/lib/<triplet>/paraview-5.11, its Python modules in
#    usr/lib/python3/dist-packages (paraview, vtkmodules of ParaView's own VTK 9.2 — kept apart from
#    Debian's python3-vtk9 by putting them first on PYTHONPATH only inside these wrappers).
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine)
pvlib=$(cd "$prefix.partial" && ls -d usr/lib/"$triplet"/paraview-* | head -1)
$SUDO mkdir -p "$prefix.partial/bin"
for tool in pvbatch pvpython; do
  $SUDO tee "$prefix.partial/bin/$tool" >/dev/null <<EOF
#!/bin/sh
# Generated by lactosim scripts/install-paraview.sh: Debian's ParaView $version unpacked beside VTK.
root="\$(CDPATH= cd -- "\$(dirname -- "\$0")/.." && pwd)"
export LD_LIBRARY_PATH="\$root/$pvlib:\$root/usr/lib/$triplet\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export LD_PRELOAD="\$root/lib/libexpat_no_deferral.so\${LD_PRELOAD:+:\$LD_PRELOAD}"
export PYTHONPATH="\$root/usr/lib/python3/dist-packages\${PYTHONPATH:+:\$PYTHONPATH}"
exec "\$root/usr/bin/$tool" "\$@"
EOF
  $SUDO chmod 755 "$prefix.partial/bin/$tool"
done
echo "$stamp" | $SUDO tee "$prefix.partial/.version" >/dev/null
$SUDO rm -rf "$prefix"
$SUDO mv "$prefix.partial" "$prefix"

# A check that it runs at all (no display needed to import and print the version).
"$prefix/bin/pvbatch" --version 2>/dev/null || "$prefix/bin/pvbatch" -c 'import paraview; print(paraview.__version__)' || {
  echo "install-paraview: $prefix/bin/pvbatch does not start" >&2
  exit 1
}
echo "install-paraview: ParaView $version in $prefix; add it to PATH: export PATH=\"$prefix/bin:\$PATH\""
