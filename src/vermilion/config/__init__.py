"""Configuration: directives declared once (schema.py), parsed from redis.conf syntax."""
