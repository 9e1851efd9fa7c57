//! `#[derive(PgEnum)]`, `#[derive(PgComposite)]`, `#[derive(PgDomain)]`: a user-defined SQL
//! type whose marker is the Rust type itself, with its `TypeDef`, the type-table impls
//! (`sql_value!`) and a by-name binary `ToSql` / `FromSql`, inside one `const _: () = {..}`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Type};

use super::{krate, respan, user_span};

use crate::internals::attr::pg_type::{RenameRule, TypeContainer, TypeDerive, TypeMember};
use crate::internals::ctxt::Ctxt;

/// PostgreSQL truncates longer identifiers (NAMEDATALEN - 1).
const MAX_NAME: usize = 63;

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn opt_str(value: Option<String>) -> TokenStream {
    match value {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

/// What every type derive shares: the item, its attributes, the paths.
struct Common<'a> {
    ident: &'a Ident,
    attrs: TypeContainer,
    krate: TokenStream,
    name: String,
}

impl<'a> Common<'a> {
    fn new(cx: &Ctxt, item: &'a DeriveInput, derive: TypeDerive) -> Self {
        let attrs = TypeContainer::from_ast(cx, &item.attrs, derive);
        if !item.generics.params.is_empty() {
            cx.error_spanned_by(
                &item.generics,
                "a user-defined SQL type cannot be generic: it is one type in the database",
            );
        }
        let name = attrs.type_name.get().map_or_else(
            || RenameRule::Snake.apply(&item.ident.to_string()),
            LitStr::value,
        );
        if name.is_empty() || name.len() > MAX_NAME {
            let span = attrs
                .type_name
                .get()
                .map_or_else(|| item.ident.span(), LitStr::span);
            cx.error_at(
                span,
                format!("type name {name:?} must have 1 to {MAX_NAME} bytes"),
            );
        }
        let krate = krate(attrs.krate.get());
        Common {
            ident: &item.ident,
            attrs,
            krate,
            name,
        }
    }

    fn pt(&self) -> TokenStream {
        let k = &self.krate;
        quote!(#k::__private::postgres_types)
    }

    /// The `TypeDef` const, the `SqlType` / `UserType` impls and `sql_value!`.
    fn marker(&self, kind: TokenStream, extension: TokenStream) -> TokenStream {
        let k = &self.krate;
        let ident = self.ident;
        let name = &self.name;
        let schema_name = self.attrs.schema.get().map(LitStr::value);
        let mut sql_name = String::new();
        if let Some(s) = &schema_name {
            sql_name.push_str(&quote_ident(s));
            sql_name.push('.');
        }
        sql_name.push_str(&quote_ident(name));
        let schema = opt_str(schema_name);
        let create = self.attrs.create_type.get().copied().unwrap_or(true);
        quote! {
            const __ORM_DEF: #k::types::TypeDef = #k::types::TypeDef {
                name: #name,
                schema: #schema,
                kind: #kind,
                create: #create,
            };

            #[automatically_derived]
            impl #k::types::SqlType for #ident {
                const TYPE: #k::types::TypeInfo = {
                    let mut info = #k::types::TypeInfo::named(#sql_name).with_user_type(&__ORM_DEF);
                    info.extension = #extension;
                    info
                };
                const NULLABLE: bool = false;
                type NotNull = #ident;
                type Null = #k::types::NotNull;
            }

            #[automatically_derived]
            impl #k::types::UserType for #ident {
                const DEF: &'static #k::types::TypeDef = &__ORM_DEF;
            }

            #[automatically_derived]
            impl #k::types::HasSqlType for #ident {
                type SqlType = #ident;
            }

            #[automatically_derived]
            impl #k::types::FromSqlValue<#ident> for #ident {}

            // `Option<Self>` binds as a nullable value (the blanket impl over `SqlValue`).
            #[automatically_derived]
            impl #k::types::SqlValue for #ident {}

            #[automatically_derived]
            impl #k::expr::AsExpression<#ident> for #ident {
                type Tables = #k::scope::NoTable;
                type Null = #k::types::NotNull;
                fn into_node(self) -> #k::expr::Node {
                    #k::expr::Node::bind(self)
                }
            }

            #[automatically_derived]
            impl #k::expr::AsExpression<#k::types::Nullable<#ident>> for #ident {
                type Tables = #k::scope::NoTable;
                type Null = #k::types::NotNull;
                fn into_node(self) -> #k::expr::Node {
                    #k::expr::Node::bind(self)
                }
            }
        }
    }

    /// `Box<dyn Error + Sync + Send>`
    fn box_error(&self) -> TokenStream {
        quote!(
            ::std::boxed::Box<
                dyn ::std::error::Error + ::core::marker::Sync + ::core::marker::Send,
            >
        )
    }
}

