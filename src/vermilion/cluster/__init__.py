"""Redis Cluster: node table and slot map (state.py), nodes.conf (nodes_conf.py), the
key routing gate (routing.py) and the cluster bus (bus/).  ``install(server)`` attaches
it all when ``cluster-enabled yes``."""
