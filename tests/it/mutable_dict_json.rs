//! MutableDict and MutableJson through the Session, and concurrent patches (written by a helper).
