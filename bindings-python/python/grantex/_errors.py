"""Exception hierarchy of the Grantex SDK.

The classes are plain Python so that they pickle, subclass and print like any other
exception; the native module only instantiates them (``src/errors.rs``, the one place where
core errors are mapped). Every exception keeps its constructor arguments, so
``pickle.loads(pickle.dumps(exc))`` gives back an equal exception.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple

if TYPE_CHECKING:
    from ._types import RateLimit

__all__ = [
    "GrantexError",
    "ManifestValidationError",
    "GrantexApiError",
    "GrantexAuthError",
    "GrantexTokenError",
    "GrantexNetworkError",
    "GrantexTimeoutError",
    "GrantexConfigError",
    "GrantexInvalidArgumentError",
    "GrantexDecodeError",
    "GrantexSignupError",
]


def _rebuild(cls: type, args: Tuple[Any, ...], state: Dict[str, Any]) -> BaseException:
    """Unpickle without calling ``__init__`` (whose signature differs per class)."""
    exc: BaseException = cls.__new__(cls, *args)
    BaseException.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


class GrantexError(Exception):
    """Base class of every error the SDK raises."""

    def __reduce__(self) -> Tuple[Callable[..., BaseException], Tuple[Any, ...]]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))

    @property
    def message(self) -> str:
        """The human-readable message (``str(exc)``)."""
        return str(self.args[0]) if self.args else ""


class GrantexApiError(GrantexError):
    """The API answered with a non-2xx status after retries were used up."""

    def __init__(
        self,
        message: str,
        status_code: int,
        body: Any = None,
        request_id: Optional[str] = None,
        code: Optional[str] = None,
        rate_limit: Optional[RateLimit] = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.request_id = request_id
        self.code = code
        self.rate_limit = rate_limit


class GrantexAuthError(GrantexApiError):
    """HTTP 401 or 403: the API key is missing, wrong, or not allowed to do this."""


class GrantexSignupError(GrantexApiError, ValueError):
    """``Grantex.signup`` failed. A ``ValueError`` too, as in the reference SDK."""


class GrantexTokenError(GrantexError):
    """A grant token was rejected. ``code`` is the stable reason string
    (``"expired"``, ``"bad_signature"``, ... — see ``grantex.TOKEN_ERROR_CODES``)."""

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code


class GrantexNetworkError(GrantexError):
    """The request could not be completed (connection refused, reset, DNS, timeout).

    ``cause`` (also the ``__cause__``) is the underlying ``OSError`` when there is one.
    """

    timeout: bool = False

    def __init__(self, message: str, cause: Optional[BaseException] = None) -> None:
        super().__init__(message)
        self.cause = cause


class GrantexTimeoutError(GrantexNetworkError, TimeoutError):
    """The request did not finish within the client's ``timeout`` (per attempt)."""

    timeout = True


class GrantexConfigError(GrantexError, ValueError):
    """The client is misconfigured (e.g. no API key, invalid base URL). A ``ValueError``
    too, so code written for the reference SDK's missing-key ``ValueError`` keeps working."""


class GrantexInvalidArgumentError(GrantexError, ValueError):
    """An argument was invalid (empty id, malformed parameters)."""


class ManifestValidationError(GrantexError, ValueError):
    """A tool manifest does not conform to manifest schema 0.6; the message names the path
    (``ToolManifest: tools.verify_business.caps: unknown key "per_week" ...``). A
    ``ValueError``, as in the reference SDK."""


class GrantexDecodeError(GrantexError):
    """A successful response did not have the expected shape."""

    def __init__(
        self,
        message: str,
        status_code: int = 0,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.request_id = request_id
