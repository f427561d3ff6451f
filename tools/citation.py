"""Write CITATION.cff from pyproject.toml, so the version and authors have one source.

    python tools/citation.py          # rewrite CITATION.cff
    python tools/citation.py --check  # exit 1 when CITATION.cff is not what pyproject.toml says

Authors are pyproject's ``[project] authors``: a person as ``{ name = "Given Family" }`` (or
with ``email``), a group as a name alone (written as a CFF entity).
"""

from __future__ import annotations

import sys
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TITLE = (
    "corridor-sim: an agent-based simulation of the protection of foreign workers on a road "
    "network under militant threat"
)
KEYWORDS = ("agent-based model", "Mesa", "security policy", "China-Pakistan Economic Corridor")


def render(released: str) -> str:
    """CITATION.cff's text for the project in pyproject.toml, released on ``released``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this software, please cite it as below."',
        f'title: "{TITLE}"',
        f"version: {project['version']}",
        f"date-released: {released}",
        f"license: {project['license']}",
        "authors:",
    ]
    for author in project["authors"]:
        parts = author["name"].split()
        if len(parts) >= 2 and not author["name"].endswith("developers"):
            given = " ".join(parts[:-1])
            lines += [f'  - given-names: "{given}"', f'    family-names: "{parts[-1]}"']
        else:
            lines.append(f'  - name: "{author["name"]}"')
        if "email" in author:
            lines.append(f'    email: "{author["email"]}"')
    lines.append("keywords:")
    lines += [f"  - {k}" for k in KEYWORDS]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Rewrite CITATION.cff, or with ``--check`` say whether it is current (exit 1 if not)."""
    path = ROOT / "CITATION.cff"
    old = path.read_text() if path.exists() else ""
    released = next(
        (ln.split(":", 1)[1].strip() for ln in old.splitlines() if ln.startswith("date-released:")),
        date.today().isoformat(),
    )
    text = render(released)
    if "--check" in argv:
        if old != text:
            print("CITATION.cff differs from pyproject.toml: run python tools/citation.py")
            return 1
        return 0
    path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
