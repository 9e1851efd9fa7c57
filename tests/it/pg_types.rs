//! HSTORE, network, scalar and full-text search types against the real server: round trips
//! (NULL, empty, edge values) and their operators and functions.

use std::collections::HashMap;

use mapped::prelude::*;

use crate::support::test_db;

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "stores")]
pub struct Store {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub attrs: HashMap<String, Option<String>>,
    pub more: Option<HashMap<String, Option<String>>>,
}

fn h(pairs: &[(&str, Option<&str>)]) -> HashMap<String, Option<String>> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
        .collect()
}

#[tokio::test]
async fn hstore_round_trip_and_operators() {
    let db = test_db("hstore_ops").await;
    db.create_all(&[Store::TABLE], false).await.unwrap();
    let rows = vec![
        (
            h(&[
                ("a", Some("1")),
                ("b", None),
                ("ключ", Some("значение \"q\"")),
            ]),
            Some(HashMap::new()),
        ),
        (HashMap::new(), None),
    ];
    let back: Vec<Store> = db
        .query(
            &insert::<Store>()
                .columns((Store::ATTRS, Store::MORE))
                .values_iter(rows.clone())
                .returning_model(),
        )
        .await
        .unwrap();
    assert_eq!(back[0].attrs, rows[0].0);
    assert_eq!(back[0].more, rows[0].1);
    assert_eq!(back[1].attrs, rows[1].0);
    assert_eq!(back[1].more, None);
    let id = back[0].id;
    let sel = || select_from::<Store>().filter(Store::ID.eq(id));

    let row: (
        Option<String>,
        Option<String>,
        Vec<Option<String>>,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
    ) = db
        .query_one(&sel().select((
            Store::ATTRS.get("a"),
            Store::ATTRS.get("b"),
            Store::ATTRS.get_values(vec!["a", "zz", "ключ"]),
            Store::ATTRS.has_key("b"),
            Store::ATTRS.has_all_keys(vec!["a", "b"]),
            Store::ATTRS.has_any_key(vec!["x", "b"]),
            Store::ATTRS.contains(hstore("a", "1")),
            Store::ATTRS.contained_by(hstore("a", "1")),
            Store::ATTRS.defined("b"),
        )))
        .await
        .unwrap();
    assert_eq!(row.0.as_deref(), Some("1"));
    assert_eq!(row.1, None);
    assert_eq!(
        row.2,
        [
            Some("1".to_owned()),
            None,
            Some("значение \"q\"".to_owned())
        ]
    );
    assert_eq!(
        (row.3, row.4, row.5, row.6, row.7, row.8),
        (true, true, true, true, false, false)
    );

    let row: (
        HashMap<String, Option<String>>,
        HashMap<String, Option<String>>,
        HashMap<String, Option<String>>,
        HashMap<String, Option<String>>,
        HashMap<String, Option<String>>,
        HashMap<String, Option<String>>,
        bool,
    ) = db
        .query_one(&sel().select((
            Store::ATTRS.concat_hstore(hstore("a", "2")),
            Store::ATTRS.remove_key("a"),
            Store::ATTRS.remove_keys(vec!["a", "b"]),
            Store::ATTRS.remove_pairs(hstore("a", "1")),
            Store::ATTRS.delete("ключ"),
            Store::ATTRS.slice(vec!["a", "b", "none"]),
            Store::ATTRS.exist("ключ"),
        )))
        .await
        .unwrap();
    assert_eq!(row.0["a"].as_deref(), Some("2"));
    assert_eq!(row.1, h(&[("b", None), ("ключ", Some("значение \"q\""))]));
    assert_eq!(row.2, h(&[("ключ", Some("значение \"q\""))]));
    assert_eq!(row.3, row.1);
    assert_eq!(row.4, h(&[("a", Some("1")), ("b", None)]));
    assert_eq!(row.5, h(&[("a", Some("1")), ("b", None)]));
    assert!(row.6);

    let one = hstore("k", "v");
    let row: (
        Vec<String>,
        Vec<Option<String>>,
        Vec<Option<String>>,
        Vec<Vec<Option<String>>>,
        serde_json::Value,
        serde_json::Value,
        HashMap<String, Option<String>>,
    ) = db
        .query_one(&select((
            one.clone().akeys(),
            one.clone().avals(),
            one.clone().hstore_to_array(),
            one.clone().hstore_to_matrix(),
            one.clone().hstore_to_json(),
            hstore("n", None::<&str>).hstore_to_jsonb(),
            hstore_from_arrays(vec!["x", "y"], vec!["1", "2"]),
        )))
        .await
        .unwrap();
    assert_eq!(row.0, ["k"]);
    assert_eq!(row.1, [Some("v".to_owned())]);
    assert_eq!(row.2, [Some("k".to_owned()), Some("v".to_owned())]);
    assert_eq!(row.3, [[Some("k".to_owned()), Some("v".to_owned())]]);
    assert_eq!(row.4, serde_json::json!({"k": "v"}));
    assert_eq!(row.5, serde_json::json!({"n": null}));
    assert_eq!(row.6, h(&[("x", Some("1")), ("y", Some("2"))]));

    let mut keys: Vec<String> = db.query(&sel().select(Store::ATTRS.skeys())).await.unwrap();
    keys.sort();
    assert_eq!(keys, ["a", "b", "ключ"]);
    let mut vals: Vec<Option<String>> =
        db.query(&sel().select(Store::ATTRS.svals())).await.unwrap();
    vals.sort();
    assert_eq!(vals[0], None);
    let e = hstore_each(Store::ATTRS)
        .lateral()
        .alias("e", ["key", "value"]);
    let mut pairs: Vec<(String, Option<String>)> = db
        .query(
            &select_from::<Store>()
                .cross_join_fn(e.clone())
                .select((e.col::<Text>("key"), e.col::<Nullable<Text>>("value")))
                .filter(Store::ID.eq(id)),
        )
        .await
        .unwrap();
    pairs.sort();
    assert_eq!(pairs[1], ("b".to_owned(), None));
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "hosts")]
pub struct Host {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub ip: PgInet,
    pub plain: std::net::IpAddr,
    pub net: PgCidr,
    pub mac: PgMacAddr,
    pub mac8: Option<PgMacAddr8>,
    pub nets: Vec<PgCidr>,
}

