"""The keyspace: databases of keys, values and absolute expiry times."""
