"""Reports over what the sync recorded: the weekly digest for a client, the API health of a store."""
