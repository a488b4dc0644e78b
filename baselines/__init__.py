"""Baselines and their evaluation: every system is scored from one predictions file format."""
