"""Two scenarios on the same seed, side by side: the browser view's comparison page.

Common random numbers are why paired comparisons work (Law 2015, ch. 11): replication *i* of
two policies shares its trips, its cells and every draw the policies do not change. This page
shows it. Two scenarios (two policies, or one policy and a variant of its levers) advance in
lockstep, one simulated day per step, on the same threat level and seed; each has its own map,
and shared charts show where and when they diverge. Changing one side's controls rebuilds that
side and reruns it to the current day; the other side is left as it is.

Each side is an :class:`sim.view.app.AppModel`; after ``N`` days its counts of events equal those of
``sim.run(..., days=N)`` for the same scenario and seed (``tests/test_app.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure

from agents import MilitantCell
from scenarios.attacks import MODE_NAMES, RECORD

__all__ = [
    "SHOWN",
    "Pair",
    "Side",
    "chart_data",
    "draw_charts",
    "map_data",
]


#: The counts each side shows, as ``sim.model.outcomes`` names them.
SHOWN = (
    "trips_started",
    "attacks_executed",
    "attacks_foiled",
    "foreign_killed",
    "foreign_injured",
    "plots_interdicted",
)
#: Colours of the two sides in the shared charts.
SIDE_COLOURS = ("#1f618d", "#d35400")
TARGETS = ("convoy", "site", "unescorted")


@dataclass(frozen=True)
class Side:
    """One side's controls: a policy and its levers."""

    policy: str
    levers: dict = field(default_factory=dict)

    @classmethod
    def of(cls, policy: str) -> Side:
        """A side running ``policy`` with the policy's own levers."""
        from sim.view.viewmodel import policy_levers

        return cls(policy, policy_levers(policy))

    def label(self) -> str:
        """The policy, with the levers that differ from the policy's own."""
        from sim.view.viewmodel import policy_levers

        own = policy_levers(self.policy)
        changed = [f"{k}={v:g}" for k, v in self.levers.items() if own.get(k) != v]
        return self.policy + (f" ({', '.join(changed)})" if changed else "")


#: The page's first threat level and seed: under the high threat with seed 4 both default sides
#: see attacks on convoys, sites and unescorted cars within 180 days, and lose the same number
#: of foreign nationals (so the first view flatters neither); under the baseline threat with
#: seed 0 nothing happened by day 180.
DEFAULT_THREAT, DEFAULT_SEED = "high", 4


class Pair:
    """Two sides on one threat level and seed, advanced in lockstep one day at a time."""

    def __init__(
        self,
        left: Side,
        right: Side,
        threat: str = DEFAULT_THREAT,
        seed: int = DEFAULT_SEED,
        days: int = 365,
        record: bool = False,
    ):
        self.threat, self.seed, self.days = threat, seed, days
        #: whether the record's attacks are on (:data:`scenarios.attacks.RECORD`)
        self.record = record
        self.sides = [left, right]
        self.day = 0
        self.models = [self._build(left), self._build(right)]

    def _build(self, side: Side):
        from sim.view.viewmodel import AppModel

        return AppModel(
            policy=side.policy,
            threat=self.threat,
            seed=self.seed,
            days=self.days,
            levers=dict(side.levers),
            attacks=RECORD if self.record else None,  # scenarios/attacks.py
        )

    def step(self, days: int = 1) -> None:
        """Advance both sides by ``days`` (not beyond the horizon)."""
        for _ in range(max(0, min(days, self.days - self.day))):
            for model in self.models:
                model.step()
            self.day += 1

    def change(self, index: int, side: Side) -> None:
        """Give side ``index`` new controls: rebuild it and rerun it to the current day."""
        self.sides[index] = side
        model = self._build(side)
        for _ in range(self.day):
            model.step()
        self.models[index] = model

    def shown(self, index: int) -> dict:
        """The counts side ``index`` shows (:data:`SHOWN`) at the close of the last day run.

        After ``N`` days they are those of ``sim.run(..., days=N)``: the day's closing has run
        and the next day's trips are not yet drawn.
        """
        last = self.models[index].sim.last_closed_day()
        return {name: int(last.get(name, 0)) for name in SHOWN}


