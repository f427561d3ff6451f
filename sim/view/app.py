"""Watch it run: a Mesa SolaraViz page of the corridor model (``make app``).

    solara run sim/view/app.py --host 127.0.0.1

The page shows the road network on its real coordinates (drawn here with matplotlib, since
Mesa's network renderer ignores node positions) with convoys, guard units and militant cells
placed on it, the sites sized by their staff, and attacks coloured by outcome and shaped by target
kind (convoy, unescorted car, site); controls for policy, threat level, seed and the main
levers; and live charts of cumulative casualties, attacks, active cells and legitimacy. One step
of the page is one simulated day. Changing a control rebuilds the model at once; Mesa's Reset
rebuilds it with the current controls.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from agents import GuardUnit, MilitantCell
from scenarios.compose import group_options
from sim.analysis.plots import network_map
from sim.view.viewmodel import (  # noqa: F401 - the app's public names
    LEVERS,
    AppModel,
    Settings,
    convoy_xy,
    policy_levers,
    settings,
)

__all__ = [
    "LEVERS",
    "AppModel",
    "Controls",
    "MapView",
    "Settings",
    "page",
    "serve",
    "settings",
]


def _quiet_navigator() -> None:
    """Give solara's router template the ``module.exports`` its loader expects.

    solara 1.64's ``navigator.vue`` assigns ``modules.export`` (a typo), so every page load
    logs "Failed to evaluate Vue script ..." in the browser's console before ipyvue falls
    back. A corrected copy of the same template is used instead; when solara fixes the typo the
    copy is identical to the original. The copy goes into a folder of this process's own (a new
    private temporary folder, removed at exit), never a fixed name in the shared temporary
    folder, where another user could have planted a link.
    """
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    from solara.widgets import widgets as solara_widgets

    original = Path(solara_widgets.Navigator.template_file)
    text = original.read_text()
    if "modules.export =" not in text:
        return
    folder = Path(tempfile.mkdtemp(prefix="corridor-sim-app-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    fixed = folder / "navigator.vue"
    fixed.write_text(text.replace("modules.export =", "module.exports ="))
    solara_widgets.Navigator.template_file = str(fixed)


_quiet_navigator()
# Served on 127.0.0.1 over http, solara warns on every page load (twelve lines) that it falls
# back to samesite=lax session cookies; lax is right for a local page, so the warning says nothing
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")


def draw_map(model: AppModel) -> Figure:
    """The network with the agents where they are now and the attacks so far."""
    sim = model.sim
    fig = network_map(
        sim,
        sim.events,
        title=(f"day {model.day} - {model.policy}, {model.threat} threat, seed {model.seed_value}"),
    )
    ax = fig.axes[0]
    cells = list(sim.agents_by_type.get(MilitantCell, []))
    if cells:
        xs, ys = zip(*(sim.net.pos[c.node] for c in cells), strict=True)
        ax.scatter(
            xs,
            ys,
            marker="v",
            s=[20 + 6 * c.strength for c in cells],
            c=["#c0392b" if c.ready else "#f5b7b1" for c in cells],
            edgecolors="k",
            linewidths=0.5,
            zorder=6,
            label="militant cell (dark: ready)",
        )
    guards = [g for g in sim.agents_by_type.get(GuardUnit, []) if not g.busy]
    if guards:
        xs, ys = zip(*(sim.net.pos[g.node] for g in guards), strict=True)
        ax.scatter(
            xs,
            ys,
            marker="h",
            s=30,
            facecolors="none",
            edgecolors=["#d35400" if g.foreign else "#1f618d" for g in guards],
            linewidths=1.2,
            zorder=6,
            label="guard units (orange: joint)",
        )
    moving = sim.movement.travelling()
    if moving:
        xs, ys = zip(*(convoy_xy(sim, c) for c in moving), strict=True)
        ax.scatter(
            xs,
            ys,
            marker="o",
            s=45,
            c=["#f1c40f" if c.escort else "#ffffff" for c in moving],
            edgecolors="k",
            linewidths=0.8,
            zorder=7,
            label="convoy (yellow: escorted)",
        )
    ax.legend(loc="lower right", fontsize=6, framealpha=0.85)
    ax.title.set_fontsize(9)
    fig.set_size_inches(6.0, 5.4)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.09, top=0.94)  # fixed: no layout pass
    return fig


@solara.component
def MapView(model: AppModel):
    """The road network and agents, redrawn after every step."""
    update_counter.get()
    solara.FigureMatplotlib(draw_map(model), format="png", dpi=72)


@solara.component
def Summary(model: AppModel):
    """Day and running totals as text."""
    update_counter.get()
    c = model.sim.counters
    with solara.Card("Run"), solara.Column(gap="2px"):
        solara.Text(f"Day {model.day} of {model.sim.cfg.days}", classes=["sim-day"])
        solara.Text(f"policy {model.policy} · threat {model.threat} · seed {model.seed_value}")
        solara.Text(
            f"trips completed {c['trips_completed']:.0f} · attacks "
            f"{c['attacks_executed']:.0f} (foiled {c['attacks_foiled']:.0f})"
        )
        solara.Text(
            f"foreign killed {c['foreign_killed']:.0f}, injured "
            f"{c['foreign_injured']:.0f} · cells interdicted "
            f"{c['plots_interdicted']:.0f}"
        )


@solara.component
def Controls(model: solara.Reactive):
    """Policy, threat, seed and levers; any change rebuilds the model with the new settings."""
    s = settings.value

    def rebuild(new: Settings) -> None:
        settings.set(new)
        model.set(AppModel())

    def set_policy(value: str) -> None:
        rebuild(Settings(value, s.threat, s.seed, s.days, policy_levers(value)))

    def set_lever(name: str, value) -> None:
        rebuild(Settings(s.policy, s.threat, s.seed, s.days, {**s.levers, name: value}))

    with solara.Card("Scenario"):
        solara.Select("policy", value=s.policy, values=group_options("policy"), on_value=set_policy)
        solara.Select(
            "threat",
            value=s.threat,
            values=group_options("threat"),
            on_value=lambda v: rebuild(Settings(s.policy, v, s.seed, s.days, s.levers)),
        )
        solara.InputInt(
            "seed",
            value=s.seed,
            on_value=lambda v: rebuild(
                Settings(s.policy, s.threat, max(0, int(v)), s.days, s.levers)
            ),
        )
        for name, (label, lo, hi, step, is_float) in LEVERS.items():
            slider = solara.SliderFloat if is_float else solara.SliderInt
            slider(
                label,
                value=s.levers[name],
                min=lo,
                max=hi,
                step=step,
                thumb_label="always",
                on_value=lambda v, name=name: set_lever(name, v),
            )


def make_page(model: AppModel | None = None):
    """The SolaraViz page around a (reactive) model; scenario controls go in the sidebar."""
    initial = solara.use_memo(lambda: model if model is not None else AppModel(), [])
    reactive_model = solara.use_reactive(initial)
    components = [(MapView, 0)] + [(chart, 0) for chart in DAILY_CHARTS]
    solara.Title("corridor-sim: one policy")
    solara.Style(".corridor-single .v-tabs { display: none; }")  # Mesa's lone "Page 0" tab
    with solara.Column(classes=["corridor-single"]):
        viz = SolaraViz(
            reactive_model, components=components, name="corridor-sim", play_interval=150
        )
    with solara.Sidebar():
        Controls(reactive_model)
        Summary(reactive_model.value)
    return viz


def _daily_chart(columns: dict, title: str):
    @solara.component
    def Chart(model: AppModel):
        update_counter.get()
        frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        fig = Figure(figsize=(5.2, 2.6))
        ax = fig.add_subplot()
        for name, colour in columns.items():
            ax.plot(frame.index, frame[name], color=colour, label=name.replace("_", " "))
        ax.set_xlabel("day")
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        solara.FigureMatplotlib(fig, format="png", dpi=72)

    Chart.__name__ = f"Chart_{'_'.join(columns)}"
    return Chart


#: The single view's live charts, one point per day.
DAILY_CHARTS = [
    _daily_chart(
        {"foreign_killed": "#c0392b", "guards_killed": "#1f618d", "civilians_killed": "#7f8c8d"},
        "killed (cumulative)",
    ),
    _daily_chart({"attacks_executed": "#e67e22", "attacks_foiled": "#2e86c1"}, "attacks"),
    _daily_chart({"cells_active": "#8e44ad"}, "active militant cells"),
    _daily_chart({"mean_legitimacy": "#27ae60"}, "mean legitimacy"),
]


@solara.component
def Page():
    """The single view: one policy, Mesa's controls, its map and live charts."""
    make_page()


