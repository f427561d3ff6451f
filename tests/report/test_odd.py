"""Documentation that is generated from the code must be current."""

from __future__ import annotations

from pathlib import Path

from scenarios import parameter_table
from sim.report.odd import ODD, main

ROOT = Path(__file__).resolve().parents[2]


def test_odd_parameter_tables_are_current():
    assert main(["--check"]) == 0, "run: python -m sim.report.odd"


def test_every_config_parameter_is_in_the_odd():
    text = ODD.read_text()
    for row in parameter_table():
        assert f"`{row['name']}`" in text, row["name"]


def test_readme_commands_exist_in_the_makefile():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "make demo" in readme and "make test" in readme
    assert "\ndemo:" in makefile and "\ntest:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_odd_pattern_table_states_the_calibration_targets():
    from sim.calibration.record import role, targets

    text = (ROOT / "docs" / "ODD.md").read_text()
    section = text[text.index("**Patterns**") : text.index("## 2.")]
    for t in targets():
        row = f"| {t.description} | {t.observed:.3g} | {t.lo:.3g}-{t.hi:.3g} |"
        assert row in section, t.name
        use = {"fit": "calibration (fit)", "held out": "validation only", "derived": "derived"}
        assert use[role(t.name)] in section.split(row)[1][:40]
    assert "2018-2024" in section
