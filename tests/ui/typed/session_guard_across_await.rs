use mapped::prelude::*;

#[derive(Model, Debug, Clone)]
#[mapped(table = "users")]
pub struct User {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub name: String,
}

// A guard on a session object held across an `.await` in a spawned task: the guard is not
// `Send`, so the compiler refuses it (no lock is ever held across IO).
pub fn handler(db: Database) {
    tokio::spawn(async move {
        let mut s = db.session();
        let u = s.add(User { id: 0, name: "Ann".into() }).unwrap();
        let guard = u.read();
        s.commit().await.unwrap();
        println!("{}", guard.name);
    });
}

fn main() {}
