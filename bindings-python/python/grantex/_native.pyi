# Type stubs of the private extension module (checked against it by mypy stubtest).
from typing import Any, Awaitable, Dict, List, Optional, Tuple

from typing_extensions import final

from ._types import VerifiedGrant
from ._verify import VerifyGrantTokenOptions
from .a2a._guard import A2APolicy

__all__ = [
    "__version__",
    "CORE_VERSION",
    "TOKEN_ERROR_CODES",
    "NativeClient",
    "NativeEventStream",
    "JwksCache",
    "OPERATIONS",
    "call_unauthenticated",
    "acall_unauthenticated",
    "verify_grant_token",
    "averify_grant_token",
    "check_verify_option",
    "check_current_authority",
    "REFERENCE_VERIFY_OPTIONS",
    "verify_webhook",
    "verify_webhook_signature",
    "generate_pkce",
    "generate_dpop_jwk",
    "dpop_public_jwk",
    "jwk_thumbprint",
    "create_dpop_proof",
    "verify_audit_chain",
    "decode_jwt_payload",
    "get_token_info",
    "NativeEnforcer",
    "manifest_build",
    "manifest_from_document",
    "manifest_from_json_text",
    "tool_declaration",
    "permission_covers",
    "prebuilt_manifest_names",
    "prebuilt_manifest",
    "denial_codes",
    "purpose_check",
    "NativeA2AClient",
    "A2AGuard",
    "McpGuard",
    "peek_request",
    "a2a_rpc_code",
    "build_agent_card",
    "parse_agent_card",
]
__version__: str
CORE_VERSION: str
TOKEN_ERROR_CODES: List[str]
OPERATIONS: List[str]

