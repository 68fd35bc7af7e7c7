"""Persistence: crash-safe TinyDB storage, store profiles, and (with the sync) ledger and snapshots."""
