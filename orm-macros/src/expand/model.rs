//! `#[derive(Model)]`: column consts, `Table`, `FromRow` (also for `Option<Self>`), `Model`,
//! and the compile-time type checks, all inside one `const _: () = { .. };`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, Path, Type};

use super::{krate, respan, user_span};

use crate::internals::ast::Container;
use crate::internals::attr::{self, Deferrable, NullsOrder, OnCommit, RefAction, SortOrder};
use crate::internals::check;
use crate::internals::ctxt::Ctxt;
use crate::internals::resolve::{self, Constraint, Element, ElementKind, Table, Target};

/// Expands `#[derive(Model)]` on `input`.
pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let item: DeriveInput = syn::parse2(input)?;
    let cx = Ctxt::new();
    let Some(cont) = Container::from_ast(&cx, &item) else {
        cx.check()?;
        return Ok(TokenStream::new());
    };
    check::check(&cx, &cont);
    let table = resolve::resolve(&cx, &cont);
    cx.check()?;
    Ok(Gen::new(&cont, &table).expand())
}

struct Gen<'a> {
    cont: &'a Container<'a>,
    table: &'a Table<'a>,
    krate: TokenStream,
    /// `#krate::metadata`
    m: TokenStream,
}

fn opt_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

fn opt_tokens(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(t) => quote!(::core::option::Option::Some(#t)),
        None => quote!(::core::option::Option::None),
    }
}

fn opt_i64(value: Option<i64>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn strs(values: &[String]) -> TokenStream {
    quote!(&[#(#values),*])
}

impl<'a> Gen<'a> {
    fn new(cont: &'a Container<'a>, table: &'a Table<'a>) -> Self {
        let krate = krate(cont.attrs.krate.get());
        let m = quote!(#krate::metadata);
        Gen {
            cont,
            table,
            krate,
            m,
        }
    }

    /// `<Ty as HasSqlType>::SqlType`, spanned at the field type.
    fn sql_type(&self, ty: &Type) -> TokenStream {
        let krate = &self.krate;
        respan(
            quote!(<#ty as #krate::types::HasSqlType>::SqlType),
            user_span(ty),
        )
    }

    /// `<<Ty as HasSqlType>::SqlType as SqlType>::#item`, spanned at the field type.
    fn sql_type_item(&self, ty: &Type, item: &str) -> TokenStream {
        let krate = &self.krate;
        let st = self.sql_type(ty);
        let item = syn::Ident::new(item, proc_macro2::Span::call_site());
        respan(
            quote!(<#st as #krate::types::SqlType>::#item),
            user_span(ty),
        )
    }

    fn expand(&self) -> TokenStream {
        let consts = self.column_consts();
        let table = self.table_impl();
        let from_row = self.decode_impls();
        let model = self.model_impl();
        let checks = self.checks();
        quote! {
            const _: () = {
                #consts
                #table
                #from_row
                #model
                #checks
            };
        }
    }

    fn column_consts(&self) -> TokenStream {
        let ident = self.cont.ident;
        let vis = self.cont.vis;
        let krate = &self.krate;
        let consts = self.table.columns.iter().map(|c| {
            let st = self.sql_type(c.field.ty);
            let name = &c.name;
            let idx = c.index;
            let cident = &c.const_ident;
            let doc = format!("The `{}` column (field `{}`).", c.name, c.field.name());
            // The initializer is inferred from the const's type, so its tokens get the
            // field type's span too.
            let init = respan(
                quote!(#krate::column::Column::new(#name, #idx)),
                user_span(c.field.ty),
            );
            quote! {
                #[doc = #doc]
                #vis const #cident: #krate::column::Column<#ident, #st> = #init;
            }
        });
        let keys = self.table.keys.iter().map(|k| {
            let kident = &k.ident;
            let init = match k.kind {
                resolve::KeyKind::PrimaryKey => quote!(primary_key()),
                resolve::KeyKind::Constraint(i) => quote!(constraint(#i)),
                resolve::KeyKind::Index(i) => quote!(index(#i)),
            };
            let doc = format!(
                "The unique key `{}`, as an `ON CONFLICT` target: `insert::<{}>()..on_conflict({}::{})`.",
                k.name, ident, ident, k.ident
            );
            quote! {
                #[doc = #doc]
                #vis const #kident: #krate::query::UniqueKey<#ident> = #krate::query::UniqueKey::#init;
            }
        });
        quote! {
            // A model need not use every column const.
            #[allow(dead_code)]
            impl #ident {
                #(#consts)*
                #(#keys)*
            }
        }
    }

    fn table_impl(&self) -> TokenStream {
        let ident = self.cont.ident;
        let krate = &self.krate;
        let m = &self.m;
        let a = &self.cont.attrs;
        let name = &self.table.name;
        let schema = opt_str(a.schema.get().map(|l| l.value()).as_deref());
        let rust_name = ident.to_string();
        let comment = opt_str(a.comment.get().map(|l| l.value()).as_deref());
        let columns = self.table.columns.iter().map(|c| self.column_def(c));
        let primary_key = opt_tokens(self.table.primary_key.as_ref().map(|pk| {
            let name = &pk.name;
            let cols = strs(&pk.columns);
            quote!(#m::PrimaryKeyDef { name: #name, columns: #cols })
        }));
        let constraints = self.table.constraints.iter().map(|c| self.constraint(c));
        let indexes = self.table.indexes.iter().map(|ix| self.index(ix));
        let sequences = self.table.sequences.iter().map(|s| {
            let name = &s.name;
            let schema = opt_str(s.schema.as_deref());
            let options = self.sequence_options(&s.options);
            quote!(#m::SequenceDef { name: #name, schema: #schema, options: #options })
        });
        let type_extensions = self
            .table
            .columns
            .iter()
            .filter(|c| !c.field.attrs.sql_type.is_set())
            .map(|c| {
                let info = self.sql_type_item(c.field.ty, "TYPE");
                quote!(#info.extension)
            });
        let explicit_extensions = a.extensions.iter();
        let options = self.table_options();
        quote! {
            const __ORM_TYPE_EXTENSIONS: &[::core::option::Option<&str>] = &[#(#type_extensions),*];
            const __ORM_EXPLICIT_EXTENSIONS: &[&str] = &[#(#explicit_extensions),*];
            const __ORM_EXTENSION_COUNT: ::core::primitive::usize =
                #krate::__private::extension_count(__ORM_EXPLICIT_EXTENSIONS, __ORM_TYPE_EXTENSIONS);
            const __ORM_EXTENSIONS: [&str; __ORM_EXTENSION_COUNT] =
                #krate::__private::extensions(__ORM_EXPLICIT_EXTENSIONS, __ORM_TYPE_EXTENSIONS);

            #[automatically_derived]
            impl #m::Table for #ident {
                const TABLE: &'static #m::TableDef = &#m::TableDef {
                    name: #name,
                    schema: #schema,
                    rust_name: #rust_name,
                    comment: #comment,
                    columns: &[#(#columns),*],
                    primary_key: #primary_key,
                    constraints: &[#(#constraints),*],
                    indexes: &[#(#indexes),*],
                    sequences: &[#(#sequences),*],
                    extensions: &__ORM_EXTENSIONS,
                    options: #options,
                };
            }
        }
    }

    fn table_options(&self) -> TokenStream {
        let m = &self.m;
        let a = &self.cont.attrs;
        let temporary = a.temporary.is_set();
        let unlogged = a.unlogged.is_set();
        let inherits = a
            .inherits
            .get()
            .map(|v| v.iter().map(|l| l.value()).collect::<Vec<_>>())
            .unwrap_or_default();
        let inherits = strs(&inherits);
        let partition_by = opt_str(a.partition_by.get().map(|l| l.value()).as_deref());
        let using = opt_str(a.using.get().map(|l| l.value()).as_deref());
        let with = self.with(a.with.get().map_or(&[], Vec::as_slice));
        let on_commit = opt_tokens(a.on_commit.get().map(|oc| match oc {
            OnCommit::PreserveRows => quote!(#m::OnCommit::PreserveRows),
            OnCommit::DeleteRows => quote!(#m::OnCommit::DeleteRows),
            OnCommit::Drop => quote!(#m::OnCommit::Drop),
        }));
        let tablespace = opt_str(a.tablespace.get().map(|l| l.value()).as_deref());
        quote! {
            #m::TableOptions {
                temporary: #temporary,
                unlogged: #unlogged,
                inherits: #inherits,
                partition_by: #partition_by,
                using: #using,
                with: #with,
                on_commit: #on_commit,
                tablespace: #tablespace,
            }
        }
    }

    fn with(&self, params: &[(String, String)]) -> TokenStream {
        let pairs = params.iter().map(|(k, v)| quote!((#k, #v)));
        quote!(&[#(#pairs),*])
    }

    fn column_def(&self, c: &resolve::Column<'_>) -> TokenStream {
        let m = &self.m;
        let a = &c.field.attrs;
        let ty = c.field.ty;
        let name = &c.name;
        let field = c.field.name();
        let sql_type = match a.sql_type.get() {
            Some(lit) => quote!(#m::DdlType::Custom(#lit)),
            None => {
                let info = self.sql_type_item(ty, "TYPE");
                quote!(#m::DdlType::Mapped(#info))
            }
        };
        let nullable = self.sql_type_item(ty, "NULLABLE");
        let primary_key = c.primary_key;
        let identity = opt_tokens(a.identity.get().map(|id| {
            let always = id.always;
            let options = self.sequence_options(&id.options.values());
            quote!(#m::IdentityDef { always: #always, options: #options })
        }));
        let sequence = opt_str(c.sequence.as_deref());
        let version = a.version.is_set();
        let server_default = a
            .server_default
            .get()
            .map(|l| l.value())
            .or_else(|| version.then(|| "1".to_owned()));
        let server_default = opt_str(server_default.as_deref());
        let default = opt_tokens(a.default.get().map(|path| self.value_fn(ty, path)));
        let on_update = opt_tokens(a.on_update.get().map(|ou| match ou {
            attr::OnUpdate::Sql(lit) => quote!(#m::OnUpdate::Sql(#lit)),
            attr::OnUpdate::Value(path) => {
                let f = self.value_fn(ty, path);
                quote!(#m::OnUpdate::Value(#f))
            }
        }));
        let generated = opt_str(a.generated.get().map(|l| l.value()).as_deref());
        let omit_on_insert = a.omit_on_insert.is_set();
        let collation = opt_str(a.collate.get().map(|l| l.value()).as_deref());
        let comment = opt_str(a.comment.get().map(|l| l.value()).as_deref());
        quote! {
            #m::ColumnDef {
                name: #name,
                field: #field,
                sql_type: #sql_type,
                nullable: #nullable,
                primary_key: #primary_key,
                identity: #identity,
                sequence: #sequence,
                server_default: #server_default,
                default: #default,
                on_update: #on_update,
                generated: #generated,
                version: #version,
                omit_on_insert: #omit_on_insert,
                collation: #collation,
                comment: #comment,
            }
        }
    }

    /// A `ValueFn` calling the user's `fn() -> FieldType`; a wrong return type is reported
    /// at the path.
    fn value_fn(&self, ty: &Type, path: &Path) -> TokenStream {
        let m = &self.m;
        let krate = &self.krate;
        let call = respan(
            quote!(#krate::__private::bind::<#ty>(#path())),
            user_span(path),
        );
        quote! {{
            fn __orm_value() -> #krate::__private::Param {
                #call
            }
            __orm_value as #m::ValueFn
        }}
    }

    fn sequence_options(&self, values: &[Option<i64>; 6]) -> TokenStream {
        let m = &self.m;
        let [start, increment, min_value, max_value, cache, cycle] = *values;
        let (start, increment, min_value, max_value, cache) = (
            opt_i64(start),
            opt_i64(increment),
            opt_i64(min_value),
            opt_i64(max_value),
            opt_i64(cache),
        );
        let cycle = cycle.is_some();
        quote! {
            #m::SequenceOptions {
                start: #start,
                increment: #increment,
                min_value: #min_value,
                max_value: #max_value,
                cache: #cache,
                cycle: #cycle,
            }
        }
    }

    fn deferrable(&self, d: Deferrable) -> TokenStream {
        let m = &self.m;
        match d {
            Deferrable::Unspecified => quote!(#m::Deferrable::Unspecified),
            Deferrable::InitiallyImmediate => quote!(#m::Deferrable::InitiallyImmediate),
            Deferrable::InitiallyDeferred => quote!(#m::Deferrable::InitiallyDeferred),
        }
    }

    fn ref_action(&self, action: Option<RefAction>) -> TokenStream {
        let m = &self.m;
        opt_tokens(action.map(|a| match a {
            RefAction::NoAction => quote!(#m::RefAction::NoAction),
            RefAction::Restrict => quote!(#m::RefAction::Restrict),
            RefAction::Cascade => quote!(#m::RefAction::Cascade),
            RefAction::SetNull => quote!(#m::RefAction::SetNull),
            RefAction::SetDefault => quote!(#m::RefAction::SetDefault),
        }))
    }

    fn constraint(&self, c: &Constraint) -> TokenStream {
        let m = &self.m;
        let krate = &self.krate;
        match c {
            Constraint::Unique {
                name,
                columns,
                nulls_not_distinct,
                include,
                deferrable,
            } => {
                let columns = strs(columns);
                let include = strs(include);
                let deferrable = self.deferrable(*deferrable);
                quote! {
                    #m::ConstraintDef::Unique(#m::UniqueDef {
                        name: #name,
                        columns: #columns,
                        nulls_not_distinct: #nulls_not_distinct,
                        include: #include,
                        deferrable: #deferrable,
                    })
                }
            }
            Constraint::Check {
                name,
                expr,
                no_inherit,
                not_valid,
            } => quote! {
                #m::ConstraintDef::Check(#m::CheckDef {
                    name: #name,
                    expr: #expr,
                    no_inherit: #no_inherit,
                    not_valid: #not_valid,
                })
            },
            Constraint::ForeignKey {
                name,
                columns,
                target,
                on_delete,
                on_update,
                deferrable,
                not_valid,
            } => {
                let columns = strs(columns);
                let (target, target_columns) = match target {
                    Target::Model(paths) => {
                        let first = paths.first();
                        let names = paths.iter().map(|p| {
                            respan(quote!(#krate::column::Column::name(&#p)), user_span(p))
                        });
                        (
                            quote!(#m::FkTarget::Model(#krate::__private::table_fn(#first))),
                            quote!(&[#(#names),*]),
                        )
                    }
                    Target::Named {
                        schema,
                        table,
                        columns,
                    } => {
                        let schema = opt_str(schema.as_deref());
                        (
                            quote!(#m::FkTarget::Named { schema: #schema, name: #table }),
                            strs(columns),
                        )
                    }
                };
                let on_delete = self.ref_action(*on_delete);
                let on_update = self.ref_action(*on_update);
                let deferrable = self.deferrable(*deferrable);
                quote! {
                    #m::ConstraintDef::ForeignKey(#m::ForeignKeyDef {
                        name: #name,
                        columns: #columns,
                        target: #target,
                        target_columns: #target_columns,
                        on_delete: #on_delete,
                        on_update: #on_update,
                        deferrable: #deferrable,
                        not_valid: #not_valid,
                    })
                }
            }
            Constraint::Exclude {
                name,
                using,
                elements,
                include,
                predicate,
                deferrable,
            } => {
                let elements = elements.iter().map(|(e, op)| {
                    let e = self.element(e);
                    quote!(#m::ExcludeElement { element: #e, operator: #op })
                });
                let include = strs(include);
                let predicate = opt_str(predicate.as_deref());
                let deferrable = self.deferrable(*deferrable);
                quote! {
                    #m::ConstraintDef::Exclude(#m::ExcludeDef {
                        name: #name,
                        using: #using,
                        elements: &[#(#elements),*],
                        include: #include,
                        predicate: #predicate,
                        deferrable: #deferrable,
                    })
                }
            }
        }
    }

    fn element(&self, e: &Element) -> TokenStream {
        let m = &self.m;
        let target = match &e.target {
            ElementKind::Column(c) => quote!(#m::IndexTarget::Column(#c)),
            ElementKind::Expr(x) => quote!(#m::IndexTarget::Expr(#x)),
        };
        let collation = opt_str(e.collation.as_deref());
        let opclass = opt_str(e.opclass.as_deref());
        let order = opt_tokens(e.order.map(|o| match o {
            SortOrder::Asc => quote!(#m::SortOrder::Asc),
            SortOrder::Desc => quote!(#m::SortOrder::Desc),
        }));
        let nulls = opt_tokens(e.nulls.map(|n| match n {
            NullsOrder::First => quote!(#m::NullsOrder::First),
            NullsOrder::Last => quote!(#m::NullsOrder::Last),
        }));
        quote! {
            #m::IndexElement {
                target: #target,
                collation: #collation,
                opclass: #opclass,
                order: #order,
                nulls: #nulls,
            }
        }
    }

    fn index(&self, ix: &resolve::Index) -> TokenStream {
        let m = &self.m;
        let name = &ix.name;
        let unique = ix.unique;
        let concurrently = ix.concurrently;
        let using = opt_str(ix.using.as_deref());
        let elements = ix.elements.iter().map(|e| self.element(e));
        let include = strs(&ix.include);
        let nulls_not_distinct = ix.nulls_not_distinct;
        let with = self.with(&ix.with);
        let tablespace = opt_str(ix.tablespace.as_deref());
        let predicate = opt_str(ix.predicate.as_deref());
        quote! {
            #m::IndexDef {
                name: #name,
                unique: #unique,
                concurrently: #concurrently,
                using: #using,
                elements: &[#(#elements),*],
                include: #include,
                nulls_not_distinct: #nulls_not_distinct,
                with: #with,
                tablespace: #tablespace,
                predicate: #predicate,
            }
        }
    }

    fn decode_impls(&self) -> TokenStream {
        let ident = self.cont.ident;
        let krate = &self.krate;
        let row = quote!(__orm_row);
        let idx = quote!(__orm_idx);
        let fields = self.cont.fields.iter().map(|f| {
            let member = f.ident;
            let ty = f.ty;
            if f.attrs.skip.is_set() {
                let default = respan(
                    quote!(<#ty as ::core::default::Default>::default),
                    user_span(ty),
                );
                quote!(#member: #default())
            } else {
                let decode = respan(
                    quote!(#krate::__private::decode_column::<#ty>),
                    user_span(ty),
                );
                quote!(#member: #decode(#row, #idx)?)
            }
        });
        let n = self.table.columns.len();
        quote! {
            #[automatically_derived]
            impl #krate::row::FromRow<#ident> for #ident {
                fn from_row(
                    #row: &dyn #krate::row::SqlRow,
                    #idx: &mut ::core::primitive::usize,
                ) -> ::core::result::Result<Self, #krate::row::DecodeError> {
                    ::core::result::Result::Ok(#ident {
                        #(#fields,)*
                    })
                }
            }

            /// `None` when all the model's columns are NULL (an outer join that matched nothing).
            #[automatically_derived]
            impl #krate::row::FromRow<#ident> for ::core::option::Option<#ident> {
                fn from_row(
                    #row: &dyn #krate::row::SqlRow,
                    #idx: &mut ::core::primitive::usize,
                ) -> ::core::result::Result<Self, #krate::row::DecodeError> {
                    if #krate::__private::all_null(#row, *#idx, #n) {
                        *#idx += #n;
                        return ::core::result::Result::Ok(::core::option::Option::None);
                    }
                    <#ident as #krate::row::FromRow<#ident>>::from_row(#row, #idx)
                        .map(::core::option::Option::Some)
                }
            }
        }
    }

    fn model_impl(&self) -> TokenStream {
        let ident = self.cont.ident;
        let krate = &self.krate;
        let values = self.table.columns.iter().map(|c| {
            let member = c.field.ident;
            let ty = c.field.ty;
            // `self` stays outside the respanned tokens: with mixed-site hygiene it would
            // not resolve to the method's `self`.
            let bind = respan(quote!(#krate::__private::bind_column::<#ty>), user_span(ty));
            let clone = respan(quote!(<#ty as ::core::clone::Clone>::clone), user_span(ty));
            quote!(#bind(#clone(&self.#member)))
        });
        let values: Vec<TokenStream> = values.collect();
        let other_values: Vec<TokenStream> = self
            .table
            .columns
            .iter()
            .map(|c| {
                let member = c.field.ident;
                let ty = c.field.ty;
                let bind = respan(quote!(#krate::__private::bind_column::<#ty>), user_span(ty));
                let clone = respan(quote!(<#ty as ::core::clone::Clone>::clone), user_span(ty));
                quote!(#bind(#clone(&__orm_other.#member)))
            })
            .collect();
        let idx: Vec<usize> = self.table.columns.iter().map(|c| c.index).collect();
        let members: Vec<&syn::Ident> = self.table.columns.iter().map(|c| c.field.ident).collect();
        let decodes = self.table.columns.iter().map(|c| {
            let ty = c.field.ty;
            respan(
                quote!(#krate::__private::decode_column::<#ty>),
                user_span(ty),
            )
        });
        let clones = self.table.columns.iter().map(|c| {
            let ty = c.field.ty;
            respan(quote!(<#ty as ::core::clone::Clone>::clone), user_span(ty))
        });
        let has_pk = self.table.primary_key.as_ref().map(|pk| self.key_impl(pk));
        quote! {
            #[automatically_derived]
            impl #krate::model::Model for #ident {
                fn column_values(&self) -> ::std::vec::Vec<#krate::__private::Param> {
                    ::std::vec::Vec::from([#(#values),*])
                }

                fn column_value(
                    &self,
                    __orm_idx: ::core::primitive::usize,
                ) -> ::core::option::Option<#krate::__private::Param> {
                    match __orm_idx {
                        #(#idx => ::core::option::Option::Some(#values),)*
                        _ => ::core::option::Option::None,
                    }
                }

                fn column_eq(
                    &self,
                    __orm_other: &Self,
                    __orm_idx: ::core::primitive::usize,
                ) -> ::core::primitive::bool {
                    #[allow(unused_imports)]
                    use #krate::__private::{ViaNothing as _, ViaPartialEq as _};
                    match __orm_idx {
                        #(#idx => match (&#krate::__private::EqProbe(&self.#members, &__orm_other.#members)).same_value() {
                            ::core::option::Option::Some(__orm_same) => __orm_same,
                            ::core::option::Option::None => #krate::__private::same_text(#values, #other_values),
                        },)*
                        _ => false,
                    }
                }

                fn column_changed(
                    &self,
                    __orm_base: &Self,
                    __orm_idx: ::core::primitive::usize,
                ) -> ::core::primitive::bool {
                    #[allow(unused_imports)]
                    use #krate::__private::{ViaTracked as _, ViaUntracked as _};
                    match __orm_idx {
                        #(#idx => match (&#krate::__private::TrackProbe(&self.#members, &__orm_base.#members)).changed() {
                            ::core::option::Option::Some(__orm_changed) => __orm_changed,
                            ::core::option::Option::None => !<Self as #krate::model::Model>::column_eq(self, __orm_base, __orm_idx),
                        },)*
                        _ => false,
                    }
                }

                fn column_patch(
                    &self,
                    __orm_base: &Self,
                    __orm_idx: ::core::primitive::usize,
                ) -> ::core::option::Option<#krate::mutable::Patch> {
                    #[allow(unused_imports)]
                    use #krate::__private::{ViaTracked as _, ViaUntracked as _};
                    let __orm_column = <Self as #krate::metadata::Table>::TABLE.columns.get(__orm_idx)?;
                    match __orm_idx {
                        #(#idx => (&#krate::__private::TrackProbe(&self.#members, &__orm_base.#members)).patch(__orm_column),)*
                        _ => ::core::option::Option::None,
                    }
                }

                fn copy_column(&mut self, __orm_other: &Self, __orm_idx: ::core::primitive::usize) {
                    match __orm_idx {
                        #(#idx => self.#members = #clones(&__orm_other.#members),)*
                        _ => {}
                    }
                }

                fn decode_column(
                    &mut self,
                    __orm_idx: ::core::primitive::usize,
                    __orm_row: &dyn #krate::row::SqlRow,
                    __orm_at: &mut ::core::primitive::usize,
                ) -> ::core::result::Result<(), #krate::row::DecodeError> {
                    match __orm_idx {
                        #(#idx => self.#members = #decodes(__orm_row, __orm_at)?,)*
                        _ => {}
                    }
                    ::core::result::Result::Ok(())
                }
            }
            #has_pk
        }
    }

    /// `HasPrimaryKey`: the key type (the key field's type, or a tuple of them), the key's
    /// column indexes, and the key's values.
    fn key_impl(&self, pk: &resolve::PrimaryKey) -> TokenStream {
        let ident = self.cont.ident;
        let krate = &self.krate;
        let cols: Vec<&resolve::Column<'_>> = pk
            .columns
            .iter()
            .filter_map(|name| self.table.columns.iter().find(|c| &c.name == name))
            .collect();
        let idx: Vec<usize> = cols.iter().map(|c| c.index).collect();
        let tys: Vec<&Type> = cols.iter().map(|c| c.field.ty).collect();
        let members: Vec<&syn::Ident> = cols.iter().map(|c| c.field.ident).collect();
        let binds: Vec<TokenStream> = tys
            .iter()
            .map(|ty| respan(quote!(#krate::__private::bind_column::<#ty>), user_span(ty)))
            .collect();
        let clones: Vec<TokenStream> = tys
            .iter()
            .map(|ty| respan(quote!(<#ty as ::core::clone::Clone>::clone), user_span(ty)))
            .collect();
        let (key_ty, key_expr, params) = if cols.len() == 1 {
            let ty = tys[0];
            let m = members[0];
            let clone = &clones[0];
            let bind = &binds[0];
            (
                quote!(#ty),
                quote!(#clone(&self.#m)),
                quote!(::std::vec::Vec::from([#bind(#clone(__orm_key))])),
            )
        } else {
            let n: Vec<syn::Index> = (0..cols.len()).map(syn::Index::from).collect();
            (
                quote!((#(#tys,)*)),
                quote!((#(#clones(&self.#members),)*)),
                quote!(::std::vec::Vec::from([#(#binds(#clones(&__orm_key.#n))),*])),
            )
        };
        // The key's types must be hashable: spanned at the field type.
        let checks = tys.iter().map(|ty| {
            respan(
                quote!(#krate::__private::assert_key_type::<#ty>();),
                user_span(ty),
            )
        });
        quote! {
            #[automatically_derived]
            impl #krate::model::HasPrimaryKey for #ident {
                type Key = #key_ty;
                const KEY_COLUMNS: &'static [::core::primitive::usize] = &[#(#idx),*];

                fn key(&self) -> Self::Key {
                    #key_expr
                }

                fn key_params(__orm_key: &Self::Key) -> ::std::vec::Vec<#krate::__private::Param> {
                    #params
                }
            }
            const _: fn() = || {
                #(#checks)*
            };
        }
    }

    /// Type checks, each spanned at the tokens the user must change.
    fn checks(&self) -> TokenStream {
        let krate = &self.krate;
        let mut checks = Vec::new();
        let mut separate = Vec::new();
        for c in &self.table.columns {
            let ty = c.field.ty;
            let a = &c.field.attrs;
            // #[mapped(sql_type = "..")] must name the field's SQL type (for known names).
            if let Some(lit) = a.sql_type.get() {
                let info = self.sql_type_item(ty, "TYPE");
                let message = format!(
                    "`sql_type = {:?}` does not match the SQL type of the field's Rust type `{}` \
                     (see the type table in `orm_core::types`): change the field's type or the sql_type",
                    lit.value(),
                    quote!(#ty).to_string().replace(' ', "")
                );
                // A const block of its own: const evaluation stops at the first failure.
                let assert = respan(
                    quote!(::core::assert!(#krate::__private::ddl_type_fits(#info, #lit), #message);),
                    user_span(lit),
                );
                separate.push(quote!(const _: () = { #assert };));
            }
            if a.identity.is_set() || a.version.is_set() {
                let st = self.sql_type(ty);
                checks.push(respan(
                    quote!(#krate::__private::assert_integer::<#st>();),
                    user_span(ty),
                ));
            }
        }
        for fk in &self.table.fk_checks {
            let this = &fk.this;
            let column = &fk.column;
            checks.push(respan(
                quote!(#krate::__private::fk_column(#this, #column);),
                user_span(column),
            ));
            if let Some(first) = &fk.first {
                checks.push(respan(
                    quote!(#krate::__private::same_table(#first, #column);),
                    user_span(column),
                ));
            }
        }
        if checks.is_empty() {
            return quote!(#(#separate)*);
        }
        quote! {
            const _: () = {
                #(#checks)*
            };
            #(#separate)*
        }
    }
}
