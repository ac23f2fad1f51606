//! Photo pipeline: turns a camera JPEG or PNG into the evidence photo that leaves the phone.
//!
//! Owns everything between the camera's bytes and the upload: refusing foreign, oversized,
//! corrupt or bomb-like files before decoding (`guard.rs`), DCT-scaled decoding (`decode.rs`),
//! EXIF orientation (`orientation.rs`), SIMD downscaling (`resize.rs`), JPEG re-encoding without
//! any metadata (`encode.rs`), the thumbnail and the SHA-256 of the result (`pipeline.rs`).
//!
//! Nothing of the input's metadata (EXIF with GPS, XMP, comments, maker notes, ICC) reaches the
//! output: the pixels are re-encoded into a fresh file. The capture time belongs to the visit
//! record, not to the file.

mod decode;
mod encode;
mod error;
mod guard;
mod orientation;
mod pipeline;
mod resize;

#[cfg(any(test, feature = "fixtures"))]
pub mod fixture;
#[cfg(test)]
mod tests;

pub use error::MediaError;
pub use pipeline::process_photo;

/// Limits and output settings of the photo pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoConfig {
    /// Longest side of the output photo in pixels; smaller photos are never upscaled.
    pub max_long_side: u32,
    /// Longest side of the thumbnail in pixels.
    pub thumbnail_long_side: u32,
    /// JPEG quality (1 to 100) of the photo and the thumbnail.
    pub jpeg_quality: u8,
    /// Largest accepted input file, in bytes.
    pub max_input_bytes: usize,
    /// Largest accepted declared width x height.
    pub max_pixels: u64,
    /// Most memory the decoder may allocate for one photo, in bytes.
    pub max_decode_alloc: u64,
}

impl Default for PhotoConfig {
    fn default() -> Self {
        Self {
            max_long_side: 1600,
            thumbnail_long_side: 320,
            jpeg_quality: 80,
            max_input_bytes: 30 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_decode_alloc: 256 * 1024 * 1024,
        }
    }
}

/// The processed photo: metadata-free JPEG, its thumbnail, its size and its SHA-256.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// The upright, downscaled JPEG without any metadata segment.
    pub jpeg: Vec<u8>,
    /// A JPEG thumbnail of the same photo.
    pub thumbnail: Vec<u8>,
    /// Width of `jpeg` in pixels.
    pub width: u32,
    /// Height of `jpeg` in pixels.
    pub height: u32,
    /// SHA-256 of `jpeg`.
    pub sha256: [u8; 32],
}

impl std::fmt::Debug for ProcessedPhoto {
    // Photo bytes are evidence about a household: show sizes and the hash, never the content.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessedPhoto")
            .field("jpeg_bytes", &self.jpeg.len())
            .field("thumbnail_bytes", &self.thumbnail.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("sha256", &hex::encode(self.sha256))
            .finish()
    }
}
