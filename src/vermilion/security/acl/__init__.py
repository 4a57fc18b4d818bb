"""Access control lists (Redis 7.2's acl.c), split by concern:

* ``selectors.py``: one set of command/key/channel rules and its checks;
* ``users.py``: users (flags, password hashes, selectors) and the user table;
* ``rules.py``: applying a rule list to a user, all or nothing (ACL SETUSER);
* ``log.py``: the ACL LOG;
* ``acl_file.py``: ``user`` config lines and the ``aclfile`` (ACL LOAD / SAVE);
* ``state.py``: the per-server glue: authentication, the dispatch gate, hooks.

The ACL commands are in ``commands/acl.py``.
"""
