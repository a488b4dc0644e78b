"""Attribution systems, one module each, and what only they share.

Tagged SOURCE/CUE/CONTENT spans linked into records (system.py, linking.py),
or records read off the dependency parse (parse.py, triples.py, deps.py).
Their ``SYSTEMS`` are in registry.py.
"""
