"""Keys made from data: what the cache and the build's state keep results under.

`key_of` hashes strings and bytes. `digest` hashes any value the stages make (frozen
dataclasses, tuples, sets, numbers, arrays) by its content, field by field: a new field of a
dataclass is part of its digest with no list of fields to keep up to date.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
from functools import cache, lru_cache
from typing import Any

import numpy as np


def key_of(*parts: object) -> str:
    """A key from strings and bytes (anything else by its repr)."""
    digest_ = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8") if isinstance(part, str) else repr(part).encode("utf-8")
        digest_.update(len(data).to_bytes(8, "little") + data)
    return digest_.hexdigest()


@lru_cache(maxsize=1 << 18)
def text_key(*texts: str) -> str:
    """`key_of` for strings, remembered: a build keys each abstract in more than one stage,
    and live preview keys the same abstracts on every edit; Python keeps a string's hash,
    so looking the key up costs far less than hashing the text again."""
    return key_of(*texts)


def digest(*values: object) -> str:
    """A key of the values' content: equal values give equal keys in every process."""
    try:
        data = marshal.dumps(plain(values), 2)
    except ValueError:  # a subclass of a plain type, or a type marshal does not take
        data = repr(plain(values)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


_PLAIN = (str, int, float, bool, bytes, type(None))


def plain(value: Any) -> Any:
    """A value as nested tuples of strings, numbers and bytes, for `digest`: a dataclass by
    its type's name and every field in order; a set or a mapping sorted (set order depends
    on the process' string hashing); an array by its type and bytes."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple or kind is list:
        return tuple(map(plain, value))
    names = _field_names(kind)
    if names is not None:
        fields = value.__dict__
        return (kind.__qualname__, *(plain(fields[name]) for name in names))
    if kind is frozenset or kind is set:
        return ("set", *sorted(map(plain, value), key=repr))
    if kind is dict:
        return ("dict", *sorted(((plain(k), plain(v)) for k, v in value.items()), key=repr))
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot digest a {kind.__qualname__}: {value!r:.80}")


@cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(field.name for field in dataclasses.fields(kind))
