//! The attribute keys the derives understand, as constants compared against parsed paths.

use std::fmt::{self, Display};

use syn::{Ident, Path};

/// An attribute key such as `table` or `primary_key`.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub(crate) struct Symbol(pub(crate) &'static str);

macro_rules! symbols {
    ($($name:ident = $s:literal;)*) => {$(
        pub(crate) const $name: Symbol = Symbol($s);
    )*};
}

symbols! {
    MAPPED = "mapped";

    // Container keys.
    TABLE = "table";
    SCHEMA = "schema";
    COMMENT = "comment";
    INHERITS = "inherits";
    PARTITION_BY = "partition_by";
    TABLESPACE = "tablespace";
    USING = "using";
    WITH = "with";
    TEMPORARY = "temporary";
    UNLOGGED = "unlogged";
    ON_COMMIT = "on_commit";
    EXTENSION = "extension";
    PRIMARY_KEY = "primary_key";
    UNIQUE = "unique";
    CHECK = "check";
    FOREIGN_KEY = "foreign_key";
    INDEX = "index";
    EXCLUDE = "exclude";
    CRATE = "crate";

    // Field keys.
    RENAME = "rename";
    SQL_TYPE = "sql_type";
    IDENTITY = "identity";
    SEQUENCE = "sequence";
    SERVER_DEFAULT = "server_default";
    DEFAULT = "default";
    ON_UPDATE = "on_update";
    REFERENCES = "references";
    GENERATED = "generated";
    VERSION = "version";
    OMIT_ON_INSERT = "omit_on_insert";
    SKIP = "skip";
    COLLATE = "collate";
    CONST_NAME = "const_name";

    // Nested keys.
    COLUMNS = "columns";
    NAME = "name";
    NULLS_NOT_DISTINCT = "nulls_not_distinct";
    INCLUDE = "include";
    DEFERRABLE = "deferrable";
    INITIALLY_DEFERRED = "initially_deferred";
    EXPR = "expr";
    NO_INHERIT = "no_inherit";
    NOT_VALID = "not_valid";
    ON_DELETE = "on_delete";
    WHERE = "where";
    CONCURRENTLY = "concurrently";
    ELEMENTS = "elements";
    ASC = "asc";
    DESC = "desc";
    NULLS_FIRST = "nulls_first";
    NULLS_LAST = "nulls_last";
    OPS = "ops";
    ALWAYS = "always";
    START = "start";
    INCREMENT = "increment";
    MIN_VALUE = "min_value";
    MAX_VALUE = "max_value";
    CACHE = "cache";
    CYCLE = "cycle";
    VALUE = "value";

    // User-defined type derives (PgEnum, PgComposite, PgDomain).
    TYPE_NAME = "type_name";
    RENAME_ALL = "rename_all";
    CREATE_TYPE = "create_type";
    NOT_NULL = "not_null";
}

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for &Ident {
    fn eq(&self, word: &Symbol) -> bool {
        *self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}
