"""The browser view's components, rendered with solara as Mesa's own tests do."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara
from mesa.visualization.solara_viz import ModelController

from agents import MilitantCell
from sim.view import app

CONTEXTS = []


def render(element):
    _, rc = solara.render(element, handle_error=False)
    CONTEXTS.append(rc)
    return rc


@pytest.fixture(autouse=True)
def fresh_settings():
    app.settings.set(app.Settings(days=30))
    yield
    while CONTEXTS:
        CONTEXTS.pop().close()
    app.settings.set(app.Settings())


@solara.component
def Controller(model):
    """Mesa's step/play/reset controls, with the reactive settings SolaraViz gives them."""
    ModelController(
        model,
        model_parameters=solara.use_reactive({}),
        play_interval=solara.use_reactive(100),
        render_interval=solara.use_reactive(1),
        use_threads=solara.use_reactive(False),
    )


def render_panel():
    holder = {}

    @solara.component
    def Panel():
        model = solara.use_reactive(solara.use_memo(app.AppModel, []))
        holder["model"] = model
        app.Controls(model)
        app.Summary(model.value)
        Controller(model)

    return render(Panel()), holder


def texts(rc) -> list[str]:
    return [t.widget.children[0] for t in rc.find(v.Html) if t.widget.children]


def test_step_advances_one_day_and_redraws_the_map_once(monkeypatch):
    calls = []
    original = app.draw_map
    monkeypatch.setattr(app, "draw_map", lambda m: calls.append(m.day) or original(m))

    @solara.component
    def View():
        model = solara.use_reactive(solara.use_memo(app.AppModel, []))
        app.MapView(model.value)
        app.Summary(model.value)
        Controller(model)

    rc = render(View())
    assert "Day 0 of 30" in texts(rc) and calls == [0]
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "Day 1 of 30" in texts(rc)
    assert calls == [0, 1]  # one redraw per step: the view adds no work beyond drawing


def test_changing_the_policy_rebuilds_the_model_with_its_levers():
    rc, holder = render_panel()
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert holder["model"].value.day == 1
    select = rc.find(v.Select, label="policy").widget
    select.v_model = "joint_escort"
    model = holder["model"].value
    assert model.policy == "joint_escort" and model.day == 0
    assert model.sim.cfg.policy.force == "joint"
    assert model.sim.cfg.policy.foreign_per_escort == 4
    sliders = {s.widget.label: s.widget.v_model for s in rc.find(v.Slider)}
    assert sliders["foreign guards per escort (joint)"] == 4
    assert "policy joint_escort · threat baseline · seed 0" in texts(rc)


def test_levers_threat_and_seed_rebuild_the_model():
    rc, holder = render_panel()
    slider = [s for s in rc.find(v.Slider) if s.widget.label == "host guards per escort"][0]
    slider.widget.v_model = 11
    assert holder["model"].value.sim.cfg.policy.escort_size == 11
    rc.find(v.Select, label="threat").widget.v_model = "high"
    assert holder["model"].value.sim.cfg.threat.name == "high"
    assert holder["model"].value.sim.cfg.policy.escort_size == 11  # levers kept
    seed = rc.find(v.TextField, label="seed").widget
    seed.v_model = "5"
    seed.fire_event("keyup.enter", None)  # the seed is committed on Enter or focus-out
    assert holder["model"].value.sim.cfg.seed == 5


def test_reset_rebuilds_with_the_current_controls():
    rc, holder = render_panel()
    rc.find(v.Select, label="policy").widget.v_model = "domestic_intel"
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    model = holder["model"].value
    assert model.day == 0 and model.policy == "domestic_intel"
    assert model.sim.cfg.policy.intel_sharing == 1.0


def test_app_model_matches_a_plain_run_day_by_day():
    from sim import CorridorModel, load_scenario

    model = app.AppModel(policy="joint_escort", threat="high", seed=3, days=30)
    plain = CorridorModel(load_scenario(policy="joint_escort", threat="high", seed=3, days=30))
    plain.run()
    for _ in range(30):
        model.step()
    assert not model.running
    assert model.sim.outcomes() == plain.outcomes()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 31 and frame.foreign_killed.iloc[-1] == plain.outcomes()["foreign_killed"]


def test_map_places_cells_guards_and_convoys():
    model = app.AppModel(threat="high", days=30)
    model.sim.run_until(8.5 + 0 * model.sim.steps_per_day)  # 08:30 on day 0: convoys moving
    moving = [c for c in model.sim.movement.travelling() if c.state == "moving"]
    assert moving
    fig = app.draw_map(model)
    labels = {c.get_label(): len(c.get_offsets()) for c in fig.axes[0].collections}
    assert labels["militant cell (dark: ready)"] == len(model.sim.agents_by_type[MilitantCell])
    assert labels["convoy (yellow: escorted)"] >= len(moving)
    assert labels["guard units (orange: joint)"] > 0
    assert labels["site (size: staff)"] == len(model.sim.targets.sites) > 0
    for convoy in moving:
        x, y = app.convoy_xy(model.sim, convoy)
        xs = [p[0] for p in model.sim.net.pos.values()]
        assert min(xs) <= x <= max(xs)


# ---- two policies side by side ----------------------------------------------------------------
def _api(side, threat: str, seed: int, days: int) -> dict:
    from sim import run

    own = app.policy_levers(side.policy)
    changed = {f"policy__{k}": v for k, v in side.levers.items() if own[k] != v}
    return run(policy=side.policy, threat=threat, seed=seed, days=days, **changed).outcomes