#[tokio::test]
async fn network_types_round_trip_and_operators() {
    let db = test_db("net_ops").await;
    db.create_all(&[Host::TABLE], false).await.unwrap();
    let hosts = vec![
        Host {
            id: 0,
            ip: "192.168.1.5/24".parse().unwrap(),
            plain: "10.0.0.1".parse().unwrap(),
            net: "192.168.0.0/16".parse().unwrap(),
            mac: "08:00:2b:01:02:03".parse().unwrap(),
            mac8: Some("08:00:2b:01:02:03:04:05".parse().unwrap()),
            nets: vec![
                "10.0.0.0/8".parse().unwrap(),
                "2001:db8::/32".parse().unwrap(),
            ],
        },
        Host {
            id: 0,
            ip: "2001:db8::1/64".parse().unwrap(),
            plain: "::1".parse().unwrap(),
            net: "::/0".parse().unwrap(),
            mac: PgMacAddr::default(),
            mac8: None,
            nets: Vec::new(),
        },
    ];
    let mut back = Vec::new();
    for host in &hosts {
        back.push(
            db.query_one::<Host, _>(&insert::<Host>().model(host).returning_model())
                .await
                .unwrap(),
        );
    }
    for (b, h) in back.iter().zip(&hosts) {
        assert_eq!(Host { id: 0, ..b.clone() }, *h);
    }
    let id = back[0].id;
    let sel = || select_from::<Host>().filter(Host::ID.eq(id));
    let row: (bool, bool, bool, bool, bool, bool) = db
        .query_one(&sel().select((
            Host::IP.contained_within("192.168.0.0/16".parse::<PgInet>().unwrap()),
            Host::IP.contained_within_or_equals(Host::IP),
            Host::NET.contains_net("192.168.7.0/24".parse::<PgCidr>().unwrap()),
            Host::NET.contains_or_equals(Host::NET),
            Host::NET.overlaps("192.0.0.0/8".parse::<PgCidr>().unwrap()),
            Host::IP.cast::<Cidr>().contained_within(Host::NET),
        )))
        .await
        .unwrap();
    assert_eq!(row, (true, true, true, true, true, true));
    let row: (String, i32, PgCidr, PgInet, PgInet, i32, PgInet, String) = db
        .query_one(&sel().select((
            Host::IP.host(),
            Host::IP.masklen(),
            Host::IP.network(),
            Host::IP.broadcast(),
            Host::IP.netmask(),
            Host::IP.family(),
            Host::IP.set_masklen(16),
            Host::NET.abbrev(),
        )))
        .await
        .unwrap();
    let row2: (PgInet, PgInet, i64, PgInet, PgInet) = db
        .query_one(&sel().select((
            Host::IP.add_offset(10_i64),
            Host::IP.sub_offset(5_i64),
            Host::IP.distance("192.168.1.0".parse::<PgInet>().unwrap()),
            Host::IP.bit_and("255.255.0.255".parse::<PgInet>().unwrap()),
            Host::IP.bit_not(),
        )))
        .await
        .unwrap();
    assert_eq!(row.0, "192.168.1.5");
    assert_eq!(row.1, 24);
    assert_eq!(row.2.to_string(), "192.168.1.0/24");
    assert_eq!(row.3.to_string(), "192.168.1.255/24");
    assert_eq!(row.4.to_string(), "255.255.255.0");
    assert_eq!(row.5, 4);
    assert_eq!(row.6.to_string(), "192.168.1.5/16");
    assert_eq!(row.7, "192.168/16");
    assert_eq!(row2.0.to_string(), "192.168.1.15/24");
    assert_eq!(row2.1.to_string(), "192.168.1.0/24");
    assert_eq!(row2.2, 5);
    // `&` keeps the right operand's netmask.
    assert_eq!(row2.3.to_string(), "192.168.0.5");
    assert_eq!(row2.4.to_string(), "63.87.254.250/24");
    let row: (PgMacAddr, PgMacAddr, PgMacAddr, Option<PgMacAddr8>) = db
        .query_one(&sel().select((
            Host::MAC.trunc(),
            Host::MAC.mac_or("00:00:00:00:00:f0".parse::<PgMacAddr>().unwrap()),
            Host::MAC.mac_and(Host::MAC.mac_not()),
            Host::MAC8.trunc(),
        )))
        .await
        .unwrap();
    assert_eq!(row.0.to_string(), "08:00:2b:00:00:00");
    assert_eq!(row.1.to_string(), "08:00:2b:01:02:f3");
    assert_eq!(row.2, PgMacAddr::default());
    assert_eq!(
        row.3.map(|m| m.to_string()).as_deref(),
        Some("08:00:2b:00:00:00:00:00")
    );
    // A CIDR with host bits never reaches the server.
    assert!("10.1.2.3/8".parse::<PgCidr>().is_err());
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "scalars")]
pub struct Scalars {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub money: PgMoney,
    pub span: PgInterval,
    pub at: Option<PgTimeTz>,
    pub bits: PgBits,
    #[mapped(sql_type = "BIT(4)")]
    pub fixed: PgBits,
    pub path: Option<PgJsonPath>,
    pub xml: Option<PgXml>,
    pub f: f64,
    pub g: f32,
    pub bytes: Vec<u8>,
    #[mapped(sql_type = "NUMERIC(12, 2)")]
    pub amount: rust_decimal::Decimal,
    #[mapped(sql_type = "TIMESTAMPTZ(3)")]
    pub ts: WithInfinity<chrono::DateTime<chrono::Utc>>,
    pub day: WithInfinity<chrono::NaiveDate>,
    pub spans: Vec<PgInterval>,
    pub name: String,
}

