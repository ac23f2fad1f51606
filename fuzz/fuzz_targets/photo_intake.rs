//! Bytes handed to the phone as a camera photo: decoding, the size guard, orientation, resizing
//! and re-encoding never panic, and whatever comes out is a JPEG within the configured size.
#![no_main]

use fieldvisit_core::media::{PhotoConfig, process_photo};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = PhotoConfig::default();
    if let Ok(photo) = process_photo(data, &config) {
        assert!(
            photo.jpeg.starts_with(&[0xff, 0xd8]),
            "the output is a JPEG"
        );
        assert!(photo.width.max(photo.height) <= config.max_long_side);
    }
});
