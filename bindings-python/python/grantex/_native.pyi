# Type stubs of the private extension module (checked against it by mypy stubtest).
from typing import Any, Awaitable, List, Optional, Tuple

from typing_extensions import final

from ._types import VerifiedGrant
from ._verify import VerifyGrantTokenOptions

__all__ = [
    "__version__",
    "CORE_VERSION",
    "TOKEN_ERROR_CODES",
    "NativeClient",
    "JwksCache",
    "_RsaFloor",
    "signup",
    "asignup",
    "verify_grant_token",
    "averify_grant_token",
    "_core_loop",
    "_floor_loop",
    "verify_webhook",
    "verify_webhook_signature",
    "generate_pkce",
    "verify_audit_chain",
]
__version__: str
CORE_VERSION: str
TOKEN_ERROR_CODES: List[str]

@final
class NativeClient:
    def __new__(
        cls,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        user_agent: Optional[str] = None,
    ) -> NativeClient: ...
    @property
    def base_url(self) -> str: ...
    @property
    def jwks_uri(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def last_rate_limit(self) -> Optional[Tuple[int, int, int, Optional[int]]]: ...
    def close(self) -> None: ...
    def call(self, op: str, arg: Optional[str] = None, body: Optional[str] = None) -> Any: ...
    def acall(self, op: str, arg: Optional[str] = None, body: Optional[str] = None) -> Awaitable[Any]: ...

@final
class JwksCache:
    """A JWKS cache: remote (fetched and cached) or a static set (fully offline)."""

    @staticmethod
    def from_json(jwks_json: str) -> JwksCache: ...
    @staticmethod
    def remote(jwks_uri: str) -> JwksCache: ...
    @staticmethod
    def shared(jwks_uri: str) -> JwksCache: ...
    @property
    def jwks_uri(self) -> Optional[str]: ...
    def refresh(self) -> None: ...

@final
class _RsaFloor:
    def __new__(cls, jwks_json: str, token: str) -> _RsaFloor: ...
    def verify(self) -> bool: ...

def signup(base_url: Optional[str], body: str) -> Any: ...
def asignup(base_url: Optional[str], body: str) -> Awaitable[Any]: ...
def verify_grant_token(token: str, options: VerifyGrantTokenOptions) -> VerifiedGrant:
    """Verify a grant token offline (RS256 against the options' key set).

    Raises ``GrantexTokenError`` (``.code``) when it is rejected, ``GrantexConfigError`` for
    unusable options. Blocks only when the key set must be fetched; the GIL is released."""

def averify_grant_token(token: str, options: VerifyGrantTokenOptions) -> Awaitable[VerifiedGrant]:
    """Awaitable ``verify_grant_token``: a cold key set is fetched without blocking the loop."""

def _core_loop(token: str, options: VerifyGrantTokenOptions, n: int) -> float: ...
def _floor_loop(floor: _RsaFloor, n: int) -> float: ...
def verify_webhook(
    payload: bytes,
    signature: str,
    timestamp: str,
    secret: str,
    tolerance_seconds: int,
    now: Optional[int] = None,
) -> bool: ...
def verify_webhook_signature(payload: bytes, signature: str, secret: str) -> bool: ...
def generate_pkce() -> Tuple[str, str, str]: ...
def verify_audit_chain(entries_json: str) -> Tuple[bool, int, Optional[str], Optional[str]]: ...
