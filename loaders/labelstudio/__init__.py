"""The Label Studio bridge: a generated labeling config, two pure converters
(document <-> task with its annotation) and a thin client edge.

Only ``client`` imports the Label Studio SDK (an optional extra,
``pip install .[labelstudio]``); everything else is pure and testable offline.
"""
