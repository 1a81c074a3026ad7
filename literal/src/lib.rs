//! JavaScript object literals for model-hotload's response types, generated
//! from their Rust definitions, so that each response's fields are written
//! once: in its struct.
//!
//! Two macros, so that the core's types need nothing from the binding:
//!
//! - `#[derive(Literal)]` on a type in the core emits a `macro_rules!` macro,
//!   `__literal_<Type>`, that hands the type's fields (names, types, and the
//!   serde attributes that shape its JSON) to a macro it is given.
//! - `literals!`, invoked by the binding with the list of those relays, asks
//!   each in turn for its type's shape, then writes, for every type, a JS
//!   function that builds the object as one literal (all in one `inline_js`
//!   module), its import, and implementations of the binding's `Literal` and
//!   `ToPiece` traits that call it.
//!
//! An object literal is what V8 builds fastest: a literal of 12 fields costs
//! about 45 ns, a loop of keyed stores over field names 300 ns, and a
//! serde-wasm-bindgen object about 4 crossings of the boundary per field.
//!
//! What the generated code expects in scope where `literals!` runs: the types,
//! traits `Literal` (`fn to_js(&self) -> JsValue`), `ToPiece`
//! (`fn piece(&self) -> Piece<'_>`) and `LiteralMap`
//! (`fn copy_map(entries: &JsValue) -> JsValue`), the enum `Piece` with
//! variants `Value(JsValue)` (and others), and
//! `fn with_pieces<const N: usize, R>([Piece; N], impl FnOnce([&JsValue; N]) -> R) -> R`.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::{format_ident, quote};
use syn::{parse_macro_input, Data, DeriveInput, Fields, Type};

/// Emits `__literal_<Type>!`, which passes the type's shape to a macro:
/// `__literal_<Type>!(callback [tokens before] options)` calls
/// `callback! { tokens before [options] <shape> }`.
#[proc_macro_derive(Literal)]
pub fn derive_literal(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match shape(&input) {
        Ok(shape) => {
            let name = &input.ident;
            let relay = format_ident!("__literal_{}", name);
            quote! {
                #[doc(hidden)]
                macro_rules! #relay {
                    ($callback:ident [$($before:tt)*] $($option:ident)*) => {
                        $callback! { $($before)* [$($option)*] #shape }
                    };
                }
                #[doc(hidden)]
                #[allow(unused_imports)]
                pub(crate) use #relay;
            }
            .into()
        }
        Err(e) => e.to_compile_error().into(),
    }
}

