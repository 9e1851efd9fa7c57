//! Every attribute of `#[derive(Model)]` at once, and the metadata it produces.

use mapped::orm_core::metadata::*;
use mapped::prelude::*;

fn now() -> std::time::SystemTime {
    std::time::SystemTime::UNIX_EPOCH
}

fn default_region() -> String {
    "eu".to_owned()
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "teams", schema = "app", comment = "teams of users")]
pub struct Team {
    #[mapped(primary_key, identity(always, start = 10, increment = 2, cycle))]
    pub id: i64,
    #[mapped(unique(name = "team_name_uq", nulls_not_distinct))]
    pub name: String,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "users", extension = "btree_gist", extension = "citext")]
#[mapped(with(
    fillfactor = 70,
    autovacuum_enabled = false,
    toast_tuple_target = "128"
))]
#[mapped(index(
    columns(
        email,
        name(desc, nulls_last),
        expr("lower(email)", ops = "text_pattern_ops")
    ),
    unique,
    where = "deleted_at IS NULL",
    include(region)
))]
#[mapped(index(columns(attrs), using = "gin", concurrently))]
#[mapped(
    check = "length(email) > 3",
    check(expr = "version > 0", name = "positive_version", no_inherit)
)]
#[mapped(unique(columns(team_id, email), deferrable, initially_deferred))]
#[mapped(foreign_key(
    columns(team_id),
    references = "app.teams(id)",
    on_delete = "set null",
    not_valid
))]
pub struct User {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(collate = "C", comment = "login", index(ops = "text_pattern_ops"))]
    pub email: String,
    pub name: Option<String>,
    #[mapped(references(Team::ID, on_delete = cascade, deferrable))]
    pub team_id: i64,
    #[mapped(references(Self::ID, name = "users_manager_fk"))]
    pub manager_id: Option<i64>,
    #[mapped(default = default_region, rename = "region_code", sql_type = "VARCHAR(8)")]
    pub region: String,
    pub attrs: std::collections::HashMap<String, Option<String>>,
    #[mapped(server_default = "now()", on_update = "now()")]
    pub updated_at: std::time::SystemTime,
    #[mapped(on_update(value = now))]
    pub touched_at: std::time::SystemTime,
    pub deleted_at: Option<std::time::SystemTime>,
    #[mapped(version)]
    pub version: i32,
    #[mapped(
        sequence(name = "user_no_seq", schema = "app", start = 1000),
        const_name = "NUMBER"
    )]
    pub user_no: i64,
    #[mapped(generated = "user_no * 2", check(expr = "doubled > 0", not_valid))]
    pub doubled: i64,
    #[mapped(skip)]
    pub cache: Vec<String>,
    pub table_name: String,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "bookings", temporary, on_commit = "drop")]
#[mapped(primary_key(columns(room, slot), name = "bookings_pk"))]
#[mapped(exclude(elements(room = "=", slot(ops = "int8_ops") = "<>", expr("int8range(slot, slot + 1)") = "&&"), where = "room > 0"))]
#[mapped(foreign_key(columns(room, slot), references(Booking::ROOM, Booking::SLOT)))]
struct Booking {
    room: i32,
    slot: i64,
}

#[derive(FromRow, Debug)]
struct Summary {
    email: String,
    count: i64,
    #[mapped(skip)]
    note: Option<String>,
}

#[derive(FromRow, Debug)]
struct Pair(i64, Option<String>);

fn takes_row<S, T: FromRow<S>>() {}

fn main() {
    let t = User::TABLE;
    assert_eq!(t.name, "users");
    assert_eq!(t.rust_name, "User");
    assert_eq!(t.columns.len(), 14);
    assert_eq!(t.column("region_code").map(|c| c.field), Some("region"));
    assert!(t.column("cache").is_none());
    assert!(t.column("name").is_some_and(|c| c.nullable));
    assert!(!t.column("email").is_some_and(|c| c.nullable));
    assert_eq!(
        t.column("version").and_then(|c| c.server_default),
        Some("1")
    );
    assert_eq!(
        t.column("user_no").and_then(|c| c.sequence),
        Some("app.user_no_seq")
    );
    assert_eq!(t.sequences.len(), 1);
    assert_eq!(t.sequences[0].options.start, Some(1000));
    assert_eq!(t.primary_key.map(|pk| pk.name), Some("users_pkey"));
    assert_eq!(t.extensions, ["btree_gist", "citext", "hstore"]);
    assert_eq!(
        t.options.with,
        [
            ("fillfactor", "70"),
            ("autovacuum_enabled", "false"),
            ("toast_tuple_target", "128")
        ]
    );
    // Field-level constraints in field order, then struct-level: UNIQUE, CHECK, FOREIGN KEY,
    // EXCLUDE, each in declaration order; a default name already taken gets a number.
    let names: Vec<&str> = t.constraints.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        [
            "users_team_id_fkey",
            "users_manager_fk",
            "users_doubled_check",
            "users_team_id_email_key",
            "users_check",
            "positive_version",
            "users_team_id_fkey1",
        ]
    );
    let indexes: Vec<&str> = t.indexes.iter().map(|i| i.name).collect();
    assert_eq!(
        indexes,
        [
            "users_email_idx",
            "users_email_name_expr_idx",
            "users_attrs_idx"
        ]
    );
    match t.constraints[0] {
        ConstraintDef::ForeignKey(fk) => {
            assert_eq!(fk.target_columns, ["id"]);
            match fk.target {
                FkTarget::Model(f) => assert_eq!(f().name, "teams"),
                FkTarget::Named { .. } => panic!("typed target"),
            }
        }
        _ => panic!("a foreign key"),
    }
    assert!(
        t.column("touched_at")
            .is_some_and(|c| matches!(c.on_update, Some(OnUpdate::Value(_))))
    );
    assert!(t.column("region_code").is_some_and(|c| c.default.is_some()));

    assert_eq!(User::EMAIL.name(), "email");
    assert_eq!(User::NUMBER.name(), "user_no");
    assert_eq!(User::TABLE_NAME.index(), 13);
    assert_eq!(Team::TABLE.schema, Some("app"));
    assert_eq!(Team::TABLE.constraints[0].name(), "team_name_uq");

    let b = Booking::TABLE;
    assert_eq!(
        b.primary_key.map(|pk| pk.columns),
        Some(&["room", "slot"][..])
    );
    assert!(b.columns.iter().all(|c| c.primary_key));
    assert_eq!(b.constraints[0].name(), "bookings_room_slot_fkey");
    assert_eq!(b.constraints[1].name(), "bookings_room_slot_expr_excl");
    assert_eq!(b.options.on_commit, Some(OnCommit::Drop));
    let _ = Booking { room: 1, slot: 2 };

    let u = Team {
        id: 1,
        name: "a".into(),
    };
    assert_eq!(u.column_values().len(), 2);

    takes_row::<User, User>();
    takes_row::<User, Option<User>>();
    takes_row::<(Text, Int8), Summary>();
    takes_row::<(Int8, Nullable<Text>), Pair>();
}