#[tokio::test]
async fn scalar_types_round_trip_with_edge_values() {
    use chrono::TimeZone;
    let db = test_db("scalars").await;
    db.create_all(&[Scalars::TABLE], false).await.unwrap();
    let base = Scalars {
        id: 0,
        money: PgMoney(-123_456),
        span: PgInterval::new(14, -3, 3_600_000_001),
        at: Some(PgTimeTz::new(13 * 3_600_000_000 + 5, 5 * 3600 + 30 * 60).unwrap()),
        bits: "1011001".parse().unwrap(),
        fixed: "1010".parse().unwrap(),
        path: Some("$.a[*] ? (@ > 1)".into()),
        xml: Some("<a>ü</a>".into()),
        f: f64::NAN,
        g: f32::NEG_INFINITY,
        bytes: vec![0, 255, 1],
        amount: "1234567890.12".parse().unwrap(),
        ts: WithInfinity::Value(
            chrono::Utc
                .timestamp_opt(1_700_000_000, 123_000_000)
                .unwrap(),
        ),
        day: WithInfinity::NegInfinity,
        spans: vec![PgInterval::days(1), PgInterval::months(-1)],
        name: "ünïcödé 🎉".into(),
    };
    let edge = Scalars {
        money: PgMoney(i64::MIN),
        span: PgInterval::default(),
        at: None,
        bits: PgBits::default(),
        path: None,
        xml: None,
        f: f64::INFINITY,
        g: -0.0,
        bytes: Vec::new(),
        ts: WithInfinity::Infinity,
        day: WithInfinity::Value(chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap()),
        spans: Vec::new(),
        name: String::new(),
        ..base.clone()
    };
    for v in [&base, &edge] {
        let got: Scalars = db
            .query_one(&insert::<Scalars>().model(v).returning_model())
            .await
            .unwrap();
        assert!(got.f.is_nan() == v.f.is_nan() && (v.f.is_nan() || got.f == v.f));
        assert_eq!(got.g.to_bits(), v.g.to_bits());
        // The server normalizes a JSONPATH's text.
        assert_eq!(
            got.path.as_ref().map(PgJsonPath::as_str),
            v.path.as_ref().map(|_| "$.\"a\"[*]?(@ > 1)")
        );
        let clean = |s: &Scalars| Scalars {
            id: 0,
            f: 0.0,
            g: 0.0,
            path: None,
            ..s.clone()
        };
        assert_eq!(clean(&got), clean(v));
    }
    // The server agrees with the values it got.
    let texts: (String, String, String, String, String) = db
        .query_one(
            &select_from::<Scalars>()
                .select((
                    Scalars::SPAN.cast::<Text>(),
                    Scalars::AT.cast::<Text>().coalesce(""),
                    Scalars::BITS.cast::<Text>(),
                    Scalars::DAY.cast::<Text>(),
                    Scalars::MONEY.cast::<Numeric>().cast::<Text>(),
                ))
                .order_by(Scalars::ID)
                .limit(1),
        )
        .await
        .unwrap();
    assert_eq!(texts.0, "1 year 2 mons -3 days +01:00:00.000001");
    assert_eq!(texts.1, "13:00:00.000005+05:30");
    assert_eq!(texts.2, "1011001");
    assert_eq!(texts.3, "-infinity");
    assert_eq!(texts.4, "-1234.56");

    // `infinity` into a plain chrono type is a clear error, not garbage.
    let err = db
        .query_one::<chrono::NaiveDate, _>(&select(raw::<Date>("'infinity'::date")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("value too large"), "{err}");
    let inf: WithInfinity<chrono::NaiveDateTime> = db
        .query_one(&select(raw::<Timestamp>("'-infinity'::timestamp")))
        .await
        .unwrap();
    assert_eq!(inf, WithInfinity::NegInfinity);
    // NUMERIC NaN does not fit rust_decimal: an error naming NaN.
    let err = db
        .query_one::<rust_decimal::Decimal, _>(&select(raw::<Numeric>("'NaN'::numeric")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("NaN"), "{err}");
    // A BIT(4) column refuses another length (server check).
    let bad = Scalars {
        fixed: "1".parse().unwrap(),
        ..base.clone()
    };
    let err = db
        .execute(&insert::<Scalars>().model(&bad))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("bit string length"), "{err}");
    // The DDL kept precision and scale.
    let ddl: String = db
        .query_one(&select(raw::<Text>(
            "(SELECT string_agg(format_type(atttypid, atttypmod), ', ' ORDER BY attname) FROM pg_attribute WHERE attrelid = 'scalars'::regclass AND attname IN ('amount', 'ts', 'fixed'))",
        )))
        .await
        .unwrap();
    assert_eq!(ddl, "numeric(12,2), bit(4), timestamp(3) with time zone");
    // OID, REGCLASS and REGCONFIG: names bound as text, read back as OIDs or text.
    let row: (u32, String, String) = db
        .query_one(&select((
            regclass("scalars").cast::<Oid>(),
            regclass("scalars").cast::<Text>(),
            regconfig("english").cast::<Text>(),
        )))
        .await
        .unwrap();
    assert!(row.0 > 0);
    assert_eq!(row.1, "scalars");
    assert_eq!(row.2, "english");
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "articles")]
#[mapped(index(
    name = "articles_fts",
    columns(expr("to_tsvector('english'::regconfig, title || ' ' || body)")),
    using = "gin"
))]
pub struct Article {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub title: String,
    pub body: String,
    pub tsv: Option<PgTsVector>,
}

