"""nkworkers corpus core: typed model, reader, validator, derived views and build."""
