"""nkworkers: the corpus of North Korean workers in Russia, its views, baselines and scoring.

The one import name this distribution installs. The code lives in the
repository's top-level folders, which this package links to:

- ``nkworkers.loaders`` (loaders/): the data model, validation, build, Label
  Studio bridge, exports and viewer;
- ``nkworkers.baselines`` (baselines/): systems, evaluation, the benchmark
  runner and tagging an archive;
- ``nkworkers.benchmarks`` (benchmarks/): performance measurements
  (``python -m benchmarks`` from a checkout).
"""