#[tokio::test]
async fn full_text_search_ranks_real_text() {
    let db = test_db("fts").await;
    db.create_all(&[Article::TABLE], false).await.unwrap();
    let docs = [
        ("Cats", "The fat cat sat on the mat. Cats love mats."),
        ("Dogs", "A dog chased the cat across the yard."),
        (
            "Birds",
            "Birds fly over the lake; no cats here, or are there? A cat!",
        ),
        ("Fish", "Fish swim in rivers."),
    ];
    db.execute(
        &insert::<Article>()
            .columns((Article::TITLE, Article::BODY))
            .values_iter(docs.iter().map(|(t, b)| (*t, *b))),
    )
    .await
    .unwrap();
    let doc = || to_tsvector("english", Article::TITLE.concat(" ").concat(Article::BODY));
    db.execute(&update::<Article>().set(Article::TSV, doc().setweight(TsWeight::A)))
        .await
        .unwrap();

    let q = websearch_to_tsquery("english", "cats");
    let ranked: Vec<(String, f32)> = db
        .query(
            &select_from::<Article>()
                .select((Article::TITLE, ts_rank(doc(), q.clone())))
                .filter(doc().matches(q.clone()))
                .order_by((ts_rank(doc(), q.clone()).desc(), Article::ID.asc())),
        )
        .await
        .unwrap();
    let titles: Vec<&str> = ranked.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(titles, ["Cats", "Birds", "Dogs"]);
    assert!(ranked[0].1 > ranked[2].1);

    let cd: Vec<String> = db
        .query(
            &select_from::<Article>()
                .select(Article::TITLE)
                .filter(doc().matches(phraseto_tsquery("english", "fat cat")))
                .order_by(ts_rank_cd(doc(), plainto_tsquery("english", "fat cat")).desc()),
        )
        .await
        .unwrap();
    assert_eq!(cd, ["Cats"]);

    let q2 = to_tsquery("english", "cat").tsquery_and(to_tsquery("english", "dog").tsquery_not());
    let mut not_dogs: Vec<String> = db
        .query(
            &select_from::<Article>()
                .select(Article::TITLE)
                .filter(doc().matches(q2)),
        )
        .await
        .unwrap();
    not_dogs.sort();
    assert_eq!(not_dogs, ["Birds", "Cats"]);
    let either: i64 = db
        .query_one(
            &select_from::<Article>().select(count_star()).filter(
                Article::TSV.coalesce(to_tsvector("simple", "")).matches(
                    to_tsquery("english", "fish").tsquery_or(to_tsquery("english", "dog")),
                ),
            ),
        )
        .await
        .unwrap();
    assert_eq!(either, 2);

    let head: String = db
        .query_one(
            &select_from::<Article>()
                .select(ts_headline(
                    "english",
                    Article::BODY,
                    to_tsquery("english", "dog"),
                ))
                .filter(Article::TITLE.eq("Dogs")),
        )
        .await
        .unwrap();
    assert!(head.contains("<b>dog</b>"), "{head}");

    // The stored tsvector decodes, with weights and positions; `||` shifts positions.
    let v: PgTsVector = db
        .query_one(
            &select_from::<Article>()
                .select(Article::TSV.coalesce(to_tsvector("simple", "")))
                .filter(Article::TITLE.eq("Fish")),
        )
        .await
        .unwrap();
    // "in" is a stop word: it takes position 4 but no lexeme.
    assert_eq!(v.to_string(), "'fish':1A,2A 'river':5A 'swim':3A");
    let joined: PgTsVector = db
        .query_one(&select(
            to_tsvector("simple", "a b").concat_tsvector(value::<Tsvector>(v.clone())),
        ))
        .await
        .unwrap();
    assert_eq!(
        joined.to_string(),
        "'a':1 'b':2 'fish':3A,4A 'river':7A 'swim':5A"
    );

    // The GIN expression index exists and is used for the indexed expression.
    let idx: String = db
        .query_one(
            &select_from_name("pg_indexes")
                .select(raw::<Text>("indexdef"))
                .filter(raw::<Bool>(
                    "indexname = 'articles_fts' AND schemaname = current_schema()",
                )),
        )
        .await
        .unwrap();
    assert!(
        idx.contains("USING gin (to_tsvector('english'::regconfig"),
        "{idx}"
    );
}

