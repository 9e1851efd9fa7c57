//! A hand-written model for orm-core's doc tests (orm-core cannot use the derive). It is
//! exactly what `#[derive(Model)]` emits for:
//!
//! ```text
//! #[derive(Model)]
//! #[mapped(table = "accounts")]
//! struct Account { #[mapped(primary_key, identity)] id: i64, owner_id: Option<i64>, name: String, balance: i64 }
//! ```

#![allow(missing_docs, unreachable_pub, reason = "doc-test fixture, hidden")]

use crate::column::Column;
use crate::metadata::*;
use crate::types::{Int8, Nullable, Text, TypeInfo};

#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub owner_id: Option<i64>,
    pub name: String,
    pub balance: i64,
}

const fn col(name: &'static str, ty: TypeInfo, nullable: bool) -> ColumnDef {
    ColumnDef::new(name, DdlType::Mapped(ty), nullable)
}

impl Account {
    pub const ID: Column<Account, Int8> = Column::new("id", 0);
    pub const OWNER_ID: Column<Account, Nullable<Int8>> = Column::new("owner_id", 1);
    pub const NAME: Column<Account, Text> = Column::new("name", 2);
    pub const BALANCE: Column<Account, Int8> = Column::new("balance", 3);
    pub const PKEY: crate::query::UniqueKey<Account> = crate::query::UniqueKey::primary_key();
}

impl Table for Account {
    const TABLE: &'static TableDef = &TableDef {
        name: "accounts",
        schema: None,
        rust_name: "Account",
        comment: None,
        columns: &[
            ColumnDef {
                primary_key: true,
                identity: Some(IdentityDef {
                    always: false,
                    options: SequenceOptions {
                        start: None,
                        increment: None,
                        min_value: None,
                        max_value: None,
                        cache: None,
                        cycle: false,
                    },
                }),
                ..col("id", TypeInfo::named("BIGINT"), false)
            },
            col("owner_id", TypeInfo::named("BIGINT"), true),
            col("name", TypeInfo::named("TEXT"), false),
            col("balance", TypeInfo::named("BIGINT"), false),
        ],
        primary_key: Some(PrimaryKeyDef {
            name: "accounts_pkey",
            columns: &["id"],
        }),
        constraints: &[],
        indexes: &[],
        sequences: &[],
        extensions: &[],
        options: TableOptions::NONE,
    };
}

impl crate::row::FromRow<Account> for Account {
    fn from_row(
        row: &dyn crate::row::SqlRow,
        idx: &mut usize,
    ) -> Result<Self, crate::row::DecodeError> {
        Ok(Account {
            id: <i64 as crate::row::FromRow<Int8>>::from_row(row, idx)?,
            owner_id: <Option<i64> as crate::row::FromRow<Nullable<Int8>>>::from_row(row, idx)?,
            name: <String as crate::row::FromRow<Text>>::from_row(row, idx)?,
            balance: <i64 as crate::row::FromRow<Int8>>::from_row(row, idx)?,
        })
    }
}

/// The per-column methods of `Model`, as the derive writes them.
macro_rules! column_methods {
    ($($idx:literal => $field:ident: $st:ty),* $(,)?) => {
        fn column_value(&self, idx: usize) -> Option<crate::value::Param> {
            match idx {
                $($idx => Some(std::sync::Arc::new(self.$field.clone())),)*
                _ => None,
            }
        }
        fn column_eq(&self, other: &Self, idx: usize) -> bool {
            match idx {
                $($idx => self.$field == other.$field,)*
                _ => false,
            }
        }
        fn copy_column(&mut self, other: &Self, idx: usize) {
            match idx {
                $($idx => self.$field = other.$field.clone(),)*
                _ => {}
            }
        }
        fn decode_column(
            &mut self,
            idx: usize,
            row: &dyn crate::row::SqlRow,
            at: &mut usize,
        ) -> Result<(), crate::row::DecodeError> {
            match idx {
                $($idx => self.$field = crate::row::FromRow::<$st>::from_row(row, at)?,)*
                _ => {}
            }
            Ok(())
        }
    };
}

impl crate::model::Model for Account {
    fn column_values(&self) -> Vec<crate::value::Param> {
        vec![
            std::sync::Arc::new(self.id),
            std::sync::Arc::new(self.owner_id),
            std::sync::Arc::new(self.name.clone()),
            std::sync::Arc::new(self.balance),
        ]
    }
    column_methods!(0 => id: Int8, 1 => owner_id: Nullable<Int8>, 2 => name: Text, 3 => balance: Int8);
}

#[derive(Debug, Clone)]
pub struct Owner {
    pub id: i64,
    pub name: String,
}

impl Owner {
    pub const ID: Column<Owner, Int8> = Column::new("id", 0);
    pub const NAME: Column<Owner, Text> = Column::new("name", 1);
    pub const PKEY: crate::query::UniqueKey<Owner> = crate::query::UniqueKey::primary_key();
}

impl Table for Owner {
    const TABLE: &'static TableDef = &TableDef {
        name: "owners",
        rust_name: "Owner",
        columns: &[
            ColumnDef {
                primary_key: true,
                ..col("id", TypeInfo::named("BIGINT"), false)
            },
            col("name", TypeInfo::named("TEXT"), false),
        ],
        primary_key: Some(PrimaryKeyDef {
            name: "owners_pkey",
            columns: &["id"],
        }),
        ..*Account::TABLE
    };
}

