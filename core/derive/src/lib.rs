//! `#[derive(Wire)]`: describes a serde wire type as a `grantex::catalog::TypeShape` constant.
//!
//! The wire names are computed from the same `#[serde(...)]` attributes serde uses, so the
//! description cannot disagree with what is sent and received. Anything this derive does not
//! understand in a `serde` attribute it reports as a compile error rather than guessing.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{
    parse_macro_input, Attribute, Data, DeriveInput, Expr, ExprLit, Fields, GenericArgument, Lit,
    LitStr, Meta, PathArguments, Type,
};

#[proc_macro_derive(Wire, attributes(wire))]
pub fn derive_wire(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

#[derive(Default)]
struct SerdeContainer {
    rename_all: Option<String>,
    /// `#[serde(default)]` on the type: every field may be missing.
    default: bool,
}

#[derive(Default)]
struct SerdeField {
    rename: Option<String>,
    aliases: Vec<String>,
    default: bool,
    skip_if: bool,
    skip: bool,
}

#[derive(Default)]
struct WireAttrs {
    py: Option<String>,
    py_mixin: Option<String>,
    py_default: Option<String>,
    py_alt: Option<String>,
    py_skip: bool,
    js_alias: Option<String>,
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    let name_str = name.to_string();
    let doc = doc_of(&input.attrs);
    let container = serde_container(&input.attrs)?;
    let wire = wire_attrs(&input.attrs)?;
    let py_name = opt_str(&wire.py);
    let py_mixin = opt_str(&wire.py_mixin);

    let kind = match &input.data {
        Data::Struct(s) => {
            let Fields::Named(named) = &s.fields else {
                return Err(syn::Error::new_spanned(
                    name,
                    "Wire needs a struct with named fields",
                ));
            };
            let mut fields = Vec::new();
            for f in &named.named {
                let sf = serde_field(&f.attrs)?;
                if sf.skip {
                    continue;
                }
                let ident = f.ident.as_ref().expect("named field");
                let rust = ident.to_string().trim_start_matches("r#").to_string();
                let wire_name = match &sf.rename {
                    Some(r) => r.clone(),
                    None => rename_field(&rust, container.rename_all.as_deref(), ident)?,
                };
                let fw = wire_attrs(&f.attrs)?;
                let optional = is_option(&f.ty);
                let ty = ty_tokens(&f.ty);
                let aliases = &sf.aliases;
                let fdoc = doc_of(&f.attrs);
                let has_default = sf.default || optional || container.default;
                let skip_if = sf.skip_if;
                let py = opt_str(&fw.py);
                let py_default = opt_str(&fw.py_default);
                let py_alt = opt_str(&fw.py_alt);
                let py_skip = fw.py_skip;
                let js_alias = opt_str(&fw.js_alias);
                fields.push(quote! {
                    ::grantex::catalog::Field {
                        rust: #rust,
                        wire: #wire_name,
                        aliases: &[#(#aliases),*],
                        ty: #ty,
                        has_default: #has_default,
                        skip_if_empty: #skip_if,
                        doc: #fdoc,
                        py_name: #py,
                        py_default: #py_default,
                        py_alt: #py_alt,
                        py_skip: #py_skip,
                        js_alias: #js_alias,
                    }
                });
            }
            quote! { ::grantex::catalog::Kind::Struct(&[#(#fields),*]) }
        }
        Data::Enum(e) => {
            let mut variants = Vec::new();
            for v in &e.variants {
                if !matches!(v.fields, Fields::Unit) {
                    return Err(syn::Error::new_spanned(
                        v,
                        "Wire supports enums of unit variants only (string enums)",
                    ));
                }
                let sf = serde_field(&v.attrs)?;
                let wire_name = match sf.rename {
                    Some(r) => r,
                    None => rename_variant(
                        &v.ident.to_string(),
                        container.rename_all.as_deref(),
                        &v.ident,
                    )?,
                };
                variants.push(wire_name);
            }
            quote! { ::grantex::catalog::Kind::StringEnum(&[#(#variants),*]) }
        }
        Data::Union(_) => {
            return Err(syn::Error::new_spanned(
                name,
                "Wire does not support unions",
            ));
        }
    };

    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::grantex::catalog::Wire for #name #ty_generics #where_clause {
            const SHAPE: ::grantex::catalog::TypeShape = ::grantex::catalog::TypeShape {
                name: #name_str,
                doc: #doc,
                kind: #kind,
                py_name: #py_name,
                py_mixin: #py_mixin,
            };
        }
    })
}

fn opt_str(v: &Option<String>) -> Tokens {
    match v {
        Some(s) => quote! { Some(#s) },
        None => quote! { None },
    }
}

/// The doc comment, lines joined with `\n`, each line's single leading space removed.
fn doc_of(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for a in attrs {
        if !a.path().is_ident("doc") {
            continue;
        }
        if let Meta::NameValue(nv) = &a.meta {
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                let v = s.value();
                lines.push(v.strip_prefix(' ').unwrap_or(&v).to_string());
            }
        }
    }
    lines.join("\n").trim().to_string()
}

fn serde_container(attrs: &[Attribute]) -> syn::Result<SerdeContainer> {
    let mut out = SerdeContainer::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        a.parse_nested_meta(|m| {
            if m.path.is_ident("rename_all") {
                out.rename_all = Some(m.value()?.parse::<LitStr>()?.value());
            } else if m.path.is_ident("default") {
                out.default = true;
                if m.input.peek(syn::Token![=]) {
                    let _: LitStr = m.value()?.parse()?;
                }
            } else {
                // Other container attributes (deny_unknown_fields, default, ...) do not change
                // names; consume their value if any.
                if m.input.peek(syn::Token![=]) {
                    let _: Expr = m.value()?.parse()?;
                }
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn serde_field(attrs: &[Attribute]) -> syn::Result<SerdeField> {
    let mut out = SerdeField::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        a.parse_nested_meta(|m| {
            let key = m
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "rename" => out.rename = Some(m.value()?.parse::<LitStr>()?.value()),
                "alias" => out.aliases.push(m.value()?.parse::<LitStr>()?.value()),
                "default" => {
                    out.default = true;
                    if m.input.peek(syn::Token![=]) {
                        let _: LitStr = m.value()?.parse()?;
                    }
                }
                "skip_serializing_if" => {
                    out.skip_if = true;
                    let _: LitStr = m.value()?.parse()?;
                }
                "skip" => out.skip = true,
                "flatten" => {
                    return Err(m.error("Wire does not support #[serde(flatten)]"));
                }
                _ => {
                    if m.input.peek(syn::Token![=]) {
                        let _: Expr = m.value()?.parse()?;
                    }
                }
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn wire_attrs(attrs: &[Attribute]) -> syn::Result<WireAttrs> {
    let mut out = WireAttrs::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("wire")) {
        a.parse_nested_meta(|m| {
            let key = m
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let text = |m: &syn::meta::ParseNestedMeta| -> syn::Result<String> {
                Ok(m.value()?.parse::<LitStr>()?.value())
            };
            match key.as_str() {
                "py" => out.py = Some(text(&m)?),
                "py_mixin" => out.py_mixin = Some(text(&m)?),
                "py_alt" => out.py_alt = Some(text(&m)?),
                "js_alias" => out.js_alias = Some(text(&m)?),
                "py_skip" => out.py_skip = true,
                "py_default" => {
                    out.py_default = Some(if m.input.peek(syn::Token![=]) {
                        text(&m)?
                    } else {
                        String::new()
                    })
                }
                _ => return Err(m.error(format!("unknown wire attribute `{key}`"))),
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn rename_field(rust: &str, rule: Option<&str>, span: &syn::Ident) -> syn::Result<String> {
    Ok(match rule {
        None | Some("snake_case") => rust.to_string(),
        Some("camelCase") => {
            let mut out = String::new();
            let mut upper = false;
            for c in rust.chars() {
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
        Some("lowercase") => rust.to_lowercase(),
        Some("kebab-case") => rust.replace('_', "-"),
        Some("SCREAMING_SNAKE_CASE") => rust.to_uppercase(),
        Some(other) => {
            return Err(syn::Error::new_spanned(
                span,
                format!("Wire: unsupported rename_all rule {other:?} for fields"),
            ))
        }
    })
}

fn rename_variant(rust: &str, rule: Option<&str>, span: &syn::Ident) -> syn::Result<String> {
    let snake = {
        let mut out = String::new();
        for (i, c) in rust.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        }
        out
    };
    Ok(match rule {
        None => rust.to_string(),
        Some("lowercase") => rust.to_lowercase(),
        Some("snake_case") => snake,
        Some("kebab-case") => snake.replace('_', "-"),
        Some("SCREAMING_SNAKE_CASE") => snake.to_uppercase(),
        Some("camelCase") => {
            let mut c = rust.chars();
            match c.next() {
                Some(f) => f.to_lowercase().chain(c).collect(),
                None => String::new(),
            }
        }
        Some(other) => {
            return Err(syn::Error::new_spanned(
                span,
                format!("Wire: unsupported rename_all rule {other:?} for variants"),
            ))
        }
    })
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

fn is_option(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Option")
}

fn generic_args(seg: &syn::PathSegment) -> Vec<&Type> {
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A `grantex::catalog::Ty` expression for a field type. Unknown named types must implement
/// `Wire` themselves (checked by the compiler through the `shape` function pointer).
fn ty_tokens(ty: &Type) -> Tokens {
    let Some(seg) = last_segment(ty) else {
        return quote! { ::grantex::catalog::Ty::Json };
    };
    let args = generic_args(seg);
    let ident = seg.ident.to_string();
    match ident.as_str() {
        "String" | "str" => quote! { ::grantex::catalog::Ty::String },
        "bool" => quote! { ::grantex::catalog::Ty::Bool },
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => {
            quote! { ::grantex::catalog::Ty::Int }
        }
        "f32" | "f64" => quote! { ::grantex::catalog::Ty::Float },
        "Value" => quote! { ::grantex::catalog::Ty::Json },
        "Map" if args.is_empty() => quote! { ::grantex::catalog::Ty::Object },
        "Option" | "Vec" | "Box" if args.len() == 1 => {
            let inner = ty_tokens(args[0]);
            match ident.as_str() {
                "Option" => quote! { ::grantex::catalog::Ty::Optional(&#inner) },
                "Vec" => quote! { ::grantex::catalog::Ty::List(&#inner) },
                _ => inner,
            }
        }
        "HashMap" | "BTreeMap" | "Map" if args.len() == 2 => {
            let inner = ty_tokens(args[1]);
            quote! { ::grantex::catalog::Ty::Map(&#inner) }
        }
        _ => quote! { ::grantex::catalog::Ty::Named(<#ty as ::grantex::catalog::Wire>::shape) },
    }
}
