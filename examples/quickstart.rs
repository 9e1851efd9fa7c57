//! The main job: create a schema, insert, query, update, print.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Uses `DATABASE_URL` when it is set; otherwise starts a throwaway PostgreSQL from the
//! locally installed binaries and removes it afterwards.

use mapped::prelude::*;

/// An author.
#[derive(Model, Debug, Clone)]
#[mapped(table = "authors", schema = "quickstart")]
#[mapped(index(columns(expr("lower(email)")), unique))]
pub struct Author {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub email: String,
    pub name: Option<String>,
}

/// A post by an author.
#[derive(Model, Debug, Clone)]
#[mapped(table = "posts", schema = "quickstart")]
#[mapped(check(expr = "length(title) > 0"))]
pub struct Post {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(references(Author::ID, on_delete = cascade), index)]
    pub author_id: i64,
    pub title: String,
    pub tags: Vec<String>,
    #[mapped(server_default = "0")]
    pub likes: i32,
    #[mapped(server_default = "now()")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), mapped::Error> {
    let db = Database::embedded().await?;
    db.execute_sql("CREATE SCHEMA IF NOT EXISTS quickstart")
        .await?;
    db.drop_all(&[Author::TABLE, Post::TABLE], true).await?;
    db.create_all(&[Author::TABLE, Post::TABLE], true).await?;
    println!(
        "created tables {} and {}",
        Author::TABLE.qualified_name(),
        Post::TABLE.qualified_name()
    );

    // INSERT .. RETURNING: the identity column comes back from the server.
    let ann: Author = db
        .fetch_one(
            &insert::<Author>()
                .model(&Author {
                    id: 0,
                    email: "ann@example.com".into(),
                    name: Some("Ann".into()),
                })
                .returning_model(),
        )
        .await?;
    let bob: Author = db
        .fetch_one(
            &insert::<Author>()
                .set(Author::EMAIL, "bob@example.com")
                .returning_model(),
        )
        .await?;
    println!("inserted {ann:?}\ninserted {bob:?}");

    let posts = [
        ("Hello, world", vec!["intro"], ann.id),
        ("Typed queries", vec!["rust", "sql"], ann.id),
        ("Why PostgreSQL", vec!["sql"], bob.id),
    ];
    let inserted = db
        .execute(
            &insert::<Post>()
                .columns((Post::TITLE, Post::TAGS, Post::AUTHOR_ID))
                .values_iter(posts.iter().map(|(t, tags, a)| {
                    (
                        *t,
                        tags.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                        *a,
                    )
                })),
        )
        .await?;
    println!("inserted {inserted} posts");

    // UPDATE with an expression over the row.
    db.execute(&update::<Post>().set(Post::LIKES, Post::LIKES + 10).filter(
        Post::TAGS.op_typed::<Bool, _>("@>", typed_value::<Array<Text>>(vec!["sql".to_owned()])),
    ))
    .await?;

    // A join, an aggregate, GROUP BY and ORDER BY, decoded into a tuple.
    let per_author: Vec<(String, i64, Option<i64>)> = db
        .fetch_all(
            &select_from::<Author>()
                .inner_join::<Post, _>(Post::AUTHOR_ID.eq(Author::ID))
                .select((Author::EMAIL, count_star(), sum(Post::LIKES)))
                .group_by(Author::EMAIL)
                .order_by(Author::EMAIL),
        )
        .await?;
    for (email, n, likes) in &per_author {
        println!("{email}: {n} posts, {} likes", likes.unwrap_or(0));
    }

    // Model rows, filtered and ordered.
    let recent: Vec<Post> = db
        .fetch_all(
            &Post::query()
                .filter(Post::TITLE.ilike("%typed%").or(Post::LIKES.gt(5)))
                .order_by(Post::ID.desc())
                .limit(10),
        )
        .await?;
    for p in &recent {
        println!(
            "post #{}: {:?} tags={:?} likes={}",
            p.id, p.title, p.tags, p.likes
        );
    }

    // DELETE .. RETURNING; the foreign key cascades to the posts.
    let gone: Vec<i64> = db
        .fetch_all(
            &delete::<Author>()
                .filter(Author::ID.eq(bob.id))
                .returning(Author::ID),
        )
        .await?;
    let left: i64 = db.fetch_one(&Post::query().count()).await?;
    println!("deleted authors {gone:?}; {left} posts left");

    db.drop_all(&[Author::TABLE, Post::TABLE], true).await?;
    Ok(())
}
