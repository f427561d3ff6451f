"""The registry of draw keys: every process a random draw serves, named once, here.

A draw is keyed by the process it serves, the entity it belongs to and a counter
(:mod:`sim.model.randomness`); the process part is the key below, the CRC-32 of its name
(:func:`~sim.model.randomness.name_key`). Defining each key once keeps two processes from
sharing a key by accident, and a test checks that no two names give the same key.

``K_INSIDER`` keys whether an assigned guard turns on the people he guards (a site's draw of
the day, a trip's draw); ``K_INSIDER_HARM`` that attack's casualties. Until version 0.3 one key
served both, so the casualties' generator started from the very uniform that had decided the
attack (the split re-pinned the regression values of insider attacks).
"""

from __future__ import annotations

from sim.model.randomness import name_key

__all__ = ["KEYS"]

#: Every draw key, by name: the processes of the run.
KEYS: dict[str, int] = {
    name: name_key(name)
    for name in (
        # trips (sim.model.demand, agents.convoy)
        "trips", "count", "od", "passengers", "armored", "depart", "leak", "escorted", "route",
        "threshold", "meet", "insider", "escort pick",
        # cells (sim.model.threat, agents.militant_cell)
        "cell", "place", "prepare", "interdict", "raid", "joint raid", "choose", "strike",
        "leak cell", "leak act", "leak route", "leak site",
        # the population (sim.model.population) and attacks (sim.model.engagement)
        "recruit", "tips", "combat",
        # attack modes, actors and time of day (sim.model.engagement, sim.model.threat,
        # sim.model.demand)
        "insider harm", "mode", "actor", "night", "night hour",
    )
}  # fmt: skip

K_TRIPS = KEYS["trips"]
K_COUNT = KEYS["count"]
K_OD = KEYS["od"]
K_PASSENGERS = KEYS["passengers"]
K_ARMORED = KEYS["armored"]
K_DEPART = KEYS["depart"]
K_LEAK = KEYS["leak"]
#: whether a movement is long-distance (its name is from when only long ones were escorted;
#: kept, so the seed draws the same movements)
K_LONG = KEYS["escorted"]
#: whether the policy escorts a movement (long-distance ones first)
K_ESCORT_PICK = KEYS["escort pick"]
K_ROUTE = KEYS["route"]
K_THRESHOLD = KEYS["threshold"]
K_MEET = KEYS["meet"]
K_INSIDER = KEYS["insider"]
K_INSIDER_HARM = KEYS["insider harm"]
#: the mode of an attack (its target's keyed draw, by attack)
K_MODE = KEYS["mode"]
#: the actor a new cell belongs to (the cell's own draws)
K_ACTOR = KEYS["actor"]
#: whether a movement departs at night, and its hour (the trip's draws)
K_NIGHT = KEYS["night"]
K_NIGHT_HOUR = KEYS["night hour"]
K_CELL = KEYS["cell"]
K_PLACE = KEYS["place"]
K_PREPARE = KEYS["prepare"]
K_INTERDICT = KEYS["interdict"]
K_RAID = KEYS["raid"]
K_JOINT_RAID = KEYS["joint raid"]
K_CHOOSE = KEYS["choose"]
K_STRIKE = KEYS["strike"]
K_LEAK_CELL = KEYS["leak cell"]
K_LEAK_ACT = KEYS["leak act"]
K_LEAK_ROUTE = KEYS["leak route"]
K_LEAK_SITE = KEYS["leak site"]
K_RECRUIT = KEYS["recruit"]
K_TIPS = KEYS["tips"]
K_COMBAT = KEYS["combat"]
