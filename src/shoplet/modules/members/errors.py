"""Typed errors of the members module: login (``auth.*``) and accounts (``members.*``)."""

from __future__ import annotations

from shoplet.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    ShopletError,
    Unauthorized,
)


class WeChatCodeInvalid(BadRequest):
    code = "auth.wechat_code_invalid"
    title = "WeChat login code is invalid or already used"


class WeChatRateLimited(RateLimited):
    code = "auth.wechat_rate_limited"
    title = "WeChat login is busy, try again shortly"


class WeChatUserBlocked(Forbidden):
    code = "auth.wechat_user_blocked"
    title = "WeChat refused this login as high-risk"


class WeChatUnavailable(ShopletError):
    status = 502
    code = "auth.wechat_unavailable"
    title = "WeChat login is unavailable"


class SmsUnavailable(ShopletError):
    status = 502
    code = "auth.sms_unavailable"
    title = "The verification code could not be sent"


class SmsPhoneRejected(BadRequest):
    code = "auth.sms_phone_rejected"
    title = "The SMS provider cannot text this phone number"


class SmsRateLimited(RateLimited):
    code = "auth.sms_rate_limited"
    title = "This phone number has received too many texts today"


class SmsNotConfigured(ServiceUnavailable):
    code = "auth.sms_not_configured"
    title = "Texting verification codes is not set up correctly"


class CodeAttemptsExhausted(BadRequest):
    code = "auth.code_attempts_exhausted"
    title = "Too many wrong tries: this verification code no longer works, request a new one"


class CodeInvalid(BadRequest):
    code = "auth.code_invalid"
    title = "Verification code is wrong or no longer valid"


class CodeExpired(BadRequest):
    code = "auth.code_expired"
    title = "Verification code has expired"


class MemberDisabled(Forbidden):
    code = "auth.member_disabled"
    title = "This account is disabled"


class RefreshInvalid(Unauthorized):
    code = "auth.refresh_invalid"
    title = "Refresh token is not valid"


class RefreshExpired(Unauthorized):
    code = "auth.refresh_expired"
    title = "Refresh token has expired"


class RefreshReused(Unauthorized):
    code = "auth.refresh_reused"
    title = "Refresh token was already used; the session has been signed out"


class MemberNotFound(NotFound):
    code = "members.member_not_found"
    title = "Member not found"


class AddressNotFound(NotFound):
    code = "members.address_not_found"
    title = "Address not found"


class AddressLimit(Conflict):
    code = "members.address_limit"
    title = "Address book is full"


class RegionUnknown(BadRequest):
    code = "addresses.region_unknown"
    title = "region_code is not a district of the region list"


class RegionMismatch(BadRequest):
    code = "addresses.region_mismatch"
    title = "province, city and district do not match region_code"


class RegionNotFound(NotFound):
    code = "regions.not_found"
    title = "No such region"


class AvatarInvalid(BadRequest):
    code = "members.avatar_invalid"
    title = "Upload a PNG, JPEG or WebP picture"


class AvatarTooLarge(ShopletError):
    status = 413
    code = "members.avatar_too_large"
    title = "Avatars may be at most 5 MB"


class PasskeyChallengeInvalid(BadRequest):
    code = "members.challenge_invalid"
    title = "This passkey challenge is unknown, expired or already used; ask for a new one"


class PasskeyRejected(BadRequest):
    code = "members.passkey_invalid"
    title = "The passkey could not be verified"


class PasskeySignInRejected(Unauthorized):
    code = "members.passkey_invalid"
    title = "The passkey could not be verified"


class PasskeyTaken(Conflict):
    code = "members.passkey_taken"
    title = "This passkey is already registered"


class PasskeyNotFound(NotFound):
    code = "members.passkey_not_found"
    title = "Passkey not found"


class PhoneAlreadyBound(Conflict):
    code = "members.phone_already_bound"
    title = "This account already has another phone"


class IdentityConflict(Conflict):
    code = "members.identity_conflict"
    title = "These accounts belong to different WeChat identities and cannot be merged"


class AlreadyMerged(Conflict):
    code = "members.already_merged"
    title = "This account was already merged"


class WeChatPhoneCodeInvalid(BadRequest):
    code = "members.wechat_phone_code_invalid"
    title = "WeChat phone code is invalid, already used or expired: tap the button again"


class WeChatPhoneUnsupported(BadRequest):
    code = "members.wechat_phone_unsupported"
    title = "Only a mainland China mobile number can be bound"