page = Page


@solara.component
def ComparePageRoute():
    """The side-by-side view (the default page)."""
    from sim.view.side_by_side import ComparePage

    ComparePage()


@solara.component
def Layout(children=()):
    """Both pages under one bar, with links named for what they show (no default tab labels)."""
    route, routes = solara.use_route()
    with solara.AppLayout(navigation=False):
        with solara.AppBar():
            for r in routes:
                solara.Button(
                    r.label,
                    href="/" + ("" if r.path == "/" else r.path),
                    text=True,
                    dark=True,
                    disabled=r is route,
                    classes=["page-link"],
                )
        solara.Column(children=list(children))


#: The pages of ``solara run sim/view/app.py``: the side-by-side view first, the single view after.
routes = [
    solara.Route(
        path="/", component=ComparePageRoute, label="Two policies, same seed", layout=Layout
    ),
    solara.Route(path="single", component=Page, label="One policy"),
]


@contextmanager
def serve(port: int | None = None, host: str = "127.0.0.1", timeout: float = 120.0):
    """Serve this page with ``solara run`` on ``host`` (a free port by default); yield its URL.

    Used by the browser test and the screenshot tool; the server is stopped on exit.
    """
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    if port is None:
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("solara")),
            "run",
            "sim/view/app.py",
            "--host",
            host,
            "--port",
            str(port),
            "--production",
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://{host}:{port}/"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.terminate()
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"the app server did not start:\n{out[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
