//! An answer as an app sends it: `path\njson` against each built-in template. Parsing never
//! panics, whatever the path and value.
#![no_main]

use std::sync::OnceLock;

use fieldvisit_core::template::builtin::builtin_templates;
use fieldvisit_core::template::{Template, parse_answer};
use libfuzzer_sys::fuzz_target;

fn templates() -> &'static [Template] {
    static T: OnceLock<Vec<Template>> = OnceLock::new();
    T.get_or_init(|| builtin_templates().expect("the built-in templates load"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (path, json) = text.split_once('\n').unwrap_or((text, "null"));
    let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
        return;
    };
    for t in templates() {
        let _ = parse_answer(t, path, &value);
    }
});
