"""Entity systems: spaCy's pipeline as shipped and fine-tuned, outside models, token taggers.

Their ``SYSTEMS`` are in registry.py.
"""
