"""The RDB format: a pure codec (bytes in, values out, and back).

``constants`` (type and opcode numbers), ``crc64`` (Redis's checksum), ``lzf``
(compression), ``packed`` (listpack, ziplist, intset, zipmap blobs), ``reader`` (the
bounds-checked cursor), ``decoder`` (any RDB version up to 11, every encoding Redis has
written), ``encoder`` (RDB 10 with encodings every Redis since 7.0 loads).
"""