/// `<Ty as HasSqlType>::SqlType as SqlType>::TYPE` as a `DdlType`, or the `sql_type`
/// override.
fn ddl_type(k: &TokenStream, ty: &Type, sql_type: Option<&LitStr>) -> TokenStream {
    match sql_type {
        Some(lit) => quote!(#k::metadata::DdlType::Custom(#lit)),
        None => {
            let info = respan(
                quote!(<<#ty as #k::types::HasSqlType>::SqlType as #k::types::SqlType>::TYPE),
                user_span(ty),
            );
            quote!(#k::metadata::DdlType::Mapped(#info))
        }
    }
}

/// Expands `#[derive(PgEnum)]`.
pub(crate) fn expand_enum(input: TokenStream) -> syn::Result<TokenStream> {
    let item: DeriveInput = syn::parse2(input)?;
    let cx = Ctxt::new();
    let common = Common::new(&cx, &item, TypeDerive::Enum);
    let Data::Enum(data) = &item.data else {
        cx.error_spanned_by(
            &item.ident,
            "`PgEnum` applies to an enum of unit variants (`enum Mood { Sad, Ok, Happy }`)",
        );
        cx.check()?;
        return Ok(TokenStream::new());
    };
    let mut labels: Vec<(String, &Ident)> = Vec::new();
    for v in &data.variants {
        let attrs = TypeMember::from_ast(&cx, &v.attrs, false);
        if !matches!(v.fields, Fields::Unit) {
            cx.error_spanned_by(
                &v.fields,
                "a `PgEnum` variant cannot hold data: each variant is one label",
            );
        }
        let label = match (attrs.rename.get(), common.attrs.rename_all.get()) {
            (Some(lit), _) => lit.value(),
            (None, Some(rule)) => rule.apply(&v.ident.to_string()),
            (None, None) => v.ident.to_string(),
        };
        if label.is_empty() || label.len() > MAX_NAME {
            let span = attrs
                .rename
                .get()
                .map_or_else(|| v.ident.span(), LitStr::span);
            cx.error_at(
                span,
                format!("enum label {label:?} must have 1 to {MAX_NAME} bytes"),
            );
        }
        if labels.iter().any(|(l, _)| *l == label) {
            let span = attrs
                .rename
                .get()
                .map_or_else(|| v.ident.span(), LitStr::span);
            cx.error_at(span, format!("duplicate enum label {label:?}"));
        }
        labels.push((label, &v.ident));
    }
    cx.check()?;

    let k = &common.krate;
    let pt = common.pt();
    let err = common.box_error();
    let ident = common.ident;
    let rust_name = ident.to_string();
    let label_strs: Vec<&String> = labels.iter().map(|(l, _)| l).collect();
    let variants: Vec<&Ident> = labels.iter().map(|(_, v)| *v).collect();
    let marker = common.marker(
        quote!(#k::types::user_defined::TypeDefKind::Enum { labels: &[#(#label_strs),*] }),
        quote!(::core::option::Option::None),
    );
    Ok(quote! {
        const _: () = {
            #marker

            #[automatically_derived]
            impl #pt::ToSql for #ident {
                fn to_sql(
                    &self,
                    _ty: &#pt::Type,
                    out: &mut #pt::private::BytesMut,
                ) -> ::core::result::Result<#pt::IsNull, #err> {
                    let label = match self {
                        #(#ident::#variants => #label_strs,)*
                    };
                    #k::types::user_defined::enum_to_sql(label, out)
                }

                fn accepts(ty: &#pt::Type) -> bool {
                    #k::types::user_defined::enum_accepts(&__ORM_DEF, ty)
                }

                #pt::to_sql_checked!();
            }

            #[automatically_derived]
            impl<'a> #pt::FromSql<'a> for #ident {
                fn from_sql(
                    ty: &#pt::Type,
                    raw: &'a [u8],
                ) -> ::core::result::Result<Self, #err> {
                    match #k::types::user_defined::enum_label(raw)? {
                        #(#label_strs => ::core::result::Result::Ok(#ident::#variants),)*
                        other => ::core::result::Result::Err(
                            #k::types::user_defined::unknown_label(ty, #rust_name, other),
                        ),
                    }
                }

                fn accepts(ty: &#pt::Type) -> bool {
                    #k::types::user_defined::enum_accepts(&__ORM_DEF, ty)
                }
            }
        };
    })
}

