"""Performance measurements, side by side with the reference tools (python -m benchmarks)."""
