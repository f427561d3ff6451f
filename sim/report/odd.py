"""Generate the tables of ``docs/ODD.md`` from the scenario schema, ``conf/`` and the outcomes.

    python -m sim.report.odd          # rewrite the tables in docs/ODD.md
    python -m sim.report.odd --check  # exit 1 if they are out of date

The tables sit between ``<!-- parameters:start -->`` and ``<!-- parameters:end -->``; the test
suite checks that they are current, so no config parameter and no outcome can be missing from
the ODD.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from scenarios.compose import compose_config, group_options
from scenarios.safe_yaml import load_yaml
from scenarios.schema import Scenario, parameter_table

ODD = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"
START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
P_START, P_END = "<!-- patterns:start -->", "<!-- patterns:end -->"
M_START, M_END = "<!-- modes:start -->", "<!-- modes:end -->"
C_START, C_END = "<!-- codings:start -->", "<!-- codings:end -->"


def _fmt(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def explored() -> dict:
    """Values each parameter takes across config options, experiment designs and priors."""
    seen: dict = {}

    def add(key, value):
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            seen.setdefault(key, set()).add(value)

    for group in ("policy", "threat", "network"):
        for option in group_options(group, twins=False):
            composed = compose_config([f"{group}={option}"], missing_ok=True)[group]
            for name, value in composed.items():
                add(f"{group}.{name}", value)
    conf = ODD.parent.parent / "conf"
    for path in sorted((conf / "experiment").glob("*.yaml")):
        design = (load_yaml(path, "experiment").get("experiment") or {}).get("design", {})
        for key, values in (design.get("factors") or {}).items():
            for v in values:
                add(key, v)
        for key, (lo, hi) in (design.get("ranges") or {}).items():
            add(key, lo)
            add(key, hi)
    priors = load_yaml(conf / "calibration" / "abc.yaml", "calibration").get("priors")
    for key, (lo, hi) in (priors or {}).items():
        add(key, lo)
        add(key, hi)
    return seen


def _range(values: set | None) -> str:
    if not values or len(values) == 1:
        return "fixed"
    nums = [v for v in values if isinstance(v, (int, float))]
    if len(nums) == len(values):
        return f"{_fmt(min(nums))} - {_fmt(max(nums))}"
    return ", ".join(sorted(str(v) for v in values))


def outcome_table() -> list[str]:
    """Every outcome of ``sim.model.outcomes``, with its unit, meaning and which way is better."""
    from sim.model.outcomes import DERIVED, OUTCOMES

    lines = [
        "### Outcomes (`sim/model/outcomes.py`; every run, sweep row and table reads them from "
        "there)",
        "",
        "| outcome | unit | meaning | better | computed |",
        "|---|---|---|---|---|",
    ]
    for o in OUTCOMES.values():
        how = "at the end, from the submodels" if o.name in DERIVED else "counted during the run"
        lines.append(
            f"| `{o.name}` | {o.unit} | {o.description} | {o.better or 'neither'} | {how} |"
        )
    return lines


def tables() -> str:
    """The markdown tables: parameters, levers by policy, threat levels and outcomes."""
    base = compose_config([])
    ranges = explored()
    lines = [
        "### Every parameter (values of the default run: domestic_baseline, baseline threat, "
        "CPEC network; range explored across the named policies, threat levels, networks, "
        "experiment designs and calibration priors in `conf/`)",
        "",
        "| section | parameter | value | unit | range explored | allowed | meaning | source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    priors = load_yaml(ODD.parent.parent / "conf" / "calibration" / "abc.yaml", "calibration")
    calibrated = set(priors.get("priors") or {})
    for r in parameter_table():
        section = r["section"]
        value = base.get(r["name"]) if not section else base[section].get(r["name"])
        key = f"{section}.{r['name']}" if section else r["name"]
        source = r["source"]
        if key in calibrated:
            source = (
                "**calibrated**: posterior median of ABC-SMC on the record (calibration.md); "
                "sweeps with posterior=N draw it from the posterior"
                + (f"; {source}" if source else "")
            )
        lines.append(
            f"| {section or '(run)'} | `{r['name']}` | {_fmt(value)} | {r['unit']} | "
            f"{'one per replication' if key == 'seed' else _range(ranges.get(key))} | "
            f"{r['allowed']} | {r['doc']} | {source} |"
        )
    policies = group_options("policy", twins=False)  # the twins follow from the joint ones
    by_policy = {p: compose_config([f"policy={p}"])["policy"] for p in policies}
    lines += [
        "",
        "### Levers by named policy (`conf/policy/`)",
        "",
        "| lever | " + " | ".join(policies) + " |",
        "|---|" + "---|" * len(policies),
    ]
    for f in Scenario.SECTIONS["policy"].fields():
        if f.name == "name":
            continue
        lines.append(
            f"| `{f.name}` | " + " | ".join(_fmt(by_policy[p][f.name]) for p in policies) + " |"
        )
    threats = group_options("threat")
    by_threat = {t: compose_config([f"threat={t}"])["threat"] for t in threats}
    lines += [
        "",
        "### Threat levels (`conf/threat/`; rows where they differ)",
        "",
        "| uncertainty | " + " | ".join(threats) + " |",
        "|---|" + "---|" * len(threats),
    ]
    for f in Scenario.SECTIONS["threat"].fields():
        values = [by_threat[t][f.name] for t in threats]
        if f.name != "name" and len(set(values)) > 1:
            lines.append(f"| `{f.name}` | " + " | ".join(_fmt(v) for v in values) + " |")
    lines += ["", *outcome_table()]
    return "\n".join(lines)


def pattern_table() -> str:
    """The statistics of the record (``sim.calibration.record.targets``) and their intervals."""
    from sim.calibration.record import DERIVED, role, targets

    lines = [
        "| statistic of the record (`sim/calibration/record.py`) | observed (2018-2024) "
        "| 95% interval | used by |",
        "|---|---|---|---|",
    ]
    for t in targets():
        use = {
            "fit": "calibration (fit)",
            "held out": "validation only (held out)",
            "derived": f"neither: derived ({DERIVED.get(t.name, '')})",
        }[role(t.name)]
        lines.append(f"| {t.description} | {t.observed:.3g} | {t.lo:.3g}-{t.hi:.3g} | {use} |")
    return "\n".join(lines)


def mode_table() -> str:
    """The record's patterns by mode, actor, region and time (``sim.calibration.patterns``)."""
    from sim.calibration.patterns import observed_patterns

    lines = [
        "| pattern of the record (`sim/calibration/patterns.py`) | observed (2018-2024) "
        "| 95% interval |",
        "|---|---|---|",
    ]
    for r in observed_patterns().itertuples(index=False):
        lines.append(f"| {r.description} ({r.count}) | {r.observed:.3g} | {r.lo:.3g}-{r.hi:.3g} |")
    return "\n".join(lines)


