//! Range and multirange types against the server: the Rust-side operations give the server's
//! answers on thousands of generated cases, values round-trip, the typed operators run, and
//! an EXCLUDE constraint on a range column rejects overlaps.

use std::fmt::Debug;
use std::ops::Bound;

use chrono::{NaiveDate, NaiveDateTime};
use mapped::orm_core::types::{RangeElement, SqlType};
use mapped::orm_runtime::tokio_postgres::Client;
use mapped::orm_runtime::tokio_postgres::types::{FromSql, ToSql};
use mapped::prelude::*;
use rust_decimal::Decimal;

use crate::support::test_db;

/// A deterministic generator (SplitMix64), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A small value in -6..=6, so equal bounds are frequent.
    fn small(&mut self) -> i64 {
        i64::try_from(self.below(13)).unwrap() - 6
    }
}

/// Bound flags as the SQL constructors spell them.
const FLAGS: [&str; 4] = ["[)", "[]", "()", "(]"];

/// Raw bounds: values (None = unbounded) and flags, not yet normalized.
#[derive(Debug, Clone)]
struct Raw<T> {
    lower: Option<T>,
    upper: Option<T>,
    flags: &'static str,
}

impl<T: RangeElement> Raw<T> {
    fn random(rng: &mut Rng, elem: &impl Fn(i64) -> T) -> Self {
        let mut value = || (rng.below(6) != 0).then(|| rng.small());
        let (mut l, mut u) = (value(), value());
        if let (Some(a), Some(b)) = (l, u)
            && a > b
        {
            (l, u) = (Some(b), Some(a));
        }
        Raw {
            lower: l.map(elem),
            upper: u.map(elem),
            flags: FLAGS[usize::try_from(rng.below(4)).unwrap()],
        }
    }

    fn build(&self) -> Result<Range<T>, RangeError> {
        let bytes = self.flags.as_bytes();
        let bound = |v: &Option<T>, inc: bool| match v {
            None => Bound::Unbounded,
            Some(v) if inc => Bound::Included(v.clone()),
            Some(v) => Bound::Excluded(v.clone()),
        };
        Range::new(
            bound(&self.lower, bytes[0] == b'['),
            bound(&self.upper, bytes[1] == b']'),
        )
    }
}

fn gen_range<T: RangeElement>(rng: &mut Rng, elem: &impl Fn(i64) -> T) -> Range<T> {
    if rng.below(8) == 0 {
        return Range::empty();
    }
    Raw::random(rng, elem)
        .build()
        .unwrap_or_else(|_| Range::empty())
}

fn gen_multi<T: RangeElement>(rng: &mut Rng, elem: &impl Fn(i64) -> T) -> MultiRange<T> {
    let n = rng.below(4);
    MultiRange::new((0..n).map(|_| gen_range(rng, elem)))
}

/// Helper functions that turn the server's range errors into NULL, so a few thousand cases
/// run in one statement.
async fn install_helpers(client: &Client) {
    client
        .batch_execute(
            "CREATE FUNCTION try_union(a anyrange, b anyrange) RETURNS anyrange LANGUAGE plpgsql AS \
             $$ BEGIN RETURN a + b; EXCEPTION WHEN data_exception THEN RETURN NULL; END $$;
             CREATE FUNCTION try_minus(a anyrange, b anyrange) RETURNS anyrange LANGUAGE plpgsql AS \
             $$ BEGIN RETURN a - b; EXCEPTION WHEN data_exception THEN RETURN NULL; END $$;
             CREATE FUNCTION try_make(proto anyrange, l anyelement, u anyelement, f text) \
             RETURNS anyrange LANGUAGE plpgsql AS $$ DECLARE r ALIAS FOR $0; BEGIN \
             EXECUTE format('SELECT %s($1, $2, $3)', pg_typeof(proto)) INTO r USING l, u, f; \
             RETURN r; EXCEPTION WHEN data_exception THEN RETURN NULL; END $$;",
        )
        .await
        .unwrap();
}