/// The type as `literals!` reads it: `struct Name { #[literal(...)] field: Type, … }`
/// or `enum Name { Variant(Type), … }`, with serde's attributes turned into ours.
fn shape(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    let container = serde_flags(&input.attrs)?;
    match &input.data {
        Data::Struct(data) => {
            if let Some((flag, span)) = container.first() {
                return Err(syn::Error::new(
                    *span,
                    format!("Literal: serde({flag}) on a struct is not supported"),
                ));
            }
            let Fields::Named(named) = &data.fields else {
                return Err(syn::Error::new_spanned(
                    name,
                    "Literal: a struct needs named fields",
                ));
            };
            let mut fields = Vec::new();
            for field in &named.named {
                let ident = &field.ident;
                let ty = &field.ty;
                let mut marks = Vec::new();
                for (flag, span) in serde_flags(&field.attrs)? {
                    marks.push(match flag.as_str() {
                        "flatten" => quote!(flatten),
                        "skip_none" => quote!(skip_none),
                        key if key.starts_with("key=") => {
                            let key = syn::LitStr::new(key.trim_start_matches("key="), span);
                            quote!(key = #key)
                        }
                        other => {
                            return Err(syn::Error::new(
                                span,
                                format!("Literal: serde({other}) on a field is not supported"),
                            ))
                        }
                    });
                }
                let marks = (!marks.is_empty()).then(|| quote!(#[literal(#(#marks),*)]));
                fields.push(quote!(#marks #ident: #ty));
            }
            Ok(quote!(struct #name { #(#fields),* }))
        }
        Data::Enum(data) => {
            if !container.iter().any(|(flag, _)| flag == "untagged") {
                return Err(syn::Error::new_spanned(
                    name,
                    "Literal: an enum must be #[serde(untagged)]",
                ));
            }
            let mut variants = Vec::new();
            for variant in &data.variants {
                let ident = &variant.ident;
                let Fields::Unnamed(one) = &variant.fields else {
                    return Err(syn::Error::new_spanned(
                        ident,
                        "Literal: each variant holds one value",
                    ));
                };
                let (Some(field), 1) = (one.unnamed.first(), one.unnamed.len()) else {
                    return Err(syn::Error::new_spanned(
                        ident,
                        "Literal: each variant holds one value",
                    ));
                };
                let ty = &field.ty;
                variants.push(quote!(#ident(#ty)));
            }
            Ok(quote!(enum #name { #(#variants),* }))
        }
        Data::Union(_) => Err(syn::Error::new_spanned(
            name,
            "Literal: unions are not supported",
        )),
    }
}

/// serde's attributes as flags: `flatten`, `skip_none`, `key=<name>`,
/// `untagged`; anything else that changes the JSON is named, to be refused.
fn serde_flags(attrs: &[syn::Attribute]) -> syn::Result<Vec<(String, Span)>> {
    let mut flags = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            let span = meta
                .path
                .get_ident()
                .map_or_else(Span::call_site, |i| i.span());
            let word = meta
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            match word.as_str() {
                "flatten" | "untagged" => flags.push((word, span)),
                "skip_serializing_if" => {
                    let test: syn::LitStr = meta.value()?.parse()?;
                    if test.value() != "Option::is_none" {
                        return Err(meta.error(
                            "Literal: only skip_serializing_if = \"Option::is_none\" is supported",
                        ));
                    }
                    flags.push((String::from("skip_none"), span));
                }
                "rename" => {
                    let key: syn::LitStr = meta.value()?.parse()?;
                    flags.push((format!("key={}", key.value()), span));
                }
                // Deserialization only: no effect on the JSON written.
                "default" | "deny_unknown_fields" => {
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::LitStr = meta.value()?.parse()?;
                    }
                }
                _ => {
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    }
                    flags.push((word, span));
                }
            }
            Ok(())
        })?;
    }
    Ok(flags)
}

/// How a field crosses to JS: as a number, a boolean, or a `Piece` (a text
/// from the string cache, or a value made by its own `ToPiece`).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Number,
    Bool,
    Piece,
}

fn kind_of(ty: &Type) -> Kind {
    let Type::Path(path) = ty else {
        return Kind::Piece;
    };
    match path.path.get_ident().map(|i| i.to_string()).as_deref() {
        Some(
            "f64" | "f32" | "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64"
            | "isize",
        ) => Kind::Number,
        Some("bool") => Kind::Bool,
        _ => Kind::Piece,
    }
}

fn is_vec(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Vec"))
}

struct Field {
    ident: syn::Ident,
    ty: Type,
    key: String,
    kind: Kind,
    skip_none: bool,
    flatten: bool,
}

/// One collected type: its options (`copy_map`, `copy_list`) and its shape.
struct Entry {
    copies: Copies,
    item: DeriveInput,
}

/// Which copy functions a type gets besides its builder.
#[derive(Clone, Copy, Default)]
struct Copies {
    /// `copyMap_<Type>(entries)`: a `[name, object]` view as one fresh object of objects.
    map: bool,
    /// `copyList_<Type>(items)`: a list view as a fresh array of objects.
    list: bool,
}

impl quote::ToTokens for Entry {
    fn to_tokens(&self, tokens: &mut Tokens) {
        let map = self.copies.map.then(|| quote!(copy_map));
        let list = self.copies.list.then(|| quote!(copy_list));
        let item = &self.item;
        tokens.extend(quote!([#map #list] #item));
    }
}

fn entry(input: syn::parse::ParseStream) -> syn::Result<Entry> {
    let options;
    syn::bracketed!(options in input);
    let mut copies = Copies::default();
    while !options.is_empty() {
        let option: syn::Ident = options.parse()?;
        match option.to_string().as_str() {
            "copy_map" => copies.map = true,
            "copy_list" => copies.list = true,
            _ => {
                return Err(syn::Error::new(
                    option.span(),
                    "the options are copy_map and copy_list",
                ))
            }
        }
    }
    Ok(Entry {
        copies,
        item: input.parse()?,
    })
}

/// `{ collected entries } { relays still to ask } [new entry]`: see [`literals`].
struct Step {
    done: Vec<Entry>,
    todo: Vec<(syn::Path, Tokens)>,
}

impl syn::parse::Parse for Step {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Step> {
        let done_group;
        syn::braced!(done_group in input);
        let mut done = Vec::new();
        while !done_group.is_empty() {
            done.push(entry(&done_group)?);
        }
        let todo_group;
        syn::braced!(todo_group in input);
        let mut todo = Vec::new();
        while !todo_group.is_empty() {
            let relay: syn::Path = todo_group.parse()?;
            let options;
            syn::parenthesized!(options in todo_group);
            todo.push((relay, options.parse()?));
            if !todo_group.is_empty() {
                todo_group.parse::<syn::Token![,]>()?;
            }
        }
        if !input.is_empty() {
            done.push(entry(input)?);
        }
        Ok(Step { done, todo })
    }
}

/// The object literals of the listed types, in one JS module:
///
/// ```ignore
/// literals! { {} { crate::protocol::__literal_Response(), crate::model::__literal_ModelSpec(copy_map) } }
/// ```
///
/// Each relay is asked in turn for its type's shape (continuation-passing:
/// it calls `literals!` again with the shape added); with the list done, one
/// `inline_js` holds every builder, so the page loads one module, not one per type.
#[proc_macro]
pub fn literals(input: TokenStream) -> TokenStream {
    let Step { done, todo } = parse_macro_input!(input as Step);
    if let Some(((relay, options), rest)) = todo.split_first() {
        let rest = rest.iter().map(|(r, o)| quote!(#r(#o)));
        return quote!(#relay!(literals [{ #(#done)* } { #(#rest),* }] #options);).into();
    }
    generate(&done)
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

fn generate(entries: &[Entry]) -> syn::Result<Tokens> {
    let module = format_ident!("__literals");
    let mut js = String::new();
    let mut imports = Vec::new();
    let mut impls = Vec::new();
    for Entry { copies, item } in entries {
        match &item.data {
            Data::Struct(data) => {
                let parts = structure(&module, &item.ident, &data.fields, *copies)?;
                js.push_str(&parts.js);
                imports.push(parts.imports);
                impls.push(parts.impls);
            }
            Data::Enum(data) => impls.push(enumeration(&item.ident, data)),
            Data::Union(_) => {
                return Err(syn::Error::new_spanned(
                    &item.ident,
                    "unions are not supported",
                ))
            }
        }
    }
    Ok(quote! {
        #[doc(hidden)]
        #[allow(clippy::all)]
        mod #module {
            use ::wasm_bindgen::prelude::wasm_bindgen;
            #[wasm_bindgen(inline_js = #js)]
            extern "C" {
                #(#imports)*
            }
        }
        #(#impls)*
    })
}

fn fields_of(fields: &Fields) -> syn::Result<Vec<Field>> {
    let Fields::Named(named) = fields else {
        return Err(syn::Error::new(Span::call_site(), "named fields expected"));
    };
    let mut out = Vec::new();
    for f in &named.named {
        let Some(ident) = f.ident.clone() else {
            continue;
        };
        let mut field = Field {
            key: ident.to_string(),
            ident,
            ty: f.ty.clone(),
            kind: kind_of(&f.ty),
            skip_none: false,
            flatten: false,
        };
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("literal")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("flatten") {
                    field.flatten = true;
                } else if meta.path.is_ident("skip_none") {
                    field.skip_none = true;
                } else if meta.path.is_ident("key") {
                    field.key = meta.value()?.parse::<syn::LitStr>()?.value();
                }
                Ok(())
            })?;
        }
        out.push(field);
    }
    Ok(out)
}

/// A key as JS source: a JSON string.
fn js_key(key: &str) -> String {
    let mut out = String::from("\"");
    for c in key.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One type's share of the generated code: its JS functions, their imports,
/// and its trait implementations (which call the imports in `module`).
struct Parts {
    js: String,
    imports: Tokens,
    impls: Tokens,
}

fn structure(
    module: &syn::Ident,
    name: &syn::Ident,
    fields: &Fields,
    copies: Copies,
) -> syn::Result<Parts> {
    let (copy_map, copy_list) = (copies.map, copies.list);
    let list_js = format!("copyList_{name}");
    let list_fn = format_ident!("copy_list_{}", name.to_string().to_lowercase());
    let fields = fields_of(fields)?;
    let build_js = format!("build_{name}");
    let copy_js = format!("copyMap_{name}");
    let build = format_ident!("build_{}", name.to_string().to_lowercase());
    let copy_fn = format_ident!("copy_map_{}", name.to_string().to_lowercase());
    // Key order must be serde's: a flattened field first, the skipped-if-None ones last.
    if fields.iter().skip(1).any(|f| f.flatten) {
        return Err(syn::Error::new_spanned(
            name,
            "Literal: only the first field may be flattened",
        ));
    }
    if let Some(at) = fields.iter().position(|f| f.skip_none) {
        if fields.iter().skip(at).any(|f| !f.skip_none) {
            return Err(syn::Error::new_spanned(
                name,
                "Literal: fields skipped when None must come last",
            ));
        }
    }
    let args: Vec<String> = (0..fields.len()).map(|i| format!("a{i}")).collect();
    let mut js = format!("export function {build_js}({}) {{\n", args.join(", "));
    let plain: Vec<String> = fields
        .iter()
        .zip(&args)
        .filter(|(f, _)| !f.skip_none && !f.flatten)
        .map(|(f, a)| format!("{}: {a}", js_key(&f.key)))
        .collect();
    match fields.first() {
        Some(f) if f.flatten => {
            js.push_str("  const o = a0;\n");
            for (f, a) in fields
                .iter()
                .zip(&args)
                .skip(1)
                .filter(|(f, _)| !f.skip_none)
            {
                js.push_str(&format!("  o[{}] = {a};\n", js_key(&f.key)));
            }
        }
        _ => js.push_str(&format!("  const o = {{ {} }};\n", plain.join(", "))),
    }
    for (f, a) in fields.iter().zip(&args).filter(|(f, _)| f.skip_none) {
        js.push_str(&format!(
            "  if ({a} !== undefined) o[{}] = {a};\n",
            js_key(&f.key)
        ));
    }
    js.push_str("  return o;\n}\n");
    // A fresh copy of one object of the view: arrays are copied too.
    let copied = |m: &str| -> String {
        fields
            .iter()
            .filter(|f| !f.skip_none)
            .map(|f| {
                let key = js_key(&f.key);
                let copy = if is_vec(&f.ty) { ".slice()" } else { "" };
                format!("{key}: {m}[{key}]{copy}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if copy_list {
        if fields.iter().any(|f| f.flatten || f.skip_none) {
            return Err(syn::Error::new_spanned(
                name,
                "Literal: copy_list of a type with flattened or skipped fields",
            ));
        }
        js.push_str(&format!(
            "export function {list_js}(items) {{\n  const out = new Array(items.length);\n  for (let i = 0; i < items.length; i++) {{\n    const m = items[i];\n    out[i] = {{ {} }};\n  }}\n  return out;\n}}\n",
            copied("m")
        ));
    }
    if copy_map {
        if fields.iter().any(|f| f.flatten) {
            return Err(syn::Error::new_spanned(
                name,
                "Literal: copy_map of a flattened type",
            ));
        }
        js.push_str(&format!(
            "export function {copy_js}(entries) {{\n  const out = {{}};\n  for (let i = 0; i < entries.length; i++) {{\n    const name = entries[i][0], m = entries[i][1];\n    const c = {{ {} }};\n",
            copied("m")
        ));
        for f in fields.iter().filter(|f| f.skip_none) {
            let key = js_key(&f.key);
            js.push_str(&format!(
                "    if (m[{key}] !== undefined) c[{key}] = m[{key}];\n"
            ));
        }
        js.push_str("    // A name may be \"__proto__\": define it, never set the prototype.\n    if (name === \"__proto__\") Object.defineProperty(out, name, { value: c, enumerable: true, writable: true, configurable: true });\n    else out[name] = c;\n  }\n  return out;\n}\n");
    }

    let params = fields.iter().zip(&args).map(|(f, a)| {
        let a = format_ident!("{}", a);
        match f.kind {
            Kind::Number => quote!(#a: f64),
            Kind::Bool => quote!(#a: bool),
            Kind::Piece => quote!(#a: &::wasm_bindgen::JsValue),
        }
    });
    let pieces: Vec<&Field> = fields.iter().filter(|f| f.kind == Kind::Piece).collect();
    let piece_names: Vec<syn::Ident> = (0..pieces.len()).map(|i| format_ident!("p{}", i)).collect();
    let piece_exprs = pieces.iter().map(|f| {
        let ident = &f.ident;
        if f.skip_none {
            quote!(match &self.#ident {
                None => Piece::Value(::wasm_bindgen::JsValue::UNDEFINED),
                Some(v) => ToPiece::piece(v),
            })
        } else {
            quote!(ToPiece::piece(&self.#ident))
        }
    });
    let mut next_piece = piece_names.iter();
    let call_args: Vec<Tokens> = fields
        .iter()
        .map(|f| {
            let ident = &f.ident;
            match f.kind {
                Kind::Number => quote!(self.#ident as f64),
                Kind::Bool => quote!(self.#ident),
                Kind::Piece => {
                    let p = next_piece.next();
                    quote!(#p)
                }
            }
        })
        .collect();
    // A flattened value with nothing else present (a response without a
    // request_id) is that value's own object: no second call into JS.
    let shortcut = match fields.split_first() {
        Some((first, rest))
            if first.flatten && !rest.is_empty() && rest.iter().all(|f| f.skip_none) =>
        {
            let flat = &first.ident;
            let absent = rest.iter().map(|f| {
                let ident = &f.ident;
                quote!(self.#ident.is_none())
            });
            Some(quote!(if #(#absent)&&* { return Literal::to_js(&self.#flat); }))
        }
        _ => None,
    };
    let body = if pieces.is_empty() {
        quote!(#module::#build(#(#call_args),*))
    } else {
        let n = pieces.len();
        quote!(with_pieces([#(#piece_exprs),*], |[#(#piece_names),*]: [&::wasm_bindgen::JsValue; #n]| #module::#build(#(#call_args),*)))
    };
    let copy = copy_map.then(|| {
        quote! {
            #[allow(clippy::all)]
            impl LiteralMap for #name {
                fn copy_map(entries: &::wasm_bindgen::JsValue) -> ::wasm_bindgen::JsValue {
                    #module::#copy_fn(entries)
                }
            }
        }
    });
    let list = copy_list.then(|| {
        quote! {
            #[allow(clippy::all)]
            impl LiteralList for #name {
                fn copy_list(items: &::wasm_bindgen::JsValue) -> ::wasm_bindgen::JsValue {
                    #module::#list_fn(items)
                }
            }
        }
    });
    let list_import = copy_list.then(|| {
        quote! {
            #[wasm_bindgen(js_name = #list_js)]
            pub fn #list_fn(items: &::wasm_bindgen::JsValue) -> ::wasm_bindgen::JsValue;
        }
    });
    let copy_import = copy_map.then(|| {
        quote! {
            #[wasm_bindgen(js_name = #copy_js)]
            pub fn #copy_fn(entries: &::wasm_bindgen::JsValue) -> ::wasm_bindgen::JsValue;
        }
    });
    Ok(Parts {
        js,
        imports: quote! {
            #[wasm_bindgen(js_name = #build_js)]
            #[allow(clippy::too_many_arguments)]
            pub fn #build(#(#params),*) -> ::wasm_bindgen::JsValue;
            #copy_import
            #list_import
        },
        impls: quote! {
            #[allow(clippy::all)]
            impl Literal for #name {
                fn to_js(&self) -> ::wasm_bindgen::JsValue {
                    #shortcut
                    #body
                }
            }
            #[allow(clippy::all)]
            impl ToPiece for #name {
                fn piece(&self) -> Piece<'_> {
                    Piece::Value(Literal::to_js(self))
                }
            }
            #copy
            #list
        },
    })
}

fn enumeration(name: &syn::Ident, data: &syn::DataEnum) -> Tokens {
    let arms = data.variants.iter().map(|v| {
        let ident = &v.ident;
        quote!(#name::#ident(value) => Literal::to_js(value))
    });
    quote! {
        #[allow(clippy::all)]
        impl Literal for #name {
            fn to_js(&self) -> ::wasm_bindgen::JsValue {
                match self { #(#arms),* }
            }
        }
        #[allow(clippy::all)]
        impl ToPiece for #name {
            fn piece(&self) -> Piece<'_> {
                Piece::Value(Literal::to_js(self))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn derive(text: &str) -> syn::Result<String> {
        shape(&syn::parse_str::<DeriveInput>(text)?).map(|t| t.to_string())
    }

    fn generated(text: &str) -> syn::Result<String> {
        generated_with(text, false)
    }

    fn generated_with(text: &str, copy_map: bool) -> syn::Result<String> {
        let item: DeriveInput = syn::parse_str(text)?;
        let Data::Struct(data) = &item.data else {
            panic!("a struct")
        };
        let module = format_ident!("m");
        structure(
            &module,
            &item.ident,
            &data.fields,
            Copies {
                map: copy_map,
                list: copy_map,
            },
        )
        .map(|p| format!("{}\n{}\n{}", p.js, p.imports, p.impls))
    }

    #[test]
    fn serde_attributes_that_shape_the_json_are_carried_or_refused() {
        let carried = derive(
            r#"struct R { #[serde(flatten)] body: B, #[serde(rename = "id", skip_serializing_if = "Option::is_none")] request_id: Option<u8> }"#,
        )
        .unwrap();
        assert!(
            carried.contains("# [literal (flatten)] body : B"),
            "{carried}"
        );
        assert!(
            carried.contains("# [literal (key = \"id\" , skip_none)] request_id"),
            "{carried}"
        );
        for refused in [
            "struct R { #[serde(skip)] a: u8 }",
            "struct R { #[serde(skip_serializing_if = \"Vec::is_empty\")] a: Vec<u8> }",
            "struct R { #[serde(serialize_with = \"f\")] a: u8 }",
            "#[serde(rename_all = \"camelCase\")] struct R { a_b: u8 }",
            "enum E { A(u8) }",
            "#[serde(untagged)] enum E { A { x: u8 } }",
        ] {
            assert!(derive(refused).is_err(), "{refused} was accepted");
        }
        assert!(derive("#[serde(untagged)] enum E { A(u8), B(String) }").is_ok());
    }

    #[test]
    fn key_order_follows_serde_or_the_type_is_refused() {
        assert!(generated("struct R { a: u8, #[literal(flatten)] b: B }").is_err());
        assert!(generated("struct R { #[literal(skip_none)] a: Option<u8>, b: u8 }").is_err());
        let js = generated(
            "struct R { job_id: String, progress: f64, done: bool, #[literal(skip_none)] extra: Option<Vec<String>> }",
        )
        .unwrap();
        assert!(
            js.contains(r#"const o = { "job_id": a0, "progress": a1, "done": a2 };"#),
            "{js}"
        );
        assert!(
            js.contains(r#"if (a3 !== undefined) o["extra"] = a3;"#),
            "{js}"
        );
        assert!(
            js.contains("export function build_R(a0, a1, a2, a3)"),
            "{js}"
        );
        assert!(js.contains("a1 : f64 , a2 : bool"), "{js}");
    }

    #[test]
    fn a_flattened_value_is_the_base_object_and_copies_copy_arrays() {
        let js = generated(
            "struct R { #[literal(flatten)] body: B, #[literal(skip_none)] id: Option<u8> }",
        )
        .unwrap();
        assert!(js.contains("const o = a0;"), "{js}");
        assert!(
            js.contains("if self . id . is_none () { return Literal :: to_js (& self . body) ; }"),
            "{js}"
        );
        let copy = generated_with("struct M { size: f64, tags: Vec<String> }", true).unwrap();
        assert!(copy.contains(r#""tags": m["tags"].slice()"#), "{copy}");
        assert!(
            copy.contains("export function copyMap_M(entries)"),
            "{copy}"
        );
        assert!(copy.contains("__proto__"), "{copy}");
    }

    #[test]
    fn keys_are_written_as_json_strings() {
        assert_eq!(js_key("a\"b\\c\u{1}"), "\"a\\\"b\\\\c\\u0001\"");
    }
}
