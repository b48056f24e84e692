"""Certificate registry: certification bodies, the certificates they issue, public verification."""
