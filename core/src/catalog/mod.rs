//! The operation catalog: every API operation and wire type of the SDK, declared once.
//!
//! `ops.rs` holds the declarations (one `operations!` block). From each declaration come:
//! - the typed async method (`client.agents().get(id)`) and its [`crate::blocking`] twin;
//! - an [`Operation`] entry in [`OPERATIONS`], which [`crate::Client::call`] runs generically
//!   from JSON (what the Python, Node and C bindings use: they hold no per-operation code);
//! - through `tools/codegen`, the Python, TypeScript and C files that describe it.
//!
//! Wire types describe themselves with `#[derive(Wire)]` ([`Wire`], [`TypeShape`]), read from
//! the same serde attributes that (de)serialise them.

mod exec;
mod macros;
mod ops;
mod schema;
pub(crate) mod validate;

pub use exec::MapFrom;
pub(crate) use exec::{
    respond_json, respond_mapped, respond_unit, run, strings_input, to_input, HasHttp,
};
pub use ops::OPERATIONS;
pub(crate) use ops::{blocking_groups, groups, unauthenticated};
pub use schema::{Field, Kind, Ty, TypeShape, Wire};
pub(crate) use validate::{validate_none, validate_params, validate_strings};

use crate::error::Result;
use serde_json::Value;

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A path parameter: the member of the generic call's input object that fills `{wire}` in the
/// path template.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Rust / Python argument name (snake_case).
    pub rust: &'static str,
    /// JSON member name (camelCase), also the placeholder in the path template.
    pub wire: &'static str,
    /// Words for error messages ("agent id").
    pub label: &'static str,
}

/// Where the non-path input of an operation goes.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    /// No body, no query.
    None,
    /// A JSON body of this type.
    Body(fn() -> &'static TypeShape),
    /// Query parameters from the members of this (flat) type.
    Query(fn() -> &'static TypeShape),
    /// A JSON body of required, non-empty strings (`{"token": ...}`), taken as plain
    /// arguments by the typed methods.
    Strings(&'static [Param]),
}

/// What a successful response holds.
#[derive(Debug, Clone, Copy)]
pub enum Output {
    /// Nothing (usually 204).
    Unit,
    /// A JSON body of this type.
    Json(fn() -> &'static TypeShape),
    /// A JSON body of type `wire`, turned by the core into `result` (e.g. online grant
    /// verification's `{active, claims}` into a `VerifiedGrant`, or an error).
    Mapped {
        wire: fn() -> &'static TypeShape,
        result: fn() -> &'static TypeShape,
    },
}

impl Output {
    /// The shape a caller receives (`None` for [`Output::Unit`]).
    pub fn result(&self) -> Option<&'static TypeShape> {
        match self {
            Output::Unit => None,
            Output::Json(shape) => Some(shape()),
            Output::Mapped { result, .. } => Some(result()),
        }
    }
}

/// Whether a failed attempt may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Retried on network errors, timeouts, 429 and 502/503/504.
    Safe,
    /// Never retried (single-use codes, account creation).
    Never,
    /// Retried with the same `Idempotency-Key` header on every attempt: the input's
    /// `idempotencyKey` member, else a fresh UUID v4 per call.
    WithIdempotencyKey,
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    ApiKey,
    /// No API key (signup).
    None,
    /// An agent's grant token instead of the API key: the operation's first path parameter
    /// (`grantToken`), sent as `Authorization: Bearer` and not part of the URL (the vault
    /// exchange).
    GrantToken,
}

/// How the Python method takes its input (the reference SDK's signature for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyStyle {
    /// Path parameters and string fields as positional arguments: `get(agent_id)`.
    Positional,
    /// One required params dataclass: `exchange(params)`.
    Params,
    /// An optional params dataclass: `list(params=None)`.
    OptionalParams,
    /// Path parameters positional, body fields keyword-only: `update(agent_id, *, name=None)`.
    Keywords,
    /// Like [`PyStyle::Keywords`] but the fields may also be passed by position, after the
    /// path parameters: `transactions(grant_id, page=None, page_size=None)`.
    Arguments,
    /// A params dataclass or keyword arguments: `authorize(params)` or `authorize(agent_id=...)`.
    ParamsOrKeywords,
    /// Like [`PyStyle::Arguments`] in Python, and in JS too the members are positional
    /// arguments, not one params object: the reference's `getLoginUrl(org, domain?)`.
    Fields,
}

