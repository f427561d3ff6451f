"""Studies: the demo and the recorded studies, each a command writing its document.

``demo`` (``make demo``), ``displacement``, ``insider``, ``equivalence`` (the engine against
v0.1.0), ``levers`` and ``decompose`` (a policy's effect split among its levers), ``common``
(what the studies share).
"""
