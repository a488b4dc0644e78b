"""Control-measure systems, one module each, and what only they share (common.py).

Sentence categories and clause spans; category descriptions for the
few-shot systems (descriptions.py, guidelines.py). Their ``SYSTEMS`` are in
registry.py.
"""
