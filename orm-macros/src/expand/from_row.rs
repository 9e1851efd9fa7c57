//! `#[derive(FromRow)]`: decodes a plain struct (an ad-hoc query result) from a row,
//! positionally, for any selection whose parts decode into the fields.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{DeriveInput, GenericParam, Ident, parse_quote};

use super::{krate, respan, user_span};
use crate::internals::ast::RowStruct;
use crate::internals::ctxt::Ctxt;

/// Expands `#[derive(FromRow)]` on `input`.
///
/// For `struct Summary { a: A, b: B }` this is
/// `impl<__S0, __S1> FromRow<(__S0, __S1)> for Summary where A: FromRow<__S0>, B: FromRow<__S1>`:
/// the struct decodes from any two-part selection whose parts decode into its fields (a
/// SQL type for one column, a model for its columns, ..). A one-field struct implements
/// `FromRow<(__S0,)>` only: a blanket `FromRow<__S0>` as well would overlap with it.
pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let item: DeriveInput = syn::parse2(input)?;
    let cx = Ctxt::new();
    let parsed = RowStruct::from_ast(&cx, &item);
    cx.check()?;
    let Some(st) = parsed else {
        return Ok(TokenStream::new());
    };
    let krate = krate(st.attrs.krate.get());
    let ident = st.ident;
    let row = quote!(__orm_row);
    let idx = quote!(__orm_idx);

    let mut generics = st.generics.clone();
    let mut selection: Vec<Ident> = Vec::new();
    let mut bounds = Vec::new();
    let mut inits = Vec::new();
    for field in &st.fields {
        let ty = field.ty;
        let member = &field.member;
        if field.attrs.skip.is_set() {
            let default = respan(
                quote!(<#ty as ::core::default::Default>::default),
                user_span(ty),
            );
            inits.push(quote!(#member: #default()));
            continue;
        }
        let s = format_ident!("__S{}", selection.len(), span = Span::call_site());
        // The selection parameter keeps its call-site span: it is declared by the impl.
        let ty_tokens = respan(quote!(#ty), user_span(ty));
        let bound = respan(quote!(#krate::row::FromRow), user_span(ty));
        bounds.push(quote!(#ty_tokens: #bound<#s>));
        let decode = respan(quote!(#krate::row::FromRow), user_span(ty));
        let decode = quote!(<#ty_tokens as #decode<#s>>::from_row);
        inits.push(quote!(#member: #decode(#row, #idx)?));
        selection.push(s);
    }
    for s in &selection {
        generics.params.push(GenericParam::Type(parse_quote!(#s)));
    }
    let (impl_generics, _, _) = generics.split_for_impl();
    let (_, ty_generics, where_clause) = st.generics.split_for_impl();
    let mut predicates = where_clause
        .map(|w| w.predicates.iter().map(|p| quote!(#p)).collect::<Vec<_>>())
        .unwrap_or_default();
    predicates.extend(bounds);
    // Tuple structs too: `Self { 0: .., 1: .. }` is valid Rust.
    let body = quote!(Self { #(#inits,)* });
    Ok(quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::row::FromRow<(#(#selection,)*)> for #ident #ty_generics
            where
                #(#predicates,)*
            {
                fn from_row(
                    #row: &dyn #krate::row::SqlRow,
                    #idx: &mut ::core::primitive::usize,
                ) -> ::core::result::Result<Self, #krate::row::DecodeError> {
                    ::core::result::Result::Ok(#body)
                }
            }
        };
    })
}
