"""Security: escort teams, checkpoints, patrols and quick reaction forces, placed by traffic.

Layered protection of movements and sites: escort teams ride with convoys, site guards
protect the fixed sites (:mod:`sim.model.targets`), checkpoints screen attacks on
the roads next to their node, patrols raise the hazard that cells in their region are
interdicted, and quick reaction forces (QRF) cut the toll of attacks they reach in time. Every
effect grows with the unit's personnel, and a unit with nobody in it does nothing: detection and
screening compound per person (``1 - (1 - p)^n``), as does a QRF's cut in lethality, and patrol
interdiction adds a hazard per patrol member. Units
are placed where the demand model expects the traffic: escorts by trips starting in each region,
patrols by traffic through it, checkpoints and QRFs at the busiest nodes. The units themselves are
:class:`agents.guard_unit.GuardUnit`.
"""

from __future__ import annotations

import math
from collections import Counter, deque

import networkx as nx

from agents.guard_unit import GuardUnit
from sim.model.submodel import Submodel

__all__ = ["Security", "largest_remainder"]


def largest_remainder(total: int, weights: dict) -> dict:
    """Split ``total`` whole units in proportion to ``weights`` (Hamilton's method)."""
    keys = sorted(weights, key=str)
    wsum = sum(weights[k] for k in keys)
    if total <= 0 or wsum <= 0:
        return dict.fromkeys(keys, 0)
    quotas = {k: total * weights[k] / wsum for k in keys}
    out = {k: int(math.floor(q)) for k, q in quotas.items()}
    rest = total - sum(out.values())
    for k in sorted(keys, key=lambda k: (-(quotas[k] - out[k]), str(k)))[:rest]:
        out[k] += 1
    return out


class Security(Submodel):
    """The security units of a policy and the escort pool.

    Attributes:
        escort_pool: free escort teams by home region.
        checkpoint_count: checkpoints at each node.
        escorting: whether convoys wait for an escort (teams exist and have personnel).
        patrols_in, patrol_personnel: patrol units and their personnel in each region.
        qrf_time: hours from the nearest QRF to each node.
        foreign_in: foreign personnel stationed in each region.
        guard_personnel, foreign_personnel: personnel deployed (persons).

    """

    name = "security"

    def setup(self) -> None:
        """Place every unit of the policy where the demand model expects the traffic."""
        model, pol, demand = self.model, self.cfg.policy, self.model.demand
        net = model.net
        joint = pol.force == "joint"
        self.escort_pool: dict = {r: deque() for r in net.regions}
        team = pol.escort_size + (pol.foreign_per_escort if joint else 0)
        # an escort team with nobody in it does nothing: convoys then move unescorted
        self.escorting = pol.escort_units > 0 and team > 0
        alloc = largest_remainder(pol.escort_units if self.escorting else 0, demand.origin_share)
        for region in sorted(alloc, key=str):
            for _ in range(alloc[region]):
                unit = GuardUnit(
                    model,
                    role="escort",
                    force=pol.force,
                    host=pol.escort_size,
                    foreign=pol.foreign_per_escort if joint else 0,
                    node=demand.busiest_in(region, anchors_first=True),
                )
                self.escort_pool[region].append(unit)
        self.escort_regions = {r for r, n in alloc.items() if n > 0}
        targets = model.targets
        if targets.site_host + targets.site_foreign > 0:
            for site in targets.sites:
                GuardUnit(
                    model,
                    role="site",
                    force=pol.force,
                    host=targets.site_host,
                    foreign=targets.site_foreign,
                    node=site.node,
                )
        self.checkpoint_count: Counter = Counter()
        for i in range(pol.checkpoints):
            node = demand.busiest[i % len(demand.busiest)]
            GuardUnit(
                model,
                role="checkpoint",
                force=pol.force,
                host=pol.checkpoint_size,
                foreign=pol.foreign_at_checkpoints if joint else 0,
                node=node,
            )
            self.checkpoint_count[node] += 1
        self.patrols_in = largest_remainder(pol.patrols, demand.region_traffic)
        self.patrol_personnel = {r: n * pol.patrol_size for r, n in self.patrols_in.items()}
        for region in sorted(self.patrols_in, key=str):
            for _ in range(self.patrols_in[region]):
                GuardUnit(
                    model,
                    role="patrol",
                    force="domestic",
                    host=pol.patrol_size,
                    foreign=0,
                    node=demand.busiest_in(region),
                )
        qrf_nodes = [demand.busiest[i % len(demand.busiest)] for i in range(pol.qrf_units)]
        for node in qrf_nodes:
            GuardUnit(model, role="qrf", force="domestic", host=pol.qrf_size, foreign=0, node=node)
        self.qrf_time = (
            nx.multi_source_dijkstra_path_length(net.G, set(qrf_nodes), weight="time_h")
            if qrf_nodes
            else {}
        )
        guards = model.agents_by_type.get(GuardUnit, [])
        self.foreign_in = dict.fromkeys(net.regions, 0)
        for g in guards:
            self.foreign_in[g.region] += g.foreign
        self.guard_personnel = sum(g.personnel for g in guards)
        self.foreign_personnel = sum(g.foreign for g in guards)

    def acquire_escort(self, region) -> GuardUnit | None:
        """A free escort team of the region (or of any region, where it has none)."""
        pool = self.escort_pool[region]
        if not pool and region not in self.escort_regions:
            pool = next(
                (
                    self.escort_pool[r]
                    for r in sorted(self.escort_pool, key=str)
                    if self.escort_pool[r]
                ),
                pool,
            )
        if not pool:
            return None
        unit = pool.popleft()
        unit.busy = True
        return unit

    def outcomes(self) -> dict[str, float]:
        """Personnel deployed x days, all and foreign, and the cost of the configuration.

        ``cost_usd = c_h P_h + c_f P_f + c_v V + c_i s d / 365 + c_s S + c_w h n d / 365`` with
        ``P_h``, ``P_f`` host and foreign person-days (site guards included), ``V`` armored
        vehicle-days, ``s`` the intelligence sharing level over ``d`` days, ``S`` the staff
        hours lost to waits, detours and moved departures, ``h`` the hardening level of the
        ``n`` sites, plus the vetting programme at its level (rates in the ``costs`` section).
        """
        days, c, counters = self.cfg.days, self.cfg.costs, self.model.counters
        pol, sites = self.cfg.policy, len(self.model.targets.sites)
        host = (self.guard_personnel - self.foreign_personnel) * days
        foreign = self.foreign_personnel * days
        cost = (
            c.host_guard_day_usd * host
            + c.foreign_guard_day_usd * foreign
            + c.armored_vehicle_day_usd * counters["armored_vehicle_days"]
            + c.intel_usd_per_year * pol.intel_sharing * days / 365.0
            + c.staff_hour_usd * counters["staff_hours_lost"]
            + c.site_hardening_usd_per_year * pol.site_hardening * sites * days / 365.0
            + c.vetting_usd_per_year * pol.vetting * days / 365.0
        )
        return {
            "foreign_security_person_days": float(foreign),
            "guard_person_days": float(self.guard_personnel * days),
            "cost_usd": float(cost),
        }
