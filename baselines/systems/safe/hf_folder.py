"""A transformers folder (``save_pretrained``), checked before ``from_pretrained``, loaded inertly.

Every load in the project goes through :func:`tokenizer` and :func:`model`,
which pass ``trust_remote_code=False`` and ``local_files_only=True`` (and
``use_safetensors=True`` for weights): nothing is downloaded, nothing asks
"Do you wish to run the custom code? [y/N]" (transformers does when a config
has ``auto_map`` and the flag is left unset), no folder code runs, and
``torch.load`` is never reached. :func:`check` refuses, in one line, before
transformers reads the folder:

- any link, FIFO or device, any name that is not plain (safe.paths.walk);
- any pickle (``pytorch_model.bin``, ``*.pt``), wherever it lies;
- a config or tokenizer config naming code (``auto_map``), a model type
  transformers does not know (or, for our own folders, another than the one
  ``train`` writes);
- weights other than safetensors, or a classification head whose rows are not
  the config's label count (transformers' RuntimeError otherwise);
- a folder without any tokenizer vocabulary (a tokenizer then yields nothing
  and every row comes out empty).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nkworkers.baselines.systems.safe import paths
from nkworkers.baselines.systems.safe.paths import FolderError, Listing, MissingFile
from nkworkers.loaders.files import jsonio

WEIGHTS = "model.safetensors"
WEIGHTS_INDEX = "model.safetensors.index.json"
#: Files any transformers tokenizer takes its vocabulary from.
VOCABULARY = (
    "tokenizer.json",
    "vocab.txt",
    "vocab.json",
    "spiece.model",
    "sentencepiece.bpe.model",
    "tokenizer.model",
)
#: JSON files whose keys can make transformers import code from the folder.
CONFIGS = ("config.json", "tokenizer_config.json", "preprocessor_config.json")
CODE_KEYS = ("auto_map", "custom_pipelines")
#: Heads whose first dimension is the label count (token and sequence classifiers).
HEADS = ("classifier.weight", "classifier.bias", "score.weight", "score.bias")
FLAGS: dict[str, Any] = {"local_files_only": True, "trust_remote_code": False}
#: What transformers raises on a folder it cannot use: Exception, as for any reader of
#: untrusted files whose error kinds are open-ended (ImportError for a config asking for
#: bitsandbytes or FlashAttention; huggingface_hub's StrictDataclassError, an Exception only,
#: for ``num_hidden_layers: 100000.0``).
LOAD_ERRORS = (Exception,)


def _first(exc: BaseException) -> str:
    """The first line of an exception's message, cut to 200 characters."""
    return ((str(exc).strip().splitlines() or [type(exc).__name__])[0])[:200]


def read_json(folder: Path, name: str, fix: str) -> dict[str, Any]:
    path = folder / name
    value = paths.read_json(path, fix)
    if not isinstance(value, dict):
        raise FolderError(f"{path}: not a JSON object; {fix}")
    return value


