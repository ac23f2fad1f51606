//! Camera-like photos for end-to-end tests and benchmarks: the core's procedural photo fixture
//! (sky, textured field, a house with hard edges, sensor noise; compresses like a real photo),
//! encoded as a phone camera would at quality 92 with EXIF, XMP, APP13 and a comment, so the real
//! photo pipeline has real work to do on every attach.

#[path = "../../core/src/media/fixture.rs"]
mod fixture;

/// A `width`×`height` camera JPEG; different seeds give different pictures.
pub fn camera_jpeg(width: u16, height: u16, seed: u64) -> Vec<u8> {
    let rgb = fixture::photo_rgb(u32::from(width), u32::from(height), seed);
    let jpeg = fixture::camera_jpeg(&rgb, width, height, Some(1), 92);
    assert!(!jpeg.is_empty(), "the camera fixture did not encode");
    jpeg
}
