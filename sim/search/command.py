"""``python -m sim.optimize [SETTING=VALUE ...]``: search the lever space for robust policies.

Runs a host-only and a joint search under each threat on the same seeds (NSGA-II over the
levers of ``conf/levers.yaml``, each candidate run over scenarios of the deciding assumptions
and posterior draws through the sweep engine), re-evaluates both fronts and the named policies
on fresh seeds, and writes the search folder ``out`` (a table per front, the gap between them
at each budget, a figure per threat, the record). Rerun the same command to resume.

``python -m sim.optimize export=MEMBER to=FILE.yaml [out=FOLDER]`` writes a front member as a
policy file that ``python -m sim.run policy=FILE.yaml`` runs.

Exit status: 0 when done, 2 for bad input (one line on stderr; nothing written), 1 when runs
failed (rerun to retry them).
"""

from __future__ import annotations

import sys
from pathlib import Path

from scenarios.schema import ScenarioError
from sim.cli.commands import entry_point
from sim.cli.settings import Setting, help_text, parse
from sim.files.documents import check_document, signed, write_document
from sim.search.api import SearchSettings, optimize
from sim.search.evaluate import RunsFailed
from sim.search.outputs import HEADING, section
from sim.sweeps.backends import BACKENDS

__all__ = ["EXPORT_SIGNATURE", "export_member", "main", "optimize"]

#: The first line of every policy file the export writes (it replaces only files with it).
EXPORT_SIGNATURE = "# A front member of a lever search, written by corridor-sim (sim.optimize)"
_D = SearchSettings()


def _settings() -> tuple[Setting, ...]:
    from scenarios.compose import group_options

    return (
        Setting("threats", "list", ["baseline"], "threat levels, comma-separated",
                choices=tuple(group_options("threat"))),
        Setting("spaces", "list", ["host", "joint"], "lever spaces: host, joint",
                choices=("host", "joint")),
        Setting("pop_size", "int", _D.pop_size, "candidates a generation", low=4, high=10_000),
        Setting("generations", "int", _D.generations, "generations", low=1, high=10_000),
        Setting("scenarios", "int", _D.scenarios,
                "scenarios of the deciding assumptions per candidate", low=1, high=1_000),
        Setting("replications", "int", _D.replications,
                "paired replications per candidate and scenario", low=1, high=100_000),
        Setting("fresh_replications", "int", _D.fresh_replications,
                "replications of the re-evaluation on fresh seeds", low=2, high=100_000),
        Setting("posterior", "int", _D.posterior,
                "posterior parameter sets (0: the configuration's values)", low=0, high=100_000),
        Setting("days", "int", _D.days, "days per run", low=1, high=36_500),
        Setting("seed", "int", _D.seed, "the search's seed", low=0, high=2**63 - 1),
        Setting("front_size", "int", _D.front_size, "most members of a front", low=1,
                high=10_000),
        Setting("budget", "float", None, "a cap on the cost, USD a year (default: none)",
                low=1, high=1e15),
        Setting("budgets", "list", ["10e6", "20e6", "30e6"],
                "budgets (USD a year) where the fronts' gap is read"),
        Setting("workers", "int", None, "worker processes (default: this machine's cores)",
                low=1, high=1024),
        Setting("backend", "choice", "processes", "where runs run", choices=BACKENDS),
        Setting("scheduler", "str", None, "address of a running Dask scheduler (backend=dask)"),
        Setting("out", "path", "results/optimize", "the search folder (resumable)"),
        Setting("progress", "bool", True, "show progress bars"),
        Setting("doc", "path", None,
                "also write the search's section as a document (Markdown; its front as CSV "
                "beside it)"),
        Setting("export", "str", None, "a front member to write as a policy file (with to=)"),
        Setting("to", "path", None, "with export: the policy file to write (.yaml)"),
    )  # fmt: skip


