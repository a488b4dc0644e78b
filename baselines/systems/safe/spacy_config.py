"""A spaCy pipeline folder, checked before ``spacy.load``: only what the project's systems use.

``spacy.load`` builds a pipeline from the folder's ``config.cfg``: it calls
each registered function the config names (``@architectures``,
``@callbacks``, ``@misc``...), runs the ``before_creation`` /
``after_creation`` / ``after_pipeline_creation`` callbacks, and loads a
component's weights from another pipeline when it says ``source = PATH``,
even one outside the folder. :func:`check` refuses, in one line and before
spaCy reads anything:

- a config.cfg that does not parse (confection, no interpolation);
- a registered function outside :data:`ALLOWED`: exactly the functions named
  by the config of en_core_web_sm 3.8.0, the pipeline entities-spacy-sm,
  entities-spacy-ft and the attribution parse features load
  (tests/test_model_folder_attacks.py checks the list against it);
- any callback (the hooks above, ``[initialize]``'s ``before_init`` and
  ``after_init``, ``[training]``'s ``before_to_disk`` and ``before_update``);
- a component that is sourced (``source``) or built by a factory outside
  :data:`FACTORIES`;
- a ``lang`` that spaCy has no language for (``zz``);
- a size in a component's settings (config.cfg's ``[components]`` and each
  component's ``cfg`` file) above :data:`SIZES`: spaCy builds what the config
  says before it reads the weights, so ``depth = 10000000`` filled the memory
  for minutes and a ``beam_width`` of 100,000 took 2 GB and minutes an article.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from nkworkers.baselines.systems.safe import paths
from nkworkers.baselines.systems.safe.paths import FolderError, MissingFile
from nkworkers.loaders.files import jsonio

#: registry -> the function names en_core_web_sm 3.8.0's config.cfg uses.
ALLOWED: dict[str, frozenset[str]] = {
    "architectures": frozenset(
        {
            "spacy.MaxoutWindowEncoder.v2",
            "spacy.MultiHashEmbed.v2",
            "spacy.Tagger.v2",
            "spacy.Tok2Vec.v2",
            "spacy.Tok2VecListener.v1",
            "spacy.TransitionBasedParser.v2",
        }
    ),
    "batchers": frozenset({"spacy.batch_by_words.v1"}),
    "loggers": frozenset({"spacy.ConsoleLogger.v1"}),
    "misc": frozenset({"spacy.LookupsDataLoader.v1"}),
    "optimizers": frozenset({"Adam.v1"}),
    "readers": frozenset({"spacy.Corpus.v1", "spacy.read_labels.v1"}),
    "schedules": frozenset({"compounding.v1"}),
    "scorers": frozenset(
        {
            "spacy.attribute_ruler_scorer.v1",
            "spacy.lemmatizer_scorer.v1",
            "spacy.ner_scorer.v1",
            "spacy.parser_scorer.v1",
            "spacy.senter_scorer.v1",
            "spacy.tagger_scorer.v1",
        }
    ),
    "tokenizers": frozenset({"spacy.Tokenizer.v1"}),
    "vectors": frozenset({"spacy.Vectors.v1"}),
}
#: The component factories of en_core_web_sm 3.8.0.
FACTORIES = frozenset(
    {"attribute_ruler", "lemmatizer", "ner", "parser", "senter", "tagger", "tok2vec"}
)
#: section -> keys that hold callbacks (functions spaCy calls with the pipeline).
CALLBACKS = {
    "nlp": ("before_creation", "after_creation", "after_pipeline_creation"),
    "initialize": ("before_init", "after_init"),
    "training": ("before_to_disk", "before_update"),
}
MAX_CONFIG = 1024 * 1024
#: Upper bounds of a component's sizes, far above en_core_web_sm/md/lg's (width 96, depth 4,
#: hidden_width 64, maxout_pieces 2-3, window_size 1, rows up to 5,000, beam_width 1);
#: any other number there is at most MAX_NUMBER (update_with_oracle_cut_size is 100).
SIZES = {
    "width": 2048,
    "depth": 32,
    "hidden_width": 2048,
    "maxout_pieces": 8,
    "window_size": 8,
    "rows": 1_000_000,
    "nO": 100_000,
    "beam_width": 64,
}
MAX_NUMBER = 1_000_000


def references(config: Mapping[str, Any], where: str = "") -> Iterator[tuple[str, str, str]]:
    """(section path, registry, function name) of every ``@registry = "name"`` in a config."""
    for key, value in config.items():
        if isinstance(key, str) and key.startswith("@"):
            yield where, key[1:], str(value)
        elif isinstance(value, Mapping):
            yield from references(value, f"{where}.{key}" if where else str(key))


def read(folder: Path, fix: str) -> dict[str, Any]:
    """config.cfg of a pipeline folder, parsed without interpolation (FolderError if it cannot)."""
    from confection import Config

    path = folder / "config.cfg"
    try:
        text = paths.read_bytes(path, MAX_CONFIG).decode("utf-8")
        return dict(Config().from_str(text, interpolate=False))
    except FileNotFoundError:
        raise MissingFile(f"{path}: missing; a spaCy pipeline folder has a config.cfg") from None
    except UnicodeDecodeError:
        raise FolderError(f"{path}: not UTF-8; {fix}") from None
    except Exception as exc:  # confection and configparser raise many kinds on bad syntax
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise FolderError(f"{path}: not a spaCy config ({first}); {fix}") from None


def check(folder: Path, fix: str, *, pipeline: Collection[str] | None = None) -> dict[str, Any]:
    """The folder's config, once it names nothing outside what our systems use.

    ``pipeline``: the exact component names a folder of ours holds (None:
    any of :data:`FACTORIES`). Raises FolderError.
    """
    config = read(folder, fix)
    path = folder / "config.cfg"
    for where, registry, name in references(config):
        if name not in ALLOWED.get(registry, frozenset()):
            raise FolderError(
                f"{path}: [{where}] names @{registry} {name!r}, a function the project's "
                f"pipelines never use (it could run code); {fix}"
            )
    for section, keys in CALLBACKS.items():
        block = config.get(section) or {}
        for key in keys:
            if block.get(key) is not None:
                raise FolderError(
                    f"{path}: [{section}] {key} is a callback; it must be null; {fix}"
                )
    nlp = config.get("nlp")
    if not isinstance(nlp, Mapping):
        raise FolderError(f"{path}: no [nlp] section; {fix}")
    _check_lang(path, nlp.get("lang"), fix)
    _check_components(path, config, nlp, pipeline, fix)
    _check_sizes(path, _interpolated(path, config, fix).get("components") or {},
                 "components", fix)  # fmt: skip
    return config


def _interpolated(path: Path, config: Mapping[str, Any], fix: str) -> dict[str, Any]:
    """The config with every ``${section:key}`` replaced by its value: substitution only,
    no registered function is called (that is ``resolve``, never run here)."""
    from confection import Config

    try:
        return dict(Config(dict(config)).interpolate())
    except Exception as exc:  # confection raises many kinds on a bad reference
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise FolderError(
            f"{path}: a ${{...}} reference does not resolve ({first}); {fix}"
        ) from None


def leaves(value: Any, where: str) -> Iterator[tuple[str, str, Any]]:
    """(section path, key, value) of every value under value that is no section
    (lists' items one by one)."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            here = f"{where}.{key}" if where else str(key)
            for item in inner if isinstance(inner, list) else [inner]:
                if isinstance(item, (Mapping, list)):
                    yield from leaves(item, here)
                else:
                    yield where, str(key), item


def _check_sizes(path: Path, settings: Any, where: str, fix: str) -> None:
    """Every size of :data:`SIZES` a whole number within its bound (nO may be null), and
    every other number of a component's settings within MAX_NUMBER."""
    for section, key, number in leaves(settings, where):
        limit = SIZES.get(key, MAX_NUMBER)
        whole = isinstance(number, int) and not isinstance(number, bool)
        if key in SIZES and not whole and not (key == "nO" and number is None):
            raise FolderError(
                f"{path}: [{section}] {key} = {jsonio.clip(number)} is not a whole number; {fix}"
            )
        if not isinstance(number, (int, float)) or isinstance(number, bool):
            continue
        if not -limit <= number <= limit:
            raise FolderError(
                f"{path}: [{section}] {key} = {jsonio.clip(number)}, beyond {limit:,}, more than "
                f"any pipeline holds (spaCy would build it before reading a weight); {fix}"
            )


def check_component_settings(folder: Path, names: Collection[str], fix: str) -> None:
    """Each component's ``cfg`` file (JSON, when there) within :data:`SIZES`."""
    for name in names:
        path = folder / name / "cfg"
        try:
            settings = paths.read_json(path, fix)
        except MissingFile:
            continue  # components without settings of their own (tok2vec, attribute_ruler)
        _check_sizes(path, settings, name, fix)


def _check_lang(path: Path, lang: Any, fix: str) -> None:
    if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}|xx", lang):
        raise FolderError(f"{path}: lang {lang!r} is not a language code; {fix}")
    if importlib.util.find_spec(f"spacy.lang.{lang}") is None:
        raise FolderError(f"{path}: lang {lang!r} is not a language spaCy has; {fix}")


