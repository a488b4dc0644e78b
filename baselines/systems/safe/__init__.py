"""Reading saved state that came from elsewhere: nothing outside the folder, nothing runs.

A model folder travels (shared disks, downloads), so every reader treats it as
untrusted input. paths.py lists a folder with ``lstat`` only and opens its
files without following links; schema.py validates JSON state and arrays
against what ``train`` writes; crfsuite_file.py checks a crfsuite model file's
structure before the C library reads it; spacy_config.py checks a spaCy
``config.cfg`` before ``spacy.load``; hf_folder.py checks a transformers folder
before ``from_pretrained``. Each refusal is a :class:`~.paths.FolderError`:
one line naming the folder, the file, what is wrong and the fix.
"""
