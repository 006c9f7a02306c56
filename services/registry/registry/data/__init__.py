"""Reference data packaged with the registry (read through importlib.resources)."""
