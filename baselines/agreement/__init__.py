"""Annotation quality: agreement between two annotation folders, and adjudication.

``nkworkers agreement`` (figures.py, report.py) and ``nkworkers adjudicate``
(adjudicate.py), mounted by cli.py.
"""
