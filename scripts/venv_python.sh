#!/bin/sh
# The interpreter `make` builds .venv from: the first CPython 3.11+ on the PATH (every one of each name, not only
# the first) that runs without libpython as a shared library and can make a venv with pip; else python3.
#
# Why: pyenv (python-build) links the interpreter to libpython as a shared library by default, and every call
# into the interpreter's own functions then goes through the dynamic linker's tables; a statically linked build
# (Debian's and Ubuntu's /usr/bin/python3) runs the same Python code about a fifth faster. On this 2-core
# machine `pytest` took 72-73 s on pyenv's 3.11.7 and 57-62 s on Debian's 3.11.2, the same commit, in the same
# hour. Set PYTHON to choose another (`make PYTHON=python3.12 test` with no .venv yet).
for candidate in $(which -a python3.13 python3.12 python3.11 python3 2>/dev/null); do
    if "$candidate" -c 'import ensurepip, sys, venv
sys.exit(sys.version_info < (3, 11) or any("libpython" in line for line in open("/proc/self/maps")))' 2>/dev/null
    then
        echo "$candidate"
        exit 0
    fi
done
echo python3
