"""Every baseline system by name: ``SYSTEMS[name]()`` builds an unfitted System.

Each task module owns a ``SYSTEMS`` dict of its own; this registry only
gathers them, one line per module.
"""

from __future__ import annotations

from collections.abc import Callable

from baselines.systems import attribution, control, entities
from baselines.systems.base import System

SYSTEMS: dict[str, Callable[[], System]] = {}
SYSTEMS.update(entities.SYSTEMS)
SYSTEMS.update(control.SYSTEMS)
SYSTEMS.update(attribution.SYSTEMS)