# ---- the map's data ------------------------------------------------------------------------------
def _attack_marks(ev: pd.DataFrame) -> list[dict]:
    """The map's mark of each attack and foiled attack: place, kind, outcome, mode, actor."""
    attacks: list[dict] = []
    if len(ev):
        ev = ev[ev.event.isin(["attack", "foiled"])]
        for r in ev.itertuples(index=False):
            killed, hurt = int(r.foreign_killed), int(r.foreign_killed + r.foreign_injured)
            outcome = "foiled" if r.event == "foiled" else ("lethal" if killed else "attack")
            target = str(r.target) if isinstance(r.target, str) else "convoy"
            what = {"lethal": "attack", "attack": "attack", "foiled": "foiled attack"}[outcome]
            mode = getattr(r, "mode", None)
            mode = mode if isinstance(mode, str) else "small_arms"
            actor = getattr(r, "actor", None)
            by = f" by {actor}" if isinstance(actor, str) and actor != "generic" else ""
            attacks.append(
                {
                    "x": float(r.lon),
                    "y": float(r.lat),
                    "target": target,
                    "outcome": outcome,
                    "hurt": hurt,
                    "mode": mode,
                    "actor": actor if isinstance(actor, str) else "generic",
                    "label": f"day {int(r.day)}: {what}{by} on a {target} near {r.node} "
                    f"({MODE_NAMES[mode]}), {killed} foreign killed, "
                    f"{int(r.foreign_injured)} injured",
                }
            )
    return attacks


def map_data(model) -> dict:
    """What :file:`map.vue` draws: roads, named nodes, sites, attacks, convoys and cells."""
    from sim.view.viewmodel import convoy_xy

    sim = model.sim
    G = sim.net.G
    pos = {n: (float(d["x"]), float(d["y"])) for n, d in G.nodes(data=True)}
    xs = np.array([p[0] for p in pos.values()])
    ys = np.array([p[1] for p in pos.values()])
    pad = 0.06 * max(np.ptp(xs), np.ptp(ys), 1e-9)
    bounds = [
        float(xs.min() - pad),
        float(-ys.max() - pad),
        float(np.ptp(xs) + 2 * pad),
        float(np.ptp(ys) + 2 * pad),
    ]
    widths = {"motorway": 2.5, "highway": 1.8}
    edges = [[*pos[u], *pos[v], widths.get(d.get("road"), 1.2)] for u, v, d in G.edges(data=True)]
    nodes = [
        {"x": pos[n][0], "y": pos[n][1], "name": str(d.get("name", n)), "kind": d.get("kind", "")}
        for n, d in G.nodes(data=True)
    ]
    sites = [
        {
            "x": pos[s.node][0],
            "y": pos[s.node][1],
            "staff": int(s.staff),
            "name": str(G.nodes[s.node].get("name", s.node)),
        }
        for s in getattr(sim.targets, "sites", [])
    ]
    attacks = _attack_marks(sim.events)
    convoys = []
    for c in sim.movement.travelling():
        x, y = convoy_xy(sim, c)
        convoys.append({"x": float(x), "y": float(y), "escorted": bool(c.escort)})
    cells = [
        {
            "x": pos[c.node][0],
            "y": pos[c.node][1],
            "ready": bool(c.ready),
            "strength": int(c.strength),
            "actor": c.actor.name,
        }
        for c in sim.agents_by_type.get(MilitantCell, [])
    ]
    return dict(
        bounds=bounds,
        edges=edges,
        nodes=nodes,
        sites=sites,
        attacks=attacks,
        convoys=convoys,
        cells=cells,
    )


