"""The Hugging Face dataset that ``nkworkers build`` writes from the corpus.

views.py (rows of each config, pure), features.py (their typed Features from
the label Enums), encode.py (rows to Arrow), build.py (data/ and the card),
card.py (the README's generated YAML), croissant.py (croissant.json),
stats.py (counts per layer, label and split).
"""
