"""FastAPI dependencies that turn the bearer token into a Principal and check roles."""

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth.principal import ANONYMOUS, Principal, Role
from shared.auth.tokens import TokenVerifier
from shared.exceptions import Forbidden, Unauthenticated

_bearer = HTTPBearer(auto_error=False, description="JWT issued by the identity provider")


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Anonymous when no token is sent; a bad token is a 401, never silently anonymous."""
    if credentials is None:
        if request.headers.get("authorization"):
            raise Unauthenticated("use 'Authorization: Bearer <token>'", code="invalid_token")
        return ANONYMOUS
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role) -> Any:
    """Dependency factory: the caller must hold one of ``roles``."""

    def check(principal: CurrentPrincipal) -> Principal:
        if principal.is_anonymous:
            raise Unauthenticated("this endpoint needs a bearer token")
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"only {allowed} may call this endpoint", code="role_not_allowed")
        return principal

    return Depends(check)


Regulator = Annotated[Principal, require(Role.REGULATOR)]
CertificationBody = Annotated[Principal, require(Role.CERTIFICATION_BODY)]
Enterprise = Annotated[Principal, require(Role.ENTERPRISE)]
DrawParticipant = Annotated[Principal, require(Role.REGULATOR, Role.OBSERVER)]
AnyUser = Annotated[Principal, require(Role.REGULATOR, Role.CERTIFICATION_BODY, Role.ENTERPRISE)]