/// Compares every Rust-side range operation with the server's on `n` generated cases.
async fn compare_ranges<T>(client: &Client, seed: u64, n: usize, elem: impl Fn(i64) -> T)
where
    T: RangeElement + PartialEq + Debug + for<'a> FromSql<'a>,
{
    let range_ty = <T::Range as SqlType>::TYPE.name;
    let elem_ty = <T::Element as SqlType>::TYPE.name;
    let mut rng = Rng(seed);
    let a: Vec<Range<T>> = (0..n).map(|_| gen_range(&mut rng, &elem)).collect();
    let b: Vec<Range<T>> = (0..n)
        .enumerate()
        .map(|(i, _)| {
            // Every fourth case compares a range with itself or a near copy.
            if i % 4 == 0 {
                a[i].clone()
            } else {
                gen_range(&mut rng, &elem)
            }
        })
        .collect();
    let x: Vec<T> = (0..n).map(|_| elem(rng.small())).collect();
    let sql = format!(
        "SELECT a, b, a @> x, a @> b, a <@ b, a && b, a -|- b, a << b, a >> b, a &< b, a &> b, \
         try_union(a, b), a * b, try_minus(a, b), range_merge(a, b), isempty(a), lower(a), \
         upper(a), lower_inc(a), upper_inc(a), lower_inf(a), upper_inf(a), a = b, a < b, x <@ a \
         FROM unnest($1::{range_ty}[], $2::{range_ty}[], $3::{elem_ty}[]) WITH ORDINALITY \
         AS t(a, b, x, n) ORDER BY n"
    );
    let rows = client.query(&sql, &[&a, &b, &x]).await.unwrap();
    assert_eq!(rows.len(), n);
    for (i, row) in rows.iter().enumerate() {
        let (a, b, x) = (&a[i], &b[i], &x[i]);
        let ctx = format!("{range_ty} case {i}: a = {a:?}, b = {b:?}, x = {x:?}");
        // The values come back unchanged: the Rust normal form is the server's.
        assert_eq!(&row.get::<_, Range<T>>(0), a, "{ctx}: round trip of a");
        assert_eq!(&row.get::<_, Range<T>>(1), b, "{ctx}: round trip of b");
        let bools: Vec<bool> = [2, 3, 4, 5, 6, 7, 8, 9, 10]
            .iter()
            .map(|&c| row.get::<_, bool>(c))
            .collect();
        let rust = [
            a.contains(x),
            a.contains_range(b),
            a.contained_by(b),
            a.overlaps(b),
            a.adjacent_to(b),
            a.strictly_left_of(b),
            a.strictly_right_of(b),
            a.not_extend_right_of(b),
            a.not_extend_left_of(b),
        ];
        assert_eq!(
            bools, rust,
            "{ctx}: @> elem, @>, <@, &&, -|-, <<, >>, &<, &>"
        );
        assert_eq!(
            row.get::<_, Option<Range<T>>>(11),
            a.union(b).ok(),
            "{ctx}: union"
        );
        assert_eq!(
            row.get::<_, Range<T>>(12),
            a.intersection(b),
            "{ctx}: intersection"
        );
        assert_eq!(
            row.get::<_, Option<Range<T>>>(13),
            a.difference(b).ok(),
            "{ctx}: difference"
        );
        assert_eq!(row.get::<_, Range<T>>(14), a.merge(b), "{ctx}: range_merge");
        assert_eq!(row.get::<_, bool>(15), a.is_empty(), "{ctx}: isempty");
        assert_eq!(
            row.get::<_, Option<T>>(16).as_ref(),
            a.lower(),
            "{ctx}: lower"
        );
        assert_eq!(
            row.get::<_, Option<T>>(17).as_ref(),
            a.upper(),
            "{ctx}: upper"
        );
        let flags: Vec<bool> = (18..=21).map(|c| row.get::<_, bool>(c)).collect();
        assert_eq!(
            flags,
            [a.lower_inc(), a.upper_inc(), a.lower_inf(), a.upper_inf()],
            "{ctx}: lower_inc, upper_inc, lower_inf, upper_inf"
        );
        assert_eq!(row.get::<_, bool>(22), a == b, "{ctx}: =");
        assert_eq!(row.get::<_, bool>(23), a < b, "{ctx}: < (sort order)");
        assert_eq!(row.get::<_, bool>(24), a.contains(x), "{ctx}: elem <@");
    }
}

