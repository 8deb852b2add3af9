"""The graduation photo station: capture codes, live checks, capture store and nightly export."""