def test_each_side_equals_the_api_after_n_days_and_both_show_the_same_trips():
    from sim.view.side_by_side import SHOWN, Pair, Side, with_lever

    pair = Pair(Side.of("domestic_baseline"), Side.of("joint_escort"), threat="high", seed=1)
    pair.step(45)
    assert pair.day == 45
    shown = [pair.shown(0), pair.shown(1)]
    assert all(s["attacks_executed"] >= 1 for s in shown)  # each side has had an attack
    assert shown[0] != shown[1]  # and the policies differ
    for index in (0, 1):
        api = _api(pair.sides[index], "high", 1, 45)
        assert shown[index] == {k: int(api[k]) for k in SHOWN}
    trips = [m.sim.demand.trip_table() for m in pair.models]
    same = ["day", "index", "origin", "destination", "passengers", "departure_h"]
    assert len(trips[0]) > 500 and trips[0][same].equals(trips[1][same])
    # a lever variant on side B: B is rebuilt and rerun to day 45, A is left as it was
    a_model = pair.models[0]
    pair.change(1, with_lever(Side.of("domestic_baseline"), "escort_size", 12))
    assert pair.models[0] is a_model and pair.shown(0) == shown[0]
    assert pair.models[1].day == 45
    api = _api(pair.sides[1], "high", 1, 45)
    assert pair.shown(1) == {k: int(api[k]) for k in SHOWN}
    assert pair.sides[1].label() == "domestic_baseline (escort_size=12)"


def test_map_data_names_every_node_and_marks_attacks_by_kind_and_outcome():
    from sim.view.side_by_side import Pair, Side, map_data

    pair = Pair(Side.of("domestic_baseline"), Side.of("joint_escort"), threat="high", seed=4)
    pair.step(45)
    data = map_data(pair.models[0])
    names = {n["name"] for n in data["nodes"]}
    assert {"Karachi", "Gwadar", "Islamabad"} <= names and len(data["nodes"]) == 25
    assert data["sites"] and all(s["staff"] > 0 for s in data["sites"])
    events = pair.models[0].sim.events
    struck = events[events.event.isin(["attack", "foiled"])]
    assert len(data["attacks"]) == len(struck)
    lethal = int(((struck.event == "attack") & (struck.foreign_killed > 0)).sum())
    assert sum(a["outcome"] == "lethal" for a in data["attacks"]) == lethal
    assert {a["target"] for a in data["attacks"]} <= {"convoy", "site", "unescorted"}
    assert all(a["label"].startswith("day ") for a in data["attacks"])
    assert {a["mode"] for a in data["attacks"]} == {"small_arms"}  # the modes off


def test_the_map_names_each_attacks_mode_and_actor_with_the_records_attacks_on():
    from sim.view.side_by_side import Pair, Side, map_data

    pair = Pair(Side.of("domestic_baseline"), Side.of("joint_escort"), record=True)
    pair.step(120)
    data = map_data(pair.models[0])
    struck = pair.models[0].sim.events
    struck = struck[struck.event.isin(["attack", "foiled"])]
    assert len(data["attacks"]) == len(struck) > 0
    assert [a["mode"] for a in data["attacks"]] == list(struck["mode"])
    assert [a["actor"] for a in data["attacks"]] == list(struck["actor"])
    assert all(f"by {a['actor']}" in a["label"] for a in data["attacks"])
    assert {c["actor"] for c in data["cells"]} <= {"baloch", "sindhi", "ttp"}


def test_compare_page_steps_both_sides_and_a_control_rebuilds_only_its_side():
    from sim.view import side_by_side as sbs

    rc = render(sbs.ComparePage())

    def click(label):
        rc.find(v.Btn, children=[label]).widget.click()

    def counts(prefix):
        return [t for t in texts(rc) if t.startswith(prefix)]

    assert "Day 0 of 365" in texts(rc)
    assert counts("A: ") == ["A: domestic_baseline"] and counts("B: ") == ["B: joint_escort"]
    click("+10 days")
    assert "Day 10 of 365" in texts(rc)
    trips = counts("trips started")
    assert len(trips) == 2 and trips[0] == trips[1] != "trips started 0"  # the same trips
    a_before = [t for t in texts(rc) if "killed" in t or "attacks" in t][:3]
    # side B's policy changes: B is rebuilt and rerun to day 10, A keeps its state
    policy_b = [w for w in rc.find(v.Select).widgets if w.label == "policy B"][0]
    policy_b.v_model = "domestic_surge"
    assert "Day 10 of 365" in texts(rc)
    assert counts("B: ") == ["B: domestic_surge"] and counts("A: ") == ["A: domestic_baseline"]
    assert [t for t in texts(rc) if "killed" in t or "attacks" in t][:3] == a_before
    click("Step 1 day")
    assert "Day 11 of 365" in texts(rc)
    maps = rc.find(v.VuetifyTemplate).widgets
    assert [m.side for m in maps if hasattr(m, "side")] == ["A", "B"]
    assert all(m.day == 11 for m in maps if hasattr(m, "day"))


def test_the_default_view_shows_attacks_by_day_180_and_identical_lines_stay_visible():
    from sim.view.side_by_side import LEFT, RIGHT, Pair, Side, draw_charts

    pair = Pair(Side.of(LEFT), Side.of(RIGHT))  # the page's defaults
    pair.step(180)
    shown = [pair.shown(0), pair.shown(1)]
    assert all(s["attacks_executed"] >= 2 for s in shown), shown  # something happens
    fig = draw_charts(pair)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2
    # where the sides agree the two lines coincide: A is wider (and paler) than B on top
    assert lines[0].get_linewidth() > 2 * lines[1].get_linewidth()
    assert lines[0].get_zorder() <= lines[1].get_zorder()
