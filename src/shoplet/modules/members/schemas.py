"""Request and response bodies of the members module.

A member's own addresses are answered in clear (they are theirs: the address book, checkout and
order detail show them unmasked); the profile's phone is masked unless the owner asks to reveal
it, and staff views elsewhere stay masked.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from shoplet.core.schemas import CleanText, Phone, RequestModel, ResponseModel
from shoplet.core.security import PiiCipher, mask_name, mask_phone, mask_text
from shoplet.modules.members.models import Address as AddressRow
from shoplet.modules.members.models import Member as MemberRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
Gender = Literal["unknown", "male", "female"]

# Printable text only: no control characters (they break logs, labels and SMS templates).
_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"


def _iso_date(value: object) -> object:
    """Bodies are strict, but JSON has no date type: accept exactly ``YYYY-MM-DD`` strings."""
    if isinstance(value, str):
        if len(value) != 10:
            raise ValueError("expected a date as YYYY-MM-DD")
        return date.fromisoformat(value)
    return value


Nickname = Annotated[CleanText, StringConstraints(min_length=1, max_length=32, pattern=_PRINTABLE)]


def _no_dot_segments(value: str) -> str:
    if "/../" in value or value.endswith("/.."):
        raise ValueError("must not contain '..' path segments")
    return value


AvatarUrl = Annotated[
    str,
    StringConstraints(
        max_length=500,
        pattern=r"^(https://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s\\]*)?|/media/[A-Za-z0-9._/-]+)$",
    ),
    AfterValidator(_no_dot_segments),
]
Birthday = Annotated[date, BeforeValidator(_iso_date)]
SmsCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
RefreshTokenText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Recipient = Annotated[CleanText, StringConstraints(min_length=1, max_length=32, pattern=_PRINTABLE)]
RegionName = Annotated[
    CleanText, StringConstraints(min_length=1, max_length=32, pattern=_PRINTABLE)
]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Detail = Annotated[CleanText, StringConstraints(min_length=1, max_length=200, pattern=_PRINTABLE)]
PostalCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Tag = Annotated[CleanText, StringConstraints(min_length=1, max_length=16, pattern=_PRINTABLE)]


def _reject_nulls(data: Any, fields: frozenset[str]) -> Any:
    """PATCH bodies: a field may be omitted, but ``null`` only clears fields that allow it."""
    if isinstance(data, dict):
        nulls = sorted(k for k, v in data.items() if v is None and k in fields)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} may be omitted but not null")
    return data


# ---- auth ----------------------------------------------------------------------------------


class WeChatLogin(RequestModel):
    code: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class SmsCodeRequest(RequestModel):
    phone: Phone


class SmsCodeSent(BaseModel):
    sent: Literal[True] = True
    expires_in: int


class SmsLogin(RequestModel):
    phone: Phone
    code: SmsCode


class RefreshRequest(RequestModel):
    refresh_token: RefreshTokenText


class Member(ResponseModel):
    id: int
    nickname: str
    avatar_url: str | None
    phone: str | None = Field(description="Masked (138****0000) unless revealed to the owner")
    gender: Gender
    birthday: date | None
    has_wechat: bool
    created_at: datetime

    @classmethod
    def build(cls, row: MemberRow, pii: PiiCipher, *, reveal_phone: bool = False) -> Member:
        phone = pii.decrypt(row.phone_encrypted) if row.phone_encrypted else None
        return cls(
            id=row.id,
            nickname=row.nickname,
            avatar_url=row.avatar_url,
            phone=phone if phone is None or reveal_phone else mask_phone(phone),
            gender=row.gender,  # type: ignore[arg-type]
            birthday=row.birthday,
            has_wechat=row.wechat_openid is not None,
            created_at=row.created_at,
        )


class MemberAdmin(Member):
    """The console's view of a member (phone masked unless revealed with ``pii:reveal``)."""

    last_login_at: datetime
    is_active: bool

    @classmethod
    def build_admin(cls, row: MemberRow, pii: PiiCipher, *, reveal_phone: bool) -> MemberAdmin:
        return cls(
            **Member.build(row, pii, reveal_phone=reveal_phone).model_dump(),
            last_login_at=row.last_login_at,
            is_active=row.is_active,
        )


class AuthTokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name
    expires_in: int = Field(description="Seconds until the access token expires")
    member: Member


