//! Python: the dataclasses of every wire type (`grantex/_types.py`) and the sync and async
//! clients (`grantex/_client.py`, `grantex/_async_client.py`), whose methods have the
//! reference SDK's signatures (from each operation's `PyStyle`) and call the one generic native
//! entry point. The hand-written parts they build on live in `grantex/_base.py`.

use crate::text::{banner, pascal};
use grantex::catalog::{
    self, Auth, Field, Input, Kind, Operation, Output, PyStyle, Ty, TypeShape, OPERATIONS,
};
use std::collections::BTreeSet;
use std::fmt::Write;

const DIR: &str = "bindings-python/python/grantex";

pub fn files() -> Vec<(String, String)> {
    vec![
        (format!("{DIR}/_types.py"), types()),
        (format!("{DIR}/_client.py"), client(false)),
        (format!("{DIR}/_async_client.py"), client(true)),
    ]
}

/// Shapes used as an operation's input are request params (mutable, `to_dict`); the rest are
/// responses (frozen, `from_dict` and `to_dict`).
fn is_params(shape: &TypeShape) -> bool {
    OPERATIONS.iter().any(|op| match op.input {
        Input::Body(s) | Input::Query(s) => s().name == shape.name,
        _ => false,
    })
}

// ---------------------------------------------------------------- annotations

fn annotation(ty: &Ty, params: bool) -> String {
    match ty {
        Ty::String => "str".into(),
        Ty::Bool => "bool".into(),
        Ty::Int => "int".into(),
        Ty::Float => "float".into(),
        Ty::Json => "Any".into(),
        Ty::Object => "Dict[str, Any]".into(),
        Ty::Optional(inner) => format!("Optional[{}]", annotation(inner, params)),
        Ty::List(inner) if params => format!("List[{}]", annotation(inner, params)),
        Ty::List(inner) => format!("Tuple[{}, ...]", annotation(inner, params)),
        Ty::Map(inner) => format!("Dict[str, {}]", annotation(inner, params)),
        Ty::Named(shape) => match shape().kind {
            Kind::StringEnum(_) => "str".into(),
            // A params member also takes the plain dict the reference SDK took (`_plain`).
            Kind::Struct(_) if params => {
                format!("Union[{}, Mapping[str, Any]]", shape().py_class())
            }
            Kind::Struct(_) => shape().py_class().into(),
        },
    }
}

/// The annotation a keyword argument takes (sequences instead of lists).
fn arg_annotation(ty: &Ty) -> String {
    match ty {
        Ty::List(inner) => format!("Sequence[{}]", annotation(inner, true)),
        Ty::Optional(inner) => format!("Optional[{}]", arg_annotation(inner)),
        other => annotation(other, true),
    }
}

/// The type's empty value, as a Python literal.
fn empty(ty: &Ty, params: bool) -> String {
    match ty {
        Ty::Optional(_) => "None".into(),
        Ty::String => "\"\"".into(),
        Ty::Bool => "False".into(),
        Ty::Int => "0".into(),
        Ty::Float => "0.0".into(),
        Ty::List(_) if params => "None".into(),
        Ty::List(_) => "()".into(),
        Ty::Json | Ty::Object | Ty::Map(_) => "None".into(),
        Ty::Named(_) => "None".into(),
    }
}

/// The dataclass default of a field, if it has one.
fn default_of(f: &Field, params: bool) -> Option<String> {
    match f.py_default {
        Some("") => Some(empty(&f.ty, params)),
        Some(literal) => Some(literal.to_string()),
        None if params && f.ty.is_optional() => Some("None".into()),
        None => None,
    }
}

// ---------------------------------------------------------------- _types.py