/// Builds ranges from raw bounds on both sides: canonical form, empty detection and the
/// errors (lower above upper, overflow) agree.
async fn compare_construction<T>(
    client: &Client,
    seed: u64,
    n: usize,
    elem: impl Fn(i64) -> T,
    extremes: &[(Option<T>, Option<T>)],
) where
    T: RangeElement + PartialEq + Debug + for<'a> FromSql<'a>,
{
    let range_ty = <T::Range as SqlType>::TYPE.name;
    let elem_ty = <T::Element as SqlType>::TYPE.name;
    let mut rng = Rng(seed);
    let mut raws: Vec<Raw<T>> = (0..n)
        .map(|_| {
            let mut raw = Raw::random(&mut rng, &elem);
            // Sometimes out of order, to see the error.
            if rng.below(10) == 0 {
                std::mem::swap(&mut raw.lower, &mut raw.upper);
            }
            raw
        })
        .collect();
    for (l, u) in extremes {
        for flags in FLAGS {
            raws.push(Raw {
                lower: l.clone(),
                upper: u.clone(),
                flags,
            });
        }
    }
    let lowers: Vec<Option<T>> = raws.iter().map(|r| r.lower.clone()).collect();
    let uppers: Vec<Option<T>> = raws.iter().map(|r| r.upper.clone()).collect();
    let flags: Vec<&str> = raws.iter().map(|r| r.flags).collect();
    let sql = format!(
        "SELECT try_make(NULL::{range_ty}, l, u, f) FROM unnest($1::{elem_ty}[], $2::{elem_ty}[], \
         $3::text[]) WITH ORDINALITY AS t(l, u, f, n) ORDER BY n"
    );
    let rows = client
        .query(&sql, &[&lowers, &uppers, &flags])
        .await
        .unwrap();
    for (raw, row) in raws.iter().zip(&rows) {
        assert_eq!(
            row.get::<_, Option<Range<T>>>(0),
            raw.build().ok(),
            "{range_ty}: {raw:?}"
        );
    }
}

fn date(v: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 2, 27).unwrap() + chrono::Duration::days(v)
}