/// The extension point of `orm_core::types::custom`: a user type for an extension type,
/// found by name.
mod custom {
    use std::error::Error;

    use mapped::orm_core::postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
    use mapped::orm_core::types::{NotNull, SqlType, TypeInfo};
    use mapped::prelude::*;

    #[derive(Debug, Clone, Copy, Default)]
    pub struct CiEmail;
    impl SqlType for CiEmail {
        const TYPE: TypeInfo = TypeInfo::named("CITEXT").with_extension("citext");
        const NULLABLE: bool = false;
        type NotNull = CiEmail;
        type Null = NotNull;
    }
    impl mapped::orm_core::types::TextType for CiEmail {}

    #[derive(Debug, Clone, PartialEq)]
    pub struct Email(pub String);

    impl ToSql for Email {
        fn to_sql(
            &self,
            _: &Type,
            out: &mut bytes::BytesMut,
        ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
            out.extend_from_slice(self.0.as_bytes());
            Ok(IsNull::No)
        }
        fn accepts(ty: &Type) -> bool {
            ty.name() == "citext"
        }
        to_sql_checked!();
    }
    impl<'a> FromSql<'a> for Email {
        fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Email, Box<dyn Error + Sync + Send>> {
            let s = std::str::from_utf8(raw)?;
            if !s.contains('@') {
                return Err(format!("`{s}` is not an e-mail address").into());
            }
            Ok(Email(s.to_owned()))
        }
        fn accepts(ty: &Type) -> bool {
            ty.name() == "citext"
        }
    }