@final
class NativeClient:
    def __new__(
        cls,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[float] = None,
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
    def call(self, op: str, input: Optional[str] = None) -> Any: ...
    def acall(self, op: str, input: Optional[str] = None) -> Awaitable[Any]: ...
    def event_stream(
        self, types: Optional[List[str]] = None, last_event_id: Optional[int] = None
    ) -> NativeEventStream: ...

@final
class NativeEventStream:
    def next(self) -> Optional[Dict[str, Any]]: ...
    def anext(self) -> Awaitable[Optional[Dict[str, Any]]]: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def last_event_id(self) -> Optional[int]: ...

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
    @property
    def max_age(self) -> float:
        """Seconds a fetched set is used before it is fetched again (default 600)."""
    def set_max_age(self, seconds: float) -> None:
        """Whole seconds from 1 to 86 400; ``GrantexConfigError`` otherwise."""
    @property
    def stale_if_error(self) -> float:
        """Seconds past the max age an expired set keeps verifying while the JWKS endpoint
        fails (default 3600; 0 disables it); then verification fails closed."""
    def set_stale_if_error(self, seconds: float) -> None:
        """0 to 86 400 seconds; ``GrantexConfigError`` otherwise."""

def call_unauthenticated(base_url: Optional[str], op: str, input: Optional[str] = None) -> Any: ...
def acall_unauthenticated(base_url: Optional[str], op: str, input: Optional[str] = None) -> Awaitable[Any]: ...
def verify_grant_token(token: str, options: VerifyGrantTokenOptions) -> VerifiedGrant:
    """Verify a grant token offline (RS256 against the options' key set).

    Raises ``GrantexTokenError`` (``.code``) when it is rejected, ``GrantexConfigError`` for
    unusable options. Blocks only when the key set must be fetched; the GIL is released."""

def averify_grant_token(token: str, options: VerifyGrantTokenOptions) -> Awaitable[VerifiedGrant]:
    """Awaitable ``verify_grant_token``: a cold key set is fetched without blocking the loop."""

REFERENCE_VERIFY_OPTIONS: List[str]

def check_verify_option(name: str, value: Any) -> None: ...
def check_current_authority(
    grant: Any, answer_json: Optional[str], error: Optional[str] = None
) -> None: ...

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
def generate_dpop_jwk() -> str: ...
def dpop_public_jwk(jwk: str) -> str: ...
def jwk_thumbprint(jwk: str) -> str: ...
def create_dpop_proof(
    private_jwk: str, method: str, url: str, access_token: Optional[str] = None
) -> str: ...
def verify_audit_chain(entries_json: str) -> Tuple[bool, int, Optional[str], Optional[str]]: ...
def decode_jwt_payload(token: str) -> str: ...
def get_token_info(token: str) -> str: ...

# ─── Tool manifests and enforce ────────────────────────────────────────────────

@final
class NativeEnforcer:
    def __new__(cls, client: NativeClient, config: str) -> NativeEnforcer: ...
    def load_manifest(self, document: str) -> None: ...
    def enforce(self, call: str) -> Dict[str, Any]: ...
    def aenforce(self, call: str) -> Awaitable[Dict[str, Any]]: ...
    def feed_state(self) -> Optional[Dict[str, Any]]: ...
    def stop_feed(self) -> None: ...

def manifest_build(connector: str, tools: str, version: str, description: str) -> Dict[str, Any]: ...
def manifest_from_document(document: str) -> Tuple[Dict[str, Any], List[str]]: ...
def manifest_from_json_text(text: str) -> Tuple[Dict[str, Any], List[str]]: ...
def tool_declaration(tool: str, declaration: str) -> Dict[str, Any]: ...
def permission_covers(granted: str, required: str) -> bool: ...
def prebuilt_manifest_names() -> List[str]: ...
def prebuilt_manifest(name: str) -> Optional[str]: ...
def denial_codes() -> List[str]: ...
def purpose_check(kind: str, value: str, pattern: Optional[str]) -> bool: ...

# ─── A2A bridge ────────────────────────────────────────────────────────────────

_CardParts = Tuple[Dict[str, Any], Optional[Dict[str, Any]]]

@final
class NativeA2AClient:
    def __new__(
        cls,
        agent_url: str,
        grant_token: str,
        card_json: Optional[str] = None,
        jwks_uri: Optional[str] = None,
        jwks_json: Optional[str] = None,
        issuer: Optional[str] = None,
        audience: Optional[str] = None,
        required_scopes: Optional[List[str]] = None,
        clock_tolerance: int = 0,
        timeout: Optional[float] = None,
    ) -> NativeA2AClient: ...
    @property
    def agent_url(self) -> str: ...
    def card(self) -> _CardParts: ...
    def acard(self) -> Awaitable[_CardParts]: ...
    def preflight(self) -> VerifiedGrant: ...
    def apreflight(self) -> Awaitable[VerifiedGrant]: ...
    def call(self, method: str, params_json: str) -> Any: ...
    def acall(self, method: str, params_json: str) -> Awaitable[Any]: ...

@final
class A2AGuard:
    """Checks incoming A2A requests against an ``A2APolicy`` (the core's guard)."""

    def __new__(cls, policy: A2APolicy) -> A2AGuard: ...
    @property
    def issuer(self) -> Optional[str]:
        """The issuer tokens must come from (explicit, else derived from the JWKS URI)."""
    def auth_scheme(self) -> Optional[Dict[str, Any]]:
        """The card's Grantex bearer scheme for this policy (``None`` with a static JWKS)."""
    def check(self, authorization: Optional[str], method: str = "") -> VerifiedGrant:
        """Check one request: the raw ``Authorization`` value (``None`` when absent) and the
        JSON-RPC method. Returns the verified grant or raises ``A2AAuthError``. The GIL is
        released; it blocks only for a JWKS fetch or an online revocation check."""
    def acheck(self, authorization: Optional[str], method: str = "") -> Awaitable[VerifiedGrant]:
        """Awaitable ``check``, run on the core runtime."""

@final
class McpGuard:
    """Checks requests to one MCP server (the core's ``McpGuard``); ``settings`` is its JSON."""

    def __new__(cls, settings: str) -> McpGuard: ...
    def metadata_json(self) -> str:
        """RFC 9728 protected resource metadata, as JSON text."""
    @property
    def metadata_path(self) -> str: ...
    @property
    def metadata_url(self) -> str: ...
    @property
    def resource(self) -> str: ...
    def scopes_for_tool(self, tool: str) -> List[str]: ...
    @staticmethod
    def called_tools(body: bytes) -> List[str]:
        """The tool names of the ``tools/call`` requests in a JSON-RPC body."""
    def check(self, authorization: Optional[str], body: Optional[bytes] = None) -> VerifiedGrant:
        """Check a request; raises ``grantex.mcp.McpAuthError`` when refused (GIL released)."""
    def acheck(self, authorization: Optional[str], body: Optional[bytes] = None) -> Awaitable[VerifiedGrant]:
        """Awaitable ``check``, run on the core runtime."""

def peek_request(body: bytes) -> Tuple[Any, Optional[str]]:
    """``(id, method)`` of a JSON-RPC request body, read before authenticating it (``None``
    for anything unreadable; never raises for bad JSON)."""

def a2a_rpc_code(status: int) -> int: ...
def build_agent_card(options_json: str) -> _CardParts: ...
def parse_agent_card(card_json: str) -> _CardParts: ...
