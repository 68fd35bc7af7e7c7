"""The sync: orders in, stock out, fulfilment back, cancellations; the ledger and the error journal."""