fn types() -> String {
    let shapes = catalog::shapes();
    let mut out = banner("#");
    out.push_str(
        r#""""Request and response types, generated from the core's wire types.

Field names follow the reference ``grantex`` Python SDK. Responses are frozen dataclasses built
with ``from_dict`` from the wire's camelCase JSON (lists become tuples) and turned back into it
with ``to_dict``. Request parameters are mutable dataclasses whose ``to_dict`` gives the
camelCase body (``None`` dropped).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple, Union

from ._wire import (
    AuditChainReport,
    PkceChallenge,
    RateLimit,
    WireMapping,
    _drop_none,
    _get,
    _nested,
    _nested_list,
    _plain,
    _req,
    _str_list,
    _tuple,
)

if TYPE_CHECKING:
    from dataclasses import dataclass
else:
    # The same classes without `dataclasses.dataclass`'s import-time cost: each class body
    # defines its `__init__` (hidden from type checkers, which make their own).
    from ._wire import _dataclass as dataclass

"#,
    );
    let mut names: Vec<&str> = shapes
        .iter()
        .filter(|s| matches!(s.kind, Kind::Struct(_)))
        .map(|s| s.py_class())
        .collect();
    names.extend(["AuditChainReport", "PkceChallenge", "RateLimit"]);
    names.sort_unstable();
    out.push_str("__all__ = [\n");
    for n in &names {
        let _ = writeln!(out, "    {n:?},");
    }
    out.push_str("]\n\n_object_setattr = object.__setattr__\n");
    // Keep `WireMapping` imported for the classes that extend it, and the helpers used.
    for shape in shapes {
        if let Kind::Struct(fields) = shape.kind {
            out.push_str("\n\n");
            if is_params(shape) {
                params_class(&mut out, shape, fields);
            } else {
                response_class(&mut out, shape, fields);
            }
        }
    }
    out
}

fn class_doc(out: &mut String, doc: &str) {
    if doc.is_empty() {
        return;
    }
    let _ = writeln!(out, "    \"\"\"{}\"\"\"\n", py_doc(doc, 4));
}

fn field_doc(out: &mut String, doc: &str) {
    if !doc.is_empty() {
        let _ = writeln!(out, "    \"\"\"{}\"\"\"", py_doc(doc, 4));
    }
}

/// Doc text inside a triple-quoted string: backticks become double backticks, and continuation
/// lines are indented.
fn py_doc(doc: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    doc.replace('`', "``")
        .replace("````", "``")
        .replace('\\', "\\\\")
        .replace("\"\"\"", "\\\"\\\"\\\"")
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_string()
            } else {
                format!("\n{pad}{l}")
            }
        })
        .collect()
}

fn dataclass_fields(out: &mut String, shape: &TypeShape, fields: &[Field], params: bool) {
    let mut seen_default = false;
    for f in fields.iter().filter(|f| !f.py_skip) {
        let ann = annotation(&f.ty, params);
        match default_of(f, params) {
            Some(d) => {
                seen_default = true;
                // `Optional[str] = "success"`: a non-None default means the value is the type.
                let ann = if d != "None" {
                    annotation(f.ty.required(), params)
                } else if f.ty.is_optional() {
                    ann
                } else {
                    // Always set when decoded, `None` only as the reference SDK's default.
                    format!("Optional[{ann}]")
                };
                let _ = writeln!(out, "    {}: {ann} = {d}", f.py());
            }
            None => {
                assert!(
                    !seen_default,
                    "{}.{}: a field without a Python default follows one with a default; \
                     give it #[wire(py_default)] or reorder the Rust struct",
                    shape.name, f.rust
                );
                let _ = writeln!(out, "    {}: {ann}", f.py());
            }
        }
        field_doc(out, f.doc);
    }
    init(out, fields, params, shape.py_mixin);
}

/// The `__init__` `dataclasses.dataclass` would write (`_dataclass` in `grantex/_wire.py` checks
/// that it takes the fields with their defaults): hidden from type checkers, which make their own.
fn init(out: &mut String, fields: &[Field], params: bool, mixin: Option<&str>) {
    let fields: Vec<&Field> = fields.iter().filter(|f| !f.py_skip).collect();
    let args: Vec<String> = fields
        .iter()
        .map(|f| match default_of(f, params) {
            Some(d) => format!("{}={d}", f.py()),
            None => f.py().to_string(),
        })
        .collect();
    let params_list: String = args.iter().map(|a| format!(", {a}")).collect();
    let _ = writeln!(
        out,
        "\n    if not TYPE_CHECKING:\n\n        def __init__(self{params_list}):"
    );
    if fields.is_empty() {
        out.push_str("            pass\n");
    }
    for f in &fields {
        let name = f.py();
        if params {
            let _ = writeln!(out, "            self.{name} = {name}");
        } else {
            let _ = writeln!(out, "            _object_setattr(self, {name:?}, {name})");
        }
    }
    // A mixin base finishes the object once its fields are set (WireMapping fills its dict).
    if let Some(base) = mixin {
        let _ = writeln!(out, "            {base}._mixin_init(self)");
    }
}

