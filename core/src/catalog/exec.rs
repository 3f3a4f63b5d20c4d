//! Running an operation: the one path from an [`Operation`] and its input to the HTTP request,
//! shared by the typed methods and the generic [`crate::Client::call`].

use super::{Auth, Input, Method, Operation, Retry};
use crate::error::{Error, Result};
use crate::http::{decode, Http, Request, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Anything that can run operations: the client and its borrowed resource groups.
pub(crate) trait HasHttp {
    fn http(&self) -> &Http;
}

/// A response type that the core derives from another wire type (see
/// [`super::Output::Mapped`]).
pub trait MapFrom<W>: Sized {
    fn map_from(wire: W) -> Result<Self>;
}

/// The body member that carries the idempotency key of [`Retry::WithIdempotencyKey`]
/// operations; it is sent as the `Idempotency-Key` header, never in the body.
pub(crate) const IDEMPOTENCY_MEMBER: &str = "idempotencyKey";

/// Send `op` with the given path ids (in the order of `op.path_params`) and body/query object.
pub(crate) async fn run(
    http: &Http,
    op: &Operation,
    ids: &[&str],
    input: Option<Value>,
) -> Result<Response> {
    let (bearer, ids) = match (op.auth, ids.split_first()) {
        (Auth::GrantToken, Some((token, rest))) => (Some(*token), rest),
        (Auth::GrantToken, None) => {
            return Err(Error::invalid(format!(
                "{}: the grant token is required",
                op.name
            )))
        }
        _ => (None, ids),
    };
    let path = fill_path(op, ids)?;
    let mut request = Request::new(method(op.method), path).op(op.name);
    if let Some(token) = bearer {
        request = request.bearer(token)?;
    }
    let mut input = input;
    if op.retry == Retry::WithIdempotencyKey {
        let key = match input.as_mut().and_then(Value::as_object_mut) {
            Some(map) => match map.remove(IDEMPOTENCY_MEMBER) {
                Some(Value::String(k)) if !k.is_empty() => Some(k),
                Some(Value::Null) | None => None,
                Some(_) => {
                    return Err(Error::invalid(format!(
                        "{}: `{IDEMPOTENCY_MEMBER}` must be a non-empty string",
                        op.name
                    )))
                }
            },
            None => None,
        };
        request = request.idempotency_key(key.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()));
    }
    if op.retry == Retry::Never {
        request = request.no_retry();
    }
    match (op.input, input) {
        (Input::Query(_), Some(v)) => request = request.query(&v)?,
        (Input::Body(_) | Input::Strings(_), Some(v)) => request = request.json(&v)?,
        _ => {}
    }
    http.send(&request).await
}

fn method(m: Method) -> reqwest::Method {
    match m {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// The path template with each `{wire}` replaced by its id as one percent-encoded segment.
fn fill_path(op: &Operation, ids: &[&str]) -> Result<String> {
    // A grant-token operation's first parameter is the token, not part of the path.
    let params =
        &op.path_params[usize::from(op.auth == Auth::GrantToken).min(op.path_params.len())..];
    if ids.len() != params.len() {
        return Err(Error::invalid(format!(
            "{} takes {} path parameter(s), got {}",
            op.name,
            params.len(),
            ids.len()
        )));
    }
    let mut path = op.path.to_string();
    for (param, id) in params.iter().zip(ids) {
        let encoded = crate::client::path_segment(id, param.label)?;
        path = path.replace(&format!("{{{}}}", param.wire), &encoded);
    }
    Ok(path)
}

/// A typed params value as the JSON object the operation sends.
pub(crate) fn to_input<P: Serialize>(op: &Operation, params: &P) -> Result<Value> {
    serde_json::to_value(params)
        .map_err(|e| Error::invalid(format!("{}: parameters are not serialisable: {e}", op.name)))
}

/// `{"a": a, ...}` for [`Input::Strings`] operations; each must be non-empty.
pub(crate) fn strings_input(op: &Operation, values: &[&str]) -> Result<Value> {
    let Input::Strings(params) = op.input else {
        return Err(Error::invalid(format!(
            "{} takes no string fields",
            op.name
        )));
    };
    let mut map = serde_json::Map::new();
    for (p, v) in params.iter().zip(values) {
        if v.is_empty() {
            return Err(Error::invalid(format!("{} must not be empty", p.label)));
        }
        map.insert(p.wire.to_string(), Value::String((*v).to_string()));
    }
    Ok(Value::Object(map))
}

// ------------------------------------------------------------------ generic responses

pub(crate) fn respond_unit(_: Response) -> Result<Value> {
    Ok(Value::Null)
}

pub(crate) fn respond_json<T: DeserializeOwned + Serialize>(response: Response) -> Result<Value> {
    let status = response.status;
    let value: T = decode(response)?;
    to_output(&value, status)
}

pub(crate) fn respond_mapped<W: DeserializeOwned, T: MapFrom<W> + Serialize>(
    response: Response,
) -> Result<Value> {
    let status = response.status;
    let wire: W = decode(response)?;
    to_output(&T::map_from(wire)?, status)
}

fn to_output<T: Serialize>(value: &T, status: u16) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::Decode {
        message: format!("cannot re-encode the response: {e}"),
        status,
        request_id: None,
    })
}
