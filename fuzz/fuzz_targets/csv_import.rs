//! A household CSV as an admin uploads it: parsing never panics, and every refused row names a
//! line within the file.
#![no_main]

use fieldvisit_server::ops::csv_import::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    if let Err(errors) = parse(data, &mut || {}) {
        for e in errors {
            assert!(
                e.line <= lines + 1,
                "row error at line {} of {lines}",
                e.line
            );
        }
    }
});