fn params_class(out: &mut String, shape: &TypeShape, fields: &[Field]) {
    out.push_str("@dataclass\n");
    let _ = writeln!(out, "class {}:", shape.py_class());
    class_doc(out, shape.doc);
    dataclass_fields(out, shape, fields, true);
    out.push_str("\n    def to_dict(self) -> Dict[str, Any]:\n");
    out.push_str("        \"\"\"The camelCase wire form; ``None`` members are left out.\"\"\"\n");
    out.push_str("        return _drop_none(\n            {\n");
    for f in fields.iter().filter(|f| !f.py_skip) {
        let attr = format!("self.{}", f.py());
        let value = encode(&f.ty, &attr, f.py());
        let _ = writeln!(out, "                {:?}: {value},", f.wire);
    }
    out.push_str("            }\n        )\n");
}

/// A params attribute as its wire value.
fn encode(ty: &Ty, attr: &str, name: &str) -> String {
    match ty.required() {
        Ty::List(Ty::String) => format!("_str_list({name:?}, {attr})"),
        // A nested params member may be its dataclass or a plain dict (the reference SDK's
        // `emails: list[dict]`).
        Ty::List(Ty::Named(shape)) if matches!(shape().kind, Kind::Struct(_)) => {
            format!("[_plain(v) for v in {attr}] if {attr} is not None else None")
        }
        Ty::List(_) => format!("list({attr}) if {attr} is not None else None"),
        Ty::Named(shape) if matches!(shape().kind, Kind::Struct(_)) => {
            format!("_plain({attr}) if {attr} is not None else None")
        }
        _ => attr.to_string(),
    }
}

fn response_class(out: &mut String, shape: &TypeShape, fields: &[Field]) {
    out.push_str("@dataclass(frozen=True)\n");
    match shape.py_mixin {
        Some(base) => {
            let _ = writeln!(out, "class {}({base}):", shape.py_class());
        }
        None => {
            let _ = writeln!(out, "class {}:", shape.py_class());
        }
    }
    class_doc(out, shape.doc);
    dataclass_fields(out, shape, fields, false);
    let class = shape.py_class();
    let _ = write!(
        out,
        "\n    @classmethod\n    def from_dict(cls, data: Mapping[str, Any]) -> {class}:\n        \
         \"\"\"From the wire's camelCase JSON.\"\"\"\n        return cls(\n"
    );
    for f in fields.iter().filter(|f| !f.py_skip) {
        let _ = writeln!(out, "            {}={},", f.py(), decode(f));
    }
    out.push_str("        )\n");
    out.push_str("\n    def to_dict(self) -> Dict[str, Any]:\n");
    out.push_str(
        "        \"\"\"The wire form (camelCase keys, lists), as the API returns it.\"\"\"\n",
    );
    out.push_str("        out: Dict[str, Any] = {}\n");
    for f in fields.iter().filter(|f| !f.py_skip) {
        let attr = format!("self.{}", f.py());
        let value = to_wire(&f.ty, &attr);
        if f.skip_if_empty {
            let _ = writeln!(out, "        if {attr} is not None:");
            let _ = writeln!(out, "            out[{:?}] = {value}", f.wire);
        } else {
            let _ = writeln!(out, "        out[{:?}] = {value}", f.wire);
        }
    }
    out.push_str("        return out\n");
}

/// The names a field is read from: its wire name, then its aliases.
fn keys(f: &Field) -> String {
    let mut names: Vec<String> = vec![format!("{:?}", f.wire)];
    names.extend(f.aliases.iter().map(|a| format!("{a:?}")));
    if names.len() == 1 {
        names[0].clone()
    } else {
        format!("({})", names.join(", "))
    }
}

fn decode(f: &Field) -> String {
    let raw = if f.has_default {
        let fallback = match f.ty {
            Ty::Json => "{}".to_string(),
            Ty::Optional(_) => "None".to_string(),
            _ => empty(&f.ty, false),
        };
        format!("_get(data, {}, {fallback})", keys(f))
    } else {
        format!("_req(data, {})", keys(f))
    };
    convert(&f.ty, &raw)
}

/// Wire value → attribute value for a response field.
fn convert(ty: &Ty, raw: &str) -> String {
    match ty {
        Ty::Optional(inner) => match inner {
            Ty::List(_) | Ty::Named(_) => {
                let conv = convert(inner, "v");
                if conv == "v" {
                    raw.to_string()
                } else {
                    format!("(lambda v: None if v is None else {conv})({raw})")
                }
            }
            _ => raw.to_string(),
        },
        Ty::List(inner) => match inner {
            Ty::Named(shape) if matches!(shape().kind, Kind::Struct(_)) => {
                format!("_nested_list({}, {raw})", shape().py_class())
            }
            _ => format!("_tuple({raw})"),
        },
        Ty::Named(shape) if matches!(shape().kind, Kind::Struct(_)) => {
            format!("_nested({}, {raw})", shape().py_class())
        }
        _ => raw.to_string(),
    }
}

