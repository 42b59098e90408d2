"""The JSON API: one router module per domain, thin over its service, and the HTTP shapes they share."""
