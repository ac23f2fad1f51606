//! Bytes handed to the phone as a camera photo: decoding, the size guard, orientation, resizing
//! and re-encoding never panic, and whatever comes out is a JPEG within the configured size.
//!
//! The core runs the third-party decoders inside `catch_unwind` and turns their panics into a
//! "corrupt photo" error; libFuzzer's hook would abort on those caught panics, so panics raised
//! inside a decoder crate are left to the core, and every other panic still aborts.
#![no_main]

use std::sync::Once;

use fieldvisit_core::media::{PhotoConfig, process_photo};
use libfuzzer_sys::fuzz_target;

/// Crates the core wraps in `catch_unwind`.
const DECODERS: [&str; 4] = ["/jpeg-decoder-", "/png-", "/image-", "/zune-"];

fn leave_decoder_panics_to_the_core() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let aborting = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_decoder = info
                .location()
                .is_some_and(|l| DECODERS.iter().any(|d| l.file().contains(d)));
            if !in_decoder {
                aborting(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    leave_decoder_panics_to_the_core();
    let config = PhotoConfig::default();
    if let Ok(photo) = process_photo(data, &config) {
        assert!(
            photo.jpeg.starts_with(&[0xff, 0xd8]),
            "the output is a JPEG"
        );
        assert!(photo.width.max(photo.height) <= config.max_long_side);
    }
});
