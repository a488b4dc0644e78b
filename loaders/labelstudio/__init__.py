"""The Label Studio bridge: a generated labeling config, two pure converters
(document <-> task with its annotation) and a thin client edge.

A pull is planned purely (``plan``: the gold; ``annotators``: each
annotator's folder; ``latest`` picks annotations by parsed time) and written
in one swap of annotations/ (``swap``). Only ``client`` imports the Label
Studio SDK (an optional extra, ``pip install .[labelstudio]``); everything
else is pure and testable offline.
"""
