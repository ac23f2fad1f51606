//! A template document as a county admin publishes it: loading never panics, and a template that
//! loads serializes to a document that loads to the same template.
#![no_main]

use fieldvisit_core::template::load_template;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = load_template(text) {
        let json = serde_json::to_string(&t).expect("a loaded template serializes");
        let again = load_template(&json).expect("its own document loads");
        assert_eq!(again, t);
    }
});
