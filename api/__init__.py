"""REST modules mounted under /api/v1; create_app registers every module listed here."""
