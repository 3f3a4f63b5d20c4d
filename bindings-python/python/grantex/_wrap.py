"""``Grantex.wrap_tool``: the enforce check in front of a LangChain-style tool (any object
with ``_run`` / ``_arun``). The decision is ``Grantex.enforce``; this only calls it per call
and raises ``PermissionError`` on a denial, as the reference SDK does."""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Mapping, Optional


_FRAMEWORK_KEYWORDS = frozenset({"config", "run_manager", "callbacks"})


def _call_arguments(kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    """The tool's own arguments: what LangChain adds for itself is not part of the call."""
    return {k: v for k, v in kwargs.items() if k not in _FRAMEWORK_KEYWORDS}


def _now(value: Any) -> Any:
    return value() if callable(value) else value


def wrap_tool(
    client: Any,
    tool: Any,
    *,
    connector: str,
    tool_name: str,
    grant_token: Any,
    case_id: Any = None,
    cost_components: Any = None,
    decision_grants: Any = None,
    case_version: Any = None,
    extract_amount: Optional[Callable[[Mapping[str, Any]], Any]] = None,
) -> Any:
    def amount_of(arguments: Mapping[str, Any]) -> Any:
        if extract_amount is None:
            return None
        try:
            return extract_amount(arguments)
        except Exception as exc:
            # An amount the application cannot work out is not "no amount": refuse the call.
            raise PermissionError(
                f"Grantex scope denied: the amount extractor for {connector}.{tool_name} "
                f"raised {type(exc).__name__}; refusing the call without an amount."
            ) from exc

    def check(arguments: Mapping[str, Any]) -> None:
        amount = amount_of(arguments)
        extra: Dict[str, Any] = {}
        if decision_grants is not None or case_version is not None:
            grants = _now(decision_grants)
            extra = {
                "decision_grants": list(grants) if grants is not None else None,
                "arguments": arguments,
                "case_version": _now(case_version),
            }

        def once() -> Any:
            return client.enforce(
                _now(grant_token), connector, tool_name, amount,
                case_id=_now(case_id), cost_components=_now(cost_components), **extra,
            )

        result = once()
        # An expired token from a getter: ask the getter once more (it may have refreshed).
        if not result.allowed and "expired" in result.reason.lower() and callable(grant_token):
            result = once()
        if not result.allowed:
            raise PermissionError(f"Grantex scope denied: {result.reason}")

    run = getattr(tool, "_run", None)
    arun = getattr(tool, "_arun", None)
    # `functools.wraps` keeps the tool's signature visible: LangChain reads it to decide
    # whether to pass `config` / `run_manager`, which are not call arguments.
    if run is not None:
        @functools.wraps(run)
        def wrapped_run(*args: Any, **kwargs: Any) -> Any:
            check(_call_arguments(kwargs))
            return run(*args, **kwargs)

        object.__setattr__(tool, "_run", wrapped_run)
    if arun is not None:
        @functools.wraps(arun)
        async def wrapped_arun(*args: Any, **kwargs: Any) -> Any:
            check(_call_arguments(kwargs))
            return await arun(*args, **kwargs)

        object.__setattr__(tool, "_arun", wrapped_arun)
    return tool