@solara.component_vue(str(Path(__file__).with_name("map.vue")))
def MapSvg(
    bounds: list,
    edges: list,
    nodes: list,
    sites: list,
    attacks: list,
    convoys: list,
    cells: list,
    side: str = "",
    day: int = 0,
    height: int = 460,
    labels: bool = True,
):
    """The road network as SVG: pan, zoom, names on hover; no tile server."""


# ---- the shared charts ---------------------------------------------------------------------------
def chart_data(pair: Pair) -> dict[str, pd.DataFrame]:
    """Per side, at the close of each day: foreign deaths, attacks by kind, legitimacy.

    Deaths and attacks are cumulative; ``day`` counts the days run (1 after the first day).
    """
    out = {}
    for index, model in enumerate(pair.models):
        series = model.sim.timeseries
        if series.empty:
            series = pd.DataFrame({"day": [-1], "foreign_killed": [0], "mean_legitimacy": [np.nan]})
        table = pd.DataFrame(
            {
                "day": series["day"].to_numpy() + 1,
                "foreign_killed": series["foreign_killed"].to_numpy(),
                "mean_legitimacy": series["mean_legitimacy"].to_numpy(),
            }
        )
        ev = model.sim.events
        ev = ev[ev.event.isin(["attack", "foiled"])] if len(ev) else ev
        for target in TARGETS:
            hit = ev[ev.target == target].day.astype(int).to_numpy() if len(ev) else []
            per_day = np.bincount(hit, minlength=pair.day + 1)[: max(pair.day, 1)]
            table[f"attacks_{target}"] = np.cumsum(per_day)[: len(table)] if len(table) else []
        out[pair.sides[index].label()] = table
    return out


