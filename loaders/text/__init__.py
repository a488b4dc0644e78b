"""Text as the corpus cuts it: sentences, tokens and IOB2 tags with character offsets.

segment.py (spaCy's rule-based tokenizer and sentencizer, line by line),
iob.py (IOB2 tags from half-open character spans, and back), locate.py
(annotation offsets located by their text, never typed by hand), spans.py
(matching predicted spans to gold ones: exact, and one-to-one by overlap; the
rules of ``evaluate``, which the viewer's found/missed marks share).
"""
