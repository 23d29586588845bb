"""Which chunks a question may read: the chunks of some collections, as a mask over one snapshot
of the lexical index (bm25.py) and the ids the vector index may return (dense.py)."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Membership:
    """Each chunk's collection, as a code into `names`: how a base keeps them (1M chunks, 4 MB)."""

    names: tuple[str, ...]
    codes: np.ndarray

    @classmethod
    def of(cls, collections: Sequence[str]) -> "Membership":
        names = tuple(sorted(set(collections)))
        code = {name: i for i, name in enumerate(names)}
        return cls(names, np.fromiter((code[c] for c in collections), dtype=np.int32, count=len(collections)))

    def inside(self, wanted: frozenset[str]) -> np.ndarray:
        return np.isin(self.codes, [i for i, name in enumerate(self.names) if name in wanted])


@dataclass(frozen=True)
class Scope:
    """The chunks of `collections` in one snapshot of the index."""

    collections: frozenset[str]
    mask: np.ndarray  # aligned with the snapshot's chunk ids; removed chunks are outside
    ids: np.ndarray  # the chunk ids inside, ascending
    last_id: int  # the snapshot's highest chunk id: a newer chunk is not known here
    everything: bool  # every chunk of the snapshot is inside: search as if unscoped
    cache: dict = field(default_factory=dict, compare=False)  # what a search builds from it once

    @classmethod
    def of(cls, ids: np.ndarray, base: Membership, recent: Sequence[str], dead: np.ndarray,
           wanted: frozenset[str]) -> "Scope":
        """The scope of `wanted` over chunks `ids`: the base's, then the recent ones (each in its
        collection); `dead`: positions removed."""
        mask = np.concatenate([base.inside(wanted), np.fromiter((c in wanted for c in recent), dtype=bool,
                                                                count=len(recent))])
        live = np.ones(len(ids), dtype=bool)
        live[dead] = False
        mask &= live
        return cls(wanted, mask, np.asarray(ids)[mask], int(ids[-1]) if len(ids) else 0,
                   bool(mask.sum() == live.sum()))
