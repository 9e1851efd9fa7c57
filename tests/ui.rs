//! Compile-fail and compile-pass tests of the derives (trybuild).
//!
//! The expected `.stderr` files are written by rustc 1.95, the toolchain CI runs; error
//! text changes between compiler versions, so any other compiler fails loudly here instead
//! of reporting spurious differences. Re-bless with `TRYBUILD=overwrite cargo test --test ui`.

#[rustversion::stable(1.95)]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/attributes/*.rs");
    t.compile_fail("tests/ui/typed/*.rs");
    t.pass("tests/ui/pass/*.rs");
}

#[rustversion::not(stable(1.95))]
#[test]
fn ui() {
    panic!(
        "the ui tests' .stderr files are written for rustc 1.95; run them with that toolchain \
         (or re-bless them with TRYBUILD=overwrite after switching CI's toolchain)"
    );
}