/// Expands `#[derive(PgComposite)]`.
pub(crate) fn expand_composite(input: TokenStream) -> syn::Result<TokenStream> {
    let item: DeriveInput = syn::parse2(input)?;
    let cx = Ctxt::new();
    let common = Common::new(&cx, &item, TypeDerive::Composite);
    let fields = match &item.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(&named.named),
            _ => None,
        },
        _ => None,
    };
    let Some(fields) = fields else {
        cx.error_spanned_by(
            &item.ident,
            "`PgComposite` applies to a struct with named fields (the type's attributes)",
        );
        cx.check()?;
        return Ok(TokenStream::new());
    };
    struct Attribute<'f> {
        ident: &'f Ident,
        ty: &'f Type,
        name: String,
        attrs: TypeMember,
    }
    let mut attributes: Vec<Attribute<'_>> = Vec::new();
    for f in fields {
        let attrs = TypeMember::from_ast(&cx, &f.attrs, true);
        let Some(ident) = &f.ident else { continue };
        let rust = syn::ext::IdentExt::unraw(ident).to_string();
        let name = match (attrs.rename.get(), common.attrs.rename_all.get()) {
            (Some(lit), _) => lit.value(),
            (None, Some(rule)) => rule.apply(&rust),
            (None, None) => rust,
        };
        if name.is_empty() || name.len() > MAX_NAME {
            cx.error_spanned_by(
                ident,
                format!("attribute name {name:?} must have 1 to {MAX_NAME} bytes"),
            );
        }
        if attributes.iter().any(|a| a.name == name) {
            cx.error_spanned_by(ident, format!("duplicate attribute name {name:?}"));
        }
        attributes.push(Attribute {
            ident,
            ty: &f.ty,
            name,
            attrs,
        });
    }
    cx.check()?;

    let k = &common.krate;
    let pt = common.pt();
    let err = common.box_error();
    let ident = common.ident;
    let defs = attributes.iter().map(|a| {
        let name = &a.name;
        let sql_type = ddl_type(k, a.ty, a.attrs.sql_type.get());
        let collation = opt_str(a.attrs.collate.get().map(LitStr::value));
        quote! {
            #k::types::user_defined::CompositeField {
                name: #name,
                sql_type: #sql_type,
                collation: #collation,
            }
        }
    });
    let marker = common.marker(
        quote!(#k::types::user_defined::TypeDefKind::Composite { fields: &[#(#defs),*] }),
        quote!(::core::option::Option::None),
    );
    let names: Vec<&String> = attributes.iter().map(|a| &a.name).collect();
    let idents: Vec<&Ident> = attributes.iter().map(|a| a.ident).collect();
    let tys: Vec<&Type> = attributes.iter().map(|a| a.ty).collect();
    let slots: Vec<Ident> = (0..attributes.len())
        .map(|i| quote::format_ident!("__orm_f{}", i))
        .collect();
    let to_accepts = tys.iter().map(|ty| {
        respan(
            quote!(<#ty as #pt::ToSql>::accepts as fn(&#pt::Type) -> bool),
            user_span(ty),
        )
    });
    let from_accepts = tys.iter().map(|ty| {
        respan(
            quote!(<#ty as #pt::FromSql<'static>>::accepts as fn(&#pt::Type) -> bool),
            user_span(ty),
        )
    });
    Ok(quote! {
        const _: () = {
            #marker

            #[automatically_derived]
            impl #pt::ToSql for #ident {
                fn to_sql(
                    &self,
                    ty: &#pt::Type,
                    out: &mut #pt::private::BytesMut,
                ) -> ::core::result::Result<#pt::IsNull, #err> {
                    #k::types::user_defined::composite_to_sql(
                        ty,
                        &[#((#names, &self.#idents as &(dyn #pt::ToSql + ::core::marker::Sync))),*],
                        out,
                    )
                }

                fn accepts(ty: &#pt::Type) -> bool {
                    #k::types::user_defined::composite_accepts(
                        &__ORM_DEF,
                        ty,
                        &[#((#names, #to_accepts)),*],
                    )
                }

                #pt::to_sql_checked!();
            }

            #[automatically_derived]
            impl<'a> #pt::FromSql<'a> for #ident {
                fn from_sql(
                    ty: &#pt::Type,
                    raw: &'a [u8],
                ) -> ::core::result::Result<Self, #err> {
                    let mut reader = #k::types::user_defined::CompositeReader::new(ty, raw)?;
                    #(let mut #slots: ::core::option::Option<#tys> = ::core::option::Option::None;)*
                    while let ::core::option::Option::Some((field, value)) = reader.next_field()? {
                        match field.name() {
                            #(#names => #slots = ::core::option::Option::Some(reader.decode::<#tys>(field, value)?),)*
                            _ => return ::core::result::Result::Err(reader.unknown_field(field)),
                        }
                    }
                    ::core::result::Result::Ok(#ident {
                        #(#idents: match #slots {
                            ::core::option::Option::Some(v) => v,
                            ::core::option::Option::None => {
                                return ::core::result::Result::Err(reader.missing_field(#names));
                            }
                        },)*
                    })
                }

                fn accepts(ty: &#pt::Type) -> bool {
                    #k::types::user_defined::composite_accepts(
                        &__ORM_DEF,
                        ty,
                        &[#((#names, #from_accepts)),*],
                    )
                }
            }
        };
    })
}

