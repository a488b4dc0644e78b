"""The benchmark: train, predict and score every system, and the leaderboard it writes.

runner.py runs it, report.py renders the leaderboard, predict.py writes one
system's (or an outside model's) predictions, cli.py mounts the commands.
"""
