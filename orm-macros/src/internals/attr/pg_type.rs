//! `#[mapped(..)]` of the user-defined type derives: `PgEnum`, `PgComposite`, `PgDomain`.
//! One container receiver whose valid keys depend on the derive, and the variant / field
//! receivers.

use syn::meta::ParseNestedMeta;
use syn::{LitBool, LitStr, Path, Token};

use super::{
    Attr, BoolAttr, Key, bad_value, crate_path, expect_eq, first_form, flag, form, key, lit_str,
    mapped_attrs, missing, nested, recover, unknown_key,
};
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::*;

/// Which derive is parsing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeDerive {
    Enum,
    Composite,
    Domain,
}

impl TypeDerive {
    fn name(self) -> &'static str {
        match self {
            TypeDerive::Enum => "`PgEnum`",
            TypeDerive::Composite => "`PgComposite`",
            TypeDerive::Domain => "`PgDomain`",
        }
    }

    fn keys(self) -> &'static [Key] {
        match self {
            TypeDerive::Enum => ENUM_KEYS,
            TypeDerive::Composite => COMPOSITE_KEYS,
            TypeDerive::Domain => DOMAIN_KEYS,
        }
    }
}

const TYPE_NAME_FORM: &str = r#"#[mapped(type_name = "mood")]"#;
const SCHEMA_FORM: &str = r#"#[mapped(schema = "app")]"#;
const RENAME_ALL_FORM: &str = r#"#[mapped(rename_all = "snake_case")]"#;
const CREATE_TYPE_FORM: &str = r#"#[mapped(create_type = false)]"#;
const CRATE_FORM: &str = r#"#[mapped(crate = "::mapped::orm_core")]"#;

const ENUM_KEYS: &[Key] = &[
    key(TYPE_NAME, TYPE_NAME_FORM),
    key(SCHEMA, SCHEMA_FORM),
    key(RENAME_ALL, RENAME_ALL_FORM),
    key(CREATE_TYPE, CREATE_TYPE_FORM),
    key(CRATE, CRATE_FORM),
];

