"""Cin7 Core <-> Shopify console: set up, run, check and troubleshoot the sync."""

__version__ = "0.1.0"
