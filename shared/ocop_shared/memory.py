"""Process-wide memory behaviour of a service process."""

from __future__ import annotations

import ctypes

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def return_large_buffers_promptly(threshold: int = 1024 * 1024) -> None:
    """Give buffers of `threshold` bytes or more back to the OS as soon as they are freed.

    By default glibc raises its mmap threshold to the largest buffer freed (up to 32 MiB);
    after that the multi-MiB parts of a streamed upload are carved from the heap among smaller
    allocations and the holes they leave stay resident (5-9 MiB more at the peak of a 1 GB
    upload). A fixed threshold keeps them out of the heap, for a page fault per 4 KiB of each.
    Elsewhere than glibc this does nothing.
    """
    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, threshold)
    except (OSError, AttributeError):
        pass