const COMPOSITE_KEYS: &[Key] = &[
    key(TYPE_NAME, r#"#[mapped(type_name = "address")]"#),
    key(SCHEMA, SCHEMA_FORM),
    key(RENAME_ALL, RENAME_ALL_FORM),
    key(CREATE_TYPE, CREATE_TYPE_FORM),
    key(CRATE, CRATE_FORM),
];

const DOMAIN_KEYS: &[Key] = &[
    key(TYPE_NAME, r#"#[mapped(type_name = "pos_int")]"#),
    key(SCHEMA, SCHEMA_FORM),
    key(
        CHECK,
        r#"#[mapped(check = "VALUE > 0")] or #[mapped(check(name = "positive", expr = "VALUE > 0"))]"#,
    ),
    key(NOT_NULL, r#"#[mapped(not_null)]"#),
    key(DEFAULT, r#"#[mapped(default = "1")]"#),
    key(SQL_TYPE, r#"#[mapped(sql_type = "VARCHAR(10)")]"#),
    key(COLLATE, r#"#[mapped(collate = "C")]"#),
    key(CREATE_TYPE, CREATE_TYPE_FORM),
    key(CRATE, CRATE_FORM),
];

const DOMAIN_CHECK_KEYS: &[Key] = &[
    key(EXPR, r#"#[mapped(check(expr = "VALUE > 0"))]"#),
    key(
        NAME,
        r#"#[mapped(check(name = "positive", expr = "VALUE > 0"))]"#,
    ),
];

const VARIANT_KEYS: &[Key] = &[key(RENAME, r#"#[mapped(rename = "label")]"#)];

const COMPOSITE_FIELD_KEYS: &[Key] = &[
    key(RENAME, r#"#[mapped(rename = "attribute")]"#),
    key(SQL_TYPE, r#"#[mapped(sql_type = "VARCHAR(10)")]"#),
    key(COLLATE, r#"#[mapped(collate = "C")]"#),
];

/// `rename_all` rules, serde's names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Snake,
    ScreamingSnake,
    Kebab,
    Camel,
    Pascal,
}

const RENAME_RULES: &[(&str, RenameRule)] = &[
    ("lowercase", RenameRule::Lower),
    ("UPPERCASE", RenameRule::Upper),
    ("snake_case", RenameRule::Snake),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
    ("kebab-case", RenameRule::Kebab),
    ("camelCase", RenameRule::Camel),
    ("PascalCase", RenameRule::Pascal),
];

impl RenameRule {
    /// Applies the rule to a Rust name (`PascalCase` variant or `snake_case` field).
    pub(crate) fn apply(self, name: &str) -> String {
        let words = words(name);
        let join = |sep: &str, f: fn(&str) -> String| {
            words.iter().map(|w| f(w)).collect::<Vec<_>>().join(sep)
        };
        let capitalized = |w: &str| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        };
        match self {
            RenameRule::Lower => join("", |w| w.to_owned()),
            RenameRule::Upper => join("", |w| w.to_uppercase()),
            RenameRule::Snake => join("_", |w| w.to_owned()),
            RenameRule::ScreamingSnake => join("_", |w| w.to_uppercase()),
            RenameRule::Kebab => join("-", |w| w.to_owned()),
            RenameRule::Pascal => words.iter().map(|w| capitalized(w)).collect(),
            RenameRule::Camel => words
                .iter()
                .enumerate()
                .map(|(i, w)| if i == 0 { (*w).clone() } else { capitalized(w) })
                .collect(),
        }
    }
}

/// The lower-case words of a `PascalCase` or `snake_case` name.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if ch == '_' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A domain `CHECK`.
pub(crate) struct DomainCheckAttr {
    pub(crate) name: Option<LitStr>,
    pub(crate) expr: LitStr,
}

/// Container `#[mapped(..)]` of a type derive.
#[derive(Default)]
pub(crate) struct TypeContainer {
    pub(crate) type_name: Attr<LitStr>,
    pub(crate) schema: Attr<LitStr>,
    pub(crate) rename_all: Attr<RenameRule>,
    pub(crate) create_type: Attr<bool>,
    pub(crate) krate: Attr<Path>,
    pub(crate) checks: Vec<DomainCheckAttr>,
    pub(crate) not_null: BoolAttr,
    pub(crate) default: Attr<LitStr>,
    pub(crate) sql_type: Attr<LitStr>,
    pub(crate) collate: Attr<LitStr>,
}

impl TypeContainer {
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute], derive: TypeDerive) -> Self {
        let mut out = TypeContainer::default();
        for attr in mapped_attrs(attrs) {
            let res = attr.parse_nested_meta(|meta| {
                recover(cx, meta, |meta| out.parse_key(cx, meta, derive))
            });
            if let Err(err) = res {
                cx.syn_error(err);
            }
        }
        out
    }

    fn parse_key(
        &mut self,
        cx: &Ctxt,
        meta: &ParseNestedMeta<'_>,
        derive: TypeDerive,
    ) -> syn::Result<()> {
        let keys = derive.keys();
        let p = &meta.path;
        let valid = keys.iter().any(|k| *p == k.sym);
        if !valid {
            return Err(unknown_key(
                meta,
                &format!("{} attribute", derive.name()),
                keys,
            ));
        }
        if *p == TYPE_NAME {
            // #[mapped(type_name = "mood")]
            let v = lit_str(meta, form(keys, TYPE_NAME))?;
            self.type_name.set(cx, p, v);
        } else if *p == SCHEMA {
            // #[mapped(schema = "app")]
            let v = lit_str(meta, form(keys, SCHEMA))?;
            self.schema.set(cx, p, v);
        } else if *p == RENAME_ALL {
            // #[mapped(rename_all = "snake_case")]
            let lit = lit_str(meta, form(keys, RENAME_ALL))?;
            let value = lit.value();
            let Some((_, rule)) = RENAME_RULES.iter().find(|(n, _)| *n == value) else {
                let valid: Vec<String> = RENAME_RULES
                    .iter()
                    .map(|(n, _)| format!("\"{n}\""))
                    .collect();
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "unknown `rename_all` rule {value:?}; expected one of {}",
                        valid.join(", ")
                    ),
                ));
            };
            self.rename_all.set(cx, p, *rule);
        } else if *p == CREATE_TYPE {
            // #[mapped(create_type = false)]
            let f = form(keys, CREATE_TYPE);
            let input = expect_eq(meta, f)?;
            if !input.peek(LitBool) {
                return Err(bad_value(input, "`true` or `false`", f));
            }
            let v: LitBool = input.parse()?;
            self.create_type.set(cx, p, v.value);
        } else if *p == CRATE {
            // #[mapped(crate = "::mapped::orm_core")]
            let v = crate_path(meta, form(keys, CRATE))?;
            self.krate.set(cx, p, v);
        } else if *p == CHECK {
            // #[mapped(check = "VALUE > 0")] or #[mapped(check(name = "..", expr = ".."))]
            if let Some(c) = domain_check(cx, meta, form(keys, CHECK))? {
                self.checks.push(c);
            }
        } else if *p == NOT_NULL {
            // #[mapped(not_null)]
            flag(meta, form(keys, NOT_NULL))?;
            self.not_null.set_true(cx, p);
        } else if *p == DEFAULT {
            // #[mapped(default = "1")]
            let v = lit_str(meta, form(keys, DEFAULT))?;
            self.default.set(cx, p, v);
        } else if *p == SQL_TYPE {
            // #[mapped(sql_type = "VARCHAR(10)")]
            let v = lit_str(meta, form(keys, SQL_TYPE))?;
            self.sql_type.set(cx, p, v);
        } else if *p == COLLATE {
            // #[mapped(collate = "C")]
            let v = lit_str(meta, form(keys, COLLATE))?;
            self.collate.set(cx, p, v);
        }
        Ok(())
    }
}

fn domain_check(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    check_form: &str,
) -> syn::Result<Option<DomainCheckAttr>> {
    if meta.input.peek(Token![=]) {
        // check = "VALUE > 0"
        let expr = lit_str(meta, check_form)?;
        return Ok(Some(DomainCheckAttr { name: None, expr }));
    }
    let keys = DOMAIN_CHECK_KEYS;
    let mut expr = Attr::default();
    let mut name = Attr::default();
    nested(cx, meta, first_form(keys), |m| {
        let p = &m.path;
        if *p == EXPR {
            // expr = "VALUE > 0"
            expr.mark();
            let v = lit_str(m, form(keys, EXPR))?;
            expr.set(cx, p, v);
        } else if *p == NAME {
            // name = "positive"
            let v = lit_str(m, form(keys, NAME))?;
            name.set(cx, p, v);
        } else {
            return Err(unknown_key(m, "`check` key", keys));
        }
        Ok(())
    })?;
    match expr.take() {
        Some(expr) => Ok(Some(DomainCheckAttr {
            name: name.take(),
            expr,
        })),
        None => Err(missing(meta, "expr = \"..\"", form(keys, EXPR))),
    }
}

/// `#[mapped(..)]` of an enum variant or a composite field.
#[derive(Default)]
pub(crate) struct TypeMember {
    pub(crate) rename: Attr<LitStr>,
    pub(crate) sql_type: Attr<LitStr>,
    pub(crate) collate: Attr<LitStr>,
}

impl TypeMember {
    /// `composite`: a composite field (`rename`, `sql_type`, `collate`); otherwise an enum
    /// variant (`rename`).
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute], composite: bool) -> Self {
        let (keys, what) = if composite {
            (COMPOSITE_FIELD_KEYS, "`PgComposite` field attribute")
        } else {
            (VARIANT_KEYS, "`PgEnum` variant attribute")
        };
        let mut out = TypeMember::default();
        for attr in mapped_attrs(attrs) {
            let res = attr.parse_nested_meta(|meta| {
                recover(cx, meta, |meta| {
                    let p = &meta.path;
                    if *p == RENAME {
                        // #[mapped(rename = "label")]
                        let v = lit_str(meta, form(keys, RENAME))?;
                        out.rename.set(cx, p, v);
                    } else if composite && *p == SQL_TYPE {
                        // #[mapped(sql_type = "VARCHAR(10)")]
                        let v = lit_str(meta, form(keys, SQL_TYPE))?;
                        out.sql_type.set(cx, p, v);
                    } else if composite && *p == COLLATE {
                        // #[mapped(collate = "C")]
                        let v = lit_str(meta, form(keys, COLLATE))?;
                        out.collate.set(cx, p, v);
                    } else {
                        return Err(unknown_key(meta, what, keys));
                    }
                    Ok(())
                })
            });
            if let Err(err) = res {
                cx.syn_error(err);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_rules() {
        assert_eq!(RenameRule::Snake.apply("VeryHappy"), "very_happy");
        assert_eq!(RenameRule::ScreamingSnake.apply("VeryHappy"), "VERY_HAPPY");
        assert_eq!(RenameRule::Kebab.apply("HTTPError2"), "httperror2");
        assert_eq!(RenameRule::Camel.apply("zip_code"), "zipCode");
        assert_eq!(RenameRule::Pascal.apply("zip_code"), "ZipCode");
        assert_eq!(RenameRule::Lower.apply("VeryHappy"), "veryhappy");
        assert_eq!(RenameRule::Upper.apply("zip_code"), "ZIPCODE");
    }
}
