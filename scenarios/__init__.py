"""Data only: the scenario TOML files shipped with memload (this file makes them importable resources)."""
