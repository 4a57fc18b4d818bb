"""The shape of the quicklist Redis 7.2 would build for a list: node sizes only.

The elements live in the list's deque; this model only tracks, per quicklist node, its
element count, its listpack byte size and whether it is a "plain" node (one element
bigger than a node's byte limit).  That is all OBJECT ENCODING needs: Redis turns a
quicklist back into a listpack only when it has a single packed node within half the
node limits (``listTypeTryConvertQuicklist``), so the node boundaries matter.

The rules are quicklist.c's:

* push: into the end node if ``_quicklistNodeAllowInsert`` (node bytes + raw length +
  8 within the limit, or the count limit), else a new node; an element above the byte
  limit (negative fill) gets a plain node of its own;
* pop / delete: the node shrinks by the element's listpack entry size; an empty node is
  removed (no merging);
* insert (LINSERT) and replace (LSET): in place when the node allows it, else a new
  node, a neighbour, or a split followed by ``_quicklistMergeNodes``.

``elements(start, n)`` is given by the list to read a node's elements when a split
must size the two halves.
"""

from __future__ import annotations

from typing import Callable

from .listpack import LP_EMPTY_BYTES, _node_limits, entry_size, exceeds

SIZE_ESTIMATE_OVERHEAD = 8
PACKED_THRESHOLD = 1 << 30

Elements = Callable[[int, int], list]
_LIMITS: dict[int, tuple[int | None, int]] = {}  # fill -> node limits, cached


def is_large(fill: int, sz: int) -> bool:
    size, _ = _node_limits(fill)
    return sz > (PACKED_THRESHOLD if size is None else size)


class Node:
    __slots__ = ("count", "nbytes", "plain")

    def __init__(self, count: int, nbytes: int, plain: bool = False) -> None:
        self.count = count
        self.nbytes = nbytes
        self.plain = plain

    def allows_insert(self, fill: int, sz: int) -> bool:
        return (not self.plain and not is_large(fill, sz)
                and not exceeds(fill, self.nbytes + sz + SIZE_ESTIMATE_OVERHEAD, self.count + 1))

    def __repr__(self) -> str:
        return f"Node({self.count}, {self.nbytes}{', plain' if self.plain else ''})"


def _packed(items: list) -> Node:
    return Node(len(items), LP_EMPTY_BYTES + sum(map(entry_size, items)))


def _new_node(item: bytes, fill: int) -> Node:
    if is_large(fill, len(item)):
        return Node(1, len(item), True)
    return Node(1, LP_EMPTY_BYTES + entry_size(item))


