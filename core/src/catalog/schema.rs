//! The reflection of wire types: what `#[derive(Wire)]` (crate `grantex-derive`) produces and
//! the code generators and the generic call's input checks read.

/// A wire type: a serde struct or string enum, described from its own serde attributes.
pub trait Wire {
    const SHAPE: TypeShape;

    /// The shape behind a function pointer, so shapes can refer to each other in constants.
    fn shape() -> &'static TypeShape {
        &Self::SHAPE
    }
}

/// One wire type.
#[derive(Debug, Clone, Copy)]
pub struct TypeShape {
    /// The Rust (and TypeScript) name.
    pub name: &'static str,
    pub doc: &'static str,
    pub kind: Kind,
    /// The Python class name where the reference spells it differently.
    pub py_name: Option<&'static str>,
    /// A hand-written Python base class (in `grantex/_wire.py`) the generated class extends.
    pub py_mixin: Option<&'static str>,
}

impl TypeShape {
    /// The class name in Python.
    pub fn py_class(&self) -> &'static str {
        self.py_name.unwrap_or(self.name)
    }

    /// The fields of a struct (empty for a string enum).
    pub fn fields(&self) -> &'static [Field] {
        match self.kind {
            Kind::Struct(fields) => fields,
            Kind::StringEnum(_) => &[],
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Struct(&'static [Field]),
    /// A string with a fixed set of values.
    StringEnum(&'static [&'static str]),
}

/// One member of a wire struct.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The Rust field name (snake_case; also the default Python name).
    pub rust: &'static str,
    /// The JSON member name.
    pub wire: &'static str,
    /// Other member names accepted when decoding.
    pub aliases: &'static [&'static str],
    pub ty: Ty,
    /// May be missing when decoding (an `Option` or `#[serde(default)]`).
    pub has_default: bool,
    /// Omitted when empty/`None` when encoding.
    pub skip_if_empty: bool,
    pub doc: &'static str,
    /// Python attribute name where the reference differs from `rust`.
    pub py_name: Option<&'static str>,
    /// `Some("")`: the dataclass field defaults to its type's empty value; `Some(literal)`: to
    /// that Python literal; `None`: no default (a required constructor argument).
    pub py_default: Option<&'static str>,
    /// Another member name Python also reads this field from.
    pub py_alt: Option<&'static str>,
    /// Not a Python attribute.
    pub py_skip: bool,
    /// Node also exposes the value under this name.
    pub js_alias: Option<&'static str>,
}

impl Field {
    pub fn py(&self) -> &'static str {
        self.py_name.unwrap_or(self.rust)
    }
}

/// The JSON type of a field.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    String,
    Bool,
    Int,
    Float,
    /// Any JSON value.
    Json,
    /// Any JSON object.
    Object,
    Optional(&'static Ty),
    List(&'static Ty),
    /// A JSON object whose values all have this type.
    Map(&'static Ty),
    Named(fn() -> &'static TypeShape),
}

impl Ty {
    /// `Optional(t)` → `t`.
    pub fn required(&self) -> &Ty {
        match self {
            Ty::Optional(inner) => inner.required(),
            other => other,
        }
    }

    pub fn is_optional(&self) -> bool {
        matches!(self, Ty::Optional(_))
    }

    /// Words for error messages: "a string", "a list of strings", ...
    pub fn describe(&self) -> String {
        match self {
            Ty::String => "a string".into(),
            Ty::Bool => "a boolean".into(),
            Ty::Int => "an integer".into(),
            Ty::Float => "a number".into(),
            Ty::Json => "any JSON value".into(),
            Ty::Object => "an object".into(),
            Ty::Optional(inner) => format!("{} or null", inner.describe()),
            Ty::List(inner) => format!("a list of {}", plural(inner)),
            Ty::Map(inner) => format!("an object of {}", plural(inner)),
            Ty::Named(shape) => match shape().kind {
                Kind::StringEnum(values) => format!("one of {}", quoted(values)),
                Kind::Struct(_) => format!("an object ({})", shape().name),
            },
        }
    }
}

fn plural(ty: &Ty) -> String {
    match ty {
        Ty::String => "strings".into(),
        Ty::Bool => "booleans".into(),
        Ty::Int => "integers".into(),
        Ty::Float => "numbers".into(),
        other => format!("values that are {}", other.describe()),
    }
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}