/// Expands `#[derive(PgDomain)]`.
pub(crate) fn expand_domain(input: TokenStream) -> syn::Result<TokenStream> {
    let item: DeriveInput = syn::parse2(input)?;
    let cx = Ctxt::new();
    let common = Common::new(&cx, &item, TypeDerive::Domain);
    let inner = match &item.data {
        Data::Struct(s) if s.fields.len() == 1 => s.fields.iter().next().map(|f| {
            let access = match &f.ident {
                Some(i) => quote!(#i),
                None => quote!(0),
            };
            (&f.ty, access)
        }),
        _ => None,
    };
    let Some((inner_ty, access)) = inner else {
        cx.error_spanned_by(
            &item.ident,
            "`PgDomain` applies to a newtype over the domain's base type (`struct PosInt(i32);`)",
        );
        cx.check()?;
        return Ok(TokenStream::new());
    };
    cx.check()?;

    let k = &common.krate;
    let pt = common.pt();
    let err = common.box_error();
    let ident = common.ident;
    let a = &common.attrs;
    let base = ddl_type(k, inner_ty, a.sql_type.get());
    let collation = opt_str(a.collate.get().map(LitStr::value));
    let default = opt_str(a.default.get().map(LitStr::value));
    let not_null = a.not_null.is_set();
    let checks = a.checks.iter().map(|c| {
        let name = opt_str(c.name.as_ref().map(LitStr::value));
        let expr = &c.expr;
        quote!(#k::types::user_defined::DomainCheck { name: #name, expr: #expr })
    });
    let inner_info = respan(
        quote!(<<#inner_ty as #k::types::HasSqlType>::SqlType as #k::types::SqlType>::TYPE),
        user_span(inner_ty),
    );
    let marker = common.marker(
        quote! {
            #k::types::user_defined::TypeDefKind::Domain(#k::types::user_defined::DomainDef {
                base: #base,
                collation: #collation,
                default: #default,
                not_null: #not_null,
                checks: &[#(#checks),*],
            })
        },
        quote!(#inner_info.extension),
    );
    let construct = match &item.data {
        Data::Struct(s) if matches!(s.fields, Fields::Named(_)) => {
            quote!(#ident { #access: v })
        }
        _ => quote!(#ident(v)),
    };
    Ok(quote! {
        const _: () = {
            #marker

            #[automatically_derived]
            impl #pt::ToSql for #ident {
                fn to_sql(
                    &self,
                    ty: &#pt::Type,
                    out: &mut #pt::private::BytesMut,
                ) -> ::core::result::Result<#pt::IsNull, #err> {
                    #pt::ToSql::to_sql(
                        &self.#access,
                        #k::types::user_defined::domain_base(&__ORM_DEF, ty),
                        out,
                    )
                }

                fn accepts(ty: &#pt::Type) -> bool {
                    #k::types::user_defined::domain_accepts(
                        &__ORM_DEF,
                        ty,
                        <#inner_ty as #pt::ToSql>::accepts,
                    )
                }

                #pt::to_sql_checked!();
            }

            #[automatically_derived]
            impl<'a> #pt::FromSql<'a> for #ident {
                fn from_sql(
                    ty: &#pt::Type,
                    raw: &'a [u8],
                ) -> ::core::result::Result<Self, #err> {
                    let v = <#inner_ty as #pt::FromSql<'a>>::from_sql(
                        #k::types::user_defined::domain_base(&__ORM_DEF, ty),
                        raw,
                    )?;
                    ::core::result::Result::Ok(#construct)
                }

                fn accepts(ty: &#pt::Type) -> bool {
                    #k::types::user_defined::domain_accepts(
                        &__ORM_DEF,
                        ty,
                        <#inner_ty as #pt::FromSql<'static>>::accepts,
                    )
                }
            }
        };
    })
}
