//! Camera-like photos: the core's made-up pictures (`fieldvisit_core::media::fixture`, re-exported
//! here) encoded as a phone camera would, by scene and size, for the simulated phones, the tests
//! and the benchmarks.

pub use fieldvisit_core::media::fixture::*;

use crate::SimError;

/// What a photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    /// The home from outside.
    House,
    /// A document on a table: agreement, authorisation, entrustment letter.
    Document,
}

/// A `width`×`height` camera JPEG of a house; different seeds give different pictures.
pub fn jpeg(width: u32, height: u32, seed: u64) -> Result<Vec<u8>, SimError> {
    scene_jpeg(Scene::House, width, height, seed)
}

/// A `width`×`height` camera JPEG of `scene`.
pub fn scene_jpeg(scene: Scene, width: u32, height: u32, seed: u64) -> Result<Vec<u8>, SimError> {
    let failed = SimError::Photo { width, height };
    let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
        return Err(failed);
    };
    let rgb = match scene {
        Scene::House => photo_rgb(width, height, seed),
        Scene::Document => document_rgb(width, height, seed),
    };
    let jpeg = camera_jpeg(&rgb, w, h, Some(1), 92);
    if jpeg.is_empty() {
        Err(failed)
    } else {
        Ok(jpeg)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn photos_decode_at_their_size_and_differ_by_seed_and_scene() {
        let a = jpeg(320, 240, 1).unwrap();
        let b = jpeg(320, 240, 2).unwrap();
        let c = scene_jpeg(Scene::Document, 320, 240, 1).unwrap();
        let d = scene_jpeg(Scene::Document, 160, 120, 1).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, jpeg(320, 240, 1).unwrap());
        for (bytes, size) in [
            (&a, (320, 240)),
            (&b, (320, 240)),
            (&c, (320, 240)),
            (&d, (160, 120)),
        ] {
            assert!(
                bytes.len() > 3_000 && bytes.len() < 100_000,
                "{}",
                bytes.len()
            );
            let img = image::load_from_memory(bytes).unwrap();
            assert_eq!((img.width(), img.height()), size);
        }
        assert!(jpeg(70_000, 10, 1).is_err());
    }

    #[test]
    fn camera_photos_carry_what_a_camera_writes() {
        let bytes = jpeg(64, 48, 3).unwrap();
        // SOI, COM, APP1 (EXIF), APP1 (XMP), APP13 before the frame.
        let markers = header_markers(&bytes);
        for m in [0xFE, 0xE1, 0xED, 0xDA] {
            assert!(markers.contains(&m), "{m:#x} in {markers:x?}");
        }
    }
}