class MemberUpdate(RequestModel):
    nickname: Nickname | None = None
    avatar_url: AvatarUrl | None = None
    gender: Gender | None = None
    birthday: Birthday | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        return _reject_nulls(data, frozenset({"nickname", "gender"}))

    @field_validator("birthday")
    @classmethod
    def _plausible_birthday(cls, value: date | None) -> date | None:
        today = datetime.now(SHANGHAI).date()
        if value is not None and not date(1900, 1, 1) <= value <= today:
            raise ValueError("birthday must be between 1900-01-01 and today")
        return value


# ---- addresses -----------------------------------------------------------------------------


class AddressCreate(RequestModel):
    recipient: Recipient
    phone: Phone
    province: RegionName
    city: RegionName
    district: RegionName
    region_code: RegionCode
    detail: Detail
    postal_code: PostalCode | None = None
    tag: Tag | None = None
    is_default: bool = False


class AddressUpdate(RequestModel):
    """Fields present are changed; ``postal_code`` and ``tag`` may be cleared with null."""

    recipient: Recipient | None = None
    phone: Phone | None = None
    province: RegionName | None = None
    city: RegionName | None = None
    district: RegionName | None = None
    region_code: RegionCode | None = None
    detail: Detail | None = None
    postal_code: PostalCode | None = None
    tag: Tag | None = None
    is_default: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        nullable = {"postal_code", "tag"}
        return _reject_nulls(data, frozenset(cls.model_fields) - nullable)


class Address(ResponseModel):
    id: int
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    region_code: str
    detail: str
    postal_code: str | None
    tag: str | None
    is_default: bool
    is_masked: bool = Field(description="recipient, phone and detail are masked")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def build(cls, row: AddressRow, pii: PiiCipher, *, reveal: bool = False) -> Address:
        recipient = pii.decrypt(row.recipient_encrypted)
        phone = pii.decrypt(row.phone_encrypted)
        detail = pii.decrypt(row.detail_encrypted)
        if not reveal:
            recipient, phone, detail = mask_name(recipient), mask_phone(phone), mask_text(detail)
        return cls(
            id=row.id,
            recipient=recipient,
            phone=phone,
            province=row.province,
            city=row.city,
            district=row.district,
            region_code=row.region_code,
            detail=detail,
            postal_code=row.postal_code,
            tag=row.tag,
            is_default=row.is_default,
            is_masked=not reveal,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


# ---- regions and smart paste ---------------------------------------------------------------


class RegionItem(BaseModel):
    code: str = Field(description="GB/T 2260 code (6 digits)")
    name: str
    has_children: bool = Field(description="false for a district: the code an address stores")


class RegionList(BaseModel):
    items: list[RegionItem]


class AddressParseRequest(RequestModel):
    text: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class ParsedAddress(BaseModel):
    """What smart paste found in the text (null when not found), for the shopper to check."""

    recipient: str | None
    phone: str | None
    province: str | None
    city: str | None
    district: str | None
    region_code: str | None = Field(description="a district code, set only with all three names")
    detail: str | None


# --- passkeys (H5) ----------------------------------------------------------------------------

# A PublicKeyCredential as JSON (toJSON()); py_webauthn checks its structure.
WebAuthnCredential = Annotated[dict[str, Any], Field(max_length=8)]


class PasskeyOptions(BaseModel):
    """Options for navigator.credentials.create/get and the challenge to answer (single use)."""

    challenge_id: int
    public_key: dict[str, Any]


class PasskeyRegister(RequestModel):
    challenge_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    name: Annotated[CleanText, StringConstraints(max_length=50)] = ""
    credential: WebAuthnCredential


class PasskeyLogin(RequestModel):
    challenge_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    credential: WebAuthnCredential


class Passkey(ResponseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


class PhoneBind(RequestModel):
    phone: Phone
    code: SmsCode


class PhoneBindWeChat(RequestModel):
    """The code of the mini program's ``getPhoneNumber`` button (single-use, five minutes)."""

    code: Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[!-~]+$")]


class MemberMergeView(ResponseModel):
    """A merge of two accounts of one shopper: which was absorbed into which, why, and how many
    rows each owning module moved (orders, coupons, points, cart lines, addresses…)."""

    id: int
    from_member_id: int
    into_member_id: int
    reason: str
    moved: dict[str, int]
    merged_at: datetime


class PhoneBound(ResponseModel):
    phone: str  # masked
    merge: MemberMergeView | None
