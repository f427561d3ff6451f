"""Agents of the corridor model: convoys, guard units and militant cells."""

from agents.convoy import Convoy
from agents.guard_unit import GuardUnit
from agents.militant_cell import MilitantCell

__all__ = ["Convoy", "GuardUnit", "MilitantCell"]
