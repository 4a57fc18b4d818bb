"""Configuration: directives declared once (schema.py, directives.py, specials.py), parsed
from redis.conf syntax and the command line (conf_file.py), rewritten by CONFIG REWRITE
(rewrite.py)."""

from . import schema  # noqa: F401  (declares every directive before any submodule is used)
