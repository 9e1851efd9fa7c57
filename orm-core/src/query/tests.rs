//! Exact SQL and parameters of the statement builders.

use pretty_assertions::assert_eq;

use crate::__doc::{Account, Owner};
use crate::prelude::*;

fn s(e: impl QueryFragment) -> String {
    e.to_sql().sql().to_owned()
}

fn sql_of(q: &impl QueryFragment) -> (String, usize) {
    let c = q.to_sql();
    (c.sql().to_owned(), c.params().len())
}

#[test]
fn precedence_adds_parentheses_only_where_needed() {
    let e = Account::BALANCE
        .gt(1_i64)
        .or(Account::BALANCE.lt(0_i64))
        .and(Account::NAME.is_not_null());
    assert_eq!(
        e.into_expr().to_sql().sql(),
        r#"("accounts"."balance" > $1 OR "accounts"."balance" < $2) AND "accounts"."name" IS NOT NULL"#
    );
    let e = Account::BALANCE - (Account::BALANCE - 1_i64);
    assert_eq!(
        e.to_sql().sql(),
        r#""accounts"."balance" - ("accounts"."balance" - $1)"#
    );
    let e = (Account::BALANCE + 1_i64) * 2_i64;
    assert_eq!(e.to_sql().sql(), r#"("accounts"."balance" + $1) * $2"#);
    let e = Account::BALANCE + Account::BALANCE * 2_i64;
    assert_eq!(
        e.to_sql().sql(),
        r#""accounts"."balance" + "accounts"."balance" * $1"#
    );
    let e = Account::NAME.eq("a").not();
    assert_eq!(e.to_sql().sql(), r#"NOT "accounts"."name" = $1"#);
    let e = Account::NAME.eq("a").or(Account::NAME.eq("b")).not();
    assert_eq!(
        e.to_sql().sql(),
        r#"NOT ("accounts"."name" = $1 OR "accounts"."name" = $2)"#
    );
}

#[test]
fn debug_sql_inlines_values_for_display_only() {
    let q = select_from::<Account>()
        .select(Account::ID)
        .filter(Account::NAME.eq("O'Brien").and(Account::OWNER_ID.eq(3_i64)));
    let c = q.to_sql();
    assert_eq!(
        c.sql(),
        r#"SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."name" = $1 AND "accounts"."owner_id" = $2"#
    );
    assert_eq!(
        c.debug_sql(),
        r#"SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."name" = 'O''Brien' AND "accounts"."owner_id" = 3"#
    );
}

#[test]
fn identifiers_are_always_quoted_and_escaped() {
    let c = select_from_name("we\"ird").to_sql();
    assert_eq!(c.sql(), r#"SELECT * FROM "we""ird""#);
}

#[test]
fn shared_param_gets_one_number() {
    let p = param(5_i64);
    let q = select_from::<Account>()
        .select(Account::ID)
        .filter(Account::ID.eq(p.clone()).or(Account::BALANCE.gt(p)))
        .limit(3);
    let (sql, n) = sql_of(&q);
    assert_eq!(
        sql,
        r#"SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."id" = $1 OR "accounts"."balance" > $1 LIMIT $2"#
    );
    assert_eq!(n, 2);
}

#[test]
fn comparison_operators() {
    let cases: Vec<(String, &str)> = vec![
        (s(Account::ID.ne(1_i64)), r#""accounts"."id" <> $1"#),
        (s(Account::ID.le(1_i64)), r#""accounts"."id" <= $1"#),
        (s(Account::ID.ge(1_i64)), r#""accounts"."id" >= $1"#),
        (
            s(Account::OWNER_ID.is_distinct_from(1_i64)),
            r#""accounts"."owner_id" IS DISTINCT FROM $1"#,
        ),
        (
            s(Account::OWNER_ID.is_not_distinct_from(Account::ID)),
            r#""accounts"."owner_id" IS NOT DISTINCT FROM "accounts"."id""#,
        ),
        (
            s(Account::OWNER_ID.is_null()),
            r#""accounts"."owner_id" IS NULL"#,
        ),
        (
            s(Account::ID.between(1_i64, 9_i64)),
            r#""accounts"."id" BETWEEN $1 AND $2"#,
        ),
        (
            s(Account::ID.not_between(1_i64, 9_i64)),
            r#""accounts"."id" NOT BETWEEN $1 AND $2"#,
        ),
        (
            s(Account::ID.in_list([1_i64, 2, 3])),
            r#""accounts"."id" IN ($1, $2, $3)"#,
        ),
        (
            s(Account::ID.in_list(Vec::<i64>::new())),
            r#""accounts"."id" IN (NULL)"#,
        ),
        (
            s(Account::ID.not_in_list([1_i64])),
            r#""accounts"."id" NOT IN ($1)"#,
        ),
        (
            s(Account::ID.ne_all(vec![1_i64, 2])),
            r#""accounts"."id" <> ALL($1)"#,
        ),
        (
            s(Account::NAME.any_op("LIKE", vec!["a%".to_owned()])),
            r#""accounts"."name" LIKE ANY($1)"#,
        ),
        (
            s(Account::NAME.not_like("a%")),
            r#""accounts"."name" NOT LIKE $1"#,
        ),
        (
            s(Account::NAME.not_ilike("a%")),
            r#""accounts"."name" NOT ILIKE $1"#,
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

#[test]
fn nullable_column_compares_with_plain_value_and_column() {
    // Nullable<Int8> against i64 and against an Int8 column.
    let e = Account::OWNER_ID
        .eq(1_i64)
        .and(Account::OWNER_ID.eq(Account::ID));
    assert_eq!(
        e.to_sql().sql(),
        r#""accounts"."owner_id" = $1 AND "accounts"."owner_id" = "accounts"."id""#
    );
}

#[test]
fn functions_casts_and_coalesce() {
    let e = Account::OWNER_ID.coalesce(0_i64).cast::<Text>().concat("!");
    assert_eq!(
        e.to_sql().sql(),
        r#"CAST(COALESCE("accounts"."owner_id", $1::BIGINT) AS TEXT) || $2"#
    );
    let e = upper(Account::NAME).concat(lower(Account::NAME));
    assert_eq!(
        e.to_sql().sql(),
        r#"upper("accounts"."name") || lower("accounts"."name")"#
    );
    let e = length(Account::NAME).gt(3_i32);
    assert_eq!(e.to_sql().sql(), r#"length("accounts"."name") > $1"#);
    let e = Account::BALANCE.neg();
    assert_eq!(e.to_sql().sql(), r#"-"accounts"."balance""#);
    let e = typed_value::<Array<Int8>>(vec![1_i64]);
    assert_eq!(e.to_sql().sql(), "$1::BIGINT[]");
    let e = array::<Int8, _>([1_i64, 2]);
    assert_eq!(e.to_sql().sql(), "ARRAY[$1, $2]::BIGINT[]");
    let e = coalesce::<Int8, _>([1_i64, 2]);
    assert_eq!(e.to_sql().sql(), "COALESCE($1::BIGINT, $2::BIGINT)");
    let e = case::<Int8>().when(Account::ID.eq(1_i64), Account::BALANCE);
    assert_eq!(
        e.into_expr().to_sql().sql(),
        r#"CASE WHEN "accounts"."id" = $1 THEN "accounts"."balance" END"#
    );
}

#[test]
fn aggregates_with_order_filter_distinct() {
    let q = select_from::<Account>()
        .select((
            Account::OWNER_ID,
            count_star().label("n"),
            count(Account::NAME).distinct(),
            sum(Account::BALANCE).filter(Account::BALANCE.gt(0_i64)),
            avg(Account::BALANCE),
            min(Account::BALANCE),
            max(Account::NAME),
            string_agg(Account::NAME, ", ").order_by(Account::NAME.desc().nulls_first()),
            bool_and(Account::BALANCE.gt(0_i64)),
            bool_or(Account::BALANCE.lt(0_i64)),
        ))
        .group_by(Account::OWNER_ID)
        .having(count_star().gt(1_i64))
        .order_by(Account::OWNER_ID.asc().nulls_last());
    assert_eq!(
        q.to_sql().sql(),
        concat!(
            r#"SELECT "accounts"."owner_id", count(*) AS "n", count(DISTINCT "accounts"."name"), "#,
            r#"sum("accounts"."balance") FILTER (WHERE "accounts"."balance" > $1), avg("accounts"."balance"), "#,
            r#"min("accounts"."balance"), max("accounts"."name"), "#,
            r#"string_agg("accounts"."name", $2 ORDER BY "accounts"."name" DESC NULLS FIRST), "#,
            r#"bool_and("accounts"."balance" > $3), bool_or("accounts"."balance" < $4) "#,
            r#"FROM "accounts" GROUP BY "accounts"."owner_id" HAVING count(*) > $5 "#,
            r#"ORDER BY "accounts"."owner_id" ASC NULLS LAST"#
        )
    );
}

#[test]
fn joins_of_every_kind() {
    let on = || Owner::ID.eq(Account::OWNER_ID);
    let q = select_from::<Account>()
        .inner_join::<Owner, _>(on())
        .select(Owner::NAME);
    assert!(q.to_sql().sql().contains(r#" INNER JOIN "owners" ON "#));
    let q = select_from::<Account>()
        .right_join::<Owner, _>(on())
        .select(Owner::NAME);
    assert!(q.to_sql().sql().contains(r#" RIGHT JOIN "owners" ON "#));
    let q = select_from::<Account>()
        .full_join::<Owner, _>(on())
        .select(Owner::NAME);
    assert!(q.to_sql().sql().contains(r#" FULL JOIN "owners" ON "#));
    let q = select_from::<Account>()
        .cross_join::<Owner>()
        .select((Account::ID, Owner::ID));
    assert_eq!(
        q.to_sql().sql(),
        r#"SELECT "accounts"."id", "owners"."id" FROM "accounts" CROSS JOIN "owners""#
    );
    let q = select_from::<Account>()
        .left_join::<Owner, _>(on())
        .select((all_columns::<Account>(), all_columns::<Owner>()));
    assert_eq!(
        q.to_sql().sql(),
        concat!(
            r#"SELECT "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance", "owners"."id", "owners"."name" "#,
            r#"FROM "accounts" LEFT JOIN "owners" ON "owners"."id" = "accounts"."owner_id""#
        )
    );
}

#[test]
fn locks_distinct_only() {
    let q = select_from::<Account>()
        .only()
        .select(Account::ID)
        .distinct()
        .for_share()
        .nowait();
    assert_eq!(
        q.to_sql().sql(),
        r#"SELECT DISTINCT "accounts"."id" FROM ONLY "accounts" FOR SHARE NOWAIT"#
    );
    let q = select_from::<Account>()
        .select(Account::ID)
        .for_no_key_update()
        .for_key_share()
        .of::<Account>();
    assert_eq!(
        q.to_sql().sql(),
        r#"SELECT "accounts"."id" FROM "accounts" FOR NO KEY UPDATE FOR KEY SHARE OF "accounts""#
    );
}

#[test]
fn subqueries_scalar_in_exists_and_from() {
    let max_balance = select_from::<Account>()
        .select(max(Account::BALANCE))
        .as_scalar();
    let q = select_from::<Account>()
        .select(Account::ID)
        .filter(Account::BALANCE.eq(max_balance))
        .filter(Account::OWNER_ID.not_in_subquery(select_from::<Owner>().select(Owner::ID)))
        .filter(not_exists(select_from::<Owner>().select(Owner::ID)));
    assert_eq!(
        q.to_sql().sql(),
        concat!(
            r#"SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."balance" = (SELECT max("accounts"."balance") FROM "accounts") "#,
            r#"AND "accounts"."owner_id" NOT IN (SELECT "owners"."id" FROM "owners") "#,
            r#"AND NOT EXISTS (SELECT "owners"."id" FROM "owners")"#
        )
    );
    let inner = select_from::<Account>()
        .select((Account::OWNER_ID, count_star().label("n")))
        .group_by(Account::OWNER_ID);
    let q =
        select_from_subquery(inner, "per_owner").select(max(alias_col::<Int8>("per_owner", "n")));
    assert_eq!(
        q.to_sql().sql(),
        r#"SELECT max("per_owner"."n") FROM (SELECT "accounts"."owner_id", count(*) AS "n" FROM "accounts" GROUP BY "accounts"."owner_id") AS "per_owner""#
    );
    let q = select_from::<Account>()
        .filter(Account::BALANCE.gt(5_i64))
        .count();
    assert_eq!(
        q.to_sql().sql(),
        r#"SELECT count(*) FROM (SELECT "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance" FROM "accounts" WHERE "accounts"."balance" > $1) AS "counted""#
    );
}

#[test]
fn set_operations_with_outer_order_and_limit() {
    // The clones of `b` share their LIMIT parameter, so it is bound once as $1.
    let a = select_from::<Account>().select(Account::NAME);
    let b = select_from::<Owner>().select(Owner::NAME).limit(1);
    let q = a
        .union(b.clone())
        .intersect_all(b.clone())
        .except(b)
        .order_by(Account::NAME)
        .limit(10);
    assert_eq!(
        q.to_sql().sql(),
        concat!(
            r#"(((SELECT "accounts"."name" FROM "accounts") UNION (SELECT "owners"."name" FROM "owners" LIMIT $1)) "#,
            r#"INTERSECT ALL (SELECT "owners"."name" FROM "owners" LIMIT $1)) EXCEPT (SELECT "owners"."name" FROM "owners" LIMIT $1) "#,
            r#"ORDER BY "name" LIMIT $2"#
        )
    );
}

#[test]
fn table_functions_lateral_and_column_definitions() {
    let rec = table_fn("json_to_record", (raw::<Json>("'{\"a\": 1}'::json"),))
        .alias("x", [])
        .typed_column::<Int4>("a")
        .typed_column::<Text>("b");
    let q = select_from_fn(rec.clone()).select((rec.col::<Int4>("a"), rec.col::<Text>("b")));
    assert_eq!(
        q.to_sql().sql(),
        r#"SELECT "x"."a", "x"."b" FROM json_to_record('{"a": 1}'::json) AS "x"("a" INTEGER, "b" TEXT)"#
    );
    let u = table_fn("unnest", (Account::NAME.cast::<Array<Text>>(),))
        .lateral()
        .alias("u", ["v"]);
    let q = select_from::<Account>()
        .cross_join_fn(u.clone())
        .select(u.col::<Text>("v"));
    assert_eq!(
        q.to_sql().sql(),
        r#"SELECT "u"."v" FROM "accounts" CROSS JOIN LATERAL unnest(CAST("accounts"."name" AS TEXT[])) AS "u"("v")"#
    );
}

#[test]
fn ctes_materialized_and_named_join() {
    let c = cte("o", select_from::<Owner>()).materialized();
    let q = select_from::<Account>()
        .with(c)
        .inner_join_name("o", alias_col::<Int8>("o", "id").eq(Account::OWNER_ID))
        .select(Account::ID);
    assert_eq!(
        q.to_sql().sql(),
        r#"WITH "o" AS MATERIALIZED (SELECT "owners"."id", "owners"."name" FROM "owners") SELECT "accounts"."id" FROM "accounts" INNER JOIN "o" ON "o"."id" = "accounts"."owner_id""#
    );
}

#[test]
fn insert_forms() {
    let q = insert::<Account>().default_values().returning_model();
    assert_eq!(
        q.to_sql().sql(),
        r#"INSERT INTO "accounts" DEFAULT VALUES RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#
    );
    let q = insert::<Account>()
        .set(Account::ID, 5_i64)
        .set(Account::NAME, "x")
        .set(Account::NAME, "y")
        .overriding_system_value();
    let c = q.to_sql();
    assert_eq!(
        c.sql(),
        r#"INSERT INTO "accounts" ("id", "name") OVERRIDING SYSTEM VALUE VALUES ($1, $2)"#
    );
    assert_eq!(
        c.debug_sql(),
        r#"INSERT INTO "accounts" ("id", "name") OVERRIDING SYSTEM VALUE VALUES (5, 'y')"#
    );
    let q = insert::<Account>()
        .columns((Account::NAME, Account::OWNER_ID))
        .values_iter([("a", Some(1_i64)), ("b", None)])
        .returning((Account::ID, Account::NAME));
    assert_eq!(
        q.to_sql().sql(),
        r#"INSERT INTO "accounts" ("name", "owner_id") VALUES ($1, $2), ($3, $4) RETURNING "accounts"."id", "accounts"."name""#
    );
}

#[test]
fn update_and_delete_forms() {
    let q = update::<Account>()
        .only()
        .from::<Owner>()
        .set(Account::NAME, Owner::NAME)
        .set_default(Account::BALANCE)
        .filter(Owner::ID.eq(Account::OWNER_ID));
    assert_eq!(
        q.to_sql().sql(),
        r#"UPDATE ONLY "accounts" SET "name" = "owners"."name", "balance" = DEFAULT FROM "owners" WHERE "owners"."id" = "accounts"."owner_id""#
    );
    let obj = Account {
        id: 7,
        owner_id: None,
        name: "n".into(),
        balance: 3,
    };
    let q = update::<Account>().model(&obj).returning_model();
    assert_eq!(
        q.to_sql().sql(),
        r#"UPDATE "accounts" SET "owner_id" = $1, "name" = $2, "balance" = $3 WHERE "accounts"."id" = $4 RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#
    );
    let q = delete::<Account>()
        .only()
        .filter(Account::ID.eq(1_i64))
        .returning_model();
    assert_eq!(
        q.to_sql().sql(),
        r#"DELETE FROM ONLY "accounts" WHERE "accounts"."id" = $1 RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#
    );
}

#[test]
fn data_modifying_cte() {
    let moved = cte(
        "moved",
        delete::<Account>()
            .filter(Account::BALANCE.eq(0_i64))
            .returning(Account::NAME),
    );
    let q = insert::<Owner>()
        .with(moved)
        .columns((Owner::NAME,))
        .select(select_from_name("moved").select(alias_col::<Text>("moved", "name")));
    assert_eq!(
        q.to_sql().sql(),
        r#"WITH "moved" AS (DELETE FROM "accounts" WHERE "accounts"."balance" = $1 RETURNING "accounts"."name") INSERT INTO "owners" ("name") SELECT "moved"."name" FROM "moved""#
    );
}

mod on_update_and_defaults {
    use super::*;
    use crate::metadata::*;
    use crate::types::TypeInfo;
    use pretty_assertions::assert_eq;

    struct Doc;
    fn now_value() -> crate::value::Param {
        std::sync::Arc::new(42_i64)
    }
    fn default_title() -> crate::value::Param {
        std::sync::Arc::new(String::from("untitled"))
    }
    const fn col(name: &'static str) -> ColumnDef {
        ColumnDef::new(name, DdlType::Mapped(TypeInfo::named("TEXT")), false)
    }
    impl Table for Doc {
        const TABLE: &'static TableDef = &TableDef {
            name: "docs",
            schema: Some("app"),
            columns: &[
                col("id"),
                ColumnDef {
                    default: Some(default_title),
                    ..col("title")
                },
                ColumnDef {
                    on_update: Some(OnUpdate::Sql("now()")),
                    ..col("updated_at")
                },
                ColumnDef {
                    on_update: Some(OnUpdate::Value(now_value)),
                    ..col("rev")
                },
            ],
            rust_name: "Doc",
            ..*Account::TABLE
        };
    }
    const ID: Column<Doc, Int8> = Column::new("id", 0);
    const TITLE: Column<Doc, Text> = Column::new("title", 1);
    const UPDATED_AT: Column<Doc, Text> = Column::new("updated_at", 2);

    #[test]
    fn on_update_columns_are_set_unless_given() {
        let q = update::<Doc>().set(TITLE, "t").filter(ID.eq(1_i64));
        let c = q.to_sql();
        assert_eq!(
            c.sql(),
            r#"UPDATE "app"."docs" SET "title" = $1, "updated_at" = now(), "rev" = $2 WHERE "app"."docs"."id" = $3"#
        );
        assert_eq!(
            c.debug_sql(),
            r#"UPDATE "app"."docs" SET "title" = 't', "updated_at" = now(), "rev" = 42 WHERE "app"."docs"."id" = 1"#
        );
        let q = update::<Doc>().set(UPDATED_AT, "x");
        assert_eq!(
            q.to_sql().sql(),
            r#"UPDATE "app"."docs" SET "updated_at" = $1, "rev" = $2"#
        );
    }

    #[test]
    fn rust_defaults_fill_columns_an_insert_leaves_out() {
        let q = insert::<Doc>().set(ID, 1_i64);
        let c = q.to_sql();
        assert_eq!(
            c.sql(),
            r#"INSERT INTO "app"."docs" ("id", "title") VALUES ($1, $2)"#
        );
        assert_eq!(
            c.debug_sql(),
            r#"INSERT INTO "app"."docs" ("id", "title") VALUES (1, 'untitled')"#
        );
        let q = insert::<Doc>().set(ID, 1_i64).set(TITLE, "mine");
        assert_eq!(
            q.to_sql().debug_sql(),
            r#"INSERT INTO "app"."docs" ("id", "title") VALUES (1, 'mine')"#
        );
    }
}

#[test]
fn regressions_found_by_review() {
    // `--x` would start a comment.
    let e = Account::BALANCE.neg().neg();
    assert_eq!(e.to_sql().sql(), r#"-(-"accounts"."balance")"#);
    // Comparisons do not chain: the left operand is grouped too.
    let e = Account::BALANCE.gt(0_i64).eq(true);
    assert_eq!(e.to_sql().sql(), r#"("accounts"."balance" > $1) = $2"#);
    // IS DISTINCT FROM binds looser than `=`.
    let e = Account::BALANCE.eq(0_i64).is_distinct_from(true);
    assert_eq!(
        e.to_sql().sql(),
        r#""accounts"."balance" = $1 IS DISTINCT FROM $2"#
    );
    // Raw SQL is grouped as an operand.
    let e = raw::<Bool>("true OR false").and(Account::ID.eq(1_i64));
    assert_eq!(
        e.to_sql().sql(),
        r#"(true OR false) AND "accounts"."id" = $1"#
    );
    // ARRAY[..] of parameters carries its element type.
    let e = Account::ID.eq_any(array::<Int8, _>([1_i64, 2]));
    assert_eq!(
        e.to_sql().sql(),
        r#""accounts"."id" = ANY(ARRAY[$1, $2]::BIGINT[])"#
    );
    // One assignment per column.
    let q = update::<Account>()
        .set(Account::BALANCE, 1_i64)
        .set_default(Account::BALANCE);
    assert_eq!(
        q.to_sql().sql(),
        r#"UPDATE "accounts" SET "balance" = DEFAULT"#
    );
    let obj = Account {
        id: 1,
        owner_id: None,
        name: "n".into(),
        balance: 2,
    };
    let q = update::<Account>().set(Account::NAME, "x").model(&obj);
    assert_eq!(
        q.to_sql().debug_sql(),
        r#"UPDATE "accounts" SET "name" = 'n', "owner_id" = NULL, "balance" = 2 WHERE "accounts"."id" = 1"#
    );
}

#[test]
fn empty_row_sources_insert_nothing() {
    let none: [&Account; 0] = [];
    let q = insert::<Account>().models(none).returning(Account::ID);
    assert_eq!(
        q.to_sql().sql(),
        r#"INSERT INTO "accounts" ("owner_id", "name", "balance") SELECT NULL, NULL, NULL WHERE false RETURNING "accounts"."id""#
    );
    let q = insert::<Account>()
        .columns((Account::NAME, Account::BALANCE))
        .values_iter(Vec::<(String, i64)>::new());
    assert_eq!(
        q.to_sql().sql(),
        r#"INSERT INTO "accounts" ("name", "balance") SELECT NULL, NULL WHERE false"#
    );
    // Nothing given at all is one row of defaults, as `.default_values()` says explicitly.
    assert_eq!(
        insert::<Account>().to_sql().sql(),
        r#"INSERT INTO "accounts" DEFAULT VALUES"#
    );
}

crate::alias!(Manager = Account as "manager");

#[test]
fn aliases_in_every_statement() {
    let q = select_from::<Manager>()
        .select(Manager::col(Account::NAME))
        .filter(Manager::col(Account::ID).eq(1_i64))
        .for_update()
        .of::<Manager>();
    assert_eq!(
        q.to_sql().sql(),
        r#"SELECT "manager"."name" FROM "accounts" AS "manager" WHERE "manager"."id" = $1 FOR UPDATE OF "manager""#
    );
    let q = update::<Account>()
        .from::<Manager>()
        .set(Account::NAME, Manager::col(Account::NAME))
        .filter(Manager::col(Account::ID).eq(Account::OWNER_ID));
    assert_eq!(
        q.to_sql().sql(),
        r#"UPDATE "accounts" SET "name" = "manager"."name" FROM "accounts" AS "manager" WHERE "manager"."id" = "accounts"."owner_id""#
    );
    let q = delete::<Manager>()
        .filter(Manager::col(Account::BALANCE).lt(0_i64))
        .returning_model();
    assert_eq!(
        q.to_sql().sql(),
        r#"DELETE FROM "accounts" AS "manager" WHERE "manager"."balance" < $1 RETURNING "manager"."id", "manager"."owner_id", "manager"."name", "manager"."balance""#
    );
}

#[test]
fn sql_type_overrides_are_matched_against_the_mapped_type() {
    use crate::__private::ddl_type_fits;
    use crate::types::SqlType;
    assert!(ddl_type_fits(Text::TYPE, "VARCHAR(80)"));
    assert!(ddl_type_fits(Text::TYPE, "citext"));
    assert!(ddl_type_fits(Numeric::TYPE, "NUMERIC(12, 2)"));
    assert!(ddl_type_fits(
        Timestamp::TYPE,
        "timestamp(3) without time zone"
    ));
    assert!(ddl_type_fits(Array::<Text>::TYPE, "VARCHAR(10)[]"));
    assert!(ddl_type_fits(Int4::TYPE, "int4"));
    assert!(ddl_type_fits(Jsonb::TYPE, "JSON"));
    assert!(!ddl_type_fits(Json::TYPE, "JSONB"));
    assert!(
        ddl_type_fits(Int8::TYPE, "my_domain"),
        "unknown names are not checked"
    );
    assert!(!ddl_type_fits(Timestamptz::TYPE, "TIMESTAMP(3)"));
    assert!(!ddl_type_fits(Array::<Text>::TYPE, "TEXT"));
    assert!(!ddl_type_fits(Int8::TYPE, "INTEGER"));
    assert!(!ddl_type_fits(Text::TYPE, "JSONB"));
}

fn accounts(n: i64) -> Vec<Account> {
    (0..n)
        .map(|i| Account {
            id: i,
            owner_id: (i % 2 == 0).then_some(i),
            name: format!("n{i}"),
            balance: i,
        })
        .collect()
}

#[test]
fn bulk_upsert_sends_arrays_and_keeps_the_last_row_per_key() {
    let rows = accounts(3);
    let q = insert::<Account>()
        .models(&rows)
        .set(Account::ID, 9_i64)
        .on_conflict(Account::ID)
        .do_update()
        .set_all_excluded()
        .returning(Account::ID);
    let sql = q.compile().expect("compiles");
    assert_eq!(
        sql.sql(),
        r#"INSERT INTO "accounts" ("owner_id", "name", "balance", "id") SELECT DISTINCT ON ("id") "owner_id", "name", "balance", "id" FROM unnest($1::BIGINT[], $2::TEXT[], $3::BIGINT[], $4::BIGINT[]) WITH ORDINALITY AS "input"("owner_id", "name", "balance", "id", "__mapped_ord") ORDER BY "id", "__mapped_ord" DESC ON CONFLICT ("id") DO UPDATE SET "owner_id" = "excluded"."owner_id", "name" = "excluded"."name", "balance" = "excluded"."balance" RETURNING "accounts"."id""#
    );
    assert_eq!(sql.params().len(), 4);
    assert_eq!(
        sql.debug_sql(),
        r#"INSERT INTO "accounts" ("owner_id", "name", "balance", "id") SELECT DISTINCT ON ("id") "owner_id", "name", "balance", "id" FROM unnest('[Some(0), None, Some(2)]'::BIGINT[], '["n0", "n1", "n2"]'::TEXT[], '[0, 1, 2]'::BIGINT[], '[9, 9, 9]'::BIGINT[]) WITH ORDINALITY AS "input"("owner_id", "name", "balance", "id", "__mapped_ord") ORDER BY "id", "__mapped_ord" DESC ON CONFLICT ("id") DO UPDATE SET "owner_id" = "excluded"."owner_id", "name" = "excluded"."name", "balance" = "excluded"."balance" RETURNING "accounts"."id""#
    );
}

#[test]
fn bulk_do_nothing_keeps_the_first_row_and_nullable_keys_are_never_merged() {
    let rows = accounts(2);
    let q = insert::<Account>()
        .models(&rows)
        .on_conflict((Account::OWNER_ID, lower(Account::NAME)))
        .do_nothing();
    assert_eq!(
        s(q),
        r#"INSERT INTO "accounts" ("owner_id", "name", "balance") SELECT DISTINCT ON ("owner_id", lower("name"), CASE WHEN "owner_id" IS NULL OR lower("name") IS NULL THEN "__mapped_ord" END) "owner_id", "name", "balance" FROM unnest($1::BIGINT[], $2::TEXT[], $3::BIGINT[]) WITH ORDINALITY AS "input"("owner_id", "name", "balance", "__mapped_ord") ORDER BY "owner_id", lower("name"), CASE WHEN "owner_id" IS NULL OR lower("name") IS NULL THEN "__mapped_ord" END, "__mapped_ord" ASC ON CONFLICT ("owner_id", (lower("name"))) DO NOTHING"#
    );
}

#[test]
fn bulk_upsert_without_a_known_key_is_not_merged() {
    let rows = accounts(2);
    // A constraint named at run time: its key is unknown.
    let q = insert::<Account>()
        .models(&rows)
        .on_conflict(constraint("accounts_name_key"))
        .do_nothing();
    assert_eq!(
        s(q),
        r#"INSERT INTO "accounts" ("owner_id", "name", "balance") SELECT "owner_id", "name", "balance" FROM unnest($1::BIGINT[], $2::TEXT[], $3::BIGINT[]) WITH ORDINALITY AS "input"("owner_id", "name", "balance", "__mapped_ord") ON CONFLICT ON CONSTRAINT "accounts_name_key" DO NOTHING"#
    );
    // The key column is not written (identity): rows cannot be merged on it.
    let q = insert::<Account>()
        .models(&rows)
        .on_conflict(Account::PKEY)
        .do_nothing();
    assert_eq!(
        s(q),
        r#"INSERT INTO "accounts" ("owner_id", "name", "balance") SELECT "owner_id", "name", "balance" FROM unnest($1::BIGINT[], $2::TEXT[], $3::BIGINT[]) WITH ORDINALITY AS "input"("owner_id", "name", "balance", "__mapped_ord") ON CONFLICT ON CONSTRAINT "accounts_pkey" DO NOTHING"#
    );
}

#[test]
fn bulk_upsert_with_expressions_among_values_merges_values() {
    let q = insert::<Account>()
        .columns((Account::ID, Account::NAME, Account::BALANCE))
        .values((1_i64, "a", 1_i64))
        .values((2_i64, lower(value::<Text>("B")), 2_i64))
        .on_conflict(Account::ID)
        .do_nothing();
    assert_eq!(
        s(q),
        r#"INSERT INTO "accounts" ("id", "name", "balance") SELECT DISTINCT ON ("id") "id", "name", "balance" FROM (VALUES ($1::BIGINT, $2::TEXT, $3::BIGINT, 1), ($4::BIGINT, lower($5::TEXT), $6::BIGINT, 2)) AS "input"("id", "name", "balance", "__mapped_ord") ORDER BY "id", "__mapped_ord" ASC ON CONFLICT ("id") DO NOTHING"#
    );
    // Without a known key: a plain VALUES list.
    let q = insert::<Account>()
        .columns((Account::ID, Account::NAME, Account::BALANCE))
        .values((1_i64, "a", 1_i64))
        .values((2_i64, lower(value::<Text>("B")), 2_i64))
        .on_conflict_do_nothing();
    assert_eq!(
        s(q),
        r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3), ($4, lower($5::TEXT), $6) ON CONFLICT DO NOTHING"#
    );
}

#[test]
fn upserts_that_cannot_run_are_errors() {
    let q = insert::<Account>()
        .set(Account::ID, 1_i64)
        .set(Account::NAME, "a")
        .set(Account::BALANCE, 1_i64)
        .on_conflict(Account::ID)
        .do_update();
    assert_eq!(
        q.compile().expect_err("refused").message,
        r#"INSERT INTO "accounts" .. ON CONFLICT DO UPDATE sets no column: add `.set(..)` or `.set_all_excluded()`, or use `.do_nothing()`"#
    );
    let q = insert::<Account>()
        .set(Account::NAME, "a")
        .set(Account::BALANCE, 1_i64)
        .on_conflict(Account::PKEY)
        .index_where(Account::OWNER_ID.is_null())
        .do_nothing();
    assert_eq!(
        q.compile().expect_err("refused").message,
        r#"ON CONFLICT target: `index_where` cannot refine `ON CONSTRAINT "accounts_pkey"`: target the index's columns instead"#
    );
    let q = insert::<Owner>()
        .on_conflict(UniqueKey::<Owner>::index(0))
        .do_nothing();
    assert_eq!(
        q.compile().expect_err("refused").message,
        r#"ON CONFLICT target: index 0 of table "owners" is not a unique index"#
    );
}

#[test]
fn too_many_parameters_is_an_error() {
    let rows = accounts(22_000);
    let q = insert::<Account>().models(&rows);
    assert_eq!(
        q.compile().expect_err("refused").message,
        r#"INSERT INTO "accounts" has 66000 parameters, over PostgreSQL's limit of 65535: insert fewer rows per statement (an upsert of plain values sends its rows as arrays and has no such limit)"#
    );
    let q = insert::<Account>().models(&rows).on_conflict_do_nothing();
    assert_eq!(q.compile().expect("compiles").params().len(), 3);
}