impl crate::row::FromRow<Owner> for Owner {
    fn from_row(
        row: &dyn crate::row::SqlRow,
        idx: &mut usize,
    ) -> Result<Self, crate::row::DecodeError> {
        Ok(Owner {
            id: <i64 as crate::row::FromRow<Int8>>::from_row(row, idx)?,
            name: <String as crate::row::FromRow<Text>>::from_row(row, idx)?,
        })
    }
}

impl crate::model::HasPrimaryKey for Account {
    type Key = i64;
    const KEY_COLUMNS: &'static [usize] = &[0];
    fn key(&self) -> i64 {
        self.id
    }
    fn key_params(key: &i64) -> Vec<crate::value::Param> {
        vec![std::sync::Arc::new(*key)]
    }
}
impl crate::model::HasPrimaryKey for Owner {
    type Key = i64;
    const KEY_COLUMNS: &'static [usize] = &[0];
    fn key(&self) -> i64 {
        self.id
    }
    fn key_params(key: &i64) -> Vec<crate::value::Param> {
        vec![std::sync::Arc::new(*key)]
    }
}

impl crate::model::Model for Owner {
    fn column_values(&self) -> Vec<crate::value::Param> {
        vec![
            std::sync::Arc::new(self.id),
            std::sync::Arc::new(self.name.clone()),
        ]
    }
    column_methods!(0 => id: Int8, 1 => name: Text);
}

impl crate::row::FromRow<Account> for Option<Account> {
    fn from_row(
        row: &dyn crate::row::SqlRow,
        idx: &mut usize,
    ) -> Result<Self, crate::row::DecodeError> {
        if crate::row::all_null(row, *idx, 4) {
            *idx += 4;
            return Ok(None);
        }
        <Account as crate::row::FromRow<Account>>::from_row(row, idx).map(Some)
    }
}

/// `bookings (id BIGINT PRIMARY KEY, room INTEGER NOT NULL, slot INT8RANGE NOT NULL,
/// free INT4MULTIRANGE)`: the range doc examples' table.
#[derive(Debug, Clone)]
pub struct Booking {
    pub id: i64,
    pub room: i32,
    pub slot: crate::types::Range<i64>,
    pub free: Option<crate::types::MultiRange<i32>>,
}

impl Booking {
    pub const ID: Column<Booking, Int8> = Column::new("id", 0);
    pub const ROOM: Column<Booking, crate::types::Int4> = Column::new("room", 1);
    pub const SLOT: Column<Booking, crate::types::Int8range> = Column::new("slot", 2);
    pub const FREE: Column<Booking, Nullable<crate::types::Int4multirange>> =
        Column::new("free", 3);
}

impl Table for Booking {
    const TABLE: &'static TableDef = &TableDef {
        name: "bookings",
        rust_name: "Booking",
        columns: &[
            ColumnDef {
                primary_key: true,
                ..col("id", TypeInfo::named("BIGINT"), false)
            },
            col("room", TypeInfo::named("INTEGER"), false),
            col("slot", TypeInfo::named("INT8RANGE"), false),
            col("free", TypeInfo::named("INT4MULTIRANGE"), true),
        ],
        primary_key: Some(PrimaryKeyDef {
            name: "bookings_pkey",
            columns: &["id"],
        }),
        ..*Account::TABLE
    };
}

impl crate::row::FromRow<Booking> for Booking {
    fn from_row(
        row: &dyn crate::row::SqlRow,
        idx: &mut usize,
    ) -> Result<Self, crate::row::DecodeError> {
        Ok(Booking {
            id: crate::row::FromRow::<Int8>::from_row(row, idx)?,
            room: crate::row::FromRow::<crate::types::Int4>::from_row(row, idx)?,
            slot: crate::row::FromRow::<crate::types::Int8range>::from_row(row, idx)?,
            free: crate::row::FromRow::<Nullable<crate::types::Int4multirange>>::from_row(
                row, idx,
            )?,
        })
    }
}

/// A table with tracked container columns, for the patch examples:
/// `docs (id BIGINT PRIMARY KEY, tags TEXT[], attrs HSTORE, body JSONB)`.
#[derive(Debug, Clone)]
pub struct Doc;

impl Table for Doc {
    const TABLE: &'static TableDef = &TableDef {
        name: "docs",
        schema: None,
        rust_name: "Doc",
        comment: None,
        columns: &[
            ColumnDef {
                primary_key: true,
                ..col("id", TypeInfo::named("BIGINT"), false)
            },
            col("tags", TypeInfo::named("TEXT").with_dims(1), false),
            col(
                "attrs",
                TypeInfo::named("HSTORE").with_extension("hstore"),
                false,
            ),
            col("body", TypeInfo::named("JSONB"), false),
        ],
        primary_key: Some(PrimaryKeyDef {
            name: "docs_pkey",
            columns: &["id"],
        }),
        constraints: &[],
        indexes: &[],
        sequences: &[],
        extensions: &[],
        options: TableOptions::NONE,
    };
}
