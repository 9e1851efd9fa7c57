//! The derive input as the expansion sees it: the struct, its fields and their parsed
//! `#[mapped(..)]` attributes.

use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Generics, Ident, Member, Type, Visibility};

use super::attr;
use super::ctxt::Ctxt;

/// A `#[derive(Model)]` struct.
pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) attrs: attr::Container,
    pub(crate) fields: Vec<Field<'a>>,
}

/// One named field of a model.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: attr::Field,
}

impl Field<'_> {
    /// The field name without `r#`.
    pub(crate) fn name(&self) -> String {
        self.ident.unraw().to_string()
    }
}

impl<'a> Container<'a> {
    /// Parses a model; `None` (with the errors in `cx`) when the input is not a struct with
    /// named fields.
    pub(crate) fn from_ast(cx: &Ctxt, item: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::Container::from_ast(cx, item);
        reject_generics(cx, &item.generics, "Model");
        let named = match &item.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(_) | Fields::Unit => {
                    cx.error_spanned_by(
                        &item.ident,
                        "`#[derive(Model)]` needs a struct with named fields (one per column)",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error_spanned_by(data.enum_token, "`#[derive(Model)]` works on structs only");
                return None;
            }
            Data::Union(data) => {
                cx.error_spanned_by(data.union_token, "`#[derive(Model)]` works on structs only");
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|f| {
                Some(Field {
                    ident: f.ident.as_ref()?,
                    ty: &f.ty,
                    attrs: attr::Field::from_ast(cx, f),
                })
            })
            .collect();
        Some(Container {
            ident: &item.ident,
            vis: &item.vis,
            attrs,
            fields,
        })
    }
}

/// A `#[derive(FromRow)]` struct.
pub(crate) struct RowStruct<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) attrs: attr::FromRowContainer,
    pub(crate) fields: Vec<RowField<'a>>,
}

/// One field of a `FromRow` struct.
pub(crate) struct RowField<'a> {
    pub(crate) member: Member,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: attr::FromRowField,
}

impl<'a> RowStruct<'a> {
    pub(crate) fn from_ast(cx: &Ctxt, item: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::FromRowContainer::from_ast(cx, item);
        let fields = match &item.data {
            Data::Struct(data) => &data.fields,
            Data::Enum(data) => {
                cx.error_spanned_by(
                    data.enum_token,
                    "`#[derive(FromRow)]` works on structs only",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`#[derive(FromRow)]` works on structs only",
                );
                return None;
            }
        };
        let fields = fields
            .iter()
            .enumerate()
            .map(|(i, f)| RowField {
                member: match &f.ident {
                    Some(ident) => Member::Named(ident.clone()),
                    None => Member::Unnamed(i.into()),
                },
                ty: &f.ty,
                attrs: attr::FromRowField::from_ast(cx, f),
            })
            .collect();
        Some(RowStruct {
            ident: &item.ident,
            generics: &item.generics,
            attrs,
            fields,
        })
    }
}

/// Models are concrete: their metadata is one `'static` value per type.
fn reject_generics(cx: &Ctxt, generics: &Generics, derive: &str) {
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            format!(
                "`#[derive({derive})]` does not support generic structs: a model's table metadata is one `'static` value"
            ),
        );
    }
}
