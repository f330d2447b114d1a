"""Experiments kept with their figures: not part of jaxid, reproducible by their module's main."""
