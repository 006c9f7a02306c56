"""Object storage for dossiers and certificates: a port with S3 and filesystem adapters."""

from .port import ObjectNotFound, ObjectStore, StorageUnavailable, StoredObject

__all__ = ["ObjectNotFound", "ObjectStore", "StorageUnavailable", "StoredObject"]
