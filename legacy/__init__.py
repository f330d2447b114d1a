"""The original per-frame MJX inverse dynamics loop, kept as the reference (see docs/legacy.md)."""
