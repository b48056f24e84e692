from shared.auth.principal import AuthorityLevel, Principal, Role

__all__ = ["AuthorityLevel", "Principal", "Role"]