/// Attribute value → wire value for a response's `to_dict`.
fn to_wire(ty: &Ty, attr: &str) -> String {
    match ty.required() {
        Ty::List(inner) => match inner {
            Ty::Named(shape) if matches!(shape().kind, Kind::Struct(_)) => {
                format!("[v.to_dict() for v in {attr}] if {attr} is not None else None")
            }
            _ => format!("list({attr}) if {attr} is not None else None"),
        },
        Ty::Named(shape) if matches!(shape().kind, Kind::Struct(_)) => {
            format!("{attr}.to_dict() if {attr} is not None else None")
        }
        _ => attr.to_string(),
    }
}

// ---------------------------------------------------------------- clients

fn params_shape(op: &Operation) -> Option<&'static TypeShape> {
    match op.input {
        Input::Body(s) | Input::Query(s) => Some(s()),
        _ => None,
    }
}

fn result_class(op: &Operation) -> Option<&'static str> {
    op.output.result().map(TypeShape::py_class)
}

fn client(is_async: bool) -> String {
    let (a, aw, prefix) = if is_async {
        ("async ", "await ", "Async")
    } else {
        ("", "", "")
    };
    let mut out = banner("#");
    let _ = write!(
        out,
        r#""""The {kind} client, ``{prefix}Grantex``: one method per catalog operation, with the reference
SDK's signature, each a call of the core's generic entry point. Errors are the classes of
``grantex._errors``.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Union, overload

from ._base import (
    _{prefix}ClientBase,
    _{prefix}Resource,
    _{lower}call_unauthenticated,
    _id,
    _keywords,
    _params,
    _params_or_keywords,
)
from ._types import (
"#,
        kind = if is_async { "asyncio" } else { "synchronous" },
        lower = if is_async { "a" } else { "" },
    );
    let mut imported: BTreeSet<&str> = BTreeSet::new();
    for op in OPERATIONS {
        if let Some(s) = params_shape(op) {
            imported.insert(s.py_class());
            // Keyword arguments name their members' types (`operations: Sequence[…]`).
            let keywords = !matches!(op.py, PyStyle::Params | PyStyle::OptionalParams);
            for f in s.fields().iter().filter(|_| keywords) {
                let mut ty = &f.ty;
                while let Ty::Optional(t) | Ty::List(t) = ty {
                    ty = t;
                }
                if let Ty::Named(n) = ty {
                    if matches!(n().kind, Kind::Struct(_)) {
                        imported.insert(n().py_class());
                    }
                }
            }
        }
        if let Some(r) = result_class(op) {
            imported.insert(r);
        }
    }
    for name in &imported {
        let _ = writeln!(out, "    {name},");
    }
    out.push_str(")\n\n");
    let _ = writeln!(out, "__all__ = [\"{prefix}Grantex\"]");

    let mut groups: Vec<&str> = Vec::new();
    for op in OPERATIONS {
        if !op.group.is_empty() && !groups.contains(&op.group) {
            groups.push(op.group);
        }
    }
    for group in &groups {
        let class = format!("{prefix}{}Client", pascal(group));
        let _ = write!(
            out,
            "\n\nclass {class}(_{prefix}Resource):\n    \"\"\"``client.{group}``.\"\"\"\n"
        );
        for op in OPERATIONS.iter().filter(|op| op.group == *group) {
            method(&mut out, op, a, aw);
        }
    }

    let _ = write!(
        out,
        "\n\nclass {prefix}Grantex(_{prefix}ClientBase):\n    \"\"\"Client for the Grantex API.\n\n    \
         ``api_key`` defaults to ``GRANTEX_API_KEY`` and ``base_url`` to ``GRANTEX_BASE_URL``, then\n    \
         ``https://api.grantex.dev``. A missing key raises ``GrantexConfigError`` (a ``ValueError``).\n    \
         ``timeout`` is per attempt, in seconds; failed requests on 429/502/503/504 and network\n    \
         errors are retried ``max_retries`` times with back-off (``Retry-After`` honoured).\n    \"\"\"\n\n"
    );
    for group in &groups {
        let _ = writeln!(out, "    {group}: {prefix}{}Client", pascal(group));
    }
    // The enforcement options come from the core's `EnforceConfig`, in its order.
    let enforce = catalog::helper_input_shapes()[0];
    out.push_str(
        "\n    def __init__(\n        self,\n        api_key: Optional[str] = None,\n        *,\n        \
         base_url: Optional[str] = None,\n        timeout: float = 30.0,\n        max_retries: int = 3,\n",
    );
    for arg in keyword_args(enforce) {
        let _ = writeln!(out, "        {arg},");
    }
    out.push_str("    ) -> None:\n        super().__init__(\n            api_key,\n            base_url=base_url,\n            timeout=timeout,\n            max_retries=max_retries,\n            enforcement={\n");
    for f in enforce.fields().iter().filter(|f| !f.py_skip) {
        let _ = writeln!(out, "                \"{0}\": {0},", f.py());
    }
    out.push_str("            },\n        )\n");
    for group in &groups {
        let _ = writeln!(
            out,
            "        self.{group} = {prefix}{}Client(self._native)",
            pascal(group)
        );
    }
    for op in OPERATIONS.iter().filter(|op| op.group.is_empty()) {
        if op.auth == Auth::None {
            static_method(&mut out, op, a, aw, is_async);
        } else {
            method(&mut out, op, a, aw);
        }
    }
    out
}

/// Keyword arguments of a params type, in field order (required first is guaranteed by the
/// dataclass check in `_types.py`).
fn keyword_args(shape: &TypeShape) -> Vec<String> {
    shape
        .fields()
        .iter()
        .filter(|f| !f.py_skip)
        .map(|f| match default_of(f, true) {
            Some(d) => format!("{}: {} = {d}", f.py(), kw_annotation(f, &d)),
            None => format!("{}: {}", f.py(), arg_annotation(&f.ty)),
        })
        .collect()
}

/// A keyword argument whose default is `None` must accept `None`.
fn kw_annotation(f: &Field, default: &str) -> String {
    if default != "None" {
        return arg_annotation(f.ty.required());
    }
    let ann = arg_annotation(&f.ty);
    if ann.starts_with("Optional[") {
        ann
    } else {
        format!("Optional[{ann}]")
    }
}

fn doc_line(out: &mut String, op: &Operation) {
    let doc = op.doc.trim();
    if !doc.is_empty() {
        let _ = writeln!(out, "        \"\"\"{}\"\"\"", py_doc(doc, 8));
    }
}

fn ret(op: &Operation) -> String {
    result_class(op).unwrap_or("None").to_string()
}

/// The expression that returns the result of `call`.
fn returning(op: &Operation, call: &str) -> String {
    match (op.output, result_class(op)) {
        (Output::Unit, _) | (_, None) => format!("        {call}\n"),
        (_, Some(class)) => format!("        return {class}.from_dict({call})\n"),
    }
}

fn path_input(op: &Operation) -> Vec<String> {
    let mut members: Vec<String> = op
        .path_params
        .iter()
        .map(|p| format!("{:?}: _id({:?}, {})", p.wire, p.rust, p.rust))
        .collect();
    if let Input::Strings(ps) = op.input {
        members.extend(
            ps.iter()
                .map(|p| format!("{:?}: _id({:?}, {})", p.wire, p.rust, p.rust)),
        );
    }
    members
}

fn input_dict(members: &[String], rest: Option<&str>) -> String {
    let mut parts: Vec<String> = members.to_vec();
    if let Some(rest) = rest {
        parts.push(format!("**{rest}"));
    }
    format!("{{{}}}", parts.join(", "))
}

fn method(out: &mut String, op: &Operation, a: &str, aw: &str) {
    let name = op.method_name;
    let ret = ret(op);
    let positional: Vec<String> = op
        .path_params
        .iter()
        .map(|p| p.rust)
        .chain(match op.input {
            Input::Strings(ps) => ps.iter().map(|p| p.rust).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .map(|n| format!("{n}: str"))
        .collect();
    let members = path_input(op);
    let call = |input: &str| format!("{aw}self._call({:?}, {input})", op.name);
    let shape = params_shape(op);
    out.push('\n');
    match (op.py, shape) {
        (PyStyle::Positional, None) => {
            let args = std::iter::once("self".to_string())
                .chain(positional)
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(out, "    {a}def {name}({args}) -> {ret}:");
            doc_line(out, op);
            out.push_str(&returning(op, &call(&input_dict(&members, None))));
        }
        (PyStyle::Params, Some(s)) => {
            let class = s.py_class();
            let args = std::iter::once("self".to_string())
                .chain(positional)
                .chain(std::iter::once(format!("params: {class}")))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(out, "    {a}def {name}({args}) -> {ret}:");
            doc_line(out, op);
            let rest = format!("_params({:?}, {class}, params)", op.name);
            out.push_str(&returning(op, &call(&input_dict(&members, Some(&rest)))));
        }
        (PyStyle::OptionalParams, Some(s)) => {
            let class = s.py_class();
            let args = std::iter::once("self".to_string())
                .chain(positional)
                .chain(std::iter::once(format!("params: Optional[{class}] = None")))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(out, "    {a}def {name}({args}) -> {ret}:");
            doc_line(out, op);
            let rest = format!("_params({:?}, {class}, params or {class}())", op.name);
            out.push_str(&returning(op, &call(&input_dict(&members, Some(&rest)))));
        }
        (style @ (PyStyle::Keywords | PyStyle::Arguments | PyStyle::Fields), Some(s)) => {
            let class = s.py_class();
            let kws = keyword_args(s);
            let mut args = vec!["self".to_string()];
            args.extend(positional);
            if style == PyStyle::Keywords {
                args.push("*".into());
            }
            args.extend(kws);
            let _ = writeln!(out, "    {a}def {name}(\n        {},\n    ) -> {ret}:", args.join(",\n        "));
            doc_line(out, op);
            let kw_pass = s
                .fields()
                .iter()
                .filter(|f| !f.py_skip)
                .map(|f| format!("{0}={0}", f.py()))
                .collect::<Vec<_>>()
                .join(", ");
            let rest = format!("_keywords({class}, {kw_pass})");
            out.push_str(&returning(op, &call(&input_dict(&members, Some(&rest)))));
        }
        (PyStyle::ParamsOrKeywords, Some(s)) => {
            let class = s.py_class();
            // Typed overloads: the params object, or the keywords.
            let mut head = vec!["self".to_string()];
            head.extend(positional.iter().cloned());
            let _ = writeln!(
                out,
                "    @overload\n    {a}def {name}({}, params: {class}) -> {ret}: ...\n",
                head.join(", ")
            );
            let mut kw_args = head.clone();
            kw_args.push("params: None = None".into());
            kw_args.push("*".into());
            kw_args.extend(keyword_args(s));
            let _ = writeln!(
                out,
                "    @overload\n    {a}def {name}(\n        {},\n    ) -> {ret}: ...\n",
                kw_args.join(",\n        ")
            );
            let mut impl_args = head;
            impl_args.push(format!("params: Optional[{class}] = None"));
            impl_args.push("**kwargs: Any".into());
            let _ = writeln!(out, "    {a}def {name}({}) -> {ret}:", impl_args.join(", "));
            let _ = writeln!(
                out,
                "        \"\"\"{}\n\n        Takes a ``{class}`` or its fields as keyword arguments.\n        \"\"\"",
                py_doc(op.doc.trim(), 8)
            );
            let rest = format!("_params_or_keywords({:?}, {class}, params, kwargs)", op.name);
            out.push_str(&returning(op, &call(&input_dict(&members, Some(&rest)))));
        }
        (style, _) => panic!(
            "{}: Python style {style:?} does not fit its input; fix the declaration in core/src/catalog/ops.rs",
            op.name
        ),
    }
}

fn static_method(out: &mut String, op: &Operation, a: &str, aw: &str, is_async: bool) {
    let Some(s) = params_shape(op) else {
        panic!(
            "{}: an unauthenticated operation takes a params object",
            op.name
        );
    };
    let class = s.py_class();
    let ret = ret(op);
    let native = if is_async {
        "_acall_unauthenticated"
    } else {
        "_call_unauthenticated"
    };
    let _ = write!(
        out,
        "\n    @staticmethod\n    {a}def {name}(params: {class}, *, base_url: Optional[str] = None) -> {ret}:\n",
        name = op.method_name
    );
    let _ = writeln!(
        out,
        "        \"\"\"{}\n\n        Failures raise ``GrantexSignupError``, also a ``ValueError`` as in the reference SDK.\n        \"\"\"",
        py_doc(op.doc.trim(), 8)
    );
    let call = format!(
        "{aw}{native}(base_url, {:?}, _params({:?}, {class}, params))",
        op.name, op.name
    );
    out.push_str(&returning(op, &call));
}