/// One API operation.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// `"agents.get"`; top-level operations have no dot (`"me"`).
    pub name: &'static str,
    /// The namespace (`"agents"`, `"principal_sessions"`), empty for top-level operations.
    pub group: &'static str,
    /// The method name in Rust and Python (snake_case); Node uses its camelCase form.
    pub method_name: &'static str,
    pub doc: &'static str,
    pub method: Method,
    /// `/v1/agents/{agentId}`: placeholders are the wire names of [`Operation::path_params`].
    pub path: &'static str,
    pub path_params: &'static [Param],
    pub input: Input,
    pub output: Output,
    /// The status the server answers on success.
    pub status: u16,
    pub retry: Retry,
    pub auth: Auth,
    pub py: PyStyle,
    /// Checks and normalises a body/query object (generic calls only).
    pub(crate) validate: fn(&Operation, Value) -> Result<Value>,
    /// Decodes a success response into the JSON the caller gets (generic calls only).
    pub(crate) respond: fn(crate::http::Response) -> Result<Value>,
}

impl Operation {
    /// The method name in JavaScript (camelCase).
    pub fn js_method(&self) -> String {
        camel(self.method_name)
    }

    /// The namespace in JavaScript (`principalSessions`).
    pub fn js_group(&self) -> String {
        camel(self.group)
    }
}

/// The operation called `name`, if any.
pub fn find(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|op| op.name == name)
}

/// `snake_case` → `camelCase`.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Every wire type the operations use, each once, in declaration order (for the generators).
/// Results of the core's helpers that no operation returns (generated like operation results).
pub fn helper_shapes() -> [&'static TypeShape; 3] {
    [
        <crate::decode::TokenInfo as Wire>::shape(),
        <crate::enforce::EnforceResult as Wire>::shape(),
        <crate::enforce::feed::FeedState as Wire>::shape(),
    ]
}

/// Input types of the helpers: the enforcement settings of a client's constructor.
pub fn helper_input_shapes() -> [&'static TypeShape; 1] {
    [<crate::enforce::EnforceConfig as Wire>::shape()]
}

pub fn shapes() -> Vec<&'static TypeShape> {
    let mut out: Vec<&'static TypeShape> = Vec::new();
    fn visit(shape: &'static TypeShape, out: &mut Vec<&'static TypeShape>) {
        if out
            .iter()
            .any(|s| std::ptr::eq(*s, shape) || s.name == shape.name)
        {
            return;
        }
        for f in shape.fields() {
            visit_ty(&f.ty, out);
        }
        out.push(shape);
    }
    fn visit_ty(ty: &Ty, out: &mut Vec<&'static TypeShape>) {
        match ty {
            Ty::Optional(t) | Ty::List(t) | Ty::Map(t) => visit_ty(t, out),
            Ty::Named(shape) => visit(shape(), out),
            _ => {}
        }
    }
    for op in OPERATIONS {
        match op.input {
            Input::Body(s) | Input::Query(s) => visit(s(), &mut out),
            Input::None | Input::Strings(_) => {}
        }
        match op.output {
            Output::Unit => {}
            Output::Json(s) => visit(s(), &mut out),
            Output::Mapped { wire, result } => {
                visit(wire(), &mut out);
                visit(result(), &mut out);
            }
        }
    }
    for shape in helper_shapes() {
        visit(shape, &mut out);
    }
    for shape in helper_input_shapes() {
        visit(shape, &mut out);
    }
    out
}
