//! MutableList and MutableSet through the Session (written by a helper).
