//! Unit tests: snapshots of the expansion (insta + prettyplease) and the attribute errors,
//! checked on `proc_macro2` tokens without a compiler.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand;

/// The expansion, formatted; panics (in tests only) on an error.
fn pretty(tokens: TokenStream) -> String {
    let file = syn::parse2::<syn::File>(tokens).expect("the expansion is a valid file");
    prettyplease::unparse(&file)
}

fn model(input: TokenStream) -> String {
    pretty(expand::model::expand(input).expect("the derive succeeds"))
}

fn from_row(input: TokenStream) -> String {
    pretty(expand::from_row::expand(input).expect("the derive succeeds"))
}

/// The messages of a failed expansion, in order.
fn model_errors(input: TokenStream) -> Vec<String> {
    match expand::model::expand(input) {
        Ok(_) => Vec::new(),
        Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// The first line of each message.
fn model_error_heads(input: TokenStream) -> Vec<String> {
    model_errors(input)
        .into_iter()
        .map(|m| m.lines().next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn snapshot_simple_model() {
    // The model of `orm_core::__doc`: the hand-written reference expansion.
    insta::assert_snapshot!(model(quote! {
        #[mapped(table = "accounts")]
        pub struct Account {
            #[mapped(primary_key, identity)]
            pub id: i64,
            pub owner_id: Option<i64>,
            pub name: String,
            pub balance: i64,
        }
    }));
}

#[test]
fn snapshot_full_model() {
    insta::assert_snapshot!(model(quote! {
        #[mapped(table = "users", schema = "app", comment = "people", crate = "::orm_core")]
        #[mapped(extension = "btree_gist", with(fillfactor = 70, autovacuum_enabled = false))]
        #[mapped(index(columns(email(desc, nulls_last), expr("lower(name)", ops = "text_pattern_ops")), unique, where = "deleted_at IS NULL", include(team_id)))]
        #[mapped(check = "version > 0")]
        #[mapped(unique(columns(team_id, email), nulls_not_distinct, deferrable))]
        #[mapped(foreign_key(columns(team_id), references = "app.teams(id)", on_delete = "set null"))]
        #[mapped(exclude(elements(team_id = "=", expr("tstzrange(a, b)") = "&&"), using = "gist"))]
        pub(crate) struct User {
            #[mapped(primary_key, identity(always, start = 10, increment = -1, cycle))]
            pub id: i64,
            #[mapped(unique, collate = "C", const_name = "EMAIL_ADDRESS")]
            pub email: String,
            #[mapped(rename = "display_name", sql_type = "VARCHAR(80)", comment = "shown")]
            pub name: Option<String>,
            #[mapped(references(Team::ID, on_delete = cascade, initially_deferred))]
            pub team_id: i64,
            #[mapped(references(Self::ID, name = "users_parent_fk"))]
            pub parent_id: Option<i64>,
            #[mapped(default = crate::defaults::region, check = "region <> ''")]
            pub region: String,
            #[mapped(server_default = "now()", on_update = "now()")]
            pub updated_at: std::time::SystemTime,
            #[mapped(on_update(value = std::time::SystemTime::now))]
            pub seen_at: std::time::SystemTime,
            #[mapped(sequence(name = "user_no", schema = "app", start = 100), index(using = "hash"))]
            pub user_no: i64,
            #[mapped(generated = "user_no * 2")]
            pub doubled: i64,
            #[mapped(version)]
            pub version: i32,
            #[mapped(skip)]
            pub cache: Vec<String>,
        }
    }));
}

#[test]
fn snapshot_composite_key_model() {
    insta::assert_snapshot!(model(quote! {
        #[mapped(table = "bookings", temporary, on_commit = "delete_rows")]
        #[mapped(primary_key(columns(room, slot)))]
        #[mapped(foreign_key(columns(room, slot), references(Booking::ROOM, Booking::SLOT), name = "self_fk"))]
        struct Booking {
            room: i32,
            slot: i64,
        }
    }));
}

#[test]
fn snapshot_from_row() {
    insta::assert_snapshot!(from_row(quote! {
        struct Summary<T: Clone> where T: Send {
            email: String,
            total: T,
            #[mapped(skip)]
            note: Option<String>,
        }
    }));
}

#[test]
fn snapshot_from_row_tuple_struct() {
    insta::assert_snapshot!(from_row(quote! {
        #[mapped(crate = "::orm_core")]
        struct Pair(i64, Option<String>);
    }));
}

#[test]
fn default_names_follow_postgresql() {
    let out = model(quote! {
        #[mapped(table = "t", check = "a > 0", check = "b > 0", check(expr = "c", name = "t_check2"))]
        #[mapped(index(columns(a, expr("x"), expr("y"))))]
        #[mapped(unique(columns(a)))]
        struct T {
            #[mapped(primary_key, unique, check = "a < 9", check = "a < 8")]
            a: i64,
            b: i64,
        }
    });
    for name in [
        "\"t_pkey\"",
        "\"t_a_key\"",
        "\"t_a_key1\"",
        "\"t_a_check\"",
        "\"t_a_check1\"",
        "\"t_check\"",
        "\"t_check1\"",
        "\"t_check2\"",
        "\"t_a_expr_expr1_idx\"",
    ] {
        assert!(out.contains(name), "{name} missing in:\n{out}");
    }
}

#[test]
fn unknown_keys_list_the_valid_ones_and_suggest() {
    let errors = model_errors(quote! {
        #[mapped(tabel = "x")]
        struct T {
            #[mapped(sql_typ = "TEXT", pk, nullable)]
            a: String,
        }
    });
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(
        errors[0]
            .starts_with("unknown struct attribute `tabel`; expected one of `table`, `schema`")
    );
    assert!(errors[0].contains("help: did you mean `table`? `#[mapped(table = \"users\")]`"));
    assert!(errors[1].contains("help: did you mean `sql_type`?"));
    assert!(errors[2].contains("help: did you mean `primary_key`?"));
    assert!(errors[3].contains("note: nullability comes from the field's type"));
    assert!(errors[4].starts_with("missing table name"));
}

#[test]
fn every_error_is_reported_at_once() {
    let heads = model_error_heads(quote! {
        #[mapped(table = 1, on_commit = "drop", index(columns(nope)))]
        struct T {
            #[mapped(identity, sequence = "s", rename = 2)]
            a: i64,
            #[mapped(skip, unique)]
            b: i64,
            #[mapped(index(columns(a)), references(Other))]
            c: i64,
        }
    });
    assert_eq!(
        heads,
        [
            "expected a string literal, found `1`",
            "expected a string literal, found `2`",
            "unknown `index` key `columns`; expected one of `name`, `unique`, `include`, `where`, `using`, `with`, `tablespace`, `concurrently`, `nulls_not_distinct`, `asc`, `desc`, `nulls_first`, `nulls_last`, `ops`, `collate`",
            "expected a model's column const such as `Other::ID`",
            "`on_commit` applies to temporary tables only",
            "`sequence` conflicts with `identity`: an identity column has its own sequence",
            "`unique` conflicts with `skip`: a skipped field is not a column",
            "`T` has no field `nope`; its column fields are `a`, `c`",
        ]
    );
}

#[test]
fn duplicates_and_conflicts() {
    let heads = model_error_heads(quote! {
        #[mapped(table = "t")]
        #[mapped(table = "u", primary_key(columns(a)))]
        struct T {
            #[mapped(primary_key, index(asc, desc, name = "x", name = "y"))]
            a: i64,
            #[mapped(generated = "a", server_default = "1", default = f)]
            b: i64,
        }
    });
    assert_eq!(
        heads,
        [
            "duplicate `table`",
            "`desc` conflicts with `asc`",
            "duplicate `name`",
            "the struct already declares `primary_key(columns(..))`",
            "`server_default` conflicts with `generated`: a generated column takes no default",
            "`default` conflicts with `generated`: a generated column cannot be written",
            "`default` conflicts with `server_default`: give the default on one side only",
        ]
    );
}

#[test]
fn a_const_named_table_is_refused() {
    let errors = model_errors(quote! {
        #[mapped(table = "t")]
        struct T {
            table: String,
            #[mapped(const_name = "A")]
            b: i64,
            a: i64,
            #[mapped(const_name = "not an ident")]
            c: i64,
        }
    });
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(errors[0].starts_with("the column const of this field would be `T::TABLE`"));
    assert!(errors[0].contains("#[mapped(const_name = \"TABLE_COLUMN\")]"));
    assert!(errors[1].starts_with("two fields get the column const `T::A`"));
    assert!(errors[2].starts_with("`not an ident` is not a valid Rust identifier"));
}

#[test]
fn long_names_are_refused() {
    let long = "x".repeat(60);
    let heads = model_error_heads(quote! {
        #[mapped(table = #long)]
        struct T {
            #[mapped(primary_key)]
            a: i64,
        }
    });
    assert_eq!(heads.len(), 1);
    assert!(heads[0].starts_with(&format!("the default name `{long}_pkey` is 65 bytes long")));
}

#[test]
fn foreign_key_shapes_are_checked() {
    let heads = model_error_heads(quote! {
        #[mapped(table = "t")]
        #[mapped(foreign_key(columns(a, b), references(O::A)))]
        #[mapped(foreign_key(columns(a), references = "o(x, y)"))]
        #[mapped(foreign_key(columns(a), references = "not a target"))]
        #[mapped(foreign_key(references(O::A)))]
        struct T {
            a: i64,
            b: i64,
            #[mapped(references(on_delete = cascade))]
            c: i64,
        }
    });
    assert_eq!(
        heads,
        [
            "expected `table(column, ..)` or `schema.table(column, ..)`",
            "`foreign_key` needs `columns(..)`",
            "`references` needs `the referenced column`",
            "this foreign key has 2 column(s) but references 1",
            "this foreign key has 1 column(s) but references 2",
        ]
    );
}

#[test]
fn shapes_that_are_not_models() {
    assert_eq!(
        model_error_heads(quote! { #[mapped(table = "t")] enum E { A } }),
        ["`#[derive(Model)]` works on structs only"]
    );
    assert_eq!(
        model_error_heads(quote! { #[mapped(table = "t")] struct P(i64); }),
        ["`#[derive(Model)]` needs a struct with named fields (one per column)"]
    );
    assert_eq!(
        model_error_heads(quote! { #[mapped(table = "t")] struct G<T> { a: T } }),
        [
            "`#[derive(Model)]` does not support generic structs: a model's table metadata is one `'static` value"
        ]
    );
}

#[test]
fn from_row_accepts_only_its_keys() {
    let errors = match expand::from_row::expand(quote! {
        #[mapped(table = "t")]
        struct S {
            #[mapped(skip, rename = "x")]
            a: i64,
        }
    }) {
        Ok(_) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    };
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "unknown `FromRow` struct attribute `table`; the only valid key is `crate`"
        )
    );
    assert!(
        errors[1].starts_with(
            "unknown `FromRow` field attribute `rename`; the only valid key is `skip`"
        )
    );
}

fn pg_type_errors(
    expand: fn(TokenStream) -> syn::Result<TokenStream>,
    input: TokenStream,
) -> Vec<String> {
    match expand(input) {
        Ok(_) => Vec::new(),
        Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn snapshot_pg_enum() {
    insta::assert_snapshot!(pretty(
        expand::pg_type::expand_enum(quote! {
            #[mapped(schema = "app", rename_all = "snake_case")]
            pub enum JobState {
                NotStarted,
                #[mapped(rename = "très bien")]
                Done,
            }
        })
        .expect("the derive succeeds")
    ));
}

#[test]
fn snapshot_pg_composite_and_domain() {
    insta::assert_snapshot!(pretty(
        expand::pg_type::expand_composite(quote! {
            #[mapped(type_name = "address", create_type = false)]
            pub struct Address {
                pub street: String,
                #[mapped(rename = "Zip", sql_type = "VARCHAR(10)", collate = "C")]
                pub zip: Option<String>,
            }
        })
        .expect("the derive succeeds")
    ));
    insta::assert_snapshot!(pretty(
        expand::pg_type::expand_domain(quote! {
            #[mapped(type_name = "pos_int", check = "VALUE > 0", check(name = "small", expr = "VALUE < 10"), not_null, default = "1")]
            pub struct PosInt(i32);
        })
        .expect("the derive succeeds")
    ));
}

#[test]
fn pg_type_attribute_errors() {
    let errors = pg_type_errors(
        expand::pg_type::expand_enum,
        quote! {
            #[mapped(type_nam = "x", rename_all = "Title Case", not_null)]
            enum E {
                A(i32),
                #[mapped(rename = "A")]
                B,
                #[mapped(sql_type = "TEXT")]
                C,
            }
        },
    );
    let heads: Vec<&str> = errors
        .iter()
        .map(|m| m.lines().next().unwrap_or_default())
        .collect();
    assert_eq!(
        heads,
        [
            "unknown `PgEnum` attribute `type_nam`; expected one of `type_name`, `schema`, `rename_all`, `create_type`, `crate`",
            r#"unknown `rename_all` rule "Title Case"; expected one of "lowercase", "UPPERCASE", "snake_case", "SCREAMING_SNAKE_CASE", "kebab-case", "camelCase", "PascalCase""#,
            "unknown `PgEnum` attribute `not_null`; expected one of `type_name`, `schema`, `rename_all`, `create_type`, `crate`",
            "a `PgEnum` variant cannot hold data: each variant is one label",
            r#"duplicate enum label "A""#,
            "unknown `PgEnum` variant attribute `sql_type`; the only valid key is `rename`",
        ]
    );
    assert!(
        errors[0].contains("help: did you mean `type_name`?"),
        "{}",
        errors[0]
    );
    let errors = pg_type_errors(
        expand::pg_type::expand_domain,
        quote! {
            #[mapped(check(name = "x"))]
            struct D(i32, i32);
        },
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("`check` needs `expr = \"..\"`"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("`PgDomain` applies to a newtype"),
        "{errors:?}"
    );
    let errors = pg_type_errors(
        expand::pg_type::expand_composite,
        quote! {
            struct T<X> { a: X }
        },
    );
    assert_eq!(
        errors,
        ["a user-defined SQL type cannot be generic: it is one type in the database"]
    );
}
