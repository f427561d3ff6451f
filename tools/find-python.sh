#!/bin/sh
# Print the path of a Python >= 3.12 interpreter, trying each candidate by running it
# (a pyenv shim can exist on PATH and still fail, so `command -v` is not enough).
# Honours $PYTHON when it is set.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for cand in "${PYTHON:-}" python3.12 python3.13 python3 python; do
    [ -n "$cand" ] || continue
    if ok "$cand"; then "$cand" -c 'import sys; print(sys.executable)'; exit 0; fi
done
# pyenv keeps interpreters that its shims refuse to run unless selected.
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for cand in "$root"/versions/3.12*/bin/python3 "$root"/versions/3.13*/bin/python3 \
            /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    [ -x "$cand" ] || continue
    if ok "$cand"; then echo "$cand"; exit 0; fi
done
cat >&2 <<'MSG'
error: no Python >= 3.12 found (mesa 3.5 needs it; tried $PYTHON, python3.12, python3.13,
python3, python and pyenv's versions).
Install one, for example:
    pyenv install 3.12        (then rerun; pyenv's interpreters are found without selecting them)
    apt-get install python3.12 python3.12-venv
or point to one with:  make PYTHON=/path/to/python3.12 ...
MSG
exit 1
