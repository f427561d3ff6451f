"""GuardUnit: a team of host (and, in joint configurations, foreign) security personnel.

Roles follow the design of layered protection: ``escort`` teams ride with convoys (detection and
protection in the engagement contest), ``site`` guards protect a fixed site (camp, office,
hotel), ``checkpoint`` teams screen attacks on the roads next to their node, ``patrol`` teams
raise the daily hazard that cells in their region are interdicted, and a ``qrf`` (quick reaction
force) cuts the toll of attacks it can reach in time.
"""

from __future__ import annotations

from mesa.discrete_space import CellAgent

__all__ = ["ROLES", "GuardUnit"]

ROLES = ("escort", "site", "checkpoint", "patrol", "qrf")


class GuardUnit(CellAgent):
    """A security team.

    Attributes:
        force: ``"domestic"`` or ``"joint"`` (host personnel plus ``foreign`` personnel).
        role: one of :data:`ROLES`.
        host: host-nation personnel (persons).
        foreign: foreign personnel (persons); visible foreign personnel lower regional legitimacy.
        region: home region; escort teams serve trips that start there.
        busy: whether an escort team is out with a convoy (or returning).

    """

    def __init__(self, model, *, role: str, force: str, host: int, foreign: int, node):
        super().__init__(model)
        self.role, self.force = role, force
        self.host, self.foreign = host, foreign
        self.node = node
        self.region = model.net.region[node]
        self.busy = False
        self.cell = model.space[node]

    @property
    def personnel(self) -> int:
        """Host plus foreign personnel."""
        return self.host + self.foreign

    def release(self) -> None:
        """Scheduled event: an escort team is back and free for the next convoy."""
        self.busy = False
        self.model.security.escort_pool[self.region].append(self)
