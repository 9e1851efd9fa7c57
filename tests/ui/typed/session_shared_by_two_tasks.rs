use mapped::prelude::*;

// One session cannot serve two operations at once: its methods take `&mut self`, so a
// second use while the first one's future is alive does not compile (SQLAlchemy finds
// this at run time).
pub async fn handler(db: Database) {
    let mut s = db.session();
    let a = s.commit();
    let b = s.rollback();
    let _ = tokio::join!(a, b);
}

fn main() {}
