"""What every layer's systems share.

Features, sentence sequences and token taggers, the token-tagging system
shell, safe storage of fitted state, bounded memos, the MiniLM token tagger
and the gazetteer.
"""