    mapped::orm_core::sql_value!(Email => CiEmail);

    #[derive(Model, Debug, Clone, PartialEq)]
    #[mapped(table = "people")]
    pub struct Person {
        #[mapped(primary_key, identity)]
        pub id: i64,
        pub email: Email,
        pub backup: Option<Email>,
        pub aliases: Vec<Email>,
    }

    #[tokio::test]
    async fn a_user_type_maps_to_an_extension_type_by_name() {
        let db = crate::support::test_db("custom_type").await;
        db.create_all(&[Person::TABLE], false).await.unwrap();
        let p = Person {
            id: 0,
            email: Email("Ann@Example.com".into()),
            backup: None,
            aliases: vec![Email("a@x.org".into()), Email("Ä@x.org".into())],
        };
        let back: Person = db
            .query_one(&insert::<Person>().model(&p).returning_model())
            .await
            .unwrap();
        assert_eq!(
            Person {
                id: 0,
                ..back.clone()
            },
            p
        );
        // CITEXT compares case-insensitively; the value binds as the user's type.
        let found: Vec<i64> = db
            .query(
                &Person::query()
                    .select(Person::ID)
                    .filter(Person::EMAIL.eq(Email("ann@EXAMPLE.com".into())))
                    .filter(Person::BACKUP.is_not_distinct_from(None::<Email>)),
            )
            .await
            .unwrap();
        assert_eq!(found, [back.id]);
        // The codec's own check becomes a decode error naming the column.
        let err = db
            .query_one::<Email, _>(&select(raw::<CiEmail>("'nobody'::citext")))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("is not an e-mail address"),
            "{err}"
        );
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "ordered_stores")]
pub struct OrderedStore {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub attrs: PgHstore,
    pub more: Option<PgHstore>,
    pub many: Vec<PgHstore>,
}

/// `PgHstore`: the ordered map round-trips (NULL values, empty maps, NULL column, arrays)
/// and works with the HSTORE operators.
#[tokio::test]
async fn ordered_hstore_round_trip_and_operators() {
    let db = test_db("hstore_ordered").await;
    db.create_all(&[OrderedStore::TABLE], false).await.unwrap();
    let attrs: PgHstore = [
        ("zeta", Some("last")),
        ("alpha", None),
        ("ключ", Some("значение, \"q\" => x")),
        ("", Some("")),
    ]
    .into_iter()
    .collect();
    let rows = [
        OrderedStore {
            id: 0,
            attrs: attrs.clone(),
            more: Some(PgHstore::new()),
            many: vec![PgHstore::new(), attrs.clone()],
        },
        OrderedStore {
            id: 0,
            attrs: PgHstore::new(),
            more: None,
            many: vec![],
        },
    ];
    let back: Vec<OrderedStore> = db
        .query(
            &insert::<OrderedStore>()
                .models(rows.iter())
                .returning_model(),
        )
        .await
        .unwrap();
    for (got, want) in back.iter().zip(&rows) {
        assert_eq!(
            OrderedStore {
                id: 0,
                ..got.clone()
            },
            *want
        );
    }
    // Ordered by key, whatever the server's order.
    let keys: Vec<&str> = back[0].attrs.keys().map(String::as_str).collect();
    assert_eq!(keys, ["", "alpha", "zeta", "ключ"]);

    let id = back[0].id;
    let (merged, contains, value, as_map): (
        PgHstore,
        bool,
        Option<String>,
        HashMap<String, Option<String>>,
    ) = db
        .query_one(
            &select_from::<OrderedStore>()
                .select((
                    OrderedStore::ATTRS.concat_hstore(
                        [("alpha", Some("now set"))]
                            .into_iter()
                            .collect::<PgHstore>(),
                    ),
                    OrderedStore::ATTRS
                        .contains([("zeta", Some("last"))].into_iter().collect::<PgHstore>()),
                    OrderedStore::ATTRS.get("ключ"),
                    OrderedStore::ATTRS,
                ))
                .filter(OrderedStore::ID.eq(id)),
        )
        .await
        .unwrap();
    assert_eq!(merged.get("alpha"), Some(&Some("now set".to_owned())));
    assert_eq!(merged.len(), 4);
    assert!(contains);
    assert_eq!(value.as_deref(), Some("значение, \"q\" => x"));
    // Both Rust types decode the same column.
    assert_eq!(PgHstore::from(as_map), attrs);
    let found: i64 = db
        .query_one(
            &select_from::<OrderedStore>()
                .select(count_star())
                .filter(OrderedStore::ATTRS.eq(attrs.clone())),
        )
        .await
        .unwrap();
    assert_eq!(found, 1);
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "flag_sets")]
pub struct FlagSet {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub flags: PgBits,
    #[mapped(sql_type = "BIT(4)")]
    pub fixed: PgBits,
    pub maybe: Option<PgBits>,
}

