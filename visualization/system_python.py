# SPDX-License-Identifier: MIT
"""Debian's python3-vtk9 / python3-matplotlib live in the system interpreter; a different python3
earlier on PATH (pyenv, conda) cannot see them (BUILD-NOTES). The scripts of this folder call
reexec_with_system_python(module) first: it re-runs the script under /usr/bin/python3 when `module`
cannot be imported here."""
import os
import sys


def reexec_with_system_python(module):
    try:
        __import__(module)
    except ImportError:
        system = "/usr/bin/python3"
        if os.path.realpath(sys.executable) != os.path.realpath(system) and os.path.exists(system):
            os.execv(system, [system] + sys.argv)
        raise
