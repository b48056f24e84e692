"""Developer tooling (generators, checks); not part of any service image."""
