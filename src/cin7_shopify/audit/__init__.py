"""The pre-go-live audit: SKU diff, location and tax mapping, readiness verdict, exports."""