def _budgets(items) -> tuple[float, ...]:
    out = []
    for item in items if not isinstance(items, str) else items.split(","):
        try:
            value = float(item)
        except ValueError:
            raise ScenarioError("budgets", f"must be amounts in USD a year, got {item!r}") from None
        if not 0 < value < 1e15:
            raise ScenarioError("budgets", f"must be positive amounts, got {item!r}")
        out.append(value)
    return tuple(out)


def export_member(folder, member: str, to) -> Path:
    """Write front member ``member`` of the search in ``folder`` as a policy file ``to``."""
    import yaml

    from sim.files.ownership import check_file, write_text_file
    from sim.search.levers import BASE_POLICY, SEARCHED, lever_space
    from sim.search.outputs import load_search

    to = Path(to)
    if to.suffix not in (".yaml", ".yml"):
        raise ScenarioError("to", f"must end in .yaml (a policy file), got {str(to)!r}")
    check_file(to, "to", "sim.optimize", lambda head: head.startswith(EXPORT_SIGNATURE))
    search = load_search(folder)
    if member not in search.front.index:
        raise ScenarioError("export", f"no member {member!r} in {folder}; its members: "
                            + ", ".join(search.front.index[:20]))  # fmt: skip
    row = search.front.loc[member]
    fields = {"name": member.replace("-", "_")}
    fields["force"] = "joint" if row["space"] == "joint" else "domestic"
    space = lever_space("joint")  # every searched lever, with its kind
    for name in SEARCHED:
        fields[name] = space.typed(name, row[name])
    head = (
        f"{EXPORT_SIGNATURE}\n# member {member} of {folder} (threat {row['threat']}, "
        f"{row['space']} space); fresh seeds: {row['fresh_foreign_killed_p90']:.2f} foreign "
        f"deaths a year (90th pct), {row['fresh_cost_usd_p90'] / 1e6:.1f}M USD a year\n"
        f"# run it: python -m sim.run policy={to}\n"
    )
    body = yaml.safe_dump({"defaults": [BASE_POLICY[row["space"]], "_self_"], **fields},
                          sort_keys=False)  # fmt: skip
    write_text_file(to, head + body, "to")
    return to


@entry_point()
def main(argv: list[str] | None = None) -> int:
    """The command line: a search, or the export of a member."""
    argv = sys.argv[1:] if argv is None else argv
    settings = _settings()
    if any(a in ("-h", "--help") for a in argv):
        print(
            help_text(
                __doc__.split("\n\n")[0], settings, "python -m sim.optimize [SETTING=VALUE ...]"
            )
        )
        return 0
    try:
        opts, _, _ = parse(argv, settings)
        if opts["export"] is not None or opts["to"] is not None:
            if opts["export"] is None or opts["to"] is None:
                raise ScenarioError("export", "give both export=MEMBER and to=FILE.yaml")
            path = export_member(opts["out"], opts["export"], opts["to"])
            print(f"wrote {path}; run it with python -m sim.run policy={path}")
            return 0
        if opts["doc"] is not None:
            check_document(opts["doc"], HEADING, "sim.optimize", "doc")
        search = {k: opts[k] for k in SearchSettings.__dataclass_fields__ if k in opts}
        search["budgets"] = _budgets(opts["budgets"])
        outcome = optimize(
            out=opts["out"], workers=opts["workers"], backend=opts["backend"],
            scheduler=opts["scheduler"], progress=opts["progress"],
            command="python -m sim.optimize " + " ".join(argv), **search,
        )  # fmt: skip
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunsFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    text = section(outcome)
    if opts["doc"] is not None:
        import pandas as pd

        from sim.search.outputs import front_table

        table = pd.concat(
            [
                front_table(outcome, t).assign(threat=t)
                for t in outcome.record["settings"]["threats"]
            ]
        )
        write_document(opts["doc"], signed(text, "python -m sim.optimize"), table, "doc")
    print(text)
    print(f"\nwritten to {outcome.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
