//! ARRAY and JSON/JSONB against the real server: round trips (NULL, empty, multi-dimensional,
//! non-ASCII, SQL NULL vs JSON null) and every operator and function.

use mapped::prelude::*;
use serde_json::{Value, json};

use crate::support::test_db;

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "arrays")]
pub struct Arrays {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub tags: Vec<String>,
    pub nums: Option<Vec<i64>>,
    pub maybe: Vec<Option<String>>,
    pub grid: Vec<Vec<i32>>,
    pub cube: Vec<Vec<Vec<i16>>>,
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

#[tokio::test]
async fn arrays_round_trip_with_nulls_empties_and_dimensions() {
    let db = test_db("arrays_round_trip").await;
    db.create_all(&[Arrays::TABLE], false).await.unwrap();
    let rows = vec![
        (
            s(&["a", "ß", "日本", "x y"]),
            Some(vec![1_i64, -2, i64::MAX]),
            vec![Some("p".to_owned()), None],
            vec![vec![1, 2, 3], vec![4, 5, 6]],
            vec![
                vec![vec![1_i16, 2], vec![3, 4]],
                vec![vec![5, 6], vec![7, 8]],
            ],
        ),
        (Vec::new(), None, Vec::new(), Vec::new(), Vec::new()),
        (
            s(&[""]),
            Some(Vec::new()),
            vec![None],
            vec![vec![7]],
            vec![vec![vec![9]]],
        ),
    ];
    let q = insert::<Arrays>()
        .columns((
            Arrays::TAGS,
            Arrays::NUMS,
            Arrays::MAYBE,
            Arrays::GRID,
            Arrays::CUBE,
        ))
        .values_iter(rows.clone())
        .returning_model();
    let back: Vec<Arrays> = db.query(&q).await.unwrap();
    assert_eq!(back.len(), 3);
    for (b, r) in back.iter().zip(&rows) {
        assert_eq!(
            (&b.tags, &b.nums, &b.maybe, &b.grid, &b.cube),
            (&r.0, &r.1, &r.2, &r.3, &r.4)
        );
    }
    // A model goes through the derive's binding (not the expression one).
    let m = Arrays {
        id: 0,
        tags: s(&["m"]),
        nums: None,
        maybe: vec![None, Some("q".into())],
        grid: vec![vec![1, 2], vec![3, 4], vec![5, 6]],
        cube: Vec::new(),
    };
    let got: Arrays = db
        .query_one(&insert::<Arrays>().model(&m).returning_model())
        .await
        .unwrap();
    assert_eq!(got.grid, m.grid);
    assert_eq!(got.maybe, m.maybe);
    let dims: String = db
        .query_one(
            &select_from::<Arrays>()
                .select(raw::<Text>("array_dims(grid)"))
                .filter(Arrays::ID.eq(got.id)),
        )
        .await
        .unwrap();
    assert_eq!(dims, "[1:3][1:2]");

    // Ragged nested Vecs are refused before they reach the server.
    let ragged = insert::<Arrays>()
        .columns((Arrays::TAGS, Arrays::MAYBE, Arrays::GRID, Arrays::CUBE))
        .values((
            Vec::<String>::new(),
            Vec::<Option<String>>::new(),
            vec![vec![1_i32, 2], vec![3]],
            Vec::<Vec<Vec<i16>>>::new(),
        ));
    let err = db.execute(&ragged).await.unwrap_err();
    assert!(err.to_string().contains("not rectangular"), "{err}");

    // Too few Vec levels for the column's dimensions is a decode error, not garbage.
    let err = db
        .query::<Vec<i32>, _>(
            &select_from::<Arrays>()
                .select(Arrays::GRID.cast::<Array<Int4>>())
                .filter(Arrays::ID.eq(back[0].id)),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("more dimension"), "{err}");
}

#[tokio::test]
async fn array_operators_and_functions() {
    let db = test_db("array_ops").await;
    db.create_all(&[Arrays::TABLE], false).await.unwrap();
    let q = insert::<Arrays>()
        .columns((
            Arrays::TAGS,
            Arrays::NUMS,
            Arrays::MAYBE,
            Arrays::GRID,
            Arrays::CUBE,
        ))
        .values((
            s(&["a", "b", "c", "b"]),
            Some(vec![10_i64, 20, 30]),
            vec![Some("x".to_owned())],
            vec![vec![1_i32, 2], vec![3, 4]],
            Vec::<Vec<Vec<i16>>>::new(),
        ))
        .returning(Arrays::ID);
    let id: i64 = db.query_one(&q).await.unwrap();
    let row: (Option<String>, Option<String>, Vec<String>, Vec<String>) = db
        .query_one(
            &select_from::<Arrays>()
                .select((
                    Arrays::TAGS.at(1),
                    Arrays::TAGS.at(99),
                    Arrays::TAGS.slice(2, 3),
                    Arrays::TAGS.slice(7, 9),
                ))
                .filter(Arrays::ID.eq(id)),
        )
        .await
        .unwrap();
    assert_eq!(row, (Some("a".into()), None, s(&["b", "c"]), Vec::new()));

    let flags: (bool, bool, bool, bool, bool, bool) = db
        .query_one(
            &select_from::<Arrays>()
                .select((
                    Arrays::TAGS.contains(vec!["a", "c"]),
                    Arrays::TAGS.contains(vec!["z"]),
                    Arrays::TAGS.contained_by(vec!["a", "b", "c", "d"]),
                    Arrays::TAGS.overlaps(vec!["z", "c"]),
                    value::<Text>("b").eq_any(Arrays::TAGS),
                    Arrays::NUMS.contains(vec![20_i64]),
                ))
                .filter(Arrays::ID.eq(id)),
        )
        .await
        .unwrap();
    assert_eq!(flags, (true, false, true, true, true, true));

    let row: (
        Vec<String>,
        Vec<String>,
        Vec<String>,
        Vec<String>,
        Vec<String>,
        Vec<String>,
    ) = db
        .query_one(
            &select_from::<Arrays>()
                .select((
                    Arrays::TAGS.concat_array(vec!["d"]),
                    Arrays::TAGS.concat_elem("é"),
                    Arrays::TAGS.array_append("z"),
                    Arrays::TAGS.array_prepend("0"),
                    Arrays::TAGS.array_cat(vec!["y"]),
                    Arrays::TAGS.array_remove("b"),
                ))
                .filter(Arrays::ID.eq(id)),
        )
        .await
        .unwrap();
    assert_eq!(row.0, s(&["a", "b", "c", "b", "d"]));
    assert_eq!(row.1, s(&["a", "b", "c", "b", "é"]));
    assert_eq!(row.2, s(&["a", "b", "c", "b", "z"]));
    assert_eq!(row.3, s(&["0", "a", "b", "c", "b"]));
    assert_eq!(row.4, s(&["a", "b", "c", "b", "y"]));
    assert_eq!(row.5, s(&["a", "c"]));

    let row: (
        Option<i32>,
        Option<i32>,
        Option<i32>,
        i32,
        Option<i32>,
        String,
        Option<i32>,
    ) = db
        .query_one(
            &select_from::<Arrays>()
                .select((
                    Arrays::TAGS.array_position("b"),
                    Arrays::TAGS.array_position("nope"),
                    Arrays::TAGS.array_length(1),
                    Arrays::GRID.cardinality(),
                    Arrays::GRID.array_length(2),
                    Arrays::TAGS.array_to_string("-"),
                    Arrays::NUMS.cardinality(),
                ))
                .filter(Arrays::ID.eq(id)),
        )
        .await
        .unwrap();
    assert_eq!(
        row,
        (
            Some(2),
            None,
            Some(4),
            4,
            Some(2),
            "a-b-c-b".to_owned(),
            Some(3)
        )
    );

    // An empty array: array_length is NULL, cardinality 0.
    let empty: (Option<i32>, i32) = db
        .query_one(&select((
            value::<Array<Text>>(Vec::<String>::new()).array_length(1),
            value::<Array<Text>>(Vec::<String>::new()).cardinality(),
        )))
        .await
        .unwrap();
    assert_eq!(empty, (None, 0));

    // unnest as a column and as a table with ordinality.
    let mut items: Vec<String> = db
        .query(
            &select_from::<Arrays>()
                .select(Arrays::TAGS.unnest())
                .filter(Arrays::ID.eq(id)),
        )
        .await
        .unwrap();
    items.sort();
    assert_eq!(items, s(&["a", "b", "b", "c"]));
    let u = unnest_table(Arrays::TAGS)
        .lateral()
        .with_ordinality()
        .alias("u", ["tag", "n"]);
    let rows: Vec<(String, i64)> = db
        .query(
            &select_from::<Arrays>()
                .cross_join_fn(u.clone())
                .select((u.col::<Text>("tag"), u.col::<Int8>("n")))
                .filter(Arrays::ID.eq(id))
                .order_by(u.col::<Int8>("n").desc()),
        )
        .await
        .unwrap();
    assert_eq!(rows[0], ("b".to_owned(), 4));
    let lit = unnest_table(array::<Int4, _>([3_i32, 1, 2])).alias("v", ["x"]);
    let xs: Vec<i32> = db
        .query(
            &select_from_fn(lit.clone())
                .select(lit.col::<Int4>("x"))
                .order_by(lit.col::<Int4>("x")),
        )
        .await
        .unwrap();
    assert_eq!(xs, [1, 2, 3]);

    // array_agg with ORDER BY over unnest.
    let agg: Option<Vec<i32>> = db
        .query_one(
            &select_from_fn(lit.clone())
                .select(array_agg(lit.col::<Int4>("x")).order_by(lit.col::<Int4>("x").desc())),
        )
        .await
        .unwrap();
    assert_eq!(agg, Some(vec![3, 2, 1]));

    // A bound 2-D value comes back as it went.
    let m: Vec<Vec<i32>> = db
        .query_one(&select(value::<Array<Array<Int4>>>(vec![
            vec![1_i32, 2],
            vec![3, 4],
        ])))
        .await
        .unwrap();
    assert_eq!(m, [[1, 2], [3, 4]]);
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "docs")]
pub struct Doc {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub body: Value,
    pub extra: Option<Value>,
    pub typed: Option<mapped::orm_core::json::Json<Profile>>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Profile {
    pub name: String,
    pub age: u32,
}

#[tokio::test]
async fn json_round_trip_keeps_sql_null_and_json_null_apart() {
    let db = test_db("json_round_trip").await;
    db.create_all(&[Doc::TABLE], false).await.unwrap();
    let typed = mapped::orm_core::json::Json(Profile {
        name: "Zoë 🎉".into(),
        age: 7,
    });
    let rows = vec![
        (
            json!({"a": 1, "s": "ünï", "n": null}),
            Some(Value::Null),
            Some(typed.clone()),
        ),
        (json!([]), None, None),
        (Value::Null, Some(json!({})), None),
    ];
    let q = insert::<Doc>()
        .columns((Doc::BODY, Doc::EXTRA, Doc::TYPED))
        .values_iter(rows.clone())
        .returning_model();
    let back: Vec<Doc> = db.query(&q).await.unwrap();
    for (b, r) in back.iter().zip(&rows) {
        assert_eq!(b.body, r.0);
        assert_eq!(b.extra, r.1);
        assert_eq!(b.typed.as_ref().map(|t| &t.0), r.2.as_ref().map(|t| &t.0));
    }
    // On the server: SQL NULL is NULL, JSON null is the JSON value `null`.
    let kinds: Vec<(bool, Option<String>)> = db
        .query(
            &select_from::<Doc>()
                .select((Doc::EXTRA.is_null(), Doc::EXTRA.jsonb_typeof()))
                .order_by(Doc::ID),
        )
        .await
        .unwrap();
    assert_eq!(
        kinds,
        [
            (false, Some("null".into())),
            (true, None),
            (false, Some("object".into()))
        ]
    );
}

#[tokio::test]
async fn json_and_jsonb_operators_and_functions() {
    let db = test_db("json_ops").await;
    db.create_all(&[Doc::TABLE], false).await.unwrap();
    let body = json!({"name": "Ann", "tags": ["x", "y"], "n": 3, "a": {"b": [10, {"c": "deep"}]}});
    let id: i64 = db
        .query_one(
            &insert::<Doc>()
                .columns((Doc::BODY,))
                .values((body.clone(),))
                .returning(Doc::ID),
        )
        .await
        .unwrap();
    let sel = |_: ()| select_from::<Doc>().filter(Doc::ID.eq(id));

    let row: (
        Option<Value>,
        Option<Value>,
        Option<String>,
        Option<String>,
        Option<Value>,
        Option<String>,
        Option<Value>,
    ) = db
        .query_one(&sel(()).select((
            Doc::BODY.get("name"),
            Doc::BODY.get("tags").get_index(-1),
            Doc::BODY.get_text("name"),
            Doc::BODY.get("tags").get_index_text(0),
            Doc::BODY.get_path(vec!["a", "b", "1"]),
            Doc::BODY.get_path_text(vec!["a", "b", "1", "c"]),
            Doc::BODY.get("missing"),
        )))
        .await
        .unwrap();
    assert_eq!(row.0, Some(json!("Ann")));
    assert_eq!(row.1, Some(json!("y")));
    assert_eq!(row.2.as_deref(), Some("Ann"));
    assert_eq!(row.3.as_deref(), Some("x"));
    assert_eq!(row.4, Some(json!({"c": "deep"})));
    assert_eq!(row.5.as_deref(), Some("deep"));
    assert_eq!(row.6, None);

    let flags: (bool, bool, bool, bool, bool, bool, bool, bool, bool) = db
        .query_one(&sel(()).select((
            Doc::BODY.contains(json!({"tags": ["x"]})),
            Doc::BODY.contains(json!({"tags": ["z"]})),
            value::<Jsonb>(json!({"n": 3})).contained_by(Doc::BODY),
            Doc::BODY.has_key("name"),
            Doc::BODY.has_key("nope"),
            Doc::BODY.has_any_key(vec!["nope", "n"]),
            Doc::BODY.has_all_keys(vec!["nope", "n"]),
            Doc::BODY.path_exists("$.tags[*] ? (@ == \"y\")"),
            Doc::BODY.path_match("$.n > 2"),
        )))
        .await
        .unwrap();
    assert_eq!(
        flags,
        (true, false, true, true, false, true, false, true, true)
    );

    let row: (Value, Value, Value, Value, Value) = db
        .query_one(
            &sel(()).select((
                Doc::BODY
                    .concat_jsonb(json!({"n": 4, "new": true}))
                    .get("n")
                    .coalesce(json!(0)),
                Doc::BODY.remove_key("a").remove_keys(vec!["tags", "n"]),
                Doc::BODY.get("tags").coalesce(json!([])).remove_index(0),
                Doc::BODY
                    .remove_path(vec!["a", "b", "1"])
                    .get("a")
                    .coalesce(json!(null)),
                Doc::BODY
                    .jsonb_set(vec!["a", "b", "0"], json!(11))
                    .get_path(vec!["a", "b"])
                    .coalesce(json!(null)),
            )),
        )
        .await
        .unwrap();
    assert_eq!(row.0, json!(4));
    assert_eq!(row.1, json!({"name": "Ann"}));
    assert_eq!(row.2, json!(["y"]));
    assert_eq!(row.3, json!({"b": [10]}));
    assert_eq!(row.4, json!([11, {"c": "deep"}]));

    let row: (Value, String, i32, Value, Option<Value>, Value) = db
        .query_one(
            &sel(()).select((
                Doc::BODY
                    .jsonb_insert(vec!["tags", "0"], json!("first"))
                    .get("tags")
                    .coalesce(json!(null)),
                Doc::BODY.jsonb_typeof(),
                Doc::BODY
                    .get("tags")
                    .coalesce(json!([]))
                    .jsonb_array_length(),
                Doc::BODY.jsonb_path_query_array("$.tags[*]"),
                Doc::BODY.jsonb_path_query_first("$.a.b[0]"),
                jsonb_build_object()
                    .field("id", Doc::ID)
                    .field("name", Doc::BODY.get_text("name"))
                    .field("k", value::<Text>("ü")),
            )),
        )
        .await
        .unwrap();
    assert_eq!(row.0, json!(["first", "x", "y"]));
    assert_eq!(row.1, "object");
    assert_eq!(row.2, 2);
    assert_eq!(row.3, json!(["x", "y"]));
    assert_eq!(row.4, Some(json!(10)));
    assert_eq!(row.5, json!({"id": id, "name": "Ann", "k": "ü"}));

    // Set-returning: as a column, and in FROM.
    let items: Vec<Value> = db
        .query(&sel(()).select(Doc::BODY.jsonb_path_query("$.tags[*]")))
        .await
        .unwrap();
    assert_eq!(items, [json!("x"), json!("y")]);
    let each = jsonb_each(Doc::BODY).lateral().alias("e", ["key", "value"]);
    let mut kv: Vec<(String, Value)> = db
        .query(
            &select_from::<Doc>()
                .cross_join_fn(each.clone())
                .select((each.col::<Text>("key"), each.col::<Jsonb>("value")))
                .filter(Doc::ID.eq(id)),
        )
        .await
        .unwrap();
    kv.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(kv.len(), 4);
    assert_eq!(kv[1], ("n".to_owned(), json!(3)));
    let each_text =
        jsonb_each_text(value::<Jsonb>(json!({"a": "x", "b": null}))).alias("e", ["key", "value"]);
    let kv: Vec<(String, Option<String>)> = db
        .query(
            &select_from_fn(each_text.clone())
                .select((
                    each_text.col::<Text>("key"),
                    each_text.col::<Nullable<Text>>("value"),
                ))
                .order_by(each_text.col::<Text>("key")),
        )
        .await
        .unwrap();
    assert_eq!(
        kv,
        [
            ("a".to_owned(), Some("x".to_owned())),
            ("b".to_owned(), None)
        ]
    );
    let el = jsonb_array_elements(value::<Jsonb>(json!([1, "two", null]))).alias("e", ["v"]);
    let vs: Vec<Value> = db
        .query(&select_from_fn(el.clone()).select(el.col::<Jsonb>("v")))
        .await
        .unwrap();
    assert_eq!(vs, [json!(1), json!("two"), Value::Null]);
    let el = jsonb_array_elements_text(value::<Jsonb>(json!([1, "two", null]))).alias("e", ["v"]);
    let vs: Vec<Option<String>> = db
        .query(&select_from_fn(el.clone()).select(el.col::<Nullable<Text>>("v")))
        .await
        .unwrap();
    assert_eq!(vs, [Some("1".to_owned()), Some("two".to_owned()), None]);
    let keys = jsonb_object_keys(Doc::BODY).lateral().alias("k", ["key"]);
    let n: Vec<String> = db
        .query(
            &select_from::<Doc>()
                .cross_join_fn(keys.clone())
                .select(keys.col::<Text>("key"))
                .filter(Doc::ID.eq(id))
                .order_by(keys.col::<Text>("key")),
        )
        .await
        .unwrap();
    assert_eq!(n, ["a", "n", "name", "tags"]);
    let pq = jsonb_path_query_table(Doc::BODY, "$.a.b[*]")
        .lateral()
        .alias("p", ["v"]);
    let vs: Vec<Value> = db
        .query(
            &select_from::<Doc>()
                .cross_join_fn(pq.clone())
                .select(pq.col::<Jsonb>("v"))
                .filter(Doc::ID.eq(id)),
        )
        .await
        .unwrap();
    assert_eq!(vs, [json!(10), json!({"c": "deep"})]);

    // jsonb_agg with ORDER BY, to_jsonb, a JSONPATH value, and the JSON (not JSONB) type.
    let agg: Option<Value> = db
        .query_one(&select_from_fn(el.clone()).select(
            jsonb_agg(el.col::<Nullable<Text>>("v")).order_by(el.col::<Nullable<Text>>("v").desc()),
        ))
        .await
        .unwrap();
    assert_eq!(agg, Some(json!([null, "two", "1"])));
    let row: (Value, PgJsonPath, Option<Value>, Option<String>) = db
        .query_one(&select((
            to_jsonb(value::<Array<Int4>>(vec![1_i32, 2])),
            jsonpath("$.a[*] ? (@ > 1)"),
            value::<Json>(json!({"k": [1, 2]})).get("k").get_index(1),
            value::<Json>(json!({"k": {"z": "ж"}})).get_path_text(vec!["k", "z"]),
        )))
        .await
        .unwrap();
    assert_eq!(row.0, json!([1, 2]));
    assert_eq!(row.1.as_str(), "$.\"a\"[*]?(@ > 1)");
    assert_eq!(row.2, Some(json!(2)));
    assert_eq!(row.3.as_deref(), Some("ж"));

    // A bad JSONPATH is a server error, not a panic.
    let err = db
        .query_one::<bool, _>(&sel(()).select(Doc::BODY.path_exists("$.[")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("jsonpath"), "{err}");
}