fn bits(s: &str) -> PgBits {
    s.parse().unwrap()
}

/// BIT / VARBIT operators and functions, run by the server on columns and bound values.
#[tokio::test]
async fn bit_string_operators() {
    let db = test_db("bit_ops").await;
    db.create_all(&[FlagSet::TABLE], false).await.unwrap();
    let id: i64 = db
        .query_one(
            &insert::<FlagSet>()
                .model(&FlagSet {
                    id: 0,
                    flags: bits("10110"),
                    fixed: bits("1100"),
                    maybe: None,
                })
                .returning(FlagSet::ID),
        )
        .await
        .unwrap();
    let sel = || select_from::<FlagSet>().filter(FlagSet::ID.eq(id));
    let ops: (
        PgBits,
        PgBits,
        PgBits,
        PgBits,
        PgBits,
        PgBits,
        PgBits,
        PgBits,
    ) = db
        .query_one(
            &sel().select((
                FlagSet::FLAGS.bit_and(bits("11100")),
                FlagSet::FLAGS.bit_or(bits("00001")),
                FlagSet::FLAGS.bit_xor(bits("11111")),
                FlagSet::FLAGS.bit_not(),
                FlagSet::FLAGS.shift_left(2),
                FlagSet::FLAGS.shift_right(1),
                FlagSet::FIXED.concat_bits(FlagSet::FLAGS),
                FlagSet::FIXED
                    .bit_and(bits("1010"))
                    .bit_or(FlagSet::FIXED.shift_right(2)),
            )),
        )
        .await
        .unwrap();
    let text: Vec<String> = [ops.0, ops.1, ops.2, ops.3, ops.4, ops.5, ops.6, ops.7]
        .iter()
        .map(PgBits::to_string)
        .collect();
    assert_eq!(
        text,
        [
            "10100",
            "10111",
            "01001",
            "01001",
            "11000",
            "01011",
            "110010110",
            "1011"
        ]
    );
    let funcs: (i32, i32, i32, i64, i32, i32, PgBits, Option<i64>) = db
        .query_one(&sel().select((
            FlagSet::FLAGS.length(),
            FlagSet::FLAGS.bit_length(),
            FlagSet::FLAGS.octet_length(),
            FlagSet::FLAGS.bit_count(),
            FlagSet::FLAGS.get_bit(0),
            FlagSet::FLAGS.get_bit(1),
            FlagSet::FLAGS.set_bit(1, 1),
            FlagSet::MAYBE.bit_count(),
        )))
        .await
        .unwrap();
    assert_eq!(
        (funcs.0, funcs.1, funcs.2, funcs.3, funcs.4, funcs.5),
        (5, 5, 1, 3, 1, 0)
    );
    assert_eq!(funcs.6.to_string(), "11110");
    assert_eq!(funcs.7, None);
    // As a filter: rows whose bit 2 is set and whose masked flags equal a value.
    let n: i64 = db
        .query_one(
            &select_from::<FlagSet>().select(count_star()).filter(
                FlagSet::FLAGS
                    .get_bit(2)
                    .eq(1)
                    .and(FlagSet::FLAGS.bit_and(bits("10000")).eq(bits("10000"))),
            ),
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    // Different lengths: the server's error, not a panic.
    let err = db
        .query_one::<PgBits, _>(&sel().select(FlagSet::FLAGS.bit_and(bits("1"))))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("different sizes"), "{err}");
}