def _check_components(
    path: Path,
    config: Mapping[str, Any],
    nlp: Mapping[str, Any],
    pipeline: Collection[str] | None,
    fix: str,
) -> None:
    names = nlp.get("pipeline")
    components = config.get("components") or {}
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise FolderError(f"{path}: [nlp] pipeline is not a list of names; {fix}")
    if pipeline is not None and sorted(names) != sorted(pipeline):
        raise FolderError(f"{path}: pipeline {names}, not {sorted(pipeline)}; {fix}")
    for name, block in components.items():
        if not isinstance(block, Mapping):
            raise FolderError(f"{path}: [components.{name}] is not a section; {fix}")
        if "source" in block:
            raise FolderError(
                f"{path}: [components.{name}] is sourced from another pipeline "
                f"(source = {block['source']!r}); a folder holds its own weights; {fix}"
            )
        if block.get("factory") not in FACTORIES:
            raise FolderError(
                f"{path}: [components.{name}] factory {block.get('factory')!r} is not one of "
                f"{', '.join(sorted(FACTORIES))}; {fix}"
            )
    missing = sorted(set(names) - set(components))
    if missing:
        raise FolderError(f"{path}: pipeline names {missing[0]!r}, which has no section; {fix}")


#: The regular expressions a spaCy tokenizer file holds (compiled and run on every text).
TOKENIZER_PATTERNS = (
    "prefix_search",
    "suffix_search",
    "infix_finditer",
    "token_match",
    "url_match",
)


