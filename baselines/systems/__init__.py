"""Baseline systems: each trains on train, selects on validation, predicts documents."""
