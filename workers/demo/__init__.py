"""`make demo`: a sample group of companies runs a simulated month against the real service."""