fn timestamp(v: i64) -> NaiveDateTime {
    date(0).and_hms_opt(12, 0, 0).unwrap() + chrono::Duration::minutes(v * 30)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_range_operations_equal_the_servers() {
    let db = test_db("range_compare").await;
    let conn = db.connection().await.unwrap();
    let client = conn.client();
    install_helpers(client).await;
    compare_ranges(client, 1, 3000, |v| i32::try_from(v).unwrap()).await;
    compare_ranges(client, 2, 1000, |v| v * 1_000_000_000_000).await;
    compare_ranges(client, 3, 2000, |v| Decimal::new(v * 5, 1)).await;
    compare_ranges(client, 4, 1000, date).await;
    compare_ranges(client, 5, 1000, timestamp).await;
    compare_ranges(client, 6, 500, |v| timestamp(v).and_utc()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_construction_equals_the_servers() {
    let db = test_db("range_construct").await;
    let conn = db.connection().await.unwrap();
    let client = conn.client();
    install_helpers(client).await;
    let max = i32::MAX;
    compare_construction(
        client,
        7,
        2000,
        |v| i32::try_from(v).unwrap(),
        &[
            (Some(max - 1), Some(max)),
            (Some(max), Some(max)),
            (Some(i32::MIN), Some(i32::MIN)),
            (None, Some(max)),
            (Some(max), None),
        ],
    )
    .await;
    compare_construction(
        client,
        8,
        1000,
        |v| v,
        &[(Some(i64::MAX), Some(i64::MAX)), (None, Some(i64::MAX))],
    )
    .await;
    compare_construction(client, 9, 1000, |v| Decimal::new(v, 2), &[]).await;
    compare_construction(client, 10, 1000, date, &[]).await;
    compare_construction(client, 11, 500, timestamp, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_multirange_operations_equal_the_servers() {
    let db = test_db("multirange_compare").await;
    let conn = db.connection().await.unwrap();
    let client = conn.client();
    let elem = |v: i64| i32::try_from(v).unwrap();
    let mut rng = Rng(12);
    let n = 2000;
    let a: Vec<MultiRange<i32>> = (0..n).map(|_| gen_multi(&mut rng, &elem)).collect();
    let b: Vec<MultiRange<i32>> = (0..n).map(|_| gen_multi(&mut rng, &elem)).collect();
    let r: Vec<Range<i32>> = (0..n).map(|_| gen_range(&mut rng, &elem)).collect();
    let x: Vec<i32> = (0..n).map(|_| elem(rng.small())).collect();
    // Multiranges built on the server from the same ranges, to check the canonical form.
    let parts: Vec<Vec<Range<i32>>> = (0..n)
        .map(|_| {
            (0..rng.below(4))
                .map(|_| gen_range(&mut rng, &elem))
                .collect()
        })
        .collect();
    let flat: Vec<Range<i32>> = parts.iter().flatten().cloned().collect();
    let owner: Vec<i32> = parts
        .iter()
        .enumerate()
        .flat_map(|(i, p)| std::iter::repeat_n(i32::try_from(i).unwrap(), p.len()))
        .collect();
    let rows = client
        .query(
            "SELECT a, a + b, a * b, a - b, a @> x, a @> r, a @> b, a && r, a && b, \
             range_merge(a), lower(a), upper(a), isempty(a), a = b \
             FROM unnest($1::int4multirange[], $2::int4multirange[], $3::int4range[], $4::int4[]) \
             WITH ORDINALITY AS t(a, b, r, x, n) ORDER BY n",
            &[&a, &b, &r, &x],
        )
        .await
        .unwrap();
    for (i, row) in rows.iter().enumerate() {
        let (a, b, r, x) = (&a[i], &b[i], &r[i], &x[i]);
        let ctx = format!("case {i}: a = {a}, b = {b}, r = {r}, x = {x}");
        assert_eq!(&row.get::<_, MultiRange<i32>>(0), a, "{ctx}: round trip");
        assert_eq!(row.get::<_, MultiRange<i32>>(1), a.union(b), "{ctx}: +");
        assert_eq!(
            row.get::<_, MultiRange<i32>>(2),
            a.intersection(b),
            "{ctx}: *"
        );
        assert_eq!(
            row.get::<_, MultiRange<i32>>(3),
            a.difference(b),
            "{ctx}: -"
        );
        let bools: Vec<bool> = (4..=8).map(|c| row.get::<_, bool>(c)).collect();
        assert_eq!(
            bools,
            [
                a.contains(x),
                a.contains_range(r),
                a.contains_multirange(b),
                a.overlaps_range(r),
                a.overlaps(b)
            ],
            "{ctx}: @> elem, @> range, @> multirange, && range, && multirange"
        );
        assert_eq!(row.get::<_, Range<i32>>(9), a.merge(), "{ctx}: range_merge");
        assert_eq!(
            row.get::<_, Option<i32>>(10).as_ref(),
            a.lower(),
            "{ctx}: lower"
        );
        assert_eq!(
            row.get::<_, Option<i32>>(11).as_ref(),
            a.upper(),
            "{ctx}: upper"
        );
        assert_eq!(row.get::<_, bool>(12), a.is_empty(), "{ctx}: isempty");
        assert_eq!(row.get::<_, bool>(13), a == b, "{ctx}: =");
    }
    let rows = client
        .query(
            "SELECT i, range_agg(r) FROM unnest($1::int4range[], $2::int4[]) AS t(r, i) \
             GROUP BY i ORDER BY i",
            &[&flat, &owner],
        )
        .await
        .unwrap();
    for row in rows {
        let i = usize::try_from(row.get::<_, i32>(0)).unwrap();
        assert_eq!(
            row.get::<_, MultiRange<i32>>(1),
            MultiRange::new(parts[i].clone()),
            "canonical multirange of {:?}",
            parts[i]
        );
    }
}

/// Binds a value and reads it back through a typed `SELECT $1::TYPE`.
async fn round_trip<T>(client: &Client, value: &T) -> T
where
    T: ToSql + Sync + for<'a> FromSql<'a> + mapped::orm_core::types::HasSqlType,
{
    let ty = <T::SqlType as SqlType>::TYPE.to_sql();
    client
        .query_one(&format!("SELECT $1::{ty}"), &[value])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_round_trip_with_edge_values() {
    let db = test_db("range_round_trip").await;
    let conn = db.connection().await.unwrap();
    let client = conn.client();
    let ints = [
        Range::empty(),
        Range::unbounded(),
        Range::closed(i32::MIN, i32::MAX - 1).unwrap(),
        Range::new(Bound::Unbounded, Bound::Included(0)).unwrap(),
    ];
    for r in &ints {
        assert_eq!(&round_trip(client, r).await, r);
    }
    assert_eq!(round_trip(client, &ints.to_vec()).await, ints.to_vec());
    let ts = Range::new(Bound::Excluded(timestamp(0)), Bound::Unbounded).unwrap();
    assert_eq!(round_trip(client, &ts).await, ts);
    let tstz = Range::closed(timestamp(-3).and_utc(), timestamp(3).and_utc()).unwrap();
    assert_eq!(round_trip(client, &tstz).await, tstz);
    let num = Range::closed(Decimal::new(-15, 1), Decimal::new(12345, 3)).unwrap();
    let back = round_trip(client, &num).await;
    assert_eq!(back.to_string(), "[-1.5,12.345]");
    let dates = Range::closed(date(0), date(2)).unwrap();
    assert_eq!(
        round_trip(client, &dates).await.to_string(),
        "[2024-02-27,2024-03-01)"
    );
    let multi = MultiRange::new([dates.clone(), Range::closed(date(9), date(9)).unwrap()]);
    assert_eq!(round_trip(client, &multi).await, multi);
    assert_eq!(
        round_trip(client, &vec![multi.clone(), MultiRange::empty()]).await,
        vec![multi, MultiRange::empty()]
    );
    // NULL and an element type mismatch.
    let none: Option<Range<i64>> = client
        .query_one("SELECT NULL::int8range", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(none, None);
    let err = client
        .query_one("SELECT '[1,2)'::int8range", &[])
        .await
        .unwrap()
        .try_get::<_, Range<i32>>(0)
        .unwrap_err();
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert!(cause.contains("`int8range`"), "{cause}");
    // Infinite timestamps do not fit chrono: a clear decode error, not a panic.
    let err = client
        .query_one("SELECT '[2020-01-01, infinity]'::tsrange", &[])
        .await
        .unwrap()
        .try_get::<_, Range<NaiveDateTime>>(0)
        .unwrap_err();
    assert!(!err.to_string().is_empty());
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "reservations")]
#[mapped(exclude(elements(room = "=", during = "&&"), name = "no_double_booking"))]
pub struct Reservation {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub room: i32,
    pub during: Range<NaiveDateTime>,
    pub seats: Option<Range<i32>>,
    pub open: MultiRange<i32>,
    pub history: Vec<Range<NaiveDate>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_columns_operators_and_exclude_constraint() {
    let db = test_db("range_columns").await;
    let ddl = mapped::orm_core::ddl::create_all(&[Reservation::TABLE], false).unwrap();
    assert_eq!(
        ddl.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(),
        [
            r#"CREATE EXTENSION IF NOT EXISTS "btree_gist""#,
            r#"CREATE TABLE "reservations" ("id" BIGINT GENERATED BY DEFAULT AS IDENTITY, "room" INTEGER NOT NULL, "during" TSRANGE NOT NULL, "seats" INT4RANGE, "open" INT4MULTIRANGE NOT NULL, "history" DATERANGE[] NOT NULL, CONSTRAINT "reservations_pkey" PRIMARY KEY ("id"), CONSTRAINT "no_double_booking" EXCLUDE USING gist ("room" WITH =, "during" WITH &&))"#,
        ]
    );
    db.create_all(&[Reservation::TABLE], false).await.unwrap();
    let slot = |a: i64, b: i64| Range::closed_open(timestamp(a), timestamp(b)).unwrap();
    let row = |room: i32, during: Range<NaiveDateTime>| Reservation {
        id: 0,
        room,
        during,
        seats: None,
        open: MultiRange::new([Range::closed(1, 3).unwrap(), Range::closed(7, 9).unwrap()]),
        history: vec![Range::empty(), Range::closed(date(1), date(5)).unwrap()],
    };
    let inserted: Vec<Reservation> = db
        .query(
            &insert::<Reservation>()
                .models([
                    &row(1, slot(0, 4)),
                    &row(1, slot(4, 8)),
                    &row(2, slot(0, 4)),
                ])
                .returning_model(),
        )
        .await
        .unwrap();
    assert_eq!(inserted.len(), 3);
    assert_eq!(inserted[0].history, row(1, slot(0, 4)).history);
    assert_eq!(inserted[0].open.to_string(), "{[1,4),[7,10)}");

    // An overlapping booking of room 1 violates the EXCLUDE constraint (SQLSTATE 23P01).
    let err = db
        .execute(&insert::<Reservation>().model(&row(1, slot(3, 5))))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&mapped::orm_runtime::SqlState::EXCLUSION_VIOLATION),
        "{err}"
    );

    // Typed operators, run by the server.
    let q = select_from::<Reservation>()
        .select(Reservation::ID)
        .filter(Reservation::DURING.overlaps(slot(3, 5)))
        .order_by(Reservation::ID);
    let overlapping: Vec<i64> = db.query(&q).await.unwrap();
    assert_eq!(
        overlapping,
        [inserted[0].id, inserted[1].id, inserted[2].id]
    );
    let q = select_from::<Reservation>().select(Reservation::ID).filter(
        Reservation::DURING
            .contains_elem(timestamp(5))
            .and(Reservation::ROOM.eq(1)),
    );
    assert_eq!(db.query::<i64, _>(&q).await.unwrap(), [inserted[1].id]);
    let q = select_from::<Reservation>()
        .select((
            Reservation::DURING.lower(),
            Reservation::DURING.upper_inc(),
            Reservation::DURING.union(slot(8, 9)),
            Reservation::OPEN.merged(),
            Reservation::OPEN.contains_range(Range::closed(2, 3).unwrap()),
            Reservation::SEATS.is_empty(),
        ))
        .filter(Reservation::ID.eq(inserted[1].id));
    let (lower, upper_inc, union, merged, contains, seats_empty): (
        Option<NaiveDateTime>,
        bool,
        Range<NaiveDateTime>,
        Range<i32>,
        bool,
        Option<bool>,
    ) = db.query_one(&q).await.unwrap();
    assert_eq!(lower, Some(timestamp(4)));
    assert!(!upper_inc);
    assert_eq!(union, slot(4, 9));
    assert_eq!(merged.to_string(), "[1,10)");
    assert!(contains);
    assert_eq!(seats_empty, None);
    let q = select_from::<Reservation>().select(Reservation::ID).filter(
        Reservation::DURING
            .strictly_left_of(slot(4, 5))
            .and(Reservation::DURING.adjacent_to(slot(4, 5)))
            .and(Reservation::OPEN.contains_elem(8))
            .and(Reservation::ROOM.eq(1)),
    );
    assert_eq!(db.query::<i64, _>(&q).await.unwrap(), [inserted[0].id]);
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "shifts")]
pub struct Shift {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub slot: Range<i32>,
    pub free: MultiRange<i32>,
}

/// The operators with a range on one side and a multirange on the other, run by the server
/// with bound values and with both columns.
#[tokio::test]
async fn mixed_range_and_multirange_operators() {
    let db = test_db("range_mixed").await;
    db.create_all(&[Shift::TABLE], false).await.unwrap();
    let r = |a: i32, b: i32| Range::closed_open(a, b).unwrap();
    let m = |rs: &[(i32, i32)]| MultiRange::new(rs.iter().map(|&(a, b)| r(a, b)));
    db.execute(
        &insert::<Shift>()
            .set(Shift::SLOT, r(10, 20))
            .set(Shift::FREE, m(&[(1, 5), (20, 30)])),
    )
    .await
    .unwrap();
    let range_side: (
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
    ) = db
        .query_one(&select_from::<Shift>().select((
            Shift::SLOT.contains_multirange(m(&[(12, 14), (15, 16)])),
            Shift::SLOT.contains_multirange(m(&[(12, 14), (19, 21)])),
            Shift::SLOT.overlaps_multirange(m(&[(1, 5), (20, 30)])),
            Shift::SLOT.overlaps_multirange(m(&[(1, 5), (19, 30)])),
            Shift::SLOT.strictly_left_of_multirange(m(&[(25, 30)])),
            Shift::SLOT.strictly_right_of_multirange(m(&[(1, 5)])),
            Shift::SLOT.not_extend_right_of_multirange(m(&[(1, 5), (20, 30)])),
            Shift::SLOT.not_extend_left_of_multirange(m(&[(11, 30)])),
            Shift::SLOT.adjacent_to_multirange(m(&[(20, 30)])),
            Shift::SLOT.adjacent_to_multirange(m(&[(21, 30)])),
            Shift::SLOT.contained_by_multirange(m(&[(0, 5), (8, 25)])),
        )))
        .await
        .unwrap();
    assert_eq!(
        range_side,
        (
            true, false, false, true, true, true, true, false, true, false, true
        )
    );
    let multi_side: (bool, bool, bool, bool, bool, bool, bool, bool, bool, bool) = db
        .query_one(&select_from::<Shift>().select((
            Shift::FREE.contains_range(r(2, 3)),
            Shift::FREE.contained_by_range(r(0, 40)),
            Shift::FREE.contained_by_range(r(2, 40)),
            Shift::FREE.overlaps_range(r(4, 6)),
            Shift::FREE.strictly_left_of_range(r(40, 50)),
            Shift::FREE.strictly_right_of_range(r(-5, 0)),
            Shift::FREE.not_extend_right_of_range(r(0, 30)),
            Shift::FREE.not_extend_left_of_range(r(2, 3)),
            Shift::FREE.adjacent_to_range(r(30, 40)),
            Shift::FREE.adjacent_to_range(r(31, 40)),
        )))
        .await
        .unwrap();
    assert_eq!(
        multi_side,
        (
            true, true, false, true, true, true, true, false, true, false
        )
    );
    // Column against column. Adjacency is to the multirange's ends (its lowest lower and
    // highest upper bound): [10,20) lies between {[1,5),[20,30)}, so it is not adjacent.
    let cols: (bool, bool, bool) = db
        .query_one(&select_from::<Shift>().select((
            Shift::SLOT.overlaps_multirange(Shift::FREE),
            Shift::SLOT.adjacent_to_multirange(Shift::FREE),
            Shift::SLOT.not_extend_right_of_multirange(Shift::FREE),
        )))
        .await
        .unwrap();
    assert_eq!(cols, (false, false, true));
    // The Rust-side multirange methods agree with the server.
    let free = m(&[(1, 5), (20, 30)]);
    assert!(free.contains_range(&r(2, 3)) && free.overlaps_range(&r(4, 6)));
}
