//! Code generation: one module per derive, each `TokenStream -> syn::Result<TokenStream>`.

pub(crate) mod from_row;
pub(crate) mod model;
pub(crate) mod pg_type;

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::quote;
use syn::Path;
use syn::spanned::Spanned;

/// A span at the user's tokens (errors point there) with mixed-site hygiene (local names
/// the macro introduces never capture the user's, nor the reverse).
pub(crate) fn user_span(tokens: &impl Spanned) -> Span {
    Span::mixed_site().located_at(tokens.span())
}

/// `tokens` with every token, the user's included, at `span`.
///
/// A type check is written as one expression (`<Ty as HasSqlType>::SqlType`) that appears
/// in several places of the output. Giving all of its tokens one span makes rustc see the
/// same error at the same place each time and report it once, at the user's token.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => {
                let mut out = Group::new(g.delimiter(), respan(g.stream(), span));
                out.set_span(span);
                TokenTree::Group(out)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

/// The path to `orm_core`: `#[mapped(crate = "..")]` or `::mapped::orm_core`.
pub(crate) fn krate(path: Option<&Path>) -> TokenStream {
    match path {
        Some(p) => quote!(#p),
        None => quote!(::mapped::orm_core),
    }
}