def check_tokenizer(folder: Path, lang: str, fix: str) -> None:
    """The tokenizer file's regular expressions are the ones spaCy itself builds for ``lang``.

    A tokenizer file holds regular expressions that spaCy compiles and runs
    on every text: one with catastrophic backtracking stops a run for good.
    en_core_web_sm's are exactly ``spacy.blank("en")``'s; a folder's must be
    its language's defaults too (the exceptions, literal strings, may differ).
    """
    import spacy
    import srsly

    path = folder / "tokenizer"
    if not path.exists():
        return  # spaCy then builds the language's default tokenizer
    try:
        found = srsly.msgpack_loads(paths.read_bytes(path))
    except FolderError:
        raise
    except Exception as exc:  # msgpack raises several kinds on a damaged file
        raise FolderError(
            f"{path}: not a spaCy tokenizer file ({type(exc).__name__}); {fix}"
        ) from None
    tokenizer: Any = spacy.blank(lang).tokenizer
    default = srsly.msgpack_loads(tokenizer.to_bytes())
    for key in TOKENIZER_PATTERNS:
        if not isinstance(found, dict) or found.get(key) != default.get(key):
            raise FolderError(
                f"{path}: its {key} pattern is not spaCy's own for {lang!r} (a regular "
                f"expression from a folder could run for ever); {fix}"
            )


def check_folder(folder: Path, fix: str, *, pipeline: Collection[str] | None = None) -> None:
    """A spaCy pipeline folder from elsewhere: plain files only, no pickle, a config we accept,
    the tokenizer's regular expressions spaCy's own."""
    listing = paths.walk(folder, fix)
    pickles = paths.pickle_like(listing)
    if pickles:
        raise FolderError(f"{folder}: {pickles[0]} is a pickle; spaCy folders hold none; {fix}")
    config = check(folder, fix, pipeline=pipeline)
    check_component_settings(folder, config["nlp"]["pipeline"], fix)
    check_tokenizer(folder, config["nlp"]["lang"], fix)


def package_folder(name: str, fix: str) -> Path:
    """The data folder of an installed spaCy pipeline package, found without importing it.

    ``spacy.load(NAME)`` imports the package and runs its ``__init__.py``;
    the folder it would load is ``<package>/<lang>_<name>-<version>``
    (spacy.util.load_model_from_init_py), read here from its meta.json.
    """
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,99}", name):
        raise FolderError(f"{name}: not a folder, nor a spaCy package name; {fix}")
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FolderError(f"{name}: not an installed spaCy pipeline package, nor a folder; {fix}")
    root = Path(next(iter(spec.submodule_search_locations)))
    meta = paths.read_json(root / "meta.json", f"not a spaCy pipeline package; {fix}")
    parts = [meta.get(k) if isinstance(meta, dict) else None for k in ("lang", "name", "version")]
    data = f"{parts[0]}_{parts[1]}-{parts[2]}"
    paths.check_name(root, data, "meta.json", fix)
    return root / data
