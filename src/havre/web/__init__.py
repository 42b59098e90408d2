"""The web layer: request context, pages, static files, translations."""
