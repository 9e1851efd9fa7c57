//! Patch vs whole-value writes of tracked JSONB columns (written by a helper).

fn main() {}
