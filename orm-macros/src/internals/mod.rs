//! Parsing and checking of the derive input, before any code is generated.

pub(crate) mod ast;
pub(crate) mod attr;
pub(crate) mod check;
pub(crate) mod ctxt;
pub(crate) mod resolve;
pub(crate) mod symbol;