def draw_charts(pair: Pair) -> Figure:
    """Cumulative foreign deaths, attacks by target kind and legitimacy of both sides by day."""
    data = chart_data(pair)
    fig = Figure(figsize=(12, 3.3))
    axes = fig.subplots(1, 3)
    styles = {"convoy": "-", "site": "--", "unescorted": ":"}
    # A wide and pale under B narrow: where the two sides agree, both lines stay visible
    widths, alphas = (3.2, 1.2), (0.55, 1.0)
    for (label, table), colour, name, lw, alpha in zip(
        data.items(), SIDE_COLOURS, "AB", widths, alphas, strict=True
    ):
        line = {"color": colour, "lw": lw, "alpha": alpha}
        axes[0].step(table.day, table.foreign_killed, where="post", label=f"{name}: {label}",
                     **line)  # fmt: skip
        for target in TARGETS:
            axes[1].step(
                table.day,
                table[f"attacks_{target}"],
                where="post",
                ls=styles[target],
                label=f"{name}: on {target}s" if target != "unescorted" else f"{name}: unescorted",
                **line,
            )
        axes[2].plot(table.day, table.mean_legitimacy, label=f"{name}: {label}", **line)
    titles = ("foreign nationals killed (cumulative)", "attacks by target kind (cumulative)",
              "mean legitimacy")  # fmt: skip
    for k, (ax, title) in enumerate(zip(axes, titles, strict=True)):
        if k < 2:
            ax.set_ylim(bottom=0, top=max(1.0, ax.get_ylim()[1]))  # counts: from 0, whole
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(
        f"Same trips, same cells, same seed ({pair.threat} threat, seed {pair.seed}): "
        f"day {pair.day}",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def with_lever(side: Side, name: str, value) -> Side:
    """``side`` with one lever changed."""
    return replace(side, levers={**side.levers, name: value})


# ---- the page ------------------------------------------------------------------------------------
LEFT, RIGHT = "domestic_baseline", "joint_escort"


@solara.component
def SidePanel(pair: Pair, index: int, on_change, version: int = 0):
    """One side's controls, counts and map. ``on_change(index, side)`` rebuilds the side.

    ``version`` changes whenever the pair does: the pair is one mutable object, so without it
    the panel's arguments would compare equal and it would not be drawn again.
    """
    from scenarios.compose import group_options
    from sim.view.viewmodel import LEVERS

    name = "AB"[index]
    side = pair.sides[index]
    model = pair.models[index]
    shown = pair.shown(index)
    with solara.Card(classes=[f"side side-{name}"]):
        solara.Text(f"{name}: {side.label()}", classes=["side-title"])
        solara.Select(
            f"policy {name}",
            value=side.policy,
            values=group_options("policy"),
            on_value=lambda v: on_change(index, Side.of(v)),
        )
        with solara.Details(f"levers of {name}", expand=False):
            for lever, (label, lo, hi, step, is_float) in LEVERS.items():
                slider = solara.SliderFloat if is_float else solara.SliderInt
                value = side.levers[lever]
                slider(
                    f"{label}: {value:g}",
                    value=value,
                    min=lo,
                    max=hi,
                    step=step,
                    thumb_label="always",
                    on_value=lambda v, lever=lever: on_change(index, with_lever(side, lever, v)),
                )
        with solara.Row(gap="14px", classes=["side-counts"]):
            for key in SHOWN:
                solara.Text(
                    f"{key.replace('_', ' ')} {shown[key]:,.0f}",
                    classes=[f"count count-{name}-{key}"],
                )
        MapSvg(**map_data(model), side=name, day=pair.day)


@solara.component
def ComparePage():
    """Two scenarios on the same seed, advanced together; the default page of ``make app``."""
    from scenarios.compose import group_options

    holder = solara.use_memo(lambda: {"pair": Pair(Side.of(LEFT), Side.of(RIGHT))}, [])
    version, set_version = solara.use_state(0)
    pair: Pair = holder["pair"]

    def redraw():
        set_version(lambda v: v + 1)

    def advance(days: int):
        pair.step(days)
        redraw()

    def change(index: int, side: Side):
        pair.change(index, side)
        redraw()

    def shared(threat=None, seed=None, reset=False, record=None):
        day = 0 if reset else pair.day
        seed = pair.seed if seed is None else max(0, int(seed))
        record = pair.record if record is None else bool(record)
        new = Pair(
            *pair.sides, threat=threat or pair.threat, seed=seed, days=pair.days, record=record
        )
        new.step(day)
        holder["pair"] = new
        redraw()

    solara.Title("corridor-sim: two policies, same seed")
    solara.Style(STYLE)
    with solara.Column(classes=["compare-page"]):
        solara.Text(  # plain text: solara.Markdown would fetch KaTeX from a CDN
            "Two policies on the same seed. Both sides draw the same trips and the same "
            "militant cells; only the protection differs, so where and when they diverge is "
            "the policy's doing (common random numbers).",
            classes=["intro"],
        )
        with solara.Row(gap="12px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select(
                "threat", value=pair.threat, values=group_options("threat"),
                on_value=lambda v: shared(threat=v),
            )  # fmt: skip
            solara.InputInt("seed", value=pair.seed, on_value=lambda v: shared(seed=v))
            solara.Checkbox(
                label="the record's attacks (modes, actors, night)",
                value=pair.record,
                on_value=lambda v: shared(record=v),
            )
            solara.Button("Step 1 day", on_click=lambda: advance(1), color="primary")
            solara.Button("+10 days", on_click=lambda: advance(10))
            solara.Button("+30 days", on_click=lambda: advance(30))
            solara.Button("Reset", on_click=lambda: shared(reset=True))
            solara.Text(f"Day {pair.day} of {pair.days}", classes=["pair-day"])
        with solara.Columns([1, 1]):
            for index in (0, 1):
                SidePanel(pair, index, change, version)
        solara.FigureMatplotlib(draw_charts(pair), format="png", dpi=80)


STYLE = """
.compare-page .side-counts { font-size: 13px; margin: 6px 0; }
.compare-page .pair-day { font-weight: 600; font-size: 15px; }
.compare-page .side-title { font-weight: 600; font-size: 16px; }
"""
