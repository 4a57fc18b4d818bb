"""Redis's ``stringmatchlen`` (util.c), byte for byte: ``*``, ``?``, ``[...]`` with ``^``
negation, ranges (either order) and ``\\`` escapes, optional case folding, the
"skip longer matches" cut-off and the nesting limit of 1000.

CONFIG GET uses it with ``nocase=True``.  (Prefer ``vermilion.util.glob`` where it exists;
this copy keeps the config package free of a dependency on an unfinished module.)
"""

from __future__ import annotations


def _lower(c: int) -> int:
    return c + 32 if 65 <= c <= 90 else c


def stringmatch(pattern: bytes, string: bytes, nocase: bool = False) -> bool:
    skip = [False]
    return _match(pattern, 0, string, 0, nocase, skip, 0)


def _match(p: bytes, pi: int, s: bytes, si: int, nocase: bool, skip: list, nesting: int) -> bool:
    if nesting > 1000:
        return False
    plen, slen = len(p), len(s)

    def pat(i: int) -> int:  # the C string is NUL terminated
        return p[i] if i < plen else 0

    while pi < plen and si < slen:
        c = p[pi]
        if c == 42:  # '*'
            while pi < plen and pat(pi + 1) == 42:
                pi += 1
            if plen - pi == 1:
                return True
            while si < slen:
                if _match(p, pi + 1, s, si, nocase, skip, nesting + 1):
                    return True
                if skip[0]:
                    return False
                si += 1
            skip[0] = True
            return False
        elif c == 63:  # '?'
            si += 1
        elif c == 91:  # '['
            pi += 1
            negate = pat(pi) == 94
            if negate:
                pi += 1
            matched = False
            sc = s[si]
            while True:
                if pat(pi) == 92 and plen - pi >= 2:
                    pi += 1
                    if p[pi] == sc:
                        matched = True
                elif pat(pi) == 93:
                    break
                elif plen - pi <= 0:
                    pi -= 1
                    break
                elif plen - pi >= 3 and p[pi + 1] == 45:
                    start, end, ch = p[pi], p[pi + 2], sc
                    if start > end:
                        start, end = end, start
                    if nocase:
                        start, end, ch = _lower(start), _lower(end), _lower(ch)
                    pi += 2
                    if start <= ch <= end:
                        matched = True
                else:
                    if nocase:
                        if _lower(p[pi]) == _lower(sc):
                            matched = True
                    elif p[pi] == sc:
                        matched = True
                pi += 1
            if negate:
                matched = not matched
            if not matched:
                return False
            si += 1
        else:
            if c == 92 and plen - pi >= 2:  # '\\'
                pi += 1
                c = p[pi]
            if nocase:
                if _lower(c) != _lower(s[si]):
                    return False
            elif c != s[si]:
                return False
            si += 1
        pi += 1
        if si == slen:
            while pat(pi) == 42:
                pi += 1
            break
    return pi >= plen and si == slen