/// The full-text extras: default configuration, headline options, rank weights and
/// normalization, `strip`, `length`, `numnode`, `querytree`.
#[tokio::test]
async fn full_text_search_options_and_helpers() {
    let db = test_db("fts_more").await;
    db.create_all(&[Article::TABLE], false).await.unwrap();
    db.execute(
        &insert::<Article>()
            .columns((Article::TITLE, Article::BODY))
            .values_iter([
                ("Cats", "The fat cat sat on the mat. Cats love mats and cats nap."),
                ("Long", "A cat. Then many words about other things: the river, the lake, the hills, the sky, the road."),
            ]),
    )
    .await
    .unwrap();
    let title_a = || to_tsvector("english", Article::TITLE).setweight(TsWeight::A);
    let doc = || title_a().concat_tsvector(to_tsvector("english", Article::BODY));
    let q = || plainto_tsquery("english", "cat");

    // The session's default configuration is used by the one-argument forms.
    let mut conn = db.connection().await.unwrap();
    conn.execute_sql("SET default_text_search_config = 'pg_catalog.english'")
        .await
        .unwrap();
    let (v, dq, matched): (PgTsVector, String, bool) = conn
        .query_one(&select((
            to_tsvector_default("The cats sat"),
            to_tsquery_default("cats & !dogs").cast::<Text>(),
            to_tsvector_default("Cats running").matches(websearch_to_tsquery_default("cat -dog")),
        )))
        .await
        .unwrap();
    assert_eq!(v.to_string(), "'cat':2 'sat':3");
    assert_eq!(dq, "'cat' & !'dog'");
    assert!(matched);
    let (plain, phrase): (String, String) = conn
        .query_one(&select((
            plainto_tsquery_default("fat cats").cast::<Text>(),
            phraseto_tsquery_default("fat cats").cast::<Text>(),
        )))
        .await
        .unwrap();
    assert_eq!(
        (plain.as_str(), phrase.as_str()),
        ("'fat' & 'cat'", "'fat' <-> 'cat'")
    );
    drop(conn);

    // Headline options: our own markers, a short fragment.
    let head: String = db
        .query_one(
            &select_from::<Article>()
                .select(ts_headline_with(
                    "english",
                    Article::BODY,
                    q(),
                    "StartSel=<mark>, StopSel=</mark>, MaxWords=4, MinWords=2",
                ))
                .filter(Article::TITLE.eq("Cats")),
        )
        .await
        .unwrap();
    assert!(head.to_lowercase().contains("<mark>cats</mark>"), "{head}");
    assert!(!head.contains("<b>"), "{head}");
    assert!(head.split_whitespace().count() <= 4, "{head}");

    // Weights: title matches (A) count only when A weighs something.
    let ranks: Vec<(String, f32, f32, f32)> = db
        .query(
            &select_from::<Article>()
                .select((
                    Article::TITLE,
                    ts_rank_with(
                        vec![0.1_f32, 0.2, 0.4, 1.0],
                        doc(),
                        q(),
                        TsRankNormalization::NONE,
                    ),
                    ts_rank_with(
                        vec![0.0_f32, 0.0, 0.0, 1.0],
                        doc(),
                        q(),
                        TsRankNormalization::NONE,
                    ),
                    ts_rank_cd_with(
                        vec![0.1_f32, 0.2, 0.4, 1.0],
                        doc(),
                        q(),
                        TsRankNormalization::LENGTH | TsRankNormalization::RANK_PLUS_ONE,
                    ),
                ))
                .order_by(Article::ID),
        )
        .await
        .unwrap();
    // Default weights give what plain `ts_rank` gives.
    let plain: Vec<f32> = db
        .query(
            &select_from::<Article>()
                .select(ts_rank(doc(), q()))
                .order_by(Article::ID),
        )
        .await
        .unwrap();
    assert_eq!(ranks[0].1, plain[0]);
    // Only "Cats" has "cat" in its (weight A) title.
    assert!(ranks[0].2 > 0.0 && ranks[1].2 == 0.0, "{ranks:?}");
    // RANK_PLUS_ONE maps into 0..1; LENGTH puts the short document first.
    assert!(ranks.iter().all(|r| (0.0..1.0).contains(&r.3)), "{ranks:?}");
    assert!(ranks[0].3 > ranks[1].3, "{ranks:?}");

    // strip, length; numnode and querytree of tsqueries.
    let row: (PgTsVector, i32, i32, i32, String, String) = db
        .query_one(&select((
            to_tsvector("english", "fat cats eat fat rats").strip(),
            to_tsvector("english", "fat cats eat fat rats").length(),
            websearch_to_tsquery("english", "fat cat -rat").numnode(),
            websearch_to_tsquery("english", "the and of").numnode(),
            to_tsquery("english", "!cat & dog").querytree(),
            to_tsquery("english", "!cat").querytree(),
        )))
        .await
        .unwrap();
    assert_eq!(row.0.to_string(), "'cat' 'eat' 'fat' 'rat'");
    assert_eq!(row.1, 4);
    assert_eq!(row.2, 6);
    assert_eq!(row.3, 0);
    assert_eq!(row.4, "'dog'");
    assert_eq!(row.5, "T");
}
