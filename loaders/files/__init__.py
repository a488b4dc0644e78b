"""Files read strictly and written safely.

jsonio.py (every JSON and JSONL reader), atomic.py (stage, then rename: all
files or none), swap.py (a built tree put in place by one exchange).
"""
