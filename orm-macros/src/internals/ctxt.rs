//! Error collection: every attribute and field error is recorded here so that one
//! compilation reports all of them at once.

use std::cell::RefCell;
use std::fmt::Display;

use quote::ToTokens;

/// Collects errors while a derive input is parsed and checked.
///
/// Call [`Ctxt::check`] before dropping it; forgetting to is a bug in the macro, which the
/// drop check reports in debug builds (the same contract as serde's `Ctxt`).
#[derive(Debug, Default)]
pub(crate) struct Ctxt {
    // `None` once `check` has taken the errors.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error spanning `obj`'s tokens.
    pub(crate) fn error_spanned_by<A: ToTokens, T: Display>(&self, obj: A, msg: T) {
        self.syn_error(syn::Error::new_spanned(obj.into_token_stream(), msg));
    }

    /// Records an error at `span`.
    pub(crate) fn error_at<T: Display>(&self, span: proc_macro2::Span, msg: T) {
        self.syn_error(syn::Error::new(span, msg));
    }

    /// Records a `syn` error (a parse error, usually).
    pub(crate) fn syn_error(&self, err: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(err);
        }
    }

    /// All recorded errors, combined into one.
    pub(crate) fn check(self) -> syn::Result<()> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut iter = errors.into_iter();
        let Some(mut first) = iter.next() else {
            return Ok(());
        };
        for rest in iter {
            first.combine(rest);
        }
        Err(first)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        // A `Ctxt` dropped with its errors unchecked would swallow them. That is a bug in
        // this crate, never in user input, so it is only asserted in debug builds (where
        // the unit tests run); `check` is called on every path.
        if !std::thread::panicking() {
            debug_assert!(
                self.errors.borrow().is_none(),
                "orm-macros: Ctxt dropped without calling check()"
            );
        }
    }
}