def check(
    folder: Path,
    fix: str,
    *,
    model_types: Collection[str] | None = None,
    listing: Listing | None = None,
) -> dict[str, Any]:
    """The folder's config.json once the folder passed every check above; FolderError if not."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    listing = listing or paths.walk(folder, fix)
    pickles = paths.pickle_like(listing)
    if pickles:
        raise FolderError(
            f"{folder}: {pickles[0]} is a pickle (torch.save); weights are read from safetensors "
            f"only and never unpickled: save the model with safe_serialization=True"
        )
    if not listing.has("config.json"):
        raise MissingFile(f"{folder / 'config.json'}: missing; {fix}")
    for name in CONFIGS:
        if listing.has(name):
            found = [k for k in CODE_KEYS if k in read_json(folder, name, fix)]
            if found:
                raise FolderError(
                    f"{folder / name}: names code to run ({found[0]}); nkworkers never runs code "
                    f"from a model folder: use a model that transformers itself implements"
                )
    config = read_json(folder, "config.json", fix)
    kind = config.get("model_type")
    if not isinstance(kind, str) or kind not in CONFIG_MAPPING_NAMES:
        raise FolderError(
            f"{folder / 'config.json'}: model_type {jsonio.clip(kind)} is not one transformers "
            f"knows; {fix}"
        )
    if model_types is not None and kind not in model_types:
        raise FolderError(
            f"{folder / 'config.json'}: model_type {kind!r}, not {sorted(model_types)}; {fix}"
        )
    _check_labels(folder, config, fix)
    _check_depth(folder, config, _check_weights(folder, listing, config, fix), fix)
    if listing.has("tokenizer.json"):
        _check_regexes(folder / "tokenizer.json", fix)
    if not any(listing.has(name) for name in VOCABULARY):
        raise FolderError(
            f"{folder}: no tokenizer vocabulary (none of {', '.join(VOCABULARY)}); "
            "save the tokenizer beside the model (tokenizer.save_pretrained)"
        )
    return config


#: Regular expressions a tokenizer.json may hold (normalisers and pre-tokenizers run them on
#: every text): the whitespace squeeze of XLM-R and DeBERTa-v3; BERT's and RoBERTa's hold none.
TOKENIZER_REGEXES = frozenset({" {2,}"})
MAX_TOKENIZER = 64 * 1024 * 1024


def _regexes(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Regex":
                yield str(inner)
            else:
                yield from _regexes(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _regexes(inner)


def _check_regexes(path: Path, fix: str) -> None:
    """No regular expression in tokenizer.json beyond :data:`TOKENIZER_REGEXES`."""
    try:
        value = jsonio.loads(jsonio.decode(paths.read_bytes(path, MAX_TOKENIZER)))
    except jsonio.JsonError as exc:
        raise FolderError(f"{path}: {exc.message}; {fix}") from None
    for pattern in _regexes(value):
        if pattern not in TOKENIZER_REGEXES:
            raise FolderError(
                f"{path}: holds the regular expression {jsonio.clip(pattern, 60)}, which the "
                f"tokenizer would run on every text (it could run for ever); {fix}"
            )


def _check_labels(folder: Path, config: dict[str, Any], fix: str) -> None:
    """id2label, when there, names ids 0..n-1 (a gap fails inside the pipeline, per article)."""
    labels = config.get("id2label")
    if labels is None:
        return
    if not isinstance(labels, dict) or sorted(labels) != sorted(map(str, range(len(labels)))):
        raise FolderError(f"{folder / 'config.json'}: id2label does not name ids 0 to n-1; {fix}")
    if not all(isinstance(v, str) for v in labels.values()):
        raise FolderError(
            f"{folder / 'config.json'}: id2label names a label that is no string; {fix}"
        )


def _weight_files(folder: Path, listing: Listing, fix: str) -> list[str]:
    if listing.has(WEIGHTS):
        return [WEIGHTS]
    if not listing.has(WEIGHTS_INDEX):
        raise FolderError(f"{folder}: no {WEIGHTS}; weights are read from safetensors only; {fix}")
    index = read_json(folder, WEIGHTS_INDEX, fix).get("weight_map")
    if not isinstance(index, dict) or not index:
        raise FolderError(f"{folder / WEIGHTS_INDEX}: no weight_map; {fix}")
    shards = sorted(set(index.values()))
    for shard in shards:
        paths.check_name(folder, shard, WEIGHTS_INDEX, fix)
        if not shard.endswith(".safetensors") or not listing.has(shard):
            raise FolderError(
                f"{folder / WEIGHTS_INDEX}: names {shard!r}, not a safetensors file here; {fix}"
            )
    return shards


def _shapes(folder: Path, names: list[str], fix: str) -> dict[str, tuple[int, ...]]:
    """name -> shape of every tensor in the weight files, from their headers only."""
    from safetensors import SafetensorError, safe_open

    shapes: dict[str, tuple[int, ...]] = {}
    for name in names:
        try:
            with safe_open(str(folder / name), framework="np") as handle:
                for key in handle.keys():  # noqa: SIM118 (a safe_open handle, not a dict)
                    shapes[key] = tuple(handle.get_slice(key).get_shape())
        except (SafetensorError, OSError, ValueError) as exc:
            raise FolderError(f"{folder / name}: not a safetensors file ({exc}); {fix}") from None
    return shapes


def _check_weights(
    folder: Path, listing: Listing, config: dict[str, Any], fix: str
) -> dict[str, tuple[int, ...]]:
    """Every weight file is safetensors whose header reads; a head has one row per label.
    Returns name -> shape of every tensor."""
    labels = config.get("id2label")
    count = len(labels) if isinstance(labels, dict) and labels else config.get("num_labels")
    names = _weight_files(folder, listing, fix)
    shapes = _shapes(folder, names, fix)
    for key, shape in sorted(shapes.items()):
        if key.endswith(HEADS) and isinstance(count, int) and shape and shape[0] != count:
            raise FolderError(
                f"{folder / names[0]}: {key} has {shape[0]} rows but config.json names {count} "
                f"labels; the head and the labels must match: {fix}"
            )
    return shapes


def _check_fit(cls: Any, folder: Path, fix: str) -> None:
    """The model the config describes, built on the meta device (no memory), against the weights.

    transformers allocates the config's model before it compares shapes: a
    config.json claiming hidden_size 65536 over 32-wide weights filled the
    memory until the kernel killed the process. Here a shape that differs,
    or a model more than twice the size of its weights, is one line first.
    """
    import math

    import torch
    from transformers import AutoConfig

    listing = paths.walk(folder, fix)
    shapes = _shapes(folder, _weight_files(folder, listing, fix), fix)
    _check_depth(folder, read_json(folder, "config.json", fix), shapes, fix)
    with quiet():
        try:
            config = AutoConfig.from_pretrained(str(folder), **FLAGS)
            with torch.device("meta"):
                skeleton = cls.from_config(config, trust_remote_code=False)
        except LOAD_ERRORS as exc:
            raise FolderError(
                f"{folder}: transformers cannot build it ({_first(exc)}); {fix}"
            ) from None
    prefix = f"{skeleton.base_model_prefix}."
    wanted = {k.removeprefix(prefix): tuple(v.shape) for k, v in skeleton.state_dict().items()}
    found = {k.removeprefix(prefix): v for k, v in shapes.items()}
    for key in sorted(wanted.keys() & found.keys()):
        if wanted[key] != found[key]:
            raise FolderError(
                f"{folder}: config.json describes {key} as {list(wanted[key])}, the weights hold "
                f"{list(found[key])}; {fix}"
            )
    size, held = (sum(math.prod(s) for s in d.values()) for d in (wanted, found))
    if size > 2 * held + 1_000_000:
        raise FolderError(
            f"{folder}: config.json describes a model of {size:,} numbers, the weights hold "
            f"{held:,}; {fix}"
        )


#: config.json keys that count a model's layers (BERT and most encoders; GPT-2; T5; BART).
DEPTH_KEYS = ("num_hidden_layers", "n_layer", "num_layers", "encoder_layers", "decoder_layers")
#: A layer's index in a weight name: ``encoder.layer.5.``, ``h.11.``, ``block.3.``.
LAYER_INDEX = re.compile(r"(?:^|\.)(?:layer|layers|h|block)\.(\d+)\.")
#: Layers allowed when no weight name shows an index (no model of any hub has more).
MAX_DEPTH = 256


def _check_depth(
    folder: Path, config: dict[str, Any], shapes: dict[str, tuple[int, ...]], fix: str
) -> None:
    """No layer count in config.json above the layers its weights hold.

    Even on the meta device transformers builds one module per layer the
    config names: ``num_hidden_layers: 100000`` over six layers of weights
    grew the process for minutes before any shape could be compared.
    """
    # distinct indices, not the largest: one forged tensor named layer.99999 adds one
    held = len({int(m.group(1)) for key in shapes for m in LAYER_INDEX.finditer(key)})
    for key in DEPTH_KEYS:
        count = config.get(key)
        if key in config and (not isinstance(count, int) or isinstance(count, bool)):
            raise FolderError(
                f"{folder / 'config.json'}: {key} {jsonio.clip(count)} is not a whole number; {fix}"
            )
        if isinstance(count, int) and count > (held or MAX_DEPTH):
            raise FolderError(
                f"{folder / 'config.json'}: {key} {count:,}, but the weights hold "
                f"{held or 'no numbered'} layers; {fix}"
            )


@contextmanager
def quiet() -> Iterator[None]:
    """No load report or progress bar from transformers while a folder loads."""
    from transformers.utils import logging

    level = logging.get_verbosity()
    bars = logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(level)
        if bars:
            logging.enable_progress_bar()


def tokenizer(folder: Path | str, fix: str = "") -> Any:
    """AutoTokenizer of a local folder: no hub, no remote code; FolderError if it cannot load."""
    from transformers import AutoTokenizer

    with quiet():
        try:
            return AutoTokenizer.from_pretrained(str(folder), **FLAGS)
        except LOAD_ERRORS as exc:
            raise FolderError(
                f"{folder}: its tokenizer cannot be loaded ({_first(exc)}); {fix}"
            ) from None


def model(cls: Any, folder: Path | str, fix: str, **kwargs: Any) -> Any:
    """``cls.from_pretrained`` of a local folder: safetensors only, no hub, no remote code.

    Refuses a checkpoint that lacks weights the model needs (transformers
    would initialise them at random) or whose shapes do not fit the config.
    """
    _check_fit(cls, Path(folder), fix)
    with quiet():
        try:
            loaded, info = cls.from_pretrained(
                str(folder), use_safetensors=True, output_loading_info=True, **FLAGS, **kwargs
            )
        except LOAD_ERRORS as exc:
            raise FolderError(
                f"{folder}: transformers cannot load it ({_first(exc)}); {fix}"
            ) from None
    missing = sorted(info.get("missing_keys") or [])
    if missing or info.get("mismatched_keys"):
        what = missing[0] if missing else sorted(info["mismatched_keys"])[0]
        raise FolderError(
            f"{folder}: the weights lack or misfit {what!r} ({len(missing)} missing); the model "
            f"would run with random weights there; {fix}"
        )
    return loaded


#: The modules a sentence-transformers folder of ours lists (two spellings: ST 2-5 and 6).
ST_MODULES = frozenset(
    {
        "sentence_transformers.models.Transformer",
        "sentence_transformers.models.Pooling",
        "sentence_transformers.models.Normalize",
        "sentence_transformers.base.modules.transformer.Transformer",
        "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
        "sentence_transformers.base.modules.normalize.Normalize",
    }
)


def check_sentence_transformer(folder: Path, fix: str) -> int:
    """A sentence-transformers folder (:func:`check`, plus modules.json); its embedding width.

    modules.json names the class of each module, which sentence-transformers
    imports by that dotted name: only the encoder, pooling and normalisation
    modules are allowed, each in a plain sub-folder.
    """
    listing = paths.walk(folder, fix)
    config = check(folder, fix, model_types={"bert"}, listing=listing)
    path = folder / "modules.json"
    modules = paths.read_json(path, fix)
    if not isinstance(modules, list) or not modules:
        raise FolderError(f"{path}: not a list of modules; {fix}")
    for module in modules:
        kind = module.get("type") if isinstance(module, dict) else None
        if kind not in ST_MODULES:
            raise FolderError(f"{path}: module type {jsonio.clip(kind)} is not one we save; {fix}")
        where = module.get("path")
        if where != "" and (not paths.plain_name(where) or where not in listing.folders):
            raise FolderError(
                f"{path}: module path {jsonio.clip(where)} is not a sub-folder here; {fix}"
            )
    width = config.get("hidden_size")
    if not isinstance(width, int) or not 1 <= width <= 4096:
        raise FolderError(f"{folder / 'config.json'}: hidden_size {jsonio.clip(width)}; {fix}")
    return width
