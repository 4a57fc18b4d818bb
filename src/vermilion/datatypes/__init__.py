"""The type API: pure data structures under the command handlers.

Each module holds one Redis type (``lists``, ``hashes``, ``sets``) as a class whose
Python type is the Redis type of a value in ``Db.data``, plus the encoding rules that
OBJECT ENCODING reports.  Nothing here imports the engine, the network or asyncio.
"""