class QuickList:
    __slots__ = ("nodes",)

    def __init__(self, count: int, lp_bytes: int) -> None:
        """A listpack of ``count`` elements becomes the first node (none when empty)."""
        self.nodes: list[Node] = [Node(count, lp_bytes)] if count else []

    def single_packed(self) -> Node | None:
        nodes = self.nodes
        if len(nodes) == 1 and not nodes[0].plain:
            return nodes[0]
        return None

    # ---- ends ---------------------------------------------------------------------------

    def push(self, item: bytes, es: int, head: bool, fill: int) -> None:
        """Push ``item`` (listpack entry size ``es``): the hot path, kept inline."""
        nodes = self.nodes
        sz = len(item)
        lim = _LIMITS.get(fill)
        if lim is None:
            lim = _LIMITS[fill] = _node_limits(fill)
        size, count = lim
        if nodes:
            node = nodes[0] if head else nodes[-1]
            if not node.plain:
                new_sz = node.nbytes + sz + SIZE_ESTIMATE_OVERHEAD
                if size is not None:
                    fits = sz <= size and new_sz <= size
                else:
                    fits = sz <= PACKED_THRESHOLD and new_sz <= 8192 and node.count < count
                if fits:
                    node.count += 1
                    node.nbytes += es
                    return
        new = _new_node(item, fill)
        if head:
            nodes.insert(0, new)
        else:
            nodes.append(new)

    def pop(self, item: bytes, head: bool) -> None:
        nodes = self.nodes
        i = 0 if head else -1
        node = nodes[i]
        node.count -= 1
        node.nbytes -= len(item) if node.plain else entry_size(item)
        if not node.count:
            del nodes[i]

    # ---- positions ----------------------------------------------------------------------

    def locate(self, index: int) -> tuple[int, int, int]:
        """(node position, offset in the node, index of the node's first element)."""
        start = 0
        for pos, node in enumerate(self.nodes):
            if index < start + node.count:
                return pos, index - start, start
            start += node.count
        raise IndexError(index)

    def remove_indices(self, indices: list[int], item_size: int) -> None:
        """Delete the elements at ascending ``indices`` (all of listpack size ``item_size``)."""
        nodes = self.nodes
        counts = [n.count for n in nodes]  # original boundaries
        pos, end = 0, counts[0]
        for i in indices:
            while i >= end:
                pos += 1
                end += counts[pos]
            node = nodes[pos]
            node.count -= 1
            node.nbytes -= item_size
        self.nodes = [n for n in nodes if n.count]

    # ---- insert (LINSERT) ---------------------------------------------------------------

    def insert(self, index: int, after: bool, item: bytes, fill: int, elements: Elements) -> None:
        """Insert ``item`` before/after the element at ``index`` (_quicklistInsert)."""
        nodes = self.nodes
        pos, offset, start = self.locate(index)
        node = nodes[pos]
        sz = len(item)
        at_tail = offset == node.count - 1
        at_head = offset == 0
        prev = nodes[pos - 1] if pos > 0 else None
        nxt = nodes[pos + 1] if pos + 1 < len(nodes) else None
        if is_large(fill, sz):
            if node.plain or (at_tail and after) or (at_head and not after):
                nodes.insert(pos + 1 if after else pos, _new_node(item, fill))
            else:
                self._split(pos, offset, after, start, elements)
                nodes.insert(pos + 1 if after else pos + 1, _new_node(item, fill))
            return
        full = not node.allows_insert(fill, sz)
        es = entry_size(item)
        if not full:
            node.count += 1
            node.nbytes += es
        elif at_tail and nxt is not None and after and nxt.allows_insert(fill, sz):
            nxt.count += 1
            nxt.nbytes += es
        elif at_head and prev is not None and not after and prev.allows_insert(fill, sz):
            prev.count += 1
            prev.nbytes += es
        elif (at_tail and nxt is None and after) or (at_head and prev is None and not after):
            nodes.insert(pos + 1 if after else pos, _new_node(item, fill))
        else:
            new = self._split(pos, offset, after, start, elements)
            new.count += 1
            new.nbytes += es
            self._merge_around(pos if after else pos + 1, fill)  # around the split node

    def _split(self, pos: int, offset: int, after: bool, start: int, elements: Elements) -> Node:
        """_quicklistSplitNode: the node keeps [0..offset] (after) or [offset..] (before);
        the other part becomes a new node placed after (after) or before it."""
        node = self.nodes[pos]
        items = elements(start, node.count)
        if after:
            keep, other = items[:offset + 1], items[offset + 1:]
        else:
            keep, other = items[offset:], items[:offset]
        kept, new = _packed(keep), _packed(other)
        node.count, node.nbytes = kept.count, kept.nbytes
        self.nodes.insert(pos + 1 if after else pos, new)
        return new

    def _allow_merge(self, a: int, b: int, fill: int) -> bool:
        nodes = self.nodes
        if not (0 <= a < len(nodes) and 0 <= b < len(nodes)):
            return False
        x, y = nodes[a], nodes[b]
        if x.plain or y.plain:
            return False
        return not exceeds(fill, x.nbytes + y.nbytes - LP_EMPTY_BYTES, x.count + y.count)

    def _merge(self, a: int) -> None:
        """Merge node ``a + 1`` into node ``a``."""
        nodes = self.nodes
        x, y = nodes[a], nodes[a + 1]
        x.count += y.count
        x.nbytes += y.nbytes - LP_EMPTY_BYTES
        del nodes[a + 1]

    def _merge_around(self, center: int, fill: int) -> None:
        """_quicklistMergeNodes around the node at ``center``."""
        if self._allow_merge(center - 2, center - 1, fill):
            self._merge(center - 2)
            center -= 1
        if self._allow_merge(center + 1, center + 2, fill):
            self._merge(center + 1)
        if self._allow_merge(center - 1, center, fill):
            self._merge(center - 1)
            center -= 1
        if self._allow_merge(center, center + 1, fill):
            self._merge(center)

    # ---- replace (LSET) -----------------------------------------------------------------

    def replace(self, index: int, old: bytes, item: bytes, fill: int, elements: Elements) -> None:
        """quicklistReplaceEntry: in place when it fits, else a new node after a split."""
        nodes = self.nodes
        pos, offset, start = self.locate(index)
        node = nodes[pos]
        sz = len(item)
        if (not node.plain and not is_large(fill, sz)
                and not exceeds(fill, node.nbytes - len(old) + sz + SIZE_ESTIMATE_OVERHEAD, node.count)):
            node.nbytes += entry_size(item) - entry_size(old)
            return
        if node.plain:
            if is_large(fill, sz):
                node.nbytes = sz
            else:  # insert the new element after the plain node, then drop that node
                self.insert(index, True, item, fill, elements)
                del nodes[pos]
            return
        if offset != node.count - 1:
            self._split(pos, offset, True, start, elements)
        new = _new_node(item, fill)
        nodes.insert(pos + 1, new)
        # Delete the replaced element, now the last one of ``node``.
        if node.count == 1:
            del nodes[pos]
            return
        node.count -= 1
        node.nbytes -= entry_size(old)
        self._merge_around(pos + 1, fill)
