"""Inputs of the registry's use cases (plain data; the API validates shapes first)."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RegisterBody:
    id: str
    name: str
    uscc: str
    region_code: str
    approved_schemes: list[str]


@dataclass(frozen=True)
class IssueCertificate:
    number: str
    scheme: str
    scope: str
    holder_uscc: str
    holder_name: str
    issue_date: date
    expiry_date: date
    signer_name: str
    product_name: str | None = None
    product_model: str | None = None
    signer_position: str | None = None
    signer_registration_no: str | None = None
