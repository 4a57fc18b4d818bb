"""Security: ACL, protected mode and TLS."""
