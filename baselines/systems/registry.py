"""Every baseline system by name: ``SYSTEMS[name]()`` builds an unfitted System.

Each layer's folder owns a ``registry.py`` with a ``SYSTEMS`` dict of its own
(systems/entities, systems/attribution, systems/control); this registry only
gathers them, one line per layer.
"""

from __future__ import annotations

from collections.abc import Callable

from nkworkers.baselines.systems.attribution.registry import SYSTEMS as ATTRIBUTION
from nkworkers.baselines.systems.base import System
from nkworkers.baselines.systems.control.registry import SYSTEMS as CONTROL
from nkworkers.baselines.systems.entities.registry import SYSTEMS as ENTITIES

SYSTEMS: dict[str, Callable[[], System]] = {}
SYSTEMS.update(ENTITIES)
SYSTEMS.update(CONTROL)
SYSTEMS.update(ATTRIBUTION)