def coding_table() -> str:
    """Each coding of the record (``conf/codings/``): its rules, and the statistics it yields."""
    from sim.calibration.codings import coding_names, load_coding
    from sim.calibration.record import STATISTICS, incidents, observed

    names = coding_names()
    codings = {n: load_coding(n) for n in names}
    lines = ["| coding | counts | rules |", "|---|---|---|"]
    for n, c in codings.items():
        rules = "; ".join(" ".join(str(r["why"]).split()) for r in c.rules) or "none"
        lines.append(f"| `{n}` ({c.description}) | {', '.join(c.count)} | {rules} |")
    obs = {n: observed(n) for n in names}
    lines += ["", "| statistic | " + " | ".join(f"`{n}`" for n in names) + " |",
              "|---|" + "---|" * len(names)]  # fmt: skip
    lines.append("| attacks counted, 2018-2024 | " + " | ".join(
        str(len(incidents(coding=n))) for n in names) + " |")  # fmt: skip
    for stat, meaning in STATISTICS.items():
        lines.append(f"| {meaning} | " + " | ".join(f"{obs[n][stat]:.3g}" for n in names) + " |")
    return "\n".join(lines)


def render(text: str) -> str:
    """``text`` with its generated blocks (patterns, parameters) replaced by current tables."""
    blocks = (
        (START, END, tables),
        (P_START, P_END, pattern_table),
        (M_START, M_END, mode_table),
        (C_START, C_END, coding_table),
    )
    for start, end, make in blocks:
        block = f"{start}\n{make()}\n{end}"
        text = re.sub(
            re.escape(start) + r".*?" + re.escape(end), lambda _, b=block: b, text, flags=re.S
        )
    return text


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check`` verify) the tables in docs/ODD.md."""
    argv = sys.argv[1:] if argv is None else argv
    text = ODD.read_text()
    new = render(text)
    if "--check" in argv:
        if new != text:
            print(
                "docs/ODD.md parameter tables are out of date; run python -m sim.report.odd",
                file=sys.stderr,
            )
            return 1
        return 0
    ODD.write_text(new)
    print(f"updated {ODD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
