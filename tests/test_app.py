"""The browser view's components, rendered with solara as Mesa's own tests do."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara
from mesa.visualization.solara_viz import ModelController

from agents import MilitantCell
from sim import app

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
        x, y = app._convoy_xy(model.sim, convoy)
        xs = [p[0] for p in model.sim.net.pos.values()]
        assert min(xs) <= x <= max(xs)
